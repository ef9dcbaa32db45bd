#!/usr/bin/env bash
# The project's own malformed and edge-case messages, tests/data/*.sip,
# through `sipua lint`, as tests/data/MANIFEST.tsv classes them (valid: exit
# 0 and "NAME.sip: ok"; invalid: exit 1 and an "invalid:" line). Every .sip
# file must be listed and every listed message must exist.
#
# Names say the class: ok-* are valid, bad-* invalid; the manifest's reason
# column says what each one tests and which rule decides it.
#
# The checker is shared with rfc4475.sh, which defines it. Environment (set
# by CTest): SIPUA_BIN, SIPUA_TEST_DATA. Exit 0 all passed, 1 any failure.
set -uo pipefail
# shellcheck source=SCRIPTDIR/rfc4475.sh
source "$(dirname "${BASH_SOURCE[0]}")/rfc4475.sh"

data=${SIPUA_TEST_DATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)}
if [[ ! -f $data/MANIFEST.tsv ]]; then
    die "no MANIFEST.tsv in SIPUA_TEST_DATA ('$data')"
fi
need_bin

# The name prefix and the class must agree, so a message cannot be filed
# under the wrong class by a typo in one place.
mismatched=0
while IFS=$'\t' read -r name class _; do
    case $name:$class in
    name:class | ok-*:valid | bad-*:invalid) ;;
    *)
        echo "FAIL  $name: name prefix does not match class '$class' (ok-* valid, bad-* invalid)"
        mismatched=$((mismatched + 1))
        ;;
    esac
done <"$data/MANIFEST.tsv"

check_manifest "$data" sip "" ""
rc=$?
if ((mismatched)); then
    echo "$mismatched manifest entries with a name that contradicts their class"
    rc=1
fi
exit "$rc"
