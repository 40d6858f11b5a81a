// SPDX-License-Identifier: MIT
/*
 * The scan detector: thresholds are reached exactly at N distinct ports or hosts, repeats of a
 * probe do not count, probes older than the window leave it, kinds and sources are apart, and
 * the SYN-flood check wants the rate for 3 seconds in a row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "scan.h"

#define SEC 1000000000ull

static void probe(struct scan *s, uint8_t src, uint8_t dst, uint16_t port, uint8_t kind, uint64_t t)
{
	struct wl_event e;

	memset(&e, 0, sizeof(e));
	e.type = WL_EV_PROBE;
	e.kind = kind;
	e.outcome = WL_OUT_RST;
	e.family = 4;
	e.proto = kind == WL_PROBE_UDP ? 17 : 6;
	e.src[0] = 198, e.src[1] = 18, e.src[3] = src;
	e.dst[0] = 198, e.dst[1] = 18, e.dst[3] = dst;
	e.port = port;
	scan_probe(s, &e, t);
}

static void init(struct scan *s, uint64_t ports, uint64_t hosts, uint64_t window_s, uint64_t flood)
{
	struct scan_cfg c = {ports, hosts, window_s * SEC, flood};

	assert_int_equal(scan_init(s, &c), 0);
}

static void test_vertical_threshold(void **state)
{
	struct scan s;

	(void)state;
	init(&s, 15, 25, 300, 0);
	for (uint16_t p = 1; p <= 14; p++)
		probe(&s, 2, 1, p, WL_PROBE_SYN, p * SEC / 100);
	/* Repeats and another kind do not add up to the threshold. */
	for (uint16_t p = 1; p <= 14; p++)
		probe(&s, 2, 1, p, WL_PROBE_SYN, SEC);
	probe(&s, 2, 1, 15, WL_PROBE_FIN, SEC);
	assert_int_equal(s.n, 0);
	probe(&s, 2, 1, 15, WL_PROBE_SYN, 2 * SEC);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.list[0]->shape, SCAN_VERTICAL);
	assert_int_equal(s.list[0]->method, WL_PROBE_SYN);
	assert_int_equal(s.list[0]->ports, 15);
	assert_int_equal(s.list[0]->hosts, 1);
	assert_int_equal(s.list[0]->source[3], 2);
	/* Later probes go to the same record. */
	probe(&s, 2, 1, 100, WL_PROBE_SYN, 3 * SEC);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.list[0]->ports, 16);
	assert_int_equal(scan_active(&s, ANOMALY_PORT_SCAN), 1);
	/* Quiet for more than a minute: no longer active. */
	scan_tick(&s, 70 * SEC, 0, 0);
	assert_int_equal(scan_active(&s, ANOMALY_PORT_SCAN), 0);
	scan_free(&s);
}

static void test_horizontal_threshold(void **state)
{
	struct scan s;

	(void)state;
	init(&s, 15, 25, 300, 0);
	for (uint8_t h = 1; h <= 24; h++)
		probe(&s, 9, h, 445, WL_PROBE_CONNECT, h * SEC);
	assert_int_equal(s.n, 0);
	probe(&s, 9, 25, 445, WL_PROBE_CONNECT, 30 * SEC);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.list[0]->shape, SCAN_HORIZONTAL);
	assert_int_equal(s.list[0]->hosts, 25);
	assert_int_equal(s.list[0]->ports, 1);
	assert_int_equal(s.list[0]->n_targets, ANOMALY_TARGETS);
	scan_free(&s);
}

static void test_window(void **state)
{
	struct scan s;

	(void)state;
	init(&s, 15, 25, 10, 0);
	/* 10 ports, then 10 more 20 s later: never 15 within 10 s. */
	for (uint16_t p = 1; p <= 10; p++)
		probe(&s, 3, 1, p, WL_PROBE_SYN, SEC + p);
	scan_tick(&s, 21 * SEC, 0, 0);
	for (uint16_t p = 11; p <= 20; p++)
		probe(&s, 3, 1, p, WL_PROBE_SYN, 21 * SEC + p);
	assert_int_equal(s.n, 0);
	/* Five more in the same window: 15. */
	for (uint16_t p = 21; p <= 25; p++)
		probe(&s, 3, 1, p, WL_PROBE_SYN, 22 * SEC + p);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.list[0]->ports, 15);
	/* Another source is another record. */
	for (uint16_t p = 1; p <= 15; p++)
		probe(&s, 4, 1, p, WL_PROBE_SYN, 23 * SEC);
	assert_int_equal(s.n, 2);
	scan_free(&s);
}

static void test_syn_flood(void **state)
{
	struct scan s;
	uint64_t syns = 0, done = 0;

	(void)state;
	init(&s, 15, 25, 300, 1000);
	scan_tick(&s, 100 * SEC, syns, done);
	/* 2 s above the rate, a second below, 2 s above: no flood. */
	for (int i = 1; i <= 5; i++) {
		syns += i == 3 ? 500 : 1500;
		scan_tick(&s, (100 + (uint64_t)i) * SEC, syns, done);
	}
	assert_int_equal(s.n, 0);
	/* Completed handshakes do not count: 5000 SYNs, 4500 completed. */
	syns += 5000, done += 4500;
	scan_tick(&s, 106 * SEC, syns, done);
	assert_int_equal(s.n, 0);
	/* The third second in a row above 1000 half-open per second. */
	syns += 1200;
	scan_tick(&s, 107 * SEC, syns, done);
	syns += 1200;
	scan_tick(&s, 108 * SEC, syns, done);
	assert_int_equal(s.n, 0);
	syns += 1200;
	scan_tick(&s, 109 * SEC, syns, done);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.list[0]->type, ANOMALY_SYN_FLOOD);
	assert_true(s.list[0]->peak_rate >= 1200);
	scan_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vertical_threshold),
		cmocka_unit_test(test_horizontal_threshold),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_syn_flood),
	};

	log_set_level(-1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
