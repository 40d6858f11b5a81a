# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# End-to-end tests of the kernel datapath: the same bulk TCP traffic counted at once through XDP
# and through TC (GSO/GRO aggregates count as the frames they stand for), counters that belong
# to one run and one interface, many interfaces sharing one set of maps, the attach choice and
# its message, and TCX links that vanish with the daemon. Sourced by run.sh.

# start_daemon_as VAR NAME ARGS...: daemon_start, keeping its pid in VAR (several at once).
start_daemon_as() {
	local var=$1
	shift
	daemon_start "$@" || return 1
	printf -v "$var" '%s' "$DPID"
}

# stop_pid PID: TERM, and wait (at most 20 s).
stop_pid() {
	local i
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 200); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1" 2>/dev/null
}

# The same bulk TCP transfers (both ways) across one veth, counted at the same time by a daemon
# with XDP ingress and one with TC ingress (two pin paths): equal packets and bytes, although
# the TC hook sees GRO aggregates (XDP on a veth turns GRO on) where XDP sees each frame.
test_two_hooks_equal() {
	local xp tp x t
	need_net || return
	command -v iperf3 >/dev/null || skip "iperf3 missing" || return
	net_up addr || fail "cannot create namespaces" || return
	start_daemon_as xp x --ingress xdp --pin-path "$PIN_BASE-hx" --json --no-web \
		'tcp port 5201' || fail "XDP daemon did not start: $(cat "$TMPD/x.err")" || return
	start_daemon_as tp t --ingress tc --pin-path "$PIN_BASE-ht" --json --no-web \
		'tcp port 5201' || fail "TC daemon did not start: $(cat "$TMPD/t.err")" || return
	grep -q "ingress XDP (native)" "$TMPD/x.err" && grep -q "ingress TC (TCX)" "$TMPD/t.err" ||
		fail "hooks: $(cat "$TMPD/x.err" "$TMPD/t.err")" || return
	ip netns exec "$NSA" timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	sleep 0.5
	ip netns exec "$NSB" timeout 30 iperf3 -c 198.18.0.1 -n 40M >"$TMPD/iperf.log" 2>&1 ||
		fail "iperf3 failed: $(tail -3 "$TMPD/iperf.log")" || return
	ip netns exec "$NSA" timeout 60 iperf3 -s -1 >/dev/null 2>&1 &
	sleep 0.5
	ip netns exec "$NSB" timeout 30 iperf3 -c 198.18.0.1 -n 40M -R >"$TMPD/iperf.log" 2>&1 ||
		fail "iperf3 -R failed: $(tail -3 "$TMPD/iperf.log")" || return
	sleep 1
	stop_pid "$xp"
	stop_pid "$tp"
	x=$(jq -c '{in: .directions.in.totals, out: .directions.out.totals}' "$TMPD/x.json")
	t=$(jq -c '{in: .directions.in.totals, out: .directions.out.totals}' "$TMPD/t.json")
	jq_eq "$x" "$t" || fail "XDP counted $x, TC counted $t" || return
	[ "$(jq .in.packets <<<"$x")" -gt 20000 ] || fail "too little traffic: $x" || return
	echo "# XDP and TC ingress, 2 x 40 MB of TCP: both $x"
	net_down
}

# The counters a run reports are its own: one-shot runs (--json, -d) and a run from a terminal
# start from zero whatever was pinned; a daemon restarted on the same interface continues, on
# another interface it does not (one line each time).
test_counters_per_run() {
	local pin=$PIN_BASE-cr n
	need_net || return
	"$MKPCAP" -n 30 bulk "$TMPD/a.pcap" && "$MKPCAP" -n 20 -s 2 bulk "$TMPD/b.pcap" &&
		"$MKPCAP" -n 7 -s 3 bulk "$TMPD/c.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	link_c_up || fail "cannot create the second pair" || return
	# Two one-shot runs on one pin path: 30, then 20 (not 50).
	for r in 1 2; do
		daemon_start o$r --pin-path "$pin" --json --no-web ||
			fail "run $r did not start: $(cat "$TMPD/o$r.err")" || return
		replay B "$TMPD/$([ $r = 1 ] && echo a || echo b).pcap" --topspeed
		sleep 1
		daemon_stop
	done
	[ "$(jq .directions.in.totals.packets "$TMPD/o1.json")" = 30 ] &&
		[ "$(jq .directions.in.totals.packets "$TMPD/o2.json")" = 20 ] &&
		[ "$(jq .source.counters_continued "$TMPD/o2.json")" = false ] ||
		fail "one-shot runs: $(jq -c .directions.in.totals "$TMPD/o1.json" "$TMPD/o2.json")" || return
	! grep -q continuing "$TMPD/o2.err" || fail "a one-shot run continued: $(cat "$TMPD/o2.err")" || return
	# A daemon counts 30; -d 3 after it reports its own 7.
	daemon_start d1 --pin-path "$pin" --listen 127.0.0.1:8080 ||
		fail "daemon did not start: $(cat "$TMPD/d1.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	sleep 1
	[ "$(api_in_packets)" = 30 ] || fail "daemon counted $(api_in_packets) of 30" || return
	daemon_stop
	"${IN_A[@]}" "$WL" -i "$VA" --pin-path "$pin" -d 3 --json --no-web >"$TMPD/d.json" \
		2>"$TMPD/d.err" &
	DPID=$!
	sleep 1.5
	replay B "$TMPD/c.pcap" --topspeed
	wait "$DPID"
	[ "$(jq .directions.in.totals.packets "$TMPD/d.json")" = 7 ] ||
		fail "-d run reported $(jq .directions.in.totals.packets "$TMPD/d.json") of its 7" || return
	# A run on a terminal (a pty) with the daemon's options: its own frames only.
	daemon_start d2 --pin-path "$pin" --listen 127.0.0.1:8080 ||
		fail "daemon did not start: $(cat "$TMPD/d2.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	sleep 1
	daemon_stop
	"${IN_A[@]}" python3 - "$WL" "$VA" "$pin" "$TMPD/tty.pid" >"$TMPD/tty.out" 2>&1 <<-'EOF' &
		import os, pty, sys, time
		wl, iface, pin, pidfile = sys.argv[1:]
		pid, fd = pty.fork()
		if pid == 0:
		    os.execv(wl, [wl, "-i", iface, "--pin-path", pin, "--listen", "127.0.0.1:8080"])
		open(pidfile, "w").write(str(pid))
		end = time.time() + 30
		while time.time() < end:
		    try:
		        if not os.read(fd, 4096):
		            break
		    except OSError:
		        break
		os.waitpid(pid, 0)
	EOF
	echo $! >>"$TMPD/pids"
	for _ in $(seq 50); do [ -s "$TMPD/tty.pid" ] && break; sleep 0.1; done
	sleep 1.5
	replay B "$TMPD/c.pcap" --topspeed
	sleep 1
	n=$(api_in_packets)
	kill -INT "$(cat "$TMPD/tty.pid")" 2>/dev/null
	sleep 1
	[ "$n" = 7 ] || fail "the run on a terminal reported $n, not its own 7" || return
	# The same pin path on another interface: started from zero, with one line saying why.
	"${IN_A[@]}" "$WL" -i "$VC" --pin-path "$pin" --listen 127.0.0.1:8080 >/dev/null \
		2>"$TMPD/d3.err" &
	DPID=$!
	echo "$DPID" >>"$TMPD/pids"
	wait_log_file "$TMPD/d3.err" "counting on" || fail "no start: $(cat "$TMPD/d3.err")" || return
	replay_c "$TMPD/c.pcap" --topspeed
	sleep 1
	n=$(api_in_packets)
	daemon_stop
	[ "$n" = 7 ] || fail "another interface on the same pins reported $n, not 7" || return
	[ "$(grep -c "are of '$VA' (index [0-9]*), not of '$VC'" "$TMPD/d3.err")" = 1 ] ||
		fail "no line about the other interface's counters: $(cat "$TMPD/d3.err")" || return
	links_down
}

# wait_log_file FILE PATTERN: FILE has a line matching PATTERN (at most 10 s).
wait_log_file() {
	local i
	for i in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Map memory (bpftool's bytes_memlock) of every wirelens map loaded now, in bytes.
wl_map_memory() {
	bpftool -j map show | jq '[.[] | select(.name | test("^wl_|^wirelens")) | .bytes_memlock |
		tonumber] | add // 0'
}

# -i with many veths: each counts exactly its own frames, and the maps of 20 interfaces take no
# more than 1.2 times the memory of one (one flow table and ring buffers shared by all).
test_many_veths() {
	local n=20 i list="" one many got
	need_net || return
	net_up || fail "cannot create namespaces" || return
	for i in $(seq "$n"); do
		ip link add "${RUN}v$i" netns "$NSA" type veth peer name "${RUN}p$i" netns "$NSB" ||
			fail "cannot create veth $i" || return
		# (IPv6 off: the stacks send nothing of their own.)
		ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.${RUN}v$i.disable_ipv6=1"
		ip netns exec "$NSB" sysctl -qw "net.ipv6.conf.${RUN}p$i.disable_ipv6=1"
		ip -n "$NSA" link set "${RUN}v$i" up && ip -n "$NSB" link set "${RUN}p$i" up || return 1
		list="$list,${RUN}v$i"
	done
	for i in $(seq "$n"); do link_ready "$NSB" "${RUN}p$i" || return 1; done
	"$MKPCAP" -n "$n" bulk "$TMPD/m.pcap" || return 1
	# One interface alone, for the memory it takes.
	daemon_start one --pin-path "$PIN_BASE-v1" --no-web || fail "$(cat "$TMPD/one.err")" || return
	one=$(wl_map_memory)
	daemon_stop
	"${IN_A[@]}" "$WL" -i "${list#,}" --pin-path "$PIN_BASE-vn" --json --no-web \
		>"$TMPD/many.json" 2>"$TMPD/many.err" &
	DPID=$!
	echo "$DPID" >>"$TMPD/pids"
	for _ in $(seq 300); do
		[ "$(grep -c "counting on" "$TMPD/many.err")" = "$n" ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	[ "$(grep -c "counting on" "$TMPD/many.err")" = "$n" ] ||
		fail "not counting on $n interfaces: $(tail -3 "$TMPD/many.err")" || return
	many=$(wl_map_memory)
	# Veth i gets i frames.
	for i in $(seq "$n"); do
		ip netns exec "$NSB" tcpreplay -q -i "${RUN}p$i" --topspeed --limit="$i" "$TMPD/m.pcap" \
			>/dev/null 2>&1 || fail "tcpreplay on veth $i failed" || return
	done
	sleep 1.5
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC: $(tail -3 "$TMPD/many.err")" || return
	for i in $(seq "$n"); do
		got=$(jq --arg v "${RUN}v$i" '.interfaces[] | select(.name == $v) | .directions.in.packets' \
			"$TMPD/many.json")
		[ "$got" = "$i" ] || fail "veth $i counted $got of $i" || return
	done
	[ "$(jq .directions.in.totals.packets "$TMPD/many.json")" = $((n * (n + 1) / 2)) ] ||
		fail "sum $(jq .directions.in.totals.packets "$TMPD/many.json")" || return
	[ "$one" -gt 0 ] && [ $((many * 10)) -le $((one * 12)) ] ||
		fail "map memory: $many bytes for $n interfaces, $one for one" || return
	echo "# $n veths: map memory $((many / 1024)) KiB, one interface $((one / 1024)) KiB"
	net_down
}

# Names of the wirelens programs loaded now.
wl_progs() {
	bpftool -j prog show | jq -r '.[] | select(.name | test("^wl_(xdp|tc_)")) | .name' | sort
}

# The default on a veth: TC ingress and egress as TCX links, said in the start line; kill -9
# leaves no program behind (the links die with the process; no guard process is needed).
test_tcx_kill9_leaves_nothing() {
	local i
	need_net || return
	net_up || fail "cannot create namespaces" || return
	daemon_start d --pin-path "$PIN_BASE-tk" --no-web || fail "$(cat "$TMPD/d.err")" || return
	grep -q "counting on '$VA': ingress TC (TCX), a virtual device (veth), where native XDP would cost throughput; egress TC (TCX)" "$TMPD/d.err" ||
		fail "start line: $(cat "$TMPD/d.err")" || return
	[ "$(wl_progs | tr '\n' ' ')" = "wl_tc_egress wl_tc_ingress " ] ||
		fail "programs while running: $(wl_progs | tr '\n' ' ')" || return
	[ -z "$(pgrep -P "$DPID" -x wirelens-guard)" ] || fail "a guard process for TCX links" || return
	[ -z "$(xdp_attached)" ] && ! clsact_present || fail "XDP or clsact used on a veth" || return
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	for i in $(seq 20); do
		[ -z "$(wl_progs)" ] && break
		sleep 0.1
	done
	[ -z "$(wl_progs)" ] || fail "left after kill -9: $(wl_progs | tr '\n' ' ')" || return
	net_down
}

# --ingress and --tc-attach: bad values and bad combinations get one line and status 2.
test_bad_ingress() { expect_error 2 "invalid value 'dpdk' for --ingress" --ingress dpdk; }
test_bad_tc_attach() { expect_error 2 "invalid value 'qdisc' for --tc-attach" --tc-attach qdisc; }
test_bad_ingress_tc_with_xdp_mode() {
	expect_error 2 "--xdp-mode native needs the XDP ingress hook, not --ingress tc" \
		--ingress tc --xdp-mode native -r x
}
test_bad_ingress_with_pcap() {
	expect_error 2 "--ingress and --tc-attach apply to the XDP/TC backend" --backend pcap \
		--ingress xdp -r x
}
