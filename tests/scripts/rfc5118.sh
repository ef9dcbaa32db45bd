#!/usr/bin/env bash
# RFC 5118 IPv6 torture messages through `sipua lint`, as the corpus
# MANIFEST.tsv classes them (valid: exit 0 and "NAME.dat: ok"; invalid: exit 1
# and an "invalid:" line). The corpus is checked against its SHA256SUMS
# first (both the archive and the wire forms), and the manifest must list
# exactly the 12 messages, 11 valid and 1 invalid, each present on disk.
#
# The checker is shared with rfc4475.sh, which defines it. Environment (set
# by CTest): SIPUA_BIN, SIPUA_CORPUS_DIR. Exit 0 all passed, 1 any failure,
# 77 when the corpus is absent.
set -uo pipefail
# shellcheck source=SCRIPTDIR/rfc4475.sh
source "$(dirname "${BASH_SOURCE[0]}")/rfc4475.sh"

corpus_main "RFC 5118" "${SIPUA_CORPUS_DIR:-}/rfc5118" dat 12 "valid=11 invalid=1 semantic=0"
