// SPDX-License-Identifier: MIT
/* Strict number parsing used by the command line (util_parse_u64, util_parse_seconds). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util.h"

struct u64_case {
	const char *in;
	uint64_t lo, hi;
	int ret;
	uint64_t out; /* when ret is 0 */
};

static void test_parse_u64(void **state)
{
	static const struct u64_case cases[] = {
		{"42", 1, 100, 0, 42},
		{"0", 0, 10, 0, 0},
		{"007", 0, 10, 0, 7},
		{"1", 1, 1, 0, 1}, /* both bounds inclusive */
		{"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
		{"18446744073709551616", 0, UINT64_MAX, -ERANGE, 0},
		{"99999999999999999999999999", 0, UINT64_MAX, -ERANGE, 0},
		{"0", 1, 10, -ERANGE, 0},
		{"11", 1, 10, -ERANGE, 0},
		{"", 0, 10, -EINVAL, 0},
		{"-1", 0, 10, -EINVAL, 0},
		{"-0", 0, 10, -EINVAL, 0},
		{"+1", 0, 10, -EINVAL, 0},
		{" 1", 0, 10, -EINVAL, 0},
		{"1 ", 0, 10, -EINVAL, 0},
		{"1x", 0, 10, -EINVAL, 0},
		{"0x10", 0, 100, -EINVAL, 0},
		{"1.0", 0, 10, -EINVAL, 0},
		{"1e3", 0, 10000, -EINVAL, 0},
		{"x", 0, 10, -EINVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct u64_case *c = &cases[i];
		uint64_t v = 12345;
		int ret = util_parse_u64(c->in, c->lo, c->hi, &v);

		if (ret != c->ret)
			fail_msg("util_parse_u64(\"%s\", %llu, %llu) = %d, want %d", c->in,
				 (unsigned long long)c->lo, (unsigned long long)c->hi, ret, c->ret);
		/* On success the value; on failure the output is left alone. */
		if (v != (c->ret ? 12345 : c->out))
			fail_msg("util_parse_u64(\"%s\"): value %llu", c->in,
				 (unsigned long long)v);
	}
	assert_int_equal(util_parse_u64(NULL, 0, 10, &(uint64_t){0}), -EINVAL);
}

struct sec_case {
	const char *in;
	int ret;
	double out; /* when ret is 0 */
};

static void test_parse_seconds(void **state)
{
	static const struct sec_case cases[] = {
		{"1.5", 0, 1.5},
		{".25", 0, 0.25},
		{"30", 0, 30},
		{"1.", 0, 1},
		{"1e3", 0, 1000},
		{"1000000000", 0, 1e9}, /* the upper bound is inclusive */
		{"1000000000.5", -ERANGE, 0},
		{"1e999", -ERANGE, 0},
		{"0", -ERANGE, 0},
		{"0.000", -ERANGE, 0},
		{"1e-400", -ERANGE, 0}, /* underflows to 0 */
		{"", -EINVAL, 0},
		{".", -EINVAL, 0},
		{"-3", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{" 1", -EINVAL, 0},
		{"nan", -EINVAL, 0},
		{"inf", -EINVAL, 0},
		{"2s", -EINVAL, 0},
		{"1x", -EINVAL, 0},
		{"1.5.2", -EINVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sec_case *c = &cases[i];
		double d = -7;
		int ret = util_parse_seconds(c->in, &d);

		if (ret != c->ret)
			fail_msg("util_parse_seconds(\"%s\") = %d, want %d", c->in, ret, c->ret);
		if (d != (c->ret ? -7 : c->out))
			fail_msg("util_parse_seconds(\"%s\"): value %g", c->in, d);
	}
	assert_int_equal(util_parse_seconds(NULL, &(double){0}), -EINVAL);
}

static void test_parse_listen(void **state)
{
	struct sockaddr_storage ss;
	unsigned int len;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&ss;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
	static const char *const bad[] = {
		"",
		"8080",
		":8080",
		"127.0.0.1",
		"127.0.0.1:",
		"127.0.0.1:0",
		"127.0.0.1:65536",
		"127.0.0.1:80x",
		"localhost:80",
		"::1:8080",
		"[::1]",
		"[::1]:",
		"[nope]:80",
		"1.2.3.4.5:80",
		"[127.0.0.1]:80",
	};

	(void)state;
	assert_int_equal(util_parse_listen("127.0.0.1:8080", &ss, &len), 0);
	assert_int_equal(a4->sin_family, AF_INET);
	assert_int_equal(ntohs(a4->sin_port), 8080);
	assert_int_equal(ntohl(a4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(util_parse_listen("0.0.0.0:65535", &ss, &len), 0);
	assert_int_equal(ntohs(a4->sin_port), 65535);
	assert_int_equal(util_parse_listen("[::1]:1", &ss, &len), 0);
	assert_int_equal(a6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(a6->sin6_port), 1);
	assert_true(IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr));
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (util_parse_listen(bad[i], &ss, &len) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_parse_listen),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
