#!/bin/bash
# SPDX-License-Identifier: MIT
# Golden tests: each case in tests/golden/cases (a committed pcap and wirelens arguments) must
# print exactly tests/golden/expected/NAME.json and nothing on stderr; `wirelens --help` must
# print exactly tests/golden/help.txt. After an intended change, run tests/golden/regen.sh and
# review the diff.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
cd "$ROOT" || exit 1
WL=$ROOT/$BUILD/wirelens
. tests/golden/lib.sh
T=$(mktemp -d /tmp/wirelens-golden.XXXXXX)
trap 'rm -rf "$T"' EXIT

# check NAME EXPECTED-FILE COMMAND...: stdout equals the file, stderr is empty, exit 0.
check() {
	local name=$1 exp=$2 rc
	shift 2
	if [ ! -f "$exp" ]; then
		echo "FAIL golden/$name: $exp missing (run tests/golden/regen.sh)"
		return
	fi
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" != 0 ]; then
		echo "FAIL golden/$name: exit status $rc: $(head -3 "$T/err")"
	elif [ -s "$T/err" ]; then
		echo "FAIL golden/$name: unexpected stderr: $(head -3 "$T/err")"
	elif ! diff -u "$exp" "$T/out" >"$T/diff"; then
		echo "FAIL golden/$name: output differs from $exp"
		head -40 "$T/diff" | sed 's/^/# /'
	else
		echo "PASS golden/$name"
	fi
}

while read -r name input args; do
	# shellcheck disable=SC2086
	check "$name" "tests/golden/expected/$name.json" golden_render "$input" $args
done < <(golden_cases)
check help tests/golden/help.txt "$WL" --help
