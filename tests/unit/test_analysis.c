// SPDX-License-Identifier: MIT
/*
 * The pcap path's connection analysis: UDP flows opened by an empty datagram and never answered
 * become probes once they have been quiet for WL_CONN_UDP_QUIET_NS, each exactly once, answered
 * flows never do, and a file whose timestamps go back now and then loses none of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analysis.h"
#include "flow.h"
#include "parse.h"
#include "talkers.h"

#define SEC 1000000000ull

/* An Ethernet + IPv4 + UDP frame from 198.18.0.src:40000+sport to 198.18.1.dst:port, empty. */
static size_t udp_frame(uint8_t *f, uint8_t src, uint8_t dst, uint16_t sport, uint16_t port)
{
	static const uint8_t eth[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
	uint8_t *ip = f + 14, *udp = ip + 20;

	memset(f, 0, 42);
	memcpy(f, eth, sizeof(eth));
	ip[0] = 0x45;
	ip[3] = 28;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 198, ip[13] = 18, ip[14] = 0, ip[15] = src;
	ip[16] = 198, ip[17] = 18, ip[18] = 1, ip[19] = dst;
	udp[0] = (uint8_t)((40000 + sport) >> 8), udp[1] = (uint8_t)(40000 + sport);
	udp[2] = (uint8_t)(port >> 8), udp[3] = (uint8_t)port;
	udp[5] = 8;
	return 42;
}

/* Hand a frame to the analysis as the pcap path does; reverse swaps the addresses and ports. */
static void send_frame(struct analysis *an, uint8_t src, uint8_t dst, uint16_t sport, uint16_t port,
		       bool reverse, uint64_t t)
{
	uint8_t f[64];
	size_t len = udp_frame(f, src, dst, sport, port);
	struct flow_delta d;
	struct wl_flow_key k;
	struct wl_pkt p;
	int side;

	if (reverse) {
		uint8_t tmp[4];

		memcpy(tmp, f + 26, 4), memcpy(f + 26, f + 30, 4), memcpy(f + 30, tmp, 4);
		memcpy(tmp, f + 34, 2), memcpy(f + 34, f + 36, 2), memcpy(f + 36, tmp, 2);
	}
	wl_parse_frame(f, f + len, &p);
	assert_true(wl_flow_key_of(&p, &k, &side));
	memset(&d, 0, sizeof(d));
	analysis_frame(an, &k, side, &p, f + p.l4_off, (uint32_t)(len - p.l4_off), WL_DIR_IN, t,
		       &d);
}

static void init(struct analysis *an)
{
	/* Thresholds out of reach: only the probe count matters here. */
	struct scan_cfg c = {1000, 1000, 60 * SEC, 1000000};

	memset(an, 0, sizeof(*an));
	assert_int_equal(analysis_init(an, &c), 0);
}

static void test_udp_quiet_once(void **state)
{
	struct analysis an;

	(void)state;
	init(&an);
	send_frame(&an, 1, 1, 0, 53, false, 10 * SEC);
	send_frame(&an, 1, 2, 0, 53, false, 10 * SEC);
	send_frame(&an, 1, 2, 0, 53, true, 10 * SEC + 1000); /* answered: never a probe */
	analysis_tick(&an, 11 * SEC);
	assert_int_equal(an.scan.probes_seen, 0);
	analysis_tick(&an, 12 * SEC - 1);
	assert_int_equal(an.scan.probes_seen, 0);
	analysis_tick(&an, 12 * SEC); /* quiet for exactly WL_CONN_UDP_QUIET_NS */
	assert_int_equal(an.scan.probes_seen, 1);
	analysis_tick(&an, 20 * SEC);
	analysis_end_of_file(&an, 30 * SEC);
	assert_int_equal(an.scan.probes_seen, 1);
	assert_int_equal(an.udp_len, 0);
	analysis_free(&an);
}

static void test_udp_quiet_time_goes_back(void **state)
{
	struct analysis an;

	(void)state;
	init(&an);
	/* Opened at 10.5 s, then 10.2 s, 10.9 s, 10.1 s: the order of the file, not of time. */
	send_frame(&an, 1, 1, 0, 53, false, 10 * SEC + SEC / 2);
	send_frame(&an, 1, 2, 0, 53, false, 10 * SEC + SEC / 5);
	send_frame(&an, 1, 3, 0, 53, false, 10 * SEC + 9 * SEC / 10);
	send_frame(&an, 1, 4, 0, 53, false, 10 * SEC + SEC / 10);
	analysis_tick(&an, 12 * SEC + SEC / 4); /* 10.1 and 10.2 are quiet, the others not yet */
	assert_int_equal(an.scan.probes_seen, 2);
	analysis_tick(&an, 13 * SEC);
	assert_int_equal(an.scan.probes_seen, 4);
	analysis_free(&an);

	/* At the end of a file every candidate opened before its last frame counts. */
	init(&an);
	send_frame(&an, 2, 1, 0, 161, false, 50 * SEC);
	send_frame(&an, 2, 2, 0, 161, false, 40 * SEC);
	send_frame(&an, 2, 3, 0, 161, false, 45 * SEC);
	analysis_end_of_file(&an, 45 * SEC);
	assert_int_equal(an.scan.probes_seen, 2);
	analysis_free(&an);
}

static void test_udp_wait_full(void **state)
{
	struct analysis an;

	(void)state;
	init(&an);
	/* One more candidate than there is room for: the oldest is not looked at, and says so. */
	for (uint32_t i = 0; i <= UDP_WAIT_MAX; i++)
		send_frame(&an, (uint8_t)(i >> 8), (uint8_t)i, (uint16_t)(i >> 16), 7, false,
			   SEC + i);
	assert_int_equal(an.udp_wait_dropped, 1);
	analysis_end_of_file(&an, 5 * SEC);
	assert_int_equal(an.scan.probes_seen, UDP_WAIT_MAX);
	analysis_free(&an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_quiet_once),
		cmocka_unit_test(test_udp_quiet_time_goes_back),
		cmocka_unit_test(test_udp_wait_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
