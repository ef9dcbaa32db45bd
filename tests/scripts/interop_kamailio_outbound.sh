#!/usr/bin/env bash
# sipua with SIP outbound (RFC 5626) and GRUU (RFC 5627) against Kamailio
# as edge proxy and registrar (tests/interop/kamailio/outbound.cfg: flow
# tokens in Path and Record-Route, Require: outbound and Flow-Timer: 4 in
# the 200s, pub-gruu and temp-gruu, Digest against a db_text user table of
# alice, bob and carol written here; idle connections closed after 6 s):
#   - `sipua register --once --json --trace --outbound --gruu
#     --instance-id urn:uuid:...` over TCP, TLS, WS and WSS: the
#     REGISTER carries +sip.instance (the id given), reg-id=1 and
#     Supported: outbound, path, gruu; Kamailio puts its Path with the
#     flow token on it and answers Require: outbound, Flow-Timer: 4; the
#     registered event says "outbound":true, "flow_timer":4 and the
#     binding's "pub_gruu" (sip:alice@127.0.0.1;gr=urn:uuid:<the id>) and
#     "temp_gruu" (sip:...@127.0.0.1;gr, the one the 200 gives that
#     instance); unregistered, exit 0. The same while another instance of
#     alice is registered with the same Contact URI: the GRUUs are still
#     those of the binding with our +sip.instance. Over UDP --outbound is
#     refused (exit 2, nothing sent: a UDP flow is kept by STUN, which
#     sipua does not send);
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
#     connection her REGISTER came over), the 200's
#     Contact is her pub-gruu, and bob's BYE reaches her over the flow too;
#   - keep-alives: alice stays registered with --outbound over TCP while
#     carol, without, does the same: Kamailio closes carol's idle
#     connection (she registers again over a new one) but not alice's,
#     whose CRLF pings (every 3.2 to 4 s for Flow-Timer 4, answered:
#     counted in the kernel's byte counts of the connection) keep her
#     flow, the same connection, up with a single registration;
#   - flow recovery: Kamailio's end of alice's flow destroyed (ss -K; not
#     run where the kernel cannot): she registers again at once over a new
#     connection. Kamailio stopped: her flow fails, and her attempt at
#     once over a new connection too; she says when she retries
#     (retry_in, RFC 5626 4.5: 30 to 60 s here); Kamailio started again on the
#     same ports: she registers again over a new flow, at that time; then
#     she unregisters on SIGTERM, exit 0.
# Peers are stopped by PID, every wait is bounded.
# Skipped (exit 77) when Kamailio or one of its modules is missing
# (scripts/install-deps installs them: outbound.so is in
# kamailio-outbound-modules) or `sipua register` has no --outbound yet.
# SIPUA_KAMAILIO_OUTBOUND_TRANSPORTS overrides the transports of the calls
# (default "tcp tls ws wss").
# Exit 0 all passed, 1 any failure, 77 skipped.

# Functions below run indirectly.
# shellcheck disable=SC2317
set -uo pipefail
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

TRANSPORTS=(tcp tls ws wss)
FLOW_TIMER=4

interop_init kamailio_outbound
need_program kamailio kamailio
need_program openssl openssl
need_sipua_command register
need_sipua_command answer
need_sipua_command call
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
kamailio_users "$db" alice "${PW[alice]}" bob "${PW[bob]}" carol "${PW[carol]}"

KAMAILIO_DEFINES=(-A "DB_URL=\"text://$db\"" -A "FLOW_TIMER=$FLOW_TIMER" -A "TCP_LIFETIME=6")
kamailio_start kam outbound.cfg || fail "Kamailio did not start"
KAM_LOG=${PEER_LOG[kam]}


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

# binding_param INSTANCE PARAM CONTACTS: from the Contact header values
# CONTACTS (one a line), the value of PARAM (unquoted) of the binding
# whose +sip.instance is INSTANCE.
binding_param()
{
    python3 - "$@" <<'PY'
import re, sys
instance, param, contacts = sys.argv[1:4]
text = ",".join(line.strip() for line in contacts.split("\n"))
# split on commas outside quotes and angle brackets
parts, cur, quoted, angle = [], "", False, False
for ch in text:
    if ch == '"':
        quoted = not quoted
    elif ch == "<" and not quoted:
        angle = True
    elif ch == ">" and not quoted:
        angle = False
    if ch == "," and not quoted and not angle:
        parts.append(cur)
        cur = ""
    else:
        cur += ch
parts.append(cur)
for p in parts:
    if '+sip.instance="<%s>"' % instance in p:
        m = re.search(r';%s=("([^"]*)"|[^;,]*)' % re.escape(param), p)
        if m:
            print(m.group(2) if m.group(2) is not None else m.group(1))
        break
PY
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
    ok=$(wire "$out" received '^SIP/2\.0 200' '^CSeq:\s*[0-9]+ REGISTER')
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
    [[ $tmp == "$(binding_param "$instance" temp-gruu "$(header Contact m <<<"$ok")")" ]] ||
        problem "registered event: \"temp_gruu\" '$tmp' is not the temp-gruu of our binding in the 200"
    if [[ -n $t ]]; then
        grep -q "REGISTER sip:alice@127.0.0.1 over $t from .*: a Path with its flow token" "$KAM_LOG" ||
            problem "Kamailio did not give the REGISTER over $t a Path with a flow token"
    fi
}

# register_once T [NAME]: sipua register --once --outbound --gruu over T,
# with an instance id of its own.
register_once()
{
    local t=$1 name=${2:-once_$1} rc instance=${INSTANCE_ONCE[$1]}
    local out=$SCRATCH/$name.out
    sipua_run "$name" register --once --json --trace --outbound --gruu \
        --instance-id "$instance" --aor sip:alice@127.0.0.1 --user alice \
        --password "${PW[alice]}" --registrar "$(kam_uri "$t")" --ca "$CA_DIR/ca.pem"
    rc=$?
    ((rc == 0)) || problem "sipua register exited $rc, want 0"
    check_outbound_register "$out" "$instance" "$t"
    grep -q '"event":"unregistered".*"status":200' "$out" || problem "not unregistered (200)"
    no_passwords_in "$out"
}
for t in tcp tls ws wss; do
    run_flow "${t^^}: register --once --outbound --gruu: +sip.instance, reg-id=1, Supported: outbound, path, gruu; Require: outbound, Flow-Timer $FLOW_TIMER; outbound, flow_timer, pub_gruu, temp_gruu" \
        register_once "$t"
done

# two_instances: the same, while another instance of alice is registered
# over TCP. Both have the same Contact URI (sip:alice@127.0.0.1;
# transport=tcp: no listener, no port), and the 200 lists both bindings,
# each with its own GRUUs: ours is the one with our +sip.instance
# (RFC 5627 4.2.1, RFC 5626 4.2.1).
two_instances()
{
    peer_start other "$SIPUA_BIN" register --json --outbound --gruu --instance-id "$INSTANCE_OTHER" \
        --aor sip:alice@127.0.0.1 --user alice --password "${PW[alice]}" --registrar "$(kam_uri tcp)"
    if ! peer_wait_log other '"event":"(registered|registration_failed)"' 10 ||
        ! grep -q '"event":"registered"' "${PEER_LOG[other]}"; then
        problem "the other instance of alice did not register"
        peer_stop other 5 >/dev/null
        return
    fi
    register_once tcp once_tcp2
    peer_stop other 10 >/dev/null
}
run_flow "TCP: the same with another instance of alice registered (same Contact URI): the pub_gruu and temp_gruu of our own instance" \
    two_instances

# udp_refused: --outbound over UDP is a usage error (a UDP flow would need
# STUN keep-alives, RFC 5626 4.4.2, which sipua does not send): nothing
# is sent.
udp_refused()
{
    local out=$SCRATCH/once_udp.out rc
    sipua_run once_udp register --once --json --trace --outbound --gruu \
        --instance-id "${INSTANCE_ONCE[udp]}" --aor sip:alice@127.0.0.1 --user alice \
        --password "${PW[alice]}" --registrar "$(kam_uri udp)"
    rc=$?
    ((rc == 2)) || problem "sipua register --outbound over UDP exited $rc, want 2"
    grep -q -- "--outbound needs a stream transport" "$out" || problem "no message saying why"
    [[ -z $(wire "$out" sent '^REGISTER ') ]] || problem "a REGISTER was sent"
}
run_flow "UDP: register --outbound is refused (exit 2: a UDP flow needs STUN), nothing sent" udp_refused

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
    ok=$(wire "$out" received '^SIP/2\.0 200' '^CSeq:\s*[0-9]+ REGISTER')
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

# ss_bytes PID PORT: the bytes sent and received so far on that
# connection (the kernel's tcp_info), "SENT RECEIVED".
ss_bytes()
{
    ss -Htinp state established "dst 127.0.0.1:$2" 2>/dev/null | grep -A1 "pid=$1," |
        python3 -c 'import re, sys
t = sys.stdin.read()
s, r = re.search(r"bytes_sent:(\d+)", t), re.search(r"bytes_received:(\d+)", t)
print(s.group(1) if s else "", r.group(1) if r else "")'
}

# keepalive: alice (--outbound, Flow-Timer 4) and carol (no outbound, no
# keep-alive) stay registered over TCP; Kamailio closes idle connections
# after 6 s (its timer is coarse: 6 to 16 s in fact).
keepalive()
{
    local t0=$SECONDS port1 port2 sent0 recv0 sent1 recv1
    peer_start ka "$SIPUA_BIN" register --json --trace --outbound --gruu --instance-id "$INSTANCE_KA" \
        --aor sip:alice@127.0.0.1 --user alice --password "${PW[alice]}" --registrar "$(kam_uri tcp)"
    peer_start silent "$SIPUA_BIN" register --json --aor sip:carol@127.0.0.1 --user carol \
        --password "${PW[carol]}" --registrar "$(kam_uri tcp)"
    peer_wait_log ka '"event":"registered"' 10 || { problem "alice did not register"; return; }
    port1=$(ss_flow "${PEER_PID[ka]}" "$KAM_TCP_PORT")
    read -r sent0 recv0 < <(ss_bytes "${PEER_PID[ka]}" "$KAM_TCP_PORT")
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
    # nothing but keep-alives went over the flow since the registration:
    # CRLFCRLF pings out (4 bytes each), CRLF pongs in (2 bytes each)
    read -r sent1 recv1 < <(ss_bytes "${PEER_PID[ka]}" "$KAM_TCP_PORT")
    if [[ -n $sent0 && -n $sent1 && -n $recv0 && -n $recv1 ]]; then
        echo "since the registration: $((sent1 - sent0)) bytes out ($(((sent1 - sent0) / 4)) pings), $((recv1 - recv0)) bytes in ($(((recv1 - recv0) / 2)) pongs)"
        (((sent1 - sent0) >= 12 && (recv1 - recv0) >= 6)) ||
            problem "fewer than 3 CRLFCRLF pings answered in $((SECONDS - t0)) s (Flow-Timer $FLOW_TIMER)"
        (((sent1 - sent0) % 4 == 0)) || problem "something else than CRLFCRLF pings went out on the flow"
    else
        echo "(the kernel gives no byte counts: pings not counted)"
    fi
    peer_stop silent 10 >/dev/null
    echo "----- carol -----"
    sed 's/^/  | /' "${PEER_LOG[silent]}"
}
run_flow "TCP: --outbound with Flow-Timer $FLOW_TIMER: CRLF keep-alives keep alice's flow (one connection, one registration) while carol's idle connection is closed" \
    keepalive

# flow_reset: alice (ka) still registered; Kamailio's end of her flow is
# destroyed (ss -K: the kernel resets the connection, Kamailio stays up):
# she registers again at once over a new connection (RFC 5626 4.4.1, 4.5).
# Needs the kernel's socket destroy (root, CONFIG_INET_DIAG_DESTROY).
flow_reset()
{
    local port1 port2 n0 t0 out
    peer_alive ka || { problem "alice's sipua is not running"; return; }
    port1=$(ss_flow "${PEER_PID[ka]}" "$KAM_TCP_PORT")
    [[ -n $port1 ]] || { problem "alice has no connection to Kamailio"; return; }
    n0=$(jcount "${PEER_LOG[ka]}" registered)
    t0=$SECONDS
    if ! out=$(ss -K -Htn state established "src 127.0.0.1:$KAM_TCP_PORT" "dst 127.0.0.1:$port1" 2>&1) ||
        [[ -z $out ]]; then
        echo "ss -K cannot destroy sockets here: ${out:-nothing destroyed}"
        FLOW_RESET_SKIPPED=1
        return
    fi
    echo "Kamailio's end of alice's flow 127.0.0.1:$port1 destroyed"
    local deadline=$((SECONDS + 5))
    while (($(jcount "${PEER_LOG[ka]}" registered) <= n0)); do
        if ((SECONDS >= deadline)) || ! peer_alive ka; then
            problem "alice did not register again within 5 s of her flow failing"
            return
        fi
        sleep 0.05
    done
    port2=$(ss_flow "${PEER_PID[ka]}" "$KAM_TCP_PORT")
    echo "registered again within $((SECONDS - t0)) s, over 127.0.0.1:${port2:-?}"
    [[ -n $port2 && $port2 != "$port1" ]] || problem "not over a new connection (${port2:-none})"
    (($(jcount "${PEER_LOG[ka]}" registration_failed) == 0)) || problem "a registration failed on the way"
    grep -q "REGISTER sip:alice@127.0.0.1 over tcp from 127.0.0.1:$port2: a Path with its flow token" "$KAM_LOG" ||
        problem "Kamailio did not give the new REGISTER (from port ${port2:-?}) a Path with a flow token"
}
FLOW_RESET_SKIPPED=0
out=$(mktemp "$SCRATCH/flow.XXXXXX")
PROBLEMS=()
flow_reset >"$out" 2>&1
if ((FLOW_RESET_SKIPPED)); then
    log "(not run: the flow reset by ss -K: $(tail -n 1 "$out"))"
else
    flow_end "TCP: alice's flow reset under her (Kamailio up): she registers again at once over a new connection" "$out"
fi

# restart: alice (ka) still registered; Kamailio stopped: her flow fails,
# she tries at once over a new connection, which fails too (nobody
# listens), and says when she will try again (retry_in: the back-off of
# RFC 5626 4.5, base-time 30 s when every flow is down: 30 to 60 s after
# a first failure, min(1800, 30 * 2^1) drawn in its upper half). Kamailio is
# started again on the same ports: she registers again over a new flow,
# when she said (RESTART_TIMES: the failure's time, retry_in, the
# registration's time, in sipua's clock).
RESTART_TIMES=
restart()
{
    local n0 f0 retry t_fail
    peer_alive ka || { problem "alice's sipua is not running"; return; }
    n0=$(jcount "${PEER_LOG[ka]}" registered)
    f0=$(jcount "${PEER_LOG[ka]}" registration_failed)
    peer_stop kam 5 >/dev/null
    local deadline=$((SECONDS + 10))
    while (($(jcount "${PEER_LOG[ka]}" registration_failed) <= f0)); do
        if ((SECONDS >= deadline)) || ! peer_alive ka; then
            problem "no registration_failed within 10 s of Kamailio stopping"
            return
        fi
        sleep 0.05
    done
    read -r t_fail retry < <(python3 - "${PEER_LOG[ka]}" "$f0" <<'PY'
import json, sys
path, f0 = sys.argv[1], int(sys.argv[2])
n = 0
for line in open(path, errors="replace"):
    if '"event":"registration_failed"' not in line:
        continue
    n += 1
    if n > f0:
        ev = json.loads(line)
        print(ev.get("time", ""), ev.get("retry_in", ""))
        break
PY
    )
    echo "Kamailio stopped: registration_failed at ${t_fail:-?} s, retry_in ${retry:-none} s"
    [[ -n $retry ]] || { problem "the registration_failed event has no retry_in"; return; }
    python3 -c 'import sys; r = float(sys.argv[1]); sys.exit(0 if 30 - 0.01 <= r <= 60 + 0.01 else 1)' "$retry" ||
        problem "retry_in $retry s is not within 30 to 60 s (RFC 5626 4.5: base-time 30 s with every flow down, 50 to 100 % of 30 * 2^1)"
    peer_start kam2 "${KAMAILIO_CMD[@]}"
    peer_wait_port kam2 tcp "$KAM_TCP_PORT" 10 || { problem "Kamailio did not start again"; return; }
    KAM_LOG=${PEER_LOG[kam2]}
    deadline=$((SECONDS + 65))
    while (($(jcount "${PEER_LOG[ka]}" registered) <= n0)); do
        if ((SECONDS >= deadline)) || ! peer_alive ka; then
            problem "alice did not register again within 65 s of Kamailio's return"
            return
        fi
        sleep 0.1
    done
    RESTART_TIMES="$t_fail $retry $(python3 - "${PEER_LOG[ka]}" "$n0" <<'PY'
import json, sys
path, n0 = sys.argv[1], int(sys.argv[2])
n = 0
for line in open(path, errors="replace"):
    if '"event":"registered"' not in line:
        continue
    n += 1
    if n > n0:
        print(json.loads(line).get("time", ""))
        break
PY
    )"
    echo "registration_failed at, retry_in, registered again at (s): $RESTART_TIMES"
    grep -q "REGISTER sip:alice@127.0.0.1 over tcp from .*: a Path with its flow token" "$KAM_LOG" ||
        problem "the new registration is not an outbound one (no Path with a flow token)"
}
run_flow "TCP: Kamailio stopped under a registered --outbound alice: her flow fails, retry_in 30 to 60 s; started again: she registers again over a new flow" \
    restart

# on_time: that registration came when retry_in said, not later.
on_time()
{
    local t_fail retry t_reg
    read -r t_fail retry t_reg <<<"$RESTART_TIMES"
    [[ -n $t_reg ]] || { echo "no registration after the restart"; return 1; }
    echo "failed at ${t_fail} s, retry_in ${retry} s: due at $(python3 -c 'import sys; print("%.3f" % (float(sys.argv[1]) + float(sys.argv[2])))' "$t_fail" "$retry") s; registered again at ${t_reg} s"
    python3 -c 'import sys; f, r, g = map(float, sys.argv[1:4]); sys.exit(0 if g <= f + r + 2 else 1)' \
        "$t_fail" "$retry" "$t_reg"
}
check "TCP: after the restart, the new REGISTER went out when retry_in said (within 2 s)" on_time

# alice_end: SIGTERM: she unregisters, exit 0.
alice_end()
{
    local rc
    peer_stop ka 10
    rc=$?
    ((rc == 0)) || problem "alice exited $rc after SIGTERM, want 0"
    grep -q '"event":"unregistered".*"status":200' "${PEER_LOG[ka]}" || problem "alice did not unregister (200)"
    echo "----- alice -----"
    grep -E '^\{|^\[' "${PEER_LOG[ka]}" | sed 's/^/  | /'
}
run_flow "TCP: alice unregisters on SIGTERM, exit 0" alice_end
peer_stop kam2 5 >/dev/null

finish
