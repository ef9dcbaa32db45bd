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
# sipua calls SIP.js (`sipua call` waiting for SIP.js's connection, then
# sending its INVITE to SIP.js's Contact, sip:sipjs@sipjs.invalid;
# transport=ws, over it): switched on when `sipua call --help` offers
# $CALL_AWAIT_OPTION; until then skipped, with a banner naming it.
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

# events FILE: the JSON lines' events, space-separated; a "state" event
# counts as its state (Establishing, Established, Terminated).
events()
{
    python3 - "$1" <<'PY'
import json, sys
names = []
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if line.startswith("{"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        names.append(o.get("state") if o.get("event") == "state" else str(o.get("event")))
print(" ".join(names))
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

# expect_events WHO FILE REGEX: FILE's events (see events) match REGEX in
# full; prints them.
expect_events()
{
    local who=$1 file=$2 regex=$3 got
    got=$(events "$file")
    if [[ ! $got =~ ^($regex)$ ]]; then
        echo "$who events: '$got', want /$regex/"
        return 1
    fi
    echo "$who events: $got"
}

# sipua_answer_start NAME ARGS...: `sipua answer --listen ws:127.0.0.1:0
# --json --calls 1 ARGS` as peer NAME; sets WS_PORT from its listening line.
sipua_answer_start()
{
    local name=$1
    shift
    WS_PORT=
    peer_start "$name" "$SIPUA_BIN" answer --listen ws:127.0.0.1:0 --json --calls 1 --ladder "$@"
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

# sipjs_result NAME WANT_RC EVENTS_REGEX [EVENT REGEX]...: peer.mjs's exit
# status was WANT_RC, its events match EVENTS_REGEX, and each EVENT has a
# line matching REGEX. On failure, its SIP trace too.
sipjs_result()
{
    local name=$1 want=$2 regex=$3 rc report
    shift 3
    rc=$(cat "$SCRATCH/$name.rc")
    report=$(
        ok=0
        echo "node peer.mjs -> exit $rc (want $want)"
        ((rc == want)) || ok=1
        expect_events "SIP.js" "$SCRATCH/$name.out" "$regex" || ok=1
        while (($# >= 2)); do
            if ! json_has "$SCRATCH/$name.out" "$1" "$2"; then
                echo "SIP.js: no '$1' event matching /$2/"
                ok=1
            fi
            shift 2
        done
        exit "$ok"
    )
    rc=$?
    if ((rc)); then
        # `check` shows the end: the SIP messages first, the verdict last
        echo "----- SIP messages seen by SIP.js ($name.trace, end) -----"
        tail -n 60 "$SCRATCH/$name.trace" 2>/dev/null
        echo "----- SIP.js's events ($name.out) -----"
        cat "$SCRATCH/$name.out"
        [[ -s $SCRATCH/$name.err ]] && sed 's/^/stderr| /' "$SCRATCH/$name.err"
    fi
    printf '%s\n' "$report"
    return "$rc"
}

# sipua_result NAME WANT_RC EVENTS_REGEX [EVENT REGEX]...: the sipua
# peer NAME (already ended: $SCRATCH/NAME.rc) exited WANT_RC, its JSON
# events match EVENTS_REGEX, and each EVENT has a line matching REGEX.
sipua_result()
{
    local name=$1 want=$2 regex=$3 rc ok=0
    shift 3
    rc=$(cat "$SCRATCH/$name.rc")
    echo "sipua -> exit $rc (want $want)"
    ((rc == want)) || ok=1
    expect_events "sipua" "${PEER_LOG[$name]}" "$regex" || ok=1
    while (($# >= 2)); do
        if ! json_has "${PEER_LOG[$name]}" "$1" "$2"; then
            echo "sipua: no '$1' event matching /$2/"
            ok=1
        fi
        shift 2
    done
    ((ok)) && sed 's/^/  | /' "${PEER_LOG[$name]}"
    return "$ok"
}

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
# sipua calls SIP.js

T="sipua call -> SIP.js (ws, SIP.js's connection)"
call_help=$(timeout 5 "$SIPUA_BIN" call --help 2>&1 </dev/null)
if grep -q "unknown command" <<<"$call_help" || ! grep -q -- "$CALL_AWAIT_OPTION" <<<"$call_help"; then
    {
        echo "################################################################"
        echo "SKIPPED: $T"
        echo "  SIP.js only opens WebSocket connections, so sipua must call it over"
        echo "  the connection SIP.js opened to sipua. \`sipua call\` has no option"
        echo "  for that: it needs $CALL_AWAIT_OPTION S (listen on --listen ws:...,"
        echo "  print the listening line, wait up to S s for an incoming WebSocket"
        echo "  connection, then send the INVITE to TARGET over it although TARGET's"
        echo "  host, sipjs.invalid, does not resolve: RFC 7118 5)."
        echo "################################################################"
    } >&2
    log "SKIP  $T: 'sipua call $CALL_AWAIT_OPTION' does not exist"
    finish
fi

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

if grep -q -- "--dtmf" <<<"$call_help"; then
    rflow rdtmf "--dtmf 12# --hangup-after 2" ""
    check "$T: sipua call --dtmf 12#: SIP.js receives INFO 1 2 #, exit 0" \
        sipjs_result rdtmf_sjs 0 \
        'connected waiting invite Establishing (remote_sdp )?Established accepted dtmf dtmf dtmf bye Terminated result( disconnected)?' \
        dtmf '"tone": ?"1"' dtmf '"tone": ?"#"'
    check "$T: sipua call --dtmf 12#: three dtmf sent, terminated by us, exit 0" \
        sipua_result rdtmf_call 0 '(listening )?invite (progress )?accepted dtmf dtmf dtmf (hangup )?terminated'
else
    log "SKIP  $T: DTMF ('sipua call --dtmf' does not exist)"
fi

finish
