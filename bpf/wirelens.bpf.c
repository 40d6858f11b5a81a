// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* XDP (ingress) and TC (egress) programs: classify every frame and count it per CPU. */
#define BPF_NO_PRESERVE_ACCESS_INDEX /* no CO-RE relocations: loads without kernel BTF too */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "wirelens.h"
#include "parse.h"
#include "flow.h"

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
 * The parse result lives in a per-CPU scratch map rather than on the stack. The verifier does
 * not track values in map memory, so after parsing, the many parser paths (VLAN tags, IPv6
 * extension headers, application rules) collapse into one state for the counting code instead
 * of multiplying with it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wl_pkt);
} wl_scratch SEC(".maps");

static __always_inline void count_frame(const void *data, const void *data_end, __u64 len,
					enum wl_dir dir)
{
	struct wl_stats *s;
	struct wl_pkt *p;
	__u32 key = dir, zero = 0;

	if (cfg_max_packets && __sync_fetch_and_add(&wl_admitted, 1) >= cfg_max_packets)
		return;
	p = bpf_map_lookup_elem(&wl_scratch, &zero);
	if (!p)
		return;
	wl_parse_frame(data, data_end, p);
	s = bpf_map_lookup_elem(&wl_stats, &key);
	if (!s)
		return;
	/* Per-CPU value, and XDP and TC use different keys: plain adds are exact. */
	wl_stats_add(s, p, len);
	if (cfg_flows)
		count_flow(p, len, dir);
}

SEC("xdp.frags")
int wl_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;

	if (cfg_xdp_frags)
		len = bpf_xdp_get_buff_len(ctx);
	count_frame(data, data_end, len, WL_DIR_IN);
	return XDP_PASS;
}

SEC("tc")
int wl_tc_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u64 len = skb->len;

	/*
	 * A VLAN tag that the NIC will insert is held in skb metadata, not in the data; pcap
	 * shows the frame with the tag, so count its 4 bytes. The tag's frame itself is still
	 * classified by the inner EtherType.
	 */
	if (skb->vlan_present)
		len += 4;
	count_frame(data, data_end, len, WL_DIR_OUT);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
