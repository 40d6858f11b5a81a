# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034
# Helpers for the end-to-end tests: network namespaces joined by a veth pair, the daemon on
# one end, traffic from the other. Only addresses from 198.18.0.0/15 and 2001:2::/48; never
# the machine's uplink. Everything is named after this run ($RUN) and removed on exit.

RUN=${RUN:-w$$}
WL=${WL:-$ROOT/$BUILD/wirelens}
MKPCAP=${MKPCAP:-$ROOT/$BUILD/tests/tools/mkpcap}
TMPD=$(mktemp -d /tmp/wirelens-e2e.XXXXXX)
NSA=${RUN}A
NSB=${RUN}B
NSM=${RUN}M # the middle of three (delay line tests)
VA=${RUN}a
VB=${RUN}b
PIN_BASE=/sys/fs/bpf/$RUN

cleanup_all() {
	local p
	for p in $(cat "$TMPD"/pids 2>/dev/null); do
		kill -9 "$p" 2>/dev/null
	done
	# Anything else the running test started (run.sh gives each test its own process group).
	[ -n "${TPID:-}" ] && kill -9 -- -"$TPID" 2>/dev/null && sleep 0.2
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	ip netns del "$NSM" 2>/dev/null
	ip netns del "${RUN}C" 2>/dev/null
	ip link del "$VA" 2>/dev/null
	rm -rf "$PIN_BASE"* 2>/dev/null
	rm -rf "$TMPD"
}

# Two namespaces, veth A (daemon side) <-> B (traffic side), both up, IPv6 off so that the
# stacks send nothing of their own. With "addr", addresses and IPv6 instead (real traffic).
net_up() {
	ip netns add "$NSA" || return 1
	ip netns add "$NSB" || return 1
	ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" || return 1
	if [ "${1:-}" = addr ]; then
		ip -n "$NSA" addr add 198.18.0.1/24 dev "$VA"
		ip -n "$NSB" addr add 198.18.0.2/24 dev "$VB"
		ip -n "$NSA" addr add 2001:2::1/64 dev "$VA" nodad
		ip -n "$NSB" addr add 2001:2::2/64 dev "$VB" nodad
	else
		ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1"
		ip netns exec "$NSB" sysctl -qw "net.ipv6.conf.$VB.disable_ipv6=1"
	fi
	# Loopback for the daemon's web server (its traffic never crosses the veth).
	ip -n "$NSA" link set lo up
	ip -n "$NSB" link set lo up
	ip -n "$NSA" link set "$VA" up || return 1
	ip -n "$NSB" link set "$VB" up || return 1
	link_ready "$NSA" "$VA" && link_ready "$NSB" "$VB"
}

# link_ready NS DEV: wait (at most 5 s) until the device can send. Until the kernel's link
# watcher has activated it, a device that is up still has the "noop" qdisc, which discards
# every frame while telling the sender all is well: frames sent then are lost without a trace.
link_ready() {
	local i st
	for i in $(seq 50); do
		st=$(ip -n "$1" -j link show dev "$2" | jq -r '.[0] | "\(.operstate) \(.qdisc)"')
		case $st in "UP noop") ;; UP\ *) return 0 ;; esac
		sleep 0.1
	done
	echo "link $2 not ready: $st" >&2
	return 1
}

net_down() {
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	ip netns del "$NSM" 2>/dev/null
	return 0
}

# Run a command in namespace A's network but the machine's mount namespace: `ip netns exec`
# would give it a private /sys, and with it a private bpf filesystem, hiding the pinned maps
# from the next daemon and from bpftool.
# (An array, not a function: `cmd &` and `timeout cmd` must exec the command itself so that
# $! is the daemon's pid.)
IN_A=(nsenter "--net=/run/netns/$NSA")

# hook_args HOOK: the daemon's options for a hook: xdp (XDP ingress), tc (TC ingress), pcap.
# (Unquoted where used: several words.)
hook_args() {
	case $1 in
	xdp) echo "--backend xdp --ingress xdp" ;;
	tc) echo "--backend xdp --ingress tc" ;;
	*) echo "--backend $1" ;;
	esac
}

# daemon_start NAME ARGS...: wirelens in namespace A on veth A; waits until it is counting.
daemon_start() {
	local name=$1 i
	shift
	# Emptied here, not by the redirections below: those happen in the background job, maybe
	# after the first look for "counting on" (which would find an earlier daemon's line).
	: >"$TMPD/$name.json"
	: >"$TMPD/$name.err"
	"${IN_A[@]}" "$WL" -i "$VA" "$@" >>"$TMPD/$name.json" 2>>"$TMPD/$name.err" &
	DPID=$!
	echo "$DPID" >>"$TMPD/pids"
	for i in $(seq 100); do
		grep -q "counting on" "$TMPD/$name.err" 2>/dev/null && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# daemon_stop [SIGNAL]: stop the daemon and wait for it (at most 20 s).
daemon_stop() {
	local i
	kill -"${1:-TERM}" "$DPID" 2>/dev/null
	for i in $(seq 200); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$DPID" 2>/dev/null
	DRC=$?
}

# replay IFACE-SIDE FILE [tcpreplay args]: B sends to A, or A sends out of itself.
# (tcpreplay's own report stays in $TMPD/replay.log, for a failure message.)
replay() {
	local side=$1 file=$2
	shift 2
	if [ "$side" = B ]; then
		ip netns exec "$NSB" tcpreplay -q -i "$VB" "$@" "$file" >"$TMPD/replay.log" 2>&1
	else
		ip netns exec "$NSA" tcpreplay -q -i "$VA" "$@" "$file" >"$TMPD/replay.log" 2>&1
	fi
}

# The daemon's frames received so far, from its API on 127.0.0.1:8080 in namespace A.
api_in_packets() {
	local i n
	for i in $(seq 30); do
		n=$("${IN_A[@]}" curl -sf http://127.0.0.1:8080/api/v1/stats | jq '.directions.in.totals.packets') &&
			[ -n "$n" ] && echo "$n" && return 0
		sleep 0.1
	done
	echo "none"
}

# jq_eq A B: two JSON documents are equal.
jq_eq() {
	[ "$(jq -S . <<<"$1")" = "$(jq -S . <<<"$2")" ]
}

# The counting part of a direction (or of a file snapshot) in mkpcap's expectation shape.
dir_counts() { # FILE DIR
	jq -c --arg d "$2" '.directions[$d] | {totals, l3, l4, app}' "$1"
}
file_counts() { # FILE
	jq -c '{totals: .totals, l3: .protocols.l3, l4: .protocols.l4, app: .protocols.app}' "$1"
}
expect_counts() { # EXPECT.json
	jq -c '{totals, l3, l4, app}' "$1"
}
# The sum of several mkpcap expectations, in the same shape.
sum_counts() {
	python3 - "$@" <<-'EOF'
		import json, sys
		docs = [json.load(open(f)) for f in sys.argv[1:]]
		out = {}
		for k in ("totals", "l3", "l4", "app"):
		    if k == "totals":
		        out[k] = {m: sum(d[k][m] for d in docs) for m in ("packets", "bytes")}
		    else:
		        out[k] = {n: {m: sum(d[k][n][m] for d in docs) for m in ("packets", "bytes")}
		                  for n in docs[0][k]}
		print(json.dumps(out))
	EOF
}
zero_counts() {
	jq -c '{totals: .totals, l3: .l3, l4: .l4, app: .app} | walk(if type == "number" then 0 else . end)' "$1"
}

# Drop counters of both veth ends (frames lost before any hook are not the sensor's).
veth_drops() {
	echo "A: $(ip -n "$NSA" -s -j link show dev "$VA" | jq -c '.[0].stats64 | {rx: .rx.dropped, tx: .tx.dropped}')" \
		"B: $(ip -n "$NSB" -s -j link show dev "$VB" | jq -c '.[0].stats64 | {rx: .rx.dropped, tx: .tx.dropped}')"
}

xdp_attached() { # prints the xdp line of A, if any
	ip -n "$NSA" link show dev "$VA" 2>/dev/null | grep -o 'xdp[a-z]*' | head -1
}
tc_filters() {
	tc -n "$NSA" filter show dev "$VA" egress 2>/dev/null
}
clsact_present() {
	tc -n "$NSA" qdisc show dev "$VA" 2>/dev/null | grep -q clsact
}

have_bpf() {
	[ "$(id -u)" = 0 ] && [ -d /sys/kernel/btf ] && ip netns list >/dev/null 2>&1
}
