#!/bin/bash
# SPDX-License-Identifier: MIT
# The filter language: verdicts equal libpcap's on every packet of varied captures (userspace
# interpreter, and the XDP and TC programs through BPF_PROG_TEST_RUN when root), bad
# expressions get one message with a caret under the offending token, -F FILE, and a short
# fuzzing run of the parser (the long one is `make fuzz`).
# Prints PASS/FAIL/SKIP lines like the other layers.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
cd "$ROOT" || exit 1
WL=$BUILD/wirelens
FC=$BUILD/tests/tools/filtercheck
MKPCAP=$BUILD/tests/tools/mkpcap
TMPD=$(mktemp -d /tmp/wirelens-filter.XXXXXX)
trap 'rm -rf "$TMPD"' EXIT
EXPR=tests/filter/expressions.txt
PCAPS=(tests/golden/catalog.pcap tests/golden/catalog.pcapng tests/golden/catalog-sll.pcap
	tests/golden/catalog-sll2.pcap tests/golden/catalog-raw.pcap tests/golden/catalog-null.pcap
	tests/golden/catalog-loop.pcap)

pass() { echo "PASS filter/$1"; }
fail() { echo "FAIL filter/$1: $2"; }
skip() { echo "SKIP filter/$1: $2"; }

# At least 50 expressions, each compared on every frame.
differential() {
	local n out
	n=$(grep -cv '^#\|^$' "$EXPR")
	[ "$n" -ge 50 ] || { fail differential "only $n expressions"; return; }
	"$MKPCAP" -n 20000 -s 11 bulk "$TMPD/bulk.pcap" >/dev/null || { fail differential "mkpcap"; return; }
	if out=$("$FC" --random 20000 "$EXPR" "${PCAPS[@]}" "$TMPD/bulk.pcap" 2>&1); then
		echo "$out" | tail -1
		pass differential
	else
		fail differential "$(echo "$out" | tail -12 | tr '\n' ' ')"
	fi
}

differential_bpf() {
	local out
	if [ "$(id -u)" != 0 ]; then
		skip differential_bpf "needs root to load BPF programs"
		return
	fi
	if out=$("$FC" --bpf --random 5000 "$EXPR" tests/golden/catalog.pcap tests/golden/bulk500.pcap 2>&1); then
		echo "$out" | tail -1
		pass differential_bpf
	else
		fail differential_bpf "$(echo "$out" | tail -12 | tr '\n' ' ')"
	fi
}

# bad EXPRESSION MESSAGE-PART CARET-LINE: exit 2, the message, the expression, the caret.
bad() {
	local expr=$1 msg=$2 caret=$3 out rc
	out=$("$WL" --dump-filter "$expr" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" != 2 ]; then
		echo "exit status $rc for '$expr'"
		return 1
	fi
	if [ "$(echo "$out" | wc -l)" != 3 ] || ! echo "$out" | head -1 | grep -qF -- "$msg" ||
		[ "$(echo "$out" | sed -n 2p)" != "  $expr" ] ||
		[ "$(echo "$out" | sed -n 3p)" != "  $caret" ]; then
		echo "for '$expr' got: $out"
		return 1
	fi
}

bad_expressions() {
	local err
	err=$(
		bad "tcp port" "expected a port number" "        ^" &&
		bad "host 198.18" "write all four parts" "     ^^^^^^" &&
		bad "host 198.18.0.1/24" "for a network write 'net" "     ^^^^^^^^^^^^^" &&
		bad "net 198.18.0.1/15" "bits set after the first 15" "    ^^^^^^^^^^^^^" &&
		bad "port 99999" "is not a port" "     ^^^^^" &&
		bad "tcp and" "ends where a term was expected" "       ^" &&
		bad "(tcp or udp" "never closed" "^" &&
		bad "tcp or udp)" "never opened" "          ^" &&
		bad "tcp or foo" "unknown word 'foo'" "       ^^^" &&
		bad "ether host 198.18.0.1" "does not support" "^^^^^" &&
		bad "tcp host 198.18.0.1" "cannot qualify an address" "         ^^^^^^^^^^" &&
		bad "ip6 host 198.18.0.1" "never matches" "         ^^^^^^^^^^" &&
		bad "portrange 10" "LOW-HIGH" "          ^^" &&
		bad "tcp[13] = 2" "byte offsets" "   ^" &&
		bad "icmp port 5" "ports belong to tcp and udp" "          ^" &&
		bad "tcp udp" "expected 'and' or 'or'" "    ^^^" &&
		bad "app foo" "application name" "    ^^^" &&
		bad "host 198.18.0.1 or 80" "not an IP address" "                   ^^" &&
		bad "src 80" "needs a qualifier" "    ^^" &&
		bad "!" "ends where a term was expected" " ^" &&
		bad "&& tcp" "expected a term" "^^" &&
		bad "tcp = 1" "unexpected character '='" "    ^" &&
		bad "$(printf 'x%.0s' $(seq 5000))" "too long" "$(printf ' %.0s' $(seq 4096))^"
	) || { fail bad_expressions "$err"; return; }
	pass bad_expressions
}

# The trailing arguments are one expression, as with tcpdump; -F reads it from a file.
sources() {
	local a b c
	a=$("$WL" --dump-filter tcp port 80 2>&1) || { fail sources "trailing words"; return; }
	b=$("$WL" --dump-filter "tcp port 80" 2>&1) || { fail sources "one argument"; return; }
	printf '# web traffic\ntcp\n  port 80 # the old port\n' >"$TMPD/f"
	c=$("$WL" --dump-filter -F "$TMPD/f" 2>&1) || { fail sources "-F: $c"; return; }
	[ "$a" = "$b" ] && [ "$a" = "$c" ] || { fail sources "programs differ"; return; }
	c=$("$WL" --dump-filter -F "$TMPD/f" udp 2>&1)
	[ $? = 2 ] && echo "$c" | grep -q "both with -F and on the command line" ||
		{ fail sources "-F plus arguments: $c"; return; }
	c=$("$WL" --dump-filter -F "$TMPD/missing" 2>&1)
	[ $? = 2 ] && echo "$c" | grep -q "cannot read filter file" ||
		{ fail sources "missing -F file: $c"; return; }
	printf 'tcp and\n(udp' >"$TMPD/g"
	c=$("$WL" --dump-filter -F "$TMPD/g" 2>&1)
	[ $? = 2 ] && [ "$(echo "$c" | sed -n 2p)" = "  tcp and (udp" ] ||
		{ fail sources "-F error display: $c"; return; }
	pass sources
}

fuzz_short() {
	local out
	if ! command -v clang >/dev/null; then
		skip fuzz_short "clang is missing"
		return
	fi
	if out=$(make -s --no-print-directory fuzz FUZZ_SECONDS=10 BUILD="$BUILD" 2>&1); then
		echo "$out" | grep '^# ' | tail -2
		pass fuzz_short
	else
		fail fuzz_short "$(echo "$out" | tail -15 | tr '\n' ' ')"
	fi
}

differential
differential_bpf
bad_expressions
sources
fuzz_short
