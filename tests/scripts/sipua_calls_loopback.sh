#!/usr/bin/env bash
# sipua against sipua: `sipua call` to `sipua answer` on 127.0.0.1 over each
# switched-on transport (UDP, TCP, TLS, WS, WSS; TLS and WSS with the test
# CA: answer has --cert/--key, call verifies with --ca). sipua answer listens
# on port 0 (--calls 1 --json) and the port is read from its output. Flows:
#   accept   answer --mode accept, call --hangup-after 0.5: both exit 0;
#            call: [progress...] accepted terminated (by us); answer:
#            [progress...] accepted terminated (by the peer)
#   callee   answer --hangup-after 0.5: call exits 0, terminated by the peer
#   reject   answer --mode reject=486: call exits 1..123 naming Busy, both
#            report [progress...] failed
#   cancel   answer --mode ring, call --cancel-after 0.5: call exits 1..123
#            naming Canceled, both report [progress...] canceled
#   dtmf     call --dtmf 12 --hangup-after 1.5: answer reports dtmf 1 then 2
#            between accepted and terminated, and so does call (not run
#            while `sipua call --help` does not list --dtmf)
# sipua answer must exit 0 once its one call has ended. Processes are
# stopped by PID and every wait is bounded.
#
# Skipped (exit 77) while `sipua call` or `sipua answer` does not exist.
# SIPUA_CALLS_LOOPBACK_TRANSPORTS overrides the transports ("udp tcp").
# Exit 0 all passed, 1 any failure, 77 skipped.

# Functions below run indirectly.
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

TRANSPORTS=(udp tcp tls ws wss)

interop_init sipua_calls_loopback
need_sipua_command call
need_sipua_command answer
switched_on SIPUA_CALLS_LOOPBACK_TRANSPORTS "${TRANSPORTS[@]}"
transports=("${TRANSPORTS_ON[@]}")
need_program openssl openssl
test_ca || fail "cannot make the test CA"
log "transports: ${transports[*]}"

SIPUA_TIMEOUT=10
export SIPUA_TIMEOUT

exit_ok()
{
    local want=$1 rc=$2
    if [[ $want == 0 ]]; then
        ((rc == 0))
    else
        ((rc >= 1 && rc <= 123))
    fi
}

# listening_port FILE T: the port of the T listener sipua printed, as
# "listening on T:HOST:PORT" or as a JSON "listening" event.
listening_port()
{
    python3 - "$@" <<'PY'
import json, re, sys
path, t = sys.argv[1], sys.argv[2]
for line in open(path, errors="replace"):
    line = line.strip()
    m = re.match(r"listening on (\w+):.*:(\d+)$", line)
    if m and m.group(1).lower() == t:
        print(m.group(2)); sys.exit(0)
    if line.startswith("{"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("event") == "listening" and str(o.get("transport", "")).lower() == t:
            print(o["port"]); sys.exit(0)
sys.exit(1)
PY
}

# answer_up NAME T ANSWER_ARGS...: sipua answer on T:127.0.0.1:0 (with the
# test certificate for tls and wss); sets APORT from its output.
answer_up()
{
    local name=$1 t=$2 deadline
    shift 2
    local -a tls=()
    [[ $t == tls || $t == wss ]] && tls=(--cert "$CA_DIR/server-chain.pem" --key "$CA_DIR/server.key")
    peer_start "$name" "$SIPUA_BIN" answer --listen "$t:127.0.0.1:0" "${tls[@]}" --calls 1 --json "$@"
    deadline=$((SECONDS + 10))
    until APORT=$(listening_port "${PEER_LOG[$name]}" "$t"); do
        if ! peer_alive "$name" || ((SECONDS >= deadline)); then
            APORT=
            return 1
        fi
        sleep 0.05
    done
}

# loop_flow NAME T WANT_EXIT CALL_EVENTS CALL_TONES CALL_TERM CAUSE_RE
#           ANSWER_EVENTS ANSWER_TONES ANSWER_TERM -- ANSWER_ARGS... -- CALL_ARGS...
loop_flow()
{
    local name=$1 t=$2 want=$3 cev=$4 ctones=$5 cterm=$6 cause=$7 aev=$8 atones=$9 aterm=${10}
    shift 11
    local -a aargs=() cargs=()
    while (($# > 0)) && [[ $1 != -- ]]; do aargs+=("$1"); shift; done
    shift
    cargs=("$@")
    local -a tls=()
    [[ $t == tls || $t == wss ]] && tls=(--ca "$CA_DIR/ca.pem")
    local rc
    if ! answer_up "answer_$name" "$t" "${aargs[@]}"; then
        problem "sipua answer did not print a $t listener"
        peer_log_tail "answer_$name" 20
        peer_stop "answer_$name" 2 >/dev/null
        return
    fi
    sipua_run "call_$name" call "sip:bob@127.0.0.1:$APORT" --transport "$t" "${tls[@]}" --json \
        "${cargs[@]}"
    rc=$?
    exit_ok "$want" "$rc" || problem "sipua call exited $rc, want $([[ $want == 0 ]] && echo 0 || echo 1..123)"
    if [[ $cause != - ]] && ! grep -Eqi -- "$cause" "$SCRATCH/call_$name.out"; then
        problem "sipua call's output does not name the cause /$cause/"
    fi
    session_events_check "$SCRATCH/call_$name.out" "$cev" "$ctones" "$cterm" || problem "sipua call's JSON events"
    peer_wait_exit "answer_$name" 10
    rc=$?
    if ((rc == 124)); then
        problem "sipua answer --calls 1 still running 10 s after the call"
        peer_stop "answer_$name" 2 >/dev/null
    elif ((rc != 0)); then
        problem "sipua answer exited $rc, want 0"
    fi
    echo "----- sipua answer ${aargs[*]} -----"
    sed 's/^/  | /' "${PEER_LOG[answer_$name]}"
    session_events_check "${PEER_LOG[answer_$name]}" "$aev" "$atones" "$aterm" || problem "sipua answer's JSON events"
}

CALL_HELP=$(timeout 5 "$SIPUA_BIN" call --help 2>&1 </dev/null)
call_has() { grep -q -- "$1\b" <<<"$CALL_HELP"; }

P='(progress )*'
for t in "${transports[@]}"; do
    T=${t^^}
    out=$SCRATCH/accept_$t.check
    loop_flow "accept_$t" "$t" 0 "${P}accepted terminated" - '"by": *"(us|local)"' - \
        "${P}accepted terminated" - '"by": *"(peer|remote)"' -- --mode accept -- \
        --hangup-after 0.5 >"$out" 2>&1
    flow_end "$T call -> answer, caller hangs up: both exit 0, events in order" "$out"

    out=$SCRATCH/callee_$t.check
    SIPUA_TIMEOUT=5 loop_flow "callee_$t" "$t" 0 "${P}accepted terminated" - '"by": *"(peer|remote)"' - \
        "${P}accepted terminated" - '"by": *"(us|local)"' -- --hangup-after 0.5 -- >"$out" 2>&1
    flow_end "$T call -> answer --hangup-after 0.5: call exits 0, terminated by the peer" "$out"

    out=$SCRATCH/reject_$t.check
    loop_flow "reject_$t" "$t" fail "${P}failed" - - busy "${P}failed" - - -- \
        --mode reject=486 -- >"$out" 2>&1
    flow_end "$T call -> answer --mode reject=486: call fails naming Busy, both report failed" "$out"

    out=$SCRATCH/cancel_$t.check
    loop_flow "cancel_$t" "$t" fail "${P}canceled" - - cancel "${P}canceled" - - -- \
        --mode ring -- --cancel-after 0.5 >"$out" 2>&1
    flow_end "$T call --cancel-after 0.5 -> answer --mode ring: both report canceled" "$out"

    what="$T call --dtmf 12 -> answer: dtmf 1, 2 on both sides"
    if call_has --dtmf; then
        out=$SCRATCH/dtmf_$t.check
        loop_flow "dtmf_$t" "$t" 0 "${P}accepted dtmf dtmf terminated" '1 2' - - \
            "${P}accepted dtmf dtmf terminated" '1 2' - -- --mode accept -- \
            --dtmf 12 --dtmf-duration 100 --dtmf-gap 100 --hangup-after 1.5 >"$out" 2>&1
        flow_end "$what" "$out"
    else
        log "NOT RUN  $what (sipua call has no --dtmf yet)"
    fi
done

# a stream transport refused: the call fails at once (RFC 3261 8.1.3.1),
# not after timer B
refused_at_once()
{
    local port rc out start=$SECONDS
    read -r port < <(free_ports 1)
    out=$(SIPUA_TIMEOUT=10 sipua_run refused call "sip:nobody@127.0.0.1:$port;transport=tcp")
    rc=$?
    echo "$out"
    ((rc >= 1 && rc <= 123)) || { echo "exit $rc, want 1..123"; return 1; }
    grep -q "Connection Error" <<<"$out" || { echo "no Connection Error"; return 1; }
    ((SECONDS - start <= 3)) || { echo "took $((SECONDS - start)) s"; return 1; }
}
check "TCP call to a port nobody listens on: failed, Connection Error, within 3 s" refused_at_once

# answer --auth: a caller with the wrong password is refused (401 twice:
# Authentication Error, exit 1..123) and never reaches the application;
# the right one is taken
auth_flow()
{
    local rc incoming
    if ! answer_up auth udp --auth alice:s3cret --auth-realm loopback.test; then
        problem "sipua answer --auth did not start"
        return
    fi
    sipua_run auth_bad call "sip:bob@127.0.0.1:$APORT" --user alice --password guess
    rc=$?
    ((rc >= 1 && rc <= 123)) || problem "wrong password: exit $rc, want 1..123"
    grep -q "Authentication Error" "$SCRATCH/auth_bad.out" || problem "no Authentication Error"
    sipua_run auth_ok call "sip:bob@127.0.0.1:$APORT" --user alice --password s3cret \
        --hangup-after 0.3
    rc=$?
    ((rc == 0)) || problem "right password: exit $rc, want 0"
    peer_wait_exit auth 10
    rc=$?
    if ((rc == 124)); then
        problem "sipua answer did not end after its one call"
        peer_stop auth 2 >/dev/null
    fi
    incoming=$(grep -c '"event":"incoming"' "${PEER_LOG[auth]}")
    ((incoming == 1)) || problem "sipua answer saw $incoming calls, want 1"
}
out=$SCRATCH/auth.check
auth_flow >"$out" 2>&1
flow_end "answer --auth: a wrong password refused (Authentication Error), the right one taken" "$out"

# --100rel required on the answering side: a caller with --100rel no is
# refused 421 (exit 1..123, the 421 printed); one that offers 100rel is
# taken, and --mode preaccept's 183 goes with Require: 100rel and is PRACKed
rel100_flow()
{
    local rc
    if ! answer_up rel udp --100rel required --mode preaccept --ring 0.3 --ladder; then
        problem "sipua answer --100rel required did not start"
        return
    fi
    sipua_run rel_no call "sip:bob@127.0.0.1:$APORT" --100rel no --ladder
    rc=$?
    ((rc >= 1 && rc <= 123)) || problem "--100rel no against required: exit $rc, want 1..123"
    grep -q "421 Extension Required" "$SCRATCH/rel_no.out" || problem "no 421 Extension Required"
    sipua_run rel_ok call "sip:bob@127.0.0.1:$APORT" --hangup-after 0.3 --ladder
    rc=$?
    ((rc == 0)) || problem "a caller offering 100rel: exit $rc, want 0"
    grep -q "PRACK" "$SCRATCH/rel_ok.out" || problem "no PRACK in the caller's ladder"
    peer_wait_exit rel 10
    rc=$?
    if ((rc == 124)); then
        problem "sipua answer did not end after its one call"
        peer_stop rel 2 >/dev/null
    fi
}
out=$SCRATCH/rel100.check
rel100_flow >"$out" 2>&1
flow_end "--100rel required: a caller without 100rel refused 421, one with it PRACKs the 183" "$out"

finish
