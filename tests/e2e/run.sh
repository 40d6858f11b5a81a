#!/bin/bash
# SPDX-License-Identifier: MIT
# End-to-end tests: the daemon on a veth in a network namespace, an exactly known mix sent from
# the other end, counters compared for exact equality; lifecycle (SIGTERM, kill -9, restart,
# lock, someone else's XDP program, fallback to pcap); real peers as oracles (tshark); bad
# input. Each test is a function printing nothing on success; the runner prints PASS/FAIL/SKIP.
# Usage: tests/e2e/run.sh [TEST...]
set -u

ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
cd "$ROOT" || exit 1
. tests/e2e/lib.sh
. tests/e2e/web.sh
. tests/e2e/deploy.sh
. tests/e2e/analysis.sh
. tests/e2e/reload.sh
. tests/e2e/links.sh
. tests/e2e/datapath.sh
trap cleanup_all EXIT

SKIP_RC=77

fail() {
	echo "$*" >"$TMPD/reason"
	return 1
}
skip() {
	echo "$*" >"$TMPD/reason"
	return $SKIP_RC
}

need_net() {
	have_bpf || skip "needs root, BPF and network namespaces"
}

# --- counting the mix ----------------------------------------------------------------------

# The catalogue (top speed) and the bulk mix (20 kpps) from B, then stop the daemon "d",
# which must exit 0.
send_mix_and_stop() {
	replay B "$TMPD/cat.pcap" --topspeed || fail "tcpreplay failed" || return
	replay B "$TMPD/bulk.pcap" --pps=20000 || fail "tcpreplay failed" || return
	sleep 1.5
	daemon_stop
	[ "$DRC" = 0 ] || fail "daemon exit status $DRC: $(cat "$TMPD/d.err")"
}

# mix BACKEND: the catalogue (wire-safe frames) and a bulk mix sent from B; `in` must equal
# the declared counts exactly, `out` must be zero.
mix() {
	local backend=$1 exp got exclude=none
	need_net || return
	# A frame whose VLAN tag is cut short is dropped by the kernel before packet taps and TC
	# ingress (VLAN untagging comes first): XDP counts it, libpcap and TC can never see it.
	[ "$backend" != xdp ] && exclude=trunc_vlan_tag
	"$MKPCAP" --wire --exclude $exclude -e "$TMPD/cat.exp" catalog "$TMPD/cat.pcap" || return 1
	"$MKPCAP" -n 20000 -s 3 -e "$TMPD/bulk.exp" bulk "$TMPD/bulk.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d $(hook_args "$backend") --pin-path "$PIN_BASE-$backend" --json ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	send_mix_and_stop || return
	exp=$(sum_counts "$TMPD/cat.exp" "$TMPD/bulk.exp")
	got=$(dir_counts "$TMPD/d.json" in)
	jq_eq "$exp" "$got" || fail "in != sent mix: expected $exp got $got; veth: $(veth_drops)" ||
		return
	got=$(jq -c '.directions.out.totals' "$TMPD/d.json")
	jq_eq "$got" '{"packets":0,"bytes":0}' || fail "out not zero: $got" || return
	echo "# $backend: sent $(jq .totals.packets <<<"$exp") frames, counted $(jq .totals.packets <<<"$(dir_counts "$TMPD/d.json" in)")"
	net_down
}
test_mix_xdp() { mix xdp; }
test_mix_tc() { mix tc; }
test_mix_pcap() { mix pcap; }

# egress BACKEND: the mix sent out of the daemon's own interface: TC egress (or pcap out).
egress() {
	local backend=$1 exp got
	need_net || return
	"$MKPCAP" --wire -e "$TMPD/cat.exp" catalog "$TMPD/cat.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d $(hook_args "$backend") --pin-path "$PIN_BASE-e$backend" --json ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay A "$TMPD/cat.pcap" --topspeed || fail "tcpreplay failed" || return
	sleep 1.5
	daemon_stop
	exp=$(expect_counts "$TMPD/cat.exp")
	got=$(dir_counts "$TMPD/d.json" out)
	jq_eq "$exp" "$got" ||
		fail "out != sent mix: expected $exp got $got; tcpreplay: $(tr '\n' ' ' <"$TMPD/replay.log"); daemon: $(tr '\n' ' ' <"$TMPD/d.err"); $(ip -n "$NSA" -s link show "$VA" | tr '\n' ' ')" ||
		return
	net_down
}
test_egress_xdp() { egress xdp; }
test_egress_pcap() { egress pcap; }

# count BACKEND: -c 100 while 300 frames arrive: the daemon stops by itself and, like
# `tcpdump -c`, reports exactly 100 frames.
count() {
	local backend=$1 i got
	need_net || return
	"$MKPCAP" -n 300 -s 4 bulk "$TMPD/c.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d $(hook_args "$backend") --pin-path "$PIN_BASE-c$backend" --json -c 100 ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/c.pcap" --pps=1000
	for i in $(seq 50); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$DPID" 2>/dev/null && fail "still running after 100 of 300 frames" && return
	wait "$DPID"
	[ $? = 0 ] || fail "exit status is not 0: $(cat "$TMPD/d.err")" || return
	got=$(jq '.directions.in.totals.packets' "$TMPD/d.json")
	[ "$got" = 100 ] || fail "-c 100 reported $got frames" || return
	net_down
}
test_count_xdp() { count xdp; }
test_count_tc() { count tc; }
test_count_pcap() { count pcap; }

# --- lifecycle -----------------------------------------------------------------------------

test_sigterm_detaches() {
	need_net || return
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --ingress xdp --tc-attach clsact --pin-path "$PIN_BASE-t" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	[ -n "$(xdp_attached)" ] || fail "no XDP program while running" || return
	[ -n "$(tc_filters)" ] || fail "no TC filter while running" || return
	daemon_stop TERM
	[ "$DRC" = 0 ] || fail "exit status $DRC after SIGTERM" || return
	[ -z "$(xdp_attached)" ] || fail "XDP still attached after SIGTERM" || return
	[ -z "$(tc_filters)" ] || fail "TC filter left after SIGTERM" || return
	! clsact_present || fail "clsact qdisc we created left behind" || return
	net_down
}

test_sigint_keeps_foreign_qdisc() {
	need_net || return
	net_up || fail "cannot create namespaces" || return
	tc -n "$NSA" qdisc add dev "$VA" clsact || fail "cannot add clsact" || return
	daemon_start d --backend xdp --tc-attach clsact --pin-path "$PIN_BASE-q" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	daemon_stop INT
	[ -z "$(tc_filters)" ] || fail "TC filter left after SIGINT" || return
	clsact_present || fail "the clsact qdisc someone else created was removed" || return
	net_down
}

# kill -9: the XDP link dies with the process, the guard removes the TC filter and the
# clsact qdisc within 2 s, then exits.
test_kill9_leaves_nothing() {
	local i guard t0
	need_net || return
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --ingress xdp --tc-attach clsact --pin-path "$PIN_BASE-k" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	[ -n "$(tc_filters)" ] || fail "no TC filter while running" || return
	guard=$(pgrep -P "$DPID" -x wirelens-guard)
	[ -n "$guard" ] || fail "no wirelens-guard child" || return
	t0=$(date +%s%N)
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	for i in $(seq 20); do
		[ -z "$(xdp_attached)" ] && [ -z "$(tc_filters)" ] && ! clsact_present && break
		sleep 0.1
	done
	[ -z "$(xdp_attached)" ] || fail "XDP still attached 2 s after kill -9" || return
	[ -z "$(tc_filters)" ] || fail "TC filter left 2 s after kill -9" || return
	! clsact_present || fail "clsact qdisc left 2 s after kill -9" || return
	echo "# kill -9: detached after $((($(date +%s%N) - t0) / 1000000)) ms"
	sleep 0.2
	# (gone, or a zombie until init reaps it)
	case $(ps -o stat= -p "$guard") in '' | Z*) ;; *) fail "wirelens-guard still running" || return ;; esac
	net_down
}

test_restart_continues() {
	local first second
	need_net || return
	"$MKPCAP" -n 300 bulk "$TMPD/a.pcap" && "$MKPCAP" -n 200 -s 9 bulk "$TMPD/b.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	# A daemon (no -c, -d or --json, not on a terminal) read through its API.
	daemon_start r1 --backend xdp --pin-path "$PIN_BASE-r" --listen 127.0.0.1:8080 ||
		fail "daemon did not start: $(cat "$TMPD/r1.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	sleep 1
	first=$(api_in_packets)
	daemon_stop
	daemon_start r2 --backend xdp --pin-path "$PIN_BASE-r" --listen 127.0.0.1:8080 ||
		fail "second daemon did not start: $(cat "$TMPD/r2.err")" || return
	replay B "$TMPD/b.pcap" --topspeed
	sleep 1
	second=$(api_in_packets)
	[ "$("${IN_A[@]}" curl -sf http://127.0.0.1:8080/api/v1/stats | jq .source.counters_continued)" = true ] ||
		fail "counters_continued is not true" || return
	daemon_stop
	[ "$first" = 300 ] || fail "first run counted $first of 300" || return
	[ "$second" = 500 ] || fail "restarted run shows $second, expected 300 + 200" || return
	[ "$(grep -c "continuing the counters pinned in $PIN_BASE-r by an earlier run on '$VA' (index" "$TMPD/r2.err")" = 1 ] ||
		fail "not one line about continued counters: $(cat "$TMPD/r2.err")" || return
	net_down
}

test_second_daemon_refused() {
	local rc
	need_net || return
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-l" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	timeout 20 "${IN_A[@]}" "$WL" -i "$VA" --backend xdp --pin-path "$PIN_BASE-l" \
		-d 1 >/dev/null 2>"$TMPD/second.err"
	rc=$?
	[ "$rc" = 1 ] || fail "second daemon exit status $rc, expected 1" || return
	grep -q "another wirelens" "$TMPD/second.err" ||
		fail "unclear message: $(cat "$TMPD/second.err")" || return
	[ "$(wc -l <"$TMPD/second.err")" = 1 ] || fail "more than one line: $(cat "$TMPD/second.err")" || return
	daemon_stop
	net_down
}

# A daemon restarted right after kill -9 (as systemd would) starts, and continues the counters.
test_restart_after_kill9() {
	need_net || return
	"$MKPCAP" -n 200 -s 8 bulk "$TMPD/a.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start r1 --backend xdp --tc-attach clsact --pin-path "$PIN_BASE-rk" ||
		fail "daemon did not start: $(cat "$TMPD/r1.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	sleep 0.5
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	daemon_start r2 --backend xdp --tc-attach clsact --pin-path "$PIN_BASE-rk" \
		--listen 127.0.0.1:8080 ||
		fail "restart after kill -9 failed: $(cat "$TMPD/r2.err")" || return
	[ "$(tc_filters | grep -c 'handle 0x574c')" = 1 ] || fail "not exactly one TC filter after restart: $(tc_filters)" || return
	grep -q "continuing the counters pinned in $PIN_BASE-rk" "$TMPD/r2.err" ||
		fail "no line about continued counters: $(cat "$TMPD/r2.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	sleep 1
	[ "$(api_in_packets)" = 400 ] || fail "counted $(api_in_packets), expected 200 + 200" || return
	daemon_stop
	net_down
}

# A second daemon on the same interface (own pin path) is refused; the first keeps counting.
test_same_interface_refused() {
	local rc
	need_net || return
	"$MKPCAP" -n 100 bulk "$TMPD/a.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-s1" --json ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	timeout 20 "${IN_A[@]}" "$WL" -i "$VA" --backend xdp --pin-path "$PIN_BASE-s2" -d 1 \
		>/dev/null 2>"$TMPD/second.err"
	rc=$?
	[ "$rc" = 1 ] || fail "second daemon exit status $rc, expected 1" || return
	grep -q "another wirelens is already counting on '$VA'" "$TMPD/second.err" ||
		fail "unclear message: $(cat "$TMPD/second.err")" || return
	[ "$(wc -l <"$TMPD/second.err")" = 1 ] || fail "more than one line: $(cat "$TMPD/second.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	sleep 1
	daemon_stop
	[ "$(jq '.directions.in.totals.packets' "$TMPD/d.json")" = 100 ] ||
		fail "first daemon disturbed: counted $(jq '.directions.in.totals.packets' "$TMPD/d.json") of 100" ||
		return
	net_down
}

test_foreign_xdp_refused() {
	local rc
	need_net || return
	net_up || fail "cannot create namespaces" || return
	cat >"$TMPD/pass.c" <<-'EOF'
		__attribute__((section("xdp"), used)) int foreign(void *ctx) { return 2; }
		char _license[] __attribute__((section("license"), used)) = "GPL";
	EOF
	clang -O2 -target bpf -c "$TMPD/pass.c" -o "$TMPD/pass.o" 2>/dev/null ||
		skip "cannot build a test XDP program" || return
	ip -n "$NSA" link set dev "$VA" xdpgeneric obj "$TMPD/pass.o" sec xdp ||
		fail "cannot attach the foreign program" || return
	timeout 20 "${IN_A[@]}" "$WL" -i "$VA" --backend xdp --ingress xdp --pin-path "$PIN_BASE-f" \
		-d 1 >/dev/null 2>"$TMPD/f.err"
	rc=$?
	[ "$rc" = 1 ] || fail "exit status $rc, expected 1" || return
	grep -q "already has an XDP program" "$TMPD/f.err" ||
		fail "unclear message: $(cat "$TMPD/f.err")" || return
	[ "$(xdp_attached)" = xdpgeneric ] || fail "the foreign XDP program was removed" || return
	[ -z "$(tc_filters)" ] || fail "TC filter left behind" || return
	net_down
}

test_fallback_to_pcap() {
	local exp got
	need_net || return
	command -v setpriv >/dev/null || skip "setpriv missing" || return
	"$MKPCAP" --wire --exclude trunc_vlan_tag -e "$TMPD/cat.exp" catalog "$TMPD/cat.pcap" ||
		return 1
	net_up || fail "cannot create namespaces" || return
	"${IN_A[@]}" setpriv --inh-caps=-bpf,-sys_admin,-perfmon \
		--bounding-set=-bpf,-sys_admin,-perfmon "$WL" -i "$VA" --pin-path "$PIN_BASE-p" \
		--json >"$TMPD/fb.json" 2>"$TMPD/fb.err" &
	DPID=$!
	echo "$DPID" >>"$TMPD/pids"
	for _ in $(seq 100); do
		grep -q "counting on" "$TMPD/fb.err" && break
		sleep 0.1
	done
	grep -q "using the pcap backend: loading BPF programs is not permitted" "$TMPD/fb.err" ||
		fail "no fallback message: $(cat "$TMPD/fb.err")" || return
	replay B "$TMPD/cat.pcap" --topspeed
	sleep 1.5
	daemon_stop
	[ "$(jq -r .source.backend "$TMPD/fb.json")" = pcap ] || fail "backend is not pcap" || return
	exp=$(expect_counts "$TMPD/cat.exp")
	got=$(dir_counts "$TMPD/fb.json" in)
	jq_eq "$exp" "$got" || fail "fallback counts differ: expected $exp got $got" || return
	net_down
}

test_xdp_without_privileges() {
	local rc
	need_net || return
	net_up || fail "cannot create namespaces" || return
	"${IN_A[@]}" setpriv --inh-caps=-bpf,-sys_admin,-perfmon \
		--bounding-set=-bpf,-sys_admin,-perfmon "$WL" -i "$VA" --backend xdp \
		--pin-path "$PIN_BASE-np" -d 1 >/dev/null 2>"$TMPD/np.err"
	rc=$?
	[ "$rc" = 1 ] || fail "exit status $rc, expected 1" || return
	grep -q "not permitted" "$TMPD/np.err" || fail "unclear: $(cat "$TMPD/np.err")" || return
	[ "$(wc -l <"$TMPD/np.err")" = 1 ] || fail "not one line: $(cat "$TMPD/np.err")" || return
	net_down
}

test_bpftool_named_fields() {
	local out
	need_net || return
	command -v bpftool >/dev/null || skip "bpftool missing" || return
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-b" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	out=$(bpftool map dump pinned "$PIN_BASE-b/wl_stats")
	daemon_stop
	for f in '"total"' '"l3"' '"ipv4"' '"l4"' '"tcp"' '"app"' '"dns"' '"packets"' '"bytes"'; do
		grep -q "$f" <<<"$out" || fail "bpftool dump lacks $f" || return
	done
	net_down
}

# iface_deleted BACKEND: the interface disappears under the daemon and does not come back: one
# clear line, the daemon keeps running; stopped, it prints the counts so far with status 0 and
# leaves no process behind (tests/e2e/links.sh has the return).
iface_deleted() {
	local backend=$1 i
	need_net || return
	"$MKPCAP" -n 100 bulk "$TMPD/a.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d $(hook_args "$backend") --pin-path "$PIN_BASE-gone$backend" --json ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/a.pcap" --topspeed
	sleep 0.5
	ip -n "$NSA" link del "$VA" || fail "cannot delete the veth" || return
	for i in $(seq 50); do
		grep -q "went away" "$TMPD/d.err" && break
		sleep 0.1
	done
	[ "$(grep -c "went away" "$TMPD/d.err")" = 1 ] ||
		fail "unclear message: $(cat "$TMPD/d.err")" || return
	sleep 1.5
	kill -0 "$DPID" 2>/dev/null || fail "daemon stopped when its interface went away" || return
	daemon_stop
	[ "$DRC" = 0 ] || fail "exit status $DRC" || return
	[ "$(jq '.directions.in.totals.packets' "$TMPD/d.json")" = 100 ] ||
		fail "counts so far not printed: $(head -c 300 "$TMPD/d.json")" || return
	! pgrep -f -- "--pin-path $PIN_BASE-gone$backend" >/dev/null || fail "a process was left behind" || return
	net_down
}
test_iface_deleted_xdp() { iface_deleted xdp; }
test_iface_deleted_pcap() { iface_deleted pcap; }

# --- differential and top speed ------------------------------------------------------------

# differential HOOK: the same file through -r and replayed onto the veth (TC ingress cannot see
# a frame whose VLAN tag is cut short: the kernel drops it before).
differential() {
	local a b hook=$1 exclude=none
	need_net || return
	[ "$hook" = tc ] && exclude=trunc_vlan_tag
	"$MKPCAP" --wire --exclude $exclude catalog "$TMPD/cat.pcap" &&
		"$MKPCAP" -n 5000 -s 5 bulk "$TMPD/b.pcap" || return 1
	command -v mergecap >/dev/null || skip "mergecap missing" || return
	mergecap -F pcap -a -w "$TMPD/d.pcap" "$TMPD/cat.pcap" "$TMPD/b.pcap" ||
		fail "mergecap failed" || return
	"$WL" -r "$TMPD/d.pcap" --json >"$TMPD/file.json" || fail "-r failed" || return
	net_up || fail "cannot create namespaces" || return
	daemon_start d $(hook_args "$hook") --pin-path "$PIN_BASE-d" --json ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/d.pcap" --pps=20000
	sleep 1.5
	daemon_stop
	a=$(jq -c '{totals, l3: .protocols.l3, l4: .protocols.l4, app: .protocols.app}' "$TMPD/file.json")
	b=$(jq -c '.directions.in | {totals, l3, l4, app}' "$TMPD/d.json")
	jq_eq "$a" "$b" || fail "file $a != $hook $b; veth: $(veth_drops)" || return
	net_down
}
test_differential_file_vs_xdp() { differential xdp; }
test_differential_file_vs_tc() { differential tc; }

test_topspeed_million() {
	local got pc lost
	need_net || return
	"$MKPCAP" -n 100000 -s 11 bulk "$TMPD/t.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-s" --json ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	local tx0 tx1 sent
	tx0=$(ip -n "$NSB" -s -j link show dev "$VB" | jq '.[0].stats64.tx.packets')
	replay B "$TMPD/t.pcap" --topspeed --loop=10 || fail "tcpreplay failed" || return
	sleep 1.5
	daemon_stop
	got=$(jq '.directions.in.totals.packets' "$TMPD/d.json")
	# With XDP on the peer, the sender's tx packets are the frames the peer's XDP hook
	# received (veth_get_stats64); what the peer's ring could not take is in tx dropped, and
	# what tcpreplay could not hand to a busy machine is in neither. Every frame that reached
	# XDP must be counted.
	tx1=$(ip -n "$NSB" -s -j link show dev "$VB" | jq '.[0].stats64.tx.packets')
	sent=$((tx1 - tx0))
	lost=$(ip -n "$NSB" -s -j link show dev "$VB" | jq '.[0].stats64.tx.dropped')
	[ "$sent" -ge 500000 ] ||
		fail "only $sent of 1000000 frames reached the hook ($lost dropped by the veth)" ||
		return
	[ "$got" = "$sent" ] ||
		fail "XDP counted $got of $sent frames that reached the hook, $lost dropped by the veth" ||
		return
	daemon_start p --backend pcap --json ||
		fail "pcap daemon did not start: $(cat "$TMPD/p.err")" || return
	replay B "$TMPD/t.pcap" --topspeed --loop=10
	sleep 2
	daemon_stop
	pc=$(jq '.directions.in.totals.packets' "$TMPD/p.json")
	echo "# top speed: 1000000 frames replayed, $sent reached the hook; XDP counted $got (veth dropped $lost before the hook); pcap counted $pc (kernel drops $(jq .drops.pcap_kernel "$TMPD/p.json"))"
	net_down
}

# --- real traffic against tshark -------------------------------------------------------------

# tshark's dissection of FILE, classified the way DESIGN.md counts (tests/e2e/tshark_classify.py):
# aggregate counts, or with --frames one line per frame.
tshark_fields() {
	tshark -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields -E separator=/t \
		-e frame.len -e eth.type -e vlan.etype -e ip.proto -e ipv6.nxt -e ipv6.hopopts.nxt \
		-e ipv6.routing.nxt -e ipv6.fraghdr.nxt -e ipv6.dstopts.nxt -e _ws.malformed -e _ws.expert.message \
		2>/dev/null
}
tshark_counts() { # FILE [--frames]
	tshark_fields "$1" | python3 tests/e2e/tshark_classify.py ${2:+"$2"}
}

test_tshark_real_traffic() {
	local a b
	need_net || return
	command -v tshark >/dev/null || skip "tshark missing" || return
	net_up addr || fail "cannot create namespaces" || return
	ip netns exec "$NSB" tcpdump -i "$VB" -w "$TMPD/real.pcap" -U -s 0 2>/dev/null &
	echo $! >>"$TMPD/pids"
	local tpid=$!
	sleep 1
	(cd "$TMPD" && head -c 300000 /dev/urandom >blob && exec ip netns exec "$NSA" \
		timeout 20 python3 -m http.server 18080 --bind :: >/dev/null 2>&1) &
	echo $! >>"$TMPD/pids"
	sleep 1
	ip netns exec "$NSB" timeout 20 python3 - <<-'EOF'
		import socket, urllib.request
		for host in ("198.18.0.1", "[2001:2::1]"):
		    for _ in range(3):
		        urllib.request.urlopen(f"http://{host}:18080/blob", timeout=5).read()
		for fam, dst in ((socket.AF_INET, "198.18.0.1"), (socket.AF_INET6, "2001:2::1")):
		    s = socket.socket(fam, socket.SOCK_DGRAM)
		    for size in (10, 500, 1400, 4000):   # 4000 bytes: IP fragments
		        s.sendto(b"u" * size, (dst, 9999))
		    s.sendto(b"\x00" * 48, (dst, 123))
		    s.sendto(b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\x07example\x03com\x00\x00\x01\x00\x01", (dst, 53))
	EOF
	if command -v ping >/dev/null; then
		ip netns exec "$NSB" ping -c 3 -i 0.2 -q 198.18.0.1 >/dev/null 2>&1
		ip netns exec "$NSB" ping -c 2 -i 0.2 -s 3000 -q 198.18.0.1 >/dev/null 2>&1
		ip netns exec "$NSB" ping -6 -c 3 -i 0.2 -q 2001:2::1 >/dev/null 2>&1
		ip netns exec "$NSB" ping -6 -c 2 -i 0.2 -s 3000 -q 2001:2::1 >/dev/null 2>&1
	else
		# No iputils-ping: echo requests (small, and 3000 bytes: fragments) from raw sockets.
		ip netns exec "$NSB" timeout 10 python3 - <<-'EOF'
			import socket, struct
			def csum(b):
			    b += b"\0" * (len(b) % 2)
			    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
			    s = (s >> 16) + (s & 0xffff); s += s >> 16
			    return ~s & 0xffff
			for fam, proto, typ, dst in ((socket.AF_INET, socket.IPPROTO_ICMP, 8, "198.18.0.1"),
			                             (socket.AF_INET6, socket.IPPROTO_ICMPV6, 128, "2001:2::1")):
			    s = socket.socket(fam, socket.SOCK_RAW, proto); s.settimeout(1)
			    for seq, size in enumerate((56, 56, 3000)):
			        hdr = struct.pack("!BBHHH", typ, 0, 0, 0x77, seq)
			        data = b"p" * size
			        if fam == socket.AF_INET:   # the kernel sums ICMPv6 itself
			            hdr = struct.pack("!BBHHH", typ, 0, csum(hdr + data), 0x77, seq)
			        s.sendto(hdr + data, (dst, 0))
			        try:
			            s.recv(65535)
			        except socket.timeout:
			            pass
		EOF
	fi
	sleep 1
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	[ -s "$TMPD/real.pcap" ] || fail "no capture" || return
	a=$("$WL" -r "$TMPD/real.pcap" --json | jq -S -c '{totals, l3: .protocols.l3, l4: .protocols.l4}')
	b=$(tshark_counts "$TMPD/real.pcap")
	jq_eq "$a" "$b" || fail "wirelens $a != tshark $b" || return
	# The mix really is varied (a broken traffic generator must not make this pass trivially).
	jq -e '[.l3.ipv4, .l3.ipv6, .l3.arp, .l4.tcp, .l4.udp, .l4.icmp, .l4.icmpv6] |
		all(.packets > 0)' <<<"$a" >/dev/null || fail "traffic mix lacks a protocol: $a" || return
	echo "# real traffic: $(jq .totals.packets <<<"$a") frames, $(jq .totals.bytes <<<"$a") bytes equal tshark"
	cp "$TMPD/real.pcap" "$TMPD/keep-real.pcap"
	talkers_vs_tshark "$TMPD/real.pcap" || return
	net_down
}

# Hosts and conversations from -r against tshark's endpoints and conv tables.
talkers_vs_tshark() {
	local f=$1 ours theirs
	ours=$("$WL" -r "$f" --json --top 100000 | jq -S -c '
		[.talkers.hosts[] | {addr, tx, rx}] | sort_by(.addr)')
	# tshark's IPv6 endpoint tap skips non-first fragments (its IPv4 tap does not): add them
	# back from tshark's own dissection so that every frame with addresses counts.
	tshark -r "$f" -o ipv6.defragment:FALSE -Y "ipv6.fraghdr.offset != 0" -T fields \
		-e ipv6.src -e ipv6.dst -e frame.len >"$TMPD/v6frag" 2>/dev/null
	theirs=$(tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -q -z endpoints,ip -z endpoints,ipv6 2>/dev/null | python3 -c '
import json, sys
hosts = {}
z = lambda: {"packets": 0, "bytes": 0}
for line in sys.stdin:
    p = line.split()
    if len(p) == 7 and p[1].isdigit() and (":" in p[0] or p[0].count(".") == 3):
        hosts[p[0]] = {"addr": p[0], "tx": {"packets": int(p[3]), "bytes": int(p[4])},
                       "rx": {"packets": int(p[5]), "bytes": int(p[6])}}
for line in open(sys.argv[1]):
    src, dst, n = line.split()
    for a, d in ((src, "tx"), (dst, "rx")):
        h = hosts.setdefault(a, {"addr": a, "tx": z(), "rx": z()})
        h[d]["packets"] += 1; h[d]["bytes"] += int(n)
print(json.dumps(sorted(hosts.values(), key=lambda h: h["addr"]), sort_keys=True))' "$TMPD/v6frag")
	jq_eq "$ours" "$theirs" || fail "hosts differ from tshark endpoints: ours $ours tshark $theirs" || return
	# Conversations, each direction: tshark's conv table rounds bytes ("929 kB"), so aggregate
	# tshark's per-frame addresses instead.
	ours=$("$WL" -r "$f" --json --top 100000 | jq -S -c '
		[.talkers.pairs[] | {a, b, a_to_b, b_to_a}] | sort_by(.a, .b)')
	theirs=$(tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields \
		-E occurrence=f -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e frame.len 2>/dev/null |
		python3 -c '
import ipaddress, json, sys
pairs = {}
z = lambda: {"packets": 0, "bytes": 0}
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    src, dst = (f[0], f[1]) if f[0] else (f[2], f[3])
    if not src or not dst:
        continue
    a, b = sorted([src, dst], key=lambda x: ipaddress.ip_address(x).packed)
    c = pairs.setdefault((a, b), {"a": a, "b": b, "a_to_b": z(), "b_to_a": z()})
    d = c["a_to_b"] if src == a else c["b_to_a"]
    d["packets"] += 1; d["bytes"] += int(f[4])
print(json.dumps(sorted(pairs.values(), key=lambda x: (x["a"], x["b"])), sort_keys=True))')
	jq_eq "$ours" "$theirs" || fail "pairs differ from tshark conv: ours $ours tshark $theirs" || return
}

test_tshark_bulk() {
	local a b
	command -v tshark >/dev/null || skip "tshark missing" || return
	"$MKPCAP" -n 3000 -s 21 bulk "$TMPD/bulk.pcap" || return 1
	a=$("$WL" -r "$TMPD/bulk.pcap" --json | jq -S -c '{totals, l3: .protocols.l3, l4: .protocols.l4}')
	b=$(tshark_counts "$TMPD/bulk.pcap")
	jq_eq "$a" "$b" || fail "bulk: wirelens $a != tshark $b" || return
}

# The whole catalogue (truncated and malformed frames too), frame by frame: length and l3 must
# equal tshark's for every frame, l4 for every frame whose link and IP headers tshark can
# dissect (on a broken IP header wirelens counts the protocol number it could read, tshark
# whatever it made of the bytes).
test_tshark_catalog() {
	local i=0 f ours theirs differ=0 skipped=0 len l3 l4 badip
	command -v tshark >/dev/null && command -v editcap >/dev/null ||
		skip "tshark or editcap missing" || return
	"$MKPCAP" catalog "$TMPD/cat.pcap" || return 1
	mkdir "$TMPD/cf" && editcap -c 1 "$TMPD/cat.pcap" "$TMPD/cf/f.pcap" ||
		fail "editcap cannot split the catalogue" || return
	tshark_counts "$TMPD/cat.pcap" --frames >"$TMPD/theirs" || fail "tshark failed" || return
	for f in "$TMPD"/cf/f_*.pcap; do
		"$WL" -r "$f" --json | jq -r '[.totals.bytes,
			(.protocols.l3 | to_entries[] | select(.value.packets > 0) | .key),
			(.protocols.l4 | to_entries[] | select(.value.packets > 0) | .key)] | join(" ")'
	done >"$TMPD/ours"
	[ "$(wc -l <"$TMPD/ours")" = "$(wc -l <"$TMPD/theirs")" ] ||
		fail "frame count: wirelens $(wc -l <"$TMPD/ours"), tshark $(wc -l <"$TMPD/theirs")" ||
		return
	while read -r len l3 l4 badip <&3 && read -r ours <&4; do
		i=$((i + 1))
		if [ "$badip" = 1 ]; then
			theirs="$len $l3"
			ours=${ours% *}
			[ "$ours" = "$theirs" ] || differ=$((differ + 1))
			[ "$ours" = "$theirs" ] || echo "# frame $i: wirelens '$ours', tshark '$theirs'"
			skipped=$((skipped + 1))
		else
			theirs="$len $l3 $l4"
			[ "$ours" = "$theirs" ] || differ=$((differ + 1))
			[ "$ours" = "$theirs" ] || echo "# frame $i: wirelens '$ours', tshark '$theirs'"
		fi
	done 3<"$TMPD/theirs" 4<"$TMPD/ours"
	[ "$differ" = 0 ] || fail "$differ of $i catalogue frames classified differently" || return
	# The aggregate of the whole file, for the frames both agree on by construction.
	[ "$("$WL" -r "$TMPD/cat.pcap" --json | jq -c '[.totals.packets, .totals.bytes]')" = \
		"$(tshark_counts "$TMPD/cat.pcap" | jq -c '[.totals.packets, .totals.bytes]')" ] ||
		fail "catalogue totals differ from tshark" || return
	echo "# catalogue: $i frames equal tshark (l4 not compared on $skipped with a broken IP header)"
}

# --- application protocols, time series, bounded tables -----------------------------------

# app_live BACKEND: real servers in namespace A (DNS responder, HTTP, TLS, SSH banner), real
# clients in B; each flow must carry the right application protocol.
app_live() {
	local backend=$1 app port
	need_net || return
	command -v openssl >/dev/null || skip "openssl missing" || return
	net_up addr || fail "cannot create namespaces" || return
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=wirelens-test \
		-keyout "$TMPD/key.pem" -out "$TMPD/cert.pem" >/dev/null 2>&1 ||
		fail "cannot make a test certificate" || return
	daemon_start d $(hook_args "$backend") --pin-path "$PIN_BASE-app$backend" --json --top 1000 ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	ip netns exec "$NSA" timeout 15 python3 - >/dev/null 2>&1 <<-'EOF' &
		import socket, threading, http.server
		def dns():
		    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("198.18.0.1", 53))
		    while True:
		        q, peer = s.recvfrom(512)
		        s.sendto(q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:]
		                 + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc6\x12\x00\x01", peer)
		def ssh():
		    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		    s.bind(("198.18.0.1", 2222)); s.listen()
		    while True:
		        c, _ = s.accept(); c.sendall(b"SSH-2.0-wirelens_test\r\n"); c.recv(100); c.close()
		threading.Thread(target=dns, daemon=True).start()
		threading.Thread(target=ssh, daemon=True).start()
		http.server.ThreadingHTTPServer(("198.18.0.1", 8080), http.server.SimpleHTTPRequestHandler).serve_forever()
	EOF
	echo $! >>"$TMPD/pids"
	ip netns exec "$NSA" timeout 15 openssl s_server -accept 4433 -cert "$TMPD/cert.pem" \
		-key "$TMPD/key.pem" -quiet >/dev/null 2>&1 &
	echo $! >>"$TMPD/pids"
	sleep 1
	ip netns exec "$NSB" timeout 10 python3 - 2>"$TMPD/client.err" <<-'EOF'
		import socket, urllib.request
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
		s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01", ("198.18.0.1", 53))
		s.recvfrom(512)
		urllib.request.urlopen("http://198.18.0.1:8080/", timeout=5).read()
		c = socket.create_connection(("198.18.0.1", 2222), timeout=5); c.recv(100); c.sendall(b"SSH-2.0-client\r\n"); c.close()
	EOF
	[ $? = 0 ] || fail "clients failed: $(cat "$TMPD/client.err")" || return
	echo Q | ip netns exec "$NSB" timeout 10 openssl s_client -connect 198.18.0.1:4433 \
		-servername wirelens-test >/dev/null 2>&1
	sleep 1.5
	daemon_stop
	for pair in 53:dns 8080:http 4433:tls 2222:ssh; do
		port=${pair%%:*}
		app=$(jq -r --argjson p "$port" '[.talkers.flows[] | select(.port_a == $p) | .app] | first // "missing"' "$TMPD/d.json")
		[ "$app" = "${pair#*:}" ] || fail "$backend: flow to port $port is '$app', expected ${pair#*:}" || return
		[ "$(jq -r --arg a "${pair#*:}" '.protocols.app[$a].packets' "$TMPD/d.json")" -gt 0 ] ||
			fail "$backend: no ${pair#*:} frames in protocols.app" || return
	done
	net_down
}
test_app_live_xdp() { app_live xdp; }
test_app_live_tc() { app_live tc; }
test_app_live_pcap() { app_live pcap; }

# A steady 1 kB/s for 70 s, then a burst at second 70: the per-second and per-minute buckets
# add up to the totals, and that second (only that one) is a spike.
test_timeseries_spike() {
	local out t0=1700000000
	python3 - "$TMPD/burst.pcap" "$t0" <<-'EOF' || return 1
		import struct, sys
		path, t0 = sys.argv[1], int(sys.argv[2])
		def frame(size):
		    eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
		    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, size - 14, 0, 0, 64, 17, 0,
		                     bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
		    udp = struct.pack(">HHHH", 40000, 40001, size - 34, 0)
		    return eth + ip + udp + b"z" * (size - 42)
		with open(path, "wb") as f:
		    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
		    def rec(t, us, data):
		        f.write(struct.pack("<IIII", t, us, len(data), len(data)) + data)
		    for s in range(80):
		        for i in range(10):
		            rec(t0 + s, i * 1000, frame(100))
		        if s == 70:
		            for i in range(200):
		                rec(t0 + s, 500000 + i, frame(1000))
	EOF
	out=$("$WL" -r "$TMPD/burst.pcap" --json) || fail "wirelens -r failed" || return
	[ "$(jq '[.bandwidth.per_second[].packets] | add' <<<"$out")" = "$(jq .totals.packets <<<"$out")" ] ||
		fail "per-second buckets do not add up to the total" || return
	[ "$(jq '[.bandwidth.per_minute[].bytes] | add' <<<"$out")" = "$(jq .totals.bytes <<<"$out")" ] ||
		fail "per-minute buckets do not add up to the total" || return
	[ "$(jq -c '[.bandwidth.per_second[] | select(.spike) | .t]' <<<"$out")" = "[$((t0 + 70))]" ] ||
		fail "spike seconds $(jq -c '[.bandwidth.per_second[] | select(.spike) | .t]' <<<"$out"), expected [$((t0 + 70))]" || return
	[ "$(jq '.bandwidth.per_second[] | select(.t == '$((t0 + 70))') | .bytes' <<<"$out")" = $((10 * 100 + 200 * 1000)) ] ||
		fail "burst second holds the wrong bytes" || return
	[ "$(jq '.bandwidth.peak_bps' <<<"$out")" = "$(((10 * 100 + 200 * 1000) * 8))" ] ||
		fail "peak is not the burst second" || return
}

# A million distinct flows over 131072 addresses: the tables stay within their caps, each table
# plus its folded `other` equals everything attributed, and memory stays bounded.
test_million_flows_bounded() {
	local rss out
	python3 - "$TMPD/flows.pcap" <<-'EOF' || return 1
		import struct, sys
		eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
		with open(sys.argv[1], "wb") as f:
		    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
		    hdr = struct.Struct("<IIII"); ipu = struct.Struct(">BBHHHBBHII HHHH".replace(" ", ""))
		    for i in range(1000000):
		        src = 0xC6120000 | (i % 65536); dst = 0xC6130000 | ((i * 7) % 65536)
		        pkt = eth + ipu.pack(0x45, 0, 46, 0, 0, 64, 17, 0, src, dst, 1024 + i % 50000, 53000, 26, 0) + b"\0" * 18
		        f.write(hdr.pack(1700000000 + i // 100000, i % 100000 * 10, len(pkt), len(pkt)) + pkt)
	EOF
	"$WL" -r "$TMPD/flows.pcap" --json --top 1000000 >"$TMPD/flows.json" ||
		fail "wirelens -r failed" || return
	# Peak memory of a run that lists the default top 100 (a JSON of every entry is big).
	rss=$(python3 -c '
import resource, subprocess, sys
rc = subprocess.run([sys.argv[1], "-r", sys.argv[2], "--json"], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024 if rc == 0 else -1)' \
		"$WL" "$TMPD/flows.pcap")
	[ "$rss" -ge 0 ] || fail "wirelens -r failed" || return
	out=$(jq -c '.talkers as $t | {
		total: .totals.packets, attributed: $t.attributed.packets,
		hosts: (([$t.hosts[].tx.packets] | add) + $t.tables.hosts.folded_a_to_b.packets),
		pairs: (([$t.pairs[] | .a_to_b.packets + .b_to_a.packets] | add) + $t.tables.pairs.folded_a_to_b.packets + $t.tables.pairs.folded_b_to_a.packets),
		flows: (([$t.flows[] | .a_to_b.packets + .b_to_a.packets] | add) + $t.tables.flows.folded_a_to_b.packets + $t.tables.flows.folded_b_to_a.packets),
		caps: [$t.tables.hosts.entries <= $t.tables.hosts.cap, $t.tables.pairs.entries <= $t.tables.pairs.cap, $t.tables.flows.entries <= $t.tables.flows.cap],
		hits: $t.tables.flows.cap_hits}' "$TMPD/flows.json")
	jq -e '.total == 1000000 and .attributed == 1000000 and .hosts == 1000000 and
		.pairs == 1000000 and .flows == 1000000 and (.caps | all) and .hits > 0' <<<"$out" >/dev/null ||
		fail "table sums or caps wrong: $out" || return
	# 1,000,000 distinct connections through a 32,768-entry analysis table: the rest forgotten,
	# and counted.
	jq -e '.drops.connections_forgotten >= 1000000 - 32768 and
		.drops.connections_forgotten < 1000000' "$TMPD/flows.json" >/dev/null ||
		fail "forgotten connections: $(jq -c .drops "$TMPD/flows.json")" || return
	echo "# 1,000,000 flows: peak RSS $rss MiB, tables $out"
	# Sanitizer builds shadow every allocation: the bound is for the real binary.
	case $BUILD in *sanitize*) return 0 ;; esac
	[ "$rss" -le 64 ] || fail "peak RSS $rss MiB > 64 MiB" || return
}

# --- filters, packet records, exports ------------------------------------------------------

FILTER_EXPR="tcp port 443 or udp or arp"

# filter_live BACKEND: the daemon with a filter on the known mix counts exactly what libpcap's
# filter selects (tcpdump -r mix -w selected FILTER, counted offline), and sees everything.
filter_live() {
	local backend=$1 exp got seen sent
	need_net || return
	"$MKPCAP" --wire --exclude trunc_vlan_tag catalog "$TMPD/cat.pcap" || return 1
	"$MKPCAP" -n 20000 -s 5 bulk "$TMPD/bulk.pcap" || return 1
	tcpdump -r "$TMPD/bulk.pcap" -w "$TMPD/sel.pcap" "$FILTER_EXPR" 2>/dev/null || return 1
	tcpdump -r "$TMPD/cat.pcap" -w "$TMPD/selc.pcap" "$FILTER_EXPR" 2>/dev/null || return 1
	exp=$(
		"$WL" -r "$TMPD/sel.pcap" --json >"$TMPD/e1.json" &&
			"$WL" -r "$TMPD/selc.pcap" --json >"$TMPD/e2.json" &&
			python3 - "$TMPD/e1.json" "$TMPD/e2.json" <<-'PY'
				import json, sys
				a, b = (json.load(open(f)) for f in sys.argv[1:])
				out = {"totals": {k: a["totals"][k] + b["totals"][k] for k in ("packets", "bytes")}}
				for part in ("l3", "l4", "app"):
				    out[part] = {n: {k: a["protocols"][part][n][k] + b["protocols"][part][n][k]
				                     for k in ("packets", "bytes")} for n in a["protocols"][part]}
				print(json.dumps(out))
			PY
	) || fail "expected counts" || return
	net_up || fail "cannot create namespaces" || return
	daemon_start d $(hook_args "$backend") --pin-path "$PIN_BASE-f$backend" --json "$FILTER_EXPR" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	send_mix_and_stop || return
	got=$(dir_counts "$TMPD/d.json" in)
	jq_eq "$exp" "$got" || fail "matched != libpcap's selection: expected $exp got $got" || return
	seen=$(jq '.directions.in.seen.packets' "$TMPD/d.json")
	sent=$(($(tshark_count "$TMPD/cat.pcap") + 20000))
	[ "$seen" = "$sent" ] || fail "seen $seen of $sent frames" || return
	[ "$(jq -r .filter.expression "$TMPD/d.json")" = "$FILTER_EXPR" ] || fail "filter not in snapshot" || return
	echo "# $backend filter '$FILTER_EXPR': $(jq .totals.packets <<<"$got") of $seen frames matched, as libpcap selects"
	net_down
}
tshark_count() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | wc -l; }
test_filter_live_xdp() { filter_live xdp; }
test_filter_live_tc() { filter_live tc; }
test_filter_live_pcap() { filter_live pcap; }

# SIGHUP re-reads -F FILE: the new filter applies at once, the programs stay attached, and
# nothing counted before is lost.
test_filter_change_live() {
	local id1 id2 u t
	need_net || return
	"$MKPCAP" -n 5000 -s 9 -e "$TMPD/b.exp" bulk "$TMPD/b.pcap" || return 1
	u=$(tcpdump -r "$TMPD/b.pcap" udp 2>/dev/null | wc -l)
	t=$(tcpdump -r "$TMPD/b.pcap" tcp 2>/dev/null | wc -l)
	echo udp >"$TMPD/filter"
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-h" --json -F "$TMPD/filter" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	id1=$(ip -n "$NSA" -j link show dev "$VA" | jq '.[0].xdp.prog.id')
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	sleep 0.5
	echo "tcp # now TCP" >"$TMPD/filter"
	kill -HUP "$DPID"
	for _ in $(seq 50); do grep -q "filter changed" "$TMPD/d.err" && break; sleep 0.1; done
	grep -q "filter changed from 'udp' to 'tcp" "$TMPD/d.err" ||
		fail "no change reported: $(cat "$TMPD/d.err")" || return
	id2=$(ip -n "$NSA" -j link show dev "$VA" | jq '.[0].xdp.prog.id')
	replay B "$TMPD/b.pcap" --pps=20000 || fail "tcpreplay failed" || return
	echo "tcp and (" >"$TMPD/filter"
	kill -HUP "$DPID"
	for _ in $(seq 50); do grep -q "keeping the filter" "$TMPD/d.err" && break; sleep 0.1; done
	grep -q "keeping the filter 'tcp" "$TMPD/d.err" ||
		fail "bad new filter not refused: $(cat "$TMPD/d.err")" || return
	sleep 1
	daemon_stop
	[ "$id1" = "$id2" ] || fail "XDP program replaced ($id1 -> $id2)" || return
	[ "$(jq .directions.in.totals.packets "$TMPD/d.json")" = $((u + t)) ] ||
		fail "counted $(jq .directions.in.totals.packets "$TMPD/d.json"), expected $u UDP + $t TCP" || return
	[ "$(jq .directions.in.seen.packets "$TMPD/d.json")" = 10000 ] || fail "seen != 10000" || return
}

# Sampling every frame at full speed into a small ring: records are lost, the loss is counted
# exactly (taken + lost = matched frames, received = taken), and the counters stay exact.
test_ring_overload() {
	local got taken lost recv lim
	need_net || return
	"$MKPCAP" -n 50000 -s 13 bulk "$TMPD/o.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	# (At XDP, which hands records to the ring faster than TC: more than the reader keeps up
	# with, also when the daemon runs under ASan.)
	daemon_start d --backend xdp --ingress xdp --pin-path "$PIN_BASE-o" --json --sample 1 \
		--max-samples-per-sec 0 --snaplen 2048 --packet-buffer 1000 ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/o.pcap" --topspeed --loop=4 || fail "tcpreplay failed" || return
	sleep 1.5
	daemon_stop
	got=$(jq '.directions.in.totals.packets' "$TMPD/d.json")
	lost=$(ip -n "$NSB" -s -j link show dev "$VB" | jq '.[0].stats64.tx.dropped')
	[ "$got" = $((200000 - lost)) ] || fail "counted $got of 200000 frames ($lost veth drops)" || return
	taken=$(jq .samples.taken "$TMPD/d.json")
	recv=$(jq .samples.received "$TMPD/d.json")
	lim=$(jq .samples.limited "$TMPD/d.json")
	lost=$(jq .samples.lost "$TMPD/d.json")
	[ $((taken + lost)) = "$got" ] || fail "records taken $taken + lost $lost != $got frames" || return
	[ "$recv" = "$taken" ] || fail "received $recv of $taken records submitted" || return
	[ "$lim" = 0 ] || fail "$lim records limited without a limit" || return
	[ "$lost" -gt 0 ] || fail "no record lost: the overload did not happen" || return
	[ "$(jq .samples.kept "$TMPD/d.json")" = 1000 ] || fail "packet buffer not full" || return
	echo "# ring overload: $got frames counted, $taken records delivered, $lost lost (counted)"
}

# The per-second limit: at most N records a second, the rest counted as limited.
test_sample_limit() {
	local got taken lim
	need_net || return
	"$MKPCAP" -n 3000 -s 3 bulk "$TMPD/l.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-l" --json --sample 2 \
		--max-samples-per-sec 100 || fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/l.pcap" --pps=3000 || fail "tcpreplay failed" || return
	sleep 1
	daemon_stop
	got=$(jq '.directions.in.totals.packets' "$TMPD/d.json")
	taken=$(jq .samples.taken "$TMPD/d.json")
	lim=$(jq .samples.limited "$TMPD/d.json")
	[ "$got" = 3000 ] || fail "counted $got of 3000" || return
	# 1 in 2 of 3000 frames = 1500 candidates over 1-3 seconds, at most 100 a second. Each CPU
	# counts its own frames: one that saw an odd number leaves its last one out.
	[ $((taken + lim)) -le 1500 ] && [ $((taken + lim)) -ge $((1500 - $(nproc) + 1)) ] ||
		fail "taken $taken + limited $lim: not 1500 (1 in 2, less one per CPU at most)" || return
	[ "$taken" -le 300 ] && [ "$taken" -ge 100 ] || fail "taken $taken not within the limit" || return
}

# Live exports: -w, --export-csv and --export-json agree with each other and with tshark.
test_exports_live() {
	local n w
	need_net || return
	"$MKPCAP" --wire catalog "$TMPD/c.pcap" || return 1
	"$MKPCAP" -n 2000 -s 17 bulk "$TMPD/e.pcap" || return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-e" --json --max-samples-per-sec 0 \
		-w "$TMPD/live.pcap" --export-csv "$TMPD/live.csv" --export-json "$TMPD/live.json" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	replay B "$TMPD/c.pcap" --pps=1000 || fail "tcpreplay failed" || return
	replay B "$TMPD/e.pcap" --pps=10000 || fail "tcpreplay failed" || return
	sleep 1.2
	daemon_stop
	[ "$DRC" = 0 ] || fail "daemon exit status $DRC: $(cat "$TMPD/d.err")" || return
	n=$(jq .directions.in.totals.packets "$TMPD/d.json")
	w=$(jq .samples.written "$TMPD/d.json")
	[ "$w" = "$n" ] || fail "$w records written for $n frames" || return
	check_exports "$TMPD/live" "$n" || return
	echo "# live exports: $n frames, $w in the pcap, CSV and JSON"
}

# check_exports BASE N: BASE.pcap, BASE.csv, BASE.json each hold the N records.
check_exports() {
	local base=$1 n=$2 t
	t=$(tshark_count "$base.pcap")
	[ "$t" = "$n" ] || fail "tshark reads $t packets from $base.pcap, expected $n" || return
	[ "$(tcpdump -r "$base.pcap" 2>/dev/null | wc -l)" = "$n" ] || fail "tcpdump disagrees" || return
	# tshark: frame.len is the original length, frame.cap_len at most the snaplen.
	tshark -r "$base.pcap" -T fields -e frame.len -e frame.cap_len 2>/dev/null |
		awk '$2 > 128 || $2 > $1 { bad++ } END { exit bad > 0 }' ||
		fail "captured lengths beyond the snaplen" || return
	python3 - "$base.csv" "$n" docs/fields.md 2>"$TMPD/csv.err" <<-'PY' || fail "CSV: $(cat "$TMPD/csv.err")" || return
		import csv, re, sys
		rows = list(csv.reader(open(sys.argv[1], newline="")))
		header, body = rows[0], rows[1:]
		doc = open(sys.argv[3]).read()
		documented = re.findall(r"^\| `([a-z_0-9]+)` \|", doc.split("## CSV columns")[1].split("\n## ")[0], re.M)
		if header != documented:
		    sys.exit(f"columns {header} != documented {documented}")
		if len(body) != int(sys.argv[2]):
		    sys.exit(f"{len(body)} rows, expected {sys.argv[2]}")
		if any(len(r) != len(header) for r in body):
		    sys.exit("a row with a different number of fields")
		seqs = [int(r[0]) for r in body]
		if seqs != sorted(seqs):
		    sys.exit("rows out of order")
	PY
	jq -e --argjson n "$n" '(.packets | length) == $n and (.packets | all(.len >= .caplen))
		and .samples.kept == $n' "$base.json" >/dev/null || fail "JSON export" || return
	# The same records in all three: lengths in order.
	[ "$(tshark -r "$base.pcap" -T fields -e frame.len 2>/dev/null | md5sum)" = \
		"$(jq -r '.packets[].len' "$base.json" | md5sum)" ] || fail "pcap and JSON differ" || return
}

# Offline: the records of a file, with a filter; names from DNS, TLS and HTTP decoded.
test_exports_file() {
	local n
	"$WL" -r tests/golden/catalog.pcap --json -w "$TMPD/f.pcap" --export-csv "$TMPD/f.csv" \
		--export-json "$TMPD/f.json" "not arp" >"$TMPD/out" 2>"$TMPD/err" ||
		fail "exit $?: $(cat "$TMPD/err")" || return
	n=$(jq .totals.packets "$TMPD/out")
	[ "$n" = "$(tcpdump -r tests/golden/catalog.pcap 'not arp' 2>/dev/null | wc -l)" ] ||
		fail "matched $n" || return
	check_exports "$TMPD/f" "$n" || return
	# No temporary files are left next to the exports.
	[ -z "$(ls "$TMPD" | grep -E '\.part$|\.[A-Za-z0-9]{6}$')" ] || fail "left: $(ls "$TMPD")" || return
}

# -w with -C and -W: tcpdump's names and sizes; every file complete and readable.
test_write_rotation() {
	local total=0 f n
	"$MKPCAP" -n 12000 -s 21 bulk "$TMPD/r.pcap" || return 1
	"$WL" -r "$TMPD/r.pcap" --max-samples-per-sec 0 -s 2048 -w "$TMPD/rot.pcap" -C 1 -W 3 \
		--json >"$TMPD/out" 2>"$TMPD/err" || fail "exit $?: $(cat "$TMPD/err")" || return
	for f in "$TMPD"/rot.pcap0 "$TMPD"/rot.pcap1 "$TMPD"/rot.pcap2; do
		[ -f "$f" ] || fail "missing $f: $(ls "$TMPD")" || return
		n=$(tshark_count "$f")
		[ "$n" -gt 0 ] || fail "$f unreadable" || return
		[ "$(stat -c %s "$f")" -lt 1100000 ] || fail "$f larger than -C 1 allows" || return
		total=$((total + n))
	done
	[ ! -e "$TMPD/rot.pcap3" ] && [ -z "$(ls "$TMPD" | grep part)" ] || fail "extra files: $(ls "$TMPD")" || return
	[ "$total" -lt "$(jq .samples.written "$TMPD/out")" ] || fail "no file was reused" || return
	"$WL" -r "$TMPD/r.pcap" --max-samples-per-sec 0 -s 2048 -w "$TMPD/seq.pcap" -C 2 \
		>/dev/null 2>&1 || fail "-C without -W" || return
	[ -f "$TMPD/seq.pcap" ] && [ -f "$TMPD/seq.pcap1" ] || fail "names: $(ls "$TMPD")" || return
}

# A full disk under -w and the exports: one clear error, no half file, counting goes on.
test_disk_full() {
	local rc
	[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs" || return
	mkdir -p "$TMPD/small"
	mount -t tmpfs -o size=64k tmpfs "$TMPD/small" || skip "cannot mount tmpfs" || return
	"$MKPCAP" -n 3000 -s 4 bulk "$TMPD/d.pcap" || return 1
	"$WL" -r "$TMPD/d.pcap" --json --max-samples-per-sec 0 -s 2048 -w "$TMPD/small/w.pcap" \
		--export-json "$TMPD/small/e.json" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	[ "$rc" = 1 ] || fail "exit $rc" || { umount "$TMPD/small"; return 1; }
	grep -q "cannot write '$TMPD/small/w.pcap': No space left on device" "$TMPD/err" ||
		fail "message: $(cat "$TMPD/err")" || { umount "$TMPD/small"; return 1; }
	[ "$(jq .totals.packets "$TMPD/out")" = 3000 ] || fail "counting stopped" || { umount "$TMPD/small"; return 1; }
	[ -z "$(ls -A "$TMPD/small")" ] || fail "left behind: $(ls -A "$TMPD/small")" || { umount "$TMPD/small"; return 1; }
	umount "$TMPD/small"
}

# The same with the daemon counting live: one line, the unfinished file removed, the daemon
# counts on (every frame of a second burst after the disk filled); its exit status, 1, says
# that an output was lost.
disk_full_live() {
	local n
	"$MKPCAP" -n 3000 -s 4 bulk "$TMPD/d.pcap" && "$MKPCAP" -n 500 -s 5 bulk "$TMPD/e.pcap" ||
		return 1
	net_up || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-df" --json --max-samples-per-sec 0 \
		-s 2048 -w "$TMPD/small/w.pcap" || fail "daemon did not start: $(cat "$TMPD/d.err")" ||
		return
	replay B "$TMPD/d.pcap" --pps=10000 || fail "tcpreplay failed" || return
	for _ in $(seq 50); do
		grep -q "No space left on device" "$TMPD/d.err" && break
		sleep 0.1
	done
	n=$(grep -c . "$TMPD/d.err")
	grep -q "cannot write '$TMPD/small/w.pcap': No space left on device; no longer writing packets (the capture goes on)" \
		"$TMPD/d.err" || fail "message: $(cat "$TMPD/d.err")" || return
	kill -0 "$DPID" 2>/dev/null || fail "daemon stopped" || return
	replay B "$TMPD/e.pcap" --pps=10000 || fail "tcpreplay failed" || return
	sleep 1.2
	daemon_stop
	[ "$DRC" = 1 ] || fail "exit status $DRC: $(cat "$TMPD/d.err")" || return
	[ "$(grep -c "No space left" "$TMPD/d.err")" = 1 ] && [ "$(grep -c . "$TMPD/d.err")" -le $((n + 2)) ] ||
		fail "more lines: $(cat "$TMPD/d.err")" || return
	[ "$(jq .directions.in.totals.packets "$TMPD/d.json")" = 3500 ] ||
		fail "counted $(jq .directions.in.totals.packets "$TMPD/d.json") of 3500" || return
	[ -z "$(ls -A "$TMPD/small")" ] || fail "left behind: $(ls -A "$TMPD/small")" || return
	net_down
}
test_disk_full_live() {
	local rc
	need_net || return
	mkdir -p "$TMPD/small"
	mount -t tmpfs -o size=64k tmpfs "$TMPD/small" || skip "cannot mount tmpfs" || return
	disk_full_live
	rc=$?
	daemon_stop KILL
	umount "$TMPD/small"
	return $rc
}

# Names from real DNS, TLS and HTTP traffic: decoded from the live records, kept in the JSON
# export, and on the server's host entry when the written pcap is read back.
test_decode_live() {
	local j
	need_net || return
	net_up addr || fail "cannot create namespaces" || return
	daemon_start d --backend xdp --pin-path "$PIN_BASE-n" --json --max-samples-per-sec 0 \
		-s 1024 -w "$TMPD/n.pcap" --export-json "$TMPD/n.json" ||
		fail "daemon did not start: $(cat "$TMPD/d.err")" || return
	(cd "$TMPD" && echo hello >index.html && exec ip netns exec "$NSA" timeout 20 \
		python3 -m http.server 18080 --bind 198.18.0.1 >/dev/null 2>&1) &
	echo $! >>"$TMPD/pids"
	ip netns exec "$NSA" timeout 20 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 8443)); s.listen(1)
c, _ = s.accept(); c.recv(4096); c.close()' &
	echo $! >>"$TMPD/pids"
	sleep 1
	ip netns exec "$NSB" timeout 20 python3 - <<-'EOF' || fail "client failed" || return
		import http.client, socket, ssl
		q = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		q += b"\x05names\x08wirelens\x04test\x00\x00\x1c\x00\x01"  # AAAA
		u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		u.sendto(q, ("198.18.0.1", 53))
		h = http.client.HTTPConnection("198.18.0.1", 18080, timeout=5)
		h.request("GET", "/index.html", headers={"Host": "web.wirelens.test"})
		assert h.getresponse().status == 200
		ctx = ssl.create_default_context()
		try:
		    with socket.create_connection(("198.18.0.1", 8443), timeout=5) as t:
		        ctx.wrap_socket(t, server_hostname="sni.wirelens.test")
		except (ssl.SSLError, OSError):
		    pass  # the listener hangs up after the ClientHello: that is all we need
	EOF
	sleep 1.2
	daemon_stop
	[ "$DRC" = 0 ] || fail "daemon exit status $DRC: $(cat "$TMPD/d.err")" || return
	j=$TMPD/n.json
	jq -e '.packets | any(.info.kind == "dns_query" and .info.name == "names.wirelens.test"
		and .info.qtype == "AAAA" and .dir == "in")' "$j" >/dev/null ||
		fail "no DNS query record: $(jq -c '[.packets[].info | select(.)]' "$j")" || return
	jq -e '.packets | any(.info.kind == "tls_client_hello" and .info.sni == "sni.wirelens.test")' \
		"$j" >/dev/null || fail "no TLS SNI: $(jq -c '[.packets[].info | select(.)]' "$j")" || return
	jq -e '.packets | any(.info.kind == "http_request" and .info.method == "GET" and
		.info.host == "web.wirelens.test")' "$j" >/dev/null ||
		fail "no HTTP request: $(jq -c '[.packets[].info | select(.)]' "$j")" || return
	jq -e '.packets | any(.info.kind == "http_response" and .info.status == 200 and
		.dir == "out")' "$j" >/dev/null ||
		fail "no HTTP response: $(jq -c '[.packets[].info | select(.)]' "$j")" || return
	"$WL" -r "$TMPD/n.pcap" --json >"$TMPD/off.json" || fail "reading -w back" || return
	jq -e '.talkers.hosts | any(.addr == "198.18.0.1" and
		(.name == "sni.wirelens.test" or .name == "web.wirelens.test"))' "$TMPD/off.json" \
		>/dev/null || fail "server not named: $(jq -c '.talkers.hosts' "$TMPD/off.json")" || return
}

# --- bad input -----------------------------------------------------------------------------

# expect_error RC PATTERN ARGS...: wirelens exits RC with one stderr line matching PATTERN.
# A test may set a local PRE=(command...) to run wirelens through it (e.g. in namespace A).
PRE=()
expect_error() {
	local want=$1 pat=$2 rc
	shift 2
	local cmd="wirelens $*"
	cmd=${cmd:0:120}
	timeout 20 "${PRE[@]}" "$WL" "$@" >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "$cmd: exit $rc, expected $want; stderr: $(cut -c1-300 "$TMPD/err")" || return
	[ "$(wc -l <"$TMPD/err")" = 1 ] && [ "$(grep -c . "$TMPD/err")" = 1 ] ||
		fail "$cmd: not one line: $(cut -c1-300 "$TMPD/err")" || return
	grep -qE -- "$pat" "$TMPD/err" || fail "$cmd: message '$(cat "$TMPD/err")' lacks '$pat'" || return
}

# A pcap global header (little endian) with SNAPLEN and LINKTYPE, then the given records.
pcap_hdr() { python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, $1, $2))"; }
pcap_rec() { # CAPLEN LEN DATA-BYTES
	python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<IIII', 1700000000, 0, $1, $2) + b'\x02' * $3)"
}

# One test per kind of bad input: exit status, and exactly one stderr line naming the problem.
test_bad_unknown_option() { expect_error 2 "unrecognized option '--nope'" --nope; }
test_bad_missing_argument() { expect_error 2 "option '-c' needs an argument" -c; }
test_bad_count() {
	expect_error 2 "invalid value 'abc' for -c/--count" -c abc &&
		expect_error 2 "invalid value '0' for -c/--count" -c 0 &&
		expect_error 2 "invalid value '99999999999999999999999' for -c/--count" \
			-c 99999999999999999999999
}
test_bad_duration() {
	expect_error 2 "invalid value '-5' for -d/--duration" -d -5 &&
		expect_error 2 "invalid value '1x' for -d/--duration" -d 1x
}
test_bad_backend() { expect_error 2 "invalid value 'fast' for --backend" --backend fast; }
test_bad_xdp_mode() { expect_error 2 "invalid value 'turbo' for --xdp-mode" --xdp-mode turbo; }
test_bad_flow_table_size() {
	expect_error 2 "invalid value '12' for --flow-table-size" --flow-table-size 12
}
test_bad_interface_and_file() { expect_error 2 "-i and -r cannot be combined" -i lo -r x.pcap; }
test_bad_duration_with_file() { expect_error 2 "-d limits a live capture" -r x.pcap -d 5; }
test_bad_write_path() {
	expect_error 1 "cannot create '$TMPD/no/such/dir/x.pcap'" -r tests/golden/catalog.pcap \
		-w "$TMPD/no/such/dir/x.pcap"
}
test_bad_rotation_without_write() { expect_error 2 "-C and -W rotate the files of -w" -r x -C 1; }
test_bad_file_count_without_size() { expect_error 2 "-W N keeps N files of -C MB" -r x -w y -W 2; }
test_bad_snaplen() { expect_error 2 "invalid value '4096' for -s/--snaplen" -s 4096 -r x; }
test_bad_sample() { expect_error 2 "invalid value 'all' for --sample" --sample all -r x; }
test_bad_filter() {
	# The caret display is three lines (tests/filter/run.sh checks it); the exit status is 2.
	"$WL" -r tests/golden/catalog.pcap tcp port 99999 >/dev/null 2>"$TMPD/err"
	[ $? = 2 ] && grep -q "'99999' is not a port" "$TMPD/err" ||
		fail "bad filter: $(cat "$TMPD/err")" || return
}
test_bad_export_path() {
	local rc
	"$WL" -r tests/golden/catalog.pcap --json --export-csv "$TMPD/nodir/x.csv" >"$TMPD/out" \
		2>"$TMPD/err"
	rc=$?
	[ "$rc" = 1 ] && grep -q "cannot write '$TMPD/nodir/x.csv'" "$TMPD/err" ||
		fail "exit $rc: $(cat "$TMPD/err")" || return
	# The counts still come out: a failed export loses nothing else.
	[ "$(jq .totals.packets "$TMPD/out")" = 61 ] || fail "no snapshot after a failed export" || return
}
test_bad_pin_path() { expect_error 2 "pin-path" --pin-path relative/dir; }
# A pin path longer than the daemon's buffers must be refused, not cut short silently (the
# daemon would pin, lock and leave behind a directory of another name). In namespace A, so that
# a daemon that does start attaches to nothing else; the runner removes $PIN_BASE*.
test_bad_pin_path_too_long() {
	need_net || return
	net_up || fail "cannot create namespaces" || return
	local PRE=("${IN_A[@]}")
	expect_error 2 "pin-path.*too long|too long.*pin-path" -i "$VA" -d 1 \
		--pin-path "$PIN_BASE-$(printf 'x%.0s' $(seq 260))"
}

test_bad_interface() {
	expect_error 1 "no such interface 'nosuchif0'" -i nosuchif0 --backend pcap &&
		expect_error 1 "no such interface 'nosuchif0'" -i nosuchif0
}

test_bad_file_missing() {
	expect_error 1 "cannot read '$TMPD/missing.pcap': No such file" -r "$TMPD/missing.pcap"
}
test_bad_file_directory() { expect_error 1 "is a directory" -r "$TMPD"; }
test_bad_file_empty() {
	: >"$TMPD/empty.pcap"
	expect_error 1 "cannot read '$TMPD/empty.pcap': the file is empty" -r "$TMPD/empty.pcap"
}
test_bad_file_magic() {
	head -c 100 /dev/zero | tr '\000' 'x' >"$TMPD/magic.pcap"
	expect_error 1 "unknown file format" -r "$TMPD/magic.pcap"
}
test_bad_file_short_header() {
	pcap_hdr 65535 1 | head -c 10 >"$TMPD/short.pcap"
	expect_error 1 "truncated dump file" -r "$TMPD/short.pcap"
}
test_bad_file_linktype() {
	pcap_hdr 65535 147 >"$TMPD/user0.pcap"
	expect_error 1 "link type .* is not supported" -r "$TMPD/user0.pcap"
}
test_bad_file_huge_caplen() {
	{ pcap_hdr 65535 1; pcap_rec 2000000 2000000 60; } >"$TMPD/huge.pcap"
	expect_error 1 "invalid packet capture length" -r "$TMPD/huge.pcap" || return
	{ pcap_hdr 262144 1; pcap_rec 262145 262145 60; } >"$TMPD/huge1.pcap"
	expect_error 1 "invalid packet capture length" -r "$TMPD/huge1.pcap"
}
# The last record is cut short: the complete packets are still counted and printed.
test_bad_file_cut_record() {
	{ pcap_hdr 65535 1; pcap_rec 60 60 60; pcap_rec 60 60 60; pcap_rec 60 60 20; } >"$TMPD/cut.pcap"
	expect_error 1 "after 2 packets: truncated dump file" -r "$TMPD/cut.pcap" --json || return
	[ "$(jq .totals.packets "$TMPD/out")" = 2 ] || fail "JSON of the complete packets missing" || return
	[ "$(jq .complete "$TMPD/out")" = false ] || fail "complete is not false"
}
# A file still being written (a capture's -w while we read it): what is whole when read is
# counted, a record cut by the writer ends the read with one clear line, and nothing hangs.
# Twelve rounds, each starting the reader at another moment of the writing.
test_bad_file_growing() {
	local i rc n bad=0
	for i in $(seq 12); do
		pcap_hdr 65535 1 >"$TMPD/grow.pcap"
		python3 - "$TMPD/grow.pcap" <<-'EOF' &
			import struct, sys, time
			f = open(sys.argv[1], "ab", buffering=0)
			pkt = bytes(12) + b"\x08\x00" + bytes(46)
			rec = struct.pack("<IIII", 1700000000, 0, len(pkt), len(pkt)) + pkt
			for _ in range(400):
			    for part in (rec[:7], rec[7:30], rec[30:]):
			        f.write(part); time.sleep(0.0003)
		EOF
		sleep "$(printf '0.%02d' $((i * 5 % 60)))"
		timeout 20 "$WL" -r "$TMPD/grow.pcap" --json >"$TMPD/grow.json" 2>"$TMPD/grow.err"
		rc=$?
		wait
		n=$(jq .totals.packets "$TMPD/grow.json" 2>/dev/null)
		case $rc in
		0) [ "$(grep -c . "$TMPD/grow.err")" = 0 ] && [ "$n" -le 400 ] ||
			fail "round $i: status 0, $n packets: $(cat "$TMPD/grow.err")" || return ;;
		1) bad=$((bad + 1))
		   [ "$(grep -c . "$TMPD/grow.err")" = 1 ] && grep -q "cut short" "$TMPD/grow.err" &&
			[ "$(jq .complete "$TMPD/grow.json")" = false ] && [ "$n" -lt 400 ] ||
			fail "round $i: status 1, $n packets: $(cat "$TMPD/grow.err")" || return ;;
		*) fail "round $i: status $rc: $(cat "$TMPD/grow.err")" || return ;;
		esac
	done
	echo "# growing file: 12 reads, $bad ended on a record cut by the writer"
}
# caplen > snaplen: a warning, and the packet counted by its original length.
test_bad_file_caplen_over_snaplen() {
	{ pcap_hdr 30 1; pcap_rec 60 60 60; } >"$TMPD/oversnap.pcap"
	expect_error 0 "longer than the file's snapshot length" -r "$TMPD/oversnap.pcap" --json || return
	[ "$(jq .totals.bytes "$TMPD/out")" = 60 ] || fail "bytes are not the original length"
}
test_bad_btf_file() {
	need_net || return
	net_up || fail "cannot create namespaces" || return
	local PRE=("${IN_A[@]}")
	expect_error 1 "cannot use BTF file" -i "$VA" --btf "$TMPD/nosuch.btf" --backend xdp \
		--pin-path "$PIN_BASE-btf" -d 1
}

test_help_and_version() {
	# (The text of --help itself is golden/help.)
	"$WL" -V | grep -qE '^wirelens [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version output" || return
	# Every option in --help is known to the parser (an option in help is implemented). With
	# --version last nothing ever captures: the option's argument is a dummy "1", and the
	# parse either fails on it or ends in printing the version.
	for o in $(grep -oE -- '--[a-z-]+' tests/golden/help.txt | sort -u); do
		timeout 5 "$WL" "$o" 1 --version 2>&1 | grep -q "unrecognized option" &&
			fail "$o in help is not accepted" && return
	done
	return 0
}

# --- runner ---------------------------------------------------------------------------------

# Time limit of one test in seconds: generous, so that only a hang trips it (E2E_TIMEOUT
# overrides it for every test).
limit_for() {
	[ -n "${E2E_TIMEOUT:-}" ] && echo "$E2E_TIMEOUT" && return
	case $1 in
	test_topspeed_million | test_million_flows_bounded | test_scan_nmap) echo 180 ;;
	*) echo 60 ;;
	esac
}

# run_one TEST: run it in its own process group (set -m), so that a hang or a leftover
# daemon, server or capture can be killed as a whole, by that group's id.
run_one() {
	local t=$1 limit i rc name start
	limit=$(limit_for "$t")
	rm -f "$TMPD/reason"
	start=$SECONDS
	(set +e; "$t") &
	TPID=$!
	# (stderr off: bash would report "Terminated" for the job after the sleep it ends in)
	{
		for ((i = 0; i < limit * 10; i++)); do
			kill -0 "$TPID" || break
			sleep 0.1
		done
		if kill -0 "$TPID"; then
			kill -TERM -- -"$TPID"
			sleep 1
			kill -KILL -- -"$TPID"
			echo "timed out after $limit s" >"$TMPD/reason"
		fi
		wait "$TPID"
		rc=$?
		# Whatever the test left running in its group (daemons and their guards, servers).
		kill -KILL -- -"$TPID"
	} 2>/dev/null
	TPID=
	: >"$TMPD/pids" # those are gone with the group; never kill a recycled pid later
	net_down
	rm -rf "$PIN_BASE"* 2>/dev/null
	name=e2e/${t#test_}
	if [ "$rc" = 0 ]; then
		echo "PASS $name"
	elif [ "$rc" = $SKIP_RC ]; then
		echo "SKIP $name: $(cat "$TMPD/reason" 2>/dev/null)"
	else
		echo "FAIL $name: $(cat "$TMPD/reason" 2>/dev/null || echo "status $rc")"
	fi
	[ $((SECONDS - start)) -lt 10 ] || echo "# $name took $((SECONDS - start)) s"
	# Nothing a test wrote is there for the next one to find.
	find "$TMPD" -mindepth 1 -delete 2>/dev/null
}

main() {
	local tests=("$@") t
	if [ ${#tests[@]} = 0 ]; then
		mapfile -t tests < <(declare -F | awk '{ print $3 }' | grep '^test_')
	fi
	set -m
	TPID=
	trap '[ -n "$TPID" ] && kill -KILL -- -"$TPID" 2>/dev/null; exit 130' INT TERM
	for t in "${tests[@]}"; do
		if ! declare -F "$t" >/dev/null; then
			echo "FAIL e2e/${t#test_}: no such test"
			continue
		fi
		run_one "$t"
	done
}

# On one line: bash has read the whole file before running anything, so editing this file
# during a run cannot change what the run does.
main "$@"; exit
