#!/usr/bin/env bash
# sipua register's settings and errors, with no registrar but `sipua serve`
# (which refuses REGISTER with 405):
#   - the config file found through XDG_CONFIG_HOME, a flag overriding it
#     (--expires), the file's display name, SIPUA_PASSWORD, all seen in the
#     REGISTER that --trace shows; the 405 ends the run with exit 1 and its
#     cause; the password printed nowhere;
#   - --config naming a file that does not exist, a line that does not
#     parse, an unknown key, a bad value: exit 2 naming FILE:LINE, never
#     the password's value;
#   - bad flags: exit 2 with what is wrong.
# Exit 0 all passed, 1 any failure, 77 skipped.
# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

interop_init sipua_register_cli
need_sipua_command register
need_sipua_command serve
# no settings from the user's own ~/.config/sipua/config
export XDG_CONFIG_HOME=$SCRATCH/no-config

read -r port < <(free_ports 1) || fail "no free port"
peer_start serve "$SIPUA_BIN" serve --listen "udp:127.0.0.1:$port"
peer_wait_port serve udp "$port" 10 || fail "sipua serve did not start"

SECRET='file-pw#;"x'
mkdir -p "$SCRATCH/xdg/sipua"
cat >"$SCRATCH/xdg/sipua/config" <<EOF
# the default file, through XDG_CONFIG_HOME
aor = sip:carol@127.0.0.1
display_name = "Carol From File"
registrar = sip:127.0.0.1:$port
expires = 100
password = $SECRET
EOF

no_secret()
{
    ! grep -qF -- "$1" "$2" || { echo "the password appears in $2"; return 1; }
}

defaults_and_overrides()
{
    local out=$SCRATCH/file.out rc
    XDG_CONFIG_HOME=$SCRATCH/xdg sipua_run file register --once --trace --expires 200
    rc=$?
    ((rc == 1)) &&
        grep -q "^REGISTER sip:127.0.0.1:$port SIP/2.0" "$out" &&
        grep -q '^From: "Carol From File" <sip:carol@127.0.0.1>;tag=' "$out" &&
        grep -q "^Expires: 200" "$out" &&
        grep -q "registration_failed 405 Method Not Allowed: SIP Failure Code" "$out" &&
        grep -q "registration failed: SIP_FAILURE_CODE (405 Method Not Allowed)" "$out" &&
        no_secret "$SECRET" "$out"
}
check "default config file, --expires over it, 405 -> exit 1 with its cause" defaults_and_overrides

env_password_and_json()
{
    local out=$SCRATCH/env.out rc
    SIPUA_PASSWORD=env-pw-1 XDG_CONFIG_HOME=$SCRATCH/xdg sipua_run env register --json \
        --display-name "Carol Flag"
    rc=$?
    ((rc == 1)) &&
        grep -q '"event":"registration_failed".*"status":405.*"cause":"SIP_FAILURE_CODE"' "$out" &&
        no_secret env-pw-1 "$out" && no_secret "$SECRET" "$out"
}
check "SIPUA_PASSWORD, --json: registration_failed with status and cause" env_password_and_json

config_errors()
{
    local out=$SCRATCH/errors.out rc bad=$SCRATCH/bad.conf
    printf 'aor = sip:carol@127.0.0.1\npassword "%s"\ncolour = blue\nexpires = soon\n' \
        "$SECRET" >"$bad"
    sipua_run errors register --once --config "$bad"
    rc=$?
    ((rc == 2)) &&
        grep -q "bad.conf:2: expected 'key = value'" "$out" &&
        grep -q "bad.conf:3: colour: unknown key" "$out" &&
        grep -q "bad.conf:4: expires: expires must be a number of seconds" "$out" &&
        no_secret "$SECRET" "$out" || return 1
    sipua_run missing register --config "$SCRATCH/no-such-file"
    rc=$?
    ((rc == 2)) && grep -q "no-such-file: No such file or directory" "$SCRATCH/missing.out"
}
check "config file errors name FILE:LINE, exit 2; a missing --config file, exit 2" config_errors

flag_errors()
{
    local rc
    sipua_run f1 register --expires 0 --aor sip:a@127.0.0.1
    rc=$?
    ((rc == 2)) && grep -q "bad --expires '0'" "$SCRATCH/f1.out" || return 1
    sipua_run f2 register --aor mailto:a@b
    rc=$?
    ((rc == 2)) && grep -q "not a sip: or sips: URI" "$SCRATCH/f2.out" || return 1
    sipua_run f3 register --bogus
    rc=$?
    ((rc == 2)) && grep -q "unknown option '--bogus'" "$SCRATCH/f3.out" || return 1
    sipua_run f4 register --password
    rc=$?
    ((rc == 2)) && grep -q -- "--password needs a value" "$SCRATCH/f4.out" || return 1
    XDG_CONFIG_HOME=$SCRATCH/none sipua_run f5 register --password x
    rc=$?
    ((rc == 2)) && grep -q "no address-of-record" "$SCRATCH/f5.out" || return 1
    sipua_run f6 register --transport sctp --aor sip:a@127.0.0.1
    rc=$?
    ((rc == 2)) && grep -q "transport must be udp, tcp, tls, ws or wss" "$SCRATCH/f6.out" || return 1
    sipua_run f7 register --keepalive 0 --aor sip:a@127.0.0.1
    rc=$?
    ((rc == 2)) && grep -q "keepalive must be a number of seconds, 1 to 3600" "$SCRATCH/f7.out"
}
check "bad flags: exit 2 with what is wrong" flag_errors

# --gruu (and --outbound) without --instance-id: a random UUID kept in the
# config directory, the same on the next run; the REGISTER says so
instance_id_kept()
{
    local rc id1 id2 xdg=$SCRATCH/inst
    XDG_CONFIG_HOME=$xdg sipua_run inst1 register --once --trace --gruu --aor sip:carol@127.0.0.1 \
        --registrar "sip:127.0.0.1:$port"
    rc=$?
    ((rc == 1)) || { echo "exit $rc, want 1 (405)"; return 1; }
    [[ -f $xdg/sipua/instance-id ]] || { echo "no $xdg/sipua/instance-id"; return 1; }
    id1=$(cat "$xdg/sipua/instance-id")
    [[ $id1 =~ ^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
        { echo "not a version 4 UUID URN: $id1"; return 1; }
    if ! grep -qF "+sip.instance=\"<$id1>\"" "$SCRATCH/inst1.out" ||
        ! grep -q "^Supported: gruu" "$SCRATCH/inst1.out"; then
        echo "REGISTER without them"
        return 1
    fi
    ! grep -q "reg-id" "$SCRATCH/inst1.out" || { echo "reg-id without --outbound"; return 1; }
    XDG_CONFIG_HOME=$xdg sipua_run inst2 register --once --trace --gruu --aor sip:carol@127.0.0.1 \
        --registrar "sip:127.0.0.1:$port"
    id2=$(cat "$xdg/sipua/instance-id")
    if [[ $id1 != "$id2" ]] || ! grep -qF "+sip.instance=\"<$id1>\"" "$SCRATCH/inst2.out"; then
        echo "the second run's instance differs"
        return 1
    fi
    sipua_run inst3 register --once --trace --gruu --instance-id urn:uuid:given-1 \
        --aor sip:carol@127.0.0.1 --registrar "sip:127.0.0.1:$port"
    grep -qF '+sip.instance="<urn:uuid:given-1>"' "$SCRATCH/inst3.out"
}
check "--gruu: an instance id made once and kept, or --instance-id as given" instance_id_kept

outbound_policy_errors()
{
    local rc bad=$SCRATCH/policy.conf
    sipua_run o1 register --outbound --aor sip:a@127.0.0.1 --registrar "sip:127.0.0.1:$port"
    rc=$?
    ((rc == 2)) && grep -q -- "--outbound needs a stream transport" "$SCRATCH/o1.out" || return 1
    sipua_run o2 register --instance-id 'urn:x' --aor sip:a@127.0.0.1
    rc=$?
    ((rc == 2)) && grep -q "bad --instance-id 'urn:x': not a URN" "$SCRATCH/o2.out" || return 1
    printf '100rel = maybe\nmin_se = 10\nsession_timer = perhaps\nt1 = 0\nmax_headers = 3\n' >"$bad"
    sipua_run o3 register --config "$bad" --aor sip:a@127.0.0.1
    rc=$?
    ((rc == 2)) &&
        grep -q "policy.conf:1: 100rel: 100rel must be supported, required or no" "$SCRATCH/o3.out" &&
        grep -q "policy.conf:2: min_se: min_se must be a number of seconds, 90 to 86400" \
            "$SCRATCH/o3.out" &&
        grep -q "policy.conf:3: session_timer: must be yes or no" "$SCRATCH/o3.out" &&
        grep -q "policy.conf:4: t1: t1 must be a number of milliseconds" "$SCRATCH/o3.out" &&
        grep -q "policy.conf:5: max_headers: max_headers must be" "$SCRATCH/o3.out" || return 1
    printf 'session_expires = 100\nmin_se = 120\n' >"$bad"
    sipua_run o4 register --config "$bad" --aor sip:a@127.0.0.1
    rc=$?
    ((rc == 2)) && grep -q "session_expires (100 s) is below min_se (120 s)" "$SCRATCH/o4.out"
}
check "outbound over UDP, a bad instance id, bad policy keys: exit 2 with what is wrong" \
    outbound_policy_errors

peer_stop serve 5 >/dev/null
finish
