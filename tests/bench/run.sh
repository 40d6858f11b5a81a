#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench: figures measured against a baseline or a peer in the same run, as one markdown
# table, also written to tests/bench/RESULTS.md. Timings are never test assertions.
#
#   1 kernel cost    BPF_PROG_TEST_RUN ns/frame of the wirelens programs against an empty
#                    program of the same hook, per frame kind (66-byte TCP ACK, 1514-byte
#                    TCP, IPv6 UDP DNS, ARP) and over a mix; 100,000 distinct flows, first
#                    and second pass
#   2 max rate       frames pushed across a veth at top speed (64 and 1500 bytes): counted by
#                    wirelens XDP, wirelens pcap and tcpdump -w /dev/null
#   3 overhead       iperf3 throughput and CPU across a veth: no sensor, wirelens with its
#                    default attach (TC ingress on a veth), native and generic XDP, pcap,
#                    tcpdump
#   4 offline speed  packets/s of wirelens -r vs tshark, tcpdump and a minimal libpcap loop
#   5 memory         daemon peak RSS after 1 M distinct flows (live and -r); BPF map memory,
#                    with 1 and with 50 interfaces
#   6 API under load wrk on /api/v1/stats while frames arrive at top speed, and with 100 SSE
#                    clients connected; a static file of the same server as the baseline
#
# Network parts run in network namespaces joined by a veth (198.18.0.0/15 only), as root.
# BENCH_QUICK=1 (make bench-quick) uses smaller inputs and fewer runs.
set -u

BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
WL=$BUILD/wirelens
MKPCAP=$BUILD/tests/tools/mkpcap
KCOST=$BUILD/tests/bench/kcost
PCOUNT=$BUILD/tests/bench/pcap_count
export ROOT BUILD

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	PACKETS=100000 RUNS=1 REPEAT=2000 NETRUNS=1 IPERF_S=2 WRK_S=2 RATE_LOOPS=10 FLOWS=100000
else
	PACKETS=1000000 RUNS=5 REPEAT=10000 NETRUNS=3 IPERF_S=5 WRK_S=5 RATE_LOOPS=100 FLOWS=1000000
fi

# Namespaces, veth and daemon helpers of the end-to-end tests; they clean up on exit.
. tests/e2e/lib.sh
TMP=$TMPD
trap cleanup_all EXIT

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$MKPCAP" ] || die "$MKPCAP is missing (run make)"

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# seconds (wall clock) of one run of "$@", output discarded
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || return 1
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}

# median packets/s of a command over $RUNS runs on $PACKETS packets
rate() {
	local i s
	for i in $(seq "$RUNS"); do
		s=$(seconds "$@") || { echo "failed"; return; }
		echo "$PACKETS / $s" | bc -l
	done | median
}

"$MKPCAP" -n "$PACKETS" -s 7 bulk "$TMP/bulk.pcap" || die "cannot generate the bulk pcap"
"$MKPCAP" -n 256 -s 11 bulk "$TMP/mix.pcap" || die "cannot generate the frame mix"

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }

ratio() { printf "$3" "$(echo "$1 / $2" | bc -l)"; }
say() { echo "bench: $*" >&2; }

# 1. kernel cost per frame, each program against the empty program of its hook
say "kernel cost (BPF_PROG_TEST_RUN, $RUNS rounds of $REPEAT runs, interleaved)"
if [ "$(id -u)" = 0 ]; then
	"$KCOST" "$TMP/mix.pcap" "$REPEAT" "$RUNS" >"$TMP/kcost" 2>"$TMP/kcost.err"
	if [ -s "$TMP/kcost" ]; then
		kc() { awk -v p="$1" -v k="$2" '$1 == p && $2 == k { print $3 }' "$TMP/kcost"; }
		kind_name() {
			case $1 in
			ack) echo "66-byte TCP ACK with timestamps" ;;
			seg) echo "1514-byte TCP segment" ;;
			dns6) echo "IPv6 UDP DNS query" ;;
			arp) echo "ARP request" ;;
			mix) echo "mix of 256 frames" ;;
			esac
		}
		for kind in ack seg dns6 arp mix; do
			xf=$(kc xdp_floor "$kind")
			tf=$(kc tc_floor "$kind")
			row "kernel cost, $(kind_name $kind): empty XDP program (floor)" \
				"$(printf '%.1f ns' "$xf")" "1.00x" "-"
			for p in xdp_core xdp_noconn xdp_default xdp_filter; do
				case $p in
				xdp_core) what="XDP, counting only (no flows, no records)" ;;
				xdp_noconn) what="XDP, counters, flows, records, no connection analysis" ;;
				xdp_default) what="XDP, defaults (flows, connection analysis, records 1/1 up to 1000/s)" ;;
				xdp_filter) what="XDP, defaults + filter 'tcp port 443 or udp'" ;;
				esac
				goal=-
				[ $p = xdp_default ] && [ $kind = ack ] && goal="<= 12x floor"
				v=$(kc $p "$kind")
				row "kernel cost, $(kind_name $kind): wirelens $what" "$(printf '%.1f ns' "$v")" \
					"$(ratio "$v" "$xf" '%.2fx floor')" "$goal"
			done
			row "kernel cost, $(kind_name $kind): empty TC program (floor)" \
				"$(printf '%.1f ns' "$tf")" "1.00x" "-"
			goal=-
			[ $kind = ack ] && goal="<= 6x floor"
			v=$(kc tc_default "$kind")
			row "kernel cost, $(kind_name $kind): wirelens TC egress, defaults" \
				"$(printf '%.1f ns' "$v")" "$(ratio "$v" "$tf" '%.2fx floor')" "$goal"
		done
		v=$(kc xdp_all mix)
		row "kernel cost, mix: wirelens XDP, a record of every frame, no limit (ring drained)" \
			"$(printf '%.1f ns' "$v")" "$(ratio "$v" "$(kc xdp_floor mix)" '%.2fx floor')" "-"
		ff=$(awk '$1 == "flows" && $3 == "floor" { print $5 }' "$TMP/kcost")
		nf=$(awk '$1 == "flows" { print $2; exit }' "$TMP/kcost")
		row "kernel cost, $nf distinct flows, each frame once: empty XDP program (floor)" \
			"$(printf '%.1f ns' "$ff")" "1.00x" "-"
		for pass in first second; do
			v=$(awk -v p=$pass '$1 == "flows" && $3 == p { print $5 }' "$TMP/kcost")
			goal=-
			[ $pass = second ] && goal="<= 12x floor"
			row "kernel cost, $nf distinct flows, $pass pass: wirelens XDP, defaults" \
				"$(printf '%.1f ns' "$v")" "$(ratio "$v" "$ff" '%.2fx floor')" "$goal"
		done
	else
		row "kernel cost" "failed: $(head -1 "$TMP/kcost.err")" "-" "-"
	fi
else
	row "kernel cost" "skipped (needs root)" "-" "-"
fi

# A pcap of N UDP frames of SIZE bytes from B to A, distinct source ports.
frames_pcap() { # OUT N SIZE
	python3 - "$@" <<-'EOF'
		import struct, sys
		out, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
		eth = bytes.fromhex("020000000001020000000002") + b"\x08\x00"
		with open(out, "wb") as f:
		    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
		    for i in range(n):
		        plen = size - 14 - 28
		        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + plen, 0, 0, 64, 17, 0,
		                         bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1]))
		        udp = struct.pack("!HHHH", 1024 + i % 60000, 9, 8 + plen, 0)
		        pkt = eth + ip + udp + b"\0" * plen
		        f.write(struct.pack("<IIII", 1700000000, i, len(pkt), len(pkt)) + pkt)
	EOF
}

# tx packets of the sending veth end, and what it dropped (the peer's queue was full).
veth_tx() { ip -n "$NSB" -s -j link show dev "$VB" | jq -r '.[0].stats64.tx | "\(.packets) \(.dropped)"'; }

# 2. exact counting at the maximum rate
maxrate() { # SIZE
	local size=$1 n sent drop x p t0 t1 td pps
	say "maximum rate, $size-byte frames"
	frames_pcap "$TMP/f$size.pcap" 10000 "$size" || return
	n=$((10000 * RATE_LOOPS))
	net_up || { row "max rate" "cannot create namespaces" "-" "-"; return; }
	# wirelens XDP
	daemon_start x --backend xdp --ingress xdp --no-web --pin-path "$PIN_BASE-x$size" --json || return
	read -r t0 d0 < <(veth_tx)
	local s0 s1
	s0=$(date +%s.%N)
	replay B "$TMP/f$size.pcap" --topspeed --loop="$RATE_LOOPS"
	s1=$(date +%s.%N)
	sleep 1.5
	daemon_stop
	read -r t1 d1 < <(veth_tx)
	sent=$((t1 - t0))
	drop=$((d1 - d0))
	pps=$(echo "$n / ($s1 - $s0)" | bc -l)
	x=$(jq '.directions.in.totals.packets' "$TMP/x.json")
	row "max rate ${size} B: frames sent (tcpreplay --topspeed)" \
		"$(printf '%d at %.0f kpps' "$n" "$(echo "$pps / 1000" | bc -l)")" "-" "-"
	row "max rate ${size} B: wirelens XDP counted" "$x" \
		"$(ratio "$x" "$((n - drop))" '%.4f of frames reaching the hook') (veth dropped $drop)" \
		"100 %"
	# wirelens pcap
	daemon_start p --backend pcap --no-web --json || return
	read -r t0 d0 < <(veth_tx)
	replay B "$TMP/f$size.pcap" --topspeed --loop="$RATE_LOOPS"
	sleep 2
	daemon_stop
	read -r t1 d1 < <(veth_tx)
	drop=$((d1 - d0))
	p=$(jq '.directions.in.totals.packets' "$TMP/p.json")
	row "max rate ${size} B: wirelens pcap counted" "$p" \
		"$(ratio "$p" "$((n - drop))" '%.4f') (kernel drops $(jq .drops.pcap_kernel "$TMP/p.json"))" "-"
	# tcpdump
	"${IN_A[@]}" tcpdump -ni "$VA" -Q in -w /dev/null >/dev/null 2>"$TMP/td.err" &
	local tpid=$!
	sleep 1.5
	read -r t0 d0 < <(veth_tx)
	replay B "$TMP/f$size.pcap" --topspeed --loop="$RATE_LOOPS"
	sleep 2
	kill -INT "$tpid"
	wait "$tpid" 2>/dev/null
	read -r t1 d1 < <(veth_tx)
	drop=$((d1 - d0))
	td=$(awk '/packets captured/ { print $1 }' "$TMP/td.err")
	row "max rate ${size} B: tcpdump -w /dev/null captured" "${td:-?}" \
		"$(ratio "${td:-0}" "$((n - drop))" '%.4f') ($(awk '/dropped by kernel/ { print $1 }' "$TMP/td.err") dropped by kernel)" "-"
	net_down
}

# Busy share of all CPUs between two /proc/stat samples.
cpu_sample() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }

# 3. iperf3 across the veth with a sensor on A: Gbit/s and CPU busy %
iperf_with() { # LABEL SENSOR-ARGS... ("none" | "tcpdump" | wirelens args)
	local label=$1 i b0 a0 b1 a1 bps cpu
	shift
	case $1 in
	none) ;;
	tcpdump)
		"${IN_A[@]}" tcpdump -ni "$VA" -w /dev/null >/dev/null 2>&1 &
		echo $! >>"$TMP/pids"
		local tpid=$!
		sleep 1
		;;
	*) daemon_start s --no-web "$@" || { row "overhead, $label" "daemon did not start" "-" "-"; return 1; } ;;
	esac
	for i in $(seq "$NETRUNS"); do
		read -r b0 a0 < <(cpu_sample)
		bps=$(ip netns exec "$NSB" iperf3 -c 198.18.0.1 -t "$IPERF_S" -J 2>/dev/null |
			jq '.end.sum_received.bits_per_second')
		read -r b1 a1 < <(cpu_sample)
		echo "$bps $(echo "100 * ($b1 - $b0) / ($a1 - $a0)" | bc -l)"
	done >"$TMP/iperf.$label"
	case $1 in
	none) ;;
	tcpdump) kill -INT "$tpid"; wait "$tpid" 2>/dev/null ;;
	*) daemon_stop ;;
	esac
	awk '{ print $1 }' "$TMP/iperf.$label" | median >"$TMP/iperf.$label.bps"
	awk '{ print $2 }' "$TMP/iperf.$label" | median >"$TMP/iperf.$label.cpu"
}

overhead() {
	local base bps cpu
	say "iperf3 overhead ($NETRUNS runs of $IPERF_S s per sensor)"
	net_up addr || { row "overhead" "cannot create namespaces" "-" "-"; return; }
	ip netns exec "$NSA" iperf3 -s -D -I "$TMP/iperf3.pid" >/dev/null 2>&1
	sleep 0.5
	iperf_with none none
	iperf_with default --pin-path "$PIN_BASE-o0"
	iperf_with xdp-native --backend xdp --xdp-mode native --pin-path "$PIN_BASE-o"
	iperf_with xdp-generic --backend xdp --xdp-mode generic --pin-path "$PIN_BASE-o2"
	iperf_with pcap --backend pcap
	iperf_with tcpdump tcpdump
	kill "$(cat "$TMP/iperf3.pid")" 2>/dev/null
	base=$(cat "$TMP/iperf.none.bps")
	for l in none default xdp-native xdp-generic pcap tcpdump; do
		bps=$(cat "$TMP/iperf.$l.bps")
		cpu=$(cat "$TMP/iperf.$l.cpu")
		goal=-
		what=$l
		[ $l = default ] && goal=">= 95 % of no sensor, above tcpdump" &&
			what="wirelens default attach (TC ingress + egress, TCX)"
		case $l in xdp-* | pcap) what="wirelens $l" ;; esac
		row "overhead, iperf3 TCP across the veth, $what" \
			"$(printf '%.2f Gbit/s, CPU %.0f %%' "$(echo "$bps / 1000000000" | bc -l)" "$cpu")" \
			"$(ratio "$bps" "$base" '%.3f of no sensor')" "$goal"
	done
	net_down
}

if [ "$(id -u)" = 0 ] && have_bpf; then
	maxrate 64
	maxrate 1500
	if command -v iperf3 >/dev/null; then overhead; else row "overhead" "iperf3 missing (make deps)" "-" "-"; fi
else
	row "max rate, overhead" "skipped (needs root and BPF)" "-" "-"
fi

# 4. offline analysis speed
say "offline speed ($RUNS runs on $PACKETS packets)"
floor=$(rate "$PCOUNT" "$TMP/bulk.pcap")
wl=$(rate "$WL" -r "$TMP/bulk.pcap" --json)
row "offline, minimal libpcap loop (floor)" "$(printf '%.0f pkt/s' "$floor")" "1.00x" "-"
row "offline, wirelens -r --json" "$(printf '%.0f pkt/s' "$wl")" \
	"$(printf '%.2fx floor' "$(echo "$wl / $floor" | bc -l)")" ">= 0.67x floor"
if command -v tcpdump >/dev/null; then
	td=$(rate tcpdump -nr "$TMP/bulk.pcap")
	row "offline, tcpdump -nr" "$(printf '%.0f pkt/s' "$td")" \
		"$(printf 'wirelens %.1fx faster' "$(echo "$wl / $td" | bc -l)")" "-"
fi
if command -v tshark >/dev/null; then
	ts=$(rate tshark -r "$TMP/bulk.pcap" -q -z io,phs)
	row "offline, tshark -q -z io,phs" "$(printf '%.0f pkt/s' "$ts")" \
		"$(printf 'wirelens %.1fx faster' "$(echo "$wl / $ts" | bc -l)")" ">= 10x tshark"
	ts=$(rate tshark -r "$TMP/bulk.pcap" -q -z conv,ip)
	row "offline, tshark -q -z conv,ip" "$(printf '%.0f pkt/s' "$ts")" \
		"$(printf 'wirelens %.1fx faster' "$(echo "$wl / $ts" | bc -l)")" ">= 10x tshark"
fi

# 5. memory: 1 M distinct flows
say "memory with $FLOWS distinct flows"
flows_pcap() { # OUT N
	python3 - "$1" "$2" <<-'EOF'
		import struct, sys
		eth = bytes.fromhex("020000000001020000000002") + b"\x08\x00"
		with open(sys.argv[1], "wb") as f:
		    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
		    hdr = struct.Struct("<IIII"); ipu = struct.Struct(">BBHHHBBHIIHHHH")
		    for i in range(int(sys.argv[2])):
		        src = 0xC6120000 | (i % 65536); dst = 0xC6130000 | ((i * 7) % 65536)
		        pkt = eth + ipu.pack(0x45, 0, 46, 0, 0, 64, 17, 0, src, dst, 1024 + i % 50000, 53000, 26, 0) + b"\0" * 18
		        f.write(hdr.pack(1700000000 + i // 100000, i % 100000 * 10, len(pkt), len(pkt)) + pkt)
	EOF
}
flows_pcap "$TMP/flows.pcap" "$FLOWS"
FLOWS_TEXT=$(printf "%d" "$FLOWS" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
rss=$(python3 -c '
import resource, subprocess, sys
subprocess.run([sys.argv[1], "-r", sys.argv[2], "--json"], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$WL" "$TMP/flows.pcap")
row "memory, wirelens -r, $FLOWS_TEXT distinct flows: peak RSS" "$rss MiB" "-" "<= 64 MiB"
if [ "$(id -u)" = 0 ] && have_bpf && net_up; then
	daemon_start m --backend xdp --no-web --pin-path "$PIN_BASE-m" --json
	replay B "$TMP/flows.pcap" --topspeed
	sleep 2.5
	live_rss=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$DPID/status")
	mapmem=$(bpftool -j map show | jq '[.[] | select(.name | test("^wl_|^wirelens")) |
		.bytes_memlock | tonumber] | add / 1048576 * 10 | round / 10')
	daemon_stop
	row "memory, live daemon (XDP) after $FLOWS_TEXT distinct flows: peak RSS" "$live_rss MiB" "-" \
		"<= 64 MiB"
	row "memory, BPF maps (bpftool bytes_memlock, all wirelens maps)" "$mapmem MiB" "-" "-"
	net_down
fi

# Map memory with 1 and with 50 interfaces: one flow table, ring buffers and scratch space serve
# them all; each interface adds its programs and a few small counter maps.
maps_mib() {
	bpftool -j map show | jq '[.[] | select(.name | test("^wl_|^wirelens")) | .bytes_memlock |
		tonumber] | add / 1048576'
}
if [ "$(id -u)" = 0 ] && have_bpf && net_up; then
	say "map memory with 1 and 50 interfaces"
	list=""
	for i in $(seq 50); do
		ip link add "${RUN}v$i" netns "$NSA" type veth peer name "${RUN}p$i" netns "$NSB" &&
			ip -n "$NSA" link set "${RUN}v$i" up && ip -n "$NSB" link set "${RUN}p$i" up
		list="$list,${RUN}v$i"
	done
	daemon_start m1 --no-web --pin-path "$PIN_BASE-m1"
	one=$(maps_mib)
	daemon_stop
	"${IN_A[@]}" "$WL" -i "${list#,}" --no-web --pin-path "$PIN_BASE-m50" >/dev/null \
		2>"$TMP/m50.err" &
	DPID=$!
	t0=$(date +%s.%N)
	for _ in $(seq 1200); do
		[ "$(grep -c "counting on" "$TMP/m50.err")" = 50 ] && break
		sleep 0.1
	done
	t1=$(date +%s.%N)
	fifty=$(maps_mib)
	daemon_stop
	row "memory, BPF maps, 1 interface" "$(printf '%.1f MiB' "$one")" "1.00x" "-"
	row "memory, BPF maps, 50 interfaces ($(printf '%.1f' "$(echo "$t1 - $t0" | bc -l)") s to attach all)" \
		"$(printf '%.1f MiB' "$fifty")" "$(ratio "$fifty" "$one" '%.3fx one interface')" \
		"<= 1.2x one interface"
	net_down
fi

# 6. API under load
say "API under load (wrk, $WRK_S s)"
wrk_run() { # URL -> "req/s p99_ms"
	"${IN_A[@]}" wrk -t2 -c50 -d"${WRK_S}s" --latency "$1" 2>/dev/null | awk '
		/Requests\/sec/ { rps = $2 }
		/^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } p99 = v }
		END { print rps + 0, p99 + 0 }'
}
if [ "$(id -u)" = 0 ] && have_bpf && command -v wrk >/dev/null && net_up; then
	daemon_start api --backend xdp --pin-path "$PIN_BASE-a" --json
	for i in $(seq 50); do grep -q "dashboard on" "$TMP/api.err" && break; sleep 0.1; done
	"$MKPCAP" -n 100000 -s 11 bulk "$TMP/load.pcap"
	(replay B "$TMP/load.pcap" --topspeed --loop=1000 &) 
	sleep 1
	read -r srps sp99 < <(wrk_run http://127.0.0.1:8080/style.css)
	read -r rps p99 < <(wrk_run http://127.0.0.1:8080/api/v1/stats)
	row "API, static file of the same server (baseline), frames at top speed" \
		"$(printf '%.0f req/s, p99 %.2f ms' "$srps" "$sp99")" "1.00x" "-"
	row "API, /api/v1/stats, frames at top speed" \
		"$(printf '%.0f req/s, p99 %.2f ms' "$rps" "$p99")" "$(ratio "$rps" "$srps" '%.2fx baseline')" \
		">= 10k req/s, p99 <= 5 ms"
	for i in $(seq 100); do
		"${IN_A[@]}" timeout $((WRK_S + 4)) curl -s -N http://127.0.0.1:8080/api/v1/events \
			>"$TMP/sse.$i" 2>/dev/null &
	done
	sleep 2
	clients=$("${IN_A[@]}" curl -s -m 5 http://127.0.0.1:8080/metrics |
		awk '/^wirelens_sse_clients/ { print $2 }')
	read -r rps p99 < <(wrk_run http://127.0.0.1:8080/api/v1/stats)
	sleep 2
	ev=$(for i in $(seq 100); do grep -c '^event: ' "$TMP/sse.$i"; done | median)
	row "API, /api/v1/stats with $clients SSE clients connected" \
		"$(printf '%.0f req/s, p99 %.2f ms; median %s events per client in %s s' "$rps" "$p99" "$ev" "$((WRK_S + 2))")" \
		"$(ratio "$rps" "$srps" '%.2fx baseline')" ">= 10k req/s, p99 <= 5 ms"
	pkill -f "tcpreplay -q -i $VB" 2>/dev/null
	daemon_stop
	net_down
fi


header="wirelens bench, $(date -u +%Y-%m-%d), $(nproc) CPUs, kernel $(uname -r), $PACKETS packets, median of $RUNS"
{
	echo "# $header"
	echo
	echo "| measurement | figure | ratio | goal |"
	echo "|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} | tee "$TMP/table.md"
if [ "${BENCH_QUICK:-0}" != 1 ]; then
	cp "$TMP/table.md" tests/bench/RESULTS.md
fi
