# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# End-to-end tests of SIGHUP: the configuration file read again under the same command line,
# the filter, sampling and anomaly thresholds changed without reattaching, one log line per
# change, restart-only settings reported and kept, a bad file changing nothing. Sourced by
# run.sh (its harness runs the test_reload_* functions; acurl and code come from web.sh).

RCONF=$TMPD/r.conf

# rconf SETTING...: the configuration file: four fixed lines, then one line per argument
# (the first of them is line 5).
rconf() {
	printf '%s\n' "# wirelens reload test" "backend = $RB" "pin-path = $PIN_BASE-r$RB" \
		"json = true" "$@" >"$RCONF"
}

# hup: SIGHUP the daemon; its SIGHUP lines go to $TMPD/hup (all lines of one reload are
# written at once, while the capture loop holds its lock).
hup() {
	local n
	n=$(wc -l <"$TMPD/d.err")
	kill -HUP "$DPID"
	for _ in $(seq 50); do
		tail -n +$((n + 1)) "$TMPD/d.err" | grep -q "SIGHUP: " && break
		sleep 0.1
	done
	sleep 0.3
	tail -n +$((n + 1)) "$TMPD/d.err" | grep "SIGHUP: " >"$TMPD/hup"
}

# hup_is LINE...: the last reload logged exactly these lines (after "").
hup_is() {
	[ "$(cat "$TMPD/hup")" = "$(printf 'wirelens: SIGHUP: %s\n' "$@")" ] ||
		fail "SIGHUP logged: $(cat "$TMPD/hup") -- expected: $(printf '%s|' "$@")"
}

rget() { # PATH (under /api/v1/)
	acurl "http://127.0.0.1:8080/api/v1/$1"
}

# rwait PATH JQ: wait (at most 10 s) until the JQ test holds for the answer of PATH.
rwait() {
	for _ in $(seq 50); do
		rget "$1" | jq -e "$2" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# A SYN scan of ports 1..8 of 198.18.9.1 from SOURCE, each answered by RST/ACK.
scan_pcap() { # SOURCE OUT
	python3 - "$1" "$2" <<-'EOF'
		import sys
		sys.path.insert(0, "tests/e2e")
		import traffic as t
		src, out = sys.argv[1], sys.argv[2]
		fr = []
		for p in range(1, 9):
		    fr.append((t.T0 + p * t.MS, t.raw_syn(src, "198.18.9.1", 61000, p, 4242)))
		    fr.append((t.T0 + p * t.MS + 100_000,
		               t.tcp("198.18.9.1", src, p, 61000, 0, 4243, 0x14, win=0)))
		t.write_pcap(out, fr)
	EOF
}

# settings_are SAMPLES THRESHOLDS FILTER: the sampling (stats), the thresholds (anomalies) and
# the filter (status) the API shows, as compact JSON.
settings_are() {
	local got
	got="$(rget stats | jq -c '.samples | {every, max_per_sec, snaplen}') $(rget anomalies |
		jq -c .thresholds) $(rget status | jq -c .capture.filter)"
	[ "$got" = "$*" ] || fail "the API shows $got, expected $*"
}

reload_live() { # BACKEND
	local u t n taken0 taken1 id1 id2 before keep
	RB=$1
	need_net || return
	"$MKPCAP" -n 5000 -s 9 bulk "$TMPD/b.pcap" || return 1
	u=$(tcpdump -r "$TMPD/b.pcap" udp 2>/dev/null | wc -l)
	t=$(tcpdump -r "$TMPD/b.pcap" tcp 2>/dev/null | wc -l)
	scan_pcap 198.18.9.66 "$TMPD/s66.pcap" && scan_pcap 198.18.9.67 "$TMPD/s67.pcap" || return 1
	rconf "filter = udp" "sample = 1" "max-samples-per-sec = 0"
	net_up || fail "cannot create namespaces" || return
	# The command line's --scan-hosts stays over the file's at every reload.
	web_start d --config "$RCONF" --scan-hosts 7 ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	id1=$(ip -n "$NSA" -j link show dev "$VA" | jq '.[0].xdp.prog.id')
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	rwait stats ".directions.in.totals.packets == $u" ||
		fail "counted $(rget stats | jq .directions.in.totals.packets), expected $u UDP" || return
	taken0=$(rget stats | jq '.samples.taken + .samples.lost')

	# 1. Filter, sampling and thresholds change at once, without reattaching.
	rconf "filter = tcp" "sample = 10" "max-samples-per-sec = 0" "snaplen = 64" \
		"scan-ports = 5" "scan-hosts = 9" "scan-window = 60" "synflood-rate = 0"
	hup
	hup_is "filter changed from 'udp' to 'tcp'" \
		"sample changed from 1 to 10" \
		"snaplen changed from 128 to 64" \
		"scan-ports changed from 15 to 5" \
		"scan-window changed from 300 to 60" \
		"synflood-rate changed from 1000 to 0" || return
	settings_are '{"every":10,"max_per_sec":0,"snaplen":64}' \
		'{"scan_ports":5,"scan_hosts":7,"window_s":60,"synflood_rate":0}' '"tcp"' || return
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	rwait stats ".directions.in.totals.packets == $((u + t))" ||
		fail "counted $(rget stats | jq .directions.in.totals.packets), expected $u UDP + $t TCP" ||
		return
	# 1 in 10 of the TCP frames (per CPU in the kernel: short by at most one per CPU).
	taken1=$(rget stats | jq '.samples.taken + .samples.lost')
	n=$((taken1 - taken0))
	[ "$n" -le $((t / 10)) ] && [ "$n" -ge $((t / 10 - $(nproc))) ] ||
		fail "$n packet records of $t TCP frames with --sample 10" || return
	# An 8-port scan is one now (scan-ports 5; the default 15 would not see it).
	replay B "$TMPD/s66.pcap" --topspeed || fail "tcpreplay failed" || return
	rwait anomalies '[.list[] | select(.source == "198.18.9.66")] | length == 1' ||
		fail "no scan record with scan-ports 5: $(rget anomalies | jq -c '.list')" || return

	# 2. Settings that need a restart are reported and kept; the rest still applies.
	rconf "filter = tcp" "sample = 10" "max-samples-per-sec = 50" "snaplen = 256" \
		"scan-ports = 15" "scan-hosts = 9" "scan-window = 60" "synflood-rate = 0" \
		"listen = 127.0.0.1:8081" "flow-table-size = 2048"
	hup
	hup_is "'flow-table-size' changed in $RCONF; it takes effect at the next start" \
		"'listen' changed in $RCONF; it takes effect at the next start" \
		"'snaplen' changed in $RCONF to more than the 128 bytes of the start; it takes effect at the next start" \
		"max-samples-per-sec changed from 0 to 50" \
		"scan-ports changed from 5 to 15" || return
	keep=('{"every":10,"max_per_sec":50,"snaplen":64}'
		'{"scan_ports":15,"scan_hosts":7,"window_s":60,"synflood_rate":0}' '"tcp"')
	settings_are "${keep[@]}" || return
	[ "$(code http://127.0.0.1:8081/api/v1/status)" = 000 ] || fail "listening on 8081" || return
	replay B "$TMPD/s67.pcap" --topspeed || fail "tcpreplay failed" || return
	sleep 1.5
	rget anomalies | jq -e '[.list[] | select(.source == "198.18.9.67")] | length == 0' >/dev/null ||
		fail "an 8-port scan recorded with scan-ports 15: $(rget anomalies | jq -c '.list')" ||
		return

	# 3. A bad value: one line naming the file and line, nothing changes, still running.
	rconf "filter = icmp" "sample = lots" "max-samples-per-sec = 1"
	hup
	hup_is "keeping every setting as it was: $RCONF:6: invalid value 'lots' for sample: expected N to keep 1 packet in N (1: every packet, 0: none) (see wirelens --help)" ||
		return
	settings_are "${keep[@]}" || return
	# A bad filter: the same.
	rconf "filter = tcp and (" "sample = 1"
	hup
	grep -q "^wirelens: SIGHUP: keeping the filter 'tcp' and every other setting as it was: $RCONF:5: bad filter 'tcp and (': " \
		"$TMPD/hup" && [ "$(wc -l <"$TMPD/hup")" = 1 ] || fail "bad filter: $(cat "$TMPD/hup")" || return
	settings_are "${keep[@]}" || return
	# A missing file.
	mv "$RCONF" "$RCONF.away"
	hup
	hup_is "keeping every setting as it was: cannot read configuration file '$RCONF': No such file or directory" ||
		return
	kill -0 "$DPID" 2>/dev/null || fail "the daemon is gone" || return

	# 4. The file as it is in effect: nothing to do.
	rconf "filter = tcp" "sample = 10" "max-samples-per-sec = 50" "snaplen = 64" \
		"scan-ports = 15" "scan-hosts = 9" "scan-window = 60" "synflood-rate = 0"
	hup
	hup_is "nothing changed" || return

	# Every frame since the first change counted by the new filter: TCP only (and the scans).
	before=$(rget stats | jq .directions.in.totals.packets)
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	sleep 1.5
	id2=$(ip -n "$NSA" -j link show dev "$VA" | jq '.[0].xdp.prog.id')
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC: $(cat "$TMPD/d.err")" || return
	[ "$id1" = "$id2" ] || fail "XDP program replaced ($id1 -> $id2)" || return
	n=$(jq .directions.in.totals.packets "$TMPD/d.json")
	[ "$before" = $((u + t + 32)) ] && [ "$n" = $((u + 2 * t + 32)) ] ||
		fail "counted $before, then $n: expected $u UDP + $t TCP + 32 scan frames, then $t more" ||
		return
	[ "$(jq .directions.in.seen.packets "$TMPD/d.json")" = 15032 ] ||
		fail "seen $(jq .directions.in.seen.packets "$TMPD/d.json") of 15032 frames" || return
	echo "# $RB: filter, sampling and thresholds reloaded; $n of 15032 frames matched as configured"
	net_down
}
test_reload_xdp() { reload_live xdp; }
test_reload_pcap() { reload_live pcap; }
