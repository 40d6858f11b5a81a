/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one packet parser, compiled for -target bpf (XDP/TC) and for the host (pcap path).
 *
 * Cursor style: every step checks that the bytes it reads lie before the end of the frame and
 * returns the next protocol (an EtherType or an IP protocol number) or a negative value when
 * the frame ends early. Only byte loads are used, so there are no alignment or endianness
 * assumptions. Header layouts: Ethernet/802.1Q (IEEE 802.1Q), ARP (RFC 826), IPv4 (RFC 791),
 * IPv6 and its extension headers (RFC 8200), TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792),
 * ICMPv6 (RFC 4443).
 */
#ifndef WIRELENS_PARSE_H
#define WIRELENS_PARSE_H

#include "wirelens.h"
#include "app.h"

/* Loops below have constant bounds; unroll them for BPF, leave them to the host compiler. */
#ifdef __bpf__
#define WL_UNROLL _Pragma("unroll")
#else
#define WL_UNROLL
#endif

#ifndef WL_INLINE
#define WL_INLINE static inline __attribute__((always_inline))
#endif

/*
 * BPF: make the compiler forget what it knows of x, so that a bound it could prove redundant
 * (a mask after a comparison) is still there for the verifier, which does not know it.
 */
#ifdef __bpf__
#define WL_OPAQUE(x) asm volatile("" : "+r"(x))
#else
#define WL_OPAQUE(x) ((void)0)
#endif

#define WL_ETH_HLEN	    14
#define WL_ETH_P_IPV4	    0x0800
#define WL_ETH_P_ARP	    0x0806
#define WL_ETH_P_8021Q	    0x8100
#define WL_ETH_P_8021AD	    0x88a8
#define WL_ETH_P_IPV6	    0x86dd
#define WL_IPPROTO_HOPOPTS  0
#define WL_IPPROTO_ICMP	    1
#define WL_IPPROTO_TCP	    6
#define WL_IPPROTO_UDP	    17
#define WL_IPPROTO_ROUTING  43
#define WL_IPPROTO_FRAGMENT 44
#define WL_IPPROTO_ICMPV6   58
#define WL_IPPROTO_NONE	    59
#define WL_IPPROTO_DSTOPTS  60
/* At most this many VLAN tags are skipped. */
#define WL_MAX_VLAN 2
/*
 * IPv6 extension headers: the first WL_MAX_IPV6_EXT are walked inline (unrolled in BPF); a
 * longer chain is walked on, in a loop, to the end of the captured bytes as long as each header
 * starts within the first WL_IPV6_EXT_SPAN bytes of the frame (a chain of 500 headers of 8
 * bytes). Past that, the upper-layer protocol is unknown (other, malformed).
 */
#define WL_MAX_IPV6_EXT	 8
#define WL_IPV6_EXT_SPAN 4096

/* wl_pkt.flags */
#define WL_PF_TRUNCATED	     0x01 /* a header the frame announces is cut short */
#define WL_PF_MALFORMED	     0x02 /* a header field is inconsistent (bad version, length) */
#define WL_PF_FRAGMENT	     0x04 /* an IPv4/IPv6 fragment (first or later) */
#define WL_PF_LATER_FRAGMENT 0x08 /* a fragment with a non-zero offset: no L4 header */
#define WL_PF_ADDRS	     0x10 /* saddr/daddr hold the IP addresses */
/*
 * Never seen by callers of the parser: the IPv6 chain goes on past the headers walked inline;
 * ip_proto holds the next header and l4_off where it starts. The host walks on at once; the BPF
 * program in a function of its own (wl_parse_deep in bpf/wirelens.bpf.c).
 */
#define WL_PF_DEEP_EXT 0x80

/* The result of parsing one frame. Addresses: IPv4 in the first 4 bytes, the rest zero. */
struct wl_pkt {
	__u8 l3;	 /* enum wl_l3 */
	__u8 l4;	 /* enum wl_l4 */
	__u8 app;	 /* enum wl_app */
	__u8 flags;	 /* WL_PF_* */
	__u8 ip_proto;	 /* IP protocol number after extension headers (valid when l3 is IP) */
	__u8 vlan_depth; /* number of VLAN tags skipped */
	__u8 tcp_flags;	 /* TCP flags byte, when the TCP header is present */
	__u8 icmp_type;	 /* ICMP/ICMPv6 type, when present */
	__u16 ethertype; /* EtherType after VLAN tags (0 when unknown) */
	__u16 vlan_id;	 /* VID of the outermost tag */
	__u16 sport;	 /* host byte order; 0 when not TCP/UDP */
	__u16 dport;
	__u16 l3_off;	   /* offset of the network header in the frame */
	__u16 l4_off;	   /* offset of the transport header (0 when not reached) */
	__u16 payload_off; /* offset of the transport payload (0 when not reached) */
	__u16 ip_len;	   /* IP datagram length from the header (IPv6: payload + 40) */
	__u8 saddr[16];
	__u8 daddr[16];
} __attribute__((aligned(8))); /* the addresses copy and compare in words */

struct wl_cursor {
	const __u8 *start;
	const __u8 *pos;
	const __u8 *end;
};

WL_INLINE __u16 wl_get16(const __u8 *p)
{
	return (__u16)((p[0] << 8) | p[1]);
}

/*
 * Skip up to WL_MAX_VLAN 802.1Q/802.1ad tags, less those already taken out of the frame (a tag
 * in skb metadata: p->vlan_depth preset). Returns the inner EtherType or -1.
 */
WL_INLINE int wl_parse_vlan(struct wl_cursor *c, struct wl_pkt *p, int proto)
{
	const __u8 *h;

	WL_UNROLL
	for (int i = 0; i < WL_MAX_VLAN; i++) {
		if (i < p->vlan_depth)
			continue;
		if (proto != WL_ETH_P_8021Q && proto != WL_ETH_P_8021AD)
			break;
		h = c->pos;
		if (h + 4 > c->end)
			return -1;
		if (!p->vlan_depth)
			p->vlan_id = wl_get16(h) & 0x0fff;
		p->vlan_depth++;
		proto = wl_get16(h + 2);
		c->pos = h + 4;
	}
	return proto;
}

/* Ethernet header (IEEE 802.3). Returns its EtherType/length field or -1. */
WL_INLINE int wl_parse_eth(struct wl_cursor *c)
{
	const __u8 *h = c->pos;

	if (h + WL_ETH_HLEN > c->end)
		return -1;
	c->pos = h + WL_ETH_HLEN;
	return wl_get16(h + 12);
}

/* IPv4 header with options. Returns the IP protocol number, or -1 if the header is short. */
WL_INLINE int wl_parse_ipv4(struct wl_cursor *c, struct wl_pkt *p)
{
	const __u8 *h = c->pos;
	__u32 hlen;
	__u16 frag;

	if (h + 20 > c->end)
		return -1;
	if ((h[0] >> 4) != 4) {
		p->flags |= WL_PF_MALFORMED;
		return -1;
	}
	p->ip_proto = h[9];
	p->ip_len = wl_get16(h + 2);
	__builtin_memcpy(p->saddr, h + 12, 4);
	__builtin_memcpy(p->daddr, h + 16, 4);
	p->flags |= WL_PF_ADDRS;
	hlen = (h[0] & 0x0f) * 4;
	/* Total length 0 is legal for BIG TCP GSO packets on egress: length unknown, not bad. */
	if (hlen < 20 || (p->ip_len && p->ip_len < hlen)) {
		p->flags |= WL_PF_MALFORMED;
		return -2;
	}
	frag = wl_get16(h + 6);
	if (frag & 0x3fff) /* MF set or offset non-zero */
		p->flags |= WL_PF_FRAGMENT;
	if (frag & 0x1fff)
		p->flags |= WL_PF_LATER_FRAGMENT;
	if (h + hlen > c->end) {
		p->flags |= WL_PF_TRUNCATED;
		return -2;
	}
	c->pos = h + hlen;
	return h[9];
}

WL_INLINE int wl_ipv6_is_ext(int nh)
{
	return nh == WL_IPPROTO_HOPOPTS || nh == WL_IPPROTO_ROUTING || nh == WL_IPPROTO_FRAGMENT ||
	       nh == WL_IPPROTO_DSTOPTS;
}

/*
 * One IPv6 extension header at c->pos whose type is *nh: moves past it and sets *nh to its Next
 * Header. Returns 0 to go on, or the parser's result when the chain ends here: -2 for a header
 * cut short or a later fragment (which has no further headers).
 */
WL_INLINE int wl_ipv6_ext_one(struct wl_cursor *c, struct wl_pkt *p, int *nh)
{
	const __u8 *h = c->pos;

	if (h + 8 > c->end) {
		p->ip_proto = (__u8)*nh;
		p->flags |= WL_PF_TRUNCATED;
		return -2;
	}
	if (*nh == WL_IPPROTO_FRAGMENT) {
		p->flags |= WL_PF_FRAGMENT;
		if (wl_get16(h + 2) & 0xfff8)
			p->flags |= WL_PF_LATER_FRAGMENT;
		*nh = h[0];
		c->pos = h + 8;
		if (p->flags & WL_PF_LATER_FRAGMENT) {
			/* No further headers in a later fragment: count by its Next Header. */
			p->ip_proto = (__u8)*nh;
			return -2;
		}
		return 0;
	}
	/* The whole extension header must be in the frame, not only its first 8 bytes. */
	if (h + ((__u32)h[1] + 1) * 8 > c->end) {
		p->ip_proto = (__u8)*nh;
		p->flags |= WL_PF_TRUNCATED;
		return -2;
	}
	*nh = h[0];
	c->pos = h + ((__u32)h[1] + 1) * 8;
	return 0;
}

/* The end of an IPv6 chain: the upper-layer protocol, or other + malformed past the span. */
WL_INLINE int wl_ipv6_ext_end(struct wl_pkt *p, int nh)
{
	p->ip_proto = (__u8)nh;
	if (wl_ipv6_is_ext(nh)) {
		p->flags |= WL_PF_MALFORMED;
		return -2;
	}
	return nh;
}

/* Where a walk through a long IPv6 chain is: the next header's offset and type. */
struct wl_ipv6_walk {
	__u32 off;
	int nh;
	int ret; /* when done: the parser's result (the upper-layer protocol, or < 0) */
	__u32 pad;
};

/*
 * One step of the walk through a long IPv6 chain in the frame [start, end): returns 1 when the
 * chain has ended (w->ret set), 0 to go on. Headers must start within WL_IPV6_EXT_SPAN bytes;
 * each step moves at least 8 bytes on, so WL_IPV6_EXT_SPAN / 8 steps always end the walk. BPF
 * runs the steps with bpf_loop(), on a copy of the frame's first bytes in map memory, so that
 * the verifier checks one step, not each.
 */
WL_INLINE int wl_ipv6_walk_step(const __u8 *start, const __u8 *end, struct wl_pkt *p,
				struct wl_ipv6_walk *w)
{
	struct wl_cursor c = {.start = start, .pos = start, .end = end};
	__u32 off = w->off;
	int r;

	if (!wl_ipv6_is_ext(w->nh) || off >= WL_IPV6_EXT_SPAN) {
		w->ret = wl_ipv6_ext_end(p, w->nh);
		return 1;
	}
	WL_OPAQUE(off);
	c.pos = start + (off & (WL_IPV6_EXT_SPAN - 1));
	r = wl_ipv6_ext_one(&c, p, &w->nh);
	if (r) {
		w->ret = r;
		return 1;
	}
	w->off = (__u32)(c.pos - start);
	return 0;
}

/*
 * IPv6 header and extension headers (hop-by-hop, routing, fragment, destination options).
 * Returns the upper-layer protocol number (the fragment header's Next Header for fragments),
 * or -1 if the fixed header is short. Sets ip_proto even when a later header is cut short.
 */
WL_INLINE int wl_parse_ipv6(struct wl_cursor *c, struct wl_pkt *p)
{
	const __u8 *h = c->pos;
	int nh, r;

	if (h + 40 > c->end)
		return -1;
	if ((h[0] >> 4) != 6) {
		p->flags |= WL_PF_MALFORMED;
		return -1;
	}
	nh = h[6];
	/* Payload length 0: a jumbogram or a BIG TCP GSO packet (egress): unknown, as for IPv4. */
	p->ip_len = wl_get16(h + 4) ? wl_get16(h + 4) + 40 : 0;
	__builtin_memcpy(p->saddr, h + 8, 16);
	__builtin_memcpy(p->daddr, h + 24, 16);
	p->flags |= WL_PF_ADDRS;
	c->pos = h + 40;

	WL_UNROLL
	for (int i = 0; i < WL_MAX_IPV6_EXT; i++) {
		if (!wl_ipv6_is_ext(nh))
			break;
		r = wl_ipv6_ext_one(c, p, &nh);
		if (r)
			return r;
	}
	if (!wl_ipv6_is_ext(nh))
		return wl_ipv6_ext_end(p, nh);
	/* A long chain: walk on. */
	p->ip_proto = (__u8)nh;
	p->l4_off = (__u16)(c->pos - c->start);
	p->flags |= WL_PF_DEEP_EXT;
#ifdef __bpf__
	return -2; /* the program walks on, in a function of its own (bpf/wirelens.bpf.c) */
#else
	{
		struct wl_ipv6_walk w = {.off = p->l4_off, .nh = nh};

		p->flags &= ~WL_PF_DEEP_EXT;
		p->l4_off = 0;
		while (!wl_ipv6_walk_step(c->start, c->end, p, &w))
			;
		c->pos = c->start + w.off;
		return w.ret;
	}
#endif
}

/*
 * Transport payload length that the IP header announces (payload_off already set). Without a
 * usable IP length (0, as in BIG TCP), assume the payload runs to the end of the frame.
 */
WL_INLINE __u32 wl_payload_len(const struct wl_pkt *p)
{
	__u32 hdrs = (__u32)p->payload_off - p->l3_off;

	if (!p->ip_len)
		return 0xffff;
	return p->ip_len > hdrs ? p->ip_len - hdrs : 0;
}

/* TCP, UDP, ICMP and ICMPv6 headers: ports, flags and type. */
WL_INLINE void wl_parse_l4(struct wl_cursor *c, struct wl_pkt *p, int proto)
{
	const __u8 *h = c->pos;
	__u32 hlen;

	p->l4_off = (__u16)(h - c->start);
	if (proto == WL_IPPROTO_TCP) {
		if (h + 20 > c->end)
			goto truncated;
		p->sport = wl_get16(h);
		p->dport = wl_get16(h + 2);
		p->tcp_flags = h[13];
		hlen = (h[12] >> 4) * 4;
		if (hlen < 20) {
			p->flags |= WL_PF_MALFORMED;
			return;
		}
		if (h + hlen > c->end)
			goto truncated;
		p->payload_off = (__u16)(h + hlen - c->start);
		p->app =
			wl_app_classify(1, p->sport, p->dport, h + hlen, c->end, wl_payload_len(p));
	} else if (proto == WL_IPPROTO_UDP) {
		if (h + 8 > c->end)
			goto truncated;
		p->sport = wl_get16(h);
		p->dport = wl_get16(h + 2);
		p->payload_off = (__u16)(h + 8 - c->start);
		p->app = wl_app_classify(0, p->sport, p->dport, h + 8, c->end, wl_payload_len(p));
	} else if (proto == WL_IPPROTO_ICMP || proto == WL_IPPROTO_ICMPV6) {
		if (h + 4 > c->end)
			goto truncated;
		p->icmp_type = h[0];
		p->payload_off = (__u16)(h + 4 - c->start);
	}
	return;
truncated:
	p->flags |= WL_PF_TRUNCATED;
}

WL_INLINE __u8 wl_l4_of_proto(int proto)
{
	switch (proto) {
	case WL_IPPROTO_TCP:
		return WL_L4_TCP;
	case WL_IPPROTO_UDP:
		return WL_L4_UDP;
	case WL_IPPROTO_ICMP:
		return WL_L4_ICMP;
	case WL_IPPROTO_ICMPV6:
		return WL_L4_ICMPV6;
	default:
		return WL_L4_OTHER;
	}
}

/* After the IP headers: the l4 class from ip_proto, then the transport header (proto >= 0). */
WL_INLINE void wl_parse_upper(struct wl_cursor *c, struct wl_pkt *p, int proto)
{
	p->l4 = wl_l4_of_proto(p->ip_proto);
	if (p->l4 == WL_L4_TCP || p->l4 == WL_L4_UDP)
		p->app = WL_APP_UNKNOWN;
	if (proto < 0 || (p->flags & WL_PF_LATER_FRAGMENT))
		return;
	wl_parse_l4(c, p, proto);
}

/*
 * Classify from the network header on, given its EtherType. Used directly by pcap link types
 * without an Ethernet header (Linux cooked capture, raw IP, BSD loopback).
 */
WL_INLINE void wl_parse_l3(struct wl_cursor *c, struct wl_pkt *p, int ethertype)
{
	int proto;

	p->ethertype = (__u16)ethertype;
	p->l3_off = (__u16)(c->pos - c->start);
	if (ethertype == WL_ETH_P_IPV4) {
		p->l3 = WL_L3_IPV4;
		proto = wl_parse_ipv4(c, p);
	} else if (ethertype == WL_ETH_P_IPV6) {
		p->l3 = WL_L3_IPV6;
		proto = wl_parse_ipv6(c, p);
	} else {
		if (ethertype == WL_ETH_P_ARP) {
			p->l3 = WL_L3_ARP;
			if (c->pos + 8 > c->end)
				p->flags |= WL_PF_TRUNCATED;
		}
		return;
	}

	if (proto == -1) {
		/* The fixed IP header itself is missing or not IP: no protocol number. */
		if (!(p->flags & WL_PF_MALFORMED))
			p->flags |= WL_PF_TRUNCATED;
		return;
	}
	wl_parse_upper(c, p, proto);
}

WL_INLINE void wl_pkt_init(struct wl_pkt *p)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->l3 = WL_L3_OTHER;
	p->l4 = WL_L4_OTHER;
	p->app = WL_APP_NONE;
}

/* After the link header: skip VLAN tags, then classify. */
WL_INLINE void wl_parse_after_link(struct wl_cursor *c, struct wl_pkt *p, int proto)
{
	proto = wl_parse_vlan(c, p, proto);
	if (proto < 0) {
		p->flags |= WL_PF_TRUNCATED;
		return;
	}
	if (proto == WL_ETH_P_8021Q || proto == WL_ETH_P_8021AD)
		return; /* more tags than we skip: counted as other */
	wl_parse_l3(c, p, proto);
}

/*
 * Parse an Ethernet frame [data, end) whose outermost VLAN tag, when tagged, was taken out into
 * metadata (the TC hooks: vid is its VLAN ID). Never fails: what can't be parsed is `other`.
 */
WL_INLINE void wl_parse_frame_tagged(const void *data, const void *end, struct wl_pkt *p,
				     int tagged, __u16 vid)
{
	struct wl_cursor c = {.start = data, .pos = data, .end = end};
	int proto;

	wl_pkt_init(p);
	if (tagged) {
		p->vlan_depth = 1;
		p->vlan_id = vid & 0x0fff;
	}
	proto = wl_parse_eth(&c);
	if (proto < 0) {
		p->flags |= WL_PF_TRUNCATED;
		return;
	}
	wl_parse_after_link(&c, p, proto);
}

/* Parse an Ethernet frame [data, end). Never fails: what can't be parsed is `other`. */
WL_INLINE void wl_parse_frame(const void *data, const void *end, struct wl_pkt *p)
{
	wl_parse_frame_tagged(data, end, p, false, 0);
}

/*
 * Parse a frame whose link header (of another type: Linux cooked capture, BSD loopback, raw
 * IP) has been removed: [data, end) starts with what `ethertype` announces, possibly VLAN tags.
 */
WL_INLINE void wl_parse_raw(const void *data, const void *end, int ethertype, struct wl_pkt *p)
{
	struct wl_cursor c = {.start = data, .pos = data, .end = end};

	wl_pkt_init(p);
	wl_parse_after_link(&c, p, ethertype);
}

/*
 * Add `pkts` classified frames of `len` bytes in all to a stats record (non-atomic: per-CPU
 * values). More than one frame: a GSO/GRO aggregate counted as the frames it stands for.
 */
WL_INLINE void wl_stats_add_n(struct wl_stats *s, const struct wl_pkt *p, __u32 pkts, __u64 len)
{
	struct wl_counter *ctr;

	s->total.packets += pkts;
	s->total.bytes += len;
	ctr = wl_stats_l3(s, p->l3);
	ctr->packets += pkts;
	ctr->bytes += len;
	ctr = wl_stats_l4(s, p->l4);
	ctr->packets += pkts;
	ctr->bytes += len;
	ctr = wl_stats_app(s, p->app);
	ctr->packets += pkts;
	ctr->bytes += len;
	if (p->flags & WL_PF_TRUNCATED) {
		s->truncated.packets += pkts;
		s->truncated.bytes += len;
	}
	if (p->flags & WL_PF_MALFORMED) {
		s->malformed.packets += pkts;
		s->malformed.bytes += len;
	}
}

/* Add one classified frame of `len` bytes. */
WL_INLINE void wl_stats_add(struct wl_stats *s, const struct wl_pkt *p, __u64 len)
{
	wl_stats_add_n(s, p, 1, len);
}

/* The classification part of a packet record, the same in the kernel and the pcap path. */
static __always_inline void wl_sample_classify(struct wl_sample *r, const struct wl_pkt *p)
{
	r->l3 = p->l3;
	r->l4 = p->l4;
	r->app = p->app;
	r->flags = p->flags & WL_SAMPLE_F_PARSE;
	r->tcp_flags = p->tcp_flags;
	r->ip_proto = p->ip_proto;
	r->icmp_type = p->icmp_type;
	r->sport = p->sport;
	r->dport = p->dport;
	r->vlan_id = p->vlan_id;
	r->ethertype = p->ethertype;
	__builtin_memcpy(r->saddr, p->saddr, 16);
	__builtin_memcpy(r->daddr, p->daddr, 16);
}

#endif /* WIRELENS_PARSE_H */
