// SPDX-License-Identifier: MIT
/* The shared parser (bpf/parse.h, host build) against the hand-declared frame catalogue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"
#include "parse.h"
#include "flow.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int catalog(const struct tframe **fr)
{
	int n = frames_catalog(fr);

	if (n < 0)
		fail_msg("frame catalogue does not fit its storage (%d)", n);
	return n;
}

static const struct tframe *find(const char *name)
{
	const struct tframe *f = frames_find(name);

	if (!f)
		fail_msg("no catalogue frame %s", name);
	return f;
}

/*
 * Parse a heap copy of exactly len bytes of f, so that ASan (make SANITIZE=1) flags any read
 * past the end of the frame.
 */
static void parse_copy(const struct tframe *f, uint32_t len, struct wl_pkt *p)
{
	uint8_t *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	memcpy(buf, f->data, len);
	wl_parse_frame(buf, buf + len, p);
	free(buf);
}

static void check_declared(const struct tframe *f, const struct wl_pkt *p, const char *how)
{
	if (p->l3 != f->l3 || p->l4 != f->l4 || p->app != f->app ||
	    !!(p->flags & WL_PF_TRUNCATED) != f->truncated ||
	    !!(p->flags & WL_PF_MALFORMED) != f->malformed)
		fail_msg("%s (%s): got l3=%u l4=%u app=%u flags=0x%x, declared l3=%u l4=%u app=%u "
			 "truncated=%d malformed=%d",
			 f->name, how, p->l3, p->l4, p->app, p->flags, f->l3, f->l4, f->app,
			 f->truncated, f->malformed);
}

/*
 * The l3 rule of DESIGN.md, written out independently of parse.h: the EtherType after at most
 * two whole VLAN tags; a third tag, a cut tag or a cut Ethernet header is other.
 */
static uint8_t l3_rule(const uint8_t *d, uint32_t len)
{
	uint32_t off = 14;
	uint16_t type;

	if (len < 14)
		return WL_L3_OTHER;
	type = (uint16_t)(d[12] << 8 | d[13]);
	for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8); tags++) {
		if (off + 4 > len)
			return WL_L3_OTHER;
		type = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
		off += 4;
	}
	switch (type) {
	case 0x0800:
		return WL_L3_IPV4;
	case 0x86dd:
		return WL_L3_IPV6;
	case 0x0806:
		return WL_L3_ARP;
	default:
		return WL_L3_OTHER;
	}
}

/* The catalogue itself is consistent with DESIGN.md's partitions and covers every class. */
static void test_catalog_declarations(void **state)
{
	const struct tframe *fr;
	int n = catalog(&fr), l3[WL_L3_MAX] = {0}, l4[WL_L4_MAX] = {0}, trunc = 0, malf = 0;

	(void)state;
	assert_true(n >= 55);
	for (int i = 0; i < n; i++) {
		const struct tframe *f = &fr[i];

		for (int j = 0; j < i; j++)
			if (!strcmp(fr[j].name, f->name))
				fail_msg("catalogue name %s used twice", f->name);
		assert_true(f->len <= TFRAME_MAX);
		assert_int_equal(f->wire_safe, f->len >= 14);
		if (f->l3 != l3_rule(f->data, f->len))
			fail_msg("%s: declared l3 %u, EtherType rule says %u", f->name, f->l3,
				 l3_rule(f->data, f->len));
		if (f->l3 != WL_L3_IPV4 && f->l3 != WL_L3_IPV6)
			assert_int_equal(f->l4, WL_L4_OTHER);
		if (f->l4 == WL_L4_TCP || f->l4 == WL_L4_UDP)
			assert_int_not_equal(f->app, WL_APP_NONE);
		else
			assert_int_equal(f->app, WL_APP_NONE);
		/* Frames handed to a veth start with our own MACs (never a real interface's). */
		if (f->wire_safe) {
			assert_memory_equal(f->data, "\x02\x00\x00\x00\x00\x02", 6);
			assert_memory_equal(f->data + 6, "\x02\x00\x00\x00\x00\x01", 6);
		}
		l3[f->l3]++;
		l4[f->l4]++;
		trunc += f->truncated;
		malf += f->malformed;
	}
	for (int i = 0; i < WL_L3_MAX; i++)
		assert_true(l3[i] > 0);
	for (int i = 0; i < WL_L4_MAX; i++)
		assert_true(l4[i] > 0);
	assert_true(trunc >= 10);
	assert_true(malf >= 5);
}

static void test_catalog_classes(void **state)
{
	const struct tframe *fr;
	int n = catalog(&fr);

	(void)state;
	for (int i = 0; i < n; i++) {
		struct wl_pkt p;

		parse_copy(&fr[i], fr[i].len, &p);
		check_declared(&fr[i], &p, "whole frame");
	}
}

/* Header fields the parser reports, declared by hand for the frames where they are defined. */
struct field_case {
	const char *name;
	uint8_t vlan_depth;
	uint16_t vlan_id, ethertype, l3_off, l4_off, payload_off;
	uint8_t ip_proto;
	uint16_t sport, dport;
	uint8_t tcp_flags, icmp_type;
	uint8_t frag; /* WL_PF_FRAGMENT | WL_PF_LATER_FRAGMENT bits */
	bool addrs;
};

#define F  WL_PF_FRAGMENT
#define FL (WL_PF_FRAGMENT | WL_PF_LATER_FRAGMENT)

/* name, VLAN depth and id, EtherType, l3/l4/payload offsets, IP protocol, ports, TCP flags,
 * ICMP type, fragment flags, addresses present. */
static const struct field_case field_cases[] = {
	{"v4_tcp_syn", 0, 0, 0x0800, 14, 34, 54, 6, 40000, 5000, 0x02, 0, 0, true},
	{"v4_tcp_syn_options", 0, 0, 0x0800, 14, 34, 74, 6, 40006, 5001, 0x02, 0, 0, true},
	{"v4_options_ihl6_tcp_payload", 0, 0, 0x0800, 14, 38, 58, 6, 40020, 40021, 0x18, 0, 0,
	 true},
	{"v4_options_udp_mdns", 0, 0, 0x0800, 14, 46, 54, 17, 5353, 5353, 0, 0, 0, true},
	{"v4_options_max_icmp", 0, 0, 0x0800, 14, 74, 78, 1, 0, 0, 0, 0, 0, true},
	{"v4_icmp_echo", 0, 0, 0x0800, 14, 34, 38, 1, 0, 0, 0, 8, 0, true},
	{"v4_frag_first_tcp", 0, 0, 0x0800, 14, 34, 54, 6, 40010, 80, 0x10, 0, F, true},
	{"v4_frag_later_tcp", 0, 0, 0x0800, 14, 0, 0, 6, 0, 0, 0, 0, FL, true},
	{"v4_frag_first_udp", 0, 0, 0x0800, 14, 34, 42, 17, 40030, 40031, 0, 0, F, true},
	{"v4_frag_later_udp", 0, 0, 0x0800, 14, 0, 0, 17, 0, 0, 0, 0, FL, true},
	{"v4_gre", 0, 0, 0x0800, 14, 34, 0, 47, 0, 0, 0, 0, 0, true},
	{"v6_tcp_ssh_port", 0, 0, 0x86dd, 14, 54, 74, 6, 40000, 22, 0x02, 0, 0, true},
	{"v6_icmpv6_echo", 0, 0, 0x86dd, 14, 54, 58, 58, 0, 0, 0, 128, 0, true},
	{"v6_hop_udp_dhcpv6", 0, 0, 0x86dd, 14, 62, 70, 17, 546, 547, 0, 0, 0, true},
	{"v6_routing_tcp_smtp", 0, 0, 0x86dd, 14, 78, 98, 6, 40000, 25, 0x02, 0, 0, true},
	{"v6_dstopts_icmpv6", 0, 0, 0x86dd, 14, 70, 74, 58, 0, 0, 0, 129, 0, true},
	{"v6_frag_first_udp_ntp", 0, 0, 0x86dd, 14, 62, 70, 17, 123, 40000, 0, 0, F, true},
	{"v6_frag_later_tcp", 0, 0, 0x86dd, 14, 0, 0, 6, 0, 0, 0, 0, FL, true},
	{"v6_chain_udp_llmnr", 0, 0, 0x86dd, 14, 102, 110, 17, 40000, 5355, 0, 0, F, true},
	{"v6_chain_deep_udp", 0, 0, 0x86dd, 14, 126, 134, 17, 40000, 40001, 0, 0, 0, true},
	{"v6_frag137_icmpv6_echo", 0, 0, 0x86dd, 14, 1150, 1154, 58, 0, 0, 0, 128, F, true},
	{"arp_request", 0, 0, 0x0806, 14, 0, 0, 0, 0, 0, 0, 0, 0, false},
	{"vlan_v4_udp", 1, 100, 0x0800, 18, 38, 46, 17, 40000, 40002, 0, 0, 0, true},
	{"vlan_v6_tcp_tls_port", 1, 200, 0x86dd, 18, 58, 78, 6, 443, 40000, 0x12, 0, 0, true},
	{"vlan_arp", 1, 300, 0x0806, 18, 0, 0, 0, 0, 0, 0, 0, 0, false},
	{"qinq_v4_icmp", 2, 10, 0x0800, 22, 42, 46, 1, 0, 0, 0, 8, 0, true},
	{"three_tags", 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false},
	{"llc_8023", 0, 0, 0x0026, 14, 0, 0, 0, 0, 0, 0, 0, 0, false},
	{"lldp", 0, 0, 0x88cc, 14, 0, 0, 0, 0, 0, 0, 0, 0, false},
	{"trunc_tcp", 0, 0, 0x0800, 14, 34, 0, 6, 0, 0, 0, 0, 0, true},
	{"trunc_udp", 0, 0, 0x0800, 14, 34, 0, 17, 0, 0, 0, 0, 0, true},
	{"trunc_ipv6_ext", 0, 0, 0x86dd, 14, 0, 0, 0, 0, 0, 0, 0, 0, true},
	{"malformed_v4_version", 0, 0, 0x0800, 14, 0, 0, 0, 0, 0, 0, 0, 0, false},
	{"malformed_v4_ihl", 0, 0, 0x0800, 14, 0, 0, 17, 0, 0, 0, 0, 0, true},
	{"malformed_tcp_data_offset", 0, 0, 0x0800, 14, 34, 0, 6, 40000, 443, 0x02, 0, 0, true},
};

static void test_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(field_cases); i++) {
		const struct field_case *c = &field_cases[i];
		const struct tframe *f = find(c->name);
		struct wl_pkt p;

		parse_copy(f, f->len, &p);
		if (p.vlan_depth != c->vlan_depth || p.vlan_id != c->vlan_id ||
		    p.ethertype != c->ethertype || p.l3_off != c->l3_off || p.l4_off != c->l4_off ||
		    p.payload_off != c->payload_off || p.ip_proto != c->ip_proto ||
		    p.sport != c->sport || p.dport != c->dport || p.tcp_flags != c->tcp_flags ||
		    p.icmp_type != c->icmp_type || (p.flags & FL) != c->frag ||
		    !!(p.flags & WL_PF_ADDRS) != c->addrs)
			fail_msg("%s: got vlan %u/%u type 0x%04x off %u/%u/%u proto %u ports %u/%u "
				 "tcp 0x%02x icmp %u flags 0x%02x",
				 c->name, p.vlan_depth, p.vlan_id, p.ethertype, p.l3_off, p.l4_off,
				 p.payload_off, p.ip_proto, p.sport, p.dport, p.tcp_flags,
				 p.icmp_type, p.flags);
	}
}

static void test_addresses(void **state)
{
	static const uint8_t v6s[16] = {0x20, 0x01, 0, 2, [15] = 1};
	static const uint8_t v6d[16] = {0x20, 0x01, 0, 2, [15] = 2};
	static const uint8_t zero[12];
	struct wl_pkt p;

	(void)state;
	parse_copy(find("vlan_v4_udp"), find("vlan_v4_udp")->len, &p);
	assert_memory_equal(p.saddr, "\xc6\x12\x00\x01", 4);
	assert_memory_equal(p.daddr, "\xc6\x12\x00\x02", 4);
	/* IPv4 addresses fill the first 4 bytes, the rest is zero (flow keys rely on it). */
	assert_memory_equal(p.saddr + 4, zero, 12);
	assert_memory_equal(p.daddr + 4, zero, 12);
	assert_int_equal(p.ip_len, 20 + 8 + 64);
	parse_copy(find("v6_chain_udp_llmnr"), find("v6_chain_udp_llmnr")->len, &p);
	assert_memory_equal(p.saddr, v6s, 16);
	assert_memory_equal(p.daddr, v6d, 16);
	assert_int_equal(p.ip_len, 40 + 8 + 8 + 24 + 8 + 8 + 12);
}

/*
 * Every prefix of every catalogue frame: no read beyond the end (ASan), l3 by the EtherType
 * rule, never a class or flag the whole frame does not have, and a cut header is always
 * reported as truncated; once all headers are there, the classes equal the whole frame's.
 */
static void test_every_truncation(void **state)
{
	const struct tframe *fr;
	int n = catalog(&fr);

	(void)state;
	for (int i = 0; i < n; i++) {
		const struct tframe *f = &fr[i];
		struct wl_pkt whole;
		uint32_t hdr_end = 0;

		parse_copy(f, f->len, &whole);
		if (!f->truncated && !f->malformed) {
			/* The transport header; ARP's fixed part; Ethernet and VLAN tags. */
			if (whole.l3 == WL_L3_IPV4 || whole.l3 == WL_L3_IPV6)
				hdr_end = whole.payload_off > whole.l4_off ? whole.payload_off
									   : whole.l4_off;
			else if (whole.l3 == WL_L3_ARP)
				hdr_end = whole.l3_off + 8u;
			else
				hdr_end = 14u + 4u * whole.vlan_depth;
		}
		for (uint32_t len = 0; len < f->len; len++) {
			struct wl_pkt p;

			parse_copy(f, len, &p);
			if (p.l3 != l3_rule(f->data, len))
				fail_msg("%s cut to %u: l3 %u, EtherType rule %u", f->name, len,
					 p.l3, l3_rule(f->data, len));
			if (p.l4 != WL_L4_OTHER && p.l4 != whole.l4)
				fail_msg("%s cut to %u: l4 %u, whole frame %u", f->name, len, p.l4,
					 whole.l4);
			if (p.l4 == WL_L4_TCP || p.l4 == WL_L4_UDP) {
				if (p.app != WL_APP_UNKNOWN && p.app != whole.app)
					fail_msg("%s cut to %u: app %u, whole frame %u", f->name,
						 len, p.app, whole.app);
			} else {
				assert_int_equal(p.app, WL_APP_NONE);
			}
			if ((p.flags & WL_PF_MALFORMED) && !(whole.flags & WL_PF_MALFORMED))
				fail_msg("%s cut to %u: malformed, the whole frame is not", f->name,
					 len);
			if (len < hdr_end && !(p.flags & WL_PF_TRUNCATED))
				fail_msg("%s cut to %u (headers end at %u): not truncated", f->name,
					 len, hdr_end);
			if (hdr_end && len >= hdr_end &&
			    (p.l3 != whole.l3 || p.l4 != whole.l4 || p.flags != whole.flags ||
			     p.sport != whole.sport || p.dport != whole.dport))
				fail_msg("%s cut to %u after its headers: l3 %u l4 %u flags 0x%x, "
					 "whole "
					 "frame l3 %u l4 %u flags 0x%x",
					 f->name, len, p.l3, p.l4, p.flags, whole.l3, whole.l4,
					 whole.flags);
		}
	}
}

/*
 * The pcap path's entry for link types without Ethernet (here Linux cooked capture: a 16-byte
 * header whose last two bytes are the protocol) gives the declared classes, with offsets
 * counted from the network header.
 */
static void test_parse_raw_sll(void **state)
{
	const struct tframe *fr;
	int n = catalog(&fr);

	(void)state;
	for (int i = 0; i < n; i++) {
		const struct tframe *f = &fr[i];
		uint32_t len = f->len + 2;
		struct wl_pkt eth, raw;
		uint8_t *buf;

		if (f->len < 14)
			continue; /* no EtherType to put in the SLL header */
		buf = malloc(len);
		assert_non_null(buf);
		memset(buf, 0, 16);
		buf[3] = 1; /* ARPHRD_ETHER */
		buf[5] = 6;
		memcpy(buf + 6, f->data + 6, 6);
		memcpy(buf + 14, f->data + 12, 2);
		memcpy(buf + 16, f->data + 14, f->len - 14);
		wl_parse_raw(buf + 16, buf + len, buf[14] << 8 | buf[15], &raw);
		free(buf);
		check_declared(f, &raw, "SLL");
		parse_copy(f, f->len, &eth);
		assert_int_equal(raw.flags, eth.flags);
		assert_int_equal(raw.vlan_depth, eth.vlan_depth);
		assert_int_equal(raw.l4_off, eth.l4_off ? eth.l4_off - 14 : 0);
		assert_int_equal(raw.payload_off, eth.payload_off ? eth.payload_off - 14 : 0);
		assert_int_equal(raw.sport, eth.sport);
		assert_int_equal(raw.dport, eth.dport);
	}
}

/* An SLL record that ends right after its header: IP announced, nothing there. */
static void test_parse_raw_empty(void **state)
{
	static const uint8_t none[1];
	struct wl_pkt p;

	(void)state;
	wl_parse_raw(none, none, WL_ETH_P_IPV6, &p);
	assert_int_equal(p.l3, WL_L3_IPV6);
	assert_int_equal(p.l4, WL_L4_OTHER);
	assert_true(p.flags & WL_PF_TRUNCATED);
	wl_parse_raw(none, none, 0, &p); /* raw IP with an unknown version */
	assert_int_equal(p.l3, WL_L3_OTHER);
	assert_int_equal(p.flags, 0);
}

/*
 * IPv4 total length 0 is BIG TCP (a GSO packet over 64 KiB on egress): not malformed, and the
 * payload runs to the end of the frame, so a TLS record on an unknown port is still seen.
 */
static void test_ipv4_total_length_zero(void **state)
{
	struct tframe f = *find("v4_tcp_tls_any_port");
	struct wl_pkt p;

	(void)state;
	f.data[16] = 0;
	f.data[17] = 0;
	parse_copy(&f, f.len, &p);
	assert_int_equal(p.l4, WL_L4_TCP);
	assert_int_equal(p.app, WL_APP_TLS);
	assert_int_equal(p.flags & (WL_PF_MALFORMED | WL_PF_TRUNCATED), 0);
	/* The same frame with a total length of 30 (< header + TCP) is not BIG TCP: no TLS. */
	f.data[17] = 30;
	parse_copy(&f, f.len, &p);
	assert_int_equal(p.app, WL_APP_UNKNOWN);
}

/* Both directions of one conversation map to one normalised flow key. */
static void test_flow_key_normalised(void **state)
{
	struct wl_pkt p, q;
	struct wl_flow_key k1, k2;
	int b1, b2;

	(void)state;
	parse_copy(find("v4_tcp_syn"), find("v4_tcp_syn")->len, &p);
	q = p;
	memcpy(q.saddr, p.daddr, 16);
	memcpy(q.daddr, p.saddr, 16);
	q.sport = p.dport;
	q.dport = p.sport;
	assert_int_equal(wl_flow_key_of(&p, &k1, &b1), 1);
	assert_int_equal(wl_flow_key_of(&q, &k2, &b2), 1);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_int_not_equal(b1, b2);
	assert_int_equal(k1.family, 4);
	assert_int_equal(k1.proto, 6);
	assert_memory_equal(k1.a, "\xc6\x12\x00\x01", 4);
	assert_int_equal(k1.port_a, 40000);
	parse_copy(find("arp_reply"), find("arp_reply")->len, &p);
	assert_int_equal(wl_flow_key_of(&p, &k1, &b1), 0);
}

/*
 * The kernel's short IPv4 key (wl_flow_key4_build) names the same flow, with the same side, as
 * the pcap path's wl_flow_key_of, over the bulk mix and each frame mirrored (addresses and ports
 * swapped); IPv6 and frames without addresses have none.
 */
static void test_flow_key4_same(void **state)
{
	static struct tframe f;
	unsigned int v4 = 0;

	(void)state;
	for (uint32_t i = 0; i < 5000; i++) {
		struct wl_pkt p, q;
		struct wl_flow_key k, back;
		struct wl_flow_key4 k4;

		frames_bulk(i, 7, &f);
		parse_copy(&f, f.len, &p);
		q = p;
		memcpy(q.saddr, p.daddr, 16);
		memcpy(q.daddr, p.saddr, 16);
		q.sport = p.dport;
		q.dport = p.sport;
		for (int m = 0; m < 2; m++) {
			const struct wl_pkt *x = m ? &q : &p;
			int side, side4, has = wl_flow_key_of(x, &k, &side);
			int has4 = wl_flow_key4_build(x, &k4, &side4);

			assert_int_equal(has4, has && k.family == 4);
			if (!has4)
				continue;
			v4++;
			k4.link = 0;
			wl_flow_key_of4(&k4, &back);
			assert_memory_equal(&back, &k, sizeof(k));
			assert_int_equal(side4, side);
		}
	}
	assert_true(v4 > 1000);
}

/*
 * The bulk mix: every frame has its declared classes, sizes stay in 60..1514, the same seed
 * gives the same bytes, another seed other bytes, and the mix holds every kind it promises.
 */
static void test_bulk(void **state)
{
	static struct tframe f, g;
	unsigned int l3[WL_L3_MAX] = {0}, l4[WL_L4_MAX] = {0}, vlan = 0, differ = 0;
	unsigned int small = 0, large = 0;

	(void)state;
	for (uint32_t i = 0; i < 20000; i++) {
		struct wl_pkt p;

		frames_bulk(i, 1, &f);
		parse_copy(&f, f.len, &p);
		check_declared(&f, &p, "bulk");
		assert_true(f.len >= 60 && f.len <= 1514);
		assert_true(f.wire_safe);
		frames_bulk(i, 1, &g);
		assert_int_equal(g.len, f.len);
		assert_memory_equal(g.data, f.data, f.len);
		frames_bulk(i, 2, &g);
		differ += g.len != f.len || memcmp(g.data, f.data, f.len);
		l3[p.l3]++;
		l4[p.l4]++;
		vlan += p.vlan_depth == 1;
		small += f.len <= 64;
		large += f.len >= 1400;
	}
	assert_true(l3[WL_L3_IPV4] && l3[WL_L3_IPV6] && l3[WL_L3_ARP]);
	assert_int_equal(l3[WL_L3_OTHER], 0);
	for (int i = 0; i < WL_L4_MAX; i++)
		assert_true(l4[i] > 0);
	assert_true(vlan > 0 && vlan < 20000);
	assert_true(small > 0 && large > 0);
	assert_true(differ > 19000);
}

/*
 * Mutated and random frames: every catalogue frame with random bytes overwritten and a random
 * length, plus pure noise. Under ASan any read past the frame aborts; the partitions must stay
 * consistent (l4 other for non-IP, app none unless TCP/UDP).
 */
static void test_mutations(void **state)
{
	const struct tframe *fr;
	int n = catalog(&fr);
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int round = 0; round < 200000; round++) {
		const struct tframe *f = &fr[round % n];
		uint8_t *buf;
		uint32_t len;
		struct wl_pkt p;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		len = (uint32_t)(seed >> 33) % (f->len + 64);
		buf = malloc(len ? len : 1);
		assert_non_null(buf);
		for (uint32_t i = 0; i < len; i++)
			buf[i] = i < f->len ? f->data[i] : (uint8_t)(seed >> (i % 56));
		for (int m = 0; m < 4 && len; m++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			buf[(seed >> 20) % len] = (uint8_t)(seed >> 40);
		}
		if (round % 7 == 0)
			for (uint32_t i = 0; i < len; i++)
				buf[i] = (uint8_t)((seed >> (i % 57)) ^ i);
		wl_parse_frame(buf, buf + len, &p);
		assert_int_equal(p.l3, l3_rule(buf, len));
		free(buf);
		assert_true(p.l3 < WL_L3_MAX && p.l4 < WL_L4_MAX && p.app < WL_APP_MAX);
		if (p.l3 != WL_L3_IPV4 && p.l3 != WL_L3_IPV6)
			assert_int_equal(p.l4, WL_L4_OTHER);
		if (p.l4 != WL_L4_TCP && p.l4 != WL_L4_UDP)
			assert_int_equal(p.app, WL_APP_NONE);
		else
			assert_int_not_equal(p.app, WL_APP_NONE);
		assert_true(p.l4_off <= len && p.payload_off <= len);
	}
}

/* wl_stats_add keeps every partition summing to the total. */
static void test_stats_partitions(void **state)
{
	const struct tframe *fr;
	int n = catalog(&fr);
	struct wl_stats s, d;
	uint64_t l3 = 0, l4 = 0, app = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	for (int i = 0; i < n; i++) {
		struct wl_pkt p;

		parse_copy(&fr[i], fr[i].len, &p);
		wl_stats_add(&s, &p, fr[i].len);
		frames_expect_add(&d, &fr[i]);
	}
	for (int i = 0; i < WL_L3_MAX; i++)
		l3 += wl_stats_l3(&s, i)->bytes;
	for (int i = 0; i < WL_L4_MAX; i++)
		l4 += wl_stats_l4(&s, i)->bytes;
	for (int i = 0; i < WL_APP_MAX; i++)
		app += wl_stats_app(&s, i)->bytes;
	assert_int_equal(s.total.packets, n);
	assert_true(l3 == s.total.bytes && l4 == s.total.bytes && app == s.total.bytes);
	/* wl_stats_add() counts a matched frame; `seen` is the hook's, before any filter. */
	assert_int_equal(s.seen.packets, 0);
	s.seen = s.total;
	assert_memory_equal(&s, &d, sizeof(s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_declarations),
		cmocka_unit_test(test_catalog_classes),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_parse_raw_sll),
		cmocka_unit_test(test_parse_raw_empty),
		cmocka_unit_test(test_ipv4_total_length_zero),
		cmocka_unit_test(test_flow_key_normalised),
		cmocka_unit_test(test_flow_key4_same),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_stats_partitions),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
