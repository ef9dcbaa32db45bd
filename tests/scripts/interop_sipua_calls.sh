#!/usr/bin/env bash
# `sipua call` and `sipua answer` against SIPp (tests/interop/sipp/call_*.xml),
# on free ports of 127.0.0.1, over each switched-on transport (UDP and TCP;
# SIPp here has no TLS or WebSocket).
#
# sipua calls, SIPp answers (sipua call TARGET --json):
#   call_uas_accept.xml      --hangup-after 1: exit 0; events
#                            [progress...] accepted terminated
#   call_uas_bye.xml         SIPp hangs up: exit 0; events as above, the
#                            terminated event naming the remote side
#   call_uas_busy.xml        486: exit 1..123, "busy" in the output; events
#                            [progress...] failed
#   call_uas_ring_cancel.xml --cancel-after 1: exit 1..123, "cancel" in the
#                            output; events [progress...] canceled
#   call_uas_dtmf.xml        --dtmf 12# (duration and gap 100 ms)
#                            --hangup-after 1.5: exit 0; events accepted,
#                            three dtmf (tones 1 2 #), terminated
#   call_uas_late_offer.xml  --no-sdp --hangup-after 1: exit 0
# and, over UDP only, call_uas_accept.xml again with --anonymous and two
# --header options (the INVITE in SIPp's trace has the anonymous From,
# Privacy: id and both headers) and with --ladder (no --json; the output
# shows INVITE, 200, ACK and BYE).
#
# SIPp calls, sipua answers (sipua answer --listen T:127.0.0.1:PORT
# --calls 1 --json; it must exit 0 once its one call has ended, however the
# call ended):
#   call_uac_basic.xml       --mode accept: events [progress...] accepted
#                            terminated (by the remote side)
#   call_uac_callee_bye.xml  --mode accept --hangup-after 0.5: the BYE
#                            reaches SIPp; terminated by us
#   call_uac_reject.xml      --mode reject=486 (and, over UDP, reject=603):
#                            that code in SIPp's trace; events
#                            [progress...] failed
#   call_uac_cancel.xml      --mode ring: events [progress...] canceled
#   call_uac_dtmf.xml        --mode accept: a dtmf event with tone 5
#   call_uac_prack.xml       --mode preaccept: reliable 183 with RSeq, PRACK, 200 (RFC 3262)
#
# Call transfer (REFER, RFC 3515), once `sipua call --help` lists --refer:
#   transfer_uac_refer.xml   SIPp calls `sipua answer --calls 2` and REFERs
#                            it to a second SIPp, transfer_target_uas.xml
#                            (which checks the new INVITE's Referred-By, RFC
#                            3892, and hangs up after 1 s); the first checks
#                            202, NOTIFY 100 (Subscription-State: active)
#                            and NOTIFY 200 (terminated), Event: refer,
#                            message/sipfrag, then sends BYE. Events:
#                            accepted referred accepted terminated
#                            terminated, all exit 0; the same with
#                            call_uas_busy.xml as the target: the final
#                            NOTIFY says 486 Busy Here, call 2 failed
#   transfer_uas_referee.xml `sipua call --refer sip:target@...`: SIPp checks
#                            the REFER (Refer-To name-addr, Referred-By,
#                            Contact, tags), answers 202, NOTIFY 100 then
#                            the final status; sipua hangs up. Final 200:
#                            refer_progress 202 100 200 (final), exit 0;
#                            486: refer_progress 486 (final), BYE all the
#                            same, exit 1..123
#
# Every flow checks SIPp's exit status (0: its one call went as scripted).
# SIPp and sipua answer are stopped by PID; every wait is bounded.
#
# Switching on: the test is skipped (exit 77) while `sipua call` or
# `sipua answer` does not exist ("unknown command"); the DTMF flow of
# `sipua call` is not run while its --help does not list --dtmf. The transports are
# listed below (TRANSPORTS); SIPUA_INTEROP_CALLS_TRANSPORTS overrides the
# list ("udp" or "udp tcp").
# Exit 0 all passed, 1 any failure, 77 skipped.

# Functions below run indirectly.
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

# The transports the calls are tested on. Empty: not switched on.
TRANSPORTS=(udp tcp)

interop_init sipua_calls
need_sipua_command call
need_sipua_command answer
switched_on SIPUA_INTEROP_CALLS_TRANSPORTS "${TRANSPORTS[@]}"
transports=("${TRANSPORTS_ON[@]}")
need_program sipp sip-tester
log "transports: ${transports[*]}"

SIPP_TIMEOUT=10
SIPUA_TIMEOUT=10
export SIPP_TIMEOUT SIPUA_TIMEOUT
SIPP_DIR=$INTEROP_DIR/sipp

# Per-flow verdict: a flow collects its problems in PROBLEMS and its details
# in $SCRATCH/NAME.check; flow_end prints one PASS or FAIL line.
PROBLEMS=()
problem() { PROBLEMS+=("$*"); echo "PROBLEM: $*"; }
flow_end()
{
    local what=$1 out=$2 p
    if ((${#PROBLEMS[@]} == 0)); then
        INTEROP_PASSED=$((INTEROP_PASSED + 1))
        log "PASS  $what"
        [[ -n ${INTEROP_VERBOSE:-} ]] && sed 's/^/      /' "$out"
    else
        INTEROP_FAILED=$((INTEROP_FAILED + 1))
        log "FAIL  $what"
        for p in "${PROBLEMS[@]}"; do echo "      - $p"; done
        tail -n 60 "$out" | sed 's/^/      | /'
    fi
    PROBLEMS=()
}

sipp_flag() { [[ $1 == udp ]] && echo u1 || echo t1; }

# exit_ok WANT RC: WANT is 0 or "fail" (1..123: an orderly failure, not a
# time-out, signal or sanitizer abort).
exit_ok()
{
    local want=$1 rc=$2
    if [[ $want == 0 ]]; then
        ((rc == 0))
    else
        ((rc >= 1 && rc <= 123))
    fi
}

# sipp_trace_has NAME REGEX: SIPp's message trace NAME.messages has a line
# matching the extended REGEX (case-insensitive).
sipp_trace_has() { grep -Eqi -- "$2" "$SCRATCH/$1.messages" 2>/dev/null; }

# SIPP_ARGS: more SIPp arguments (-key NAME VALUE) for the flows below.
SIPP_ARGS=()

# sipua_calls_sipp NAME T SCENARIO WANT_EXIT EVENTS_RE CAUSE_RE TONES TERM_RE -- CALL_ARGS...
# SIPp runs SCENARIO as the server; sipua call TARGET --transport T
# CALL_ARGS calls it. CAUSE_RE ('-': none) must be in sipua's output.
sipua_calls_sipp()
{
    local name=$1 t=$2 scenario=$3 want=$4 events_re=$5 cause_re=$6 tones=$7 term_re=$8
    shift 9
    local port mport rc src
    read -r port mport < <(free_ports 2) || { problem "no free ports"; return; }
    sipp_start "sipp_$name" -sf "$SIPP_DIR/$scenario" -t "$(sipp_flag "$t")" -i 127.0.0.1 \
        -p "$port" -mp "$mport" -m 1 "${SIPP_ARGS[@]}"
    if ! peer_wait_port "sipp_$name" "$t" "$port" 10; then
        problem "SIPp ($scenario) did not start"
        peer_log_tail "sipp_$name" 20
        peer_stop "sipp_$name" 2 >/dev/null
        return
    fi
    sipua_run "$name" call "sip:service@127.0.0.1:$port" --transport "$t" "$@"
    rc=$?
    exit_ok "$want" "$rc" || problem "sipua call exited $rc, want $([[ $want == 0 ]] && echo 0 || echo 1..123)"
    peer_wait_exit "sipp_$name" 10
    src=$?
    if ((src != 0)); then
        problem "SIPp ($scenario) exited $src (0: the call went as scripted)"
        ((src == 124)) && peer_stop "sipp_$name" 2 >/dev/null
        local f
        for f in "$SCRATCH/sipp_$name.errors" "$SCRATCH/sipp_$name.log"; do
            [[ -s $f ]] && { echo "----- ${f##*/} -----"; tail -n 25 "$f"; }
        done
    fi
    if [[ $cause_re != - ]] && ! grep -Eqi -- "$cause_re" "$SCRATCH/$name.out"; then
        problem "sipua call's output does not name the cause /$cause_re/"
    fi
    if [[ $events_re != - ]]; then
        session_events_check "$SCRATCH/$name.out" "$events_re" "$tones" "$term_re" ||
            problem "sipua call's JSON events"
    fi
}

# sipp_calls_sipua NAME T SCENARIO EVENTS_RE TONES TERM_RE -- ANSWER_ARGS...
# sipua answer --listen T:127.0.0.1:PORT --calls 1 --json ANSWER_ARGS
# serves; SIPp runs SCENARIO as the client against it.
sipp_calls_sipua()
{
    local name=$1 t=$2 scenario=$3 events_re=$4 tones=$5 term_re=$6
    shift 7
    local port sport mport rc attempt up=0
    for attempt in 1 2 3; do
        read -r port sport mport < <(free_ports 3) || { problem "no free ports"; return; }
        peer_start "answer_$name" "$SIPUA_BIN" answer --listen "$t:127.0.0.1:$port" --calls 1 \
            --json "$@"
        if peer_wait_port "answer_$name" "$t" "$port" 10; then
            up=1
            break
        fi
        peer_stop "answer_$name" 2 >/dev/null
        grep -qi "in use" "${PEER_LOG[answer_$name]}" || break
        mv "${PEER_LOG[answer_$name]}" "${PEER_LOG[answer_$name]}.$attempt"
    done
    if ((!up)); then
        problem "sipua answer did not listen on $t port $port"
        peer_log_tail "answer_$name" 20
        return
    fi
    sipp_run "sipp_$name" -sf "$SIPP_DIR/$scenario" -t "$(sipp_flag "$t")" -i 127.0.0.1 \
        -p "$sport" -mp "$mport" -m 1 "${SIPP_ARGS[@]}" "127.0.0.1:$port"
    rc=$?
    ((rc == 0)) || problem "SIPp ($scenario) exited $rc (0: the call went as scripted)"
    peer_wait_exit "answer_$name" 10
    rc=$?
    if ((rc == 124)); then
        problem "sipua answer --calls 1 still running 10 s after its call"
        peer_stop "answer_$name" 2 >/dev/null
    elif ((rc != 0)); then
        problem "sipua answer exited $rc, want 0"
    fi
    echo "----- sipua answer $* -----"
    sed 's/^/  | /' "${PEER_LOG[answer_$name]}"
    session_events_check "${PEER_LOG[answer_$name]}" "$events_re" "$tones" "$term_re" ||
        problem "sipua answer's JSON events"
}

# sipp_refers_sipua NAME T TARGET_SCENARIO FINAL EVENTS_RE: SIPp runs
# TARGET_SCENARIO as the transfer target; transfer_uac_refer.xml calls
# sipua answer --calls 2 and refers it there; its final NOTIFY must say
# SIP/2.0 FINAL; sipua answer's events match EVENTS_RE.
sipp_refers_sipua()
{
    local name=$1 t=$2 scenario=$3 final=$4 events_re=$5 tport tmport rc
    read -r tport tmport < <(free_ports 2) || { problem "no free ports"; return; }
    sipp_start "target_$name" -sf "$SIPP_DIR/$scenario" -t "$(sipp_flag "$t")" -i 127.0.0.1 \
        -p "$tport" -mp "$tmport" -m 1
    if ! peer_wait_port "target_$name" "$t" "$tport" 10; then
        problem "SIPp ($scenario) did not start"
        peer_stop "target_$name" 2 >/dev/null
        return
    fi
    SIPP_ARGS=(-key refer_to "sip:carol@127.0.0.1:$tport;transport=$t")
    sipp_calls_sipua "$name" "$t" transfer_uac_refer.xml "$events_re" - 'peer' -- --calls 2
    SIPP_ARGS=()
    grep -q "final NOTIFY: SIP/2.0 $final\$" "$SCRATCH/sipp_$name.logs" 2>/dev/null ||
        problem "the final NOTIFY's sipfrag is not SIP/2.0 $final"
    grep -q "\"refer_to\": *\"sip:carol@127\.0\.0\.1:$tport" "${PEER_LOG[answer_$name]}" ||
        problem "the referred event does not name sip:carol@127.0.0.1:$tport"
    peer_wait_exit "target_$name" 10
    rc=$?
    ((rc == 0)) || problem "SIPp ($scenario, the target) exited $rc (0: the call went as scripted)"
    ((rc == 124)) && peer_stop "target_$name" 2 >/dev/null
    [[ -s $SCRATCH/target_$name.errors ]] && tail -n 25 "$SCRATCH/target_$name.errors"
}

# call_has OPTION: `sipua call --help` lists OPTION. Flows that need an
# option the command does not have yet are reported as not run (neither
# passed nor failed) and switch on by themselves once it appears.
CALL_HELP=$(timeout 5 "$SIPUA_BIN" call --help 2>&1 </dev/null)
call_has() { grep -q -- "$1\b" <<<"$CALL_HELP"; }
not_run() { log "NOT RUN  $1 ($2)"; }

P='(progress )*'
for t in "${transports[@]}"; do
    T=${t^^}
    case $t in udp | tcp) ;; *) fail "transport '$t': SIPp here speaks UDP and TCP only" ;; esac

    # --- sipua calls, SIPp answers
    out=$SCRATCH/accept_$t.check
    sipua_calls_sipp "accept_$t" "$t" call_uas_accept.xml 0 "${P}accepted terminated" - - - -- \
        --hangup-after 1 --json >"$out" 2>&1
    flow_end "$T call -> SIPp 100/180/200, --hangup-after 1: BYE, exit 0" "$out"

    out=$SCRATCH/bye_$t.check
    sipua_calls_sipp "bye_$t" "$t" call_uas_bye.xml 0 "${P}accepted terminated" - - \
        'remote|peer' -- --json >"$out" 2>&1
    flow_end "$T call -> SIPp answers then sends BYE: 200, exit 0, terminated by the remote side" "$out"

    out=$SCRATCH/busy_$t.check
    sipua_calls_sipp "busy_$t" "$t" call_uas_busy.xml fail "${P}failed" 'busy' - - -- \
        --json >"$out" 2>&1
    flow_end "$T call -> SIPp 486: ACK, non-zero exit naming Busy" "$out"

    out=$SCRATCH/cancel_$t.check
    sipua_calls_sipp "cancel_$t" "$t" call_uas_ring_cancel.xml fail "${P}canceled" 'cancel' - - -- \
        --cancel-after 1 --json >"$out" 2>&1
    flow_end "$T call --cancel-after 1 -> SIPp 180: CANCEL, 487, ACK, non-zero exit naming Canceled" "$out"

    what="$T call --dtmf 12# -> SIPp: INFO Signal=1, 2, # in order, exit 0"
    if call_has --dtmf; then
        out=$SCRATCH/dtmf_$t.check
        sipua_calls_sipp "dtmf_$t" "$t" call_uas_dtmf.xml 0 "${P}accepted dtmf dtmf dtmf terminated" \
            - '1 2 #' - -- --dtmf '12#' --dtmf-duration 100 --dtmf-gap 100 --hangup-after 1.5 --json \
            >"$out" 2>&1
        flow_end "$what" "$out"
    else
        not_run "$what" "sipua call has no --dtmf yet"
    fi

    out=$SCRATCH/late_$t.check
    sipua_calls_sipp "late_$t" "$t" call_uas_late_offer.xml 0 "${P}accepted terminated" - - - -- \
        --no-sdp --hangup-after 1 --json >"$out" 2>&1
    flow_end "$T call --no-sdp -> SIPp offers in the 200: answer in the ACK, exit 0" "$out"

    if [[ $t == udp ]]; then
        out=$SCRATCH/anon_$t.check
        {
            sipua_calls_sipp "anon_$t" "$t" call_uas_accept.xml 0 "${P}accepted terminated" - - - -- \
                --anonymous --header 'X-Interop: calls-1' --header 'Subject: sipua interop' \
                --hangup-after 1 --json
            inv=$SCRATCH/anon_$t.invite
            sed -n '/^INVITE /,/^\r*$/p' "$SCRATCH/sipp_anon_$t.messages" >"$inv" 2>/dev/null
            grep -Eqi '^(From|f):.*anonymous@anonymous\.invalid' "$inv" ||
                problem "the INVITE's From is not anonymous@anonymous.invalid"
            grep -Eqi '^Privacy:.*\bid\b' "$inv" || problem "the INVITE has no Privacy: id"
            grep -Eqi '^X-Interop: *calls-1' "$inv" || problem "the INVITE lacks X-Interop: calls-1"
            grep -Eqi '^(Subject|s): *sipua interop' "$inv" ||
                problem "the INVITE lacks Subject: sipua interop"
            echo "----- the INVITE SIPp received -----"
            cat "$inv"
        } >"$out" 2>&1
        flow_end "$T call --anonymous --header x2 -> SIPp: anonymous From, Privacy: id, both headers" "$out"

        out=$SCRATCH/ladder_$t.check
        {
            sipua_calls_sipp "ladder_$t" "$t" call_uas_accept.xml 0 - - - - -- \
                --hangup-after 1 --ladder
            for m in INVITE '\b200\b' ACK BYE; do
                grep -Eq -- "$m" "$SCRATCH/ladder_$t.out" || problem "--ladder output lacks /$m/"
            done
        } >"$out" 2>&1
        flow_end "$T call --ladder -> SIPp: the ladder shows INVITE, 200, ACK, BYE" "$out"
    fi

    # --- SIPp calls, sipua answers
    out=$SCRATCH/ans_accept_$t.check
    sipp_calls_sipua "ans_accept_$t" "$t" call_uac_basic.xml "${P}accepted terminated" - \
        'remote|peer' -- --mode accept >"$out" 2>&1
    flow_end "$T SIPp INVITE -> answer --mode accept: 200 with PCMU, ACK, BYE from SIPp, exit 0" "$out"

    out=$SCRATCH/ans_hangup_$t.check
    sipp_calls_sipua "ans_hangup_$t" "$t" call_uac_callee_bye.xml "${P}accepted terminated" - \
        '"by": *"(us|local)"' -- --mode accept --hangup-after 0.5 >"$out" 2>&1
    flow_end "$T SIPp INVITE -> answer --hangup-after 0.5: BYE to SIPp's Contact, terminated by us" "$out"

    for code in 486 603; do
        [[ $code == 603 && $t != udp ]] && continue
        out=$SCRATCH/ans_reject${code}_$t.check
        {
            sipp_calls_sipua "ans_reject${code}_$t" "$t" call_uac_reject.xml "${P}failed" - - -- \
                --mode "reject=$code"
            sipp_trace_has "sipp_ans_reject${code}_$t" "^SIP/2\.0 $code " ||
                problem "SIPp did not receive a $code"
        } >"$out" 2>&1
        flow_end "$T SIPp INVITE -> answer --mode reject=$code: $code, ACK, event failed" "$out"
    done

    out=$SCRATCH/ans_cancel_$t.check
    sipp_calls_sipua "ans_cancel_$t" "$t" call_uac_cancel.xml "${P}canceled" - - -- \
        --mode ring >"$out" 2>&1
    flow_end "$T SIPp INVITE, CANCEL -> answer --mode ring: 180, 200, 487, event canceled" "$out"

    out=$SCRATCH/ans_dtmf_$t.check
    sipp_calls_sipua "ans_dtmf_$t" "$t" call_uac_dtmf.xml "${P}accepted dtmf terminated" 5 - -- \
        --mode accept >"$out" 2>&1
    flow_end "$T SIPp INFO Signal=5 -> answer: 200, dtmf event with tone 5" "$out"

    out=$SCRATCH/ans_prack_$t.check
    sipp_calls_sipua "ans_prack_$t" "$t" call_uac_prack.xml "${P}progress accepted terminated" - - \
        -- --mode preaccept --ring 0.3 >"$out" 2>&1
    flow_end "$T SIPp INVITE with 100rel -> answer --mode preaccept: reliable 183, PRACK, 200" "$out"

    # --- call transfer (REFER)
    what="$T SIPp REFERs answer to a second SIPp: 202, NOTIFY 100 active, 200 terminated, Referred-By in the new INVITE"
    if call_has --refer; then
        out=$SCRATCH/xfer_in_$t.check
        sipp_refers_sipua "xfer_in_$t" "$t" transfer_target_uas.xml "200 OK" \
            "${P}accepted referred ${P}accepted terminated terminated" >"$out" 2>&1
        flow_end "$what" "$out"

        out=$SCRATCH/xfer_in_busy_$t.check
        sipp_refers_sipua "xfer_in_busy_$t" "$t" call_uas_busy.xml "486 Busy Here" \
            "${P}accepted referred ${P}failed terminated" >"$out" 2>&1
        flow_end "$T SIPp REFERs answer to a busy SIPp: NOTIFY 100 active, 486 terminated" "$out"

        out=$SCRATCH/xfer_out_$t.check
        SIPP_ARGS=(-key final_status "200 OK")
        sipua_calls_sipp "xfer_out_$t" "$t" transfer_uas_referee.xml 0 \
            "${P}accepted refer_progress202 refer_progress100 refer_progress200! terminated" - - \
            '"by": *"(us|local)"' -- --refer "sip:target@127.0.0.1:9;transport=$t" --json >"$out" 2>&1
        flow_end "$T call --refer -> SIPp: REFER with Refer-To, Referred-By, Contact; NOTIFY 100, 200: BYE, exit 0" "$out"

        out=$SCRATCH/xfer_busy_$t.check
        SIPP_ARGS=(-key final_status "486 Busy Here")
        sipua_calls_sipp "xfer_busy_$t" "$t" transfer_uas_referee.xml fail \
            "${P}accepted refer_progress202 refer_progress100 refer_progress486! terminated" - - \
            '"by": *"(us|local)"' -- --refer "sip:target@127.0.0.1:9;transport=$t" --json >"$out" 2>&1
        flow_end "$T call --refer -> SIPp: final NOTIFY 486: BYE all the same, exit 1..123" "$out"
        SIPP_ARGS=()
    else
        not_run "$what" "sipua call has no --refer yet"
    fi
done

finish
