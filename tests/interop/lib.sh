# shellcheck shell=bash
# Helpers for the interop tests (tests/scripts/interop_*.sh): a scratch
# directory per test, free ports on 127.0.0.1, peers started in the
# background and stopped by PID, bounded waits, and the pass/fail tally.
# tests/interop/README.md describes how a test uses them.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
#   interop_init kamailio_sipp            # scratch dir, traps
#   need_program kamailio kamailio        # or exit 77, loudly
#   read -r p1 p2 < <(free_ports 2)
#   peer_start kam kamailio -DD -E ...    # log in $SCRATCH/kam.log
#   peer_wait_port kam tcp "$p1" 10
#   check "OPTIONS over UDP" sipp_run uac_udp -sf ... 127.0.0.1:"$p1"
#   peer_stop kam
#   finish                                # "N passed, N failed", exit status
#
# Every wait has a timeout. Peers are ended only by the PID recorded when
# they were started (TERM, then KILL after a grace period), also when the
# test dies. When the test fails, the tail of every peer's log is printed.
# Set SIPUA_INTEROP_KEEP=1 to keep the scratch directory.

set -uo pipefail

# Kamailio lives in /usr/sbin, which a non-login PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac
INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INTEROP_HOST=127.0.0.1
SCRATCH=
declare -A PEER_PID=()
declare -A PEER_LOG=()
INTEROP_PASSED=0
INTEROP_FAILED=0
INTEROP_FINISHED=0
INTEROP_T0=$SECONDS

# ---------------------------------------------------------------------------
# Messages and outcomes

log() { printf '[%3ds] %s\n' "$((SECONDS - INTEROP_T0))" "$*"; }

# skip REASON [HINT]: the test cannot run here (a peer is missing, the
# sipua command does not exist yet); exit 77, which CTest reports as skipped.
skip()
{
    {
        echo "################################################################"
        echo "SKIPPED: $1"
        [[ -n ${2:-} ]] && echo "($2)"
        echo "################################################################"
    } >&2
    INTEROP_FINISHED=1
    exit 77
}

# fail MESSAGE: a setup step failed; ends the test (exit 1) after printing
# the peers' logs.
fail()
{
    echo "FAIL  $*"
    INTEROP_FAILED=$((INTEROP_FAILED + 1))
    echo "$INTEROP_PASSED passed, $INTEROP_FAILED failed"
    INTEROP_FINISHED=1
    exit 1
}

# check DESCRIPTION COMMAND...: runs one check; PASS or FAIL with its output.
check()
{
    local what=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if ((rc == 0)); then
        INTEROP_PASSED=$((INTEROP_PASSED + 1))
        log "PASS  $what"
        [[ -n ${INTEROP_VERBOSE:-} && -n $out ]] && printf '%s\n' "$out" | sed 's/^/      /'
    else
        INTEROP_FAILED=$((INTEROP_FAILED + 1))
        log "FAIL  $what (exit $rc)"
        printf '%s\n' "$out" | tail -n 40 | sed 's/^/      /'
    fi
    return "$rc"
}

# Flows that collect several problems before they decide: problem WHAT
# records one (and prints it); flow_end WHAT OUTPUT_FILE counts the flow as
# passed when none was recorded, else as failed, printing them and the end
# of OUTPUT_FILE; then forgets them.
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
        tail -n 80 "$out" | sed 's/^/      | /'
    fi
    PROBLEMS=()
}

# finish: prints the tally and exits 0 when nothing failed, 1 otherwise.
finish()
{
    INTEROP_FINISHED=1
    log "done"
    echo "$INTEROP_PASSED passed, $INTEROP_FAILED failed"
    if ((INTEROP_FAILED > 0 || INTEROP_PASSED == 0)); then
        exit 1
    fi
    exit 0
}

# need_program PROGRAM [PACKAGE]: skips the test when PROGRAM is not on PATH.
need_program()
{
    local prog=$1 pkg=${2:-$1}
    if ! command -v "$prog" >/dev/null 2>&1; then
        skip "'$prog' is not installed (Debian package $pkg)" \
            "run scripts/install-deps to install the interop peers"
    fi
}

# ---------------------------------------------------------------------------
# Scratch directory and cleanup

# interop_init NAME: makes $SCRATCH under $TMPDIR, and installs the traps
# that stop every peer and remove it on exit.
interop_init()
{
    local name=$1
    need_program python3 python3
    need_program ss iproute2
    SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/sipua-interop.$name.XXXXXX") || {
        echo "ERROR: cannot make a scratch directory under ${TMPDIR:-/tmp}" >&2
        exit 1
    }
    # the user's own settings (~/.config/sipua/config, a password in the
    # environment) stay out of the tests
    export XDG_CONFIG_HOME=$SCRATCH/no-config
    unset SIPUA_PASSWORD
    trap interop_cleanup EXIT
    trap 'echo "interrupted" >&2; exit 130' INT
    trap 'echo "terminated" >&2; exit 143' TERM
    log "scratch directory $SCRATCH"
}

interop_cleanup()
{
    local rc=$? name
    trap - EXIT
    if ((rc != 0 && rc != 77)); then
        for name in "${!PEER_LOG[@]}"; do
            peer_log_tail "$name" 30
        done
        if ((!INTEROP_FINISHED)); then
            echo "$INTEROP_PASSED passed, $((INTEROP_FAILED + 1)) failed"
        fi
    fi
    for name in "${!PEER_PID[@]}"; do
        peer_stop "$name" 3 >/dev/null 2>&1
    done
    if [[ -n $SCRATCH && -d $SCRATCH ]]; then
        if [[ -n ${SIPUA_INTEROP_KEEP:-} ]]; then
            echo "scratch directory kept: $SCRATCH"
        else
            rm -rf "$SCRATCH"
        fi
    fi
    exit "$rc"
}

# ---------------------------------------------------------------------------
# Ports

# free_ports N: prints N distinct port numbers, space-separated, each free
# for both TCP and UDP on 127.0.0.1 when checked. They are drawn at random
# below the kernel's ephemeral range, so outgoing connections do not take
# them; a peer that still loses a race fails to bind, and the caller starts
# it again on new ports (see kamailio_start).
free_ports()
{
    python3 - "$1" "$INTEROP_HOST" <<'PY'
import random, socket, sys
n, host = int(sys.argv[1]), sys.argv[2]
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        eph_lo, eph_hi = (int(x) for x in f.read().split())
except OSError:
    eph_lo, eph_hi = 32768, 60999
lo, hi = (10000, eph_lo - 1) if eph_lo > 12000 else (eph_hi + 1, 65535)
ports = []
for _ in range(2000):
    if len(ports) == n:
        break
    p = random.randint(lo, hi)
    if p in ports:
        continue
    socks = []
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            socks.append(s)
            s.bind((host, p))
        ports.append(p)
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
if len(ports) != n:
    sys.exit("free_ports: found only %d of %d free ports" % (len(ports), n))
print(" ".join(map(str, ports)))
PY
}

# port_listening PROTO PORT [PID]: true when something listens on PORT of
# 127.0.0.1 (tcp, tls, ws, wss: a listening socket; udp: a bound socket);
# with PID, only when that process or one of its children holds the socket,
# so a stranger already on the port does not count. Makes no connection.
port_listening()
{
    local proto=$1 port=$2 pid=${3:-} flag out p ppid
    case $proto in
    tcp | tls | ws | wss) flag=-t ;;
    udp) flag=-u ;;
    *) echo "port_listening: unknown protocol '$proto'" >&2; return 2 ;;
    esac
    out=$(ss -Hlnp "$flag" "src 127.0.0.1:$port" 2>/dev/null)
    [[ -n $out ]] || return 1
    [[ -n $pid ]] || return 0
    while read -r p; do
        [[ $p == "$pid" ]] && return 0
        ppid=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
        [[ $ppid == "$pid" ]] && return 0
    done < <(grep -o 'pid=[0-9]*' <<<"$out" | cut -d= -f2)
    return 1
}

# ---------------------------------------------------------------------------
# Peers

# peer_start NAME COMMAND...: starts COMMAND in the background in $SCRATCH,
# stdin from /dev/null, stdout and stderr to $SCRATCH/NAME.log; records its
# PID in PEER_PID[NAME].
peer_start()
{
    local name=$1
    shift
    if [[ -n ${PEER_PID[$name]:-} ]]; then
        echo "peer_start: '$name' is already running (PID ${PEER_PID[$name]})" >&2
        return 1
    fi
    PEER_LOG[$name]=$SCRATCH/$name.log
    (cd "$SCRATCH" && exec "$@") </dev/null >"${PEER_LOG[$name]}" 2>&1 &
    PEER_PID[$name]=$!
    log "started $name (PID ${PEER_PID[$name]}): $*"
}

# peer_alive NAME: true while the peer's process runs.
peer_alive()
{
    local pid=${PEER_PID[$1]:-}
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

# peer_wait_port NAME PROTO PORT [TIMEOUT=10]: waits until the peer (its
# process or a child) listens on PORT; fails early if the peer exits.
peer_wait_port()
{
    local name=$1 proto=$2 port=$3 timeout=${4:-10}
    local deadline=$((SECONDS + timeout))
    while ! port_listening "$proto" "$port" "${PEER_PID[$name]:-}"; do
        if ! peer_alive "$name"; then
            echo "$name exited before listening on $proto port $port" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "$name does not listen on $proto port $port after ${timeout}s" >&2
            return 1
        fi
        sleep 0.05
    done
}

# peer_wait_log NAME REGEX [TIMEOUT=10]: waits until the peer's log has a
# line matching the extended REGEX; fails early if the peer exits.
peer_wait_log()
{
    local name=$1 regex=$2 timeout=${3:-10}
    local deadline=$((SECONDS + timeout))
    while ! grep -Eq -- "$regex" "${PEER_LOG[$name]}" 2>/dev/null; do
        if ! peer_alive "$name"; then
            grep -Eq -- "$regex" "${PEER_LOG[$name]}" 2>/dev/null && return 0
            echo "$name exited before logging /$regex/" >&2
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "$name did not log /$regex/ within ${timeout}s" >&2
            return 1
        fi
        sleep 0.05
    done
}

# peer_wait_exit NAME [TIMEOUT=10]: waits for the peer to end by itself and
# returns its exit status (124 on timeout; the peer is then left running
# for peer_stop or the exit trap).
peer_wait_exit()
{
    local name=$1 timeout=${2:-10} pid rc
    pid=${PEER_PID[$name]:-}
    [[ -n $pid ]] || return 127
    local deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            echo "$name still running after ${timeout}s" >&2
            return 124
        fi
        sleep 0.05
    done
    wait "$pid" 2>/dev/null
    rc=$?
    unset "PEER_PID[$name]"
    return "$rc"
}

# peer_stop NAME [TIMEOUT=5]: SIGTERM to the peer's PID, SIGKILL if it is
# still there after TIMEOUT seconds; returns its exit status (143 after
# TERM, 137 after KILL).
peer_stop()
{
    local name=$1 timeout=${2:-5} pid rc
    pid=${PEER_PID[$name]:-}
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null
    local deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            log "$name (PID $pid) ignored SIGTERM for ${timeout}s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null
            break
        fi
        sleep 0.05
    done
    wait "$pid" 2>/dev/null
    rc=$?
    unset "PEER_PID[$name]"
    log "stopped $name (PID $pid, status $rc)"
    return "$rc"
}

# peer_log_tail NAME [LINES=30]: prints the end of the peer's log.
peer_log_tail()
{
    local name=$1 lines=${2:-30} file=${PEER_LOG[$1]:-}
    [[ -n $file && -f $file ]] || return 0
    echo "----- last $lines lines of $name's log ($file) -----"
    tail -n "$lines" "$file"
    echo "----- end of $name's log -----"
}

# ---------------------------------------------------------------------------
# Test certificate authority

# test_ca: makes the CA and server certificate in $SCRATCH/ca once (see
# make-test-ca.sh); sets CA_DIR.
test_ca()
{
    CA_DIR=$SCRATCH/ca
    [[ -f $CA_DIR/server.pem ]] && return 0
    bash "$INTEROP_DIR/make-test-ca.sh" "$CA_DIR"
}

# ---------------------------------------------------------------------------
# Kamailio

# kamailio_users DIR USER PASSWORD [USER PASSWORD...]: a db_text database in
# DIR (made if missing) with a subscriber table of these users at domain
# 127.0.0.1, for auth_db (DB_URL="text://DIR"); ':' in a password is
# escaped as db_text wants.
kamailio_users()
{
    local dir=$1 n=0
    shift
    mkdir -p "$dir"
    printf 'id(int,auto) table_name(string) table_version(int) \n0:subscriber:7\n' >"$dir/version"
    {
        printf 'id(int,auto) username(string) domain(string) password(string) \n'
        while (($# >= 2)); do
            n=$((n + 1))
            printf '%d:%s:127.0.0.1:%s\n' "$n" "$1" "${2//:/\\:}"
            shift 2
        done
    } >"$dir/subscriber"
}

# kam_port T: the port of the running Kamailio's listener for transport T
# (KAM_UDP_PORT...); kam_uri T: a SIP URI for it with ;transport=T.
kam_port()
{
    local var=KAM_${1^^}_PORT
    echo "${!var}"
}

kam_uri() { echo "sip:127.0.0.1:$(kam_port "$1");transport=$1"; }

# kamailio_start [NAME=kamailio] [CONFIG=kamailio.cfg]: starts Kamailio with
# tests/interop/kamailio/CONFIG (and the -A defines in the array
# KAMAILIO_DEFINES, if set) on five free ports and the test CA's
# server certificate, in the foreground of its own process, and waits until
# every listener is up. Sets KAM_UDP_PORT, KAM_TCP_PORT, KAM_TLS_PORT,
# KAM_WS_PORT, KAM_WSS_PORT (and CA_DIR). A start that loses a port race
# ("Address already in use") is retried on new ports, three times at most.
kamailio_start()
{
    local name=${1:-kamailio} config=${2:-kamailio.cfg} attempt run
    need_program kamailio kamailio
    local modules
    modules=$(kamailio -h 2>/dev/null | sed -n 's/.*Modules search path (default: \(.*\)).*/\1/p')
    for m in tls websocket xhttp; do
        if [[ -n $modules && ! -f $modules/$m.so ]]; then
            skip "Kamailio module $m.so is missing from $modules" \
                "run scripts/install-deps: kamailio-tls-modules, kamailio-websocket-modules"
        fi
    done
    test_ca || return 1
    run=$SCRATCH/$name.run
    mkdir -p "$run"
    for attempt in 1 2 3; do
        read -r KAM_UDP_PORT KAM_TCP_PORT KAM_TLS_PORT KAM_WS_PORT KAM_WSS_PORT < <(free_ports 5) || return 1
        KAMAILIO_CMD=(kamailio -DD -E -f "$INTEROP_DIR/kamailio/$config"
            -Y "$run" -w "$run" -m 64 -M 8
            -A "UDP_PORT=$KAM_UDP_PORT" -A "TCP_PORT=$KAM_TCP_PORT" -A "TLS_PORT=$KAM_TLS_PORT"
            -A "WS_PORT=$KAM_WS_PORT" -A "WSS_PORT=$KAM_WSS_PORT"
            -A "TLS_CERT=\"$CA_DIR/server.pem\"" -A "TLS_KEY=\"$CA_DIR/server.key\""
            ${KAMAILIO_DEFINES[@]+"${KAMAILIO_DEFINES[@]}"})
        peer_start "$name" "${KAMAILIO_CMD[@]}"
        if peer_wait_port "$name" udp "$KAM_UDP_PORT" 10 &&
            peer_wait_port "$name" tcp "$KAM_TCP_PORT" 10 &&
            peer_wait_port "$name" tls "$KAM_TLS_PORT" 10 &&
            peer_wait_port "$name" ws "$KAM_WS_PORT" 10 &&
            peer_wait_port "$name" wss "$KAM_WSS_PORT" 10; then
            log "$name listens: udp $KAM_UDP_PORT, tcp $KAM_TCP_PORT, tls $KAM_TLS_PORT, ws $KAM_WS_PORT, wss $KAM_WSS_PORT"
            return 0
        fi
        peer_stop "$name" 3 >/dev/null
        if ! grep -q "Address already in use" "${PEER_LOG[$name]}"; then
            peer_log_tail "$name" 30
            return 1
        fi
        mv "${PEER_LOG[$name]}" "${PEER_LOG[$name]}.$attempt"
        log "$name lost a port race (attempt $attempt): new ports"
    done
    return 1
}

# ---------------------------------------------------------------------------
# SIPp

# sipp_run NAME [SIPP ARGS...]: runs SIPp in the foreground (no stdin, at
# most ${SIPP_TIMEOUT:-15} s), in $SCRATCH, with its error and message
# traces in $SCRATCH/NAME.*; returns SIPp's exit status (0: every call
# succeeded). The caller gives the scenario, transport, ports and -m. On
# failure, prints the end of SIPp's output and traces.
sipp_run()
{
    local name=$1 rc
    shift
    need_program sipp sip-tester
    (cd "$SCRATCH" && timeout -k 2 "${SIPP_TIMEOUT:-15}" sipp -nostdin \
        -timeout "${SIPP_TIMEOUT:-15}s" -timeout_error \
        -trace_err -error_file "$SCRATCH/$name.errors" \
        -trace_msg -message_file "$SCRATCH/$name.messages" \
        -trace_logs -log_file "$SCRATCH/$name.logs" \
        "$@") </dev/null >"$SCRATCH/$name.out" 2>&1
    rc=$?
    if ((rc != 0)); then
        echo "sipp $name: exit $rc: sipp $*"
        local f
        for f in "$SCRATCH/$name.out" "$SCRATCH/$name.errors" "$SCRATCH/$name.messages"; do
            [[ -s $f ]] || continue
            echo "----- ${f##*/} (last 25 lines) -----"
            tail -n 25 "$f"
        done
    else
        [[ -s $SCRATCH/$name.logs ]] && cat "$SCRATCH/$name.logs"
    fi
    return "$rc"
}

# sipp_start NAME [SIPP ARGS...]: starts SIPp in the background as a peer
# (for a server scenario), with traces as sipp_run. Wait for it with
# peer_wait_port, collect it with peer_wait_exit.
sipp_start()
{
    local name=$1
    shift
    need_program sipp sip-tester
    peer_start "$name" sipp -nostdin \
        -timeout "${SIPP_TIMEOUT:-15}s" -timeout_error \
        -trace_err -error_file "$SCRATCH/$name.errors" \
        -trace_msg -message_file "$SCRATCH/$name.messages" \
        "$@"
}

# sip_probe ARGS...: tests/interop/sip_probe.py (OPTIONS over udp, tcp,
# tls, ws, wss with Python's standard library).
sip_probe()
{
    python3 "$INTEROP_DIR/sip_probe.py" "$@"
}

# ---------------------------------------------------------------------------
# sipua

# need_sipua_command COMMAND: SIPUA_BIN must be set (CTest sets it) and know
# COMMAND; otherwise the test is skipped.
need_sipua_command()
{
    local cmd=$1 out
    if [[ -z ${SIPUA_BIN:-} || ! -x $SIPUA_BIN ]]; then
        skip "SIPUA_BIN is '${SIPUA_BIN:-}', not an executable sipua program (run through ctest)"
    fi
    out=$(timeout 5 "$SIPUA_BIN" "$cmd" --help 2>&1 </dev/null)
    if grep -q "unknown command" <<<"$out"; then
        skip "'sipua $cmd' does not exist yet in $SIPUA_BIN" \
            "the test switches on once the command exists and transports are listed"
    fi
}

# switched_on VARIABLE DEFAULT...: sets TRANSPORTS_ON to the transports a
# test runs on: the words of the environment variable VARIABLE when it is
# set, DEFAULT otherwise. Skips the test when there are none (not switched
# on yet).
switched_on()
{
    local var=$1
    shift
    TRANSPORTS_ON=("$@")
    if [[ -n ${!var+set} ]]; then
        read -r -a TRANSPORTS_ON <<<"${!var}"
    fi
    if ((${#TRANSPORTS_ON[@]} == 0)); then
        skip "no transport switched on for this test yet" \
            "list them in the test's TRANSPORTS, or set $var='udp tcp tls ws wss'"
    fi
}

# sipua_run NAME [SIPUA ARGS...]: runs $SIPUA_BIN in the foreground (no
# stdin, at most ${SIPUA_TIMEOUT:-15} s), output in $SCRATCH/NAME.out,
# which it prints; returns sipua's exit status (124 on timeout).
sipua_run()
{
    local name=$1 rc
    shift
    (cd "$SCRATCH" && timeout -k 2 "${SIPUA_TIMEOUT:-15}" "$SIPUA_BIN" "$@") \
        </dev/null >"$SCRATCH/$name.out" 2>&1
    rc=$?
    echo "sipua $* -> exit $rc"
    sed 's/^/  | /' "$SCRATCH/$name.out"
    return "$rc"
}

# session_events_check FILE EVENTS_REGEX [TONES [TERMINATED_REGEX]]: the JSON lines of
# FILE (lines starting with '{'; other lines are ignored) that carry a
# session event (progress, accepted, terminated, failed, canceled, dtmf,
# referred, refer_progress; others such as "listening" or "incoming" are
# not checked) each have time and session; those event names (a
# refer_progress with its code, and "!" when final: refer_progress200!),
# space-separated, match EVENTS_REGEX in
# full; the dtmf events' tones are TONES (space-separated,
# '-' for no check); the terminated event's JSON text matches
# TERMINATED_REGEX (case-insensitive, '-' for no check).
session_events_check()
{
    python3 - "$@" <<'PY'
import json, re, sys
path, events_re = sys.argv[1], sys.argv[2]
tones = sys.argv[3] if len(sys.argv) > 3 else "-"
term_re = sys.argv[4] if len(sys.argv) > 4 else "-"
objs, bad = [], []
for line in open(path, errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        objs.append(json.loads(line))
    except ValueError as e:
        bad.append("not JSON (%s): %s" % (e, line))
SESSION_EVENTS = {"progress", "accepted", "terminated", "failed", "canceled", "dtmf",
                  "referred", "refer_progress"}
objs = [o for o in objs if isinstance(o, dict) and o.get("event") in SESSION_EVENTS]
for o in objs:
    missing = [k for k in ("time", "session") if k not in o]
    if missing:
        bad.append("no %s in %s" % (", ".join(missing), json.dumps(o)))
def name(o):
    if o.get("event") == "refer_progress":
        return "refer_progress%s%s" % (o.get("code"), "!" if o.get("final") else "")
    return str(o.get("event"))
names = " ".join(name(o) for o in objs)
print("events: %s" % (names or "(none)"))
if not re.fullmatch(events_re, names):
    bad.append("events '%s' do not match /%s/" % (names, events_re))
if tones != "-":
    got = []
    for o in objs:
        if o.get("event") == "dtmf":
            t = next((o[k] for k in ("tone", "tones", "digit", "signal") if k in o), None)
            got.append(str(t))
    if got != tones.split():
        bad.append("dtmf tones %s, want %s" % (got, tones.split()))
if term_re != "-":
    terms = [json.dumps(o) for o in objs if o.get("event") == "terminated"]
    if not any(re.search(term_re, t, re.I) for t in terms):
        bad.append("terminated event %s does not match /%s/" % (terms, term_re))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY
}
