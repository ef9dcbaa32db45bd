#!/usr/bin/env bash
# RFC 4475 torture messages through `sipua lint`, as the corpus MANIFEST.tsv
# classes them:
#   valid     exit 0 and "NAME.dat: ok"
#   invalid   exit 1 and "NAME.dat: invalid: line L, column C: ..."
#   semantic  exit 0 or 1, never 2 or a crash; what lint said is printed
# The corpus is checked against its SHA256SUMS first, and the manifest must
# list exactly the 49 messages (17 valid, 19 invalid, 13 semantic), each
# present on disk, so that none goes missing silently.
#
# This file also holds the manifest checker that rfc5118.sh and data.sh
# source: check_manifest and its helpers run nothing when sourced.
#
# Environment (set by CTest): SIPUA_BIN, SIPUA_CORPUS_DIR. Exit 0 all passed,
# 1 any failure, 77 when the corpus is absent.

# One line per check: verdict, name, class, what happened.
report()
{
    printf '%-4s  %-36s  %-8s  %s\n' "$1" "$2" "$3" "$4"
}

# Fails the whole run early (bad setup, damaged corpus).
die()
{
    echo "ERROR: $*"
    echo "0 passed, 1 failed"
    exit 1
}

need_bin()
{
    if [[ -z ${SIPUA_BIN:-} || ! -x $SIPUA_BIN ]]; then
        die "SIPUA_BIN is '${SIPUA_BIN:-}', not an executable sipua program (run through ctest)"
    fi
    # Sanitizer reports must read as crashes, not as lint's "invalid" (1).
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=134"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=134"
}

# sha256sum -c in the corpus directory; a damaged corpus makes every other
# result meaningless.
verify_sums()
{
    local dir=$1 out
    if [[ ! -f $dir/SHA256SUMS ]]; then
        die "$dir/SHA256SUMS is missing"
    fi
    if ! out=$(cd "$dir" && sha256sum -c --quiet --strict SHA256SUMS 2>&1); then
        printf '%s\n' "$out" >&2
        die "$dir does not match its SHA256SUMS"
    fi
    echo "checksums: $dir/SHA256SUMS ok"
}

# Runs lint on one file from inside its directory (so that it prints the bare
# file name). Sets lint_rc, lint_out, lint_err.
run_lint()
{
    local dir=$1 file=$2 errf
    errf=$(mktemp)
    lint_out=$(cd "$dir" && timeout 10 "$SIPUA_BIN" lint "$file" 2>"$errf")
    lint_rc=$?
    lint_err=$(<"$errf")
    rm -f "$errf"
}

# Judges lint's answer for one message against its class. Prints one line and
# returns 0 (pass) or 1 (fail).
judge()
{
    local name=$1 class=$2 file=$3 first what
    first=${lint_out%%$'\n'*}
    what="exit $lint_rc: ${first#"$file: "}"
    if ((lint_rc >= 124)); then
        report FAIL "$name" "$class" "crashed or timed out (exit $lint_rc): ${lint_err%%$'\n'*}"
        return 1
    fi
    if [[ -n $lint_err ]]; then
        report FAIL "$name" "$class" "$what; unexpected stderr: ${lint_err%%$'\n'*}"
        return 1
    fi
    # Compared literally (names hold '.', '-', '+'), then the rest by pattern.
    local is_ok=0 is_bad=0 where_re='^line [0-9]+, column [0-9]+: .+'
    [[ $lint_out == "$file: ok" ]] && is_ok=1
    [[ $first == "$file: invalid: "* && ${first#"$file: invalid: "} =~ $where_re ]] && is_bad=1
    case $class in
    valid)
        if ((lint_rc == 0 && is_ok)); then
            report PASS "$name" "$class" "$what"
            return 0
        fi
        ;;
    invalid)
        if ((lint_rc == 1 && is_bad)); then
            report PASS "$name" "$class" "$what"
            return 0
        fi
        ;;
    semantic)
        if ((lint_rc == 0 && is_ok)) || ((lint_rc == 1 && is_bad)); then
            report PASS "$name" "$class" "$what"
            return 0
        fi
        ;;
    *)
        report FAIL "$name" "$class" "unknown class in the manifest"
        return 1
        ;;
    esac
    report FAIL "$name" "$class" "$what"
    return 1
}

# check_manifest DIR EXT TOTAL COUNTS
#   DIR     the directory holding MANIFEST.tsv and the NAME.EXT messages
#   EXT     the messages' extension ("dat", "sip")
#   TOTAL   the number of messages the manifest must list; empty: any
#   COUNTS  "class=N ..." the manifest must hold; empty: not checked
# Every NAME.EXT of DIR must be listed and every listed name must exist.
# Prints one line per message and "N passed, N failed"; returns 0 or 1.
check_manifest()
{
    local dir=$1 ext=$2 total=$3 counts=$4
    local manifest=$dir/MANIFEST.tsv passed=0 failed=0 header name class
    local -A seen=() nclass=()

    if [[ ! -f $manifest ]]; then
        die "$manifest is missing"
    fi
    {
        IFS= read -r header
        header=${header%$'\r'}
        if [[ $header != $'name\tclass\treason' ]]; then
            die "$manifest: header line is '$header', expected 'name<TAB>class<TAB>reason'"
        fi
        while IFS=$'\t' read -r name class _; do
            class=${class%$'\r'}
            [[ -z $name ]] && continue
            if [[ -n ${seen[$name]:-} ]]; then
                report FAIL "$name" "$class" "listed twice in MANIFEST.tsv"
                failed=$((failed + 1))
                continue
            fi
            seen[$name]=1
            nclass[$class]=$((${nclass[$class]:-0} + 1))
            if [[ ! -f $dir/$name.$ext ]]; then
                report FAIL "$name" "$class" "listed in MANIFEST.tsv but $name.$ext is missing"
                failed=$((failed + 1))
                continue
            fi
            run_lint "$dir" "$name.$ext"
            if judge "$name" "$class" "$name.$ext"; then
                passed=$((passed + 1))
            else
                failed=$((failed + 1))
            fi
        done
    } <"$manifest"

    # Nothing on disk that the manifest forgot.
    local f base
    for f in "$dir"/*."$ext"; do
        [[ -e $f ]] || continue
        base=${f##*/}
        base=${base%."$ext"}
        if [[ -z ${seen[$base]:-} ]]; then
            report FAIL "$base" "-" "$base.$ext is not listed in MANIFEST.tsv"
            failed=$((failed + 1))
        fi
    done

    local listed=${#seen[@]}
    if [[ -n $total ]] && ((listed != total)); then
        echo "FAIL  MANIFEST.tsv lists $listed messages, expected $total"
        failed=$((failed + 1))
    fi
    local pair want got
    for pair in $counts; do
        want=${pair#*=}
        got=${nclass[${pair%%=*}]:-0}
        if ((got != want)); then
            echo "FAIL  MANIFEST.tsv has $got '${pair%%=*}' messages, expected $want"
            failed=$((failed + 1))
        fi
    done
    local summary=""
    for class in valid invalid semantic; do
        summary+=" $class=${nclass[$class]:-0}"
    done
    echo "manifest: $listed messages:$summary"

    echo "$passed passed, $failed failed"
    ((failed == 0))
}

# Entry point for one corpus directory: skip loudly when it is absent.
corpus_main()
{
    local label=$1 dir=$2 ext=$3 total=$4 counts=$5
    if [[ ! -d $dir ]]; then
        echo "SKIPPED: $label corpus not found at $dir"
        echo "SKIPPED: set SIPUA_CORPUS_DIR (CMake cache variable) to the shared corpus"
        exit 77
    fi
    need_bin
    verify_sums "$dir"
    check_manifest "$dir" "$ext" "$total" "$counts"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -uo pipefail
    corpus_main "RFC 4475" "${SIPUA_CORPUS_DIR:-}/rfc4475" dat 49 "valid=17 invalid=19 semantic=13"
fi
