// SPDX-License-Identifier: MIT
/* The log rate limiter (log_ratelimited, log_ratelimit_flush) on a clock the test sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#define SEC 1000000000ull

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

/* stderr goes to a temporary file between capture_begin() and capture_end(). */
static FILE *capture_file;
static int saved_stderr = -1;
static char out[8192];

static void capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(capture_file), STDERR_FILENO) >= 0);
}

/* Back to the real stderr; what was written is in out. */
static const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture_file);
	n = fread(out, 1, sizeof(out) - 1, capture_file);
	out[n] = '\0';
	fclose(capture_file);
	return out;
}

static int setup(void **state)
{
	(void)state;
	fake_now += 3600 * SEC; /* the windows of the tests before are over */
	log_set_clock(fake_clock);
	log_set_level(WL_LOG_INFO);
	return 0;
}

/* Each of these is one call site with its own state. */
static void site_a(int i)
{
	log_warn_ratelimited("cannot write block %d", i);
}

static void site_b(int i)
{
	log_error_ratelimited("cannot read %d", i);
}

static void site_c(int i)
{
	log_ratelimited(2, WL_LOG_INFO, "note %d", i);
}

static void site_d(int i)
{
	log_error_ratelimited("failed %d", i);
}

static void site_e(int i)
{
	log_warn_ratelimited("odd %d", i);
}

/* Five lines, then silence; the summary when the minute is over, with the last message. */
static void test_burst_then_summary(void **state)
{
	(void)state;
	capture_begin();
	for (int i = 1; i <= 12; i++) {
		site_a(i);
		fake_now += SEC / 10;
	}
	fake_now += 57 * SEC; /* 58.2 s after the first */
	log_ratelimit_flush(false);
	assert_string_equal(capture_end(), "wirelens: warning: cannot write block 1\n"
					   "wirelens: warning: cannot write block 2\n"
					   "wirelens: warning: cannot write block 3\n"
					   "wirelens: warning: cannot write block 4\n"
					   "wirelens: warning: cannot write block 5\n");
	capture_begin();
	fake_now += 2 * SEC; /* 60.2 s: the minute is over */
	log_ratelimit_flush(false);
	log_ratelimit_flush(false); /* once */
	site_a(13);		    /* a new minute */
	assert_string_equal(
		capture_end(),
		"wirelens: warning: cannot write block 12 (suppressed 7 similar messages "
		"in the last minute)\n"
		"wirelens: warning: cannot write block 13\n");
}

/* Without a flush, the next message after the minute brings the summary first. */
static void test_summary_before_next(void **state)
{
	(void)state;
	capture_begin();
	for (int i = 1; i <= 6; i++)
		site_b(i);
	fake_now += 61 * SEC;
	site_b(7);
	site_b(8);
	assert_string_equal(
		capture_end(),
		"wirelens: cannot read 1\nwirelens: cannot read 2\nwirelens: cannot read "
		"3\nwirelens: cannot read 4\nwirelens: cannot read 5\n"
		"wirelens: cannot read 6 (suppressed 1 similar message in the last "
		"minute)\n"
		"wirelens: cannot read 7\nwirelens: cannot read 8\n");
	/* A quiet minute with nothing suppressed: no summary, a fresh burst. */
	capture_begin();
	fake_now += 120 * SEC;
	log_ratelimit_flush(false);
	site_b(9);
	assert_string_equal(capture_end(), "wirelens: cannot read 9\n");
}

/* Call sites are counted apart; the burst is per site; flush(true) ends every window now. */
static void test_sites_and_final_flush(void **state)
{
	(void)state;
	capture_begin();
	for (int i = 1; i <= 4; i++) {
		site_c(i);
		site_d(i);
	}
	fake_now += 10 * SEC;
	log_ratelimit_flush(false);
	log_ratelimit_flush(true);
	log_ratelimit_flush(true);
	assert_string_equal(capture_end(),
			    "wirelens: note 1\nwirelens: failed 1\n"
			    "wirelens: note 2\nwirelens: failed 2\n"
			    "wirelens: failed 3\nwirelens: failed 4\n"
			    "wirelens: note 4 (suppressed 2 similar messages in the last "
			    "minute)\n");
}

/*
 * Messages below the level are neither printed nor counted, quiet ones neither; errors are
 * still what log_last_error() says, suppressed or not.
 */
static void test_level_quiet_last_error(void **state)
{
	(void)state;
	capture_begin();
	log_set_level(WL_LOG_ERROR);
	for (int i = 1; i <= 10; i++)
		site_e(i);
	log_set_level(WL_LOG_INFO);
	for (int i = 11; i <= 15; i++)
		site_e(i);
	log_set_quiet(true);
	assert_string_equal(log_last_error(), "");
	log_error("hidden %d", 1);
	for (int i = 16; i <= 30; i++)
		site_e(i);
	assert_string_equal(log_last_error(), "hidden 1");
	log_set_quiet(false);
	for (int i = 1; i <= 7; i++)
		site_d(100 + i); /* a new minute for this site too */
	assert_string_equal(log_last_error(), "failed 107");
	log_ratelimit_flush(true);
	assert_string_equal(capture_end(),
			    "wirelens: warning: odd 11\nwirelens: warning: odd 12\n"
			    "wirelens: warning: odd 13\nwirelens: warning: odd 14\n"
			    "wirelens: warning: odd 15\n"
			    "wirelens: failed 101\nwirelens: failed 102\n"
			    "wirelens: failed 103\nwirelens: failed 104\n"
			    "wirelens: failed 105\n"
			    "wirelens: failed 107 (suppressed 2 similar messages in the last "
			    "minute)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst_then_summary, setup),
		cmocka_unit_test_setup(test_summary_before_next, setup),
		cmocka_unit_test_setup(test_sites_and_final_flush, setup),
		cmocka_unit_test_setup(test_level_quiet_last_error, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
