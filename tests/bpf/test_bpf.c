// SPDX-License-Identifier: MIT
/*
 * The XDP and TC programs under BPF_PROG_TEST_RUN on the frame catalogue: verdicts, untouched
 * frames, and counters equal to both the userspace parser's and the declared classes.
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
#include "wirelens.skel.h"

static struct wirelens_bpf *skel;
static char skip_reason[256];

static int setup(void **state)
{
	struct bpf_map *map;
	int err;

	(void)state;
	skel = wirelens_bpf__open();
	if (!skel) {
		snprintf(skip_reason, sizeof(skip_reason), "cannot open the BPF object");
		return 0;
	}
	/* Never touch the real pins under /sys/fs/bpf/wirelens. */
	bpf_object__for_each_map(map, skel->obj) bpf_map__set_pin_path(map, NULL);
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, NULL) == 1)
		skel->rodata->cfg_xdp_frags = 1;
	err = wirelens_bpf__load(skel);
	if (err) {
		snprintf(skip_reason, sizeof(skip_reason), "cannot load BPF programs: %s%s",
			 strerror(-err), geteuid() ? " (not root)" : "");
		wirelens_bpf__destroy(skel);
		skel = NULL;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	wirelens_bpf__destroy(skel);
	return 0;
}

#define SKIP_WITHOUT_BPF()                                                                         \
	do {                                                                                       \
		if (!skel) {                                                                       \
			print_message("SKIP: %s\n", skip_reason);                                  \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/* Sum the per-CPU values of wl_stats[key]. */
static void read_stats(__u32 key, struct wl_stats *out)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t vsize = (sizeof(struct wl_stats) + 7) / 8 * 8;
	uint8_t *vals = calloc(ncpus, vsize);

	assert_non_null(vals);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.wl_stats), &key, vals), 0);
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpus; c++) {
		__u64 *d = (__u64 *)out;
		const __u64 *s = (const __u64 *)(vals + c * vsize);

		for (size_t i = 0; i < sizeof(*out) / 8; i++)
			d[i] += s[i];
	}
	free(vals);
}

static void zero_stats(void)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t vsize = (sizeof(struct wl_stats) + 7) / 8 * 8;
	void *vals = calloc(ncpus, vsize);

	for (__u32 k = 0; k < WL_DIR_MAX; k++)
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.wl_stats), &k, vals, 0),
				 0);
	free(vals);
}

static void run_prog(int prog_fd, const struct tframe *f, __u32 repeat, __u32 expect_ret)
{
	uint8_t out[TFRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data, .data_size_in = f->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		fail_msg("%s: test run failed: %s", f->name, strerror(errno));
	if (opts.retval != expect_ret)
		fail_msg("%s: verdict %u, expected %u", f->name, opts.retval, expect_ret);
	/* The programs never modify a frame. */
	assert_int_equal(opts.data_size_out, f->len);
	if (memcmp(out, f->data, f->len))
		fail_msg("%s: frame modified", f->name);
}

/*
 * The kernel's skb test harness (TC) rejects an IPv4/IPv6 EtherType whose fixed IP header is
 * not all there (EINVAL); such frames only reach XDP in the test run.
 */
static bool skb_harness_accepts(const struct tframe *f)
{
	uint16_t type = (uint16_t)(f->data[12] << 8 | f->data[13]);

	if (type == 0x0800)
		return f->len >= 14 + 20;
	if (type == 0x86dd)
		return f->len >= 14 + 40;
	return true;
}

static void check_catalog(int prog_fd, __u32 key, __u32 ret)
{
	struct wl_stats kernel, user, declared;
	const struct tframe *fr;
	int n = frames_catalog(&fr);

	zero_stats();
	memset(&user, 0, sizeof(user));
	memset(&declared, 0, sizeof(declared));
	for (int i = 0; i < n; i++) {
		struct wl_pkt p;

		/* BPF_PROG_TEST_RUN needs at least an Ethernet header (ETH_HLEN). */
		if (fr[i].len < 14 || (key == WL_DIR_OUT && !skb_harness_accepts(&fr[i])))
			continue;
		run_prog(prog_fd, &fr[i], 1, ret);
		wl_parse_frame(fr[i].data, fr[i].data + fr[i].len, &p);
		wl_stats_add(&user, &p, fr[i].len);
		frames_expect_add(&declared, &fr[i]);
	}
	read_stats(key, &kernel);
	assert_int_equal(kernel.total.packets, user.total.packets);
	assert_memory_equal(&kernel, &user, sizeof(kernel));
	assert_memory_equal(&kernel, &declared, sizeof(kernel));
}

static void test_xdp_catalog(void **state)
{
	(void)state;
	SKIP_WITHOUT_BPF();
	check_catalog(bpf_program__fd(skel->progs.wl_xdp), WL_DIR_IN, XDP_PASS);
}

static void test_tc_catalog(void **state)
{
	(void)state;
	SKIP_WITHOUT_BPF();
	check_catalog(bpf_program__fd(skel->progs.wl_tc_egress), WL_DIR_OUT, 0 /* TC_ACT_OK */);
}

static void test_xdp_repeat(void **state)
{
	const struct tframe *fr;
	struct wl_stats s;

	(void)state;
	SKIP_WITHOUT_BPF();
	frames_catalog(&fr);
	zero_stats();
	run_prog(bpf_program__fd(skel->progs.wl_xdp), &fr[0], 1000, XDP_PASS);
	read_stats(WL_DIR_IN, &s);
	assert_int_equal(s.total.packets, 1000);
	assert_int_equal(s.total.bytes, 1000ull * fr[0].len);
	assert_int_equal(s.l4.tcp.packets, 1000);
}

/* The flow table sees both directions of a conversation as one entry. */
static void test_flow_entry(void **state)
{
	struct tframe f, g;
	const struct tframe *fr;
	struct wl_flow_key key, next;
	struct wl_flow_val val;
	int fd, entries = 0;

	(void)state;
	SKIP_WITHOUT_BPF();
	fd = bpf_map__fd(skel->maps.wl_flows);
	while (!bpf_map_get_next_key(fd, NULL, &key))
		bpf_map_delete_elem(fd, &key);
	frames_catalog(&fr);
	f = fr[0]; /* v4_tcp_syn 198.18.0.1:40000 -> 198.18.0.2:5000 */
	g = f;
	/* Swap addresses and ports: the reply direction. */
	memcpy(g.data + 26, f.data + 30, 4);
	memcpy(g.data + 30, f.data + 26, 4);
	memcpy(g.data + 34, f.data + 36, 2);
	memcpy(g.data + 36, f.data + 34, 2);
	run_prog(bpf_program__fd(skel->progs.wl_xdp), &f, 3, XDP_PASS);
	run_prog(bpf_program__fd(skel->progs.wl_tc_egress), &g, 2, 0);
	memset(&key, 0, sizeof(key));
	while (!bpf_map_get_next_key(fd, entries ? &key : NULL, &next)) {
		key = next;
		entries++;
	}
	assert_int_equal(entries, 1);
	assert_int_equal(bpf_map_lookup_elem(fd, &key, &val), 0);
	assert_int_equal(key.family, 4);
	assert_int_equal(key.proto, 6);
	assert_int_equal(val.ab.packets, 3);
	assert_int_equal(val.ba.packets, 2);
	assert_int_equal(val.in.packets, 3);
	assert_int_equal(val.out.packets, 2);
	assert_int_equal(val.ab.bytes, 3ull * f.len);
	assert_true(val.tcp_flags_ab & 0x02);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_catalog),
		cmocka_unit_test(test_tc_catalog),
		cmocka_unit_test(test_xdp_repeat),
		cmocka_unit_test(test_flow_entry),
	};

	return cmocka_run_group_tests_name("bpf", tests, setup, teardown);
}
