// SPDX-License-Identifier: MIT
/* The configuration file reader (config_load) and the option setter it feeds (cli_set_option). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "config.h"

/* What a config_load() call handed to its setter, one "where|name|value" line each. */
static char seen[4096];
static int fail_on_call; /* the setter fails on this call (1-based); 0: never */
static int calls;

static int record_set(struct wl_config *cfg, const char *name, const char *value, const char *where)
{
	const char *base = strrchr(where, '/');

	(void)cfg;
	calls++;
	snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s|%s|%s\n",
		 base ? base + 1 : where, name, value);
	return calls == fail_on_call ? -EINVAL : 0;
}

static char dir[] = "/tmp/wirelens-test-config.XXXXXX";
static char path[sizeof(dir) + 16];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/w.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

/* Write TEXT (LEN bytes) to the test file and load it; the setter's record is in seen. */
static int load(const char *text, size_t len, bool must_exist)
{
	struct wl_config cfg = {0};
	FILE *f = fopen(path, "w");
	int err;

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	seen[0] = '\0';
	calls = 0;
	err = config_load(&cfg, path, must_exist, record_set);
	cli_config_free(&cfg);
	return err;
}
#define LOAD(s) load(s, sizeof(s) - 1, true)

static void test_lines(void **state)
{
	(void)state;
	assert_int_equal(LOAD("# comment\n"
			      "\n"
			      "   # indented comment\n"
			      "interface = eth1\n"
			      "\tcount\t=\t5\t\r\n"
			      "filter = len = 60\n"
			      "listen=127.0.0.1:8080\n"
			      "report =\n"
			      "json = true"),
			 0);
	assert_string_equal(seen, "w.conf:4|interface|eth1\n"
				  "w.conf:5|count|5\n"
				  "w.conf:6|filter|len = 60\n"
				  "w.conf:7|listen|127.0.0.1:8080\n"
				  "w.conf:8|report|\n"
				  "w.conf:9|json|true\n");
	assert_int_equal(LOAD(""), 0);
	assert_int_equal(calls, 0);
}

static void test_bad_lines(void **state)
{
	char long_line[4200];

	(void)state;
	assert_int_equal(LOAD("json = true\njson\n"), -EINVAL);
	assert_int_equal(calls, 1); /* nothing after the bad line */
	assert_int_equal(LOAD(" = 5\n"), -EINVAL);
	assert_int_equal(load("count = 1\0\n", 11, true), -EINVAL);
	/* 4096 characters are fine, 4097 are not. */
	memset(long_line, 'x', sizeof(long_line));
	memcpy(long_line, "interface = ", 12);
	assert_int_equal(load(long_line, 4096, true), 0);
	assert_int_equal(load(long_line, 4097, true), -EINVAL);
	/* The setter's error stops the reading. */
	fail_on_call = 2;
	assert_int_equal(LOAD("a = 1\nb = 2\nc = 3\n"), -EINVAL);
	fail_on_call = 0;
	assert_int_equal(calls, 2);
}

static void test_files(void **state)
{
	struct wl_config cfg = {0};
	char missing[sizeof(dir) + 16];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/none.conf", dir);
	assert_int_equal(config_load(&cfg, missing, false, record_set), 0);
	assert_null(cfg.config_text);
	assert_int_equal(config_load(&cfg, missing, true, record_set), -ENOENT);
	assert_int_equal(config_load(&cfg, dir, false, record_set), -EISDIR);
	assert_int_equal(config_load(&cfg, "/dev/null", true, record_set), 0);
	cli_config_free(&cfg);
}

static void test_set_option(void **state)
{
	struct wl_config cfg = {0};

	(void)state;
	assert_int_equal(cli_set_option(&cfg, "count", "5", "f:1"), 0);
	assert_int_equal(cfg.count, 5);
	assert_int_equal(cli_set_option(&cfg, "json", "yes", "f:2"), 0);
	assert_true(cfg.json);
	assert_int_equal(cli_set_option(&cfg, "json", "Off", "f:3"), 0);
	assert_false(cfg.json);
	assert_int_equal(cli_set_option(&cfg, "verbose", "2", "f:4"), 0);
	assert_int_equal(cfg.verbose, 2);
	assert_int_equal(cli_set_option(&cfg, "filter", "tcp port 443", "f:5"), 0);
	assert_string_equal(cfg.filter, "tcp port 443");
	assert_int_equal(cli_set_option(&cfg, "filter", "", "f:6"), 0);
	assert_null(cfg.filter);
	assert_int_equal(cli_set_option(&cfg, "allow-host", "a.example", "f:7"), 0);
	assert_int_equal(cli_set_option(&cfg, "allow-host", "b.example", "f:8"), 0);
	assert_int_equal(cfg.n_allow_hosts, 2);
	assert_int_equal(cli_set_option(&cfg, "count", "0", "f:9"), -EINVAL);
	assert_int_equal(cli_set_option(&cfg, "json", "maybe", "f:10"), -EINVAL);
	assert_int_equal(cli_set_option(&cfg, "nope", "1", "f:11"), -EINVAL);
	assert_int_equal(cli_set_option(&cfg, "help", "true", "f:12"), -EINVAL);
	assert_int_equal(cli_set_option(&cfg, "config", "x", "f:13"), -EINVAL);
	assert_false(cfg.show_help);
	cli_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_set_option),
	};

	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
