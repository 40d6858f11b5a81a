# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# End-to-end tests of several interfaces and of interfaces that change under the daemon:
# -i a -i b and -i any with per-interface and combined counts (snapshot, /metrics), an
# interface deleted and recreated (reported, the daemon keeps running and counts again), down
# and up, renamed, and the privileges the daemon keeps. Sourced by run.sh.

# A third namespace C with veth c (in A) <-> d (in C): the daemon's second interface.
NSC=${RUN}C
VC=${RUN}c
VD=${RUN}d

# link_c_up: the second pair, up and ready, IPv6 off (the stacks send nothing of their own).
link_c_up() {
	ip netns add "$NSC" 2>/dev/null
	ip link add "$VC" netns "$NSA" type veth peer name "$VD" netns "$NSC" || return 1
	ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.$VC.disable_ipv6=1"
	ip netns exec "$NSC" sysctl -qw "net.ipv6.conf.$VD.disable_ipv6=1"
	ip -n "$NSA" link set "$VC" up || return 1
	ip -n "$NSC" link set "$VD" up || return 1
	link_ready "$NSA" "$VC" && link_ready "$NSC" "$VD"
}

links_down() {
	ip netns del "$NSC" 2>/dev/null
	net_down
}

# replay_c FILE ARGS: C sends to the daemon's second interface.
replay_c() {
	local file=$1
	shift
	ip netns exec "$NSC" tcpreplay -q -i "$VD" "$@" "$file" >"$TMPD/replay.log" 2>&1
}

# wait_log PATTERN [TENTHS]: the daemon logged a line matching PATTERN (default 8 s).
wait_log() {
	local i
	for i in $(seq "${2:-80}"); do
		grep -qE "$1" "$TMPD/d.err" && return 0
		sleep 0.1
	done
	return 1
}

# iface_counts FILE NAME: "in out" frames of one interface in a snapshot.
iface_counts() {
	jq -r --arg n "$2" '.interfaces[] | select(.name == $n) |
		"\(.directions.in.packets) \(.directions.out.packets)"' "$1"
}

# multi BACKEND: -i a -i c: 100 frames on one, 70 on the other; each interface has its own,
# the capture has the sum, /metrics has both; XDP keeps each interface's maps in its own
# directory below the pin path.
multi() {
	local backend=$1 pin=$PIN_BASE-m$1 m
	need_net || return
	"$MKPCAP" -n 100 bulk "$TMPD/a.pcap" || return 1
	"$MKPCAP" -n 70 -s 5 bulk "$TMPD/c.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	link_c_up || fail "cannot create the second pair" || return
	daemon_start d -i "$VC" $(hook_args "$backend") --pin-path "$pin" --json --listen 127.0.0.1:8080 ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	[ "$(grep -c "counting on" "$TMPD/d.err")" = 2 ] || wait_log "counting on '$VC'" ||
		fail "not counting on both: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/a.pcap" --topspeed || fail "tcpreplay failed" || return
	replay_c "$TMPD/c.pcap" --topspeed || fail "tcpreplay failed" || return
	sleep 1.5
	m=$("${IN_A[@]}" curl -sf http://127.0.0.1:8080/metrics) || fail "no /metrics" || return
	grep -qx "wirelens_interface_packets_total{interface=\"$VA\",direction=\"in\"} 100" <<<"$m" &&
		grep -qx "wirelens_interface_packets_total{interface=\"$VC\",direction=\"in\"} 70" <<<"$m" &&
		grep -qx "wirelens_interface_up{interface=\"$VC\"} 1" <<<"$m" &&
		grep -qx "wirelens_packets_total{interface=\"$VA,$VC\",direction=\"in\"} 170" <<<"$m" ||
		fail "metrics: $(grep -E 'wirelens_(interface_packets|packets)_total|interface_up' <<<"$m" | tr '\n' ' ')" ||
		return
	if [ "$backend" = xdp ]; then
		[ -e "$pin/$VA/wl_stats" ] && [ -e "$pin/$VC/wl_stats" ] ||
			fail "maps not pinned per interface: $(ls -R "$pin" | tr '\n' ' ')" || return
	fi
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC: $(cat "$TMPD/d.err")" || return
	[ "$(iface_counts "$TMPD/d.json" "$VA")" = "100 0" ] &&
		[ "$(iface_counts "$TMPD/d.json" "$VC")" = "70 0" ] &&
		[ "$(jq '.directions.in.totals.packets' "$TMPD/d.json")" = 170 ] ||
		fail "per interface: $(jq -c '[.interfaces[] | {name, directions}]' "$TMPD/d.json"), all: $(jq -c .directions.in.totals "$TMPD/d.json")" ||
		return
	[ "$(jq -r .source.interface "$TMPD/d.json")" = "$VA,$VC" ] ||
		fail "source.interface: $(jq -r .source.interface "$TMPD/d.json")" || return
	echo "# $backend: $VA 100, $VC 70, combined $(jq '.directions.in.totals.packets' "$TMPD/d.json")"
	links_down
}
test_multi_iface_xdp() { multi xdp; }
test_multi_iface_pcap() { multi pcap; }

# -i any: every interface that is up except loopback, and one added while running.
test_any_iface() {
	local n
	need_net || return
	"$MKPCAP" -n 40 bulk "$TMPD/a.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	"${IN_A[@]}" "$WL" -i any --backend xdp --pin-path "$PIN_BASE-any" --json --no-web \
		>"$TMPD/d.json" 2>"$TMPD/d.err" &
	DPID=$!
	echo "$DPID" >>"$TMPD/pids"
	wait_log "counting on '$VA'" || fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	grep -q "counting on 'lo'" "$TMPD/d.err" && fail "loopback counted" && return
	link_c_up || fail "cannot create the second pair" || return
	wait_log "counting on '$VC'.*a new interface" ||
		fail "new interface not picked up: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/a.pcap" --topspeed || fail "tcpreplay failed" || return
	replay_c "$TMPD/a.pcap" --topspeed || fail "tcpreplay failed" || return
	sleep 1.5
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC: $(cat "$TMPD/d.err")" || return
	n=$(jq '.interfaces | length' "$TMPD/d.json")
	[ "$(iface_counts "$TMPD/d.json" "$VA")" = "40 0" ] &&
		[ "$(iface_counts "$TMPD/d.json" "$VC")" = "40 0" ] && [ "$n" = 2 ] &&
		[ "$(jq '.directions.in.totals.packets' "$TMPD/d.json")" = 80 ] ||
		fail "any: $(jq -c '[.interfaces[] | {name, state, directions}]' "$TMPD/d.json")" || return
	links_down
}

# recreated BACKEND: the interface is deleted under the daemon and created again: one line
# each way, the daemon keeps running and serving, the counts before stay, and it counts again.
recreated() {
	local backend=$1 s
	need_net || return
	"$MKPCAP" -n 100 bulk "$TMPD/a.pcap" || return 1
	"$MKPCAP" -n 50 -s 7 bulk "$TMPD/b.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d $(hook_args "$backend") --pin-path "$PIN_BASE-re$backend" --json \
		--listen 127.0.0.1:8080 || fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/a.pcap" --topspeed || fail "tcpreplay failed" || return
	sleep 1.2
	ip -n "$NSA" link del "$VA" || fail "cannot delete the veth" || return
	wait_log "interface '$VA' went away.*counting resumes" ||
		fail "no line about the deletion: $(cat "$TMPD/d.err")" || return
	kill -0 "$DPID" 2>/dev/null || fail "daemon stopped: $(cat "$TMPD/d.err")" || return
	# (The API shows the state of its last second.)
	for _ in $(seq 30); do
		s=$("${IN_A[@]}" curl -sf http://127.0.0.1:8080/api/v1/stats) ||
			fail "API not answering while the interface is gone" || return
		[ "$(jq -r '.interfaces[0].state' <<<"$s")" = gone ] && break
		sleep 0.1
	done
	[ "$(jq -r '.interfaces[0].state' <<<"$s")" = gone ] &&
		[ "$(jq '.directions.in.totals.packets' <<<"$s")" = 100 ] ||
		fail "while gone: $(jq -c '{interfaces, in: .directions.in.totals}' <<<"$s")" || return
	ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" ||
		fail "cannot recreate the veth" || return
	ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1"
	ip netns exec "$NSB" sysctl -qw "net.ipv6.conf.$VB.disable_ipv6=1"
	ip -n "$NSA" link set "$VA" up && ip -n "$NSB" link set "$VB" up &&
		link_ready "$NSA" "$VA" && link_ready "$NSB" "$VB" || fail "veth not up" || return
	wait_log "interface '$VA' is back.*counting again" ||
		fail "not attached again: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/b.pcap" --topspeed || fail "tcpreplay failed" || return
	sleep 1.5
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC: $(cat "$TMPD/d.err")" || return
	[ "$(jq '.directions.in.totals.packets' "$TMPD/d.json")" = 150 ] &&
		[ "$(jq '.interfaces[0].attaches' "$TMPD/d.json")" = 2 ] &&
		[ "$(jq -r '.interfaces[0].state' "$TMPD/d.json")" = up ] ||
		fail "after the return: $(jq -c '{interfaces, in: .directions.in.totals}' "$TMPD/d.json")" ||
		return
	net_down
}
test_iface_recreated_xdp() { recreated xdp; }
test_iface_recreated_pcap() { recreated pcap; }

# Down, up and renamed while attached: a line each, the state in the snapshot, still counting
# under the new name. libpcap's capture ends when the interface goes down: it is opened again
# when it is up, and the interface is never said to have gone away.
down_rename() {
	local backend=$1 s
	need_net || return
	"$MKPCAP" -n 30 bulk "$TMPD/a.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d $(hook_args "$backend") --pin-path "$PIN_BASE-dr" --json --listen 127.0.0.1:8080 ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	ip -n "$NSA" link set "$VA" down
	wait_log "interface '$VA' is down" || fail "no line about down: $(cat "$TMPD/d.err")" || return
	for _ in $(seq 30); do
		s=$("${IN_A[@]}" curl -sf http://127.0.0.1:8080/api/v1/stats) || fail "no API" || return
		[ "$(jq -r '.interfaces[0].state' <<<"$s")" = down ] && break
		sleep 0.1
	done
	[ "$(jq -r '.interfaces[0].state' <<<"$s")" = down ] ||
		fail "state while down: $(jq -c .interfaces <<<"$s")" || return
	ip -n "$NSA" link set "$VA" name "${VA}x" || fail "cannot rename" || return
	ip -n "$NSA" link set "${VA}x" up
	wait_log "interface '$VA' \(index [0-9]+\) is now called '${VA}x'" ||
		fail "no line about the rename: $(cat "$TMPD/d.err")" || return
	wait_log "interface '${VA}x' is up again" || fail "no line about up: $(cat "$TMPD/d.err")" || return
	link_ready "$NSA" "${VA}x" && link_ready "$NSB" "$VB" || fail "veth not up" || return
	replay B "$TMPD/a.pcap" --topspeed || fail "tcpreplay failed" || return
	sleep 1.5
	daemon_stop
	[ "$(iface_counts "$TMPD/d.json" "${VA}x")" = "30 0" ] ||
		fail "after the rename: $(jq -c .interfaces "$TMPD/d.json")" || return
	! grep -q "went away" "$TMPD/d.err" || fail "said it went away: $(cat "$TMPD/d.err")" || return
	[ "$(grep -c "is down" "$TMPD/d.err")" = 1 ] ||
		fail "not one line about down: $(cat "$TMPD/d.err")" || return
	net_down
}
test_iface_down_rename_xdp() { down_rename xdp; }
test_iface_down_rename_pcap() { down_rename pcap; }

# bad interface lists: one clear line each, exit status 2 (usage) or 1 (no such interface).
test_bad_iface_lists() {
	local rc
	timeout 10 "$WL" -i any,lo -d 1 >/dev/null 2>"$TMPD/e1"
	rc=$?
	[ "$rc" = 2 ] && grep -q "'any' already means every interface" "$TMPD/e1" ||
		fail "any,lo: status $rc: $(cat "$TMPD/e1")" || return
	timeout 10 "$WL" -i lo -i lo -d 1 >/dev/null 2>"$TMPD/e2"
	rc=$?
	[ "$rc" = 2 ] && grep -q "named twice" "$TMPD/e2" || fail "lo twice: status $rc: $(cat "$TMPD/e2")" || return
	timeout 10 "$WL" -i lo, -d 1 >/dev/null 2>"$TMPD/e3"
	rc=$?
	[ "$rc" = 2 ] && grep -q "separated by commas" "$TMPD/e3" || fail "lo,: status $rc: $(cat "$TMPD/e3")" || return
	timeout 10 "$WL" -i lo -i "${RUN}nosuch" --backend pcap -d 1 >/dev/null 2>"$TMPD/e4"
	rc=$?
	[ "$rc" = 1 ] && [ "$(grep -c . "$TMPD/e4")" = 1 ] && grep -q "${RUN}nosuch" "$TMPD/e4" ||
		fail "missing interface: status $rc: $(cat "$TMPD/e4")" || return
}

# Once attached, the daemon keeps only what attaching again takes: CAP_BPF, CAP_PERFMON,
# CAP_NET_ADMIN and CAP_NET_RAW (bits 39, 38, 12, 13), in its effective, permitted and bounding
# sets (its web server threads too), with no_new_privs; and still attaches again
# (test_iface_recreated_xdp) and starts captures through the API (test_web_control).
test_privileges_dropped() {
	local want=000000c000003000 t
	need_net || return
	net_up || fail "cannot create namespaces" || return
	# (clsact: the guard process, whose privileges are checked below, exists only then.)
	daemon_start d --backend xdp --tc-attach clsact --pin-path "$PIN_BASE-pv" --json \
		--listen 127.0.0.1:8080 ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	wait_log "dashboard on" || fail "no web server: $(cat "$TMPD/d.err")" || return
	grep -q "dropped privileges: keeping cap_bpf,cap_perfmon,cap_net_admin,cap_net_raw" \
		"$TMPD/d.err" || fail "no line about privileges: $(cat "$TMPD/d.err")" || return
	for t in /proc/"$DPID"/task/*; do
		[ "$(awk '/^CapEff/ {print $2}' "$t/status")" = $want ] &&
			[ "$(awk '/^CapPrm/ {print $2}' "$t/status")" = $want ] &&
			[ "$(awk '/^CapBnd/ {print $2}' "$t/status")" = $want ] &&
			[ "$(awk '/^NoNewPrivs/ {print $2}' "$t/status")" = 1 ] ||
			fail "thread $(basename "$t"): $(grep -E '^(Cap|NoNew)' "$t/status" | tr '\n' ' ')" ||
			return
	done
	[ "$(ls /proc/"$DPID"/task | wc -l)" -gt 1 ] || fail "no web server threads to check" || return
	# The guard that detaches the programs if the daemon is killed: the same set.
	t=$(pgrep -P "$DPID" | head -1)
	[ -n "$t" ] && [ "$(awk '/^CapEff/ {print $2}' "/proc/$t/status")" = $want ] &&
		[ "$(awk '/^CapBnd/ {print $2}' "/proc/$t/status")" = $want ] ||
		fail "guard ${t:-missing}: $(grep -E '^(Cap|NoNew)' "/proc/$t/status" 2>&1 | tr '\n' ' ')" ||
		return
	"${IN_A[@]}" curl -sf http://127.0.0.1:8080/api/v1/stats >/dev/null || fail "API not answering" || return
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC: $(cat "$TMPD/d.err")" || return
	net_down
}
