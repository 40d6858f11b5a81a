/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Flow keys from parsed frames and flow value updates, shared by the BPF and pcap paths. */
#ifndef WIRELENS_FLOW_H
#define WIRELENS_FLOW_H

#include "wirelens.h"
#include "parse.h"

/* Big-endian 64-bit load from 8-aligned bytes, for ordering addresses. */
WL_INLINE __u64 wl_be64(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* <0, 0, >0 as (s, sport) orders against (d, dport). */
WL_INLINE int wl_endpoint_cmp(const struct wl_pkt *p)
{
	__u64 s0 = wl_be64(p->saddr), d0 = wl_be64(p->daddr);
	__u64 s1 = wl_be64(p->saddr + 8), d1 = wl_be64(p->daddr + 8);

	if (s0 != d0)
		return s0 < d0 ? -1 : 1;
	if (s1 != d1)
		return s1 < d1 ? -1 : 1;
	if (p->sport != p->dport)
		return p->sport < p->dport ? -1 : 1;
	return 0;
}

/*
 * Build the normalised flow key of a parsed frame. Returns 1 when the frame has a flow (IP with
 * both addresses) and sets *from_b when it travels from b to a; 0 otherwise.
 */
WL_INLINE int wl_flow_key_of(const struct wl_pkt *p, struct wl_flow_key *k, int *from_b)
{
	if (!(p->flags & WL_PF_ADDRS))
		return 0;
	__builtin_memset(k, 0, sizeof(*k));
	k->proto = p->ip_proto;
	k->family = p->l3 == WL_L3_IPV4 ? 4 : 6;
	if (wl_endpoint_cmp(p) <= 0) {
		__builtin_memcpy(k->a, p->saddr, 16);
		__builtin_memcpy(k->b, p->daddr, 16);
		k->port_a = p->sport;
		k->port_b = p->dport;
		*from_b = 0;
	} else {
		__builtin_memcpy(k->a, p->daddr, 16);
		__builtin_memcpy(k->b, p->saddr, 16);
		k->port_a = p->dport;
		k->port_b = p->sport;
		*from_b = 1;
	}
	return 1;
}

/*
 * The same for an IPv4 frame, straight into the kernel's short key (wl_flow_key4): the same
 * normalisation, since the addresses' other 12 bytes are zero on both sides.
 */
WL_INLINE int wl_flow_key4_build(const struct wl_pkt *p, struct wl_flow_key4 *k, int *from_b)
{
	__u32 s = *(const __u32 *)p->saddr, d = *(const __u32 *)p->daddr;
	int b;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = __builtin_bswap32(s); /* compared as big-endian numbers: byte by byte */
	d = __builtin_bswap32(d);
#endif

	if (!(p->flags & WL_PF_ADDRS) || p->l3 != WL_L3_IPV4)
		return 0;
	b = s != d ? s > d : p->sport > p->dport;
	if (b) {
		__builtin_memcpy(k->a, p->daddr, 4);
		__builtin_memcpy(k->b, p->saddr, 4);
		k->port_a = p->dport;
		k->port_b = p->sport;
	} else {
		__builtin_memcpy(k->a, p->saddr, 4);
		__builtin_memcpy(k->b, p->daddr, 4);
		k->port_a = p->sport;
		k->port_b = p->dport;
	}
	k->proto = p->ip_proto;
	k->pad = 0;
	*from_b = b;
	return 1;
}

#endif /* WIRELENS_FLOW_H */
