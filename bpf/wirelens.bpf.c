// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ingress programs (XDP, or TC where XDP would cost the host throughput) and the TC egress
 * program: classify every frame and count it per CPU, in flows and in the connection analysis.
 *
 * The common path of a frame costs one coarse clock read, plain (per-CPU or single-writer)
 * adds, one flow lookup and, for a new flow, one insert. The precise clock is read only by a
 * frame that starts or ends a round trip (bpf/conn.h) or is sampled into a record; nothing is
 * copied for a record unless one is emitted.
 */
#define BPF_NO_PRESERVE_ACCESS_INDEX /* no CO-RE relocations: loads without kernel BTF too */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "wirelens.h"
#include "parse.h"
#include "flow.h"
#include "filter_vm.h"
#include "conn.h"

/*
 * TC verdict: "go on" (TC_ACT_UNSPEC for clsact, TCX_NEXT for TCX): the frame passes, and any
 * program attached after ours still runs. A passive sensor never ends the chain.
 */
#define WL_TC_NEXT (-1)

/*
 * Load-time settings. cfg_xdp_frags: the kernel has bpf_xdp_get_buff_len() and the program is
 * loaded with BPF_F_XDP_HAS_FRAGS, so multi-buffer frames are counted with their full length.
 */
const volatile __u8 cfg_xdp_frags = 0;
/* cfg_flows: maintain the flow table (1, the default); 0 measures the counters alone (bench). */
const volatile __u8 cfg_flows = 1;
/* cfg_conn: connection analysis (RTT, TCP health, scan probes) on flows; 0 for the bench. */
const volatile __u8 cfg_conn = 1;
/* cfg_max_packets: -c N counts only the first N frames of both hooks together; 0: no limit. */
const volatile __u64 cfg_max_packets = 0;
/*
 * cfg_link: the interface's number in the daemon, put in every flow key: one flow table (and one
 * set of the other large maps) serves every interface, each with its own small counter maps.
 */
const volatile __u16 cfg_link = 0;
/* Frames admitted so far under cfg_max_packets (shared by all CPUs, hence atomic). */
__u64 wl_admitted = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WL_DIR_MAX);
	__type(key, __u32); /* enum wl_dir; array maps need an integer key in BTF */
	__type(value, struct wl_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wl_stats SEC(".maps");

/*
 * Flows, normalised 5-tuples, IPv4 and IPv6 apart (a short key hashes faster); the least
 * recently used are evicted when full. Sizes set at load time by --flow-table-size.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WL_FLOW_TABLE_DEFAULT);
	__type(key, struct wl_flow_key4);
	__type(value, struct wl_flow_val);
} wl_flows4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WL_FLOW_TABLE_DEFAULT / 4);
	__type(key, struct wl_flow_key);
	__type(value, struct wl_flow_val);
} wl_flows6 SEC(".maps");

/* Sensor health counters that are not per direction. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_health);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wl_health SEC(".maps");

/* A long IPv6 chain is walked in a copy of the frame's first bytes (as far as it may reach). */
#define WL_DEEP_LEN (2 * WL_IPV6_EXT_SPAN)

/*
 * Per-CPU scratch space: the parse result, the filter's view of the frame and the packet
 * record being built. In map memory rather than on the stack: the stack is too small, and
 * the verifier does not track values in map memory, so after parsing, the many parser paths
 * (VLAN tags, IPv6 extension headers, application rules) collapse into one state for the
 * counting code instead of multiplying with it.
 */
struct wl_scratch {
	struct wl_pkt pkt;
	struct wl_clock clk;
	struct wl_flow_key key;
	struct wl_flow_key4 key4;
	__u32 pkts;  /* frames this one stands for (a GSO/GRO aggregate: its segments) */
	__u32 bytes; /* and their bytes, each with its headers */
	__u32 l4n;   /* transport header bytes in l4, for the connection analysis */
	__u8 dir;    /* enum wl_dir */
	__u8 pad[3];
	struct wl_filter_env env;
	struct wl_filter_state fst;
	__u32 nth; /* matching frames since the last sample */
	__u8 win[WL_FILTER_WINDOW + 16];
	struct wl_sample rec;
	__u8 data[WL_SNAPLEN_MAX + 16];
	struct wl_conn_out cout;
	__u8 l4[WL_CONN_L4_LEN + 16];
	struct wl_flow_val newflow;
	struct wl_ipv6_walk walk;
	__u32 deep_len;
	__u8 deep[WL_DEEP_LEN + 128];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_scratch);
} wl_scratch SEC(".maps");

/* Whose counters the pinned maps hold (user/loader.c); the programs never touch it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_ident);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wl_ident SEC(".maps");

/* TCP health and handshakes over all flows, per direction. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WL_DIR_MAX);
	__type(key, __u32);
	__type(value, struct wl_tcp_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wl_tcp SEC(".maps");

/* RTT samples and scan probes: every one, not sampled (size set at load time). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} wl_events SEC(".maps");

/* Sampled packet records for the daemon (size set at load time). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 21);
} wl_samples SEC(".maps");

/* Run-time settings and the two filter programs (the daemon fills one, then switches). */
struct wl_settings wl_set = {.sample_every = 1, .snaplen = WL_SNAPLEN_DEFAULT};
struct wl_filter_prog wl_filter[2];
/*
 * The end (coarse CLOCK_MONOTONIC) of the second whose records are counted against
 * max_samples_per_sec, and the count.
 */
__u64 wl_rate_end;
__u64 wl_rate_count;

/* Filter instructions run per bpf_loop() step: fewer calls, one step checked by the verifier. */
#define WL_FILTER_BATCH 4

static long filter_step(__u64 i, void *ctx)
{
	const struct wl_filter_prog *prog = &wl_filter[wl_set.filter_slot & 1];
	struct wl_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&wl_scratch, &zero);
	if (!sc)
		return 1;
#pragma unroll
	for (int k = 0; k < WL_FILTER_BATCH; k++)
		if (wl_filter_step(prog, &sc->fst, sc->win, &sc->env))
			return 1;
	return 0;
}

/*
 * n in [1, mask + 1] as the verifier can see it (mask + 1 a power of two, n already at most
 * that: the value does not change).
 */
static __always_inline __u32 bounded_len(__u32 n, __u32 mask)
{
	barrier_var(n); /* bpf_helpers.h: forget what the compiler knows of n */
	return ((n - 1) & mask) + 1;
}

/*
 * Copy the first n (1..mask + 1) bytes of the frame to dst, which has room for mask + 1 + 16
 * bytes; an egress VLAN tag held in skb metadata is put back where pcap shows it.
 */
static __always_inline int frame_bytes(void *ctx, bool tc, __u8 *dst, __u32 n, __u32 mask)
{
	struct __sk_buff *skb = ctx;

	if (!n)
		return -1;
	n = bounded_len(n, mask);
	if (!tc)
		return bpf_xdp_load_bytes(ctx, 0, dst, n);
	if (!skb->vlan_present)
		return bpf_skb_load_bytes(skb, 0, dst, n);
	/* Addresses, then the tag, then the rest: 4 bytes more than the skb holds. */
	if (n <= 16)
		return -1;
	if (bpf_skb_load_bytes(skb, 0, dst, 12))
		return -1;
	dst[12] = skb->vlan_proto & 0xff; /* vlan_proto is in network order */
	dst[13] = skb->vlan_proto >> 8;
	dst[14] = skb->vlan_tci >> 8;
	dst[15] = skb->vlan_tci & 0xff;
	return bpf_skb_load_bytes(skb, 12, dst + 16, bounded_len(n - 16, mask));
}

/*
 * The filter's verdict on the frame whose first caplen bytes are in the scratch window: 1 to
 * count it, 0 not. The program is interpreted WL_FILTER_BATCH instructions per bpf_loop()
 * step. A global function: the verifier checks the interpreter once.
 */
__noinline int wl_filter_run(__u32 caplen)
{
	struct wl_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&wl_scratch, &zero);
	if (!sc)
		return 0;
	sc->env.caplen = caplen;
	sc->fst.a = sc->fst.x = sc->fst.pc = sc->fst.done = sc->fst.verdict = 0;
	bpf_loop(WL_FILTER_MAX_INSNS / WL_FILTER_BATCH + 1, filter_step, NULL, 0);
	return sc->fst.done && sc->fst.verdict;
}

/* No filter: no cost but one load. A filter: the window copied, then its verdict. */
static __always_inline bool filter_match(void *ctx, bool tc, struct wl_scratch *sc, __u64 len)
{
	__u32 n = len < WL_FILTER_WINDOW ? len : WL_FILTER_WINDOW;

	if (!wl_filter[wl_set.filter_slot & 1].len)
		return true;
	if (frame_bytes(ctx, tc, sc->win, n, WL_FILTER_WINDOW - 1))
		n = 0; /* unreadable: every load fails, as on an empty capture */
	sc->env.app = sc->pkt.app;
	return wl_filter_run(n);
}

/*
 * 1 in sample_every matching frames, at most max_samples_per_sec per second in all. A frame over
 * the limit costs two reads of shared, rarely written words; the record itself (the precise
 * clock, the copy of the frame) is made only when one is emitted.
 */
static __always_inline void sample(void *ctx, bool tc, struct wl_scratch *sc, __u64 len,
				   enum wl_dir dir, __u32 ifindex)
{
	struct wl_sample *r = &sc->rec;
	const struct wl_pkt *p = &sc->pkt;
	__u32 every = wl_set.sample_every, cap = wl_set.max_samples_per_sec, snap, n;
	struct wl_health *h;
	__u32 zero = 0;

	if (!every)
		return;
	if (every > 1) {
		if (++sc->nth < every)
			return;
		sc->nth = 0;
	}
	if (cap) {
		__u64 now = sc->clk.coarse;

		if (now >= wl_rate_end) {
			/* The first CPU into a new second restarts the count. */
			__u64 old = wl_rate_end;

			if (__sync_val_compare_and_swap(
				    &wl_rate_end, old, (now / 1000000000ull + 1) * 1000000000ull) ==
			    old)
				wl_rate_count = 0;
		}
		/* Over the limit: a plain read, no atomic on a line every CPU shares. */
		if (wl_rate_count >= cap || __sync_fetch_and_add(&wl_rate_count, 1) >= cap) {
			h = bpf_map_lookup_elem(&wl_health, &zero);
			if (h)
				h->samples_limited++;
			return;
		}
	}
	h = bpf_map_lookup_elem(&wl_health, &zero);
	if (!h)
		return;
	snap = wl_set.snaplen;
	if (snap > WL_SNAPLEN_MAX)
		snap = WL_SNAPLEN_MAX;
	n = snap;
	if ((p->app == WL_APP_DNS || p->app == WL_APP_MDNS || p->app == WL_APP_LLMNR ||
	     p->app == WL_APP_HTTP || p->app == WL_APP_TLS) &&
	    n < WL_DECODE_LEN)
		n = WL_DECODE_LEN;
	if (n > len)
		n = len;
	if (n > WL_SNAPLEN_MAX)
		n = WL_SNAPLEN_MAX;
	if (frame_bytes(ctx, tc, sc->data, n, WL_SNAPLEN_MAX - 1))
		n = 0;
	r->ts_ns = bpf_ktime_get_boot_ns();
	r->ifindex = ifindex;
	r->len = len;
	r->caplen = n;
	r->snaplen = snap;
	r->dir = dir;
	wl_sample_classify(r, p);
	barrier_var(n);
	if (n > WL_SNAPLEN_MAX)
		return;
	if (bpf_ringbuf_output(&wl_samples, r, sizeof(*r) + n, 0))
		h->samples_lost++;
	else
		h->samples++;
}

/* Read the frame's transport header into sc->l4 for the connection analysis: its length. */
static __always_inline __u32 conn_header(void *ctx, bool tc, struct wl_scratch *sc, __u32 framelen)
{
	const struct wl_pkt *p = &sc->pkt;
	__u32 off = p->l4_off, n;
	int err;

	if (!off || off >= framelen || (p->flags & WL_PF_LATER_FRAGMENT))
		return 0;
	if (p->l4 == WL_L4_UDP)
		return 8; /* the analysis of UDP reads no header bytes: the parse result is enough */
	if (p->l4 != WL_L4_TCP && p->l4 != WL_L4_ICMP && p->l4 != WL_L4_ICMPV6)
		return 0;
	n = framelen - off;
	/* TCP: its header with options, no more; ICMP: the quoted datagram's start too. */
	if (p->l4 == WL_L4_TCP && p->payload_off > off && n > (__u32)p->payload_off - off)
		n = p->payload_off - off;
	if (n > WL_CONN_L4_LEN)
		n = WL_CONN_L4_LEN;
	n = bounded_len(n, WL_CONN_L4_LEN - 1);
	if (!tc && off < 1024) {
		/* XDP: straight from the frame, in words, when the bytes are there (a call less). */
		const __u8 *data = (void *)(long)((struct xdp_md *)ctx)->data;
		const __u8 *end = (void *)(long)((struct xdp_md *)ctx)->data_end;
		__u32 o = off;

		WL_OPAQUE(o);
		o &= 1023;
		if (data + o + WL_CONN_L4_LEN <= end) {
			__builtin_memcpy(sc->l4, data + o, WL_CONN_L4_LEN);
			return n;
		}
		if (n <= 32 && data + o + 32 <= end) {
			__builtin_memcpy(sc->l4, data + o, 32);
			return n;
		}
	}
	if (tc)
		err = bpf_skb_load_bytes(ctx, off, sc->l4, n);
	else
		err = bpf_xdp_load_bytes(ctx, off, sc->l4, n);
	return err ? 0 : n;
}

/*
 * The connection analysis of one frame of a flow (side: where it comes from): updates the
 * flow's wl_conn and leaves what it found in sc->cout. A global function: the verifier checks it
 * once, apart from the paths of the flow accounting, whether v is in the table or a new flow
 * built in scratch memory.
 */
__noinline int wl_conn_frame(struct wl_scratch *sc, struct wl_flow_val *v, __u32 side)
{
	if (!sc || !v)
		return 0;
	sc->cout.dir = sc->dir;
	wl_conn_update_clk(&v->conn, &sc->cout, &sc->pkt, sc->l4, sc->l4n, side & 1, &sc->clk);
	return 0;
}

/* Count what the analysis of this frame found, and hand its events on. */
static __always_inline void conn_report(struct wl_scratch *sc)
{
	struct wl_conn_out *o = &sc->cout;
	__u32 key = sc->dir, zero = 0;
	struct wl_tcp_stats *ts;
	struct wl_health *h;

	if (o->marks) {
		ts = bpf_map_lookup_elem(&wl_tcp, &key);
		if (ts && o->marks == WL_CM_SEGMENT) {
			ts->segments++; /* the common case: a segment and nothing else */
		} else if (ts) {
			ts->segments += !!(o->marks & WL_CM_SEGMENT);
			ts->retransmissions += !!(o->marks & WL_CM_RETRANS);
			ts->out_of_order += !!(o->marks & WL_CM_OOO);
			ts->duplicate_acks += !!(o->marks & WL_CM_DUPACK);
			ts->zero_windows += !!(o->marks & WL_CM_ZEROWIN);
			ts->resets += !!(o->marks & WL_CM_RST);
			ts->syns += !!(o->marks & WL_CM_SYN);
			ts->synacks += !!(o->marks & WL_CM_SYNACK);
			ts->handshakes += !!(o->marks & WL_CM_ESTAB);
		}
	}
	if (!o->nev)
		return;
	h = bpf_map_lookup_elem(&wl_health, &zero);
	if (!h)
		return;
	for (__u32 i = 0; i < WL_CONN_EVENTS; i++) {
		if (i >= o->nev)
			break;
		if (bpf_ringbuf_output(&wl_events, &o->ev[i], sizeof(struct wl_event), 0))
			h->events_lost++;
		else
			h->events++;
	}
}

/* Add the frame to a flow: one counter (by side and hook), the last-seen time, flags, app. */
static __always_inline void flow_add(struct wl_flow_val *v, const struct wl_scratch *sc, int side)
{
	struct wl_counter *c = &v->ctr[side & 1][sc->dir & 1];
	const struct wl_pkt *p = &sc->pkt;

	c->packets += sc->pkts;
	c->bytes += sc->bytes;
	v->last_ns = sc->clk.coarse;
	if (p->l4 == WL_L4_TCP) {
		if (side)
			v->tcp_flags_ba |= p->tcp_flags;
		else
			v->tcp_flags_ab |= p->tcp_flags;
	}
	if (v->app <= WL_APP_UNKNOWN && p->app > WL_APP_UNKNOWN)
		v->app = p->app;
	else if (v->app == WL_APP_NONE)
		v->app = p->app;
}

/*
 * Count a frame that matched: its classes, its flow and the flow's connection analysis. A
 * global function, so the verifier checks it once rather than after each parser path.
 */
__noinline int wl_account(struct wl_scratch *sc)
{
	struct wl_flow_val *v;
	struct wl_health *h;
	struct wl_stats *s;
	__u32 key, zero = 0;
	int side = 0, err;
	bool v4, fresh;

	if (!sc)
		return 0;
	key = sc->dir;
	s = bpf_map_lookup_elem(&wl_stats, &key);
	if (!s)
		return 0;
	/* Per-CPU value, and ingress and egress use different keys: plain adds are exact. */
	wl_stats_add_n(s, &sc->pkt, sc->pkts, sc->bytes);
	if (!cfg_flows)
		return 0;
	v4 = wl_flow_key4_build(&sc->pkt, &sc->key4, &side);
	if (v4) {
		sc->key4.link = cfg_link;
		v = bpf_map_lookup_elem(&wl_flows4, &sc->key4);
	} else {
		if (!wl_flow_key_of(&sc->pkt, &sc->key, &side))
			return 0;
		sc->key.link = cfg_link;
		v = bpf_map_lookup_elem(&wl_flows6, &sc->key);
	}
	fresh = !v;
	if (fresh) {
		/* A new flow, built with this frame in it, then inserted: one map update. */
		v = &sc->newflow;
		__builtin_memset(v, 0, sizeof(*v));
		v->first_ns = sc->clk.coarse;
		v->flags = side ? WL_FLOW_F_B_FIRST : 0;
	}
	flow_add(v, sc, side);
	if (sc->l4n)
		wl_conn_frame(sc, v, side);
	if (fresh) {
		if (v4)
			err = bpf_map_update_elem(&wl_flows4, &sc->key4, v, BPF_NOEXIST);
		else
			err = bpf_map_update_elem(&wl_flows6, &sc->key, v, BPF_NOEXIST);
		if (err) {
			/*
			 * EEXIST: another CPU inserted the flow a moment ago. The frame's counts
			 * go to theirs; its analysis is not done again (a race of one frame).
			 */
			v = err != -17 /* EEXIST */ ? NULL
			    : v4		    ? bpf_map_lookup_elem(&wl_flows4, &sc->key4)
						    : bpf_map_lookup_elem(&wl_flows6, &sc->key);
			if (v) {
				flow_add(v, sc, side);
			} else {
				h = bpf_map_lookup_elem(&wl_health, &zero);
				if (h)
					h->flow_insert_failed++;
			}
		}
	}
	if (sc->l4n)
		conn_report(sc);
	return 0;
}

/* A step of the walk through a long IPv6 chain, over the frame's copy in scratch memory. */
static long deep_step(__u64 i, void *unused)
{
	struct wl_scratch *sc;
	__u32 zero = 0, n;

	sc = bpf_map_lookup_elem(&wl_scratch, &zero);
	if (!sc)
		return 1;
	n = sc->deep_len;
	if (n > WL_DEEP_LEN)
		return 1;
	return wl_ipv6_walk_step(sc->deep, sc->deep + n, &sc->pkt, &sc->walk);
}

/*
 * The rest of a long IPv6 extension-header chain (WL_PF_DEEP_EXT): the frame's first bytes are
 * copied to scratch memory, the chain walked there one bpf_loop() step at a time, and what
 * follows it classified there. In a global function per hook kind: the verifier checks it once.
 */
static __always_inline int parse_deep(void *ctx, struct wl_scratch *sc, __u32 len, bool tc)
{
	struct wl_cursor c;
	struct wl_pkt *p;
	__u32 n, off;
	int err;

	if (!sc)
		return 0;
	p = &sc->pkt;
	n = len < WL_DEEP_LEN ? len : WL_DEEP_LEN;
	if (!n)
		return 0;
	n = bounded_len(n, WL_DEEP_LEN - 1);
	if (tc)
		err = bpf_skb_load_bytes(ctx, 0, sc->deep, n);
	else
		err = bpf_xdp_load_bytes(ctx, 0, sc->deep, n);
	if (err)
		return 0;
	sc->deep_len = n;
	sc->walk.off = p->l4_off;
	sc->walk.nh = p->ip_proto;
	sc->walk.ret = -2;
	p->flags &= ~WL_PF_DEEP_EXT;
	p->l4_off = 0;
	bpf_loop(WL_IPV6_EXT_SPAN / 8 + 1, deep_step, NULL, 0);
	off = sc->walk.off;
	WL_OPAQUE(off);
	c.start = sc->deep;
	c.pos = sc->deep + (off & (WL_IPV6_EXT_SPAN - 1));
	c.end = sc->deep + n;
	wl_parse_upper(&c, p, sc->walk.ret);
	return 0;
}

/*
 * Parse the frame into sc->pkt. Global functions, one per hook kind: the verifier checks the
 * parser's many paths (VLAN tags, IPv6 extension headers, application rules) once, and the
 * counting code after it once, instead of once per parser path. len: the frame's length;
 * vlan_tci: a VLAN tag held in skb metadata, with bit 16 set when there is one.
 */
__noinline int wl_parse_xdp(struct xdp_md *ctx, struct wl_scratch *sc, __u32 len)
{
	if (!sc)
		return 0;
	wl_parse_frame((void *)(long)ctx->data, (void *)(long)ctx->data_end, &sc->pkt);
	if (sc->pkt.flags & WL_PF_DEEP_EXT)
		parse_deep(ctx, sc, len, false);
	return 0;
}

__noinline int wl_parse_skb(struct __sk_buff *skb, struct wl_scratch *sc, __u32 vlan_tci)
{
	if (!sc)
		return 0;
	wl_parse_frame_tagged((void *)(long)skb->data, (void *)(long)skb->data_end, &sc->pkt,
			      vlan_tci >> 16, (__u16)vlan_tci);
	if (sc->pkt.flags & WL_PF_DEEP_EXT)
		parse_deep(skb, sc, skb->len, true);
	return 0;
}

/*
 * One frame at a hook. len: its length as pcap shows it; segs: the segments of a GSO/GRO
 * aggregate (0 or 1: a plain frame); vlan_tci: a VLAN tag held in skb metadata, with bit 16 set
 * when there is one (each segment carries its 4 bytes besides the headers the parser sees);
 * framelen: the bytes the helpers read.
 */
static __always_inline void count_frame(void *ctx, bool tc, const void *data, const void *data_end,
					__u64 len, __u32 segs, __u32 vlan_tci, enum wl_dir dir,
					__u32 ifindex, __u32 framelen)
{
	__u32 hdr_extra = vlan_tci >> 16 ? 4 : 0;
	struct wl_scratch *sc;
	struct wl_stats *s;
	__u32 key = dir, zero = 0, pkts = 1;
	__u64 bytes = len;

	s = bpf_map_lookup_elem(&wl_stats, &key);
	sc = bpf_map_lookup_elem(&wl_scratch, &zero);
	if (!s || !sc)
		return;
	if (tc)
		wl_parse_skb(ctx, sc, vlan_tci);
	else
		wl_parse_xdp(ctx, sc, framelen);
	/*
	 * An aggregate counts as the frames it stands for, each with its own headers: the first
	 * holds them already, every other one adds them again.
	 */
	if (segs > 1) {
		pkts = segs;
		if (sc->pkt.payload_off)
			bytes += (__u64)(segs - 1) * (sc->pkt.payload_off + hdr_extra);
	}
	s->seen.packets += pkts;
	s->seen.bytes += bytes;
	if (!filter_match(ctx, tc, sc, len))
		return;
	/* (An aggregate that crosses the limit is counted whole.) */
	if (cfg_max_packets && __sync_fetch_and_add(&wl_admitted, pkts) >= cfg_max_packets)
		return;
	sc->clk.coarse = bpf_ktime_get_coarse_ns();
	sc->clk.fine = 0;
	sc->pkts = pkts;
	sc->bytes = bytes;
	sc->dir = dir;
	sc->l4n = cfg_flows && cfg_conn ? conn_header(ctx, tc, sc, framelen) : 0;
	wl_account(sc);
	sample(ctx, tc, sc, len, dir, ifindex);
}

SEC("xdp.frags")
int wl_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;

	if (cfg_xdp_frags)
		len = bpf_xdp_get_buff_len(ctx);
	count_frame(ctx, false, data, data_end, len, 1, 0, WL_DIR_IN, ctx->ingress_ifindex, len);
	return XDP_PASS;
}

/* Bytes of a frame that must be in its linear part for the parser to see them all. */
#define TC_LINEAR 256

static __always_inline int count_skb(struct __sk_buff *skb, enum wl_dir dir)
{
	__u32 want = skb->len < TC_LINEAR ? skb->len : TC_LINEAR, vlan = 0;
	void *data, *data_end;
	__u64 len = skb->len;

	/*
	 * A locally sent TCP segment often has only its headers in the linear part and the
	 * payload in pages: make the first bytes linear so that application signatures are seen
	 * as libpcap sees them. The frame's content does not change.
	 */
	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;

	/*
	 * A VLAN tag held in skb metadata (inserted by the NIC on egress, taken out by the stack
	 * on ingress) is not in the data; pcap shows the frame with the tag, so count its 4
	 * bytes. The frame itself is still classified by the inner EtherType.
	 */
	if (skb->vlan_present) {
		vlan = 1u << 16 | skb->vlan_tci;
		len += 4;
	}
	count_frame(skb, true, data, data_end, len, skb->gso_segs, vlan, dir, skb->ifindex,
		    skb->len);
	return WL_TC_NEXT;
}

/* Ingress at TC (TCX or clsact): on virtual devices, where native XDP would cost throughput. */
SEC("tc")
int wl_tc_ingress(struct __sk_buff *skb)
{
	return count_skb(skb, WL_DIR_IN);
}

SEC("tc")
int wl_tc_egress(struct __sk_buff *skb)
{
	return count_skb(skb, WL_DIR_OUT);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
