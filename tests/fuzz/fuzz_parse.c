// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the packet parser, the userspace build of bpf/parse.h and bpf/flow.h
 * that the XDP and TC programs run: any bytes, as an Ethernet frame (the first input byte
 * clear) or as a frame whose link header is gone (set: raw IP, the EtherType from the version
 * nibble, as for DLT_RAW), must parse without reading outside them, into classes and offsets
 * that are in range and in order, the same way twice; counted, a frame adds exactly one to the
 * total and one to each class level. A frame with a flow and its mirror image (addresses and
 * ports swapped in place) must give the same flow key from the other side and the same network
 * and transport classes (not always the same application: payloads differ by direction, and
 * when both ports name a service the destination port's wins).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "filter.h"
#include "flow.h"
#include "parse.h"

static void parse(const uint8_t *buf, size_t len, bool raw, struct wl_pkt *p)
{
	if (raw && len)
		wl_parse_raw(buf, buf + len, (int)wl_link_raw_ethertype(buf), p);
	else if (raw)
		wl_pkt_init(p);
	else
		wl_parse_frame(buf, buf + len, p);
}

static void check_pkt(const struct wl_pkt *p, size_t len)
{
	fuzz_check(p->l3 < WL_L3_MAX && p->l4 < WL_L4_MAX && p->app < WL_APP_MAX);
	fuzz_check(p->vlan_depth <= WL_MAX_VLAN);
	fuzz_check(p->l3_off <= len);
	if (p->l4_off)
		fuzz_check(p->l4_off > p->l3_off && p->l4_off <= len);
	if (p->payload_off)
		fuzz_check(p->l4_off && p->payload_off > p->l4_off && p->payload_off <= len);
	if (p->l4 == WL_L4_TCP || p->l4 == WL_L4_UDP)
		fuzz_check(p->l3 == WL_L3_IPV4 || p->l3 == WL_L3_IPV6);
	if (p->flags & WL_PF_ADDRS)
		fuzz_check(p->l3 == WL_L3_IPV4 || p->l3 == WL_L3_IPV6);
	if (p->app != WL_APP_NONE)
		fuzz_check(p->l4 == WL_L4_TCP || p->l4 == WL_L4_UDP);
}

static void check_stats(const struct wl_pkt *p, size_t len)
{
	struct wl_stats s;

	memset(&s, 0, sizeof(s));
	wl_stats_add(&s, p, len);
	fuzz_check(s.total.packets == 1 && s.total.bytes == len);
	fuzz_check(wl_stats_l3(&s, p->l3)->packets == 1 && wl_stats_l4(&s, p->l4)->packets == 1 &&
		   wl_stats_app(&s, p->app)->packets == 1);
}

/* Swap the addresses and the ports of a parsed IP frame in place. */
static void mirror(uint8_t *buf, const struct wl_pkt *p)
{
	size_t a = p->l3_off + (p->l3 == WL_L3_IPV4 ? 12 : 8), n = p->l3 == WL_L3_IPV4 ? 4 : 16;
	uint8_t tmp[16];

	memcpy(tmp, buf + a, n);
	memmove(buf + a, buf + a + n, n);
	memcpy(buf + a + n, tmp, n);
	if (p->sport || p->dport) {
		memcpy(tmp, buf + p->l4_off, 2);
		memmove(buf + p->l4_off, buf + p->l4_off + 2, 2);
		memcpy(buf + p->l4_off + 2, tmp, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wl_flow_key k1, k2;
	struct wl_pkt p1, p2;
	bool raw;
	uint8_t *buf;
	size_t len;
	int b1, b2;

	if (!size)
		return 0;
	raw = data[0] & 1;
	len = size - 1;
	/* An exact-size copy: ASan sees a read one byte past the frame. */
	buf = malloc(len ? len : 1);
	fuzz_check(buf);
	memcpy(buf, data + 1, len);

	parse(buf, len, raw, &p1);
	check_pkt(&p1, len);
	check_stats(&p1, len);
	parse(buf, len, raw, &p2);
	fuzz_check(!memcmp(&p1, &p2, sizeof(p1)));

	if (wl_flow_key_of(&p1, &k1, &b1)) {
		fuzz_check(k1.family == (p1.l3 == WL_L3_IPV4 ? 4 : 6) && k1.proto == p1.ip_proto);
		mirror(buf, &p1);
		parse(buf, len, raw, &p2);
		check_pkt(&p2, len);
		fuzz_check(wl_flow_key_of(&p2, &k2, &b2));
		fuzz_check(!memcmp(&k1, &k2, sizeof(k1)));
		/* Endpoints that are equal have no other side. */
		fuzz_check(b2 == (wl_endpoint_cmp(&p1) ? !b1 : b1));
		fuzz_check(p2.l3 == p1.l3 && p2.l4 == p1.l4 && p2.ip_proto == p1.ip_proto &&
			   p2.l4_off == p1.l4_off && p2.payload_off == p1.payload_off);
		fuzz_check(p2.sport == p1.dport && p2.dport == p1.sport);
	}
	free(buf);
	return 0;
}
