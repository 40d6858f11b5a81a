// SPDX-License-Identifier: MIT
/*
 * Crafted test frames. Each catalogue entry is built byte by byte and carries the class a
 * reader of DESIGN.md ("Counting semantics") and docs/app-protocols.md assigns to it by hand:
 * the parser is tested against these declarations, never against itself. Addresses come from
 * 198.18.0.0/15 and 2001:2::/48; MACs are 02:00:00:00:00:01 -> 02:00:00:00:00:02 (locally
 * administered unicast, no real interface's).
 *
 * Edge cases, as bpf/parse.h documents them:
 * - l3 follows the EtherType after at most two VLAN tags, whatever the bytes behind it hold
 *   (IPv4 EtherType with version 6 is ipv4 + malformed); a third tag leaves the frame other.
 * - Once the IPv4 protocol field or the IPv6 Next Header chain has been read, the frame counts
 *   by that number, also when a later header is cut (truncated) or inconsistent (malformed);
 *   an IPv6 chain cut inside an extension header counts by the header it stopped at (other).
 * - Fragments count by protocol number; later fragments have no ports (app unknown).
 * - An IPv6 extension-header chain is walked to its end, however long (headers starting within
 *   WL_IPV6_EXT_SPAN bytes, as far as the frame goes), as Wireshark does.
 */
#include "frames.h"

#include <errno.h>
#include <string.h>

struct fb {
	uint8_t *p;
	uint32_t n;
};

static void put8(struct fb *b, uint8_t v)
{
	if (b->n < TFRAME_MAX)
		b->p[b->n] = v;
	b->n++;
}

static void put16(struct fb *b, uint16_t v)
{
	put8(b, (uint8_t)(v >> 8));
	put8(b, (uint8_t)v);
}

static void put32(struct fb *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

static void putmem(struct fb *b, const void *m, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		put8(b, ((const uint8_t *)m)[i]);
}

static void fill(struct fb *b, uint32_t n, uint8_t v)
{
	for (uint32_t i = 0; i < n; i++)
		put8(b, v);
}

static void eth(struct fb *b, uint16_t type)
{
	static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x02}, src[6] = {0x02, 0, 0, 0, 0, 0x01};

	putmem(b, dst, 6);
	putmem(b, src, 6);
	put16(b, type);
}

/* A VLAN tag after an Ethernet header whose type was the TPID. */
static void tag(struct fb *b, uint16_t vid, uint16_t inner)
{
	put16(b, vid);
	put16(b, inner);
}

/* IPv4 header, 198.18.0.1 -> 198.18.0.2, `opt` option bytes (multiple of 4), payload length. */
static void ipv4(struct fb *b, uint8_t proto, uint32_t opt, uint32_t payload, uint16_t frag)
{
	uint32_t hl = 20 + opt;

	put8(b, (uint8_t)(0x40 | (hl / 4)));
	put8(b, 0);
	put16(b, (uint16_t)(hl + payload));
	put16(b, 0x1234);
	put16(b, frag);
	put8(b, 64);
	put8(b, proto);
	put16(b, 0);
	put32(b, 0xc6120001);
	put32(b, 0xc6120002);
	for (uint32_t i = 0; i + 1 < opt; i++)
		put8(b, 1); /* NOP */
	if (opt)
		put8(b, 0); /* EOL */
}

/* IPv6 header, 2001:2::1 -> 2001:2::2. */
static void ipv6(struct fb *b, uint8_t next, uint32_t payload)
{
	put32(b, 0x60000000);
	put16(b, (uint16_t)payload);
	put8(b, next);
	put8(b, 64);
	put32(b, 0x20010002);
	put32(b, 0);
	put32(b, 0);
	put32(b, 1);
	put32(b, 0x20010002);
	put32(b, 0);
	put32(b, 0);
	put32(b, 2);
}

/* Hop-by-hop, routing or destination options header of (len8 + 1) * 8 bytes. */
static void ext(struct fb *b, uint8_t next, uint8_t len8)
{
	put8(b, next);
	put8(b, len8);
	fill(b, 6 + 8u * len8, 0);
}

static void frag6(struct fb *b, uint8_t next, uint16_t offset8, int more)
{
	put8(b, next);
	put8(b, 0);
	put16(b, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	put32(b, 0xabcd);
}

/* TCP header without options (data offset 5). */
static void tcp(struct fb *b, uint16_t sport, uint16_t dport, uint8_t flags)
{
	put16(b, sport);
	put16(b, dport);
	put32(b, 1000);
	put32(b, flags & 0x10 ? 2000 : 0);
	put8(b, 5 << 4);
	put8(b, flags);
	put16(b, 65535);
	put16(b, 0);
	put16(b, 0);
}

/*
 * TCP SYN header with the 20 option bytes Linux sends (data offset 10): MSS 1460, SACK
 * permitted, timestamps, NOP, window scale 7 (RFC 9293 section 3.2, RFC 7323).
 */
static void tcp_syn_opts(struct fb *b, uint16_t sport, uint16_t dport)
{
	static const uint8_t opt[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					0, 1, 0,    0,	  0, 0, 1, 3,  3, 7};

	put16(b, sport);
	put16(b, dport);
	put32(b, 1000);
	put32(b, 0);
	put8(b, 10 << 4);
	put8(b, 0x02);
	put16(b, 64240);
	put16(b, 0);
	put16(b, 0);
	putmem(b, opt, sizeof(opt));
}

static void udp(struct fb *b, uint16_t sport, uint16_t dport, uint32_t payload)
{
	put16(b, sport);
	put16(b, dport);
	put16(b, (uint16_t)(8 + payload));
	put16(b, 0);
}

static void icmp(struct fb *b, uint8_t type)
{
	put8(b, type);
	put8(b, 0);
	put16(b, 0);
	put32(b, 0x00010001);
}

static void arp(struct fb *b, uint16_t op)
{
	put16(b, 1);
	put16(b, 0x0800);
	put8(b, 6);
	put8(b, 4);
	put16(b, op);
	putmem(b, "\x02\x00\x00\x00\x00\x01", 6);
	put32(b, 0xc6120001);
	fill(b, 6, op == 1 ? 0 : 0x02);
	put32(b, 0xc6120002);
}

/* Pad to the 60-byte Ethernet minimum with `v` (not zero, to catch padding misread as data). */
static void pad60(struct fb *b, uint8_t v)
{
	while (b->n < 60)
		put8(b, v);
}

static const char http_get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
static const uint8_t tls_hello[] = {0x16, 0x03, 0x01, 0x00, 0x40, 0x01,
				    0x00, 0x00, 0x3c, 0x03, 0x03};
static const char ssh_banner[] = "SSH-2.0-OpenSSH_9.2\r\n";

enum {
	T_OK = 0,
	T_TRUNC = 1,
	T_MALF = 2
};

#define L3(x)	    WL_L3_##x
#define L4(x)	    WL_L4_##x
#define APP(x)	    WL_APP_##x

#define CATALOG_MAX 96

/* One spare slot: entries beyond CATALOG_MAX are built there and reported as -E2BIG. */
static struct tframe catalog[CATALOG_MAX + 1];
static int ncatalog;
static bool catalog_overflow;

static struct fb cat_begin(const char *name, uint8_t l3, uint8_t l4, uint8_t app, int flags)
{
	struct tframe *f = &catalog[ncatalog < CATALOG_MAX ? ncatalog : CATALOG_MAX];
	struct fb b = {.p = f->data, .n = 0};

	memset(f, 0, sizeof(*f));
	f->name = name;
	f->l3 = l3;
	f->l4 = l4;
	f->app = app;
	f->truncated = flags & T_TRUNC;
	f->malformed = flags & T_MALF;
	return b;
}

static void cat_end(struct fb *b)
{
	struct tframe *f;

	if (ncatalog >= CATALOG_MAX || b->n > TFRAME_MAX) {
		catalog_overflow = true;
		return;
	}
	f = &catalog[ncatalog++];
	f->len = b->n;
	f->wire_safe = b->n >= TFRAME_WIRE_MIN;
}

static void build_catalog(void)
{
	struct fb b;

	b = cat_begin("v4_tcp_syn", L3(IPV4), L4(TCP), APP(UNKNOWN), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20, 0), tcp(&b, 40000, 5000, 0x02), pad60(&b, 0x47);
	cat_end(&b);
	b = cat_begin("v4_tcp_syn_options", L3(IPV4), L4(TCP), APP(UNKNOWN), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 40, 0), tcp_syn_opts(&b, 40006, 5001);
	cat_end(&b);
	b = cat_begin("v4_tcp_http_get", L3(IPV4), L4(TCP), APP(HTTP), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20 + sizeof(http_get) - 1, 0);
	tcp(&b, 40001, 8081, 0x18), putmem(&b, http_get, sizeof(http_get) - 1);
	cat_end(&b);
	b = cat_begin("v4_tcp_ack_port443", L3(IPV4), L4(TCP), APP(TLS), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20, 0), tcp(&b, 40002, 443, 0x10), pad60(&b, 0);
	cat_end(&b);
	b = cat_begin("v4_tcp_tls_any_port", L3(IPV4), L4(TCP), APP(TLS), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20 + sizeof(tls_hello), 0);
	tcp(&b, 40003, 9443, 0x18), putmem(&b, tls_hello, sizeof(tls_hello));
	cat_end(&b);
	b = cat_begin("v4_tcp_ssh_banner", L3(IPV4), L4(TCP), APP(SSH), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20 + sizeof(ssh_banner) - 1, 0);
	tcp(&b, 22222, 40004, 0x18), putmem(&b, ssh_banner, sizeof(ssh_banner) - 1);
	cat_end(&b);
	b = cat_begin("v4_tcp_padding_not_payload", L3(IPV4), L4(TCP), APP(UNKNOWN), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20, 0), tcp(&b, 40005, 9000, 0x10);
	putmem(&b, "GET ", 4), pad60(&b, 'x');
	cat_end(&b);
	b = cat_begin("v4_udp_dns", L3(IPV4), L4(UDP), APP(DNS), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8 + 29, 0), udp(&b, 53000, 53, 29), fill(&b, 29, 1);
	cat_end(&b);
	b = cat_begin("v4_udp_unknown", L3(IPV4), L4(UDP), APP(UNKNOWN), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8 + 100, 0), udp(&b, 40000, 40001, 100);
	fill(&b, 100, 0x5a);
	cat_end(&b);
	b = cat_begin("v4_udp_quic_port", L3(IPV4), L4(UDP), APP(QUIC), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8 + 40, 0), udp(&b, 50000, 443, 40), fill(&b, 40, 0x41);
	cat_end(&b);
	b = cat_begin("v4_udp_quic_long_header", L3(IPV4), L4(UDP), APP(QUIC), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8 + 40, 0), udp(&b, 50001, 4433, 40);
	putmem(&b, "\xc3\x00\x00\x00\x01\x08", 6), fill(&b, 34, 0x11);
	cat_end(&b);
	b = cat_begin("v4_udp_ntp", L3(IPV4), L4(UDP), APP(NTP), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8 + 48, 0), udp(&b, 123, 123, 48), fill(&b, 48, 0x23);
	cat_end(&b);
	b = cat_begin("v4_udp_dhcp", L3(IPV4), L4(UDP), APP(DHCP), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8 + 240, 0), udp(&b, 68, 67, 240), fill(&b, 240, 0);
	cat_end(&b);
	b = cat_begin("v4_icmp_echo", L3(IPV4), L4(ICMP), APP(NONE), T_OK);
	eth(&b, 0x0800), ipv4(&b, 1, 0, 8 + 56, 0), icmp(&b, 8), fill(&b, 56, 0x61);
	cat_end(&b);
	b = cat_begin("v4_options_udp_mdns", L3(IPV4), L4(UDP), APP(MDNS), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 12, 8 + 20, 0), udp(&b, 5353, 5353, 20), fill(&b, 20, 0);
	cat_end(&b);
	b = cat_begin("v4_options_max_icmp", L3(IPV4), L4(ICMP), APP(NONE), T_OK);
	eth(&b, 0x0800), ipv4(&b, 1, 40, 8, 0), icmp(&b, 0);
	cat_end(&b);
	b = cat_begin("v4_options_ihl6_tcp_payload", L3(IPV4), L4(TCP), APP(UNKNOWN), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 4, 20 + 100, 0), tcp(&b, 40020, 40021, 0x18);
	fill(&b, 100, 0x5a);
	cat_end(&b);
	b = cat_begin("v4_frag_first_tcp", L3(IPV4), L4(TCP), APP(HTTP), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20 + 200, 0x2000), tcp(&b, 40010, 80, 0x10);
	fill(&b, 200, 0x33);
	cat_end(&b);
	b = cat_begin("v4_frag_later_tcp", L3(IPV4), L4(TCP), APP(UNKNOWN), T_OK);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 300, 185), fill(&b, 300, 0x34);
	cat_end(&b);
	b = cat_begin("v4_frag_first_udp", L3(IPV4), L4(UDP), APP(UNKNOWN), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8 + 120, 0x2000), udp(&b, 40030, 40031, 300);
	fill(&b, 120, 0x38);
	cat_end(&b);
	b = cat_begin("v4_frag_later_udp", L3(IPV4), L4(UDP), APP(UNKNOWN), T_OK);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 100, 0x2000 | 50), fill(&b, 100, 0x35);
	cat_end(&b);
	b = cat_begin("v4_gre", L3(IPV4), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x0800), ipv4(&b, 47, 0, 24, 0), put32(&b, 0x00000800), fill(&b, 20, 0x45);
	cat_end(&b);
	b = cat_begin("v4_ipip", L3(IPV4), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x0800), ipv4(&b, 4, 0, 28, 0), ipv4(&b, 17, 0, 8, 0), udp(&b, 1, 2, 0);
	cat_end(&b);
	b = cat_begin("v4_esp", L3(IPV4), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x0800), ipv4(&b, 50, 0, 64, 0), fill(&b, 64, 0x50);
	cat_end(&b);
	b = cat_begin("v6_tcp_ssh_port", L3(IPV6), L4(TCP), APP(SSH), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 6, 20), tcp(&b, 40000, 22, 0x02);
	cat_end(&b);
	b = cat_begin("v6_udp_dns", L3(IPV6), L4(UDP), APP(DNS), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 17, 8 + 30), udp(&b, 53, 40000, 30), fill(&b, 30, 2);
	cat_end(&b);
	b = cat_begin("v6_icmpv6_echo", L3(IPV6), L4(ICMPV6), APP(NONE), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 58, 8 + 56), icmp(&b, 128), fill(&b, 56, 0x62);
	cat_end(&b);
	b = cat_begin("v6_hop_udp_dhcpv6", L3(IPV6), L4(UDP), APP(DHCPV6), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 0, 8 + 8 + 16), ext(&b, 17, 0), udp(&b, 546, 547, 16);
	fill(&b, 16, 0);
	cat_end(&b);
	b = cat_begin("v6_routing_tcp_smtp", L3(IPV6), L4(TCP), APP(SMTP), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 43, 24 + 20), ext(&b, 6, 2), tcp(&b, 40000, 25, 0x02);
	cat_end(&b);
	b = cat_begin("v6_dstopts_icmpv6", L3(IPV6), L4(ICMPV6), APP(NONE), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 60, 16 + 8), ext(&b, 58, 1), icmp(&b, 129);
	cat_end(&b);
	b = cat_begin("v6_frag_first_udp_ntp", L3(IPV6), L4(UDP), APP(NTP), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 44, 8 + 8 + 100), frag6(&b, 17, 0, 1), udp(&b, 123, 40000, 400);
	fill(&b, 100, 0x36);
	cat_end(&b);
	b = cat_begin("v6_frag_later_tcp", L3(IPV6), L4(TCP), APP(UNKNOWN), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 44, 8 + 200), frag6(&b, 6, 100, 0), fill(&b, 200, 0x37);
	cat_end(&b);
	b = cat_begin("v6_chain_udp_llmnr", L3(IPV6), L4(UDP), APP(LLMNR), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 0, 8 + 8 + 24 + 8 + 8 + 12), ext(&b, 60, 0), ext(&b, 43, 0);
	ext(&b, 44, 2), frag6(&b, 17, 0, 1), udp(&b, 40000, 5355, 12), fill(&b, 12, 0);
	cat_end(&b);
	b = cat_begin("v6_chain_deep_udp", L3(IPV6), L4(UDP), APP(UNKNOWN), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 60, 9 * 8 + 8);
	for (int i = 0; i < 9; i++)
		ext(&b, i < 8 ? 60 : 17, 0);
	udp(&b, 40000, 40001, 0);
	cat_end(&b);
	/* An evasion: 137 atomic fragment headers in front of an echo request (Wireshark: ICMPv6). */
	b = cat_begin("v6_frag137_icmpv6_echo", L3(IPV6), L4(ICMPV6), APP(NONE), T_OK);
	eth(&b, 0x86dd), ipv6(&b, 44, 137 * 8 + 8);
	for (int i = 0; i < 137; i++)
		frag6(&b, i < 136 ? 44 : 58, 0, 0);
	icmp(&b, 128);
	cat_end(&b);
	b = cat_begin("arp_request", L3(ARP), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x0806), arp(&b, 1), pad60(&b, 0);
	cat_end(&b);
	b = cat_begin("arp_reply", L3(ARP), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x0806), arp(&b, 2);
	cat_end(&b);
	b = cat_begin("vlan_v4_udp", L3(IPV4), L4(UDP), APP(UNKNOWN), T_OK);
	eth(&b, 0x8100), tag(&b, 100, 0x0800), ipv4(&b, 17, 0, 8 + 64, 0);
	udp(&b, 40000, 40002, 64), fill(&b, 64, 0x70);
	cat_end(&b);
	b = cat_begin("vlan_v6_tcp_tls_port", L3(IPV6), L4(TCP), APP(TLS), T_OK);
	eth(&b, 0x8100), tag(&b, 200, 0x86dd), ipv6(&b, 6, 20), tcp(&b, 443, 40000, 0x12);
	cat_end(&b);
	b = cat_begin("vlan_arp", L3(ARP), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x8100), tag(&b, 300, 0x0806), arp(&b, 1);
	cat_end(&b);
	b = cat_begin("qinq_v4_icmp", L3(IPV4), L4(ICMP), APP(NONE), T_OK);
	eth(&b, 0x88a8), tag(&b, 10, 0x8100), tag(&b, 20, 0x0800), ipv4(&b, 1, 0, 8, 0);
	icmp(&b, 8);
	cat_end(&b);
	b = cat_begin("three_tags", L3(OTHER), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x8100), tag(&b, 1, 0x8100), tag(&b, 2, 0x8100), tag(&b, 3, 0x0800);
	ipv4(&b, 17, 0, 8, 0), udp(&b, 1, 2, 0);
	cat_end(&b);
	b = cat_begin("llc_8023", L3(OTHER), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x0026), putmem(&b, "\x42\x42\x03", 3), pad60(&b, 0);
	cat_end(&b);
	b = cat_begin("lldp", L3(OTHER), L4(OTHER), APP(NONE), T_OK);
	eth(&b, 0x88cc), fill(&b, 46, 0x02);
	cat_end(&b);
	b = cat_begin("trunc_eth", L3(OTHER), L4(OTHER), APP(NONE), T_TRUNC);
	fill(&b, 10, 0x02);
	cat_end(&b);
	b = cat_begin("trunc_ipv4_header", L3(IPV4), L4(OTHER), APP(NONE), T_TRUNC);
	eth(&b, 0x0800), putmem(&b, "\x45\x00\x00\x54\x00\x00\x00\x00\x40\x01", 10);
	cat_end(&b);
	b = cat_begin("trunc_ipv4_options", L3(IPV4), L4(UDP), APP(UNKNOWN), T_TRUNC);
	eth(&b, 0x0800), ipv4(&b, 17, 40, 8, 0);
	b.n -= 30; /* keep 30 of the 60 header bytes */
	cat_end(&b);
	b = cat_begin("trunc_tcp", L3(IPV4), L4(TCP), APP(UNKNOWN), T_TRUNC);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20, 0), tcp(&b, 40000, 80, 0x02);
	b.n -= 10;
	cat_end(&b);
	b = cat_begin("trunc_tcp_options", L3(IPV4), L4(TCP), APP(UNKNOWN), T_TRUNC);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 40, 0), tcp_syn_opts(&b, 40000, 5002);
	b.n -= 12; /* data offset 10 announces 40 bytes; 28 are there */
	cat_end(&b);
	b = cat_begin("trunc_udp", L3(IPV4), L4(UDP), APP(UNKNOWN), T_TRUNC);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8, 0), udp(&b, 40000, 53, 0);
	b.n -= 4;
	cat_end(&b);
	b = cat_begin("trunc_ipv6_header", L3(IPV6), L4(OTHER), APP(NONE), T_TRUNC);
	eth(&b, 0x86dd), ipv6(&b, 17, 8);
	b.n -= 20;
	cat_end(&b);
	b = cat_begin("trunc_ipv6_ext", L3(IPV6), L4(OTHER), APP(NONE), T_TRUNC);
	eth(&b, 0x86dd), ipv6(&b, 0, 16), put8(&b, 17), put8(&b, 1), fill(&b, 2, 0);
	cat_end(&b);
	b = cat_begin("trunc_ipv6_ext_body", L3(IPV6), L4(OTHER), APP(NONE), T_TRUNC);
	eth(&b, 0x86dd), ipv6(&b, 0, 32 + 20), ext(&b, 6, 3);
	b.n -= 16; /* the hop-by-hop header claims 32 bytes; 16 are there */
	cat_end(&b);
	b = cat_begin("trunc_ipv6_frag_header", L3(IPV6), L4(OTHER), APP(NONE), T_TRUNC);
	eth(&b, 0x86dd), ipv6(&b, 44, 8 + 8), frag6(&b, 17, 0, 1);
	b.n -= 4;
	cat_end(&b);
	b = cat_begin("trunc_vlan_tag", L3(OTHER), L4(OTHER), APP(NONE), T_TRUNC);
	eth(&b, 0x8100), put16(&b, 5);
	cat_end(&b);
	b = cat_begin("trunc_arp", L3(ARP), L4(OTHER), APP(NONE), T_TRUNC);
	eth(&b, 0x0806), put16(&b, 1), put16(&b, 0x0800), put8(&b, 6);
	cat_end(&b);
	b = cat_begin("malformed_v4_version", L3(IPV4), L4(OTHER), APP(NONE), T_MALF);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8, 0), udp(&b, 1, 2, 0);
	b.p[14] = 0x65; /* version 6 under EtherType IPv4 */
	cat_end(&b);
	b = cat_begin("malformed_v4_ihl", L3(IPV4), L4(UDP), APP(UNKNOWN), T_MALF);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8, 0), udp(&b, 1, 2, 0);
	b.p[14] = 0x44;
	cat_end(&b);
	b = cat_begin("malformed_v4_total_length", L3(IPV4), L4(UDP), APP(UNKNOWN), T_MALF);
	eth(&b, 0x0800), ipv4(&b, 17, 0, 8, 0), udp(&b, 1, 2, 0);
	b.p[16] = 0, b.p[17] = 10;
	cat_end(&b);
	b = cat_begin("malformed_tcp_data_offset", L3(IPV4), L4(TCP), APP(UNKNOWN), T_MALF);
	eth(&b, 0x0800), ipv4(&b, 6, 0, 20, 0), tcp(&b, 40000, 443, 0x02);
	b.p[14 + 20 + 12] = 3 << 4;
	cat_end(&b);
	b = cat_begin("malformed_v6_version", L3(IPV6), L4(OTHER), APP(NONE), T_MALF);
	eth(&b, 0x86dd), ipv6(&b, 17, 8), udp(&b, 1, 2, 0);
	b.p[14] = 0x40;
	cat_end(&b);
}

int frames_catalog(const struct tframe **out)
{
	if (!ncatalog && !catalog_overflow)
		build_catalog();
	*out = catalog;
	return catalog_overflow ? -E2BIG : ncatalog;
}

const struct tframe *frames_find(const char *name)
{
	const struct tframe *fr;
	int n = frames_catalog(&fr);

	for (int i = 0; i < n; i++)
		if (!strcmp(fr[i].name, name))
			return &fr[i];
	errno = ENOENT;
	return NULL;
}

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

void frames_bulk(uint32_t i, uint32_t seed, struct tframe *f)
{
	uint32_t r = mix32(i * 2654435761u ^ mix32(seed)), r2 = mix32(r);
	static const uint16_t sizes[] = {60, 64, 66, 74, 90, 128, 200, 576, 590, 1000, 1400, 1514};
	uint32_t size = sizes[r2 % (sizeof(sizes) / sizeof(sizes[0]))];
	struct fb b = {.p = f->data, .n = 0};
	int kind = (int)(r % 16), vlan = (r >> 8) % 8 == 0;
	uint16_t sport = (uint16_t)(10000 + (r >> 4) % 50000);
	uint16_t dport = (uint16_t)(10000 + (r2 >> 4) % 50000);
	uint32_t hdr, pl;
	uint16_t l3type;

	memset(f, 0, sizeof(*f));
	f->name = "bulk";
	f->app = WL_APP_NONE;
	if (kind == 15) {
		f->l3 = WL_L3_ARP;
		f->l4 = WL_L4_OTHER;
		if (vlan)
			eth(&b, 0x8100), tag(&b, 7, 0x0806);
		else
			eth(&b, 0x0806);
		arp(&b, 1 + (r2 & 1));
		pad60(&b, 0);
		f->len = b.n;
		f->wire_safe = true;
		return;
	}
	l3type = kind < 9 ? 0x0800 : 0x86dd;
	f->l3 = kind < 9 ? WL_L3_IPV4 : WL_L3_IPV6;
	if (vlan)
		eth(&b, 0x8100), tag(&b, 7, l3type);
	else
		eth(&b, l3type);
	hdr = b.n + (l3type == 0x0800 ? 20 : 40);
	/* kinds: 0-3 v4 tcp, 4-6 v4 udp, 7-8 v4 icmp, 9-11 v6 tcp, 12-13 v6 udp, 14 icmpv6 */
	if (kind <= 3 || (kind >= 9 && kind <= 11)) {
		f->l4 = WL_L4_TCP;
		f->app = WL_APP_UNKNOWN;
		if (r2 % 10 == 0) {
			dport = 443;
			f->app = WL_APP_TLS;
		}
		hdr += 20;
	} else if ((kind >= 4 && kind <= 6) || kind == 12 || kind == 13) {
		f->l4 = WL_L4_UDP;
		f->app = WL_APP_UNKNOWN;
		if (r2 % 10 == 0) {
			dport = 53;
			f->app = WL_APP_DNS;
		}
		hdr += 8;
	} else {
		f->l4 = kind == 14 ? WL_L4_ICMPV6 : WL_L4_ICMP;
		hdr += 8;
	}
	if (size < hdr)
		size = hdr;
	pl = size - hdr;
	if (l3type == 0x0800)
		ipv4(&b,
		     f->l4 == WL_L4_TCP	  ? 6
		     : f->l4 == WL_L4_UDP ? 17
					  : 1,
		     0, size - b.n - 20, 0);
	else
		ipv6(&b, f->l4 == WL_L4_TCP ? 6 : f->l4 == WL_L4_UDP ? 17 : 58, size - b.n - 40);
	if (f->l4 == WL_L4_TCP)
		tcp(&b, sport, dport, 0x18);
	else if (f->l4 == WL_L4_UDP)
		udp(&b, sport, dport, pl);
	else
		icmp(&b, f->l4 == WL_L4_ICMP ? 8 : 128);
	/* A payload byte pattern that matches no application signature. */
	fill(&b, pl, (uint8_t)(0x5a ^ (i & 0x0f)));
	f->len = b.n;
	f->wire_safe = true;
}

void frames_expect_add(struct wl_stats *s, const struct tframe *f)
{
	struct wl_counter *c;

	s->total.packets++;
	s->total.bytes += f->len;
	c = wl_stats_l3(s, f->l3);
	c->packets++, c->bytes += f->len;
	c = wl_stats_l4(s, f->l4);
	c->packets++, c->bytes += f->len;
	c = wl_stats_app(s, f->app);
	c->packets++, c->bytes += f->len;
	s->seen.packets++, s->seen.bytes += f->len; /* no filter: every frame seen is counted */
	if (f->truncated)
		s->truncated.packets++, s->truncated.bytes += f->len;
	if (f->malformed)
		s->malformed.packets++, s->malformed.bytes += f->len;
}
