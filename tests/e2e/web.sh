# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# End-to-end tests of the web server: every API route against a real daemon counting real
# frames on a veth, bad requests, token and TLS, a real Prometheus scraping /metrics, and the
# dashboard and the HTML report in headless Chromium. Sourced by run.sh (its harness runs
# the test_web_* functions). Screenshots go to $BUILD/test-artifacts/.

ARTIFACTS=$ROOT/$BUILD/test-artifacts
PORT=8080

# acurl ARGS...: curl from inside namespace A (where the daemon listens on its loopback).
acurl() {
	"${IN_A[@]}" curl -s -m 10 "$@"
}

# code ARGS...: only the HTTP status of a request.
code() {
	acurl -o /dev/null -w '%{http_code}' "$@"
}

# web_start NAME ARGS...: the daemon on veth A with its web server, ready to answer.
web_start() {
	local name=$1 i
	daemon_start "$@" || return 1
	for i in $(seq 50); do
		grep -q "dashboard on" "$TMPD/$name.err" && return 0
		sleep 0.1
	done
	return 1
}

# The counts of the in direction must settle on the sent mix: wait for the next poll.
wait_in_packets() { # N
	local i got
	for i in $(seq 50); do
		got=$(acurl "http://127.0.0.1:$PORT/api/v1/stats" | jq '.directions.in.totals.packets')
		[ "$got" = "$1" ] && return 0
		sleep 0.2
	done
	echo "$got"
	return 1
}

# A pcap of one DNS query from B (198.18.0.2) to A whose name is HTML with a script in it.
xss_pcap() { # OUT
	python3 - "$1" <<-'EOF'
		import struct, sys
		name = [b"<img src=x onerror=window.__wlxss=1>", b"example", b"com"]
		q = b"".join(bytes([len(l)]) + l for l in name) + b"\0" + struct.pack("!HH", 1, 1)
		dns = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + q
		udp = struct.pack("!HHHH", 40000, 53, 8 + len(dns), 0) + dns
		ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
		                 bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1]))
		s = sum(struct.unpack("!10H", ip))
		s = (s & 0xffff) + (s >> 16)
		ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
		eth = bytes.fromhex("020000000001020000000002") + b"\x08\x00" + ip + udp
		with open(sys.argv[1], "wb") as f:
		    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
		    f.write(struct.pack("<IIII", 1700000000, 0, len(eth), len(eth)) + eth)
	EOF
}

# Every GET route answers 200 with the documented shape, from one daemon that counted a
# known mix; the numbers agree across the stats, /data, /metrics, talkers, exports and events.
test_web_routes() {
	local base=http://127.0.0.1:$PORT out n
	need_net || return
	"$MKPCAP" -n 400 -s 3 -e "$TMPD/a.exp" bulk "$TMPD/a.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	web_start d --backend xdp --pin-path "$PIN_BASE-w" --json ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	n=$(jq .totals.packets "$TMPD/a.exp")
	out=$(wait_in_packets "$n") || fail "stats show $out packets in, sent $n" || return

	out=$(acurl "$base/api/v1/status")
	jq -e '.state == "capturing" and .capture.backend == "xdp" and
		(.bpf.pin_path | length > 0) and .bpf.maps.stats == "wl_stats" and
		(.health | has("samples_lost"))' <<<"$out" >/dev/null ||
		fail "status: $out" || return
	acurl "$base/api/v1/stats" >"$TMPD/stats.json"
	jq_eq "$(dir_counts "$TMPD/stats.json" in)" "$(expect_counts "$TMPD/a.exp")" ||
		fail "stats in != sent mix: $(dir_counts "$TMPD/stats.json" in)" || return
	out=$(acurl "$base/data")
	jq -e --slurpfile s "$TMPD/stats.json" '
		.TCP == $s[0].protocols.l4.tcp.packets and .UDP == $s[0].protocols.l4.udp.packets and
		.ICMP == $s[0].protocols.l4.icmp.packets + $s[0].protocols.l4.icmpv6.packets and
		.OTHER == $s[0].protocols.l4.other.packets' <<<"$out" >/dev/null ||
		fail "/data disagrees with the stats: $out" || return
	out=$(acurl "$base/api/v1/interfaces")
	jq -e --arg v "$VA" '.interfaces | map(select(.name == $v and .capturing)) | length == 1' \
		<<<"$out" >/dev/null || fail "interfaces: $out" || return

	# Talkers: each kind, sorted, limited, per direction.
	for by in host pair flow; do
		out=$(acurl "$base/api/v1/talkers?by=$by&limit=3&sort=bytes")
		jq -e '(.entries | length) >= 1 and (.entries | length) <= 3' <<<"$out" >/dev/null ||
			fail "talkers by=$by: $out" || return
	done
	out=$(acurl "$base/api/v1/talkers?by=host&dir=in&sort=packets&limit=50")
	jq -e '[.entries[].in.packets] as $p | $p == ($p | sort | reverse)' <<<"$out" >/dev/null ||
		fail "talkers dir=in not sorted by packets: $out" || return
	# Time series: the seconds add up to what was counted.
	sleep 1.2
	out=$(acurl "$base/api/v1/timeseries?window=120")
	jq -e --argjson n "$n" '.resolution == 1 and ([.points[].packets] | add) == $n' \
		<<<"$out" >/dev/null || fail "timeseries does not add up to $n: $out" || return
	out=$(acurl "$base/api/v1/timeseries?window=86400")
	jq -e '.resolution == 60' <<<"$out" >/dev/null || fail "24 h series: $out" || return
	# Packet records, with a display filter and after a sequence number.
	out=$(acurl "$base/api/v1/packets?limit=5")
	jq -e '(.records | length) == 5 and .received >= 5' <<<"$out" >/dev/null ||
		fail "packets: $(head -c 300 <<<"$out")" || return
	out=$(acurl "$base/api/v1/packets?limit=1000&filter=udp")
	jq -e '(.records | length) > 0 and all(.records[]; .l4 == "udp")' <<<"$out" >/dev/null ||
		fail "packets filter=udp: $(head -c 300 <<<"$out")" || return
	local last
	last=$(acurl "$base/api/v1/packets?limit=1" | jq '.records[0].seq')
	out=$(acurl "$base/api/v1/packets?after=$last")
	jq -e '(.records | length) == 0' <<<"$out" >/dev/null || fail "after=$last: $out" || return
	# Latency and TCP health of the mix (no handshakes in it), and no anomaly: the same numbers
	# as the snapshot, and rates no larger than the totals.
	out=$(acurl "$base/api/v1/latency")
	jq -e --slurpfile s "$TMPD/stats.json" '.available and
		(.methods | keys == ["handshake", "icmp", "timestamp"]) and
		.tcp.segments == $s[0].tcp.segments and .tcp.segments > 0 and
		([.tcp.per_s[]] | all(. >= 0 and . <= $s[0].tcp.segments)) and
		(.histogram.le_ms | length == 16)' <<<"$out" >/dev/null || fail "latency: $out" || return
	out=$(acurl "$base/api/v1/anomalies")
	jq -e '.available and .total == 0 and .list == [] and .thresholds.scan_ports == 15' \
		<<<"$out" >/dev/null || fail "anomalies: $out" || return

	# Exports: a CSV reader, a JSON parser and tshark read them.
	acurl -D "$TMPD/h" "$base/api/v1/export?format=csv" >"$TMPD/e.csv"
	grep -qi 'content-disposition: attachment; filename="wirelens.csv"' "$TMPD/h" ||
		fail "csv export not an attachment: $(cat "$TMPD/h")" || return
	python3 - "$TMPD/e.csv" <<-'EOF' || fail "csv export unreadable" || return
		import csv, sys
		rows = list(csv.DictReader(open(sys.argv[1], newline="")))
		assert rows and "l4" in rows[0] and "seq" in rows[0], rows[:1]
	EOF
	acurl "$base/api/v1/export?format=json" | jq -e '(.packets | length) > 0 and .totals' \
		>/dev/null || fail "json export" || return
	acurl "$base/api/v1/export?format=pcap" >"$TMPD/e.pcap"
	local kept inpcap
	kept=$(acurl "$base/api/v1/stats" | jq .samples.kept)
	inpcap=$(tshark -r "$TMPD/e.pcap" 2>/dev/null | wc -l)
	[ "$inpcap" = "$kept" ] || fail "pcap export: tshark reads $inpcap packets, $kept kept" ||
		return

	# /metrics: promtool is happy and the counter is the stats' number.
	acurl "$base/metrics" >"$TMPD/m.txt"
	promtool check metrics <"$TMPD/m.txt" >"$TMPD/promtool.out" 2>&1 ||
		fail "promtool: $(cat "$TMPD/promtool.out")" || return
	grep -qx "wirelens_packets_total{interface=\"$VA\",direction=\"in\"} $n" "$TMPD/m.txt" ||
		fail "metrics: $(grep wirelens_packets_total "$TMPD/m.txt")" || return

	# Events: a snapshot, then deltas; patches applied in order give the stats.
	"${IN_A[@]}" timeout 3.5 curl -s -N "$base/api/v1/events" >"$TMPD/events.txt"
	replay B "$TMPD/a.pcap" --topspeed
	"${IN_A[@]}" timeout 2.5 curl -s -N "$base/api/v1/events" >"$TMPD/events2.txt"
	wait_in_packets $((2 * n)) >/dev/null || fail "second replay not counted" || return
	sleep 1.2
	acurl "$base/api/v1/stats" >"$TMPD/stats2.json"
	"${IN_A[@]}" timeout 3.5 curl -s -N "$base/api/v1/events" >"$TMPD/events3.txt"
	python3 - "$TMPD/events.txt" "$TMPD/events3.txt" "$TMPD/stats2.json" <<-'EOF' ||
		import json, sys
		def events(path):
		    out, ev = [], {}
		    for line in open(path).read().split("\n"):
		        if line.startswith("event: "): ev["event"] = line[7:]
		        elif line.startswith("data: "): ev["data"] = json.loads(line[6:])
		        elif line == "" and ev: out.append(ev); ev = {}
		    return out
		def merge(a, p):
		    if not isinstance(p, dict): return p
		    a = dict(a) if isinstance(a, dict) else {}
		    for k, v in p.items():
		        if v is None: a.pop(k, None)
		        else: a[k] = merge(a.get(k), v)
		    return a
		first = events(sys.argv[1])
		assert first and first[0]["event"] == "snapshot", [e["event"] for e in first]
		assert any(e["event"] == "delta" for e in first[1:]), "no delta within 3.5 s"
		ev = events(sys.argv[2])
		state = ev[0]["data"]["stats"]
		for e in ev[1:]:
		    assert e["data"]["seq"] > ev[0]["data"]["seq"]
		    state = merge(state, e["data"]["patch"])
		want = json.load(open(sys.argv[3]))
		for k in ("totals", "protocols"):
		    assert state[k] == want[k], (k, state[k], want[k])
	EOF
		fail "events: $(head -c 400 "$TMPD/events3.txt")" || return
	daemon_stop
	net_down
}

# The capture filter and the capture itself are controlled over the API, without reattaching.
test_web_control() {
	local base=http://127.0.0.1:$PORT out n
	need_net || return
	"$MKPCAP" -n 300 -s 5 -e "$TMPD/a.exp" bulk "$TMPD/a.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	web_start d --backend xdp --pin-path "$PIN_BASE-c" --json ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	out=$(acurl -X POST -H 'Content-Type: application/json' -d '{"filter": "udp"}' \
		"$base/api/v1/filter")
	jq -e '.filter == "udp" and .previous == null' <<<"$out" >/dev/null ||
		fail "filter: $out" || return
	[ "$(acurl "$base/api/v1/filter" | jq -r .filter)" = udp ] || fail "filter not kept" ||
		return
	replay B "$TMPD/a.pcap" --topspeed
	# What libpcap selects is the oracle (its "udp" skips IPv6 behind extension headers).
	n=$(tcpdump -nr "$TMPD/a.pcap" udp 2>/dev/null | wc -l)
	out=$(wait_in_packets "$n") || fail "with filter udp: $out counted, tcpdump selects $n" ||
		return
	[ "$(acurl "$base/api/v1/stats" | jq .directions.in.seen.packets)" = \
		"$(jq .totals.packets "$TMPD/a.exp")" ] || fail "seen != sent" || return
	grep -q "filter changed from '' to 'udp'" "$TMPD/d.err" || fail "no log line" || return

	# Stop: counts stay readable; start again on the pcap backend.
	out=$(acurl -X POST -H 'Content-Type: application/json' -d '{}' "$base/api/v1/capture/stop")
	jq -e '.state == "stopped"' <<<"$out" >/dev/null || fail "stop: $out" || return
	[ "$(tc_filters | grep -c 'handle 0x574c')" = 0 ] || fail "TC filter left after stop" ||
		return
	out=$(acurl "$base/api/v1/stats" | jq .directions.in.totals.packets)
	[ "$out" = "$n" ] || fail "after stop the stats show $out, not $n" || return
	[ "$(code -X POST -H 'Content-Type: application/json' -d '{}' \
		"$base/api/v1/capture/stop")" = 409 ] || fail "second stop not 409" || return
	[ "$(code -X POST -H 'Content-Type: application/json' -d '{"filter":"udp"}' \
		"$base/api/v1/filter")" = 409 ] || fail "filter while stopped not 409" || return
	out=$(acurl -X POST -H 'Content-Type: application/json' \
		-d '{"interface": "nosuch0"}' "$base/api/v1/capture/start")
	jq -e '.error | test("nosuch0")' <<<"$out" >/dev/null || fail "bad interface: $out" ||
		return
	out=$(acurl -X POST -H 'Content-Type: application/json' \
		-d "{\"interface\": \"$VA\", \"backend\": \"pcap\", \"filter\": \"icmp or udp\"}" \
		"$base/api/v1/capture/start")
	jq -e '.state == "capturing" and .capture.backend == "pcap" and
		.capture.filter == "icmp or udp"' <<<"$out" >/dev/null || fail "start: $out" || return
	[ "$(code -X POST -H 'Content-Type: application/json' -d '{}' \
		"$base/api/v1/capture/start")" = 409 ] || fail "second start not 409" || return
	replay B "$TMPD/a.pcap" --topspeed
	n=$(tcpdump -nr "$TMPD/a.pcap" 'icmp or udp' 2>/dev/null | wc -l)
	out=$(wait_in_packets "$n") || fail "pcap capture counted $out, $n sent" || return
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC" || return
	[ "$(jq .source.backend "$TMPD/d.json")" = '"pcap"' ] ||
		fail "final snapshot is not the pcap capture's" || return
	net_down
}

# Bad requests get 4xx with a JSON error, and the server keeps answering.
test_web_bad_requests() {
	local base=http://127.0.0.1:$PORT c big
	need_net || return
	net_up || fail "cannot create namespaces" || return
	web_start d --backend xdp --pin-path "$PIN_BASE-b" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	check() { # WANT DESCRIPTION CURL-ARGS...
		local want=$1 what=$2 got
		shift 2
		got=$(code "$@")
		[ "$got" = "$want" ] || fail "$what: status $got, expected $want" || return 1
	}
	local J=(-H 'Content-Type: application/json')
	check 404 "unknown route" "$base/api/v1/nope" || return
	check 404 "path traversal" --path-as-is "$base/../../etc/passwd" || return
	check 404 "encoded traversal" --path-as-is "$base/%2e%2e/%2e%2e/etc/passwd" || return
	check 404 "traversal under the API" --path-as-is "$base/api/v1/../../../etc/passwd" ||
		return
	check 405 "DELETE" -X DELETE "$base/api/v1/stats" || return
	check 405 "GET a control route" "$base/api/v1/capture/stop" || return
	check 405 "POST a read route" -X POST "${J[@]}" -d '{}' "$base/api/v1/stats" || return
	check 400 "bad JSON" -X POST "${J[@]}" -d '{"filter": ' "$base/api/v1/filter" || return
	check 400 "JSON not an object" -X POST "${J[@]}" -d '[1]' "$base/api/v1/filter" || return
	check 400 "filter not a string" -X POST "${J[@]}" -d '{"filter": 5}' \
		"$base/api/v1/filter" || return
	check 400 "bad filter" -X POST "${J[@]}" -d '{"filter": "tcp port 70000"}' \
		"$base/api/v1/filter" || return
	[ "$(acurl -X POST "${J[@]}" -d '{"filter": "tcp and"}' "$base/api/v1/filter" |
		jq '.position')" -gt 0 ] || fail "bad filter without position" || return
	check 415 "not JSON" -X POST -H 'Content-Type: text/plain' -d 'x' "$base/api/v1/filter" ||
		return
	check 403 "cross-origin control" -X POST "${J[@]}" -H 'Origin: http://evil.example' \
		-d '{}' "$base/api/v1/capture/stop" || return
	check 403 "cross-site referer" -X POST "${J[@]}" -H 'Referer: http://evil.example/x' \
		-d '{}' "$base/api/v1/capture/stop" || return
	check 403 "DNS rebinding" -H 'Host: evil.example:8080' "$base/api/v1/stats" || return
	check 200 "localhost host" -H 'Host: localhost:8080' "$base/api/v1/stats" || return
	big=$(head -c 100000 /dev/zero | tr '\0' a)
	check 413 "huge body" -X POST "${J[@]}" -d "{\"filter\": \"$big\"}" "$base/api/v1/filter" ||
		return
	c=$(code -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' b)" "$base/api/v1/stats")
	case $c in 4*) ;; *) fail "oversized header: status $c" || return ;; esac
	check 400 "talkers by" "$base/api/v1/talkers?by=mac" || return
	check 400 "talkers limit" "$base/api/v1/talkers?limit=0" || return
	check 400 "timeseries window" "$base/api/v1/timeseries?window=-5" || return
	check 400 "packets filter" "$base/api/v1/packets?filter=port%20nope" || return
	check 400 "export format" "$base/api/v1/export?format=xls" || return
	acurl "$base/api/v1/nope" | jq -e '.error | length > 0' >/dev/null ||
		fail "404 body is not a JSON error" || return
	# A raw malformed request line, and a slow request cut off by the timeout.
	c=$("${IN_A[@]}" python3 - <<-'EOF'
		import socket, time
		s = socket.create_connection(("127.0.0.1", 8080)); s.sendall(b"GET /api/v1/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n")
		s.settimeout(5); r = s.recv(100); s.close()
		print(r.split(b" ")[1].decode() if r.startswith(b"HTTP/") else "nothing")
		slow = socket.create_connection(("127.0.0.1", 8080)); slow.sendall(b"GET /api/v1/st")
		slow.settimeout(15); t = time.time()
		try:
		    closed = slow.recv(100) == b""
		except ConnectionResetError:
		    closed = True
		print("closed" if closed and time.time() - t < 14 else "open")
	EOF
	)
	case $c in 4??" "closed | 4??$'\n'closed) ;; *) fail "malformed/slow requests: $c" || return ;; esac
	check 200 "still answering" "$base/api/v1/status" || return
	kill -0 "$DPID" 2>/dev/null || fail "daemon died" || return
	daemon_stop
	net_down
}

# Abuse, from other loopback addresses in A: 300 slowloris connections from one address
# (trickling a header line a second) are capped per address and each cut off within the header
# deadline, while a client elsewhere is served; then 1,000 concurrent requests from 8 addresses
# are each answered or refused, none left hanging; the daemon answers afterwards and its memory
# stays bounded.
test_web_abuse() {
	local out rss
	need_net || return
	net_up || fail "cannot create namespaces" || return
	web_start d --backend xdp --pin-path "$PIN_BASE-ab" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	out=$("${IN_A[@]}" timeout 90 python3 - "$PORT" <<-'EOF'
		import json, selectors, socket, sys, time
		port = int(sys.argv[1])

		def status(src):
		    s = socket.socket(); s.bind((src, 0)); s.settimeout(5)
		    s.connect(("127.0.0.1", port))
		    s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
		    data = b""
		    try:
		        while True:
		            c = s.recv(65536)
		            if not c:
		                break
		            data += c
		    except OSError:
		        pass
		    s.close()
		    return data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "none"

		res = {}
		# Slowloris.
		slow, t0 = [], time.time()
		for i in range(300):
		    s = socket.socket(); s.bind(("127.0.0.2", 0)); s.setblocking(False)
		    s.connect_ex(("127.0.0.1", port)); slow.append(s)
		time.sleep(0.5)
		for s in slow:
		    try:
		        s.send(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		    except OSError:
		        pass
		res["during"] = status("127.0.0.1")
		alive, life = set(range(len(slow))), []
		while alive and time.time() - t0 < 40:
		    for i in list(alive):
		        try:
		            if slow[i].recv(4096) == b"":
		                raise ConnectionResetError
		        except BlockingIOError:
		            try:
		                slow[i].send(b"X-a: b\r\n")
		                continue
		            except BlockingIOError:
		                continue
		            except OSError:
		                pass
		        except OSError:
		            pass
		        life.append(time.time() - t0); alive.discard(i); slow[i].close()
		    time.sleep(1)
		res["slow_open"] = len(alive)
		res["slow_longest"] = round(max(life), 1) if life else None
		# 1,000 at once.
		sel, conns = selectors.DefaultSelector(), {}
		for i in range(1000):
		    s = socket.socket(); s.bind(("127.0.0.%d" % (3 + i % 8), 0)); s.setblocking(False)
		    s.connect_ex(("127.0.0.1", port))
		    conns[s] = b""
		    sel.register(s, selectors.EVENT_WRITE)
		ok = refused = 0
		t1 = time.time()
		while sel.get_map() and time.time() - t1 < 30:
		    for key, ev in sel.select(1):
		        s = key.fileobj
		        if ev & selectors.EVENT_WRITE:
		            try:
		                s.send(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
		                sel.modify(s, selectors.EVENT_READ)
		            except OSError:
		                refused += 1; sel.unregister(s); s.close()
		            continue
		        try:
		            c = s.recv(65536)
		        except OSError:
		            c = b""
		        if c:
		            conns[s] += c
		            continue
		        if conns[s].startswith(b"HTTP/1.1 200"):
		            ok += 1
		        else:
		            refused += 1
		        sel.unregister(s); s.close()
		res["ok"], res["refused"], res["hung"] = ok, refused, len(sel.get_map())
		res["after"] = status("127.0.0.1")
		print(json.dumps(res))
	EOF
	) || fail "abuse script failed: $out" || return
	echo "# abuse: $out"
	[ "$(jq -r .during <<<"$out")" = 200 ] || fail "not served during slowloris: $out" || return
	[ "$(jq -r .slow_open <<<"$out")" = 0 ] || fail "slow connections kept open: $out" || return
	jq -e '.slow_longest <= 15' <<<"$out" >/dev/null ||
		fail "a slow connection lived past the deadline: $out" || return
	[ "$(jq -r '.ok + .refused' <<<"$out")" = 1000 ] && [ "$(jq -r .hung <<<"$out")" = 0 ] ||
		fail "concurrent requests unanswered: $out" || return
	jq -e '.ok >= 512' <<<"$out" >/dev/null || fail "too few served: $out" || return
	[ "$(jq -r .after <<<"$out")" = 200 ] || fail "not served afterwards: $out" || return
	grep -q "web server: closed [0-9]* connections that sent no whole request within 10 s" \
		"$TMPD/d.err" || fail "no line about the cut connections: $(cat "$TMPD/d.err")" || return
	kill -0 "$DPID" 2>/dev/null || fail "daemon died" || return
	rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$DPID/status")
	[ "$rss" -lt 262144 ] || fail "peak RSS $rss KiB" || return
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC: $(cat "$TMPD/d.err")" || return
	net_down
}

# Beyond loopback a token is required; with it, every API call needs it. TLS works.
test_web_auth_tls() {
	local base out
	need_net || return
	net_up addr || fail "cannot create namespaces" || return
	timeout 20 "${IN_A[@]}" "$WL" -i "$VA" --pin-path "$PIN_BASE-t0" --listen 198.18.0.1:8443 \
		-d 1 >/dev/null 2>"$TMPD/noauth.err"
	[ $? = 1 ] && grep -q "needs a token" "$TMPD/noauth.err" ||
		fail "non-loopback without token: $(cat "$TMPD/noauth.err")" || return
	head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$TMPD/token"
	chmod 600 "$TMPD/token"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=198.18.0.1 \
		-keyout "$TMPD/key.pem" -out "$TMPD/cert.pem" >/dev/null 2>&1 || return 1
	web_start d --pin-path "$PIN_BASE-t" --listen 198.18.0.1:8443 --auth-token-file \
		"$TMPD/token" --tls-cert "$TMPD/cert.pem" --tls-key "$TMPD/key.pem" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	base=https://198.18.0.1:8443
	# From the other namespace, across the veth.
	bcurl() { ip netns exec "$NSB" curl -s -m 10 --cacert "$TMPD/cert.pem" "$@"; }
	[ "$(bcurl -o /dev/null -w '%{http_code}' "$base/api/v1/stats")" = 401 ] ||
		fail "no token: not 401" || return
	[ "$(bcurl -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong-token-xxxxxxx' \
		"$base/metrics")" = 401 ] || fail "wrong token: not 401" || return
	out=$(bcurl -H "Authorization: Bearer $(cat "$TMPD/token")" "$base/api/v1/status")
	jq -e '.web.tls and .web.auth' <<<"$out" >/dev/null || fail "with token: $out" || return
	[ "$(bcurl -o /dev/null -w '%{http_code}' "$base/")" = 200 ] ||
		fail "the page itself should load without the token" || return
	out=$(ip netns exec "$NSB" timeout 3 curl -s -N --cacert "$TMPD/cert.pem" \
		"$base/api/v1/events?token=$(cat "$TMPD/token")" | head -c 300)
	grep -q "event: snapshot" <<<"$out" || fail "events with ?token: $out" || return
	[ "$(ip netns exec "$NSB" curl -s -m 5 -o /dev/null -w '%{http_code}' \
		"http://198.18.0.1:8443/api/v1/stats")" != 200 ] || fail "plain HTTP answered" || return
	daemon_stop
	net_down
}

# A real Prometheus server scrapes /metrics; a query returns the counted number.
test_web_prometheus() {
	local n i got
	need_net || return
	command -v prometheus >/dev/null || fail "prometheus is not installed (make deps)" || return
	"$MKPCAP" -n 250 -s 9 -e "$TMPD/a.exp" bulk "$TMPD/a.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	web_start d --backend xdp --pin-path "$PIN_BASE-p" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	n=$(jq .totals.packets "$TMPD/a.exp")
	wait_in_packets "$n" >/dev/null || fail "not counted" || return
	cat >"$TMPD/prom.yml" <<-EOF
		global: {scrape_interval: 1s, evaluation_interval: 1s}
		scrape_configs:
		  - job_name: wirelens
		    static_configs: [{targets: ['127.0.0.1:$PORT']}]
	EOF
	"${IN_A[@]}" prometheus --config.file="$TMPD/prom.yml" --storage.tsdb.path="$TMPD/prom" \
		--web.listen-address=127.0.0.1:19090 >"$TMPD/prom.log" 2>&1 &
	echo $! >>"$TMPD/pids"
	for i in $(seq 60); do
		got=$(acurl -G "http://127.0.0.1:19090/api/v1/query" --data-urlencode \
			"query=wirelens_packets_total{job=\"wirelens\",direction=\"in\"}" |
			jq -r '.data.result[0].value[1] // empty' 2>/dev/null)
		[ "$got" = "$n" ] && break
		sleep 0.5
	done
	[ "$got" = "$n" ] || fail "Prometheus query returned '$got', expected $n" || return
	i=$(acurl -G "http://127.0.0.1:19090/api/v1/query" --data-urlencode \
		'query=up{job="wirelens"}' | jq -r '.data.result[0].value[1]')
	[ "$i" = 1 ] || fail "scrape target not up" || return
	echo "# Prometheus scraped wirelens_packets_total{direction=\"in\"} = $got (sent $n)"
	daemon_stop
	net_down
}

# The dashboard in Chromium: numbers move with traffic, charts are drawn, the interfaces panel
# has the capture's interface, up, with the frames in (and follows the events), the latency
# table shows the ICMP round trips of pings to B, TCP health has numbers, no anomaly is raised,
# the self-loss counters are there, stop/start and a filter work from the page, and a DNS name
# made of HTML is shown as text.
test_web_browser() {
	local out
	need_net || return
	[ -x /usr/bin/chromium ] || fail "chromium is not installed (make deps)" || return
	command -v ping >/dev/null || fail "ping is not installed (make deps)" || return
	"$MKPCAP" -n 300 -s 4 bulk "$TMPD/a.pcap" || return 1
	xss_pcap "$TMPD/xss.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	# IPv4 addresses (IPv6 stays off) so that A can ping B across the sensor's veth.
	ip -n "$NSA" addr add 198.18.0.1/24 dev "$VA" && ip -n "$NSB" addr add 198.18.0.2/24 dev "$VB" ||
		fail "cannot address the veths" || return
	web_start d --backend xdp --pin-path "$PIN_BASE-u" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	mkdir -p "$ARTIFACTS"
	coproc BR { "${IN_A[@]}" node "$ROOT/tests/web/browser.mjs" live \
		"http://127.0.0.1:$PORT/" "$ARTIFACTS" "$VA" 2>&1; }
	local br_pid=$BR_PID
	while IFS= read -r -t 90 line <&"${BR[0]}"; do
		case $line in
		"STEP traffic")
			# Pings from A: a round trip is measured when the answer comes in to the sensor.
			# Before the mix, whose unanswered echo requests on the same flow would hold the
			# analysis' one outstanding request for a second; 2 s of them in any case.
			ip netns exec "$NSA" ping -c 10 -i 0.2 -W 1 -q 198.18.0.2 >/dev/null 2>&1
			replay B "$TMPD/a.pcap" --topspeed
			echo GO >&"${BR[1]}"
			;;
		"STEP xss")
			replay B "$TMPD/xss.pcap"
			echo GO >&"${BR[1]}"
			;;
		*) out+="$line"$'\n' ;;
		esac
	done
	wait "$br_pid" 2>/dev/null
	grep -q '^FINDINGS' <<<"$out" && ! grep -q '^FAIL' <<<"$out" ||
		fail "$(grep -v '^FINDINGS' <<<"$out" | head -5 | tr '\n' ' ')" || return
	echo "# browser: $(grep '^FINDINGS' <<<"$out" | cut -c10- | head -c 400)"
	daemon_stop
	net_down
}

# --report writes one HTML file that renders offline, with the network cut off, and without
# the interfaces panel (a file has none).
test_web_report() {
	local out
	[ -x /usr/bin/chromium ] || fail "chromium is not installed (make deps)" || return
	"$WL" -r "$ROOT/tests/golden/bulk500.pcap" --report "$TMPD/r.html" >/dev/null \
		2>"$TMPD/r.err" || fail "--report failed: $(cat "$TMPD/r.err")" || return
	grep -q 'id="wl-report"' "$TMPD/r.html" || fail "no data in the report" || return
	! grep -qE '(src|href)="(https?:)?//' "$TMPD/r.html" ||
		fail "the report refers to a remote file" || return
	mkdir -p "$ARTIFACTS"
	out=$(timeout 60 node "$ROOT/tests/web/browser.mjs" report "$TMPD/r.html" "$ARTIFACTS" \
		</dev/null 2>&1)
	grep -q '^FINDINGS' <<<"$out" && ! grep -q '^FAIL' <<<"$out" ||
		fail "$(grep -v '^FINDINGS' <<<"$out" | head -5 | tr '\n' ' ')" || return
	grep -q '"total_packets":500' <<<"$out" || fail "report numbers: $out" || return
}

# Bad web options: one message, the right exit status, nothing attached.
test_bad_web_options() {
	local rc
	timeout 5 "$WL" -i lo --listen nonsense >/dev/null 2>"$TMPD/e1"
	rc=$?
	[ $rc = 2 ] && grep -q "expected ADDRESS:PORT" "$TMPD/e1" ||
		fail "--listen nonsense: status $rc: $(cat "$TMPD/e1")" || return
	timeout 5 "$WL" -i lo --tls-cert /etc/hostname >/dev/null 2>"$TMPD/e2"
	rc=$?
	[ $rc = 2 ] && grep -q "needs both" "$TMPD/e2" || fail "cert without key: $rc" || return
	timeout 5 "$WL" -i lo --no-web --listen 127.0.0.1:9 >/dev/null 2>"$TMPD/e3"
	rc=$?
	[ $rc = 2 ] && grep -q "no-web" "$TMPD/e3" || fail "--no-web with --listen: $rc" || return
	timeout 5 "$WL" -i lo --allow-host 'a b' >/dev/null 2>"$TMPD/e4"
	[ $? = 2 ] || fail "--allow-host 'a b' accepted" || return
}

# A missing token file and a port already taken stop the daemon with one line, detached.
test_bad_web_runtime() {
	local rc
	need_net || return
	net_up || fail "cannot create namespaces" || return
	timeout 20 "${IN_A[@]}" "$WL" -i "$VA" --pin-path "$PIN_BASE-r1" \
		--auth-token-file "$TMPD/missing" -d 1 >/dev/null 2>"$TMPD/e1"
	rc=$?
	[ $rc = 1 ] && grep -q "cannot read the token file" "$TMPD/e1" ||
		fail "missing token file: status $rc: $(cat "$TMPD/e1")" || return
	"${IN_A[@]}" python3 -c 'import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8080)); s.listen(); time.sleep(20)' &
	echo $! >>"$TMPD/pids"
	sleep 0.5
	timeout 20 "${IN_A[@]}" "$WL" -i "$VA" --pin-path "$PIN_BASE-r2" -d 1 >/dev/null \
		2>"$TMPD/e2"
	rc=$?
	[ $rc = 1 ] && grep -q "cannot listen on 127.0.0.1:8080: Address already in use" \
		"$TMPD/e2" || fail "port in use: status $rc: $(cat "$TMPD/e2")" || return
	[ "$(tc_filters | grep -c 'handle 0x574c')" = 0 ] || fail "TC filter left" || return
	ip -n "$NSA" link show "$VA" | grep -q xdp && fail "XDP left attached" && return
	net_down
}
