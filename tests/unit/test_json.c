// SPDX-License-Identifier: MIT
/* JSON rendering of the snapshot: exact 64-bit integers, class names and document structure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const l3n[] = {"ipv4", "ipv6", "arp", "other"};
static const char *const l4n[] = {"tcp", "udp", "icmp", "icmpv6", "other"};
/* In enum wl_app order (bpf/wirelens.h). */
static const char *const appn[] = {
	"none", "unknown", "dns", "mdns", "llmnr", "http", "tls",  "quic", "ssh",
	"dhcp", "dhcpv6",  "ntp", "snmp", "smtp",  "imap", "pop3", "smb",  "rdp",
};
_Static_assert(ARRAY_SIZE(appn) == WL_APP_MAX, "one name per application protocol");

static cJSON *get(const cJSON *o, const char *name)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!c)
		fail_msg("JSON member '%s' missing", name);
	return c;
}

/* A counter node from json_snapshot(): members are raw number text, compared exactly. */
static void check_raw(const cJSON *o, const char *name, uint64_t want, const char *where)
{
	const cJSON *c = get(o, name);
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)want);
	if (!cJSON_IsRaw(c) || strcmp(c->valuestring, buf))
		fail_msg("%s.%s: got %s, want %s", where, name,
			 cJSON_IsRaw(c) ? c->valuestring : "(not a raw number)", buf);
}

static void check_counter(const cJSON *o, const char *name, const struct wl_counter *want)
{
	const cJSON *c = get(o, name);

	check_raw(c, "packets", want->packets, name);
	check_raw(c, "bytes", want->bytes, name);
}

/* Members of an object, in order, are exactly `names`. */
static void check_members(const cJSON *o, const char *const *names, size_t n, const char *where)
{
	const cJSON *c = o ? o->child : NULL;

	for (size_t i = 0; i < n; i++, c = c->next)
		if (!c || strcmp(c->string, names[i]))
			fail_msg("%s: member %zu is '%s', want '%s'", where, i,
				 c ? c->string : "(end)", names[i]);
	if (c)
		fail_msg("%s: unexpected member '%s'", where, c->string);
}

/*
 * Every counter of the snapshot set to a distinct value above 2^53 (not representable as a
 * double): each must come out under its own name with its exact digits.
 */
static void test_u64_exact(void **state)
{
	struct wl_snapshot snap;
	uint64_t *v = (uint64_t *)&snap.all;
	cJSON *tree, *root, *prot;
	char *text, digits[24];

	(void)state;
	memset(&snap, 0, sizeof(snap));
	snap.source.kind = WL_SOURCE_FILE;
	for (size_t i = 0; i < sizeof(snap.all) / 8; i++)
		v[i] = 9007199254740993ull + 1000003ull * i; /* 2^53 + 1, + ... */
	snap.all.total.bytes = UINT64_MAX;
	snap.drops.flow_insert_failed = UINT64_MAX - 1;
	snap.drops.pcap_kernel = 18446744073709551557ull;

	tree = json_snapshot(&snap);
	assert_non_null(tree);
	check_counter(tree, "totals", &snap.all.total);
	prot = get(tree, "protocols");
	for (int i = 0; i < WL_L3_MAX; i++)
		check_counter(get(prot, "l3"), l3n[i], wl_stats_l3(&snap.all, i));
	for (int i = 0; i < WL_L4_MAX; i++)
		check_counter(get(prot, "l4"), l4n[i], wl_stats_l4(&snap.all, i));
	for (int i = 0; i < WL_APP_MAX; i++)
		check_counter(get(prot, "app"), appn[i], wl_stats_app(&snap.all, i));
	check_counter(get(tree, "parse_errors"), "truncated", &snap.all.truncated);
	check_counter(get(tree, "parse_errors"), "malformed", &snap.all.malformed);
	check_raw(get(tree, "drops"), "flow_insert_failed", UINT64_MAX - 1, "drops");
	check_raw(get(tree, "drops"), "pcap_kernel", 18446744073709551557ull, "drops");
	cJSON_Delete(tree);

	/* The rendered text carries the same digits and no rounded or exponent forms. */
	text = json_render_snapshot(&snap);
	assert_non_null(text);
	for (size_t i = 1; i < sizeof(snap.all) / 8; i++) {
		snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v[i]);
		if (!strstr(text, digits))
			fail_msg("counter %zu (%s) missing from the rendered JSON", i, digits);
	}
	assert_non_null(strstr(text, "9007199254740993"));
	assert_non_null(strstr(text, "18446744073709551615"));
	assert_non_null(strstr(text, "18446744073709551614"));
	assert_null(strstr(text, "9007199254740992"));
	assert_null(strstr(text, "e+"));
	assert_null(strstr(text, "E+"));

	/* It is valid JSON with the documented structure. */
	root = cJSON_Parse(text);
	assert_non_null(root);
	assert_true(cJSON_IsNumber(get(get(root, "totals"), "packets")));
	prot = get(root, "protocols");
	check_members(prot, (const char *const[]){"l3", "l4", "app"}, 3, "protocols");
	check_members(get(prot, "l3"), l3n, ARRAY_SIZE(l3n), "protocols.l3");
	check_members(get(prot, "l4"), l4n, ARRAY_SIZE(l4n), "protocols.l4");
	check_members(get(prot, "app"), appn, ARRAY_SIZE(appn), "protocols.app");
	check_members(get(root, "drops"),
		      (const char *const[]){"flow_insert_failed", "pcap_received", "pcap_kernel",
					    "pcap_ifdrop"},
		      4, "drops");
	assert_string_equal(get(get(root, "source"), "kind")->valuestring, "file");
	assert_true(cJSON_IsBool(get(root, "complete")));
	/* Offline snapshots have no directions. */
	assert_null(cJSON_GetObjectItem(root, "directions"));
	cJSON_Delete(root);
	free(text);
}

static void test_json_u64(void **state)
{
	static const uint64_t vals[] = {0, 1, 9007199254740993ull, UINT64_MAX};
	static const char *const text[] = {"0", "1", "9007199254740993", "18446744073709551615"};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
		cJSON *n = json_u64(vals[i]);

		assert_non_null(n);
		assert_true(cJSON_IsRaw(n));
		assert_string_equal(n->valuestring, text[i]);
		cJSON_Delete(n);
	}
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
	snprintf(snap.source.ifname, sizeof(snap.source.ifname), "veth-wl0");
	snap.dir[WL_DIR_IN].total.packets = 5;
	snap.dir[WL_DIR_IN].l4.udp.packets = 5;
	snap.dir[WL_DIR_OUT].total.packets = 7;
	snap.dir[WL_DIR_OUT].l4.udp.packets = 7;
	snapshot_sum_dirs(&snap);
	text = json_render_snapshot(&snap);
	assert_non_null(text);
	root = cJSON_Parse(text);
	assert_non_null(root);
	dirs = get(root, "directions");
	check_members(dirs, (const char *const[]){"in", "out"}, 2, "directions");
	assert_int_equal(get(get(get(dirs, "in"), "totals"), "packets")->valueint, 5);
	assert_int_equal(get(get(get(get(dirs, "out"), "l4"), "udp"), "packets")->valueint, 7);
	assert_int_equal(get(get(root, "totals"), "packets")->valueint, 12);
	assert_int_equal(get(get(get(get(root, "protocols"), "l4"), "udp"), "packets")->valueint,
			 12);
	assert_string_equal(get(get(root, "source"), "kind")->valuestring, "live");
	assert_string_equal(get(get(root, "source"), "backend")->valuestring, "xdp");
	assert_string_equal(get(get(root, "source"), "interface")->valuestring, "veth-wl0");
	cJSON_Delete(root);
	free(text);
}

/* RFC 7386 application, written independently of the generator under test. */
static cJSON *apply_patch(cJSON *target, const cJSON *patch)
{
	const cJSON *p;

	if (!cJSON_IsObject(patch)) {
		cJSON_Delete(target);
		return cJSON_Duplicate(patch, true);
	}
	if (!cJSON_IsObject(target)) {
		cJSON_Delete(target);
		target = cJSON_CreateObject();
	}
	cJSON_ArrayForEach(p, patch)
	{
		cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(target, p->string);

		if (cJSON_IsNull(p)) {
			cJSON_Delete(old);
			continue;
		}
		cJSON_AddItemToObject(target, p->string, apply_patch(old, p));
	}
	return target;
}

static void test_merge_patch(void **state)
{
	static const char *const cases[][2] = {
		{"{\"a\":1,\"b\":{\"c\":2,\"d\":[1,2]}}", "{\"a\":1,\"b\":{\"c\":3,\"d\":[1,2]}}"},
		{"{\"a\":1,\"b\":2}", "{\"a\":1}"},
		{"{\"a\":1}", "{\"a\":1,\"n\":{\"x\":\"y\"}}"},
		{"{\"a\":[1,2,3]}", "{\"a\":[1,2]}"},
		{"{\"a\":{\"b\":{\"c\":1}}}", "{\"a\":\"flat\"}"},
		{"{\"a\":\"flat\"}", "{\"a\":{\"b\":{\"c\":1}}}"},
	};
	int err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *from = cJSON_Parse(cases[i][0]), *to = cJSON_Parse(cases[i][1]);
		cJSON *patch = json_merge_patch(from, to, &err), *got;

		assert_non_null(from);
		assert_non_null(to);
		assert_int_equal(err, 0);
		assert_non_null(patch);
		got = apply_patch(cJSON_Duplicate(from, true), patch);
		if (!cJSON_Compare(got, to, true)) {
			char *g = cJSON_PrintUnformatted(got);

			fail_msg("case %zu: patch applied gives %s, not %s", i, g, cases[i][1]);
		}
		/* Equal documents: no patch at all. */
		assert_null(json_merge_patch(to, to, &err));
		assert_int_equal(err, 0);
		cJSON_Delete(got);
		cJSON_Delete(patch);
		cJSON_Delete(from);
		cJSON_Delete(to);
	}
	/* Exact 64-bit counters survive as raw numbers. */
	{
		cJSON *a = cJSON_CreateObject(), *b = cJSON_CreateObject(), *p;

		json_add_u64(a, "n", UINT64_MAX - 1);
		json_add_u64(b, "n", UINT64_MAX);
		p = json_merge_patch(a, b, &err);
		assert_non_null(p);
		assert_string_equal(cJSON_GetObjectItem(p, "n")->valuestring,
				    "18446744073709551615");
		cJSON_Delete(p);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_exact),
		cmocka_unit_test(test_json_u64),
		cmocka_unit_test(test_live_has_directions),
		cmocka_unit_test(test_merge_patch),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
