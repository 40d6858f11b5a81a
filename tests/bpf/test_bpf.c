// SPDX-License-Identifier: MIT
/*
 * The XDP and TC programs under BPF_PROG_TEST_RUN on the frame catalogue and the bulk mix:
 * verdicts, untouched frames, and per-CPU counters equal to both the userspace parser's and the
 * declared classes. Needs root (or CAP_BPF + CAP_NET_ADMIN); without them every test is
 * skipped with the reason. Maps are never pinned: the daemon's pins are not touched.
 */
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
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "frames.h"
#include "parse.h"
#include "filter_vm.h"
#include "wirelens.skel.h"

/* The TC programs return TC_ACT_UNSPEC (TCX_NEXT): pass, and let later programs run. */
#define TC_ACT_OK ((__u32)-1)
/* Per-CPU values are copied out in 8-byte slots. */
#define STATS_VSIZE ((sizeof(struct wl_stats) + 7) / 8 * 8)

static char skip_reason[256];

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * Open and load a private copy of the programs, set up as user/loader.c does, with knobs for
 * the load-time globals. Pinning is switched off on every map. NULL with skip_reason set.
 */
static struct wirelens_bpf *load(__u64 max_packets, __u8 flows)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "wirelens_test");
	struct wirelens_bpf *skel;
	struct bpf_map *map;
	int err;

	skel = wirelens_bpf__open_opts(&opts);
	if (!skel) {
		snprintf(skip_reason, sizeof(skip_reason), "cannot open the BPF object: %s",
			 strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(map, skel->obj)
	{
		if (bpf_map__set_pin_path(map, NULL)) {
			snprintf(skip_reason, sizeof(skip_reason), "cannot unpin map %s",
				 bpf_map__name(map));
			wirelens_bpf__destroy(skel);
			return NULL;
		}
	}
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, NULL) == 1) {
		skel->rodata->cfg_xdp_frags = 1;
	} else {
		struct bpf_program *p = skel->progs.wl_xdp;

		bpf_program__set_flags(p, bpf_program__flags(p) & ~BPF_F_XDP_HAS_FRAGS);
	}
	skel->rodata->cfg_max_packets = max_packets;
	skel->rodata->cfg_flows = flows;
	err = wirelens_bpf__load(skel);
	if (err) {
		snprintf(skip_reason, sizeof(skip_reason), "cannot load the BPF programs: %s%s",
			 strerror(-err), geteuid() ? " (not root: run as root for BPF tests)" : "");
		wirelens_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int setup(void **state)
{
	libbpf_set_print(quiet);
	*state = load(0, 1);
	return 0;
}

static int teardown(void **state)
{
	wirelens_bpf__destroy(*state);
	return 0;
}

/* The loaded skeleton, or skip the test (cmocka's skip()) with the reason. */
static struct wirelens_bpf *need_bpf(void **state)
{
	if (!*state) {
		print_message("SKIP: %s\n", skip_reason);
		skip();
	}
	return *state;
}

/* Sum the per-CPU values of wl_stats[key] over all possible CPUs. */
static void read_stats(struct wirelens_bpf *skel, __u32 key, struct wl_stats *out)
{
	int ncpus = libbpf_num_possible_cpus();
	uint8_t *vals;

	assert_true(ncpus > 0);
	vals = calloc((size_t)ncpus, STATS_VSIZE);
	assert_non_null(vals);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.wl_stats), &key, vals), 0);
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpus; c++) {
		__u64 *d = (__u64 *)out;
		const __u64 *s = (const __u64 *)(vals + (size_t)c * STATS_VSIZE);

		for (size_t i = 0; i < sizeof(*out) / 8; i++)
			d[i] += s[i];
	}
	free(vals);
}

static void zero_stats(struct wirelens_bpf *skel)
{
	int ncpus = libbpf_num_possible_cpus();
	void *vals = calloc((size_t)ncpus, STATS_VSIZE);

	assert_non_null(vals);
	for (__u32 k = 0; k < WL_DIR_MAX; k++)
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.wl_stats), &k, vals, 0),
				 0);
	free(vals);
}

static void assert_stats_zero(struct wirelens_bpf *skel, __u32 key)
{
	struct wl_stats s, zero;

	memset(&zero, 0, sizeof(zero));
	read_stats(skel, key, &s);
	if (memcmp(&s, &zero, sizeof(s)))
		fail_msg("wl_stats[%u] counted %llu frames, expected none", key,
			 (unsigned long long)s.total.packets);
}

/*
 * Run a program on one frame. Returns 0, or -errno when the kernel's test harness refuses the
 * frame. Fails the test on a wrong verdict or a modified frame.
 */
static int run_prog(int prog_fd, const struct tframe *f, __u32 repeat, __u32 expect_ret)
{
	uint8_t out[TFRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data, .data_size_in = f->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	if (opts.retval != expect_ret)
		fail_msg("%s: verdict %u, expected %u", f->name, opts.retval, expect_ret);
	/* The programs never modify a frame. */
	if (opts.data_size_out != f->len || memcmp(out, f->data, f->len))
		fail_msg("%s: frame modified (%u bytes out of %u)", f->name, opts.data_size_out,
			 f->len);
	return 0;
}

/*
 * The skb test harness (TC) may refuse (EINVAL) a frame whose EtherType announces IPv4/IPv6
 * but whose fixed IP header is not all there; only such frames may be refused.
 */
static bool skb_harness_may_refuse(const struct tframe *f)
{
	uint16_t type = (uint16_t)(f->data[12] << 8 | f->data[13]);

	return (type == 0x0800 && f->len < 14 + 20) || (type == 0x86dd && f->len < 14 + 40);
}

/* Run `n` frames once each; kernel counters must equal the parser's and the declared ones. */
static void check_frames(struct wirelens_bpf *skel, bool tc, const struct tframe *fr, int n,
			 int *counted)
{
	int fd = bpf_program__fd(tc ? skel->progs.wl_tc_egress : skel->progs.wl_xdp);
	__u32 key = tc ? WL_DIR_OUT : WL_DIR_IN, ret = tc ? TC_ACT_OK : XDP_PASS;
	struct wl_stats kernel, user, declared;
	int err;

	zero_stats(skel);
	memset(&user, 0, sizeof(user));
	memset(&declared, 0, sizeof(declared));
	*counted = 0;
	for (int i = 0; i < n; i++) {
		struct wl_pkt p;

		/* BPF_PROG_TEST_RUN needs at least an Ethernet header (ETH_HLEN) for both hooks. */
		if (!fr[i].wire_safe)
			continue;
		err = run_prog(fd, &fr[i], 1, ret);
		if (err == -EINVAL && tc && skb_harness_may_refuse(&fr[i]))
			continue;
		if (err)
			fail_msg("%s: %s test run failed: %s", fr[i].name, tc ? "TC" : "XDP",
				 strerror(-err));
		wl_parse_frame(fr[i].data, fr[i].data + fr[i].len, &p);
		wl_stats_add(&user, &p, fr[i].len);
		frames_expect_add(&declared, &fr[i]);
		(*counted)++;
	}
	read_stats(skel, key, &kernel);
	assert_int_equal(kernel.total.packets, *counted);
	/* No filter: every frame seen is counted. */
	user.seen = user.total;
	if (memcmp(&kernel, &user, sizeof(kernel)))
		fail_msg("%s counters differ from the userspace parser's", tc ? "TC" : "XDP");
	if (memcmp(&kernel, &declared, sizeof(kernel)))
		fail_msg("%s counters differ from the declared classes", tc ? "TC" : "XDP");
	/* Each hook counts under its own direction only. */
	assert_stats_zero(skel, tc ? WL_DIR_IN : WL_DIR_OUT);
	assert_stats_zero(skel, WL_DIR_NONE);
}

static void test_no_pins(void **state)
{
	struct wirelens_bpf *skel = need_bpf(state);
	struct bpf_map *map;

	bpf_object__for_each_map(map, skel->obj)
	{
		assert_null(bpf_map__pin_path(map));
		assert_false(bpf_map__is_pinned(map));
	}
}

static void test_xdp_catalog(void **state)
{
	struct wirelens_bpf *skel = need_bpf(state);
	const struct tframe *fr;
	int n = frames_catalog(&fr), wire = 0, counted;

	assert_true(n > 0);
	for (int i = 0; i < n; i++)
		wire += fr[i].wire_safe;
	check_frames(skel, false, fr, n, &counted);
	/* XDP takes every frame with an Ethernet header. */
	assert_int_equal(counted, wire);
}

static void test_tc_catalog(void **state)
{
	struct wirelens_bpf *skel = need_bpf(state);
	const struct tframe *fr;
	int n = frames_catalog(&fr), refusable = 0, wire = 0, counted;

	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		wire += fr[i].wire_safe;
		refusable += fr[i].wire_safe && skb_harness_may_refuse(&fr[i]);
	}
	check_frames(skel, true, fr, n, &counted);
	assert_true(counted >= wire - refusable);
	print_message(
		"TC: %d of %d catalogue frames run (the skb harness refuses cut IP headers)\n",
		counted, wire);
}

/* The realistic mix through both hooks. */
static void test_bulk(void **state)
{
	struct wirelens_bpf *skel = need_bpf(state);
	enum {
		N = 3000
	};
	struct tframe *fr = calloc(N, sizeof(*fr));
	int counted;

	assert_non_null(fr);
	for (int i = 0; i < N; i++)
		frames_bulk((uint32_t)i, 17, &fr[i]);
	check_frames(skel, false, fr, N, &counted);
	assert_int_equal(counted, N);
	check_frames(skel, true, fr, N, &counted);
	assert_int_equal(counted, N);
	free(fr);
}

/* repeat = 1000 counts the frame 1000 times, in every class it belongs to. */
static void check_repeat(struct wirelens_bpf *skel, bool tc, const char *name)
{
	const struct tframe *f = frames_find(name);
	struct wl_stats kernel, want;
	__u64 *w = (__u64 *)&want;

	assert_non_null(f);
	zero_stats(skel);
	memset(&want, 0, sizeof(want));
	frames_expect_add(&want, f);
	for (size_t i = 0; i < sizeof(want) / 8; i++)
		w[i] *= 1000;
	assert_int_equal(
		run_prog(bpf_program__fd(tc ? skel->progs.wl_tc_egress : skel->progs.wl_xdp), f,
			 1000, tc ? TC_ACT_OK : XDP_PASS),
		0);
	read_stats(skel, tc ? WL_DIR_OUT : WL_DIR_IN, &kernel);
	assert_int_equal(kernel.total.packets, 1000);
	assert_int_equal(kernel.total.bytes, 1000ull * f->len);
	if (memcmp(&kernel, &want, sizeof(kernel)))
		fail_msg("%s x1000: counters differ from 1000 x the declared classes", name);
}

static void test_repeat(void **state)
{
	struct wirelens_bpf *skel = need_bpf(state);
	static const char *const names[] = {"v4_tcp_syn", "v6_chain_udp_llmnr", "vlan_arp",
					    "malformed_v4_ihl", "trunc_ipv6_ext_body"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_repeat(skel, false, names[i]);
	check_repeat(skel, true, "vlan_v6_tcp_tls_port");
}

/* The flow table sees both directions of a conversation as one entry. */
static void test_flow_entry(void **state)
{
	struct wirelens_bpf *skel = need_bpf(state);
	struct tframe f, g;
	struct wl_flow_key4 key, next;
	struct wl_flow_val val;
	int fd, entries = 0;

	fd = bpf_map__fd(skel->maps.wl_flows4);
	while (!bpf_map_get_next_key(fd, NULL, &key))
		assert_int_equal(bpf_map_delete_elem(fd, &key), 0);
	assert_non_null(frames_find("v4_tcp_syn"));
	f = *frames_find("v4_tcp_syn"); /* 198.18.0.1:40000 -> 198.18.0.2:5000 */
	g = f;
	/* Swap addresses and ports: the reply direction. */
	memcpy(g.data + 26, f.data + 30, 4);
	memcpy(g.data + 30, f.data + 26, 4);
	memcpy(g.data + 34, f.data + 36, 2);
	memcpy(g.data + 36, f.data + 34, 2);
	assert_int_equal(run_prog(bpf_program__fd(skel->progs.wl_xdp), &f, 3, XDP_PASS), 0);
	assert_int_equal(run_prog(bpf_program__fd(skel->progs.wl_tc_egress), &g, 2, TC_ACT_OK), 0);
	memset(&key, 0, sizeof(key));
	while (!bpf_map_get_next_key(fd, entries ? &key : NULL, &next)) {
		key = next;
		entries++;
	}
	assert_int_equal(entries, 1);
	assert_int_equal(bpf_map_lookup_elem(fd, &key, &val), 0);
	assert_int_equal(key.proto, 6);
	assert_memory_equal(key.a, "\xc6\x12\x00\x01", 4);
	assert_int_equal(key.port_a, 40000);
	assert_int_equal(key.port_b, 5000);
	/* a -> b came in (XDP), b -> a went out (TC egress): one counter each. */
	assert_int_equal(val.ctr[0][WL_DIR_IN].packets, 3);
	assert_int_equal(val.ctr[0][WL_DIR_OUT].packets, 0);
	assert_int_equal(val.ctr[1][WL_DIR_IN].packets, 0);
	assert_int_equal(val.ctr[1][WL_DIR_OUT].packets, 2);
	assert_int_equal(val.ctr[0][WL_DIR_IN].bytes, 3ull * f.len);
	assert_int_equal(key.link, 0);
	assert_int_equal(val.flags & WL_FLOW_F_B_FIRST, 0);
	assert_true(val.tcp_flags_ab & 0x02);
	assert_true(val.first_ns <= val.last_ns);
}

/*
 * cfg_max_packets (-c N) admits exactly N frames over both hooks together; cfg_flows = 0
 * leaves the flow table empty. A separate load, since both are load-time constants.
 */
static void test_max_packets(void **state)
{
	struct wl_stats in, out;
	struct wirelens_bpf *skel;
	const struct tframe *f = frames_find("v4_udp_unknown");
	struct wl_flow_key key;

	need_bpf(state);
	skel = load(10, 0);
	if (!skel)
		fail_msg("second load failed: %s", skip_reason);
	assert_non_null(f);
	for (int i = 0; i < 8; i++)
		assert_int_equal(run_prog(bpf_program__fd(skel->progs.wl_xdp), f, 1, XDP_PASS), 0);
	assert_int_equal(run_prog(bpf_program__fd(skel->progs.wl_tc_egress), f, 8, TC_ACT_OK), 0);
	read_stats(skel, WL_DIR_IN, &in);
	read_stats(skel, WL_DIR_OUT, &out);
	assert_int_equal(in.total.packets, 8);
	assert_int_equal(out.total.packets, 2);
	assert_int_equal(in.l4.udp.bytes + out.l4.udp.bytes, 10ull * f->len);
	assert_int_not_equal(bpf_map_get_next_key(bpf_map__fd(skel->maps.wl_flows4), NULL, &key),
			     0);
	assert_int_not_equal(bpf_map_get_next_key(bpf_map__fd(skel->maps.wl_flows6), NULL, &key),
			     0);
	wirelens_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_pins),	    cmocka_unit_test(test_xdp_catalog),
		cmocka_unit_test(test_tc_catalog),  cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_repeat),	    cmocka_unit_test(test_flow_entry),
		cmocka_unit_test(test_max_packets),
	};

	return cmocka_run_group_tests_name("bpf", tests, setup, teardown);
}
