#!/usr/bin/env bash
# The interop harness proven with the peers alone, before sipua takes part:
# Kamailio (tests/interop/kamailio/kamailio.cfg) on free ports of 127.0.0.1
# with a throwaway CA's certificate, then
#   - SIPp's options_uac.xml against it over UDP and TCP (200 with Allow),
#     and unknown_method_uac.xml (405 with Allow);
#   - tests/interop/sip_probe.py over TLS (certificate verified against the
#     test CA, for 127.0.0.1 and for localhost), WS and WSS: the upgrade is
#     answered 101 with Sec-WebSocket-Protocol: sip, and OPTIONS in a
#     WebSocket frame gets 200 with Allow. Debian's SIPp is built without
#     OpenSSL, so it cannot speak TLS (-t l1);
#   - a plain HTTP request on the WS port without the upgrade is refused;
#   - SIPp's options_uas.xml answering SIPp's options_uac.xml over UDP and
#     TCP, and the probe, so that the server scenario is known good too;
#   - Kamailio stops on SIGTERM, by its PID.
# Exit 0 all passed, 1 any failure, 77 when a peer is not installed.

# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

interop_init kamailio_sipp
need_program kamailio kamailio
need_program sipp sip-tester
need_program openssl openssl
need_program curl curl

sipp_dir=$INTEROP_DIR/sipp

kamailio_start kamailio || fail "Kamailio did not start"

# --- SIPp against Kamailio: UDP and TCP --------------------------------------
read -r uac_udp uac_tcp uac_405 < <(free_ports 3) || fail "no free ports"
check "SIPp OPTIONS over UDP -> Kamailio: 200 with Allow" \
    sipp_run uac_udp -sf "$sipp_dir/options_uac.xml" -t u1 -i 127.0.0.1 -p "$uac_udp" \
    -m 1 127.0.0.1:"$KAM_UDP_PORT"
check "SIPp OPTIONS over TCP -> Kamailio: 200 with Allow" \
    sipp_run uac_tcp -sf "$sipp_dir/options_uac.xml" -t t1 -i 127.0.0.1 -p "$uac_tcp" \
    -m 1 127.0.0.1:"$KAM_TCP_PORT"
check "SIPp FOOBAR over UDP -> Kamailio: 405 with Allow" \
    sipp_run uac_405 -sf "$sipp_dir/unknown_method_uac.xml" -t u1 -i 127.0.0.1 -p "$uac_405" \
    -m 1 127.0.0.1:"$KAM_UDP_PORT"

# --- TLS, WS, WSS with the probe ---------------------------------------------
check "probe OPTIONS over UDP -> Kamailio: 200 with Allow" \
    sip_probe --transport udp --port "$KAM_UDP_PORT" --require-header Allow
check "probe OPTIONS over TLS -> Kamailio (cert verified for 127.0.0.1)" \
    sip_probe --transport tls --port "$KAM_TLS_PORT" --ca "$CA_DIR/ca.pem" --require-header Allow
check "probe OPTIONS over TLS -> Kamailio (cert verified for localhost)" \
    sip_probe --transport tls --port "$KAM_TLS_PORT" --ca "$CA_DIR/ca.pem" \
    --server-name localhost --require-header Allow
check "probe WS upgrade (101, Sec-WebSocket-Protocol: sip) + OPTIONS -> Kamailio" \
    sip_probe --transport ws --port "$KAM_WS_PORT" --require-header Allow
check "probe WSS upgrade (101, Sec-WebSocket-Protocol: sip) + OPTIONS -> Kamailio" \
    sip_probe --transport wss --port "$KAM_WSS_PORT" --ca "$CA_DIR/ca.pem" --require-header Allow

# An HTTP GET without the upgrade gets no 101 (the WS config does not
# switch protocols for anything else).
http_without_upgrade()
{
    local status
    status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$KAM_WS_PORT/") || return 1
    echo "HTTP GET without upgrade: $status"
    [[ $status == 404 ]]
}
check "HTTP GET on the WS port without upgrade -> 404" http_without_upgrade

# A TLS client that does not trust the test CA must be refused: the
# certificate verification in the probe is real.
untrusted_tls()
{
    ! sip_probe --transport tls --port "$KAM_TLS_PORT" --timeout 3 &&
        echo "refused as expected"
}
check "probe over TLS without the test CA -> verification fails" untrusted_tls

# --- Kamailio stops on SIGTERM -----------------------------------------------
stop_kamailio()
{
    peer_stop kamailio 5
    local rc=$?
    # 0 (clean exit) or 143 (TERM); 137 would mean it needed SIGKILL.
    ((rc == 0 || rc == 143)) && ! port_listening tcp "$KAM_TCP_PORT"
}
pid=${PEER_PID[kamailio]}
if stop_kamailio; then
    INTEROP_PASSED=$((INTEROP_PASSED + 1))
    log "PASS  Kamailio (PID $pid) stopped on SIGTERM, ports released"
else
    INTEROP_FAILED=$((INTEROP_FAILED + 1))
    log "FAIL  Kamailio (PID $pid) did not stop cleanly on SIGTERM"
fi

# --- SIPp UAS answering SIPp UAC and the probe ---------------------------------
uas_pair()
{
    local transport=$1 flag uas_port uac_port rc
    [[ $transport == udp ]] && flag=u1 || flag=t1
    read -r uas_port uac_port < <(free_ports 2) || return 1
    sipp_start "uas_$transport" -sf "$sipp_dir/options_uas.xml" -t "$flag" -i 127.0.0.1 \
        -p "$uas_port" -m 2
    peer_wait_port "uas_$transport" "$transport" "$uas_port" 10 || return 1
    sipp_run "uac_to_uas_$transport" -sf "$sipp_dir/options_uac.xml" -t "$flag" -i 127.0.0.1 \
        -p "$uac_port" -m 1 127.0.0.1:"$uas_port" || return 1
    sip_probe --transport "$transport" --port "$uas_port" --require-header Allow \
        --require-header Supported || return 1
    peer_wait_exit "uas_$transport" 10
    rc=$?
    echo "SIPp UAS exit status $rc"
    return "$rc"
}
# Not through `check`: the UAS is a peer of this shell (its PID must be
# recorded here for the exit trap).
for transport in udp tcp; do
    out=$(mktemp "$SCRATCH/uas_pair.XXXXXX")
    if uas_pair "$transport" >"$out" 2>&1; then
        INTEROP_PASSED=$((INTEROP_PASSED + 1))
        log "PASS  SIPp options_uac + probe -> SIPp options_uas over ${transport^^}"
    else
        INTEROP_FAILED=$((INTEROP_FAILED + 1))
        log "FAIL  SIPp options_uac + probe -> SIPp options_uas over ${transport^^}"
        sed 's/^/      /' "$out"
        peer_log_tail "uas_$transport" 30
        peer_stop "uas_$transport" 3 >/dev/null
    fi
done

finish
