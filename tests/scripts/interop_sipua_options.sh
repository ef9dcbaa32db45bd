#!/usr/bin/env bash
# `sipua options` against real peers, on free ports of 127.0.0.1:
#   - Kamailio (tests/interop/kamailio/kamailio.cfg) on each switched-on
#     transport: exit 0 and a 200 in the output; over TLS and WSS the
#     server's certificate is verified against the test CA (--ca), and
#     without --ca the request must fail (verification is on by default);
#   - SIPp's options_uas.xml over UDP and TCP, three requests
#     (--count 3 --interval 100): SIPp must have answered all three.
#
# Switching on: the transports to test are listed below (TRANSPORTS); the
# environment variable SIPUA_INTEROP_OPTIONS_TRANSPORTS overrides the list
# ("udp tcp tls ws wss"). With an empty list, or while `sipua options` does
# not exist, the test is skipped (exit 77).
# Exit 0 all passed, 1 any failure, 77 skipped.

# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

# The transports `sipua options` is tested on. Empty: not switched on yet.
TRANSPORTS=(udp tcp tls ws wss)

interop_init sipua_options
need_sipua_command options
switched_on SIPUA_INTEROP_OPTIONS_TRANSPORTS "${TRANSPORTS[@]}"
transports=("${TRANSPORTS_ON[@]}")
need_program kamailio kamailio
need_program sipp sip-tester
need_program openssl openssl
log "transports: ${transports[*]}"

kamailio_start kamailio || fail "Kamailio did not start"

port_of()
{
    case $1 in
    udp) echo "$KAM_UDP_PORT" ;;
    tcp) echo "$KAM_TCP_PORT" ;;
    tls) echo "$KAM_TLS_PORT" ;;
    ws) echo "$KAM_WS_PORT" ;;
    wss) echo "$KAM_WSS_PORT" ;;
    esac
}

# options_ok NAME ARGS...: sipua options exits 0 and reports a 200.
options_ok()
{
    local name=$1
    shift
    sipua_run "$name" options "$@" || return 1
    grep -q '200' "$SCRATCH/$name.out" || { echo "no 200 in the output"; return 1; }
}

# options_refused NAME ARGS...: sipua options fails, by itself (exit 1 to
# 123: not a time-out, not a crash).
options_refused()
{
    local name=$1 rc
    shift
    sipua_run "$name" options "$@"
    rc=$?
    ((rc >= 1 && rc <= 123))
}

for t in "${transports[@]}"; do
    port=$(port_of "$t")
    [[ -n $port ]] || fail "unknown transport '$t'"
    args=(sip:127.0.0.1:"$port" --transport "$t")
    case $t in
    tls | wss)
        check "sipua options over ${t^^} -> Kamailio (--ca test CA): 200" \
            options_ok "kam_$t" "${args[@]}" --ca "$CA_DIR/ca.pem"
        check "sipua options over ${t^^} -> Kamailio without the test CA: refused" \
            options_refused "kam_${t}_untrusted" "${args[@]}"
        ;;
    *)
        check "sipua options over ${t^^} -> Kamailio: 200" options_ok "kam_$t" "${args[@]}"
        ;;
    esac
done

# SIPp as the server: three OPTIONS, each answered 200.
sipp_uas()
{
    local t=$1 flag port rc
    [[ $t == udp ]] && flag=u1 || flag=t1
    read -r port < <(free_ports 1) || return 1
    sipp_start "uas_$t" -sf "$INTEROP_DIR/sipp/options_uas.xml" -t "$flag" -i 127.0.0.1 \
        -p "$port" -m 3
    peer_wait_port "uas_$t" "$t" "$port" 10 || return 1
    options_ok "sipp_$t" sip:127.0.0.1:"$port" --transport "$t" --count 3 --interval 100 || return 1
    peer_wait_exit "uas_$t" 10
    rc=$?
    echo "SIPp UAS exit status $rc (0: it answered all 3)"
    return "$rc"
}
for t in "${transports[@]}"; do
    [[ $t == udp || $t == tcp ]] || continue
    out=$SCRATCH/sipp_uas_$t.check
    if sipp_uas "$t" >"$out" 2>&1; then
        INTEROP_PASSED=$((INTEROP_PASSED + 1))
        log "PASS  sipua options --count 3 over ${t^^} -> SIPp options_uas: 3 x 200"
    else
        INTEROP_FAILED=$((INTEROP_FAILED + 1))
        log "FAIL  sipua options --count 3 over ${t^^} -> SIPp options_uas"
        sed 's/^/      /' "$out"
        peer_log_tail "uas_$t" 30
        peer_stop "uas_$t" 3 >/dev/null
    fi
done

peer_stop kamailio 5 >/dev/null
finish
