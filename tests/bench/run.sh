#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: figures measured against a baseline or a peer in the same run, as one markdown
# table, also written to tests/bench/RESULTS.md. Timings are never test assertions.
#
#   kernel cost   BPF_PROG_TEST_RUN ns/packet of the wirelens XDP program vs an empty XDP_PASS
#   offline speed packets/s of wirelens -r vs tshark, tcpdump and a minimal libpcap loop
#
# BENCH_QUICK=1 (make bench-quick) uses smaller inputs and fewer runs.
set -u

BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
WL=$BUILD/wirelens
MKPCAP=$BUILD/tests/tools/mkpcap
KCOST=$BUILD/tests/bench/kcost
PCOUNT=$BUILD/tests/bench/pcap_count

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	PACKETS=200000 RUNS=3 REPEAT=200000
else
	PACKETS=1000000 RUNS=5 REPEAT=200000
fi

TMP=$(mktemp -d /tmp/wirelens-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$MKPCAP" ] || die "$MKPCAP is missing (run make)"

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# seconds (wall clock) of one run of "$@", output discarded
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || return 1
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

# median packets/s of a command over $RUNS runs on $PACKETS packets
rate() {
	local i s
	for i in $(seq "$RUNS"); do
		s=$(seconds "$@") || { echo "failed"; return; }
		echo "$PACKETS / $s" | bc -l
	done | median
}

"$MKPCAP" -n "$PACKETS" -s 7 bulk "$TMP/bulk.pcap" || die "cannot generate the bulk pcap"
"$MKPCAP" -n 256 -s 11 bulk "$TMP/mix.pcap" || die "cannot generate the frame mix"

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }

# 1. kernel cost per packet
if [ "$(id -u)" = 0 ]; then
	for i in $(seq "$RUNS"); do "$KCOST" "$TMP/mix.pcap" "$REPEAT"; done >"$TMP/kcost" 2>"$TMP/kcost.err"
	if [ -s "$TMP/kcost" ]; then
		floor=$(awk '{ print $1 }' "$TMP/kcost" | median)
		core=$(awk '{ print $2 }' "$TMP/kcost" | median)
		wl=$(awk '{ print $3 }' "$TMP/kcost" | median)
		row "kernel cost, empty XDP_PASS (floor)" "$(printf '%.1f ns/pkt' "$floor")" "1.00x" "-"
		row "kernel cost, wirelens counters only" "$(printf '%.1f ns/pkt' "$core")" \
			"$(printf '%.2fx floor' "$(echo "$core / $floor" | bc -l)")" "-"
		row "kernel cost, wirelens default (counters + flows)" "$(printf '%.1f ns/pkt' "$wl")" \
			"$(printf '%.2fx floor' "$(echo "$wl / $floor" | bc -l)")" "<= 1.5x floor"
	else
		row "kernel cost" "failed: $(head -1 "$TMP/kcost.err")" "-" "-"
	fi
else
	row "kernel cost" "skipped (needs root)" "-" "-"
fi

# 4. offline analysis speed
floor=$(rate "$PCOUNT" "$TMP/bulk.pcap")
wl=$(rate "$WL" -r "$TMP/bulk.pcap" --json)
row "offline, minimal libpcap loop (floor)" "$(printf '%.0f pkt/s' "$floor")" "1.00x" "-"
row "offline, wirelens -r --json" "$(printf '%.0f pkt/s' "$wl")" \
	"$(printf '%.2fx floor' "$(echo "$wl / $floor" | bc -l)")" ">= 0.67x floor"
if command -v tcpdump >/dev/null; then
	td=$(rate tcpdump -nr "$TMP/bulk.pcap")
	row "offline, tcpdump -nr" "$(printf '%.0f pkt/s' "$td")" \
		"$(printf 'wirelens %.1fx faster' "$(echo "$wl / $td" | bc -l)")" "-"
fi
if command -v tshark >/dev/null; then
	ts=$(rate tshark -r "$TMP/bulk.pcap" -q -z io,phs)
	row "offline, tshark -q -z io,phs" "$(printf '%.0f pkt/s' "$ts")" \
		"$(printf 'wirelens %.1fx faster' "$(echo "$wl / $ts" | bc -l)")" ">= 10x tshark"
fi

header="wirelens bench, $(date -u +%Y-%m-%d), $(nproc) CPUs, kernel $(uname -r), $PACKETS packets, median of $RUNS"
{
	echo "# $header"
	echo
	echo "| measurement | figure | ratio | goal |"
	echo "|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} | tee "$TMP/table.md"
if [ "${BENCH_QUICK:-0}" != 1 ]; then
	cp "$TMP/table.md" tests/bench/RESULTS.md
fi
