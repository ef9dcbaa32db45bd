#!/usr/bin/env bash
# The `sipua lint` command-line contract:
#   exit 0 all valid, 1 any invalid, 2 usage error or unreadable file;
#   "FILE: ok" / "FILE: invalid: line L, column C: [Header: ]reason", then
#   the faulty line and a caret under column C;
#   '-' reads standard input (once); --json prints one JSON object per file.
# Uses tests/data messages only, so it runs without the shared corpus.
#
# Environment (set by CTest): SIPUA_BIN, SIPUA_TEST_DATA. Exit 0 all passed,
# 1 any failure.
set -uo pipefail

passed=0
failed=0

if [[ -z ${SIPUA_BIN:-} || ! -x $SIPUA_BIN ]]; then
    echo "ERROR: SIPUA_BIN is '${SIPUA_BIN:-}', not an executable sipua program (run through ctest)" >&2
    exit 1
fi
data=${SIPUA_TEST_DATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)}
if ! command -v python3 >/dev/null; then
    echo "ERROR: python3 is needed to check --json output" >&2
    exit 1
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=134"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=134"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$data"/ok-rack.sip "$data"/ok-bare-lf.sip "$data"/bad-via-empty-param.sip \
    "$data"/bad-max-forwards-256.sip "$data"/bad-response-sip-2-1.sip "$data"/bad-empty.sip "$data"/bad-missing-via.sip \
    "$work"/ || exit 1
cd "$work" || exit 1
valid=ok-rack.sip
invalid=bad-via-empty-param.sip

# run [< input] ARGS...: runs `sipua lint ARGS`, sets rc, out, err.
run()
{
    out=$("$SIPUA_BIN" lint "$@" 2>stderr.txt)
    rc=$?
    err=$(<stderr.txt)
}

# verdict STATUS WHAT: STATUS is the $? of the checks just made.
verdict()
{
    local status=$1 what=$2
    if ((status == 0)); then
        printf 'PASS  %s\n' "$what"
        passed=$((passed + 1))
    else
        printf 'FAIL  %s\n' "$what"
        printf '      exit %s\n' "$rc"
        [[ -n $out ]] && printf '      stdout: %s\n' "${out//$'\n'/$'\n              '}"
        [[ -n $err ]] && printf '      stderr: %s\n' "${err//$'\n'/$'\n              '}"
        failed=$((failed + 1))
    fi
}

# The verdict lines of lint's output ("FILE: ok", "FILE: invalid: ..."),
# without the context lines, as "FILE FILE ...".
verdict_files()
{
    grep -E '^[^ ].*: (ok|invalid: )' <<<"$out" | sed -E 's/: (ok|invalid: .*)$//' | tr '\n' ' '
}

# ---- exit codes ----

run "$valid"
((rc == 0)) && [[ $out == "$valid: ok" && -z $err ]]
verdict $? "valid file: exit 0, '$valid: ok'"

run "$invalid"
((rc == 1)) && [[ $out == "$invalid: invalid: "* && -z $err ]]
verdict $? "invalid file: exit 1, an 'invalid:' line"

run "$valid" "$invalid" ok-bare-lf.sip
((rc == 1)) && [[ $(verdict_files) == "$valid $invalid ok-bare-lf.sip " ]]
verdict $? "valid, invalid, valid: exit 1, one verdict per file, in order"

run no-such-file.sip
((rc == 2)) && [[ $err == *no-such-file.sip* && -z $out ]]
verdict $? "missing file: exit 2, a message on stderr naming it"

run "$valid" no-such-file.sip "$invalid"
((rc == 2)) && [[ $(verdict_files) == "$valid $invalid " && $err == *no-such-file.sip* ]]
verdict $? "missing file among others: exit 2, the others still checked"

mkdir adir
run adir
((rc == 2)) && [[ $err == *adir* && -z $out ]]
verdict $? "a directory: exit 2 (unreadable), a message on stderr"

run
((rc == 2)) && [[ $err == *usage* && -z $out ]]
verdict $? "no FILE: exit 2, usage on stderr"

run --frobnicate "$valid"
((rc == 2)) && [[ $err == *--frobnicate* && -z $out ]]
verdict $? "unknown option: exit 2, named on stderr"

run --help
((rc == 0)) && [[ $out == *usage* ]]
verdict $? "--help: exit 0, usage on stdout"

run -- "$valid"
((rc == 0)) && [[ $out == "$valid: ok" ]]
verdict $? "'--' ends the options"

# ---- standard input ----

run - <"$valid"
((rc == 0)) && [[ $out == "<stdin>: ok" ]]
verdict $? "'-' reads a valid message from stdin: exit 0, '<stdin>: ok'"

run - <"$invalid"
((rc == 1)) && [[ $out == "<stdin>: invalid: line 2, column 40: Via: empty parameter"$'\n'* ]]
verdict $? "'-' reads an invalid message from stdin: exit 1, the fault"

run "$valid" - <"$invalid"
((rc == 1)) && [[ $(verdict_files) == "$valid <stdin> " ]]
verdict $? "a file and '-': exit 1, both checked"

run - - <"$valid"
((rc == 2)) && [[ -n $err && -z $out ]]
verdict $? "'-' twice: exit 2, a message on stderr"

# ---- where and what ----

# expect_fault FILE LINE COLUMN TEXT: the verdict line, then the faulty line
# of the file and a caret under COLUMN.
expect_fault()
{
    local file=$1 line=$2 col=$3 text=$4 context caret
    run "$file"
    ((rc == 1)) && [[ $(sed -n 1p <<<"$out") == "$file: invalid: line $line, column $col: $text" ]]
    verdict $? "$file: 'line $line, column $col: $text'"
    context="    $(sed -n "${line}p" "$file" | tr -d '\r')"
    caret="$(printf '%*s' $((4 + col - 1)) '')^"
    [[ $(sed -n 2p <<<"$out") == "$context" && $(sed -n 3p <<<"$out") == "$caret" ]]
    verdict $? "$file: the faulty line, and a caret under column $col"
}

expect_fault bad-via-empty-param.sip 2 40 "Via: empty parameter"
expect_fault bad-max-forwards-256.sip 3 15 "Max-Forwards: Max-Forwards larger than 255"
expect_fault bad-response-sip-2-1.sip 1 1 "unsupported SIP version"
expect_fault bad-missing-via.sip 1 1 "missing Via header"

# ---- --json ----

# json_check PYTHON-EXPR: stdout is one JSON object per line, and the
# expression, over `objs` (the objects in order), is true.
json_check()
{
    python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
if not all(isinstance(o, dict) for o in objs):
    sys.exit("not one JSON object per line")
sys.exit(0 if eval("(" + sys.argv[1].strip() + ")") else 1)
' "$1" <<<"$out"
}

run --json "$valid"
((rc == 0)) && json_check '
    len(objs) == 1 and objs[0]["file"] == "ok-rack.sip" and objs[0]["valid"] is True
    and objs[0]["start_line"] == "PRACK sip:bob@192.0.2.4 SIP/2.0"
    and objs[0]["headers"]["call_id"] == "a84b4c76e66710@pc33.example.com"
    and objs[0]["body_length"] == 0 and "error" not in objs[0]'
verdict $? "--json, valid: exit 0; valid, start_line, headers.call_id, body_length"

run --json "$invalid"
((rc == 1)) && json_check '
    len(objs) == 1 and objs[0]["valid"] is False
    and objs[0]["error"]["reason"] == "empty parameter" and objs[0]["error"]["header"] == "Via"
    and objs[0]["error"]["line"] == 2 and objs[0]["error"]["column"] == 40
    and "body_length" not in objs[0]'
verdict $? "--json, invalid: exit 1; valid false, error.reason, error.line"

run --json "$valid" "$invalid" bad-empty.sip ok-bare-lf.sip
((rc == 1)) && json_check '
    [o["file"] for o in objs] == ["ok-rack.sip", "bad-via-empty-param.sip", "bad-empty.sip",
                                  "ok-bare-lf.sip"]
    and [o["valid"] for o in objs] == [True, False, False, True]
    and all("reason" in o["error"] and "line" in o["error"] for o in objs if not o["valid"])
    and all("body_length" in o and "call_id" in o["headers"] for o in objs if o["valid"])'
verdict $? "--json, four files: exit 1, four objects in order"

run --json - <"$valid"
((rc == 0)) && json_check 'len(objs) == 1 and objs[0]["file"] == "<stdin>" and objs[0]["valid"]'
verdict $? "--json from stdin: file is '<stdin>'"

echo "$passed passed, $failed failed"
((failed == 0))
