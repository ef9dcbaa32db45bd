#!/usr/bin/env bash
# Call transfer between sipua processes on 127.0.0.1 (REFER, RFC 3515): Alice
# is `sipua call`, Bob and Carol are `sipua answer` on port 0 (--json; the
# port is read from their output). Over UDP and TCP:
#   callee transfers  Bob: answer --refer Carol. Alice calls Bob, is referred,
#                     calls Carol, Bob hangs up on her once NOTIFY says 200,
#                     Alice hangs up on Carol after 1 s. Alice exits 0 with
#                     accepted referred accepted terminated terminated; Bob
#                     sees refer_progress 202 ... 200 (final) and exits 0;
#                     Carol's one call ends by the peer.
#   caller transfers  Alice: call Bob --refer Carol. Bob (answer --calls 2)
#                     takes the REFER and calls Carol (his second call),
#                     Alice hangs up when the transfer is done and exits 0,
#                     Carol hangs up on Bob after 1 s; all exit 0.
#   target busy       as above with Carol rejecting 486: Alice's final
#                     refer_progress is 486, she hangs up and exits 1..123.
# Processes are stopped by PID and every wait is bounded.
#
# Skipped (exit 77) while `sipua call --help` has no --refer.
# SIPUA_TRANSFER_LOOPBACK_TRANSPORTS overrides the transports ("udp").
# Exit 0 all passed, 1 any failure, 77 skipped.

# Functions below run indirectly.
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

TRANSPORTS=(udp tcp)

interop_init sipua_transfer_loopback
need_sipua_command call
need_sipua_command answer
timeout 5 "$SIPUA_BIN" call --help 2>&1 </dev/null | grep -q -- '--refer' ||
    skip "sipua call has no --refer"
switched_on SIPUA_TRANSFER_LOOPBACK_TRANSPORTS "${TRANSPORTS[@]}"
transports=("${TRANSPORTS_ON[@]}")
log "transports: ${transports[*]}"

SIPUA_TIMEOUT=15
export SIPUA_TIMEOUT

# events FILE: the session events of FILE's JSON lines, "name[:code]" with
# the session number, e.g. "1:accepted 1:referred 2:accepted"; progress
# events other than refer_progress are left out.
events()
{
    python3 - "$1" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        o = json.loads(line)
    except ValueError:
        continue
    e = o.get("event")
    if e in ("accepted", "referred", "terminated", "failed", "canceled"):
        out.append("%s:%s" % (o.get("session"), e))
    elif e == "refer_progress":
        out.append("%s:%s%s%s" % (o.get("session"), e, o.get("code"),
                                  "!" if o.get("final") else ""))
print(" ".join(out))
PY
}

# expect WHO FILE REGEX: the events of FILE match REGEX in full.
expect()
{
    local who=$1 file=$2 re=$3 got
    got=$(events "$file")
    echo "$who events: $got"
    [[ $got =~ ^$re$ ]] || problem "$who's events '$got' do not match /$re/"
}

# listening_port NAME T: the port sipua answer printed for T.
listening_port()
{
    local name=$1 t=$2 deadline=$((SECONDS + 10)) port
    while :; do
        port=$(python3 - "${PEER_LOG[$name]}" "$t" <<'PY'
import json, sys
for line in open(sys.argv[1], errors="replace"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("event") == "listening" and o.get("transport") == sys.argv[2]:
        print(o["port"]); break
PY
)
        [[ -n $port ]] && { echo "$port"; return 0; }
        peer_alive "$name" && ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

# transfer_flow NAME T WANT_EXIT ALICE_RE BOB_RE CAROL_RE BOB_CALLS
#               -- BOB_ARGS -- CAROL_ARGS -- ALICE_ARGS
# (in BOB_ARGS and ALICE_ARGS, CAROL stands for Carol's URI)
transfer_flow()
{
    local name=$1 t=$2 want=$3 are=$4 bre=$5 cre=$6 bcalls=$7
    shift 7
    local -a bargs=() cargs=() aargs=()
    shift # --
    while [[ $1 != -- ]]; do bargs+=("$1"); shift; done
    shift
    while [[ $1 != -- ]]; do cargs+=("$1"); shift; done
    shift
    aargs=("$@")
    local cport bport rc
    peer_start "carol_$name" "$SIPUA_BIN" answer --listen "$t:127.0.0.1:0" --calls 1 --json \
        "${cargs[@]}"
    cport=$(listening_port "carol_$name" "$t") || { problem "Carol did not listen"; return; }
    local carol="sip:carol@127.0.0.1:$cport;transport=$t"
    bargs=("${bargs[@]/CAROL/$carol}")
    aargs=("${aargs[@]/CAROL/$carol}")
    peer_start "bob_$name" "$SIPUA_BIN" answer --listen "$t:127.0.0.1:0" --calls "$bcalls" \
        --json "${bargs[@]}"
    bport=$(listening_port "bob_$name" "$t") || { problem "Bob did not listen"; return; }
    sipua_run "alice_$name" call "sip:bob@127.0.0.1:$bport" --transport "$t" --json "${aargs[@]}"
    rc=$?
    if [[ $want == 0 ]]; then
        ((rc == 0)) || problem "Alice exited $rc, want 0"
    else
        ((rc >= 1 && rc <= 123)) || problem "Alice exited $rc, want 1..123"
    fi
    expect Alice "$SCRATCH/alice_$name.out" "$are"
    local who
    for who in bob carol; do
        peer_wait_exit "${who}_$name" 10
        rc=$?
        if ((rc == 124)); then
            problem "$who still running 10 s after Alice's call"
            peer_stop "${who}_$name" 2 >/dev/null
        elif ((rc != 0)); then
            problem "$who exited $rc, want 0"
        fi
        echo "----- $who -----"
        sed 's/^/  | /' "${PEER_LOG[${who}_$name]}"
    done
    expect Bob "${PEER_LOG[bob_$name]}" "$bre"
    expect Carol "${PEER_LOG[carol_$name]}" "$cre"
}

for t in "${transports[@]}"; do
    T=${t^^}
    out=$SCRATCH/callee_$t.check
    transfer_flow "callee_$t" "$t" 0 \
        '1:accepted 1:referred 2:accepted 1:terminated 2:terminated' \
        '1:accepted 1:refer_progress202 (1:refer_progress1[0-9][0-9] )*1:refer_progress200! 1:terminated' \
        '1:accepted 1:terminated' 1 \
        -- --refer CAROL -- -- --hangup-after 1 >"$out" 2>&1
    flow_end "$T callee transfers: Alice referred to Carol, NOTIFY 100 then 200, all exit 0" "$out"

    out=$SCRATCH/caller_$t.check
    transfer_flow "caller_$t" "$t" 0 \
        '1:accepted 1:refer_progress202 (1:refer_progress1[0-9][0-9] )*1:refer_progress200! 1:terminated' \
        '1:accepted 1:referred 2:accepted 1:terminated 2:terminated' \
        '1:accepted 1:terminated' 2 \
        -- -- --hangup-after 1 -- --refer CAROL >"$out" 2>&1
    flow_end "$T caller transfers: Bob calls Carol, Alice hangs up when NOTIFY says 200, all exit 0" "$out"

    out=$SCRATCH/busy_$t.check
    transfer_flow "busy_$t" "$t" fail \
        '1:accepted 1:refer_progress202 (1:refer_progress1[0-9][0-9] )*1:refer_progress486! 1:terminated' \
        '1:accepted 1:referred 2:failed 1:terminated' \
        '1:failed' 2 \
        -- -- --mode reject=486 -- --refer CAROL >"$out" 2>&1
    flow_end "$T transfer to a busy target: NOTIFY 486, Alice hangs up and exits non-zero" "$out"
done

finish
