// SPDX-License-Identifier: MIT
/* Strict number parsing used by the command line (util_parse_u64, util_parse_seconds). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_seconds),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
