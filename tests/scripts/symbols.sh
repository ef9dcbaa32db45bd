#!/usr/bin/env bash
# The shared library exports exactly the public API: every exported symbol
# is listed in docs/symbols-in-versions with the version that added it, every
# listed symbol is exported, and nothing internal (sipua__*) or foreign
# leaks out (STYLE.md, example 7).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
lib=$(dirname "${SIPUA_BIN:?SIPUA_BIN not set}")/libsipua.so
if [ ! -e "$lib" ]; then
    echo "SKIPPED: no shared library next to $SIPUA_BIN"
    exit 77
fi
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
listed=$(grep -v '^#' "$root/docs/symbols-in-versions" | awk 'NF {print $1}' | sort -u)
fail=0
while read -r s; do
    [ -n "$s" ] || continue
    case $s in
    sipua__*) echo "FAIL internal symbol exported: $s"; fail=1 ;;
    sipua_*) grep -qx "$s" <<<"$listed" || { echo "FAIL exported but not in docs/symbols-in-versions: $s"; fail=1; } ;;
    _init | _fini) ;;
    *) echo "FAIL foreign symbol exported: $s"; fail=1 ;;
    esac
done <<<"$exported"
while read -r s; do
    grep -qx "$s" <<<"$exported" || { echo "FAIL listed but not exported: $s"; fail=1; }
done <<<"$listed"
n=$(grep -c . <<<"$listed")
if [ "$fail" = 0 ]; then
    echo "$n public symbols, all listed with their version, nothing else exported"
    echo "1 passed, 0 failed"
else
    echo "0 passed, 1 failed"
fi
exit "$fail"
