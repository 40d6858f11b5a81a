// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* XDP (ingress) and TC (egress) programs: classify every frame and count it per CPU. */
#define BPF_NO_PRESERVE_ACCESS_INDEX /* no CO-RE relocations: loads without kernel BTF too */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "wirelens.h"
#include "parse.h"
#include "flow.h"
#include "filter_vm.h"

#define TC_ACT_OK 0

/*
 * Load-time settings. cfg_xdp_frags: the kernel has bpf_xdp_get_buff_len() and the program is
 * loaded with BPF_F_XDP_HAS_FRAGS, so multi-buffer frames are counted with their full length.
 */
const volatile __u8 cfg_xdp_frags = 0;
/* cfg_flows: maintain the flow table (1, the default); 0 measures the counters alone (bench). */
const volatile __u8 cfg_flows = 1;
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

static __always_inline void count_flow(const struct wl_pkt *p, __u64 len, enum wl_dir dir)
{
	struct wl_flow_key k;
	struct wl_flow_val *v;
	struct wl_counter *c;
	__u64 now;
	int from_b;

	if (!wl_flow_key_of(p, &k, &from_b))
		return;
	now = bpf_ktime_get_ns();
	v = bpf_map_lookup_elem(&wl_flows, &k);
	if (!v) {
		struct wl_flow_val nv = {};

		nv.first_ns = now;
		nv.flags = from_b ? WL_FLOW_F_B_FIRST : 0;
		/* EEXIST: another CPU inserted it first; the lookup below finds theirs. */
		bpf_map_update_elem(&wl_flows, &k, &nv, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&wl_flows, &k);
		if (!v) {
			__u32 zero = 0;
			struct wl_health *h = bpf_map_lookup_elem(&wl_health, &zero);

			if (h)
				h->flow_insert_failed++;
			return;
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
}

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
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_scratch);
} wl_scratch SEC(".maps");

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

static __always_inline void count_frame(void *ctx, bool tc, const void *data, const void *data_end,
					__u64 len, enum wl_dir dir, __u32 ifindex)
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
	/* Per-CPU value, and XDP and TC use different keys: plain adds are exact. */
	wl_stats_add(s, &sc->pkt, len);
	if (cfg_flows)
		count_flow(&sc->pkt, len, dir);
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
	count_frame(ctx, false, data, data_end, len, WL_DIR_IN, ctx->ingress_ifindex);
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
	count_frame(skb, true, data, data_end, len, WL_DIR_OUT, skb->ifindex);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
