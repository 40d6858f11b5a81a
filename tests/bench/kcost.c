// SPDX-License-Identifier: MIT
/*
 * Kernel cost per packet: BPF_PROG_TEST_RUN of the wirelens XDP program and of an empty
 * XDP_PASS program (the floor) on the frames of a pcap file, many repeats each.
 * Prints "floor core default filter sample_all frames": mean ns per packet over the frame mix
 * for the empty program; wirelens counting only (no flow table, no records); wirelens with the
 * daemon's defaults (flow table, a record of every frame up to 1000 a second); the defaults
 * plus a capture filter; and a record of every frame with no limit (the ring drained by a
 * consumer thread, as the daemon does).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
/* linux/bpf.h and pcap/bpf.h both define struct bpf_insn: keep libbpf's. */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>

#include "filter.h"
#include "wirelens.skel.h"

#define KCOST_MAX_FRAMES 256

struct frame {
	unsigned char data[2048];
	unsigned int len;
};

static int load_frames(const char *path, struct frame *frames, int max)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const unsigned char *data;
	pcap_t *p;
	int n = 0;

	p = pcap_open_offline(path, errbuf);
	if (!p) {
		fprintf(stderr, "kcost: %s\n", errbuf);
		return -1;
	}
	while (n < max && pcap_next_ex(p, &hdr, &data) == 1) {
		/* XDP test runs need at least an Ethernet header; skip longer than our buffer. */
		if (hdr->caplen < 14 || hdr->caplen > sizeof(frames[n].data))
			continue;
		memcpy(frames[n].data, data, hdr->caplen);
		frames[n].len = hdr->caplen;
		n++;
	}
	pcap_close(p);
	return n;
}

/* The floor and the five wirelens variants measured, in the order printed. */
#define KCOST_VARIANTS 6

/* Mean nanoseconds per run of prog_fd over all frames, `repeat` runs each. */
static double run_mix(int prog_fd, struct frame *frames, int n, unsigned int repeat)
{
	unsigned long long total = 0;

	for (int i = 0; i < n; i++) {
		unsigned char out[2048];
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frames[i].data,
			    .data_size_in = frames[i].len, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = repeat);

		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "kcost: test run failed: %s\n", strerror(errno));
			exit(1);
		}
		if (opts.retval != XDP_PASS) {
			fprintf(stderr, "kcost: program returned %u, not XDP_PASS\n", opts.retval);
			exit(1);
		}
		total += opts.duration; /* mean ns per repetition, measured by the kernel */
	}
	return (double)total / n;
}

/*
 * The program with flows (and their connection analysis) on or off, records 1 in `every` (cap
 * per second), a filter or none.
 */
static struct wirelens_bpf *load(int flows, int conn, unsigned int every, unsigned int cap,
				 const struct wl_filter_prog *filter)
{
	struct wirelens_bpf *skel = wirelens_bpf__open();
	struct bpf_map *map;

	if (!skel)
		return NULL;
	bpf_object__for_each_map(map, skel->obj)
		bpf_map__set_pin_path(map, NULL); /* never touch the real pins */
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, NULL) == 1)
		skel->rodata->cfg_xdp_frags = 1;
	skel->rodata->cfg_flows = (__u8)flows;
	skel->rodata->cfg_conn = (__u8)conn;
	skel->data->wl_set.sample_every = every;
	skel->data->wl_set.max_samples_per_sec = cap;
	if (filter)
		skel->bss->wl_filter[0] = *filter;
	if (wirelens_bpf__load(skel)) {
		wirelens_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static atomic_bool draining = true;

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

/* Empty the ring buffer as fast as records come, like the daemon. */
static void *drain(void *arg)
{
	struct ring_buffer *rb = arg;

	while (atomic_load(&draining))
		ring_buffer__poll(rb, 10);
	return NULL;
}

int main(int argc, char **argv)
{
	const struct bpf_insn pass[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static struct frame frames[KCOST_MAX_FRAMES];
	static struct wl_filter_prog filter;
	struct wl_filter_error ferr;
	struct wirelens_bpf *core, *noconn, *def, *filt, *all;
	struct ring_buffer *rb;
	pthread_t thread;
	unsigned int repeat;
	int n, floor_fd;
	double r[KCOST_VARIANTS];

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: kcost FILE.pcap REPEAT [VARIANT 0-5: run only that one, "
				"for a profiler]\n");
		return 2;
	}
	repeat = (unsigned int)strtoul(argv[2], NULL, 10);
	n = load_frames(argv[1], frames, KCOST_MAX_FRAMES);
	if (n <= 0) {
		fprintf(stderr, "kcost: no usable frames in %s\n", argv[1]);
		return 1;
	}
	if (wl_filter_compile("tcp port 443 or udp", DLT_EN10MB, &filter, &ferr)) {
		fprintf(stderr, "kcost: filter: %s\n", ferr.msg);
		return 1;
	}
	core = load(0, 0, 0, 0, NULL);
	noconn = load(1, 0, 1, 1000, NULL);
	def = load(1, 1, 1, 1000, NULL);
	filt = load(1, 1, 1, 1000, &filter);
	all = load(1, 1, 1, 0, NULL);
	if (!core || !noconn || !def || !filt || !all) {
		fprintf(stderr, "kcost: cannot load the BPF object (root needed)\n");
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(all->maps.wl_samples), on_record, NULL, NULL);
	if (!rb || pthread_create(&thread, NULL, drain, rb)) {
		fprintf(stderr, "kcost: cannot read the ring buffer\n");
		return 1;
	}
	floor_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "kcost_pass", "GPL", pass, 2, NULL);
	if (floor_fd < 0) {
		fprintf(stderr, "kcost: cannot load the floor program: %s\n", strerror(errno));
		return 1;
	}
	int fds[KCOST_VARIANTS] = {floor_fd,
				   bpf_program__fd(core->progs.wl_xdp),
				   bpf_program__fd(noconn->progs.wl_xdp),
				   bpf_program__fd(def->progs.wl_xdp),
				   bpf_program__fd(filt->progs.wl_xdp),
				   bpf_program__fd(all->progs.wl_xdp)};

	/* Warm up, then measure one after the other so that all see the same machine state. */
	for (int i = 0; i < KCOST_VARIANTS; i++) {
		r[i] = 0;
		if (argc == 4 && atoi(argv[3]) != i)
			continue;
		run_mix(fds[i], frames, n, repeat / 10 + 1);
	}
	for (int i = 0; i < KCOST_VARIANTS; i++)
		if (argc != 4 || atoi(argv[3]) == i)
			r[i] = run_mix(fds[i], frames, n, repeat);
	for (int i = 0; i < KCOST_VARIANTS; i++)
		printf("%.2f ", r[i]);
	printf("%d\n", n);
	atomic_store(&draining, false);
	pthread_join(thread, NULL);
	ring_buffer__free(rb);
	close(floor_fd);
	wirelens_bpf__destroy(core);
	wirelens_bpf__destroy(noconn);
	wirelens_bpf__destroy(def);
	wirelens_bpf__destroy(filt);
	wirelens_bpf__destroy(all);
	return 0;
}
