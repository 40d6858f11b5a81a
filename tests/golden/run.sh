#!/bin/bash
# SPDX-License-Identifier: MIT
# Golden tests: each case in tests/golden/cases (a committed pcap and wirelens arguments) must
# print exactly tests/golden/expected/NAME.json and nothing on stderr; `wirelens --help` must
# print exactly tests/golden/help.txt. After an intended change, run tests/golden/regen.sh and
# review the diff. The man page (docs/wirelens.8) and the default configuration file
# (packaging/wirelens.conf) must list exactly the options of --help.
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

# --- documentation and the default configuration file ----------------------------------------

# The long options of `wirelens --help`, one a line, sorted.
help_options() {
	"$WL" --help | sed -nE 's/^ +(-[A-Za-z0-9], )?--([a-z0-9-]+).*/\2/p' | sort -u
}
# Options that are actions of one command, refused in a configuration file.
CLI_ONLY="config dump-filter help list-interfaces version"

# Every option of --help has an entry under OPTIONS in the man page (the tag line after .TP),
# and every entry there is an option of --help.
check_man_options() {
	local man=docs/wirelens.8
	help_options >"$T/help.opts"
	awk '/^\.SH /{ f = ($2 == "OPTIONS") } f && prev == ".TP" { print } { prev = $0 }' "$man" |
		grep -oE '\\-\\-[a-z0-9]+(\\-[a-z0-9]+)*' | sed 's/\\//g; s/^--//' | sort -u \
		>"$T/man.opts"
	if [ ! -s "$T/help.opts" ]; then
		echo "FAIL golden/man-options: no options found in wirelens --help"
	elif ! diff -u --label "wirelens --help" --label "$man OPTIONS" "$T/help.opts" \
		"$T/man.opts" >"$T/diff"; then
		echo "FAIL golden/man-options: options of --help (-) and of $man (+) differ"
		sed 's/^/# /' "$T/diff"
	else
		echo "PASS golden/man-options"
	fi
}

# The man page renders without a groff warning.
check_man_groff() {
	if ! command -v groff >/dev/null; then
		echo "SKIP golden/man-groff: groff is not installed (apt-get install groff-base)"
	elif ! groff -man -ww -z docs/wirelens.8 >"$T/groff" 2>&1 || [ -s "$T/groff" ]; then
		echo "FAIL golden/man-groff: groff -man -ww -z docs/wirelens.8: $(head -3 "$T/groff")"
	else
		echo "PASS golden/man-groff"
	fi
}

# The default configuration file has a commented-out "#option = value" line for every option
# of --help that is a setting (and for filter), and no other.
check_conf_options() {
	local conf=packaging/wirelens.conf
	{ help_options | grep -vxF -f <(tr ' ' '\n' <<<"$CLI_ONLY"); echo filter; } | sort -u \
		>"$T/want.opts"
	sed -nE 's/^#([a-z0-9-]+) = .*/\1/p' "$conf" | sort -u >"$T/conf.opts"
	if ! diff -u --label "wirelens --help" --label "$conf" "$T/want.opts" "$T/conf.opts" \
		>"$T/diff"; then
		echo "FAIL golden/conf-options: settings of --help (-) and of $conf (+) differ"
		sed 's/^/# /' "$T/diff"
	else
		echo "PASS golden/conf-options"
	fi
}

# Each of those lines, uncommented on its own, is accepted by its option (other complaints,
# such as a missing partner option or file, come after the file is read and do not count).
check_conf_values() {
	local conf=packaging/wirelens.conf line bad=""
	while read -r line; do
		printf '%s\n' "$line" >"$T/one.conf"
		"$WL" --config "$T/one.conf" --dump-filter >/dev/null 2>"$T/err"
		grep -q "$T/one.conf:" "$T/err" && bad="$bad; $(head -1 "$T/err")"
	done < <(sed -nE 's/^#([a-z0-9-]+ = .*)/\1/p' "$conf")
	if [ -n "$bad" ]; then
		echo "FAIL golden/conf-values: ${bad#; }"
	else
		echo "PASS golden/conf-values"
	fi
}

check_man_options
check_man_groff
check_conf_options
check_conf_values
