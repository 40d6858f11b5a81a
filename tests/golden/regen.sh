#!/bin/bash
# SPDX-License-Identifier: MIT
# Regenerate the expected outputs of the golden tests (and, only when missing or with --inputs,
# the input pcaps, with mkpcap). Review the diff before committing it.
# bulk500.pcap is cut to 200 bytes per frame (editcap -s 200, like `tcpdump -s 200`) to stay
# small; wirelens counts original lengths, so its output equals that of the uncut file.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
cd "$ROOT"
WL=$ROOT/$BUILD/wirelens
MK=$ROOT/$BUILD/tests/tools/mkpcap
. tests/golden/lib.sh

g=tests/golden
[ "${1:-}" = --inputs ] && rm -f $g/*.pcap $g/*.pcapng
[ -f $g/catalog.pcap ] || "$MK" catalog $g/catalog.pcap
for lt in sll sll2 raw null loop; do
	[ -f $g/catalog-$lt.pcap ] || "$MK" -l $lt catalog $g/catalog-$lt.pcap
done
[ -f $g/catalog.pcapng ] || "$MK" --pcapng catalog $g/catalog.pcapng
if [ ! -f $g/bulk500.pcap ]; then
	"$MK" -n 500 -s 42 bulk $g/bulk500.full.pcap
	editcap -F pcap -s 200 $g/bulk500.full.pcap $g/bulk500.pcap
	rm -f $g/bulk500.full.pcap
fi
mkdir -p $g/expected
golden_cases | while read -r name input args; do
	# shellcheck disable=SC2086
	golden_render "$input" $args >"$g/expected/$name.json"
	echo "regenerated $g/expected/$name.json"
done
"$WL" --help >$g/help.txt
echo "regenerated $g/help.txt"
