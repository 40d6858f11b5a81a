#!/bin/bash
# SPDX-License-Identifier: MIT
# Run libFuzzer targets: run.sh SECONDS TARGET... (SECONDS 0: each seed once, no fuzzing).
# Each target starts from its seeds (tests/fuzz/corpus/NAME/) plus what earlier runs found
# ($BUILD/fuzz/corpus-NAME/), with the options in tests/fuzz/NAME.options if present. Prints one
# "# NAME: ..." line per target (runs, speed, coverage); a crash, leak, timeout or excess memory
# prints the end of the log and where the input is ($BUILD/fuzz/NAME-crash-*, ...), and makes
# the exit status 1 once all targets have run.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1

if [ $# -lt 2 ]; then
	echo "usage: $0 SECONDS TARGET..." >&2
	exit 2
fi
secs=$1
shift
failed=0

for bin in "$@"; do
	name=$(basename "$bin")
	seeds=tests/fuzz/corpus/$name
	work=$BUILD/fuzz/corpus-$name
	log=$BUILD/fuzz/$name.log
	[ "$secs" = 0 ] && log=$BUILD/fuzz/$name-replay.log
	opts=()
	[ -f "tests/fuzz/$name.options" ] && read -r -a opts <"tests/fuzz/$name.options"
	if [ "$secs" = 0 ]; then
		[ -d "$seeds" ] || { echo "# $name: no seeds in $seeds"; continue; }
		"$bin" "${opts[@]}" -runs=0 -artifact_prefix="$BUILD/fuzz/$name-" "$seeds" \
			>"$log" 2>&1
	else
		mkdir -p "$work"
		[ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null
		"$bin" "${opts[@]}" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
			-artifact_prefix="$BUILD/fuzz/$name-" "$work" >"$log" 2>&1
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		failed=1
		tail -40 "$log"
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		echo "# $name: FAILED (exit status $rc; log $log${art:+; input $art})"
		continue
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -ao 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	corp=$(grep -ao 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1)
	if [ "$secs" = 0 ]; then
		n=$(find "$seeds" -type f | wc -l)
		echo "# $name: $n seeds replayed, ${cov:-no coverage line}, no crash"
	else
		echo "# $name: ${runs:-?} runs in $secs s (${speed:-?}/s), $cov, $corp, no crash"
	fi
done
exit $failed
