#!/usr/bin/env bash
# sipua against SIP.js (the `sip.js` npm package, run by node), over the
# WebSocket that SIP.js opens to sipua: SIP.js is a WebSocket client only,
# so sipua always listens (ws:127.0.0.1, a free port) and every request of
# both directions travels on that one connection. The SIP.js side is
# tests/interop/sipjs/peer.mjs (a UserAgent without registration, plain
# RTP/AVP SDP, DTMF by INFO); see tests/interop/README.md.
#
# SIP.js calls `sipua answer --listen ws:127.0.0.1:0 --json --calls 1`:
#   - sipua rings (180) then accepts, SIP.js hangs up: both exit 0, SIP.js
#     saw 180 and Establishing/Established/Terminated, its BYE got 200;
#     sipua: incoming, accepted, terminated by the peer;
#   - sipua hangs up (--hangup-after): SIP.js's session ends by the peer's
#     BYE; sipua: terminated by us;
#   - sipua rejects (--mode reject=486): SIP.js sees 486; sipua: failed 486;
#   - SIP.js sends DTMF 1 2 # * by INFO (application/dtmf-relay): every INFO
#     answered 2xx; sipua's dtmf events carry the tones, in order.
# Call transfer (REFER, RFC 3515), when `sipua answer --help` offers --refer:
#   - sipua transfers SIP.js: `sipua answer --listen ws:127.0.0.1:PORT
#     --refer 'sip:carol@127.0.0.1:PORT;transport=ws' --calls 2`; SIP.js
#     (--accept-refer) answers 202 and calls the target, which is the same
#     sipua process over the same WebSocket, and NOTIFYs; sipua: call 1
#     refer_progress 202 ... 200 (final), BYE; call 2 accepted, ended by
#     SIP.js after 1 s. With --refer-after 0, the REFER waits for SIP.js's
#     ACK (SIP.js drops a request that comes before it has taken the 200),
#     and the second call, which came by the transfer (Referred-By), is not
#     sent on again: SIP.js ends it. An expected failure (XFAIL, with a banner naming the
#     problem; XPASS once it is gone): a ringing target (SIP.js ends the
#     subscription with its 180 NOTIFY);
#   - SIP.js transfers sipua: Session.refer() to Carol, a `sipua answer` on
#     UDP that rings 0.3 s; sipua answers 202, calls Carol, NOTIFYs 100 and
#     180 (active) and 200 (terminated) in message/sipfrag; SIP.js hangs up
#     after the last; Carol hangs up after 1 s.
# sipua calls SIP.js (`sipua call` waiting for SIP.js's connection, then
# sending its INVITE to SIP.js's Contact, sip:sipjs@sipjs.invalid;
# transport=ws, over it, with --await-connection).
#
# Exit 0 all passed, 1 any failure, 77 skipped (node or the npm packages
# missing: run scripts/install-deps).

# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

# The `sipua call` option that makes it wait for an incoming WebSocket
# connection (up to S seconds) on its --listen address, then send the
# INVITE over that connection whatever the target's host (RFC 7118 5: a
# WebSocket client's Contact host is unresolvable, *.invalid).
CALL_AWAIT_OPTION=--await-connection
SIPJS_DIR=$INTEROP_DIR/sipjs
PEER=$SIPJS_DIR/peer.mjs

interop_init sipjs
need_program node nodejs
for pkg in sip.js ws; do
    if [[ ! -f $SIPJS_DIR/node_modules/$pkg/package.json ]]; then
        skip "the npm package '$pkg' is not installed in tests/interop/sipjs/node_modules" \
            "run scripts/install-deps (npm ci in tests/interop/sipjs)"
    fi
done
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
if [[ ! $node_major =~ ^[0-9]+$ ]] || ((node_major < 18)); then
    skip "node $(node --version 2>/dev/null) is too old for peer.mjs (18 or later)"
fi
need_sipua_command answer
log "node $(node --version), sip.js $(node -p "require('$SIPJS_DIR/node_modules/sip.js/package.json').version"), ws $(node -p "require('$SIPJS_DIR/node_modules/ws/package.json').version")"

# ---------------------------------------------------------------------------
# Helpers

# events FILE [grouped]: the JSON lines' events, space-separated; a
# "state" event counts as its state (Establishing, Established,
# Terminated). grouped: only the events of a session, grouped by session,
# "1: a b c | 2: d e", where bye is bye/FROM, terminated terminated/BY,
# refer_progress, refer_response, notify, bye_response, rejected and failed
# carry their code (a final refer_progress also "!"), a declined referral is
# referral/declined, and sipua's notes (incoming, invite, refer, hangup) and
# remote_sdp are left out.
events()
{
    python3 - "$1" "${2:-flat}" <<'PY'
import json, sys
groups = {}
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        o = json.loads(line)
    except ValueError:
        continue
    n, e = o.get("session"), str(o.get("event"))
    if e == "state":
        e = o.get("state")
    if sys.argv[2] == "flat":
        groups.setdefault(0, []).append(e)
        continue
    if n is None or e in ("incoming", "invite", "refer", "hangup", "remote_sdp"):
        continue
    if e == "bye":
        e = "bye/%s" % o.get("from")
    elif e == "terminated":
        e = "terminated/%s" % o.get("by")
    elif e in ("refer_progress", "refer_response", "notify", "rejected", "failed", "bye_response"):
        e = "%s%s%s" % (e, o.get("code"), "!" if o.get("final") else "")
    elif e == "referral" and not o.get("accepted"):
        e = "referral/declined"
    groups.setdefault(n, []).append(e)
if sys.argv[2] == "flat":
    print(" ".join(groups.get(0, [])))
else:
    print(" | ".join("%s: %s" % (n, " ".join(v)) for n, v in groups.items()))
PY
}

# json_has FILE EVENT REGEX: some JSON line of FILE with event EVENT has a
# JSON text matching the extended REGEX.
json_has()
{
    local file=$1 event=$2 regex=$3
    grep -E "\"event\": ?\"$event\"" "$file" | grep -Eq -- "$regex"
}

# tones FILE: the tones of FILE's dtmf events, space-separated.
tones()
{
    python3 - "$1" <<'PY'
import json, sys
got = []
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if line.startswith("{"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("event") == "dtmf":
            got.append(str(next((o[k] for k in ("tone", "tones", "digit", "signal") if k in o), None)))
print(" ".join(got))
PY
}

# expect_events WHO FILE REGEX [grouped]: FILE's events (see events) match
# REGEX in full; prints them.
expect_events()
{
    local who=$1 file=$2 regex=$3 got
    got=$(events "$file" "${4:-flat}")
    if [[ ! $got =~ ^($regex)$ ]]; then
        echo "$who events: '$got', want /$regex/"
        return 1
    fi
    echo "$who events: $got"
}

# sipua_answer_start NAME ARGS...: `sipua answer --listen ws:127.0.0.1:0
# --json --calls ${ANSWER_CALLS:-1} ARGS` as peer NAME; sets WS_PORT from
# its listening line.
sipua_answer_start()
{
    local name=$1
    shift
    WS_PORT=
    peer_start "$name" "$SIPUA_BIN" answer --listen ws:127.0.0.1:0 --json \
        --calls "${ANSWER_CALLS:-1}" --ladder "$@"
    peer_wait_log "$name" '"event": ?"listening"|listening on ws:' 10 || return 1
    WS_PORT=$(sed -nE 's/.*"port": ?([0-9]+).*/\1/p; s/.*listening on ws:[^ ]*:([0-9]+).*/\1/p' \
        "${PEER_LOG[$name]}" | head -n 1)
    [[ -n $WS_PORT ]] || { echo "no port in $name's listening line"; return 1; }
    log "$name listens on ws:127.0.0.1:$WS_PORT"
}

# sipjs_run NAME MODE ARGS...: peer.mjs in the foreground (at most 20 s),
# JSON events in $SCRATCH/NAME.out, SIP messages in $SCRATCH/NAME.trace;
# prints them; returns its exit status.
sipjs_run()
{
    local name=$1 rc
    shift
    (cd "$SCRATCH" && timeout -k 2 20 node "$PEER" "$@" --trace "$SCRATCH/$name.trace" --timeout 15) \
        </dev/null >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err"
    rc=$?
    echo "node peer.mjs $* -> exit $rc"
    sed 's/^/  | /' "$SCRATCH/$name.out"
    [[ -s $SCRATCH/$name.err ]] && sed 's/^/  stderr| /' "$SCRATCH/$name.err"
    return "$rc"
}

# peer_result flat|grouped NAME sjs|sipua WANT_RC EVENTS_REGEX [EVENT REGEX]...:
# peer NAME (sjs: peer.mjs, its events in $SCRATCH/NAME.out; sipua: a sipua
# peer, already ended) exited WANT_RC ($SCRATCH/NAME.rc), its events (see
# events) match EVENTS_REGEX, and each EVENT has a line matching REGEX. On
# failure, its events, and SIP.js's SIP messages.
peer_result()
{
    local mode=$1 name=$2 kind=$3 want=$4 regex=$5 rc file report
    shift 5
    if [[ $kind == sjs ]]; then file=$SCRATCH/$name.out; else file=${PEER_LOG[$name]}; fi
    report=$(
        ok=0
        rc=$(cat "$SCRATCH/$name.rc")
        echo "$name -> exit $rc (want $want)"
        ((rc == want)) || ok=1
        expect_events "$name" "$file" "$regex" "$mode" || ok=1
        while (($# >= 2)); do
            if ! json_has "$file" "$1" "$2"; then
                echo "$name: no '$1' event matching /$2/"
                ok=1
            fi
            shift 2
        done
        exit "$ok"
    )
    rc=$?
    if ((rc)); then
        # `check` shows the end: the SIP messages first, the verdict last
        if [[ $kind == sjs ]]; then
            echo "----- SIP messages seen by SIP.js ($name.trace, end) -----"
            tail -n 60 "$SCRATCH/$name.trace" 2>/dev/null
            [[ -s $SCRATCH/$name.err ]] && sed 's/^/stderr| /' "$SCRATCH/$name.err"
        fi
        echo "----- $name's events ($file) -----"
        cat "$file"
    fi
    printf '%s\n' "$report"
    return "$rc"
}

# sipjs_result NAME WANT_RC EVENTS_REGEX [EVENT REGEX]...: peer.mjs's result
# (see peer_result); sipua_result: a sipua peer's.
sipjs_result() { peer_result flat "$1" sjs "${@:2}"; }
sipua_result() { peer_result flat "$1" sipua "${@:2}"; }

# collect NAME: waits (5 s at most) for peer NAME to exit by itself, stops
# it otherwise; its status goes to $SCRATCH/NAME.rc.
collect()
{
    local name=$1 rc
    peer_wait_exit "$name" 5
    rc=$?
    if ((rc == 124)); then
        peer_stop "$name" 3
        rc=124
    fi
    echo "$rc" >"$SCRATCH/$name.rc"
}

# ---------------------------------------------------------------------------
# SIP.js calls sipua

# flow NAME "ANSWER ARGS" "SIPJS ARGS": one call from SIP.js to a new
# `sipua answer`; both results in $SCRATCH/NAME_{ans,sjs}.*
flow()
{
    local name=$1 answer_args=$2 sipjs_args=$3
    # shellcheck disable=SC2086
    sipua_answer_start "${name}_ans" $answer_args || fail "sipua answer did not start"
    # shellcheck disable=SC2086
    sipjs_run "${name}_sjs" call "sip:bob@127.0.0.1:$WS_PORT;transport=ws" \
        --server "ws://127.0.0.1:$WS_PORT" $sipjs_args >/dev/null
    echo $? >"$SCRATCH/${name}_sjs.rc"
    collect "${name}_ans"
}

T="SIP.js -> sipua answer (ws)"

flow accept "--ring 0.3" "--hangup-after 0.5"
check "$T: 180, accepted, SIP.js hangs up: BYE answered 200, exit 0" \
    sipjs_result accept_sjs 0 \
    'connected Establishing progress (remote_sdp )?Established accepted bye Terminated bye_response result( disconnected)?' \
    progress '"code": ?180' accepted '"code": ?200' remote_sdp '"proto": ?"RTP/AVP"' \
    bye_response '"code": ?200' result '"by": ?"us"'
check "$T: sipua rang, accepted, terminated by the peer, exit 0" \
    sipua_result accept_ans 0 'listening incoming (progress )?accepted terminated' \
    terminated '"by": ?"peer"'

flow hangup "--hangup-after 0.5" ""
check "$T: sipua hangs up: SIP.js's session ended by sipua's BYE, exit 0" \
    sipjs_result hangup_sjs 0 \
    'connected Establishing (remote_sdp )?Established accepted bye Terminated result( disconnected)?' \
    bye '"from": ?"peer"' result '"by": ?"peer"'
check "$T: sipua --hangup-after: terminated by us, BYE answered 200, exit 0" \
    sipua_result hangup_ans 0 'listening incoming accepted terminated' \
    terminated '"by": ?"us"' terminated '"code": ?200'

flow reject "--mode reject=486" "--expect rejected=486"
check "$T: sipua rejects 486: SIP.js sees 486 Busy Here, exit 0" \
    sipjs_result reject_sjs 0 'connected Establishing Terminated rejected result( disconnected)?' \
    rejected '"code": ?486'
check "$T: sipua --mode reject=486: failed 486, exit 0" \
    sipua_result reject_ans 0 'listening incoming failed' failed '"code": ?486'

flow dtmf "" "--dtmf 12#* --hangup-after 0.5"
check "$T: SIP.js sends DTMF 1 2 # * by INFO: each answered 2xx, exit 0" \
    sipjs_result dtmf_sjs 0 \
    'connected Establishing (remote_sdp )?Established accepted( dtmf_sent){4} bye Terminated bye_response result( disconnected)?' \
    dtmf_sent '"tone": ?"1", ?"code": ?2[0-9][0-9]' dtmf_sent '"tone": ?"\*", ?"code": ?2[0-9][0-9]'
check_tones()
{
    local got
    got=$(tones "${PEER_LOG[dtmf_ans]}")
    echo "sipua dtmf tones: '$got', want '1 2 # *'"
    [[ $got == "1 2 # *" ]] || { sed 's/^/  | /' "${PEER_LOG[dtmf_ans]}"; return 1; }
    sipua_result dtmf_ans 0 'listening incoming accepted dtmf dtmf dtmf dtmf terminated'
}
check "$T: sipua answer reports dtmf events 1 2 # *, in order, exit 0" check_tones

# ---------------------------------------------------------------------------
# Call transfer (REFER, RFC 3515), both ways

# transfer_result NAME sjs|sipua WANT_RC EVENTS_REGEX [EVENT REGEX]...:
# peer_result with the events grouped by session.
transfer_result() { peer_result grouped "$@"; }

# xcheck DESCRIPTION PROBLEM SYMPTOM COMMAND...: a check of a flow known
# to fail for PROBLEM. COMMAND passing: XPASS (counted as passed, with a
# note that the problem is gone). Failing while the command SYMPTOM finds
# the known problem's trace: XFAIL, not counted, with a banner naming the
# problem. Failing otherwise: FAIL.
xcheck()
{
    local what=$1 problem=$2 symptom=$3 out rc
    shift 3
    out=$("$@" 2>&1)
    rc=$?
    if ((rc == 0)); then
        INTEROP_PASSED=$((INTEROP_PASSED + 1))
        log "XPASS $what"
        echo "      the known problem did not show: $problem"
        echo "      (make this a plain check)"
        return 0
    fi
    if ! "$symptom" >/dev/null 2>&1; then
        INTEROP_FAILED=$((INTEROP_FAILED + 1))
        log "FAIL  $what (exit $rc, and not for the known problem: $symptom found nothing)"
        printf '%s\n' "$out" | tail -n 40 | sed 's/^/      /'
        return 1
    fi
    log "XFAIL $what"
    {
        echo "################################################################"
        echo "EXPECTED FAILURE: $what"
        printf '%s\n' "$problem" | fold -s -w 64 | sed 's/ *$//; s/^/  /'
        echo "################################################################"
    } >&2
    [[ -n ${INTEROP_VERBOSE:-} ]] && printf '%s\n' "$out" | tail -n 40 | sed 's/^/      /'
    return 0
}

# transferor_start NAME ARGS...: `sipua answer --listen ws:127.0.0.1:PORT
# --json --ladder ARGS` as peer NAME on a free PORT (also WS_PORT), with
# @PORT@ in ARGS replaced by it: the transfer target is this very process,
# the one server SIP.js can reach. A lost port race is retried.
transferor_start()
{
    local name=$1 attempt
    shift
    for attempt in 1 2 3; do
        read -r WS_PORT < <(free_ports 1) || return 1
        peer_start "$name" "$SIPUA_BIN" answer --listen "ws:127.0.0.1:$WS_PORT" --json --ladder \
            "${@//@PORT@/$WS_PORT}"
        peer_wait_log "$name" '"event": ?"listening"' 10 && return 0
        peer_stop "$name" 2 >/dev/null
        grep -qi "in use" "${PEER_LOG[$name]}" || return 1
        mv "${PEER_LOG[$name]}" "${PEER_LOG[$name]}.$attempt"
    done
    return 1
}

# xflow NAME "ANSWER ARGS": SIP.js calls the transferor (sipua answer
# --refer sip:carol@127.0.0.1:PORT;transport=ws --calls 2 ANSWER ARGS) with
# --accept-refer --hangup-after 1.
xflow()
{
    local name=$1 answer_args=$2
    # shellcheck disable=SC2086
    transferor_start "${name}_ans" --refer "sip:carol@127.0.0.1:@PORT@;transport=ws" --calls 2 \
        $answer_args || fail "sipua answer did not start"
    sipjs_run "${name}_sjs" call "sip:bob@127.0.0.1:$WS_PORT;transport=ws" \
        --server "ws://127.0.0.1:$WS_PORT" --accept-refer --hangup-after 1 >/dev/null
    echo $? >"$SCRATCH/${name}_sjs.rc"
    collect "${name}_ans"
}

# Carol: `sipua answer --listen udp:127.0.0.1:0 --calls 1 --ring 0.3
# --hangup-after 1`
carol_flow()
{
    local cport
    peer_start carol "$SIPUA_BIN" answer --listen udp:127.0.0.1:0 --calls 1 --ring 0.3 \
        --hangup-after 1 --json
    peer_wait_log carol '"event": ?"listening"' 10 || fail "Carol (sipua answer) did not start"
    cport=$(sed -nE 's/.*"port": ?([0-9]+).*/\1/p' "${PEER_LOG[carol]}" | head -n 1)
    ANSWER_CALLS=2 sipua_answer_start bob --listen udp:127.0.0.1:0 || fail "sipua answer did not start"
    # SIP.js writes the Refer-To without angle brackets, so ;transport=udp
    # is a header parameter (RFC 3515 2.1), not the URI's: sipua goes by
    # RFC 3263 4.1 (a literal address without transport: UDP)
    sipjs_run bob_sjs call "sip:bob@127.0.0.1:$WS_PORT;transport=ws" --server "ws://127.0.0.1:$WS_PORT" \
        --refer "sip:carol@127.0.0.1:$cport;transport=udp" >/dev/null
    echo $? >"$SCRATCH/bob_sjs.rc"
    collect bob
    collect carol
    CAROL_PORT=$cport
}

# The known problem's trace (see xcheck): sipua took a provisional status
# for the last.
xring_symptom() { json_has "${PEER_LOG[xring_ans]}" refer_progress '"code": ?1[0-9][0-9],.*"final": ?true'; }

# transfer_flows: the transfer flows, both ways.
transfer_flows()
{
    T="sipua answer --refer -> SIP.js (ws)"
    # --refer-after 2: `sipua answer --refer` transfers every call it answers,
    # so SIP.js's second call (to the target, this same process) must be over
    # (--hangup-after 1) before sipua would transfer it too.
    xflow xfer "--refer-after 2"
    check "$T: SIP.js accepts the REFER, calls the target over the same WebSocket, hangs it up after 1 s, exit 0" \
        transfer_result xfer_sjs sjs 0 \
        '1: Establishing Established accepted referral bye/peer Terminated \| 2: Establishing Established accepted bye/us Terminated bye_response200' \
        referral '"to": ?"sip:carol@127\.0\.0\.1:[0-9]+;transport=ws"' \
        referral '"referred_by": ?"<sip:bob@127\.0\.0\.1' result '"ok": ?true'
    check "$T: sipua: refer_progress 202 ... 200 (final), BYE; the target call accepted, ended by SIP.js, exit 0" \
        transfer_result xfer_ans sipua 0 \
        '1: accepted refer_progress202( refer_progress1[0-9][0-9])* refer_progress200! terminated/us \| 2: accepted terminated/peer'

    # SIP.js sends each NOTIFY (sipfrag of the INVITE's responses: 180, 200)
    # with Subscription-State: terminated (Inviter.notifyReferer), so the 180's
    # ends the subscription (RFC 6665 4.1.3; RFC 3515 2.4.7 keeps it active until
    # the final status), and sipua ends the transfer there.
    xflow xring "--refer-after 2 --ring 0.3"
    xcheck "$T, the target rings 0.3 s: sipua's last refer_progress is 200 (final)" \
        "SIP.js 0.21 sends NOTIFY 'SIP/2.0 180 Ringing' with Subscription-State: terminated; sipua takes it as the end of the subscription (RFC 6665 4.1.3) and reports refer_progress 180 as the final one, then hangs up before the 200 (RFC 3515 2.4.4/2.4.7: only the final NOTIFY terminates)." \
        xring_symptom transfer_result xring_ans sipua 0 \
        '1: progress accepted refer_progress202( refer_progress1[0-9][0-9])* refer_progress200! terminated/us \| 2: progress accepted terminated/peer'

    # --refer-after 0: the REFER is asked for as the 200 goes; sipua holds
    # it until SIP.js's ACK, since SIP.js 0.21 drops, without a response, a
    # request that comes while it is still taking the 200 (its session
    # "Establishing"). The second call came by the transfer (Referred-By):
    # sipua answer does not send it on again, and SIP.js hangs it up.
    xflow xnow ""
    check "$T --refer-after 0: SIP.js takes the REFER sent once it has ACKed, calls the target and hangs up, exit 0" \
        transfer_result xnow_sjs sjs 0 \
        '1: Establishing Established (accepted referral|referral accepted) bye/peer Terminated \| 2: Establishing Established accepted bye/us Terminated( bye_response200)?' \
        result '"ok": ?true'
    check "$T --refer-after 0: sipua: refer_progress 202 ... 200 (final); the second call, by transfer, not referred again, ended by SIP.js, exit 0" \
        transfer_result xnow_ans sipua 0 \
        '1: accepted refer_progress202( refer_progress1[0-9][0-9])* refer_progress200! terminated/us \| 2: accepted terminated/peer'

    T="SIP.js refers sipua answer (ws) to Carol (sipua answer, udp)"
    carol_flow
    check "$T: REFER answered 202, NOTIFY 100, 180 (active), 200 (terminated), message/sipfrag, Event: refer; SIP.js hangs up, exit 0" \
        transfer_result bob_sjs sjs 0 \
        '1: Establishing Established accepted refer_response202( notify1[0-9][0-9])* notify200 bye/us Terminated bye_response200' \
        notify '"sipfrag": ?"SIP/2\.0 100 Trying".*"event_header": ?"refer".*"subscription_state": ?"active' \
        notify '"sipfrag": ?"SIP/2\.0 180 Ringing".*"event_header": ?"refer".*"subscription_state": ?"active' \
        notify '"sipfrag": ?"SIP/2\.0 200 OK".*"event_header": ?"refer".*"subscription_state": ?"terminated' \
        notify '"content_type": ?"message/sipfrag' result '"ok": ?true'
    check "$T: sipua: referred, calls Carol over UDP, accepted, ended by Carol; SIP.js's BYE ends call 1, exit 0" \
        transfer_result bob sipua 0 \
        '1: accepted referred terminated/peer \| 2: (progress )*accepted terminated/peer' \
        referred "\"refer_to\": ?\"sip:carol@127\\.0\\.0\\.1:$CAROL_PORT"
    check "$T: Carol: the call from sipua accepted, ended by her BYE after 1 s, exit 0" \
        transfer_result carol sipua 0 '1: (progress )*accepted terminated/us'
}

transfer_flows

# ---------------------------------------------------------------------------
# sipua calls SIP.js

T="sipua call -> SIP.js (ws, SIP.js's connection)"

# sipua_call_start NAME ARGS...: `sipua call sip:sipjs@sipjs.invalid;
# transport=ws --listen ws:127.0.0.1:0 --await-connection 10 --json ARGS`
# as peer NAME; sets WS_PORT from its listening line.
sipua_call_start()
{
    local name=$1
    shift
    WS_PORT=
    peer_start "$name" "$SIPUA_BIN" call "sip:sipjs@sipjs.invalid;transport=ws" \
        --listen ws:127.0.0.1:0 "$CALL_AWAIT_OPTION" 10 --json --ladder "$@"
    peer_wait_log "$name" '"event": ?"listening"|listening on ws:' 10 || return 1
    WS_PORT=$(sed -nE 's/.*"port": ?([0-9]+).*/\1/p; s/.*listening on ws:[^ ]*:([0-9]+).*/\1/p' \
        "${PEER_LOG[$name]}" | head -n 1)
    [[ -n $WS_PORT ]] || { echo "no port in $name's listening line"; return 1; }
    log "$name listens on ws:127.0.0.1:$WS_PORT"
}

# rflow NAME "CALL ARGS" "SIPJS ARGS": one call from a new `sipua call` to
# SIP.js answering.
rflow()
{
    local name=$1 call_args=$2 sipjs_args=$3
    # shellcheck disable=SC2086
    sipua_call_start "${name}_call" $call_args || fail "sipua call did not start"
    # shellcheck disable=SC2086
    sipjs_run "${name}_sjs" answer --server "ws://127.0.0.1:$WS_PORT" $sipjs_args >/dev/null
    echo $? >"$SCRATCH/${name}_sjs.rc"
    collect "${name}_call"
}

rflow racc "--hangup-after 0.5" "--ring 0.3"
check "$T: SIP.js rings and accepts, sipua hangs up: exit 0" \
    sipjs_result racc_sjs 0 \
    'connected waiting invite progress Establishing (remote_sdp )?Established accepted bye Terminated result( disconnected)?' \
    bye '"from": ?"peer"' result '"by": ?"peer"'
check "$T: sipua call: progress 180, accepted, terminated by us, exit 0" \
    sipua_result racc_call 0 '(listening )?invite (progress )+accepted (hangup )?terminated' \
    progress '"code": ?180' terminated '"by": ?"us"'

rflow rbye "" "--hangup-after 0.5"
check "$T: SIP.js accepts and hangs up: BYE answered 200, exit 0" \
    sipjs_result rbye_sjs 0 \
    'connected waiting invite Establishing (remote_sdp )?Established accepted bye Terminated bye_response result( disconnected)?' \
    bye_response '"code": ?200'
check "$T: sipua call: terminated by the peer, exit 0" \
    sipua_result rbye_call 0 '(listening )?invite (progress )?accepted terminated' terminated '"by": ?"peer"'

rflow rrej "" "--mode reject=486"
check "$T: SIP.js rejects 486: exit 0" \
    sipjs_result rrej_sjs 0 'connected waiting invite Terminated rejected result( disconnected)?' \
    rejected '"code": ?486'
check "$T: sipua call: failed 486, exit 1" \
    sipua_result rrej_call 1 '(listening )?invite (progress )?failed' failed '"code": ?486'

rflow rdtmf "--dtmf 12# --hangup-after 2" ""
check "$T: sipua call --dtmf 12#: SIP.js receives INFO 1 2 #, exit 0" \
    sipjs_result rdtmf_sjs 0 \
    'connected waiting invite Establishing (remote_sdp )?Established accepted dtmf dtmf dtmf bye Terminated result( disconnected)?' \
    dtmf '"tone": ?"1"' dtmf '"tone": ?"#"'
check "$T: sipua call --dtmf 12#: three dtmf sent, terminated by us, exit 0" \
    sipua_result rdtmf_call 0 '(listening )?invite (progress )?accepted dtmf dtmf dtmf (hangup )?terminated'

finish
