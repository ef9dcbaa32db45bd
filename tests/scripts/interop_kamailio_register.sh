#!/usr/bin/env bash
# sipua register against Kamailio as a registrar
# (tests/interop/kamailio/registrar.cfg: auth_db over a db_text user table
# written here, qop=auth with nonce counts checked, Min-Expires 4 s):
#   - `sipua register --once` over UDP, TCP, TLS (the test CA), WS and WSS:
#     401, answered, 200 with our contact, then unregistered (Expires: 0),
#     exit 0;
#   - a wrong password: AUTHENTICATION_ERROR after one answered challenge,
#     exit 1;
#   - the settings from a config file (--config), with --json output; the
#     password appears in no output (nor in --trace's messages);
#   - an outbound proxy (--proxy): Route <proxy;lr>, the request sent there;
#   - staying registered: --expires 2 gets 423 and asks again for 4 s, is
#     refreshed every 2 s with the cached credentials (one challenge in
#     all: Kamailio checks that each nc is higher), and unregisters on
#     SIGTERM, exit 0;
#   - the same with Kamailio challenging in SHA-256 (RFC 8760);
#   - Kamailio closing the idle TCP connection: sipua registers again over
#     a new one (the binding's way in is gone); with --keepalive 2 the
#     connection stays up;
#   - the registrar going away: the refresh fails, sipua stays and says
#     when it retries; on SIGTERM unregistering fails too: exit 1.
# Exit 0 all passed, 1 any failure, 77 when a peer is not installed.

# Functions below run through `check` (indirectly).
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

interop_init kamailio_register
need_program kamailio kamailio
need_program openssl openssl
need_sipua_command register
# no settings from the user's own ~/.config/sipua/config
export XDG_CONFIG_HOME=$SCRATCH/no-config

modules=$(kamailio -h 2>/dev/null | sed -n 's/.*Modules search path (default: \(.*\)).*/\1/p')
for m in auth auth_db db_text registrar usrloc; do
    if [[ -n $modules && ! -f $modules/$m.so ]]; then
        skip "Kamailio module $m.so is missing from $modules" "run scripts/install-deps"
    fi
done

PASSWORD='s3cret-Pw#1'
db=$SCRATCH/db
kamailio_users "$db" alice "$PASSWORD"

start_registrar()
{
    local name=$1 alg=${2:-} lifetime=${3:-60}
    KAMAILIO_DEFINES=(-A "DB_URL=\"text://$db\"" -A "MIN_EXPIRES=4" -A "TCP_LIFETIME=$lifetime")
    [[ -n $alg ]] && KAMAILIO_DEFINES+=(-A "AUTH_ALG=\"$alg\"")
    kamailio_start "$name" registrar.cfg || fail "Kamailio ($name) did not start"
}

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

# count_in REGEX FILE: how many lines of FILE match, 0 while FILE does
# not exist yet (a peer's log appears once its shell has started it).
count_in()
{
    local n
    n=$(grep -c -- "$1" "$2" 2>/dev/null)
    echo "${n:-0}"
}

no_password_in()
{
    if grep -qF -- "$PASSWORD" "$@"; then
        echo "the password appears in $*"
        return 1
    fi
}

register_once()
{
    local t=$1 out=$SCRATCH/once_$1.out
    sipua_run "once_$t" register --once --aor sip:alice@127.0.0.1 \
        --registrar "sip:127.0.0.1:$(port_of "$t")" --transport "$t" \
        --password "$PASSWORD" --ca "$CA_DIR/ca.pem" --display-name "Alice" || return 1
    grep -q "registered 200 OK, expires 600 s" "$out" &&
        grep -q "unregistered 200 OK" "$out" &&
        if [[ $t == udp ]]; then
            grep -Eq "contact <sip:alice@127.0.0.1:[0-9]+>;expires=600" "$out"
        else
            grep -q "contact <sip:alice@127.0.0.1;transport=$t>;expires=600" "$out"
        fi &&
        no_password_in "$out"
}

wrong_password()
{
    local rc out=$SCRATCH/wrong.out
    sipua_run wrong register --once --aor sip:alice@127.0.0.1 \
        --registrar "sip:127.0.0.1:$KAM_TCP_PORT;transport=tcp" --password not-the-password
    rc=$?
    ((rc == 1)) && grep -q "registration_failed 401 Unauthorized: Authentication Error" "$out" &&
        grep -q "registration failed: AUTHENTICATION_ERROR (401 Unauthorized)" "$out" &&
        ! grep -q "not-the-password" "$out"
}

config_file()
{
    local out=$SCRATCH/config.out conf=$SCRATCH/sipua.conf
    cat >"$conf" <<EOF
# sipua configuration for the interop test
aor = sip:alice@127.0.0.1
password = "$PASSWORD"
registrar = sip:127.0.0.1:$KAM_TLS_PORT;transport=tls
ca = $CA_DIR/ca.pem
display_name = "Alice Liddell"
expires = 300
EOF
    sipua_run config register --once --json --config "$conf" || return 1
    grep -q '"event":"registered".*"status":200.*"expires":300' "$out" &&
        grep -q '"event":"unregistered".*"status":200' "$out" &&
        no_password_in "$out"
}

# through an outbound proxy (Kamailio itself, over TCP): REGISTER
# sip:127.0.0.1 goes to the proxy's address with Route <proxy;lr>
outbound_proxy()
{
    local out=$SCRATCH/proxy.out
    sipua_run proxy register --once --trace --aor sip:alice@127.0.0.1 \
        --proxy "sip:127.0.0.1:$KAM_TCP_PORT;transport=tcp" --password "$PASSWORD" || return 1
    grep -q "^REGISTER sip:127.0.0.1 SIP/2.0" "$out" &&
        grep -q "^Route: <sip:127.0.0.1:$KAM_TCP_PORT;transport=tcp;lr>" "$out" &&
        grep -q "sent to TCP:127.0.0.1:$KAM_TCP_PORT" "$out" &&
        grep -q "registered 200 OK" "$out" && no_password_in "$out"
}

bad_config_line()
{
    local out=$SCRATCH/badconf.out conf=$SCRATCH/bad.conf rc
    printf 'aor = sip:alice@127.0.0.1\nexpires = soon\n' >"$conf"
    sipua_run badconf register --once --config "$conf"
    rc=$?
    ((rc == 2)) && grep -q "bad.conf:2: expires" "$out"
}

# stay_registered KAMAILIO_NAME TRANSPORT: registers for 2 s (423: 4 s),
# waits for two refreshes, stops it with SIGTERM.
stay_registered()
{
    local kam=$1 t=$2 name=stay_$1_$2 rc before after
    before=$(count_in "credentials refused or absent" "${PEER_LOG[$kam]}")
    peer_start "$name" "$SIPUA_BIN" register --aor sip:alice@127.0.0.1 \
        --registrar "sip:127.0.0.1:$(port_of "$t")" --transport "$t" \
        --password "$PASSWORD" --ca "$CA_DIR/ca.pem" --expires 2
    local deadline=$((SECONDS + 15))
    while (($(count_in "registered 200 OK, expires 4 s" "${PEER_LOG[$name]}") < 3)); do
        if ((SECONDS >= deadline)) || ! peer_alive "$name"; then
            echo "no third registration within 15 s"
            cat "${PEER_LOG[$name]}"
            peer_stop "$name" 3
            return 1
        fi
        sleep 0.1
    done
    peer_stop "$name" 10
    rc=$?
    after=$(count_in "credentials refused or absent" "${PEER_LOG[$kam]}")
    sed 's/^/  | /' "${PEER_LOG[$name]}"
    echo "exit status $rc; Kamailio challenged $((after - before)) time(s)"
    ((rc == 0)) && grep -q "unregistered 200 OK" "${PEER_LOG[$name]}" &&
        ((after - before == 1)) && no_password_in "${PEER_LOG[$name]}"
}

start_registrar kam
for t in udp tcp tls ws wss; do
    check "sipua register --once over ${t^^} -> Kamailio: 401, 200, unregistered" register_once "$t"
done
check "wrong password -> AUTHENTICATION_ERROR, exit 1" wrong_password
check "settings from --config (TLS), --json, no password in the output" config_file
check "a bad config line -> FILE:LINE named, exit 2" bad_config_line
check "--proxy: Route <proxy;lr>, sent to the proxy, Request-URI the domain" outbound_proxy

# Not through `check`: sipua runs as a peer of this shell (its PID must be
# recorded here for the exit trap).
run_stay()
{
    local what=$1
    shift
    local out
    out=$(mktemp "$SCRATCH/stay.XXXXXX")
    if stay_registered "$@" >"$out" 2>&1; then
        INTEROP_PASSED=$((INTEROP_PASSED + 1))
        log "PASS  $what"
    else
        INTEROP_FAILED=$((INTEROP_FAILED + 1))
        log "FAIL  $what"
    fi
    sed 's/^/      /' "$out"
}
run_stay "423 then 4 s, two refreshes with cached credentials (UDP), unregistered on SIGTERM" \
    kam udp
peer_stop kam 5 >/dev/null

# Kamailio closes connections idle for 4 s: the registration made over one
# is made again over a new one.
start_registrar kam256 SHA-256 4
check "SHA-256 challenge: sipua register --once over TCP" register_once tcp
run_stay "SHA-256: refreshes with cached credentials (WS), unregistered on SIGTERM" kam256 ws

# reconnect: registered over TCP for 600 s; Kamailio closes the idle
# connection after 4 s, and sipua registers again over a new one. Another
# sipua started alongside with --keepalive 2 keeps its connection up
# (RFC 5626 4.4.1 CRLF pings): one registration all along.
reconnect()
{
    local name=reconnect rc t0=$SECONDS
    peer_start "$name" "$SIPUA_BIN" register --aor sip:alice@127.0.0.1 \
        --registrar "sip:127.0.0.1:$KAM_TCP_PORT;transport=tcp" --password "$PASSWORD"
    peer_start pinging "$SIPUA_BIN" register --aor sip:alice@127.0.0.1 \
        --registrar "sip:127.0.0.1:$KAM_TCP_PORT;transport=tcp" --password "$PASSWORD" \
        --keepalive 2
    # Kamailio's connection timer is coarse: it closes after 10 to 15 s
    local deadline=$((SECONDS + 30))
    while (($(count_in "registered 200 OK, expires 600 s" "${PEER_LOG[$name]}") < 2)); do
        if ((SECONDS >= deadline)) || ! peer_alive "$name"; then
            echo "no second registration within 30 s"
            cat "${PEER_LOG[$name]}"
            peer_stop "$name" 3
            return 1
        fi
        sleep 0.1
    done
    peer_stop "$name" 10
    rc=$?
    sed 's/^/  | /' "${PEER_LOG[$name]}"
    echo "exit status $rc"
    ((rc == 0)) && grep -q "unregistered 200 OK" "${PEER_LOG[$name]}" || return 1
    # a few seconds past the other's reconnection, the pinging one has not
    # needed any
    while ((SECONDS < t0 + 18)); do sleep 0.2; done
    peer_stop pinging 10
    rc=$?
    echo "with --keepalive 2:"
    sed 's/^/  | /' "${PEER_LOG[pinging]}"
    echo "exit status $rc"
    ((rc == 0)) && (($(count_in "] registered 200 OK" "${PEER_LOG[pinging]}") == 1)) &&
        grep -q "unregistered 200 OK" "${PEER_LOG[pinging]}"
}
out=$(mktemp "$SCRATCH/reconnect.XXXXXX")
if reconnect >"$out" 2>&1; then
    INTEROP_PASSED=$((INTEROP_PASSED + 1))
    log "PASS  the registrar closes the TCP connection: registered again over a new one; --keepalive keeps it"
else
    INTEROP_FAILED=$((INTEROP_FAILED + 1))
    log "FAIL  the registrar closes the TCP connection: registered again over a new one; --keepalive keeps it"
fi
sed 's/^/      /' "$out"

# registrar_gone: registered over TCP, Kamailio stopped, the refresh 2 s
# later fails (connection refused) and is to be retried; SIGTERM then
# finds nobody to unregister with.
registrar_gone()
{
    local name=gone rc
    peer_start "$name" "$SIPUA_BIN" register --aor sip:alice@127.0.0.1 \
        --registrar "sip:127.0.0.1:$KAM_TCP_PORT;transport=tcp" --password "$PASSWORD" --expires 4
    peer_wait_log "$name" "registered 200 OK, expires 4 s" 10 || return 1
    peer_stop kam256 5 >/dev/null
    peer_wait_log "$name" "registration_failed: Connection Error .*, retrying in" 10 || return 1
    peer_alive "$name" || return 1
    peer_stop "$name" 10
    rc=$?
    sed 's/^/  | /' "${PEER_LOG[$name]}"
    echo "exit status $rc"
    ((rc == 1)) && grep -q "unregistering failed" "${PEER_LOG[$name]}"
}
out=$(mktemp "$SCRATCH/gone.XXXXXX")
if registrar_gone >"$out" 2>&1; then
    INTEROP_PASSED=$((INTEROP_PASSED + 1))
    log "PASS  registrar gone: the refresh fails, sipua stays to retry; SIGTERM: exit 1"
else
    INTEROP_FAILED=$((INTEROP_FAILED + 1))
    log "FAIL  registrar gone: the refresh fails, sipua stays to retry; SIGTERM: exit 1"
fi
sed 's/^/      /' "$out"
peer_stop kam256 5 >/dev/null

finish
