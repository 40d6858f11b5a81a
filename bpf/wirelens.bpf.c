// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* XDP (ingress) and TC (egress) programs: classify every frame and count it per CPU. */
#define BPF_NO_PRESERVE_ACCESS_INDEX /* no CO-RE relocations: loads without kernel BTF too */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "wirelens.h"
#include "parse.h"
#include "flow.h"
#include "filter_vm.h"
#include "conn.h"

#define TC_ACT_OK 0

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
/* Frames admitted so far under cfg_max_packets (shared by all CPUs, hence atomic). */
__u64 wl_admitted = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WL_DIR_MAX);
	__type(key, __u32); /* enum wl_dir; array maps need an integer key in BTF */
	__type(value, struct wl_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wl_stats SEC(".maps");

/* Flows, normalised 5-tuples; the least recently used are evicted when full. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WL_FLOW_TABLE_DEFAULT); /* set at load time by --flow-table-size */
	__type(key, struct wl_flow_key);
	__type(value, struct wl_flow_val);
} wl_flows SEC(".maps");

/* Sensor health counters that are not per direction. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_health);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wl_health SEC(".maps");

/*
 * Per-CPU scratch space: the parse result, the filter's view of the frame and the packet
 * record being built. In map memory rather than on the stack: the stack is too small, and
 * the verifier does not track values in map memory, so after parsing, the many parser paths
 * (VLAN tags, IPv6 extension headers, application rules) collapse into one state for the
 * counting code instead of multiplying with it.
 */
struct wl_scratch {
	struct wl_pkt pkt;
	struct wl_filter_env env;
	struct wl_filter_state fst;
	__u32 nth; /* matching frames since the last sample */
	__u8 win[WL_FILTER_WINDOW + 16];
	struct wl_sample rec;
	__u8 data[WL_SNAPLEN_MAX + 16];
	struct wl_conn_out cout;
	__u8 l4[WL_CONN_L4_LEN + 16];
	struct wl_flow_val newflow;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_scratch);
} wl_scratch SEC(".maps");

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

/* Returns the frame's flow value (NULL: no flow) and sets *from_b. */
static __always_inline struct wl_flow_val *count_flow(const struct wl_pkt *p, __u64 len,
						      enum wl_dir dir, int *side)
{
	struct wl_flow_key k;
	struct wl_flow_val *v;
	struct wl_counter *c;
	__u64 now;
	int from_b;

	if (!wl_flow_key_of(p, &k, &from_b))
		return NULL;
	*side = from_b;
	now = bpf_ktime_get_ns();
	v = bpf_map_lookup_elem(&wl_flows, &k);
	if (!v) {
		/* A new value is built in the scratch map: it is too big for the stack. */
		__u32 zero = 0;
		struct wl_scratch *sc = bpf_map_lookup_elem(&wl_scratch, &zero);

		if (!sc)
			return NULL;
		__builtin_memset(&sc->newflow, 0, sizeof(sc->newflow));
		sc->newflow.first_ns = now;
		sc->newflow.flags = from_b ? WL_FLOW_F_B_FIRST : 0;
		/* EEXIST: another CPU inserted it first; the lookup below finds theirs. */
		bpf_map_update_elem(&wl_flows, &k, &sc->newflow, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&wl_flows, &k);
		if (!v) {
			__u32 zero = 0;
			struct wl_health *h = bpf_map_lookup_elem(&wl_health, &zero);

			if (h)
				h->flow_insert_failed++;
			return NULL;
		}
	}
	/* Shared between CPUs: atomic adds. Flags and timestamps may race harmlessly. */
	c = from_b ? &v->ba : &v->ab;
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, len);
	if (dir == WL_DIR_IN || dir == WL_DIR_OUT) {
		c = dir == WL_DIR_IN ? &v->in : &v->out;
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, len);
	}
	v->last_ns = now;
	if (p->l4 == WL_L4_TCP) {
		if (from_b)
			v->tcp_flags_ba |= p->tcp_flags;
		else
			v->tcp_flags_ab |= p->tcp_flags;
	}
	if (v->app <= WL_APP_UNKNOWN && p->app > WL_APP_UNKNOWN)
		v->app = p->app;
	else if (v->app == WL_APP_NONE)
		v->app = p->app;
	return v;
}

/* Sampled packet records for the daemon (size set at load time). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 21);
} wl_samples SEC(".maps");

/* Run-time settings and the two filter programs (the daemon fills one, then switches). */
struct wl_settings wl_set = {.sample_every = 1, .snaplen = WL_SNAPLEN_DEFAULT};
struct wl_filter_prog wl_filter[2];
/* The second whose samples are being counted against max_samples_per_sec, and the count. */
__u64 wl_rate_sec;
__u64 wl_rate_count;

static long filter_step(__u64 i, void *ctx)
{
	struct wl_scratch *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&wl_scratch, &zero);
	if (!sc)
		return 1;
	return wl_filter_step(&wl_filter[wl_set.filter_slot & 1], &sc->fst, sc->win, &sc->env);
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

static __always_inline bool filter_match(void *ctx, bool tc, struct wl_scratch *sc, __u64 len)
{
	__u32 n = len < WL_FILTER_WINDOW ? len : WL_FILTER_WINDOW;

	if (!wl_filter[wl_set.filter_slot & 1].len)
		return true;
	if (frame_bytes(ctx, tc, sc->win, n, WL_FILTER_WINDOW - 1))
		n = 0; /* unreadable: every load fails, as on an empty capture */
	sc->env.caplen = n;
	sc->env.app = sc->pkt.app;
	sc->fst.a = sc->fst.x = sc->fst.pc = sc->fst.done = sc->fst.verdict = 0;
	bpf_loop(WL_FILTER_MAX_INSNS, filter_step, NULL, 0);
	return sc->fst.done && sc->fst.verdict;
}

/* 1 in sample_every matching frames, at most max_samples_per_sec per second in all. */
static __always_inline void sample(void *ctx, bool tc, struct wl_scratch *sc, __u64 len,
				   enum wl_dir dir, __u32 ifindex)
{
	struct wl_sample *r = &sc->rec;
	const struct wl_pkt *p = &sc->pkt;
	__u32 every = wl_set.sample_every, cap = wl_set.max_samples_per_sec, snap, n;
	struct wl_health *h;
	__u32 zero = 0;
	__u64 now;

	if (!every || ++sc->nth < every)
		return;
	sc->nth = 0;
	h = bpf_map_lookup_elem(&wl_health, &zero);
	if (!h)
		return;
	now = bpf_ktime_get_boot_ns();
	if (cap) {
		__u64 sec = now / 1000000000ull;

		if (sec != wl_rate_sec) {
			/* The first CPU into a new second restarts the count. */
			__u64 old = wl_rate_sec;

			if (__sync_val_compare_and_swap(&wl_rate_sec, old, sec) == old)
				wl_rate_count = 0;
		}
		/* Over the limit: a plain read, no atomic on a line every CPU shares. */
		if (wl_rate_count >= cap || __sync_fetch_and_add(&wl_rate_count, 1) >= cap) {
			h->samples_limited++;
			return;
		}
	}
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
	r->ts_ns = now;
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
	if (p->l4 != WL_L4_TCP && p->l4 != WL_L4_UDP && p->l4 != WL_L4_ICMP &&
	    p->l4 != WL_L4_ICMPV6)
		return 0;
	n = framelen - off;
	if (n > WL_CONN_L4_LEN)
		n = WL_CONN_L4_LEN;
	n = bounded_len(n, WL_CONN_L4_LEN - 1);
	if (tc)
		err = bpf_skb_load_bytes(ctx, off, sc->l4, n);
	else
		err = bpf_xdp_load_bytes(ctx, off, sc->l4, n);
	return err ? 0 : n;
}

/*
 * Connection analysis of a frame's flow: updates the flow's wl_conn, counts TCP health and
 * hands the events on. A global function: the verifier checks it once, apart from the many
 * paths of the parser. meta: the side the frame comes from (bit 0), its wl_dir (bits 8-15),
 * the transport header bytes read (bits 16-31).
 */
__noinline int wl_conn_frame(struct wl_scratch *sc, struct wl_flow_val *v, __u32 meta)
{
	struct wl_tcp_stats *ts;
	struct wl_conn_out *o;
	struct wl_health *h;
	__u32 key, zero = 0;

	if (!sc || !v)
		return 0;
	o = &sc->cout;
	key = (meta >> 8) & 0xff;
	o->dir = key;
	wl_conn_update(&v->conn, o, &sc->pkt, sc->l4, meta >> 16, meta & 1, bpf_ktime_get_ns());
	if (o->marks) {
		ts = bpf_map_lookup_elem(&wl_tcp, &key);
		if (ts) {
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
		return 0;
	h = bpf_map_lookup_elem(&wl_health, &zero);
	if (!h)
		return 0;
	for (__u32 i = 0; i < WL_CONN_EVENTS; i++) {
		if (i >= o->nev)
			break;
		if (bpf_ringbuf_output(&wl_events, &o->ev[i], sizeof(struct wl_event), 0))
			h->events_lost++;
		else
			h->events++;
	}
	return 0;
}

/*
 * Count a frame that matched: its classes, its flow and the flow's connection analysis. A
 * global function, so the verifier checks it once rather than after each parser path. meta:
 * the frame's wl_dir (bits 0-7), the transport header bytes in sc->l4 (bits 8-15).
 */
__noinline int wl_account(struct wl_scratch *sc, __u32 len, __u32 meta)
{
	__u32 key = meta & 0xff, n = (meta >> 8) & 0xff;
	struct wl_flow_val *v;
	struct wl_stats *s;
	int side = 0;

	if (!sc)
		return 0;
	s = bpf_map_lookup_elem(&wl_stats, &key);
	if (!s)
		return 0;
	/* Per-CPU value, and XDP and TC use different keys: plain adds are exact. */
	wl_stats_add(s, &sc->pkt, len);
	if (!cfg_flows)
		return 0;
	v = count_flow(&sc->pkt, len, key, &side);
	if (v && n)
		wl_conn_frame(sc, v, side | key << 8 | n << 16);
	return 0;
}

static __always_inline void count_frame(void *ctx, bool tc, const void *data, const void *data_end,
					__u64 len, enum wl_dir dir, __u32 ifindex, __u32 framelen)
{
	struct wl_scratch *sc;
	struct wl_stats *s;
	__u32 key = dir, zero = 0;

	s = bpf_map_lookup_elem(&wl_stats, &key);
	sc = bpf_map_lookup_elem(&wl_scratch, &zero);
	if (!s || !sc)
		return;
	s->seen.packets++;
	s->seen.bytes += len;
	wl_parse_frame(data, data_end, &sc->pkt);
	if (!filter_match(ctx, tc, sc, len))
		return;
	if (cfg_max_packets && __sync_fetch_and_add(&wl_admitted, 1) >= cfg_max_packets)
		return;
	wl_account(sc, len,
		   dir | (cfg_flows && cfg_conn ? conn_header(ctx, tc, sc, framelen) : 0) << 8);
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
	count_frame(ctx, false, data, data_end, len, WL_DIR_IN, ctx->ingress_ifindex, len);
	return XDP_PASS;
}

/* Bytes of an egress frame that must be in its linear part for the parser to see them all. */
#define TC_LINEAR 256

SEC("tc")
int wl_tc_egress(struct __sk_buff *skb)
{
	__u32 want = skb->len < TC_LINEAR ? skb->len : TC_LINEAR;
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
	 * A VLAN tag that the NIC will insert is held in skb metadata, not in the data; pcap
	 * shows the frame with the tag, so count its 4 bytes. The tag's frame itself is still
	 * classified by the inner EtherType.
	 */
	if (skb->vlan_present)
		len += 4;
	count_frame(skb, true, data, data_end, len, WL_DIR_OUT, skb->ifindex, skb->len);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
