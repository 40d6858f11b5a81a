#!/bin/bash
# SPDX-License-Identifier: MIT
# Golden tests: each committed pcap in tests/golden/cases must render exactly its expected JSON
# (tests/golden/expected/NAME.json). After an intended change, run tests/golden/regen.sh and
# review the diff.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
cd "$ROOT" || exit 1
WL=$ROOT/$BUILD/wirelens
. tests/golden/lib.sh

golden_cases | while read -r name input args; do
	exp=tests/golden/expected/$name.json
	if [ ! -f "$exp" ]; then
		echo "FAIL golden/$name: $exp missing (run tests/golden/regen.sh)"
		continue
	fi
	if out=$(golden_render "$input" $args 2>/tmp/golden-err.$$) &&
		diff -u "$exp" <(printf '%s\n' "$out") >/tmp/golden-diff.$$; then
		echo "PASS golden/$name"
	else
		echo "FAIL golden/$name: output differs from $exp"
		head -40 /tmp/golden-diff.$$ /tmp/golden-err.$$ 2>/dev/null | sed 's/^/# /'
	fi
	rm -f /tmp/golden-diff.$$ /tmp/golden-err.$$
done
