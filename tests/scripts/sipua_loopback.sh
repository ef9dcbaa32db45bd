#!/usr/bin/env bash
# sipua against sipua on loopback: `sipua serve` on UDP, TCP, TLS, WS and WSS
# (ports picked by the system, read from its output), and on IPv6 UDP and TCP
# when ::1 exists; `sipua options` over each, TLS and WSS verified against a
# test CA and refused without it; the command-line errors of both commands
# (exit 2 with a message); a refused TCP connection failing at once (exit 1).
# Exit 0 all passed, 1 any failure, 77 skipped.
# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

interop_init sipua_loopback
need_sipua_command serve
need_program openssl openssl
test_ca || fail "cannot make the test CA"

declare -A port=()

# serve_up NAME LISTEN...: starts sipua serve and reads its ports.
serve_up()
{
    local name=$1 n t p line
    shift
    local -a args=()
    for spec in "$@"; do args+=(--listen "$spec"); done
    peer_start "$name" "$SIPUA_BIN" serve "${args[@]}" --cert "$CA_DIR/server-chain.pem" \
        --key "$CA_DIR/server.key"
    n=$#
    peer_wait_log "$name" "listening on" 10 || return 1
    local deadline=$((SECONDS + 10))
    while (($(grep -c '^listening on' "${PEER_LOG[$name]}") < n)); do
        ((SECONDS < deadline)) || return 1
        peer_alive "$name" || return 1
        sleep 0.05
    done
    while read -r line; do
        t=${line#listening on }
        t=${t%%:*}
        p=${line##*:}
        port[$name.$t]=$p
    done < <(grep '^listening on' "${PEER_LOG[$name]}")
}

serve_up v4 udp:127.0.0.1:0 tcp:127.0.0.1:0 tls:127.0.0.1:0 ws:127.0.0.1:0 wss:127.0.0.1:0 ||
    fail "sipua serve did not start"
log "sipua serve (IPv4): udp ${port[v4.udp]} tcp ${port[v4.tcp]} tls ${port[v4.tls]}" \
    "ws ${port[v4.ws]} wss ${port[v4.wss]}"

options_200()
{
    local name=$1
    shift
    sipua_run "$name" options "$@" || return 1
    grep -q ' 200 OK in ' "$SCRATCH/$name.out" || { echo "no 200"; return 1; }
}

options_json()
{
    sipua_run json options "$@" --json --count 2 --interval 10 || return 1
    python3 - "$SCRATCH/json.out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 2, lines
assert all(l["status"] == 200 and "OPTIONS" in l["allow"] for l in lines), lines
PY
}

exit_is()
{
    local want=$1 name=$2 rc
    shift 2
    sipua_run "$name" "$@"
    rc=$?
    ((rc == want)) || { echo "exit $rc, want $want"; return 1; }
    [[ -s $SCRATCH/$name.out ]] || { echo "no message"; return 1; }
}

for t in udp tcp ws; do
    check "options over ${t^^} -> serve: 200" options_200 "o_$t" \
        "sip:127.0.0.1:${port[v4.$t]}" --transport "$t"
done
for t in tls wss; do
    check "options over ${t^^} -> serve (--ca): 200" options_200 "o_$t" \
        "sip:127.0.0.1:${port[v4.$t]}" --transport "$t" --ca "$CA_DIR/ca.pem"
    check "options over ${t^^} without the CA: refused (exit 1)" exit_is 1 "o_${t}_untrusted" \
        options "sip:127.0.0.1:${port[v4.$t]}" --transport "$t"
done
check "options ;transport=tcp in the URI, --json, --count 2: two 200 objects" \
    options_json "sip:127.0.0.1:${port[v4.tcp]};transport=tcp"

if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    serve_up v6 'udp:[::1]:0' 'tcp:[::1]:0' || fail "sipua serve on ::1 did not start"
    for t in udp tcp; do
        check "options over ${t^^} on IPv6 -> serve: 200" options_200 "o6_$t" \
            "sip:[::1]:${port[v6.$t]}" --transport "$t"
    done
    peer_stop v6 3 >/dev/null
else
    log "no ::1 here: IPv6 cases not run"
fi

read -r closed < <(free_ports 1) || fail "no free port"
check "options to a closed TCP port: fails at once (exit 1)" exit_is 1 closed \
    options "sip:127.0.0.1:$closed" --transport tcp

check "options without a URI: exit 2" exit_is 2 u1 options
check "options mailto:x@y: exit 2" exit_is 2 u2 options mailto:x@y
check "options --transport sctp: exit 2" exit_is 2 u3 options sip:127.0.0.1 --transport sctp
check "options --count 0: exit 2" exit_is 2 u4 options sip:127.0.0.1 --count 0
check "options --interval x: exit 2" exit_is 2 u5 options sip:127.0.0.1 --interval x
check "serve without --listen: exit 2" exit_is 2 u6 serve
check "serve --listen bogus: exit 2" exit_is 2 u7 serve --listen bogus
check "serve --listen tls without a certificate: exit 2" exit_is 2 u8 serve \
    --listen tls:127.0.0.1:0
check "serve --cert without --key: exit 2" exit_is 2 u9 serve --listen udp:127.0.0.1:0 \
    --cert "$CA_DIR/server.pem"

stop_clean()
{
    local pid=${PEER_PID[v4]} rc
    kill -TERM "$pid"
    peer_wait_exit v4 5
    rc=$?
    echo "exit status $rc"
    grep -q '^stopped: ' "${PEER_LOG[v4]}" || { echo "no summary line"; return 1; }
    ((rc == 0))
}
# not through check: its command substitution is a subshell, which cannot
# wait for the peer
out=$SCRATCH/stop.check
if stop_clean >"$out" 2>&1; then
    INTEROP_PASSED=$((INTEROP_PASSED + 1))
    log "PASS  serve exits 0 on SIGTERM with its summary"
else
    INTEROP_FAILED=$((INTEROP_FAILED + 1))
    log "FAIL  serve exits 0 on SIGTERM with its summary"
    sed 's/^/      /' "$out"
fi

finish
