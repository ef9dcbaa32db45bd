#!/usr/bin/env bash
# sipua with SIP outbound (RFC 5626) and GRUU (RFC 5627) against Kamailio
# as edge proxy and registrar (tests/interop/kamailio/outbound.cfg: flow
# tokens in Path and Record-Route, Require: outbound and Flow-Timer: 4 in
# the 200s, pub-gruu and temp-gruu, Digest against a db_text user table of
# alice, bob and carol written here; idle connections closed after 6 s):
#   - `sipua register --once --json --trace --outbound --gruu
#     --instance-id urn:uuid:...` over UDP, TCP, TLS, WS and WSS: the
#     REGISTER carries +sip.instance (the id given), reg-id=1 and
#     Supported: outbound, path, gruu; Kamailio puts its Path with the
#     flow token on it and answers Require: outbound, Flow-Timer: 4; the
#     registered event says "outbound":true, "flow_timer":4 and the
#     binding's "pub_gruu" (sip:alice@127.0.0.1;gr=urn:uuid:<the id>) and
#     "temp_gruu" (sip:...@127.0.0.1;gr), even while another instance of
#     alice is registered; unregistered, exit 0;
#   - without --instance-id the instance id is made once and kept in
#     $XDG_CONFIG_HOME/sipua/instance-id: two runs send the same
#     +sip.instance, another configuration directory another one;
#   - without --outbound: no reg-id on the wire, no Require: outbound in
#     the 200, "outbound" absent or false, no "flow_timer";
#   - calls through the flow, over each switched-on transport T: alice is
#     `sipua answer --outbound --gruu` registered over T with no listener
#     of her own (her Contact is not reachable: only her flow is); bob
#     calls sip:alice@127.0.0.1, then her pub-gruu, with `sipua call
#     --proxy` through Kamailio (407 answered). Both calls are answered:
#     Kamailio logs the INVITE sent along her Path and over the flow (the
#     connection, or UDP address, her REGISTER came from), the 200's
#     Contact is her pub-gruu, and bob's BYE reaches her over the flow too;
#   - keep-alives: alice stays registered with --outbound over TCP while
#     carol, without, does the same: Kamailio closes carol's idle
#     connection (she registers again over a new one) but not alice's,
#     whose CRLF pings (every 3.2 to 4 s for Flow-Timer 4) keep her flow,
#     the same connection, up with a single registration;
#   - flow recovery: Kamailio stopped and started again on the same ports:
#     alice's flow fails, and she registers again over a new one (RFC 5626
#     4.5; the time it took is printed), then unregisters on SIGTERM,
#     exit 0.
# Peers are stopped by PID, every wait is bounded.
# Skipped (exit 77) when Kamailio or one of its modules is missing
# (scripts/install-deps installs them: outbound.so is in
# kamailio-outbound-modules) or `sipua register` has no --outbound yet.
# SIPUA_KAMAILIO_OUTBOUND_TRANSPORTS overrides the transports of the calls
# ("tcp ws").
# Exit 0 all passed, 1 any failure, 77 skipped.

# Functions below run indirectly.
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

TRANSPORTS=(tcp tls ws wss udp)
FLOW_TIMER=4

interop_init kamailio_outbound
need_program kamailio kamailio
need_program openssl openssl
need_sipua_command register
need_sipua_command answer
need_sipua_command call
timeout 5 "$SIPUA_BIN" register --help 2>&1 </dev/null | grep -q -- '--outbound' ||
    skip "sipua register has no --outbound yet"
timeout 5 "$SIPUA_BIN" answer --help 2>&1 </dev/null | grep -q -- '--outbound' ||
    skip "sipua answer has no --outbound yet"
switched_on SIPUA_KAMAILIO_OUTBOUND_TRANSPORTS "${TRANSPORTS[@]}"
transports=("${TRANSPORTS_ON[@]}")

modules=$(kamailio -h 2>/dev/null | sed -n 's/.*Modules search path (default: \(.*\)).*/\1/p')
for m in outbound path rr stun auth auth_db db_text registrar usrloc nathelper tmx maxfwd; do
    if [[ -n $modules && ! -f $modules/$m.so ]]; then
        skip "Kamailio module $m.so is missing from $modules" \
            "run scripts/install-deps (outbound.so: kamailio-outbound-modules)"
    fi
done
log "transports of the calls: ${transports[*]}"

SIPUA_TIMEOUT=15
export SIPUA_TIMEOUT

declare -A PW=([alice]='alice-Ob#1' [bob]='bob;Ob 2' [carol]='carol-Ob3')
db=$SCRATCH/db
mkdir -p "$db"
printf 'id(int,auto) table_name(string) table_version(int) \n0:subscriber:7\n' >"$db/version"
{
    printf 'id(int,auto) username(string) domain(string) password(string) \n'
    n=0
    for u in alice bob carol; do
        n=$((n + 1))
        printf '%d:%s:127.0.0.1:%s\n' "$n" "$u" "${PW[$u]}"
    done
} >"$db/subscriber"

KAMAILIO_DEFINES=(-A "DB_URL=\"text://$db\"" -A "FLOW_TIMER=$FLOW_TIMER" -A "TCP_LIFETIME=6")
kamailio_start kam outbound.cfg || fail "Kamailio did not start"
KAM_LOG=${PEER_LOG[kam]}

# kam_port T: Kamailio's port for transport T (KAM_UDP_PORT...).
kam_port()
{
    local var=KAM_${1^^}_PORT
    echo "${!var}"
}

kam_uri() { echo "sip:127.0.0.1:$(kam_port "$1");transport=$1"; }

# Instance ids (RFC 4122 version 4 UUIDs): one per transport for the
# --once registrations, one for the instance of alice registered
# alongside, one for the keep-alives.
declare -A INSTANCE_ONCE=(
    [udp]=urn:uuid:6e0b1c55-3f1a-4d8e-9a77-000000000001
    [tcp]=urn:uuid:6e0b1c55-3f1a-4d8e-9a77-000000000002
    [tls]=urn:uuid:6e0b1c55-3f1a-4d8e-9a77-000000000003
    [ws]=urn:uuid:6e0b1c55-3f1a-4d8e-9a77-000000000004
    [wss]=urn:uuid:6e0b1c55-3f1a-4d8e-9a77-000000000005
)
INSTANCE_OTHER=urn:uuid:6e0b1c55-3f1a-4d8e-9a77-1000000000aa
INSTANCE_KA=urn:uuid:6e0b1c55-3f1a-4d8e-9a77-2000000000bb
UUID_RE='urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'

# jfield FILE EVENT FIELD: FIELD of the first JSON line of FILE whose
# event is EVENT: its value, true or false, or nothing when it is absent.
jfield()
{
    python3 - "$@" <<'PY'
import json, sys
path, event, field = sys.argv[1:4]
for line in open(path, errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    if ev.get("event") != event:
        continue
    v = ev.get(field)
    if isinstance(v, bool):
        print("true" if v else "false")
    elif v is not None:
        print(v)
    break
PY
}

# jcount FILE EVENT: how many JSON lines of FILE are EVENT events.
jcount()
{
    local n
    n=$(grep -c "\"event\":\"$2\"" "$1" 2>/dev/null)
    echo "${n:-0}"
}

# wire FILE sent|received START [HEADER_REGEX]: the start line and header
# lines of the first SIP message of FILE (sipua's --trace: "[  t] sent to
# T:host:port" or "received from ...", then the message) that went that
# way, whose start line matches the extended regex START (and one of
# whose header lines matches HEADER_REGEX).
wire()
{
    python3 - "$@" <<'PY'
import re, sys
path, way, start = sys.argv[1:4]
want = re.compile(sys.argv[4]) if len(sys.argv) > 4 else None
lines = open(path, errors="replace").read().split("\n")
i = 0
while i < len(lines):
    m = re.match(r"^\[ *[0-9.]+\] (sent to|received from) ", lines[i])
    i += 1
    if not m:
        continue
    head = []
    while i < len(lines) and lines[i].rstrip("\r") != "":
        head.append(lines[i].rstrip("\r"))
        i += 1
    if not head or m.group(1).split()[0] != way or not re.search(start, head[0]):
        continue
    if want and not any(want.search(h) for h in head[1:]):
        continue
    print("\n".join(head))
    break
PY
}

# header NAME [SHORT]: the values of header NAME (or its compact form) of
# the message on stdin, one per line.
header()
{
    local name=$1 short=${2:-}
    if [[ -n $short ]]; then
        grep -i -E "^($name|$short)[[:space:]]*:" | sed 's/^[^:]*:[[:space:]]*//'
    else
        grep -i -E "^${name}[[:space:]]*:" | sed 's/^[^:]*:[[:space:]]*//'
    fi
}

# indent PREFIX: stdin, each line after PREFIX.
indent() { sed "s/^/$1/"; }

# option_tags: the option tags of the Supported values on stdin, one a
# line, lower case.
option_tags() { tr ',' '\n' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | tr '[:upper:]' '[:lower:]'; }

no_passwords_in()
{
    local u
    for u in "${!PW[@]}"; do
        if grep -qF -- "${PW[$u]}" "$@"; then
            problem "$u's password appears in $*"
        fi
    done
}

# run_flow DESCRIPTION FUNCTION ARGS...: runs FUNCTION in this shell (its
# peers' PIDs are recorded here, for the exit trap), its output in a file;
# it passes when it recorded no problem (lib.sh: problem, flow_end).
run_flow()
{
    local what=$1 out
    shift
    out=$(mktemp "$SCRATCH/flow.XXXXXX")
    PROBLEMS=()
    "$@" >"$out" 2>&1
    flow_end "$what" "$out"
}

# the instance id of the REGISTER on the wire (its Contact's
# +sip.instance, without the angle brackets)
wire_instance()
{
    wire "$1" sent '^REGISTER ' | header Contact m | grep -o '+sip.instance="<[^>]*>"' |
        head -n 1 | sed 's/^+sip.instance="<//; s/>"$//'
}

# check_outbound_register OUT INSTANCE [T]: what an outbound registration
# of alice (instance INSTANCE) shows on the wire and in its JSON.
check_outbound_register()
{
    local out=$1 instance=$2 t=${3:-} req ok tags pub tmp ft ob
    req=$(wire "$out" sent '^REGISTER ')
    [[ -n $req ]] || { problem "no REGISTER in the trace"; return; }
    echo "REGISTER on the wire:"
    indent '  > ' <<<"$req"
    header Contact m <<<"$req" | grep -qF "+sip.instance=\"<$instance>\"" ||
        problem "the REGISTER's Contact has no +sip.instance=\"<$instance>\""
    header Contact m <<<"$req" | grep -Eq ';reg-id=1([;,[:space:]]|$)' ||
        problem "the REGISTER's Contact has no reg-id=1"
    tags=$(header Supported k <<<"$req" | option_tags)
    for tag in outbound path gruu; do
        grep -qx "$tag" <<<"$tags" || problem "the REGISTER's Supported has no '$tag' (${tags//$'\n'/ })"
    done
    ok=$(wire "$out" received '^SIP/2\.0 200' '^CSeq:[[:space:]]*[0-9]+ REGISTER')
    echo "its 200:"
    indent '  < ' <<<"$ok"
    header Require <<<"$ok" | option_tags | grep -qx outbound ||
        problem "Kamailio's 200 has no Require: outbound"
    header Flow-Timer <<<"$ok" | grep -qx "$FLOW_TIMER" ||
        problem "Kamailio's 200 has no Flow-Timer: $FLOW_TIMER"
    ob=$(jfield "$out" registered outbound)
    ft=$(jfield "$out" registered flow_timer)
    pub=$(jfield "$out" registered pub_gruu)
    tmp=$(jfield "$out" registered temp_gruu)
    echo "registered: outbound=$ob flow_timer=$ft pub_gruu=$pub temp_gruu=$tmp"
    [[ $ob == true ]] || problem "registered event: \"outbound\" is '$ob', want true"
    [[ $ft == "$FLOW_TIMER" ]] || problem "registered event: \"flow_timer\" is '$ft', want $FLOW_TIMER"
    [[ $pub == "sip:alice@127.0.0.1;gr=$instance" ]] ||
        problem "registered event: \"pub_gruu\" is '$pub', want sip:alice@127.0.0.1;gr=$instance"
    [[ $tmp =~ ^sip:[^@\;]+@127\.0\.0\.1\;gr$ ]] ||
        problem "registered event: \"temp_gruu\" is '$tmp', want sip:...@127.0.0.1;gr"
    if [[ -n $t ]]; then
        grep -q "REGISTER sip:alice@127.0.0.1 over $t from .*: a Path with its flow token" "$KAM_LOG" ||
            problem "Kamailio did not give the REGISTER over $t a Path with a flow token"
    fi
}

# register_once T: sipua register --once --outbound --gruu over T, with an
# instance id of its own, while another instance of alice is registered
# over TCP (the 200 lists both bindings: each has its own GRUUs).
register_once()
{
    local t=$1 out=$SCRATCH/once_$1.out rc instance=${INSTANCE_ONCE[$1]}
    sipua_run "once_$t" register --once --json --trace --outbound --gruu \
        --instance-id "$instance" --aor sip:alice@127.0.0.1 --user alice \
        --password "${PW[alice]}" --registrar "$(kam_uri "$t")" --ca "$CA_DIR/ca.pem"
    rc=$?
    ((rc == 0)) || problem "sipua register exited $rc, want 0"
    check_outbound_register "$out" "$instance" "$t"
    grep -q '"event":"unregistered".*"status":200' "$out" || problem "not unregistered (200)"
    no_passwords_in "$out"
}

# other_instance: alice registered over TCP as another instance, for as
# long as the registrations above run.
peer_start other "$SIPUA_BIN" register --json --outbound --gruu --instance-id "$INSTANCE_OTHER" \
    --aor sip:alice@127.0.0.1 --user alice --password "${PW[alice]}" --registrar "$(kam_uri tcp)"
peer_wait_log other '"event":"(registered|registration_failed)"' 10 ||
    fail "sipua register (another instance of alice) did not finish registering"
grep -q '"event":"registered"' "${PEER_LOG[other]}" ||
    fail "sipua register (another instance of alice) did not register: $(cat "${PEER_LOG[other]}")"

for t in udp tcp tls ws wss; do
    run_flow "${t^^}: register --once --outbound --gruu: +sip.instance, reg-id=1, Supported: outbound, path, gruu; Require: outbound, Flow-Timer $FLOW_TIMER; outbound, flow_timer, pub_gruu, temp_gruu of its own instance" \
        register_once "$t"
done
peer_stop other 10 >/dev/null

# instance_id_kept: two runs without --instance-id in one configuration
# directory send the same +sip.instance, kept in sipua/instance-id there;
# another directory gets another one.
instance_id_kept()
{
    local a b c rc name
    for name in keep1 keep2 keep3; do
        local dir=$SCRATCH/xdg-a
        [[ $name == keep3 ]] && dir=$SCRATCH/xdg-b
        XDG_CONFIG_HOME=$dir sipua_run "$name" register --once --json --trace --outbound --gruu \
            --aor sip:alice@127.0.0.1 --user alice --password "${PW[alice]}" \
            --registrar "$(kam_uri tcp)"
        rc=$?
        ((rc == 0)) || problem "run $name exited $rc, want 0"
    done
    a=$(wire_instance "$SCRATCH/keep1.out")
    b=$(wire_instance "$SCRATCH/keep2.out")
    c=$(wire_instance "$SCRATCH/keep3.out")
    echo "+sip.instance: first run $a, second run $b, other directory $c"
    [[ $a =~ ^$UUID_RE$ ]] || problem "first run: +sip.instance '$a' is not urn:uuid:<UUID>"
    [[ -n $a && $a == "$b" ]] || problem "two runs sent different instance ids ('$a', '$b')"
    [[ -n $c && $c != "$a" ]] || problem "another configuration directory kept the same instance id ('$c')"
    if [[ -f $SCRATCH/xdg-a/sipua/instance-id ]]; then
        echo "$SCRATCH/xdg-a/sipua/instance-id: $(cat "$SCRATCH/xdg-a/sipua/instance-id")"
        grep -qF -- "${a:-none}" "$SCRATCH/xdg-a/sipua/instance-id" ||
            problem "sipua/instance-id does not hold $a"
    else
        problem "no \$XDG_CONFIG_HOME/sipua/instance-id after the first run"
    fi
    [[ $(jfield "$SCRATCH/keep1.out" registered pub_gruu) == "sip:alice@127.0.0.1;gr=$a" ]] ||
        problem "first run: pub_gruu is not sip:alice@127.0.0.1;gr=$a"
}
run_flow "TCP: without --instance-id the instance id is kept in \$XDG_CONFIG_HOME/sipua/instance-id: the same +sip.instance twice, another directory another" \
    instance_id_kept

# no_outbound: the same registration without --outbound.
no_outbound()
{
    local out=$SCRATCH/plain.out rc req ok ob
    sipua_run plain register --once --json --trace --gruu --instance-id "$INSTANCE_OTHER" \
        --aor sip:alice@127.0.0.1 --user alice --password "${PW[alice]}" --registrar "$(kam_uri tcp)"
    rc=$?
    ((rc == 0)) || problem "sipua register exited $rc, want 0"
    req=$(wire "$out" sent '^REGISTER ')
    [[ -n $req ]] || problem "no REGISTER in the trace"
    header Contact m <<<"$req" | grep -q 'reg-id' && problem "reg-id on the wire without --outbound"
    header Supported k <<<"$req" | option_tags | grep -qx outbound &&
        problem "Supported: outbound without --outbound"
    ok=$(wire "$out" received '^SIP/2\.0 200' '^CSeq:[[:space:]]*[0-9]+ REGISTER')
    echo "200: $(header Require <<<"$ok")"
    header Require <<<"$ok" | option_tags | grep -qx outbound && problem "Require: outbound in the 200"
    ob=$(jfield "$out" registered outbound)
    [[ -z $ob || $ob == false ]] || problem "\"outbound\" is '$ob', want absent or false"
    [[ -z $(jfield "$out" registered flow_timer) ]] || problem "\"flow_timer\" without outbound"
    grep -q '"event":"registered".*"status":200' "$out" || problem "not registered (200)"
}
run_flow "TCP: register --once without --outbound: no reg-id, no Supported: outbound, no Require: outbound, \"outbound\" absent or false" \
    no_outbound

# kam_since N: Kamailio's log from line N+1 on.
kam_since() { tail -n "+$(($1 + 1))" "$KAM_LOG"; }
kam_lines() { wc -l <"$KAM_LOG"; }

# call_through_flow T: alice registers over T (outbound, GRUU, no
# listener); bob calls her AOR, then her pub-gruu.
call_through_flow()
{
    local t=$1 name=alice_$1 mark flowport pub target n rc log slice contact
    mark=$(kam_lines)
    peer_start "$name" "$SIPUA_BIN" answer --outbound --gruu --aor sip:alice@127.0.0.1 --user alice \
        --password "${PW[alice]}" --registrar "$(kam_uri "$t")" --ca "$CA_DIR/ca.pem" \
        --calls 2 --json
    log=${PEER_LOG[$name]}
    peer_wait_log "$name" '"event":"(registered|registration_failed)"' 10 ||
        { problem "alice did not register over $t"; return; }
    grep -q '"event":"registered"' "$log" || { problem "alice's registration over $t failed"; return; }
    grep -q '"event":"listening"' "$log" && problem "alice has a listener: she must be reached over her flow only"
    [[ $(jfield "$log" registered outbound) == true ]] || problem "alice's registered event: \"outbound\" is not true"
    pub=$(jfield "$log" registered pub_gruu)
    [[ $pub =~ ^sip:alice@127\.0\.0\.1\;gr=$UUID_RE$ ]] ||
        { problem "alice's pub_gruu is '$pub'"; return; }
    flowport=$(kam_since "$mark" |
        sed -n "s/.*REGISTER sip:alice@127.0.0.1 over $t from 127.0.0.1:\([0-9]*\): a Path with its flow token.*/\1/p" |
        tail -n 1)
    [[ -n $flowport ]] || { problem "Kamailio did not give alice's REGISTER over $t a Path with a flow token"; return; }
    echo "alice's flow: $t from 127.0.0.1:$flowport; pub-gruu $pub"
    n=0
    for target in sip:alice@127.0.0.1 "$pub"; do
        n=$((n + 1))
        mark=$(kam_lines)
        sipua_run "bob_${t}_$n" call "$target" --proxy "$(kam_uri "$t")" --ca "$CA_DIR/ca.pem" \
            --aor sip:bob@127.0.0.1 --user bob --password "${PW[bob]}" --hangup-after 1 --json
        rc=$?
        ((rc == 0)) || problem "bob's call to $target exited $rc, want 0"
        grep -q '"event":"accepted"' "$SCRATCH/bob_${t}_$n.out" || problem "bob's call to $target was not answered"
        slice=$(kam_since "$mark" | sed 's/^.*<script>: //')
        echo "Kamailio, call $n:"
        grep -E "^(INVITE|BYE|reply 200 OK to INVITE from 127.0.0.1:$flowport)" <<<"$slice" | sed 's/^/  | /'
        grep -qF "INVITE $target -> " <<<"$slice" || problem "call $n: Kamailio did not look $target up"
        grep -q "^INVITE .*along the Path .*;ob" <<<"$slice" || problem "call $n: the INVITE did not go along alice's Path"
        grep -Eq "^INVITE .* over the flow to sip:127\.0\.0\.1:$flowport(;|$| )" <<<"$slice" ||
            problem "call $n: the INVITE did not go over alice's flow (127.0.0.1:$flowport)"
        # the 200's Contact URI, ;ob or not (RFC 5626 4.3), is her pub-gruu
        contact=$(sed -n "s/^reply 200 OK to INVITE from 127.0.0.1:$flowport over $t: Contact <\([^>]*\)>.*/\1/p" \
            <<<"$slice" | head -n 1)
        [[ ${contact/;ob/} == "$pub" ]] ||
            problem "call $n: the Contact of alice's 200 is <$contact>, want her pub-gruu <$pub>"
        grep -Eq "^BYE .* over the flow to sip:127\.0\.0\.1:$flowport(;|$| )" <<<"$slice" ||
            problem "call $n: bob's BYE did not go over alice's flow"
        no_passwords_in "$SCRATCH/bob_${t}_$n.out"
    done
    rc=0
    peer_wait_exit "$name" 10 || rc=$?
    if ((rc == 124)); then
        problem "alice still running 10 s after her two calls"
        peer_stop "$name" 2 >/dev/null
    elif ((rc != 0)); then
        problem "alice exited $rc, want 0"
    fi
    (($(jcount "$log" accepted) == 2)) || problem "alice did not answer two calls"
    grep -q '"event":"unregistered".*"status":200' "$log" || problem "alice did not unregister (200)"
    no_passwords_in "$log"
    echo "----- alice -----"
    sed 's/^/  | /' "$log"
}
for t in "${transports[@]}"; do
    run_flow "${t^^}: alice (answer --outbound --gruu, no listener) called by bob through Kamailio at her AOR and her pub-gruu: over her flow, 200 with Contact her pub-gruu, BYE over the flow" \
        call_through_flow "$t"
done

# ss_flow PID PORT: the local port of the established TCP connection from
# process PID to 127.0.0.1:PORT (the first one).
ss_flow()
{
    ss -Htnp state established "dst 127.0.0.1:$2" 2>/dev/null | grep "pid=$1," |
        awk '{print $3}' | sed 's/.*://' | head -n 1
}

# keepalive: alice (--outbound, Flow-Timer 4) and carol (no outbound, no
# keep-alive) stay registered over TCP; Kamailio closes idle connections
# after 6 s (its timer is coarse: 6 to 16 s in fact).
keepalive()
{
    local t0=$SECONDS port1 port2 pings
    peer_start ka "$SIPUA_BIN" register --json --trace --outbound --gruu --instance-id "$INSTANCE_KA" \
        --aor sip:alice@127.0.0.1 --user alice --password "${PW[alice]}" --registrar "$(kam_uri tcp)"
    peer_start silent "$SIPUA_BIN" register --json --aor sip:carol@127.0.0.1 --user carol \
        --password "${PW[carol]}" --registrar "$(kam_uri tcp)"
    peer_wait_log ka '"event":"registered"' 10 || { problem "alice did not register"; return; }
    port1=$(ss_flow "${PEER_PID[ka]}" "$KAM_TCP_PORT")
    echo "alice's flow: 127.0.0.1:${port1:-?} -> 127.0.0.1:$KAM_TCP_PORT"
    local deadline=$((SECONDS + 30))
    while (($(jcount "${PEER_LOG[silent]}" registered) < 2 || SECONDS < t0 + 14)); do
        if ((SECONDS >= deadline)); then
            problem "carol (no keep-alives) was not registered again within 30 s: Kamailio kept her idle connection"
            break
        fi
        if ! peer_alive ka; then
            problem "alice's sipua exited"
            break
        fi
        sleep 0.2
    done
    port2=$(ss_flow "${PEER_PID[ka]}" "$KAM_TCP_PORT")
    echo "after $((SECONDS - t0)) s: alice's flow 127.0.0.1:${port2:-none}; carol registered $(jcount "${PEER_LOG[silent]}" registered) times"
    [[ -n $port1 && $port1 == "$port2" ]] || problem "alice's connection did not stay up (${port1:-none}, then ${port2:-none})"
    (($(jcount "${PEER_LOG[ka]}" registered) == 1)) ||
        problem "alice registered $(jcount "${PEER_LOG[ka]}" registered) times, want once"
    grep -q '"event":"registration_failed"' "${PEER_LOG[ka]}" && problem "alice's registration failed"
    pings=$(grep -ciE 'keep-?alive|ping|pong|crlf' "${PEER_LOG[ka]}")
    echo "keep-alive lines in alice's trace: ${pings:-0}"
    peer_stop silent 10 >/dev/null
    echo "----- carol -----"
    sed 's/^/  | /' "${PEER_LOG[silent]}"
}
run_flow "TCP: --outbound with Flow-Timer $FLOW_TIMER: CRLF keep-alives keep alice's flow (one connection, one registration) while carol's idle connection is closed" \
    keepalive

# recovery: alice (ka) still registered; Kamailio stopped and started again
# on the same ports: the flow fails, alice registers again over a new one.
recovery()
{
    local t_up rc
    peer_alive ka || { problem "alice's sipua is not running"; return; }
    peer_stop kam 5 >/dev/null
    peer_start kam2 "${KAMAILIO_CMD[@]}"
    peer_wait_port kam2 tcp "$KAM_TCP_PORT" 10 || { problem "Kamailio did not start again"; return; }
    t_up=$SECONDS
    KAM_LOG=${PEER_LOG[kam2]}
    local deadline=$((SECONDS + 40))
    while (($(jcount "${PEER_LOG[ka]}" registered) < 2)); do
        if ((SECONDS >= deadline)) || ! peer_alive ka; then
            problem "alice did not register again within 40 s of Kamailio's return"
            break
        fi
        sleep 0.1
    done
    echo "alice registered again $((SECONDS - t_up)) s after Kamailio was back"
    grep -q "REGISTER sip:alice@127.0.0.1 over tcp from .*: a Path with its flow token" "$KAM_LOG" ||
        problem "the new registration is not an outbound one (no Path with a flow token)"
    peer_stop ka 10
    rc=$?
    ((rc == 0)) || problem "alice exited $rc after SIGTERM, want 0"
    grep -q '"event":"unregistered".*"status":200' "${PEER_LOG[ka]}" || problem "alice did not unregister (200)"
    echo "----- alice -----"
    grep -v '^[[:space:]]*$' "${PEER_LOG[ka]}" | grep -E '^\{|^\[' | sed 's/^/  | /'
}
run_flow "TCP: Kamailio restarted under a registered --outbound alice: the flow fails, she registers again over a new one" \
    recovery
peer_stop kam2 5 >/dev/null

finish
