// SPDX-License-Identifier: MIT
/* JSON rendering: exact 64-bit integers and the snapshot's structure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "json.h"

static void test_u64_exact(void **state)
{
	struct wl_snapshot snap;
	char *text;
	cJSON *root, *tcp;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	snap.source.kind = WL_SOURCE_FILE;
	snap.all.total.packets = 9007199254740993ull; /* 2^53 + 1: not a double */
	snap.all.total.bytes = UINT64_MAX;
	snap.all.l4.tcp.packets = 18446744073709551557ull;
	text = json_render_snapshot(&snap);
	assert_non_null(text);
	assert_non_null(strstr(text, "9007199254740993"));
	assert_non_null(strstr(text, "18446744073709551615"));
	assert_non_null(strstr(text, "18446744073709551557"));
	assert_null(strstr(text, "e+"));
	root = cJSON_Parse(text);
	assert_non_null(root);
	assert_non_null(cJSON_GetObjectItem(root, "totals"));
	tcp = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "protocols"), "l4"),
				  "tcp");
	assert_non_null(tcp);
	assert_non_null(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root, "protocols"), "app"), "dns"));
	assert_non_null(cJSON_GetObjectItem(root, "drops"));
	assert_non_null(cJSON_GetObjectItem(root, "parse_errors"));
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root, "source"), "kind")->valuestring,
		"file");
	/* Offline snapshots have no directions. */
	assert_null(cJSON_GetObjectItem(root, "directions"));
	cJSON_Delete(root);
	free(text);
}

static void test_live_has_directions(void **state)
{
	struct wl_snapshot snap;
	char *text;
	cJSON *root, *dirs;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	snap.source.kind = WL_SOURCE_LIVE;
	snap.source.backend = "xdp";
	snap.source.xdp_mode = "native";
	snap.dir[WL_DIR_IN].total.packets = 5;
	snap.dir[WL_DIR_OUT].total.packets = 7;
	snapshot_sum_dirs(&snap);
	text = json_render_snapshot(&snap);
	assert_non_null(text);
	root = cJSON_Parse(text);
	assert_non_null(root);
	dirs = cJSON_GetObjectItem(root, "directions");
	assert_non_null(dirs);
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(dirs, "in"), "totals"),
				    "packets")
			->valueint,
		5);
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(root, "totals"), "packets")->valueint, 12);
	cJSON_Delete(root);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_exact),
		cmocka_unit_test(test_live_has_directions),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
