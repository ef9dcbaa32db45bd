#!/usr/bin/env bash
# The interactive softphone (`sipua` with no command), driven line by line
# through a pipe as a person would type, on 127.0.0.1:
#   incoming  `sipua call` (Alice) calls the shell (Bob): the shell rings,
#             `status` shows the call ringing, `answer` takes it, Alice's
#             DTMF arrives, `dtmf 42` goes back, `hold`/`unhold` re-INVITE,
#             `transfer` sends Alice to Carol (`sipua answer`), whose call
#             Alice hangs up 5 s after it answers; `quit` leaves with exit 0.
#   outgoing  the shell calls Carol (`call URI`), `hangup` ends it.
#   errors    an unknown command and an unknown call number are answered
#             with a message; an unknown option exits 2.
# Every wait is bounded; processes are stopped by PID.
# Exit 0 all passed, 1 any failure, 77 skipped (no sipua program).

# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

interop_init sipua_shell
need_sipua_command answer

read -r P_SHELL P_CAROL P_CAROL2 < <(free_ports 3)

# answer_port NAME: waits for the "listening on udp:127.0.0.1:PORT" line.
wait_listening()
{
    peer_wait_log "$1" '^listening on udp:127\.0\.0\.1:[0-9]+$' 10
}

# shell_script: the lines a person types, with the pauses they take.
incoming_script()
{
    sleep 1.2 # Alice's INVITE arrives
    echo "status"
    sleep 0.3
    echo "answer"
    sleep 0.6
    echo "dtmf 42"
    sleep 1.3
    echo "hold"
    sleep 0.5
    echo "unhold"
    sleep 0.5
    echo "transfer sip:carol@127.0.0.1:$P_CAROL"
    sleep 1.0
    echo "status"
    echo "frobnicate"
    echo "hangup 77"
    sleep 0.3
    echo "quit"
}

flow_incoming()
{
    peer_start carol "$SIPUA_BIN" answer --listen "udp:127.0.0.1:$P_CAROL" --calls 1
    wait_listening carol || return 1
    # the shell reads its commands from a pipe fed by incoming_script
    incoming_script | (cd "$SCRATCH" && timeout -k 2 20 "$SIPUA_BIN" --listen \
        "udp:127.0.0.1:$P_SHELL" --aor "sip:bob@127.0.0.1:$P_SHELL" --display-name Bob \
        >"$SCRATCH/shell.out" 2>&1) &
    local shell_pid=$!
    sleep 0.5
    sipua_run alice call "sip:bob@127.0.0.1:$P_SHELL" --aor sip:alice@127.0.0.1 \
        --dtmf 7 --hangup-after 5 >/dev/null
    local alice_rc=$?
    wait "$shell_pid"
    local shell_rc=$?
    peer_wait_exit carol 10
    local carol_rc=$?
    echo "----- the shell -----"
    sed 's/^/  | /' "$SCRATCH/shell.out"
    echo "----- Alice -----"
    sed 's/^/  | /' "$SCRATCH/alice.out"
    local ok=0 re
    for re in \
        'call 1: incoming from sip:alice@127\.0\.0\.1' \
        "call 1 is ringing: 'answer' takes it" \
        '\* call 1 from sip:alice@127\.0\.0\.1: ringing' \
        'call 1: accepted 200' \
        "call 1: dtmf '7' 100 ms received" \
        "call 1: dtmf '4' 100 ms sent" \
        "call 1: dtmf '2' 100 ms sent" \
        'call 1: renegotiated 200 OK: held by us' \
        'call 1: renegotiated 200 OK: active' \
        'call 1: refer_progress 202 Accepted' \
        'call 1: refer_progress 200 \(the transfer succeeded\)' \
        'call 1: terminated .*by us' \
        '^no calls$' \
        "unknown command 'frobnicate'" \
        '^no call 77$'; do
        grep -Eq -- "$re" "$SCRATCH/shell.out" || { echo "the shell's output lacks /$re/"; ok=1; }
    done
    for re in "call 1: dtmf '4' 100 ms received" 'call 1: renegotiated 200: held by the peer' \
        'call 1: referred to sip:carol@' 'call 2: accepted 200'; do
        grep -Eq -- "$re" "$SCRATCH/alice.out" || { echo "Alice's output lacks /$re/"; ok=1; }
    done
    ((shell_rc == 0)) || { echo "the shell exited $shell_rc, want 0"; ok=1; }
    ((alice_rc == 0)) || { echo "Alice exited $alice_rc, want 0"; ok=1; }
    ((carol_rc == 0)) || { echo "Carol exited $carol_rc, want 0"; ok=1; }
    return "$ok"
}

flow_outgoing()
{
    peer_start carol2 "$SIPUA_BIN" answer --listen "udp:127.0.0.1:$P_CAROL2" --calls 1 --ring 5
    wait_listening carol2 || return 1
    { echo "call sip:carol@127.0.0.1:$P_CAROL2"; sleep 1; echo "status"; echo "hangup"
      sleep 0.5; echo "quit"; } |
        (cd "$SCRATCH" && timeout -k 2 15 "$SIPUA_BIN" --listen "udp:127.0.0.1:0" \
            >"$SCRATCH/shell2.out" 2>&1)
    local rc=$?
    peer_wait_exit carol2 10
    local carol_rc=$?
    sed 's/^/  | /' "$SCRATCH/shell2.out"
    local ok=0 re
    for re in 'call 1: invite sip:carol@' 'call 1: progress 180' \
        '\* call 1 to sip:carol@127\.0\.0\.1:[0-9]+: calling' 'call 1: canceled 487'; do
        grep -Eq -- "$re" "$SCRATCH/shell2.out" || { echo "the shell's output lacks /$re/"; ok=1; }
    done
    ((rc == 0)) || { echo "the shell exited $rc, want 0"; ok=1; }
    ((carol_rc == 0)) || { echo "Carol exited $carol_rc, want 0"; ok=1; }
    return "$ok"
}

flow_bad_option()
{
    local out rc
    out=$(timeout 5 "$SIPUA_BIN" --frobnicate </dev/null 2>&1)
    rc=$?
    echo "$out"
    ((rc == 2)) && grep -q "unknown option '--frobnicate'" <<<"$out"
}

check "an incoming call answered, DTMF both ways, hold, unhold, transfer, quit" flow_incoming
check "an outgoing call, status while it rings, hangup cancels it" flow_outgoing
check "an unknown option exits 2 naming it" flow_bad_option
finish
