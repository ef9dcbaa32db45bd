# shellcheck shell=sh disable=SC2154
# bench/lib.sh — what the bench/run-*.sh scripts share: the build tree, the
# build of one target, and callgrind's instruction counts. Sourced (POSIX sh)
# after $repo is set to the repository root.

# bench_build_dir ARG: the build tree, from the script's argument (default
# build/bench, relative to the repository root), printed as an absolute path.
bench_build_dir()
{
    case "${1:-build/bench}" in
    /*) echo "${1}" ;;
    *) echo "$repo/${1:-build/bench}" ;;
    esac
}

# bench_build BUILD TARGET PROGRAM: configures BUILD as a Release tree when it
# has no cache, builds TARGET (incremental), and checks that PROGRAM (a path
# in BUILD) is there; messages on stderr, status 1 when it is not.
bench_build()
{
    if [ ! -f "$1/CMakeCache.txt" ]; then
        echo "== configuring $1" >&2
        cmake -S "$repo" -B "$1" -DCMAKE_BUILD_TYPE=Release >&2 || return 1
    fi
    echo "== building $2 in $1" >&2
    cmake --build "$1" --target "$2" >&2 || return 1
    [ -x "$1/$3" ] || {
        echo "$1/$3 was not built" >&2
        return 1
    }
}

# ir_of FILE: the total Ir of a callgrind.out file.
ir_of()
{
    sed -n -e 's/^summary: *\([0-9][0-9]*\).*/\1/p' -e 's/^totals: *\([0-9][0-9]*\).*/\1/p' "$1" |
        head -n 1
}

# bench_callgrind_pair OUT1 OUT2 N VALGRIND_OPTS -- PROGRAM ARGS...: runs
# "PROGRAM ARGS... N" and "PROGRAM ARGS... 2N" under callgrind, side by side
# (they count instructions, not time), so ARGS end with the option that takes
# the count. Prints the two totals, "IR(N) IR(2N)"; status 1, with both logs
# on stderr, when a run fails. Ir(2N) - Ir(N) is the cost of N iterations:
# start-up and anything done once cancel out.
bench_callgrind_pair()
{
    out1=$1 out2=$2 n=$3 vgopts=$4
    shift 5
    # shellcheck disable=SC2086
    valgrind --tool=callgrind $vgopts --callgrind-out-file="$out1" "$@" "$n" >"$out1.log" 2>&1 &
    p1=$!
    # shellcheck disable=SC2086
    valgrind --tool=callgrind $vgopts --callgrind-out-file="$out2" "$@" "$((n * 2))" \
        >"$out2.log" 2>&1 &
    p2=$!
    ok=1
    wait "$p1" || ok=0
    wait "$p2" || ok=0
    if [ "$ok" = 0 ]; then
        cat "$out1.log" "$out2.log" >&2
        return 1
    fi
    echo "$(ir_of "$out1") $(ir_of "$out2")"
}
