#!/usr/bin/env bash
# Scale-out: Kamailio's dispatcher module in front of three `sipua answer`
# instances on 127.0.0.1 (tests/interop/kamailio/dispatcher.cfg), SIPp's
# built-in uac sending calls to Kamailio at a fixed rate, and one instance
# killed (SIGKILL: a crash, no goodbye) part-way through. Checked:
#   - before the kill the calls are spread over the three instances (by a
#     hash of the Call-ID: each gets at least a sixth of them);
#   - Kamailio notices (its failure route or its OPTIONS probe marks the
#     instance down, in its log) within a few seconds;
#   - after it noticed, every call succeeds: SIPp's failed-call count
#     stops growing (the calls in flight at the kill are the only ones
#     that may fail: their instance vanished with them);
#   - the two survivors take the rest and exit cleanly.
# The figures (calls per instance, failures before and after) are printed.
# SIPUA_DISPATCHER_RATE and SIPUA_DISPATCHER_SECONDS override the rate (100
# calls/s) and the duration (12 s; the kill comes at a third of it).
# Exit 0 passed, 1 failed, 77 skipped (kamailio, its dispatcher module or
# sipp missing).

# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

RATE=${SIPUA_DISPATCHER_RATE:-100}
SECONDS_RUN=${SIPUA_DISPATCHER_SECONDS:-12}

interop_init kamailio_dispatcher
need_sipua_command answer
need_program kamailio kamailio
need_program sipp sip-tester
modules=$(kamailio -h 2>/dev/null | sed -n 's/.*Modules search path (default: \(.*\)).*/\1/p')
[[ -z $modules || -f $modules/dispatcher.so ]] ||
    skip "Kamailio's dispatcher module is missing from $modules" "run scripts/install-deps"

read -r P_KAM P1 P2 P3 < <(free_ports 4)
PORTS=("$P1" "$P2" "$P3")

for i in 0 1 2; do
    peer_start "sipua$i" "$SIPUA_BIN" answer --listen "udp:127.0.0.1:${PORTS[$i]}" --json
done
for i in 0 1 2; do
    peer_wait_log "sipua$i" '"event":"listening"' 10 || fail "sipua answer $i did not start"
done

list=$SCRATCH/dispatcher.list
for p in "${PORTS[@]}"; do echo "1 sip:127.0.0.1:$p"; done >"$list"
run=$SCRATCH/kamailio.run
mkdir -p "$run"
peer_start kamailio kamailio -DD -E -f "$INTEROP_DIR/kamailio/dispatcher.cfg" -Y "$run" -w "$run" \
    -m 64 -M 8 -A "UDP_PORT=$P_KAM" -A "DS_LIST=\"$list\""
peer_wait_port kamailio udp "$P_KAM" 10 || { peer_log_tail kamailio 30; fail "Kamailio did not start"; }
sleep 2 # a round of OPTIONS probes: every instance up

# incoming FILE: the calls an instance received (its "incoming" events).
incoming() { grep -c '"event":"incoming"' "$1" 2>/dev/null || true; }

calls=$((RATE * SECONDS_RUN))
kill_at=$((SECONDS_RUN / 3))
log "SIPp uac: $calls calls at $RATE/s through Kamailio (udp $P_KAM); instance 1 killed at ${kill_at} s"
sipp_start uac -sn uac "127.0.0.1:$P_KAM" -i 127.0.0.1 -p 0 -r "$RATE" -m "$calls" \
    -buff_size 4194304 -trace_stat -stf "$SCRATCH/uac.csv" -fd 1
SIPP_START=$SECONDS
sleep "$kill_at"
before=()
for i in 0 1 2; do before+=("$(incoming "${PEER_LOG[sipua$i]}")"); done
kill -KILL "${PEER_PID[sipua1]}"
log "killed instance 1 (PID ${PEER_PID[sipua1]}); calls so far: ${before[*]}"
peer_wait_exit sipua1 5 >/dev/null
peer_wait_exit uac $((SECONDS_RUN + 40))
uac_rc=$?
((uac_rc == 124)) && peer_stop uac 2 >/dev/null
log "SIPp ended (exit $uac_rc) after $((SECONDS - SIPP_START)) s"

after=()
for i in 0 1 2; do after+=("$(incoming "${PEER_LOG[sipua$i]}")"); done

# the failure counts from SIPp's statistics, one line a second: the last
# before the kill, the total, and the first second from which they no
# longer grow
read -r FAILED_TOTAL OK_TOTAL FAILED_AT_KILL STABLE_FROM < <(python3 - "$SCRATCH/uac.csv" "$kill_at" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
head, rows = rows[0], [r for r in rows[1:] if len(r) > 5]
fc, sc, el = head.index("FailedCall(C)"), head.index("SuccessfulCall(C)"), head.index("ElapsedTime(C)")
def secs(t):
    h, m, s = t.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
kill = float(sys.argv[2])
failed = [(secs(r[el]), int(r[fc])) for r in rows]
at_kill = max([f for t, f in failed if t <= kill] or [0])
total = failed[-1][1] if failed else 0
stable = next((t for t, f in failed if f == total), 0)
print(total, rows[-1][sc] if rows else 0, at_kill, "%.0f" % stable)
PY
)

echo "calls per instance before the kill: ${before[*]}"
echo "calls per instance at the end:      ${after[*]}"
echo "SIPp: $OK_TOTAL successful, $FAILED_TOTAL failed ($FAILED_AT_KILL before the kill); failures stop growing from ${STABLE_FROM} s (kill at ${kill_at} s)"
grep -E "marked down|is down|is up" "${PEER_LOG[kamailio]}" | head -5

flow_spread()
{
    local total=$((before[0] + before[1] + before[2])) i
    ((total > 0)) || { echo "no call reached an instance"; return 1; }
    for i in 0 1 2; do
        ((before[i] * 6 >= total)) || { echo "instance $i got ${before[i]} of $total"; return 1; }
    done
}
flow_noticed()
{
    grep -Eq "instance sip:127\.0\.0\.1:$P2 did not answer|dst-down|is down" \
        "${PEER_LOG[kamailio]}" || { peer_log_tail kamailio 20; return 1; }
}
flow_no_failure_after()
{
    # the calls in flight at the kill may fail; none from 3 s after it
    ((STABLE_FROM <= kill_at + 3)) ||
        { echo "failures still grew at ${STABLE_FROM} s (kill at ${kill_at} s)"; return 1; }
    ((FAILED_AT_KILL == 0)) || { echo "$FAILED_AT_KILL calls failed before the kill"; return 1; }
    ((OK_TOTAL + FAILED_TOTAL == calls)) || { echo "SIPp did not end all $calls calls"; return 1; }
    ((FAILED_TOTAL * 100 <= calls)) || { echo "$FAILED_TOTAL of $calls calls failed"; return 1; }
}
# the survivors end on SIGTERM (from here: `check` runs in a subshell)
STOP_RC=()
for i in 0 2; do
    peer_stop "sipua$i" 5 >/dev/null
    STOP_RC[i]=$?
done
peer_stop kamailio 5 >/dev/null

flow_survivors()
{
    local i ok=0
    for i in 0 2; do
        ((after[i] > before[i])) || { echo "instance $i took no call after the kill"; ok=1; }
        ((STOP_RC[i] == 0)) || { echo "instance $i exited ${STOP_RC[i]} on SIGTERM"; ok=1; }
    done
    return "$ok"
}

check "the calls are spread over the three instances (${before[*]})" flow_spread
check "Kamailio marks the killed instance down" flow_noticed
check "no call fails once Kamailio noticed ($FAILED_TOTAL of $calls failed, all at the kill)" flow_no_failure_after
check "the two survivors take the calls after the kill and stop cleanly" flow_survivors
finish
