#!/bin/bash
# SPDX-License-Identifier: MIT
# Run every test layer (unit, BPF, golden, end to end) and print one summary line:
#   N passed, N failed, N skipped
# Each test prints PASS/FAIL/SKIP with its name. Exit status 1 if anything failed.
set -u

BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
export BUILD ROOT

LOG=$(mktemp /tmp/wirelens-tests.XXXXXX)
trap 'rm -f "$LOG"' EXIT

# C tests (cmocka) in TAP form: "ok N - name", "not ok N - name", and skips, which cmocka
# writes as "not ok N # SKIP name".
run_cmocka() {
	local bin=$1 name out rc
	name=$(basename "$bin")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out" | awk -v suite="$name" '
		/^ok [0-9]+ - / { sub(/^ok [0-9]+ - /, ""); print "PASS " suite "/" $0; next }
		/^(not )?ok [0-9]+ # SKIP/ { sub(/^(not )?ok [0-9]+ # SKIP */, ""); print "SKIP " suite "/" $0 ": " (reason ? reason : "skipped"); next }
		/^SKIP: / { reason = substr($0, 7); next }
		/^not ok [0-9]+ - / { sub(/^not ok [0-9]+ - /, ""); print "FAIL " suite "/" $0; next }
		/^# / { print }'
	# A crash leaves no TAP line for the test that crashed: report it.
	if [ "$rc" -ne 0 ] && ! printf '%s\n' "$out" | grep -qE '^not ok [0-9]+ - '; then
		echo "FAIL $name: exited with status $rc"
		printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
	fi
}

START=$SECONDS
{
	if [ ! -x "$BUILD/wirelens" ]; then
		echo "FAIL build: $BUILD/wirelens missing (run make)"
	fi
	for t in "$BUILD"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		run_cmocka "$t"
	done
	tests/golden/run.sh
	tests/filter/run.sh
	tests/e2e/run.sh
} 2>&1 | tee "$LOG"

pass=$(grep -c '^PASS ' "$LOG")
fail=$(grep -c '^FAIL ' "$LOG")
skip=$(grep -c '^SKIP ' "$LOG")
if [ "$fail" -gt 0 ]; then
	echo
	echo "failed:"
	grep '^FAIL ' "$LOG"
fi
echo "# $((SECONDS - START)) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
