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

static void check_frame(const struct tframe *f, const struct wl_pkt *p)
{
	if (p->l3 != f->l3 || p->l4 != f->l4 || p->app != f->app ||
	    !!(p->flags & WL_PF_TRUNCATED) != f->truncated ||
	    !!(p->flags & WL_PF_MALFORMED) != f->malformed)
		fail_msg("%s: got l3=%u l4=%u app=%u flags=0x%x, declared l3=%u l4=%u app=%u "
			 "truncated=%d malformed=%d",
			 f->name, p->l3, p->l4, p->app, p->flags, f->l3, f->l4, f->app,
			 f->truncated, f->malformed);
}

static void test_catalog_classes(void **state)
{
	const struct tframe *fr;
	int n = frames_catalog(&fr);

	(void)state;
	assert_true(n > 40);
	for (int i = 0; i < n; i++) {
		struct wl_pkt p;
		/* A heap copy of exactly len bytes: ASan flags any read past the frame. */
		uint8_t *buf = malloc(fr[i].len ? fr[i].len : 1);

		memcpy(buf, fr[i].data, fr[i].len);
		wl_parse_frame(buf, buf + fr[i].len, &p);
		check_frame(&fr[i], &p);
		free(buf);
	}
}

static const struct tframe *find(const char *name)
{
	const struct tframe *fr;
	int n = frames_catalog(&fr);

	for (int i = 0; i < n; i++)
		if (!strcmp(fr[i].name, name))
			return &fr[i];
	fail_msg("no catalogue frame %s", name);
	return NULL;
}

static void parse_named(const char *name, struct wl_pkt *p)
{
	const struct tframe *f = find(name);

	wl_parse_frame(f->data, f->data + f->len, p);
}

static void test_fields(void **state)
{
	struct wl_pkt p;

	(void)state;
	parse_named("v4_tcp_syn", &p);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 5000);
	assert_int_equal(p.tcp_flags, 0x02);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.payload_off, 54);
	assert_int_equal(p.ip_proto, 6);
	assert_true(p.flags & WL_PF_ADDRS);
	assert_memory_equal(p.saddr, "\xc6\x12\x00\x01", 4);
	assert_memory_equal(p.daddr, "\xc6\x12\x00\x02", 4);

	parse_named("v4_options_udp_mdns", &p);
	assert_int_equal(p.l4_off, 14 + 32);

	parse_named("qinq_v4_icmp", &p);
	assert_int_equal(p.vlan_depth, 2);
	assert_int_equal(p.vlan_id, 10);
	assert_int_equal(p.l3_off, 22);
	assert_int_equal(p.icmp_type, 8);

	parse_named("v6_chain_udp_llmnr", &p);
	assert_int_equal(p.ip_proto, 17);
	assert_int_equal(p.l4_off, 14 + 40 + 8 + 8 + 24 + 8);
	assert_int_equal(p.dport, 5355);
	assert_true(p.flags & WL_PF_FRAGMENT);
	assert_false(p.flags & WL_PF_LATER_FRAGMENT);

	parse_named("v4_frag_later_tcp", &p);
	assert_true(p.flags & WL_PF_LATER_FRAGMENT);
	assert_int_equal(p.l4_off, 0);
	assert_int_equal(p.sport, 0);

	parse_named("v6_frag_later_tcp", &p);
	assert_true(p.flags & WL_PF_LATER_FRAGMENT);
	assert_int_equal(p.ip_proto, 6);

	parse_named("arp_request", &p);
	assert_false(p.flags & WL_PF_ADDRS);
	assert_int_equal(p.ethertype, 0x0806);
}

/*
 * Every prefix of every frame: no read beyond the end (ASan), the l3 class follows the
 * EtherType rule, and a prefix is never classified "more" than the whole frame.
 */
static void test_every_truncation(void **state)
{
	const struct tframe *fr;
	int n = frames_catalog(&fr);

	(void)state;
	for (int i = 0; i < n; i++) {
		struct wl_pkt whole;

		wl_parse_frame(fr[i].data, fr[i].data + fr[i].len, &whole);
		for (uint32_t len = 0; len <= fr[i].len; len++) {
			uint8_t *buf = malloc(len ? len : 1);
			struct wl_pkt p;

			memcpy(buf, fr[i].data, len);
			wl_parse_frame(buf, buf + len, &p);
			free(buf);
			if (len < 14) {
				assert_int_equal(p.l3, WL_L3_OTHER);
				assert_true(p.flags & WL_PF_TRUNCATED);
			}
			if (p.l3 != WL_L3_OTHER && p.l3 != whole.l3)
				fail_msg("%s cut to %u: l3 %u, whole frame %u", fr[i].name, len,
					 p.l3, whole.l3);
			if (p.l4 != WL_L4_OTHER && p.l4 != whole.l4)
				fail_msg("%s cut to %u: l4 %u, whole frame %u", fr[i].name, len,
					 p.l4, whole.l4);
			/* The stats helper keeps the partitions consistent whatever the parse. */
			struct wl_stats s;

			memset(&s, 0, sizeof(s));
			wl_stats_add(&s, &p, len);
			assert_int_equal(s.total.packets, 1);
		}
	}
}

/* The pcap path's entry for link types without Ethernet gives the same classes. */
static void test_parse_raw_matches(void **state)
{
	const struct tframe *fr;
	int n = frames_catalog(&fr);

	(void)state;
	for (int i = 0; i < n; i++) {
		struct wl_pkt a, b;

		if (fr[i].len < 14)
			continue;
		wl_parse_frame(fr[i].data, fr[i].data + fr[i].len, &a);
		wl_parse_raw(fr[i].data + 14, fr[i].data + fr[i].len,
			     fr[i].data[12] << 8 | fr[i].data[13], &b);
		assert_int_equal(a.l3, b.l3);
		assert_int_equal(a.l4, b.l4);
		assert_int_equal(a.app, b.app);
		assert_int_equal(a.flags, b.flags);
	}
}

/* Both directions of one conversation map to one normalised flow key. */
static void test_flow_key_normalised(void **state)
{
	struct wl_pkt p, q;
	struct wl_flow_key k1, k2;
	int b1, b2;

	(void)state;
	parse_named("v4_tcp_syn", &p);
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
	parse_named("arp_reply", &p);
	assert_int_equal(wl_flow_key_of(&p, &k1, &b1), 0);
}

/*
 * Mutated and random frames: every catalogue frame with random bytes overwritten and a random
 * length, plus pure noise. Under ASan any read past the frame aborts; the partitions must stay
 * consistent (l4 other for non-IP, app none unless TCP/UDP).
 */
static void test_mutations(void **state)
{
	const struct tframe *fr;
	int n = frames_catalog(&fr);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_classes),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_parse_raw_matches),
		cmocka_unit_test(test_flow_key_normalised),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
