#!/bin/bash
# SPDX-License-Identifier: MIT
# Regenerate the golden inputs (with mkpcap, only when missing) and all expected outputs.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
cd "$ROOT"
WL=$ROOT/$BUILD/wirelens
MK=$ROOT/$BUILD/tests/tools/mkpcap
. tests/golden/lib.sh

g=tests/golden
[ -f $g/catalog.pcap ] || "$MK" catalog $g/catalog.pcap
for lt in sll sll2 raw null loop; do
	[ -f $g/catalog-$lt.pcap ] || "$MK" -l $lt catalog $g/catalog-$lt.pcap
done
[ -f $g/catalog.pcapng ] || "$MK" --pcapng catalog $g/catalog.pcapng
[ -f $g/bulk500.pcap ] || "$MK" -n 500 -s 42 bulk $g/bulk500.pcap
mkdir -p $g/expected
golden_cases | while read -r name input args; do
	golden_render "$input" $args >"$g/expected/$name.json"
	echo "regenerated $g/expected/$name.json"
done
"$WL" --help >$g/help.txt
