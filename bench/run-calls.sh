#!/usr/bin/env bash
# bench/run-calls.sh — calls over real UDP on loopback: SIPp's built-in
# `uac` scenario (INVITE, 100/180/200, ACK, pause, BYE) against
# `sipua answer --quiet` and against SIPp's built-in `uas`, in the same
# script, and three figures side by side:
#   (1) the highest call rate each server sustains for BENCH_SECONDS with
#       0 failed calls (rates stepped up), and the ratio sipua / SIPp;
#   (2) the server's CPU time (utime + stime, /proc/PID/stat) per call at a
#       fixed rate, median of BENCH_RUNS runs;
#   (3) the server's resident memory (VmRSS) per established call with
#       BENCH_HOLD calls held up, above its idle RSS.
# The table at the end has the goals beside the figures. See bench/README.md.
#
# usage: bench/run-calls.sh [BUILD_DIR]
#   BUILD_DIR   where the sipua program is built (default build/bench,
#               relative to the repository root; configured as Release when
#               it has no cache)
# environment:
#   BENCH_RATES       offered rates, calls/s, stepped up ("1000 3000 6000
#                     10000 15000 20000 26000")
#   BENCH_SECONDS     seconds of calls per throughput run (10)
#   BENCH_CALL_MS     call length, -d in ms, for (1) and (2) (0)
#   BENCH_TOP_RUNS    runs at each server's top rate, the median is shown (3)
#   BENCH_CPU_RATE    rate of the CPU runs (3000)
#   BENCH_RUNS        CPU runs per server (3)
#   BENCH_SETTLE      seconds the CPU window stays open after the client
#                     exits, so that timers firing after the calls (Timer J,
#                     the 2xx Accepted state, SIPp's timewait) count (35)
#   BENCH_HOLD        calls held for (3) (10000)
#   BENCH_HOLD_RATE   rate at which they are set up (2000)
#   BENCH_HOLD_WAIT   seconds after the last INVITE until the second RSS
#                     reading, past the transactions' 32 s timers (35)
#   BENCH_SKIP        words among "rate cpu mem": parts not run
#
# Exit status: 0 when every part ran, 1 when something could not be run or
# a server died, 77 when SIPp is not installed. Goals are reported, not
# asserted.
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
    sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

read -r -a rates <<<"${BENCH_RATES:-1000 3000 6000 10000 15000 20000 26000}"
secs=${BENCH_SECONDS:-10}
call_ms=${BENCH_CALL_MS:-0}
top_runs=${BENCH_TOP_RUNS:-3}
cpu_rate=${BENCH_CPU_RATE:-3000}
cpu_runs=${BENCH_RUNS:-3}
settle=${BENCH_SETTLE:-35}
hold=${BENCH_HOLD:-10000}
hold_rate=${BENCH_HOLD_RATE:-2000}
hold_wait=${BENCH_HOLD_WAIT:-35}
skip_parts=" ${BENCH_SKIP:-} "
buff=4194304
goal_ratio=1.0 goal_us=25 goal_kb=3

interop_init bench_calls
need_program sipp sip-tester
build=$(bench_build_dir "${1:-}")
bench_build "$build" sipua sipua >&2 || fail "cannot build the sipua program in $build"
sipua_bin=$build/sipua
tck=$(getconf CLK_TCK)
broken=0

# cpu_ticks PID: user + system time of the process, in clock ticks.
cpu_ticks()
{
    # fields after "pid (comm) ": state is 1, utime 12, stime 13
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# rss_kb PID [FIELD]: the process's resident set (VmRSS, or FIELD, e.g.
# VmHWM for its peak), in kB.
rss_kb()
{
    awk -v f="${2:-VmRSS}:" '$1 == f { print $2 }' "/proc/$1/status"
}

# rcvbuf_errors: the kernel's count of UDP datagrams dropped because a
# socket's receive buffer was full (system-wide).
rcvbuf_errors()
{
    awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 } else print $col["RcvbufErrors"] }' \
        /proc/net/snmp
}

# failure_kinds CSV LOG: why SIPp failed calls, from the last line of its
# -trace_stat file (the Failed*(C) counters that are not 0) and its screen
# (the first unexpected response), e.g. "UnexpectedMessage=3189 (486)".
failure_kinds()
{
    local kinds code
    kinds=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next } { for (i in h) v[i] = $i }
        END { for (i in h) if (h[i] ~ /^Failed.+\(C\)$/ && h[i] != "FailedCall(C)" && v[i] + 0 > 0) { n = h[i]; sub(/^Failed/, "", n); sub(/\(C\)$/, "", n); printf "%s%s=%s", s, n, v[i]; s = "," } }' "$1" 2>/dev/null)
    code=$(grep -m 1 -o "received 'SIP/2.0 [0-9]*" "$2" 2>/dev/null | grep -o '[0-9]*$')
    echo "${kinds:--}${code:+ ($code)}"
}

# stat_field CSV NAME: NAME's value on the last line of a SIPp -trace_stat
# file.
stat_field()
{
    awk -F';' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        { v = $c } END { print (c ? v : "") }' "$1" 2>/dev/null
}


# start_server KIND: `sipua answer --quiet` or SIPp's built-in uas (without
# -m: it runs until stopped) on a free port, retried on new ports when the
# port is lost to a race; sets SPORT and CPORT (the client's port) and
# waits until the server listens.
start_server()
{
    local kind=$1 attempt
    for attempt in 1 2 3; do
        read -r SPORT CPORT < <(free_ports 2) || return 1
        if [[ $kind == sipua ]]; then
            peer_start server "$sipua_bin" answer --quiet --listen "udp:$INTEROP_HOST:$SPORT" >&2
        else
            peer_start server sipp -sn uas -i "$INTEROP_HOST" -p "$SPORT" -buff_size "$buff" -nostdin >&2
        fi
        peer_wait_port server udp "$SPORT" 10 && return 0
        peer_stop server 3 >/dev/null
        log "$kind server did not start on port $SPORT (attempt $attempt)"
    done
    return 1
}

# client TAG RATE CALLS LIMIT CALL_MS TIMEOUT [background]: SIPp's built-in
# uac against the server on $SPORT; statistics every second in
# $SCRATCH/TAG.csv, the screen in $SCRATCH/TAG.log. In the foreground it
# returns SIPp's exit status; with "background" it sets CLIENT_PID.
client()
{
    local tag=$1 rate=$2 n=$3 limit=$4 ms=$5 tmo=$6
    local cmd=(timeout -k 5 "$tmo" sipp -sn uac -i "$INTEROP_HOST" -p "$CPORT"
        -r "$rate" -rp 1000 -m "$n" -l "$limit" -d "$ms" -buff_size "$buff" -nostdin
        -trace_stat -stf "$SCRATCH/$tag.csv" -fd 1 "$INTEROP_HOST:$SPORT")
    echo "${cmd[*]:4}" >"$SCRATCH/$tag.cmd"
    if [[ ${7:-} == background ]]; then
        (cd "$SCRATCH" && exec "${cmd[@]}") </dev/null >"$SCRATCH/$tag.log" 2>&1 &
        CLIENT_PID=$!
        return 0
    fi
    (cd "$SCRATCH" && exec "${cmd[@]}") </dev/null >"$SCRATCH/$tag.log" 2>&1
}

# server_died KIND WHAT: true (and logged, with the end of the server's
# output) when the server is no longer running.
server_died()
{
    peer_alive server && return 1
    log "$1 server died during $2"
    peer_log_tail server 20 >&2
    broken=1
    return 0
}

# ---------------------------------------------------------------------------
# (1) throughput: one run at RATE for $secs seconds against a fresh server.
# Appends to $SCRATCH/rate: kind rate achieved ok failed retrans exit
# server_cpu_us_per_call rcvbuf_drops failure_kinds server_peak_rss_kb; returns 0 when the run
# had 0 failed calls, every call completed, SIPp exited 0 and the achieved
# rate is at least 90% of the offered one (otherwise the client, not the
# server, set the pace).

rate_run()
{
    local kind=$1 rate=$2 run=$3 n tag rc cpu0 cpu1 d0 d1 ok failed retrans ach hwm
    n=$((rate * secs))
    tag=rate.$kind.$rate.$run
    start_server "$kind" || return 2
    cpu0=$(cpu_ticks "${PEER_PID[server]}")
    d0=$(rcvbuf_errors)
    log "$kind: $n calls at $rate/s (run $run)"
    client "$tag" "$rate" "$n" "$rate" "$call_ms" "$((secs + 60))"
    rc=$?
    cpu1=$(cpu_ticks "${PEER_PID[server]}" 2>/dev/null || echo "$cpu0")
    d1=$(rcvbuf_errors)
    hwm=$(rss_kb "${PEER_PID[server]}" VmHWM 2>/dev/null)
    server_died "$kind" "$tag" && rc=99
    peer_stop server 5 >/dev/null
    ach=$(stat_field "$SCRATCH/$tag.csv" 'CallRate(C)')
    ok=$(stat_field "$SCRATCH/$tag.csv" 'SuccessfulCall(C)')
    failed=$(stat_field "$SCRATCH/$tag.csv" 'FailedCall(C)')
    retrans=$(stat_field "$SCRATCH/$tag.csv" 'Retransmissions(C)')
    [[ -n $ok && -n $failed ]] || {
        ok=0
        failed=$n
    }
    local why=-
    [[ $failed == 0 ]] || why=$(failure_kinds "$SCRATCH/$tag.csv" "$SCRATCH/$tag.log")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$rate" "${ach:-0}" "$ok" "$failed" \
        "${retrans:-0}" "$rc" \
        "$(awk -v t="$((cpu1 - cpu0))" -v k="$tck" -v n="$ok" 'BEGIN { printf "%.1f", n ? t / k / n * 1e6 : 0 }')" \
        "$((d1 - d0))" "$why" "${hwm:-0}" >>"$SCRATCH/rate"
    log "$kind at $rate/s: exit $rc, $ok ok, $failed failed ($why), ${retrans:-0} retransmissions, ${ach:-0}/s achieved, $((d1 - d0)) rcvbuf drops"
    [[ $rc == 0 && $failed == 0 && $ok == "$n" ]] &&
        awk -v a="${ach:-0}" -v r="$rate" 'BEGIN { exit !(a >= 0.9 * r) }'
}

declare -A top=([sipua]=0 [sipp]=0)
: >"$SCRATCH/rate"
if [[ $skip_parts != *" rate "* ]]; then
    # The servers take turns at each rate, so that other load on the machine
    # falls on both; a server drops out after a rate it failed twice.
    declare -A out=([sipua]=0 [sipp]=0)
    for rate in "${rates[@]}"; do
        for kind in sipua sipp; do
            ((out[$kind])) && continue
            if rate_run "$kind" "$rate" 1; then
                top[$kind]=$rate
            elif rate_run "$kind" "$rate" 2; then
                top[$kind]=$rate
            else
                out[$kind]=1
            fi
        done
    done
    # more runs at each server's top rate, for the median
    for ((r = 2; r <= top_runs; r++)); do
        for kind in sipua sipp; do
            ((top[$kind])) || continue
            n_at=$(awk -F'\t' -v k="$kind" -v r="${top[$kind]}" '$1 == k && $2 == r' "$SCRATCH/rate" | wc -l)
            ((n_at < top_runs)) && rate_run "$kind" "${top[$kind]}" "top$r"
        done
    done
fi

# ---------------------------------------------------------------------------
# (2) CPU per call at a fixed rate: utime + stime of a fresh server from
# before the client starts to $settle seconds after it exits, over the
# completed calls. Appends to $SCRATCH/cpu: kind run ok failed retrans
# cpu_seconds exit.

: >"$SCRATCH/cpu"
if [[ $skip_parts != *" cpu "* ]]; then
    for ((r = 1; r <= cpu_runs; r++)); do
        for kind in sipua sipp; do
            n=$((cpu_rate * secs))
            tag=cpu.$kind.$r
            start_server "$kind" || {
                broken=1
                continue
            }
            pid=${PEER_PID[server]}
            cpu0=$(cpu_ticks "$pid")
            log "$kind: CPU run $r, $n calls at $cpu_rate/s, then ${settle}s for the timers"
            client "$tag" "$cpu_rate" "$n" "$cpu_rate" "$call_ms" "$((secs + 60))"
            rc=$?
            sleep "$settle"
            cpu1=$(cpu_ticks "$pid" 2>/dev/null || echo "$cpu0")
            server_died "$kind" "$tag" && rc=99
            peer_stop server 5 >/dev/null
            ok=$(stat_field "$SCRATCH/$tag.csv" 'SuccessfulCall(C)')
            failed=$(stat_field "$SCRATCH/$tag.csv" 'FailedCall(C)')
            retrans=$(stat_field "$SCRATCH/$tag.csv" 'Retransmissions(C)')
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$r" "${ok:-0}" "${failed:-$n}" \
                "${retrans:-0}" "$(awk -v t="$((cpu1 - cpu0))" -v k="$tck" 'BEGIN { printf "%.2f", t / k }')" \
                "$rc" >>"$SCRATCH/cpu"
            log "$kind CPU run $r: exit $rc, ${ok:-0} ok, ${failed:-?} failed, $(((cpu1 - cpu0) * 1000 / tck)) ms CPU"
        done
    done
fi

# ---------------------------------------------------------------------------
# (3) memory per established call: $hold calls set up at $hold_rate/s and
# kept up (-d long enough to outlast the readings). VmRSS is read idle,
# 3 s after the last INVITE was sent ("established"), $hold_wait s after it
# ("settled": the INVITE and ACK transactions are gone), and 5 s after the
# client, having sent every BYE, exits ("after"). Appends to $SCRATCH/mem:
# kind idle_kb est_kb settled_kb after_kb calls_up failed retrans exit.

: >"$SCRATCH/mem"
if [[ $skip_parts != *" mem "* ]]; then
    ramp=$(((hold + hold_rate - 1) / hold_rate))
    hold_ms=$(((ramp + hold_wait + 10) * 1000))
    for kind in sipua sipp; do
        tag=mem.$kind
        start_server "$kind" || {
            broken=1
            continue
        }
        pid=${PEER_PID[server]}
        sleep 1
        idle=$(rss_kb "$pid")
        log "$kind: holding $hold calls (at $hold_rate/s, -d $hold_ms), idle RSS $idle kB"
        client "$tag" "$hold_rate" "$hold" "$hold" "$hold_ms" "$((ramp + hold_ms / 1000 + 90))" background
        t0=$SECONDS
        # every INVITE sent: OutgoingCall(C) reaches $hold (bounded)
        while (($(stat_field "$SCRATCH/$tag.csv" 'OutgoingCall(C)' || echo 0) + 0 < hold)); do
            ((SECONDS - t0 > ramp + 30)) && break
            kill -0 "$CLIENT_PID" 2>/dev/null || break
            sleep 0.5
        done
        t_sent=$SECONDS
        sleep 3
        est=$(rss_kb "$pid" 2>/dev/null || echo 0)
        failed_est=$(stat_field "$SCRATCH/$tag.csv" 'FailedCall(C)')
        up=$(stat_field "$SCRATCH/$tag.csv" 'CurrentCall')
        log "$kind: $up calls up, ${failed_est:-?} failed, RSS $est kB"
        while ((SECONDS - t_sent < hold_wait)); do sleep 1; done
        settled=$(rss_kb "$pid" 2>/dev/null || echo 0)
        up2=$(stat_field "$SCRATCH/$tag.csv" 'CurrentCall')
        log "$kind: ${hold_wait}s after the last INVITE: $up2 calls up, RSS $settled kB; waiting for the BYEs"
        # the client hangs up every call, then exits (bounded by its timeout)
        wait "$CLIENT_PID"
        rc=$?
        sleep 5
        after=$(rss_kb "$pid" 2>/dev/null || echo 0)
        server_died "$kind" "$tag" && rc=99
        peer_stop server 5 >/dev/null
        failed=$(stat_field "$SCRATCH/$tag.csv" 'FailedCall(C)')
        retrans=$(stat_field "$SCRATCH/$tag.csv" 'Retransmissions(C)')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$idle" "$est" "$settled" "$after" \
            "${up:-0}" "${failed:-?}" "${retrans:-0}" "$rc" >>"$SCRATCH/mem"
        log "$kind: after the calls ended RSS $after kB; client exit $rc, ${failed:-?} failed"
    done
fi

# ---------------------------------------------------------------------------
# The report

cmd_of() { [[ -f $SCRATCH/$1.cmd ]] && sed -e "s|-stf $SCRATCH/[^ ]*|-stf STAT.csv|" "$SCRATCH/$1.cmd"; }

echo
echo "Calls over UDP on $INTEROP_HOST: SIPp $(sipp -v 2>/dev/null | sed -n 's/.*SIPp \(v[^ ,-]*\).*/\1/p' | head -n 1) built-in uac against"
echo "  sipua answer --quiet ($sipua_bin) and SIPp's built-in uas (-buff_size $buff), each started fresh per run; $(nproc) CPUs"
echo "  client: -sn uac -rp 1000 -d $call_ms -buff_size $buff (server and client share the CPUs)"
if [[ -s $SCRATCH/rate ]]; then
    echo
    echo "(1) throughput, ${secs}s per run, every run (achieved = SIPp's CallRate(C), calls/s;"
    echo "    a rate counts with exit 0, 0 failed calls, every call completed and achieved >= 90% of offered):"
    awk -F '\t' '{ printf "  %-5s offered %6s/s  achieved %9.1f/s  ok %7s  failed %6s  retrans %6s  exit %3s  server %6.1f us/call  peak RSS %5.0f MB  rcvbuf drops %6s%s\n",
        $1, $2, $3, $4, $5, $6, $7, $8, $11 / 1024, $9, ($10 == "-" ? "" : "  failed: " $10) }' "$SCRATCH/rate"
    echo "  (peak RSS: the server's VmHWM at the end of the run; rcvbuf drops: the kernel's UDP RcvbufErrors over the run,"
    echo "   all sockets; failed: SIPp's Failed* counters, (code) the first unexpected response)"
    for kind in sipua sipp; do
        [[ -f $SCRATCH/rate.$kind.${rates[0]}.1.cmd ]] && echo "  e.g. $(cmd_of "rate.$kind.${rates[0]}.1")"
    done
fi
if [[ -s $SCRATCH/cpu ]]; then
    echo
    echo "(2) CPU per call at $cpu_rate/s for ${secs}s, window closed ${settle}s after the client exits (/proc/PID/stat, $tck Hz):"
    awk -F '\t' '{ printf "  %-5s run %s: ok %6s  failed %4s  retrans %5s  server CPU %6.2fs  %6.1f us/call  exit %s\n",
        $1, $2, $3, $4, $5, $6, ($3 ? $6 / $3 * 1e6 : 0), $7 }' "$SCRATCH/cpu"
fi
if [[ -s $SCRATCH/mem ]]; then
    echo
    echo "(3) memory, $hold calls set up at $hold_rate/s and held (VmRSS, kB):"
    awk -F '\t' '{ printf "  %-5s idle %7s  established %7s  settled %7s  after BYEs %7s  calls up %6s  failed %6s  retrans %5s  exit %s\n",
        $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$SCRATCH/mem"
    echo "  (established: 3 s after the last INVITE; settled: ${hold_wait} s after it; after BYEs: 5 s after the client exited)"
    for kind in sipua sipp; do
        [[ -f $SCRATCH/mem.$kind.cmd ]] && echo "  $(cmd_of "mem.$kind")"
    done
fi

echo
awk -F '\t' -v goal_ratio="$goal_ratio" -v goal_us="$goal_us" -v goal_kb="$goal_kb" \
    -v top_sipua="${top[sipua]}" -v top_sipp="${top[sipp]}" -v hold="$hold" -v rfile="$SCRATCH/rate" \
    -v cfile="$SCRATCH/cpu" -v mfile="$SCRATCH/mem" '
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function commas(x,    s, r) {
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
}
BEGIN {
    top["sipua"] = top_sipua; top["sipp"] = top_sipp
    while ((getline line < rfile) > 0) {
        split(line, f, "\t"); k = f[1]; seen_rate = 1
        if (f[2] == top[k]) { nt[k]++; ta[k, nt[k]] = f[3]; if (f[5] == 0 && f[7] == 0) tok[k]++ }
    }
    while ((getline line < cfile) > 0) {
        split(line, f, "\t"); k = f[1]
        if (f[3] > 0 && f[7] == 0) { nc[k]++; cu[k, nc[k]] = f[6] / f[3] * 1e6 }
        cfail[k] += f[4]; cre[k] += f[5]
    }
    while ((getline line < mfile) > 0) {
        split(line, f, "\t"); k = f[1]; mem[k] = 1
        est = hold - f[7]
        kb[k] = est > 0 ? (f[3] - f[2]) / est : -1
        kbs[k] = est > 0 ? (f[4] - f[2]) / est : -1
        mfail[k] = f[7]
    }
    fmt = "%-26s %16s %16s %10s %8s  %s\n"
    printf fmt, "figure", "sipua answer", "SIPp uas", "goal", "result", "notes"
    printf fmt, "------", "------------", "--------", "----", "------", "-----"
    if (seen_rate) {
        for (i = 1; i <= 2; i++) {
            k = i == 1 ? "sipua" : "sipp"
            for (j = 1; j <= nt[k]; j++) a[j] = ta[k, j]
            m[k] = nt[k] ? median(a, nt[k]) : 0
        }
        printf fmt, "top rate, 0 failed (/s)", commas(top["sipua"]), commas(top["sipp"]), "", "", "highest offered rate with 0 failed calls"
        printf fmt, "achieved at top (/s)", commas(m["sipua"]), commas(m["sipp"]), "", "",
            sprintf("median of %d and %d runs; %d and %d of them with 0 failed", nt["sipua"], nt["sipp"], tok["sipua"], tok["sipp"])
        r = top["sipp"] ? top["sipua"] / top["sipp"] : 0
        printf fmt, "throughput ratio", sprintf("%.2fx", r), "1.00x", ">= " goal_ratio, (r >= goal_ratio ? "PASS" : "MISS"),
            "sipua top rate / SIPp top rate"
    }
    if (nc["sipua"] || nc["sipp"]) {
        for (i = 1; i <= 2; i++) {
            k = i == 1 ? "sipua" : "sipp"
            for (j = 1; j <= nc[k]; j++) a[j] = cu[k, j]
            c[k] = nc[k] ? median(a, nc[k]) : -1
        }
        printf fmt, "CPU per call (us)", (c["sipua"] >= 0 ? sprintf("%.1f", c["sipua"]) : "n/a"),
            (c["sipp"] >= 0 ? sprintf("%.1f", c["sipp"]) : "n/a"), "<= " goal_us,
            (c["sipua"] >= 0 && c["sipua"] <= goal_us ? "PASS" : "MISS"),
            sprintf("median of %d and %d runs; failed %d and %d, retrans %d and %d", nc["sipua"], nc["sipp"],
                cfail["sipua"], cfail["sipp"], cre["sipua"], cre["sipp"])
    }
    if (mem["sipua"] || mem["sipp"]) {
        printf fmt, "RSS per call (KB)", (kb["sipua"] >= 0 ? sprintf("%.2f", kb["sipua"]) : "n/a"),
            (kb["sipp"] >= 0 ? sprintf("%.2f", kb["sipp"]) : "n/a"), "<= " goal_kb,
            (kb["sipua"] >= 0 && kb["sipua"] <= goal_kb && mfail["sipua"] == 0 ? "PASS" : "MISS"),
            sprintf("(established - idle) / calls established; failed %s and %s", mfail["sipua"], mfail["sipp"])
        printf fmt, "RSS per call, settled (KB)", (kbs["sipua"] >= 0 ? sprintf("%.2f", kbs["sipua"]) : "n/a"),
            (kbs["sipp"] >= 0 ? sprintf("%.2f", kbs["sipp"]) : "n/a"), "", "", "the same once the INVITE transactions have ended"
    }
    printf "(KB = 1024 bytes; the goals are from the issue: ratio >= %s, <= %s us CPU per call, <= %s KB per established call)\n",
        goal_ratio, goal_us, goal_kb
}'

INTEROP_FINISHED=1
((broken)) && exit 1
exit 0
