#!/usr/bin/env bash
# `sipua serve` answering real clients, on free ports of 127.0.0.1:
#   - SIPp's options_uac.xml over UDP and TCP: 200 with an Allow that lists
#     OPTIONS; not_implemented_uac.xml (FOOBAR): 501 with Allow;
#     not_allowed_uac.xml (SUBSCRIBE): 405 with Allow;
#   - tests/interop/sip_probe.py on every switched-on transport (TLS and WSS
#     verified against the test CA; WS and WSS upgrade answered 101 with
#     Sec-WebSocket-Protocol: sip): 200 with Allow;
#   - SIGTERM, then (a second run) SIGINT: sipua exits 0 within 5 s and its
#     ports are free again.
#
# Switching on: the transports to test are listed below (TRANSPORTS); the
# environment variable SIPUA_INTEROP_SERVE_TRANSPORTS overrides the list
# ("udp tcp tls ws wss"). With an empty list, or while `sipua serve` does
# not exist, the test is skipped (exit 77). sipua is started as
#   sipua serve --listen udp:127.0.0.1:P1 --listen tcp:127.0.0.1:P2 ... \
#               [TLS_ARGS, when tls or wss is on]
# Exit 0 all passed, 1 any failure, 77 skipped.

# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

# The transports `sipua serve` is tested on. Empty: not switched on yet.
TRANSPORTS=(udp tcp tls ws wss)
# How `sipua serve` is given its certificate for tls: and wss: listeners
# ($CA_DIR is the test CA's directory, made by make-test-ca.sh).
tls_args()
{
    echo --cert "$CA_DIR/server-chain.pem" --key "$CA_DIR/server.key"
}

interop_init sipua_serve
need_sipua_command serve
switched_on SIPUA_INTEROP_SERVE_TRANSPORTS "${TRANSPORTS[@]}"
transports=("${TRANSPORTS_ON[@]}")
need_program sipp sip-tester
need_program openssl openssl
log "transports: ${transports[*]}"
test_ca || fail "cannot make the test CA"

declare -A port=()

# serve_start: sipua serve on a fresh port per transport, up when every
# listener is (retried on new ports if it loses a port race).
serve_start()
{
    local attempt t listen=() ports=() extra=() i
    for attempt in 1 2 3; do
        read -r -a ports < <(free_ports "${#transports[@]}") || return 1
        listen=()
        extra=()
        for i in "${!transports[@]}"; do
            t=${transports[$i]}
            port[$t]=${ports[$i]}
            listen+=(--listen "$t:127.0.0.1:${port[$t]}")
            if [[ $t == tls || $t == wss ]]; then
                read -r -a extra <<<"$(tls_args)"
            fi
        done
        peer_start sipua "$SIPUA_BIN" serve "${listen[@]}" "${extra[@]}"
        local up=1
        for t in "${transports[@]}"; do
            peer_wait_port sipua "$t" "${port[$t]}" 10 || { up=0; break; }
        done
        ((up)) && return 0
        peer_stop sipua 3 >/dev/null
        grep -qi "in use" "${PEER_LOG[sipua]}" || return 1
        mv "${PEER_LOG[sipua]}" "${PEER_LOG[sipua]}.$attempt"
        log "sipua lost a port race (attempt $attempt): new ports"
    done
    return 1
}

# serve_stop SIGNAL: sipua exits 0 on SIGNAL within 5 s and frees its ports.
serve_stop()
{
    local sig=$1 pid=${PEER_PID[sipua]} t rc
    kill "-$sig" "$pid"
    peer_wait_exit sipua 5
    rc=$?
    echo "sipua exit status after SIG$sig: $rc"
    if ((rc == 124)); then
        peer_stop sipua 2
        return 1
    fi
    for t in "${transports[@]}"; do
        if port_listening "$t" "${port[$t]}"; then
            echo "port ${port[$t]} ($t) still in use"
            return 1
        fi
    done
    ((rc == 0))
}

serve_start || fail "sipua serve did not start"
log "sipua serve listens: $(for t in "${transports[@]}"; do printf '%s %s ' "$t" "${port[$t]}"; done)"

read -r uac_port < <(free_ports 1) || fail "no free port"
for t in "${transports[@]}"; do
    case $t in
    udp | tcp)
        flag=u1
        [[ $t == tcp ]] && flag=t1
        check "SIPp OPTIONS over ${t^^} -> sipua serve: 200 with Allow" \
            sipp_run "uac_$t" -sf "$INTEROP_DIR/sipp/options_uac.xml" -t "$flag" \
            -i 127.0.0.1 -p "$uac_port" -m 1 127.0.0.1:"${port[$t]}"
        check "SIPp FOOBAR over ${t^^} -> sipua serve: 501 with Allow" \
            sipp_run "uac501_$t" -sf "$INTEROP_DIR/sipp/not_implemented_uac.xml" -t "$flag" \
            -i 127.0.0.1 -p "$uac_port" -m 1 127.0.0.1:"${port[$t]}"
        check "SIPp SUBSCRIBE over ${t^^} -> sipua serve: 405 with Allow" \
            sipp_run "uac405_$t" -sf "$INTEROP_DIR/sipp/not_allowed_uac.xml" -t "$flag" \
            -i 127.0.0.1 -p "$uac_port" -m 1 127.0.0.1:"${port[$t]}"
        check "probe OPTIONS over ${t^^} -> sipua serve: 200 with Allow" \
            sip_probe --transport "$t" --port "${port[$t]}" --require-header Allow
        ;;
    ws)
        check "probe WS upgrade (101, sip) + OPTIONS -> sipua serve: 200 with Allow" \
            sip_probe --transport ws --port "${port[$t]}" --require-header Allow
        ;;
    tls | wss)
        check "probe OPTIONS over ${t^^} -> sipua serve (cert verified): 200 with Allow" \
            sip_probe --transport "$t" --port "${port[$t]}" --ca "$CA_DIR/ca.pem" \
            --require-header Allow
        ;;
    *) fail "unknown transport '$t'" ;;
    esac
done

for sig in TERM INT; do
    if [[ -z ${PEER_PID[sipua]:-} ]]; then
        serve_start || fail "sipua serve did not start again"
    fi
    out=$SCRATCH/stop_$sig.check
    if serve_stop "$sig" >"$out" 2>&1; then
        INTEROP_PASSED=$((INTEROP_PASSED + 1))
        log "PASS  sipua serve exits 0 on SIG$sig, ports freed"
    else
        INTEROP_FAILED=$((INTEROP_FAILED + 1))
        log "FAIL  sipua serve on SIG$sig"
        sed 's/^/      /' "$out"
        peer_log_tail sipua 30
    fi
done

finish
