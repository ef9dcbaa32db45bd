#!/usr/bin/env bash
# bench/run-options.sh — OPTIONS per second over real UDP on loopback: the
# same SIPp client (bench/sipp/options_uac.xml) against `sipua serve`, then
# against SIPp's own server (tests/interop/sipp/options_uas.xml), printed
# side by side as a ratio, with the server's CPU time per request. See
# bench/README.md.
#
# usage: bench/run-options.sh [BUILD_DIR]
#   BUILD_DIR   where the sipua program is built (default build/bench,
#               relative to the repository root; configured as Release when
#               it has no cache)
# environment:
#   BENCH_CALLS     OPTIONS per run (-m; 200000)
#   BENCH_RATE      offered rate, calls per second (-r with -rp 1000; 200000)
#   BENCH_LIMIT     most calls outstanding at once (-l; 1000)
#   BENCH_RUNS      runs per server, the median is shown (3)
#   BENCH_TIMEOUT   seconds a client run may take before it is killed (120)
#
# The offered rate is above what either server reaches on two CPUs, and -l
# bounds the calls in flight: the client runs a closed loop that keeps the
# server busy without flooding its socket (an open loop beyond capacity
# fills the receive buffer, and UDP retransmissions then take over).
# A run counts only when SIPp reports 0 failed calls. When a run has
# failures, the run is repeated at two thirds of the rate (at most 4 times),
# and that lower rate is kept for the server's later runs; the table says so.
#
# Exit status: 0 when every run of both servers counted, 1 otherwise, 77
# when SIPp is not installed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=../tests/interop/lib.sh
source "$repo/tests/interop/lib.sh"
# shellcheck source=lib.sh
source "$here/lib.sh"
# progress on stderr, the figures on stdout
log() { printf '[%3ds] %s\n' "$((SECONDS - INTEROP_T0))" "$*" >&2; }

case ${1:-} in
-h | --help)
    sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

calls=${BENCH_CALLS:-200000}
rate0=${BENCH_RATE:-200000}
limit=${BENCH_LIMIT:-1000}
runs=${BENCH_RUNS:-3}
client_timeout=${BENCH_TIMEOUT:-120}
buff=4194304
uac=$here/sipp/options_uac.xml
uas=$repo/tests/interop/sipp/options_uas.xml

interop_init bench_options
need_program sipp sip-tester
build=$(bench_build_dir "${1:-}")
bench_build "$build" sipua sipua >&2 || fail "cannot build the sipua program in $build"
sipua_bin=$build/sipua
tck=$(getconf CLK_TCK)

# cpu_ticks PID: user + system time of the process, in clock ticks.
cpu_ticks()
{
    # fields after "pid (comm) ": state is 1, utime 12, stime 13
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# rcvbuf_errors: the kernel's count of UDP datagrams dropped because a
# socket's receive buffer was full (system-wide).
rcvbuf_errors()
{
    awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col["RcvbufErrors"] }' \
        /proc/net/snmp
}

# stat_field CSV NAME: NAME's value on the last line of a SIPp -trace_stat
# file (the statistics at exit).
stat_field()
{
    awk -F';' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        { v = $c } END { print (c ? v : "") }' "$1"
}

# start_server KIND PORT: sipua serve, or SIPp's server without -m (it runs
# until stopped); waits until it listens.
start_server()
{
    local kind=$1 port=$2
    if [[ $kind == sipua ]]; then
        peer_start server "$sipua_bin" serve --quiet --listen "udp:$INTEROP_HOST:$port" >&2
    else
        peer_start server sipp -sf "$uas" -t u1 -i "$INTEROP_HOST" -p "$port" \
            -buff_size "$buff" -nostdin >&2
    fi
    peer_wait_port server udp "$port" 10
}

# run_once KIND N RATE: one client run against a fresh server; appends a line
# to $SCRATCH/results: kind run rate achieved ok failed retrans server_cpu_s
# client_cpu_s rcvbuf_drops sipp_exit.
run_once()
{
    local kind=$1 n=$2 rate=$3 sport cport attempt started=0
    for attempt in 1 2 3; do
        read -r sport cport < <(free_ports 2) || return 1
        if start_server "$kind" "$sport"; then
            started=1
            break
        fi
        peer_stop server 3 >/dev/null
        log "$kind server did not start on port $sport (attempt $attempt)"
    done
    ((started)) || return 1
    local pid=${PEER_PID[server]} csv=$SCRATCH/stat.$kind.$n.$rate.csv
    local cpu0 cpu1 drops0 drops1 rc
    cpu0=$(cpu_ticks "$pid")
    drops0=$(rcvbuf_errors)
    log "$kind run $n: $calls OPTIONS at $rate/s to udp:$INTEROP_HOST:$sport"
    (cd "$SCRATCH" && exec /usr/bin/time -f '%U %S' -o "$SCRATCH/client.$kind.$n.time" \
        timeout -k 5 "$client_timeout" sipp -sf "$uac" -t u1 -i "$INTEROP_HOST" -p "$cport" \
        -m "$calls" -r "$rate" -rp 1000 -l "$limit" -buff_size "$buff" -nostdin \
        -trace_stat -stf "$csv" -fd 1 "$INTEROP_HOST:$sport") \
        </dev/null >"$SCRATCH/client.$kind.$n.log" 2>&1
    rc=$?
    cpu1=$(cpu_ticks "$pid" 2>/dev/null || echo "$cpu0")
    drops1=$(rcvbuf_errors)
    if ! peer_alive server; then
        log "$kind server died during run $n"
        peer_log_tail server 20 >&2
        rc=99
    fi
    peer_stop server 5 >/dev/null
    local achieved ok failed retrans ccpu
    achieved=$(stat_field "$csv" 'CallRate(C)' 2>/dev/null)
    ok=$(stat_field "$csv" 'SuccessfulCall(C)' 2>/dev/null)
    failed=$(stat_field "$csv" 'FailedCall(C)' 2>/dev/null)
    retrans=$(stat_field "$csv" 'Retransmissions(C)' 2>/dev/null)
    # the last line (GNU time puts "Command exited with ..." before it)
    ccpu=$(tail -n 1 "$SCRATCH/client.$kind.$n.time" 2>/dev/null | awk '{ print $1 + $2 }')
    # Nothing counted (no statistics, or SIPp killed): a failed run.
    [[ -n $ok && -n $failed ]] || {
        ok=0
        failed=$calls
    }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$n" "$rate" "${achieved:-0}" \
        "$ok" "$failed" "${retrans:-0}" "$(awk -v t="$((cpu1 - cpu0))" -v k="$tck" 'BEGIN { printf "%.2f", t / k }')" \
        "${ccpu:-0}" "$((drops1 - drops0))" "$rc" >>"$SCRATCH/results"
    log "$kind run $n: exit $rc, $ok ok, $failed failed, ${retrans:-0} retransmissions, ${achieved:-0}/s"
    [[ $rc == 0 && $failed == 0 && $ok == "$calls" ]]
}

: >"$SCRATCH/results"
declare -A rate=([sipua]=$rate0 [sipp]=$rate0)
counted_all=1
# The servers take turns, so that the machine's other load falls on both.
for ((n = 1; n <= runs; n++)); do
    for kind in sipua sipp; do
        tries=0
        until run_once "$kind" "$n" "${rate[$kind]}"; do
            tries=$((tries + 1))
            if ((tries > 4)); then
                log "$kind run $n: failures at every rate down to ${rate[$kind]}/s"
                counted_all=0
                break
            fi
            rate[$kind]=$((rate[$kind] * 2 / 3))
            log "$kind run $n had failed calls: again at ${rate[$kind]}/s"
        done
    done
done

echo
echo "OPTIONS over UDP on $INTEROP_HOST: SIPp $(sipp -v 2>/dev/null | sed -n 's/.*SIPp \(v[^ ,-]*\).*/\1/p' | head -n 1) client ($(basename "$uac")), $calls calls per run, -r ${rate0} -rp 1000 -l $limit, -buff_size $buff"
echo "servers: sipua serve ($sipua_bin) and SIPp's uas ($(basename "$uas")), each started fresh per run; $(nproc) CPUs"
echo "achieved = SIPp's cumulative CallRate at exit (calls/s, start to last answer), counted only with 0 failed calls"
echo "client: at most $limit calls outstanding (-l), so the rate is what the pair sustains, not what was offered"
echo "server CPU = utime + stime of the server process over the client run (/proc/PID/stat, ${tck} Hz ticks)"
echo
echo "every run:"
awk -F '\t' '
{ printf "  %-5s run %s: offered %6s/s  achieved %9.1f/s  ok %7s  failed %s  retrans %6s  server CPU %6.2fs  client CPU %6.2fs  UDP rcvbuf drops %6s  sipp exit %s\n",
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$SCRATCH/results"
echo
awk -F '\t' -v calls="$calls" -v rate0="$rate0" '
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function commas(x,    s, r) {
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
}
$6 == 0 && $5 == calls && $11 == 0 {
    k = $1; n[k]++
    ach[k, n[k]] = $4; cpu[k, n[k]] = $8 / $5 * 1e6; ccpu[k, n[k]] = $9 / $5 * 1e6
    re[k, n[k]] = $7; rate[k] = $3
}
END {
    fmt = "%-12s %5s %12s %14s %14s %14s %10s\n"
    printf fmt, "server", "runs", "offered/s", "OPTIONS/s", "server us/req", "client us/req", "retrans"
    printf fmt, "------", "----", "---------", "---------", "-------------", "-------------", "-------"
    split("sipua sipp", kinds, " ")
    for (i = 1; i <= 2; i++) {
        k = kinds[i]
        if (!n[k]) { printf fmt, (k == "sipua") ? "sipua serve" : "SIPp uas", 0, "-", "n/a", "n/a", "n/a", "-"; continue }
        for (j = 1; j <= n[k]; j++) { a[j] = ach[k, j]; c[j] = cpu[k, j]; d[j] = ccpu[k, j]; r[j] = re[k, j] }
        m_ach[k] = median(a, n[k]); m_cpu[k] = median(c, n[k]); m_cc = median(d, n[k]); m_re = median(r, n[k])
        printf fmt, (k == "sipua") ? "sipua serve" : "SIPp uas", n[k], commas(rate[k]) (rate[k] < rate0 ? "*" : ""),
            commas(m_ach[k]), sprintf("%.2f", m_cpu[k]), sprintf("%.2f", m_cc), commas(m_re)
    }
    printf "(medians of the counted runs; * the offered rate was lowered after failed calls)\n"
    if (n["sipua"] && n["sipp"]) {
        printf "ratio sipua / SIPp: OPTIONS/s %.2fx, server CPU per request %.2fx\n",
            m_ach["sipua"] / m_ach["sipp"], m_cpu["sipua"] / m_cpu["sipp"]
        printf "(OPTIONS/s above 1: sipua serves more; CPU per request below 1: sipua spends less)\n"
    }
}' "$SCRATCH/results"

INTEROP_FINISHED=1
((counted_all)) || exit 1
exit 0
