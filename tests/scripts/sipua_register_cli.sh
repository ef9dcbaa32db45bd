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

peer_stop serve 5 >/dev/null
finish
