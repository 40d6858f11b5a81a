// SPDX-License-Identifier: MIT
/* Strict number parsing used by the command line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util.h"

static void test_parse_u64(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(util_parse_u64("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(util_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(util_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(util_parse_u64("", 0, 10, &v), -EINVAL);
	assert_int_equal(util_parse_u64("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(util_parse_u64(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(util_parse_u64("1x", 0, 10, &v), -EINVAL);
	assert_int_equal(util_parse_u64("0", 1, 10, &v), -ERANGE);
	assert_int_equal(util_parse_u64("11", 1, 10, &v), -ERANGE);
}

static void test_parse_seconds(void **state)
{
	double d = 0;

	(void)state;
	assert_int_equal(util_parse_seconds("1.5", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(util_parse_seconds(".25", &d), 0);
	assert_int_equal(util_parse_seconds("0", &d), -ERANGE);
	assert_int_equal(util_parse_seconds("-3", &d), -EINVAL);
	assert_int_equal(util_parse_seconds("nan", &d), -EINVAL);
	assert_int_equal(util_parse_seconds("1e999", &d), -ERANGE);
	assert_int_equal(util_parse_seconds("2s", &d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_seconds),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
