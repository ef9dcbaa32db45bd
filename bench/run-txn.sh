#!/bin/sh
# bench/run-txn.sh — the throughput of the UA core alone: OPTIONS
# transactions through two sipua_ua cores joined in memory (bench/txn.c),
# wall time and callgrind instructions per transaction. See bench/README.md.
#
# usage: bench/run-txn.sh [BUILD_DIR] [--no-callgrind]
#   BUILD_DIR       default build/bench (relative to the repository root); it
#                   is configured with -DCMAKE_BUILD_TYPE=Release if it has
#                   no cache
#   --no-callgrind  wall time only
# environment:
#   BENCH_WINDOWS   outstanding requests, one row each ("1 32 256")
#   BENCH_RATE      requests per virtual second (10000)
#   BENCH_RUNS, BENCH_SECONDS   timed runs per window (5) and their length (0.5)
#   BENCH_ITER      callgrind transactions N (20000)
#
# Exit status: 0 when every window ran and drained cleanly, 1 otherwise.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

build=""
callgrind=1
for arg in "$@"; do
    case "$arg" in
    --no-callgrind) callgrind=0 ;;
    -h | --help)
        sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "run-txn.sh: unknown option $arg" >&2
        exit 1
        ;;
    *) build=$arg ;;
    esac
done
# shellcheck source=lib.sh
. "$here/lib.sh"
build=$(bench_build_dir "$build")

windows=${BENCH_WINDOWS:-1 32 256}
rate=${BENCH_RATE:-10000}
runs=${BENCH_RUNS:-5}
seconds=${BENCH_SECONDS:-0.5}
iter=${BENCH_ITER:-20000}

bench_build "$build" bench_txn bench/txn || exit 1
bin=$build/bench/txn

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipua-bench-txn.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

wargs=""
for w in $windows; do wargs="$wargs --window $w"; done

echo "== wall time: windows $windows, median of $runs runs of ~${seconds}s" >&2
# shellcheck disable=SC2086
"$bin" --tsv --rate "$rate" --runs "$runs" --seconds "$seconds" $wargs >"$tmp/time"

: >"$tmp/instr"
if [ "$callgrind" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
    echo "run-txn.sh: valgrind not found: no instruction counts" >&2
    callgrind=0
fi
if [ "$callgrind" = 1 ]; then
    for w in $windows; do
        echo "== callgrind: window $w, $iter and $((iter * 2)) transactions" >&2
        # Instrumentation starts after the warm-up (txn --count turns it on).
        irs=$(bench_callgrind_pair "$tmp/cg.$w.1" "$tmp/cg.$w.2" "$iter" --instr-atstart=no -- \
            "$bin" --window "$w" --rate "$rate" --count) || {
            echo "run-txn.sh: callgrind run of window $w failed" >&2
            exit 1
        }
        read -r i1 i2 <<EOT
$irs
EOT
        echo "$w	$i1	$i2	$iter" >>"$tmp/instr"
    done
fi

echo
echo "two sipua UA cores joined by a lossless in-memory FIFO (no sockets): A sends OPTIONS, B answers 200"
printf 'virtual clock: %s requests per virtual second, so ~%s transactions wait for timer K (5 s) on A\n' \
    "$rate" "$((rate * 5))"
printf '  and ~%s for timer J (32 s) on B; steady state after a warm-up of 33 virtual seconds\n' \
    "$((rate * 32))"
printf 'wall time: completed transactions (each a 200 result on A) per second, median of %s runs of ~%ss\n' \
    "$runs" "$seconds"
printf '  (the final drain past timers K and J is not timed; every transaction ended 200, none left)\n'
if [ "$callgrind" = 1 ]; then
    printf 'instructions: callgrind Ir, (Ir(2N) - Ir(N)) / N, N = %s, after the warm-up\n' "$iter"
else
    printf 'instructions: not measured (--no-callgrind)\n'
fi
echo

awk -F '\t' '
function commas(x,    s, r) {
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
}
FNR == 1 { file++ }
file == 1 { order[++n] = $1; med[$1] = $2; lo[$1] = $3; hi[$1] = $4; pa[$1] = $5; pb[$1] = $6; ps[$1] = $7; next }
file == 2 { ins[$1] = ($3 - $2) / $4; next }
END {
    fmt = "%8s %12s %12s %12s %9s %12s %9s %9s %9s\n"
    printf fmt, "window", "tx/s", "min", "max", "us/tx", "instr/tx", "peak A", "peak B", "peak A+B"
    printf fmt, "------", "----", "---", "---", "-----", "--------", "------", "------", "--------"
    for (i = 1; i <= n; i++) {
        w = order[i]
        printf fmt, w, commas(med[w]), commas(lo[w]), commas(hi[w]), sprintf("%.3f", 1e6 / med[w]),
            (w in ins) ? commas(ins[w]) : "n/a", commas(pa[w]), commas(pb[w]), commas(ps[w])
    }
    printf "(peak: live transactions, A the client core, B the server core; instr/tx covers both cores and the harness)\n"
}' "$tmp/time" "$tmp/instr"
