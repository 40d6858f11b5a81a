# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# End-to-end tests of the connection analysis: RTTs through a delay line with a known delay,
# retransmissions from known drops, real nmap scans, normal traffic without alarms, and
# crafted pcaps with exact times. Sourced by run.sh (its harness runs the test_* functions).
#
# The delay topology: A (the sensor, 198.18.0.1 on $VA) -- m1 [M: delayline] m2 -- B
# (198.18.0.2 on $VB). The delay line is the real thing (tests/tools/delayline.c): it holds
# the frames from B to A for the delay, so a round trip seen from A takes the delay longer.

TRAFFIC=$ROOT/tests/e2e/traffic.py
DL=$ROOT/$BUILD/tests/tools/delayline
LATENCY_TABLE=$ROOT/$BUILD/test-artifacts/latency.txt

# Three namespaces joined through the delay line (not yet running). Offloads off: unfinished
# checksums and GSO frames cannot cross a packet socket.
dl_up() {
	local x ns dev
	ip netns add "$NSA" && ip netns add "$NSM" && ip netns add "$NSB" || return 1
	ip link add "$VA" netns "$NSA" type veth peer name m1 netns "$NSM" || return 1
	ip link add "$VB" netns "$NSB" type veth peer name m2 netns "$NSM" || return 1
	ip netns exec "$NSM" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.all.disable_ipv6=1"
	ip netns exec "$NSB" sysctl -qw "net.ipv6.conf.all.disable_ipv6=1"
	ip -n "$NSA" addr add 198.18.0.1/24 dev "$VA"
	ip -n "$NSB" addr add 198.18.0.2/24 dev "$VB"
	for x in "$NSA:$VA" "$NSM:m1" "$NSM:m2" "$NSB:$VB"; do
		ns=${x%%:*} dev=${x#*:}
		ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1 ||
			return 1
		ip -n "$ns" link set "$dev" up && ip -n "$ns" link set lo up || return 1
	done
	# Static neighbours: no ARP round trip through the delay.
	ip -n "$NSA" neigh replace 198.18.0.2 dev "$VA" nud permanent \
		lladdr "$(ip -n "$NSB" -j link show dev "$VB" | jq -r '.[0].address')"
	ip -n "$NSB" neigh replace 198.18.0.1 dev "$VB" nud permanent \
		lladdr "$(ip -n "$NSA" -j link show dev "$VA" | jq -r '.[0].address')"
	link_ready "$NSA" "$VA" && link_ready "$NSM" m1 && link_ready "$NSM" m2 &&
		link_ready "$NSB" "$VB"
}

# dl_start ARGS...: the delay line in M; waits (at most 5 s) until it forwards.
dl_start() {
	local i
	rm -f "$TMPD/dl.ready"
	ip netns exec "$NSM" "$DL" --a m1 --b m2 --ready "$TMPD/dl.ready" "$@" \
		>"$TMPD/dl.json" 2>"$TMPD/dl.err" &
	DLPID=$!
	echo "$DLPID" >>"$TMPD/pids"
	for i in $(seq 50); do
		[ -e "$TMPD/dl.ready" ] && return 0
		kill -0 "$DLPID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# dl_stop: its JSON line (forwarded, dropped per direction) is then in $TMPD/dl.json.
dl_stop() {
	kill -TERM "$DLPID" 2>/dev/null
	wait "$DLPID" 2>/dev/null
}

# bg NS CMD...: a helper process in namespace NS, killed with the test.
bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" >/dev/null 2>&1 &
	echo $! >>"$TMPD/pids"
}

# within VALUE EXPECTED PERCENT: |VALUE - EXPECTED| <= PERCENT % of EXPECTED.
within() {
	awk -v v="$1" -v e="$2" -v p="$3" 'BEGIN { d = v - e; if (d < 0) d = -d; exit !(d <= e * p / 100) }'
}

test_latency_delay() {
	local d m p50 n out
	need_net || return
	[ -x "$DL" ] || fail "no $DL" || return
	dl_up || fail "cannot create the delay topology" || return
	mkdir -p "$(dirname "$LATENCY_TABLE")"
	echo "| injected | method | samples | p50 | min | max |" >"$LATENCY_TABLE"
	bg "$NSB" python3 "$TRAFFIC" server 198.18.0.2 7000
	bg "$NSA" python3 "$TRAFFIC" server 198.18.0.1 7100
	for d in 5 20 100; do
		dl_start --delay-ba "$d" || fail "delay line: $(cat "$TMPD/dl.err")" || return
		daemon_start lat$d --backend xdp --pin-path "$PIN_BASE-l$d" --no-web --json ||
			fail "daemon did not start: $(cat "$TMPD/lat$d.err")" || return
		ip netns exec "$NSA" ping -q -c 10 -i 0.2 198.18.0.2 >/dev/null ||
			fail "ping through the delay line failed" || return
		ip netns exec "$NSA" python3 "$TRAFFIC" rtt 198.18.0.2 7000 5 6 ||
			fail "TCP rounds through the delay line failed" || return
		# Connections this host accepts: SYN-ACK out, ACK in (and its timestamps echoed).
		ip netns exec "$NSB" python3 "$TRAFFIC" rtt 198.18.0.1 7100 3 4 ||
			fail "TCP rounds to A through the delay line failed" || return
		daemon_stop
		dl_stop
		[ "$DRC" = 0 ] || fail "daemon exited $DRC: $(cat "$TMPD/lat$d.err")" || return
		out=$TMPD/lat$d.json
		for m in handshake timestamp icmp; do
			p50=$(jq -r ".latency.methods.$m.p50_ms // 0" "$out")
			n=$(jq -r ".latency.methods.$m.samples" "$out")
			echo "| $d ms | $m | $n | $p50 | $(jq -r ".latency.methods.$m.min_ms" "$out") |" \
				"$(jq -r ".latency.methods.$m.max_ms" "$out") |" >>"$LATENCY_TABLE"
			[ "$n" -ge 5 ] || fail "$d ms, $m: only $n samples" || return
			within "$p50" "$d" 10 || fail "$d ms, $m: p50 $p50 ms is not within 10 %" ||
				return
		done
		# The far end is B, and the flows carry the RTT too: the connections A accepted
		# (port 7100) measured SYN-ACK out -> ACK in.
		jq -e --argjson d "$d" '.latency.hosts[0].addr == "198.18.0.2" and
			([.talkers.flows[] | select(.rtt) | .rtt.min_ms] | length > 0) and
			([.talkers.flows[] | select(.port_a == 7100 or .port_b == 7100) |
			  .rtt.min_ms | select(. >= $d * 0.9 and . <= $d * 1.1)] | length == 3)' "$out" \
			>/dev/null || fail "$d ms: hosts or flows without the RTT: $(jq -c '[.talkers.flows[] | {port_a, port_b, rtt}]' "$out")" || return
	done
}

test_retrans_drops() {
	local dropped sent out
	need_net || return
	[ -x "$DL" ] || fail "no $DL" || return
	dl_up || fail "cannot create the delay topology" || return
	bg "$NSB" python3 "$TRAFFIC" sink 198.18.0.2 7001
	dl_start --delay-ab 2.5 --delay-ba 2.5 --drop-every 10 --drop-dir ab ||
		fail "delay line: $(cat "$TMPD/dl.err")" || return
	daemon_start rt --backend xdp --pin-path "$PIN_BASE-rt" --no-web --json ||
		fail "daemon did not start: $(cat "$TMPD/rt.err")" || return
	ip netns exec "$NSA" python3 "$TRAFFIC" bulk 198.18.0.2 7001 2000000 ||
		fail "bulk transfer failed" || return
	sleep 0.2
	daemon_stop
	dl_stop
	[ "$DRC" = 0 ] || fail "daemon exited $DRC" || return
	out=$TMPD/rt.json
	dropped=$(jq .ab.dropped "$TMPD/dl.json")
	# What A's TCP stack retransmitted (its own counter; the namespace is new): every dropped
	# data segment, and on a busy machine now and then a timer's spurious one.
	sent=$(ip netns exec "$NSA" nstat -asz TcpRetransSegs | awk '/TcpRetransSegs/ { print $2 }')
	[ "$dropped" -ge 50 ] || fail "the delay line dropped only $dropped frames" || return
	[ "$sent" -ge "$dropped" ] && [ "$sent" -le $((dropped + 5)) ] ||
		fail "dropped $dropped, but the sender retransmitted $sent" || return
	# The sensor counts exactly what A retransmitted, as sent by A.
	jq -e --argjson n "$sent" '.tcp.out.retransmissions == $n and .tcp.in.retransmissions == 0
		and ([.talkers.hosts[] | select(.addr == "198.18.0.1") | .tcp.retransmissions]
		     == [$n])' "$out" >/dev/null ||
		fail "dropped $dropped, retransmitted $sent, counted $(jq -c '[.tcp.out.retransmissions, .tcp.in.retransmissions]' "$out")" ||
		return
	echo "retransmissions: dropped $dropped, sender's TcpRetransSegs $sent, counted" \
		"$(jq .tcp.out.retransmissions "$out")" >>"$LATENCY_TABLE"
}

# scan_check FILE METHOD: one vertical scan record of METHOD from B to A in /anomalies.
scan_check() {
	jq -e --arg m "$2" '[.list[] | select(.type == "port_scan" and .method == $m and
		.scan == "vertical" and .source == "198.18.0.2" and .targets == ["198.18.0.1"] and
		.ports >= 15)] | length == 1' "$1" >/dev/null
}

test_scan_nmap() {
	local base=http://127.0.0.1:$PORT m lines f i
	need_net || return
	command -v nmap >/dev/null || fail "nmap is not installed (make deps)" || return
	net_up addr || fail "cannot create namespaces" || return
	bg "$NSA" python3 "$TRAFFIC" server 198.18.0.1 22
	mkdir -p "$TMPD/flight"
	web_start scan --backend xdp --pin-path "$PIN_BASE-s" --json --flight-recorder \
		"$TMPD/flight" --flight-recorder-span 2 ||
		fail "daemon did not start: $(cat "$TMPD/scan.err")" || return
	for m in -sS -sT -sF -sN -sX; do
		ip netns exec "$NSB" nmap -n -Pn -T4 --max-retries 1 "$m" -p 1-200 198.18.0.1 \
			>"$TMPD/nmap$m.txt" 2>&1 || fail "nmap $m failed" || return
	done
	ip netns exec "$NSB" nmap -n -Pn -T4 --max-retries 1 -sU -p 1-100 198.18.0.1 \
		>"$TMPD/nmap-sU.txt" 2>&1 || fail "nmap -sU failed" || return
	# The recordings end 2 s after the last probe (unanswered UDP: reported 2 s later).
	for i in $(seq 100); do
		acurl "$base/api/v1/anomalies" >"$TMPD/anom.json"
		jq -e '[.list[].recording | select(.complete)] | length >= 6' "$TMPD/anom.json" \
			>/dev/null && break
		sleep 0.1
	done
	for m in syn connect fin null xmas udp; do
		scan_check "$TMPD/anom.json" "$m" ||
			fail "no $m scan record: $(jq -c '[.list[] | {method, scan, source, ports}]' "$TMPD/anom.json")" ||
			return
	done
	jq -e '.active >= 6 and ([.list[] | select(.type == "syn_flood")] | length == 0)' \
		"$TMPD/anom.json" >/dev/null || fail "unexpected records: $(cat "$TMPD/anom.json")" || return
	# One line on stderr per record.
	lines=$(grep -c "anomaly [0-9]*: port scan (vertical" "$TMPD/scan.err")
	[ "$lines" = 6 ] || fail "$lines anomaly lines on stderr" || return
	# Flight recorder: each record's pcap, complete, readable, holding the scanner's probes,
	# and the same bytes over the API.
	jq -e '[.list[].recording | select(.complete and (.url | length > 0))] | length == 6' \
		"$TMPD/anom.json" >/dev/null || fail "recordings: $(jq -c '[.list[].recording]' "$TMPD/anom.json")" || return
	for f in "$TMPD"/flight/wirelens-anomaly-*.pcap; do
		[ "$(tshark -r "$f" -Y 'ip.src == 198.18.0.2' 2>/dev/null | wc -l)" -gt 10 ] ||
			fail "$f holds no probes" || return
	done
	[ "$(ls "$TMPD"/flight | wc -l)" = 6 ] || fail "files: $(ls "$TMPD/flight")" || return
	acurl -o "$TMPD/rec1.pcap" "$base$(jq -r '.list[-1].recording.url' "$TMPD/anom.json")"
	cmp -s "$TMPD/rec1.pcap" "$TMPD/flight/$(jq -r '.list[-1].recording.file' "$TMPD/anom.json")" ||
		fail "the API's recording differs from the file" || return
	[ "$(code "$base/api/v1/anomalies/recording?id=x")" = 400 ] &&
		[ "$(code "$base/api/v1/anomalies/recording?id=999")" = 404 ] ||
		fail "bad recording ids are not refused" || return
	# Prometheus: the anomaly counters.
	acurl "$base/metrics" | grep -q '^wirelens_anomalies_total{interface="[^"]*",type="port_scan"} 6$' ||
		fail "metrics: $(acurl "$base/metrics" | grep anomalies)" || return
	daemon_stop
	[ "$DRC" = 0 ] || fail "daemon exited $DRC" || return
}

test_normal_no_alarm() {
	local out i
	need_net || return
	net_up addr || fail "cannot create namespaces" || return
	bg "$NSA" python3 "$TRAFFIC" server 198.18.0.1 8000
	bg "$NSA" python3 "$TRAFFIC" udp-server 198.18.0.1 5353
	bg "$NSA" iperf3 -s -B 198.18.0.1 -1
	daemon_start calm --backend xdp --pin-path "$PIN_BASE-c" --no-web --json ||
		fail "daemon did not start: $(cat "$TMPD/calm.err")" || return
	sleep 0.3
	ip netns exec "$NSB" iperf3 -c 198.18.0.1 -t 3 >/dev/null || fail "iperf3 failed" || return
	for i in $(seq 300); do
		ip netns exec "$NSB" curl -s -m 5 -o /dev/null http://198.18.0.1:8000/ ||
			fail "curl request $i failed" || return
	done
	ip netns exec "$NSB" python3 "$TRAFFIC" udp 198.18.0.1 5353 300 ||
		fail "DNS-like lookups failed" || return
	ip netns exec "$NSA" ping -q -c 5 -i 0.05 198.18.0.2 >/dev/null
	daemon_stop
	[ "$DRC" = 0 ] || fail "daemon exited $DRC" || return
	out=$TMPD/calm.json
	jq -e '.anomalies.total == 0 and .anomalies.probes == 0 and .tcp.handshakes >= 300 and
		.latency.methods.handshake.samples >= 300 and .latency.methods.icmp.samples == 5' \
		"$out" >/dev/null ||
		fail "normal traffic: $(jq -c '{a: .anomalies.list, p: .anomalies.probes, h: .tcp.handshakes, l: .latency.methods}' "$out")" ||
		return
	grep -q anomaly "$TMPD/calm.err" && fail "an anomaly line on stderr" && return
	return 0
}

test_offline_rtt() {
	local out=$TMPD/rtt.json
	python3 "$TRAFFIC" pcap-rtt "$TMPD/rtt.pcap" || return 1
	"$WL" --config /dev/null -r "$TMPD/rtt.pcap" --json >"$out" 2>/dev/null ||
		fail "wirelens -r failed" || return
	# The crafted times (tests/e2e/traffic.py pcap-rtt): exact, to the microsecond.
	jq -e '.latency.methods as $m |
		$m.handshake.samples == 2 and $m.handshake.min_ms == 0.5 and $m.handshake.max_ms == 10 and
		$m.timestamp.samples == 3 and $m.timestamp.p50_ms == 12.3 and $m.timestamp.max_ms == 12.3 and
		$m.icmp.samples == 4 and $m.icmp.min_ms == 3 and $m.icmp.max_ms == 7 and
		.tcp.retransmissions == 1 and .tcp.out_of_order == 1 and .tcp.duplicate_acks == 3 and
		.tcp.zero_windows == 1 and .tcp.resets == 1 and .tcp.handshakes == 1 and
		(.latency.hosts[0] | .addr == "198.18.5.2" and .methods.icmp.p50_ms == 7) and
		([.latency.hosts[] | select(.addr == "2001:2::5:2") | .methods.icmp.p50_ms] == [3]) and
		(.talkers.flows[] | select(.l4 == "tcp") | .tcp.b_to_a.retransmissions == 1 and
		 .tcp.a_to_b.out_of_order == 1 and .tcp.b_to_a.duplicate_acks == 3 and .rtt.min_ms == 0.5)' \
		"$out" >/dev/null ||
		fail "offline RTT/health: $(jq -c '{m: .latency.methods, t: .tcp}' "$out")" || return
}

test_offline_synflood() {
	local out=$TMPD/flood.json
	python3 "$TRAFFIC" pcap-flood "$TMPD/flood.pcap" || return 1
	"$WL" --config /dev/null -r "$TMPD/flood.pcap" --json >"$out" 2>"$TMPD/flood.err" ||
		fail "wirelens -r failed" || return
	jq -e '([.anomalies.list[] | select(.type == "syn_flood" and .peak_rate >= 1400)] | length == 1)
		and ([.anomalies.list[] | select(.type == "port_scan")] | length == 0)' "$out" >/dev/null ||
		fail "flood: $(jq -c .anomalies.list "$out")" || return
	grep -q "anomaly 1: SYN flood" "$TMPD/flood.err" || fail "no log line" || return
	# Off, and a threshold above the rate: nothing.
	"$WL" --config /dev/null -r "$TMPD/flood.pcap" --json --synflood-rate 0 2>/dev/null |
		jq -e '.anomalies.total == 0' >/dev/null || fail "--synflood-rate 0 still reports" || return
	"$WL" --config /dev/null -r "$TMPD/flood.pcap" --json --synflood-rate 2000 2>/dev/null |
		jq -e '.anomalies.total == 0' >/dev/null || fail "threshold 2000 still reports" || return
}

test_offline_scan_recorder() {
	local out=$TMPD/scan.json f n
	python3 "$TRAFFIC" pcap-scan "$TMPD/scan.pcap" || return 1
	mkdir -p "$TMPD/fr"
	# An older recording and a file that is not one: the budget deletes only the former.
	head -c 900000 /dev/zero >"$TMPD/fr/wirelens-anomaly-20200101T000000Z-1-port_scan-x.pcap"
	touch -d 2020-01-01 "$TMPD/fr/wirelens-anomaly-20200101T000000Z-1-port_scan-x.pcap"
	head -c 900000 /dev/zero >"$TMPD/fr/keep.pcap"
	"$WL" --config /dev/null -r "$TMPD/scan.pcap" --json --flight-recorder "$TMPD/fr" \
		--flight-recorder-max 1 >"$out" 2>"$TMPD/scan.err" || fail "wirelens -r failed" || return
	jq -e '.anomalies.list | length == 1 and .[0].method == "syn" and .[0].ports == 100 and
		.[0].source == "198.18.7.66" and .[0].outcomes.rst == 100 and .[0].recording.complete' \
		"$out" >/dev/null || fail "scan: $(jq -c .anomalies.list "$out")" || return
	f=$TMPD/fr/$(jq -r '.anomalies.list[0].recording.file' "$out")
	# 30 s before the scan: the ordinary connection's 10 s are in it, and the whole scan.
	n=$(tshark -r "$f" -Y 'tcp.port == 22 and ip.src == 198.18.7.2' 2>/dev/null | wc -l)
	[ "$n" = 102 ] || fail "$n packets of the earlier connection in the recording" || return
	n=$(tshark -r "$f" -Y 'ip.src == 198.18.7.66' 2>/dev/null | wc -l)
	[ "$n" = 100 ] || fail "$n probes in the recording" || return
	[ ! -e "$TMPD/fr/wirelens-anomaly-20200101T000000Z-1-port_scan-x.pcap" ] &&
		[ -e "$TMPD/fr/keep.pcap" ] || fail "the budget deleted the wrong files" || return
	ls "$TMPD/fr" | grep -q part && fail "a temporary file was left" && return
	return 0
}

test_bad_analysis_options() {
	local o rc
	for o in "--scan-ports 1" "--scan-ports x" "--scan-hosts 0" "--scan-window 0" \
		"--scan-window 99999" "--synflood-rate -1" "--flight-recorder-span 0" \
		"--flight-recorder-max 0" "--flight-recorder="; do
		# shellcheck disable=SC2086
		"$WL" --config /dev/null -r "$ROOT/tests/golden/bulk500.pcap" $o >/dev/null 2>"$TMPD/e"
		rc=$?
		[ "$rc" = 2 ] && [ "$(wc -l <"$TMPD/e")" = 1 ] ||
			fail "$o: exit $rc, $(cat "$TMPD/e")" || return
	done
	touch "$TMPD/notadir"
	for o in "$TMPD/notadir" "$TMPD/no/such/dir"; do
		"$WL" --config /dev/null -r "$ROOT/tests/golden/bulk500.pcap" --flight-recorder "$o" \
			>/dev/null 2>"$TMPD/e"
		rc=$?
		[ "$rc" = 1 ] && [ "$(wc -l <"$TMPD/e")" = 1 ] && grep -q flight-recorder "$TMPD/e" ||
			fail "--flight-recorder $o: exit $rc, $(cat "$TMPD/e")" || return
	done
}
