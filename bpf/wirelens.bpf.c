// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* XDP (ingress) and TC (egress) programs: classify every frame and count it per CPU. */
#define BPF_NO_PRESERVE_ACCESS_INDEX /* no CO-RE relocations: loads without kernel BTF too */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "wirelens.h"
#include "parse.h"

#define TC_ACT_OK 0

/*
 * Load-time settings. cfg_xdp_frags: the kernel has bpf_xdp_get_buff_len() and the program is
 * loaded with BPF_F_XDP_HAS_FRAGS, so multi-buffer frames are counted with their full length.
 */
const volatile __u8 cfg_xdp_frags = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WL_DIR_MAX);
	__type(key, __u32); /* enum wl_dir; array maps need an integer key in BTF */
	__type(value, struct wl_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wl_stats SEC(".maps");

static __always_inline void count_frame(const void *data, const void *data_end, __u64 len,
					enum wl_dir dir)
{
	struct wl_stats *s;
	struct wl_pkt p;
	__u32 key = dir;

	wl_parse_frame(data, data_end, &p);
	s = bpf_map_lookup_elem(&wl_stats, &key);
	if (!s)
		return;
	/* Per-CPU value: no other CPU writes it and programs don't nest on one CPU here. */
	wl_stats_add(s, &p, len);
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
