#!/bin/sh
# bench/run-parse.sh — the parse benchmark: sipua against libosip2, Sofia-SIP,
# libre and belle-sip on the realistic corpus. See bench/README.md.
#
# usage: bench/run-parse.sh [BUILD_DIR] [--no-callgrind]
#   BUILD_DIR    default build/bench (relative to the repository root); it is
#                configured with -DCMAKE_BUILD_TYPE=Release if it has no cache
#   --no-callgrind  skip the instruction counts (wall time only)
# environment:
#   SIPUA_CORPUS_DIR   corpus root (default <repo>/../shared/corpus); the
#                      messages are $SIPUA_CORPUS_DIR/realistic/*.sip
#   BENCH_RUNS, BENCH_SECONDS   timed runs per parser (5) and their length (0.4)
#   BENCH_ITER, BENCH_ITER_SLOW callgrind iterations N (200; belle-sip 20)
#
# Exit status: 0 when the benchmark ran with sipua in it (the goal is reported,
# not asserted); 1 when a parser failed a corpus message or something could
# not be built or run; 2 when bench/parse was built without sipua (the peers
# are still measured and printed).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

build=""
callgrind=1
for arg in "$@"; do
    case "$arg" in
    --no-callgrind) callgrind=0 ;;
    -h | --help)
        sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "run-parse.sh: unknown option $arg" >&2
        exit 1
        ;;
    *) build=$arg ;;
    esac
done
# shellcheck source=lib.sh
. "$here/lib.sh"
build=$(bench_build_dir "$build")

runs=${BENCH_RUNS:-5}
seconds=${BENCH_SECONDS:-0.4}
iter=${BENCH_ITER:-200}
iter_slow=${BENCH_ITER_SLOW:-20}

corpus_root=${SIPUA_CORPUS_DIR:-$repo/../shared/corpus}
corpus=$corpus_root/realistic
if ! ls "$corpus"/*.sip >/dev/null 2>&1; then
    echo "run-parse.sh: no corpus: $corpus/*.sip not found (set SIPUA_CORPUS_DIR)" >&2
    exit 1
fi
corpus=$(cd "$corpus" && pwd)

# Build (incremental; configures a Release tree the first time).
bench_build "$build" bench_parse bench/parse || exit 1
bin=$build/bench/parse

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sipua-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

"$bin" --list >"$tmp/list"
has_sipua=0
grep -q '^sipua-eager	' "$tmp/list" && has_sipua=1

# Every parser must extract Call-ID and CSeq from every message, or nothing
# is measured.
echo "== verifying every parser on every message" >&2
if ! "$bin" --verify --corpus "$corpus" >"$tmp/verify" 2>&1; then
    cat "$tmp/verify" >&2
    echo "run-parse.sh: a parser failed a corpus message (above)" >&2
    exit 1
fi

nmsgs=$(find "$corpus" -maxdepth 1 -name "*.sip" | wc -l)
bytes=$(cat "$corpus"/*.sip | wc -c)

echo "== wall time: median of $runs runs of ~${seconds}s per parser" >&2
"$bin" --time --tsv --runs "$runs" --seconds "$seconds" --corpus "$corpus" >"$tmp/time"

# Instructions: Ir(2N) - Ir(N) over N*messages cancels start-up and init.
: >"$tmp/instr"
if [ "$callgrind" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
    echo "run-parse.sh: valgrind not found: no instruction counts" >&2
    callgrind=0
fi
if [ "$callgrind" = 1 ]; then
    while IFS='	' read -r id label; do
        n=$iter
        [ "$id" = belle-sip ] && n=$iter_slow
        echo "== callgrind: $label, $n and $((n * 2)) iterations" >&2
        irs=$(bench_callgrind_pair "$tmp/cg.$id.1" "$tmp/cg.$id.2" "$n" "" -- \
            "$bin" --count "$id" --corpus "$corpus" --iterations) || {
            echo "run-parse.sh: callgrind run of $id failed" >&2
            exit 1
        }
        read -r i1 i2 <<EOT
$irs
EOT
        echo "$id	$i1	$i2	$n	$nmsgs" >>"$tmp/instr"
    done <"$tmp/list"
fi

echo
printf 'corpus: %s: %s messages, %s bytes (avg %s)\n' "$corpus" "$nmsgs" "$bytes" \
    "$(((bytes + nmsgs / 2) / nmsgs))"
printf 'wall time: median of %s runs of ~%ss each (CLOCK_MONOTONIC, after warm-up)\n' "$runs" "$seconds"
if [ "$callgrind" = 1 ]; then
    printf 'instructions: callgrind Ir, (Ir(2N) - Ir(N)) / (N x %s); N = %s, belle-sip N = %s\n' \
        "$nmsgs" "$iter" "$iter_slow"
else
    printf 'instructions: not measured (--no-callgrind)\n'
fi
echo

awk -F '\t' -v has_sipua="$has_sipua" '
function commas(x,    s, r) {
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
}
function kilo(x) { return (x >= 1e6) ? sprintf("%.2fM", x / 1e6) : sprintf("%.1fk", x / 1e3) }
FNR == 1 { file++ }
file == 1 { order[++n] = $1; label[$1] = $2; ns[$1] = $3; rate[$1] = $4; next }
file == 2 { ins[$1] = ($3 - $2) / ($4 * $5); next }
END {
    base_ns = ("sipua-eager" in ns) ? ns["sipua-eager"] : 0
    base_in = ("sipua-eager" in ins) ? ins["sipua-eager"] : 0
    fmt = "%-24s %12s %12s %12s %12s %12s\n"
    printf fmt, "parser", "ns/msg", "msgs/s", "instr/msg", "time ratio", "instr ratio"
    printf fmt, "------", "------", "------", "---------", "----------", "-----------"
    best_ns = 0
    for (i = 1; i <= n; i++) {
        id = order[i]
        in_s = (id in ins) ? commas(ins[id]) : "n/a"
        tr = base_ns ? sprintf("%.2fx", ns[id] / base_ns) : "-"
        ir = (base_in && (id in ins)) ? sprintf("%.2fx", ins[id] / base_in) : "-"
        printf fmt, label[id], sprintf("%.1f", ns[id]), commas(rate[id]), in_s, tr, ir
        if (id !~ /^sipua/ && (best_ns == 0 || ns[id] < best_ns)) { best_ns = ns[id]; best = id }
    }
    printf "(ratios: parser / sipua (eager); above 1 means sipua is faster)\n\n"
    printf "reference: PJSIP 2.17 pjsip_parse_msg (not a Debian package; measured separately): 1,043 ns/msg, 18.9k instr/msg\n"
    if (best != "")
        printf "fastest Debian peer here: %s, %.1f ns/msg, %s instr/msg\n", label[best], ns[best],
            (best in ins) ? kilo(ins[best]) : "n/a"
    if (!has_sipua || base_ns == 0) {
        printf "goal: sipua (eager) < 210 ns/msg and < 3.8k instr/msg (5x faster than the fastest peer): NOT MEASURED (bench/parse built without sipua)\n"
        exit
    }
    ok = (base_ns < 210) && (base_in > 0 && base_in < 3800)
    printf "goal: sipua (eager) < 210 ns/msg and < 3.8k instr/msg (5x faster than the fastest peer): %s (%.1f ns, %s instr)\n",
        ok ? "PASS" : "MISS", base_ns, base_in ? kilo(base_in) : "n/a"
}' "$tmp/time" "$tmp/instr"

if [ "$has_sipua" = 0 ]; then
    echo "run-parse.sh: bench/parse has no sipua (no sipua_static target when configured)" >&2
    exit 2
fi
exit 0
