// SPDX-License-Identifier: MIT
/*
 * Kernel cost per frame: BPF_PROG_TEST_RUN of the wirelens programs and of empty programs of the
 * same hooks (the floors), interleaved round by round so that all see the same machine state.
 *
 *   kcost MIX.pcap REPEAT [ROUNDS]
 *
 * Prints one line per measurement, "NAME FRAME NS" (median over the rounds of the kernel's
 * mean ns per run):
 *   - frames: "ack" (66-byte IPv4 TCP ACK with timestamps), "seg" (1514-byte TCP segment),
 *     "dns6" (IPv6 UDP DNS query), "arp" (ARP request), "mix" (the frames of MIX.pcap);
 *   - programs: xdp_floor and tc_floor (return at once), xdp_core (counting only: no flows, no
 *     records), xdp_noconn (flows and records, no connection analysis), xdp_default and
 *     tc_default (the daemon's defaults: counters, flows, connection analysis, records 1 in 1
 *     up to 1000/s; tc_default is the egress program), xdp_filter (defaults plus the filter
 *     'tcp port 443 or udp'), xdp_all (a record of every frame, no limit, the ring drained by a
 *     consumer thread as the daemon does).
 * Then "flows N first|second NAME NS": N distinct TCP flows (ACKs), each frame run once, for
 * the XDP floor and the defaults: the first pass creates every flow, the second finds them (the
 * flow table is sized to hold them all).
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
#define KCOST_FLOWS	 100000
/* TC_ACT_UNSPEC (TCX_NEXT): what the wirelens TC programs return, and the floor too. */
#define TC_NEXT ((unsigned int)-1)

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
		/* Test runs need at least an Ethernet header; skip longer than our buffer. */
		if (hdr->caplen < 14 || hdr->caplen > sizeof(frames[n].data))
			continue;
		memcpy(frames[n].data, data, hdr->caplen);
		frames[n].len = hdr->caplen;
		n++;
	}
	pcap_close(p);
	return n;
}

/* A tiny frame writer. */
struct fw {
	unsigned char *p;
	unsigned int n;
};

static void w8(struct fw *w, unsigned int v)
{
	w->p[w->n++] = (unsigned char)v;
}

static void w16(struct fw *w, unsigned int v)
{
	w8(w, v >> 8);
	w8(w, v);
}

static void w32(struct fw *w, unsigned int v)
{
	w16(w, v >> 16);
	w16(w, v);
}

static void weth(struct fw *w, unsigned int type)
{
	w32(w, 0x02000000), w16(w, 0x0001); /* dst 02:00:00:00:00:01 */
	w32(w, 0x02000000), w16(w, 0x0002);
	w16(w, type);
}

/* IPv4 198.18.0.2 -> 198.18.x.y with a TCP header carrying NOP, NOP, timestamps. */
static void tcp_ts_frame(struct frame *f, unsigned int payload, unsigned int flow)
{
	struct fw w = {f->data, 0};

	weth(&w, 0x0800);
	w8(&w, 0x45), w8(&w, 0), w16(&w, 20 + 32 + payload), w32(&w, 0x40000000);
	w8(&w, 64), w8(&w, 6), w16(&w, 0);
	w32(&w, 0xc6120002 + (flow >> 16 << 8)), w32(&w, 0xc6130000 | (flow & 0xffff));
	w16(&w, 40000 + flow % 20000), w16(&w, 5201);
	w32(&w, 1000 + payload), w32(&w, 2000);
	w8(&w, 8 << 4), w8(&w, 0x10), w16(&w, 501), w16(&w, 0), w16(&w, 0);
	w8(&w, 1), w8(&w, 1), w8(&w, 8), w8(&w, 10), w32(&w, 123456), w32(&w, 654321);
	for (unsigned int i = 0; i < payload; i++)
		w8(&w, i);
	f->len = w.n;
}

/* IPv6 2001:2::1 -> 2001:2::2, UDP 5353x -> 53, a query for www.example.com. */
static void dns6_frame(struct frame *f)
{
	static const unsigned char q[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
					 "\x03www\x07"
					 "example\x03"
					 "com\x00\x00\x01\x00\x01";
	struct fw w = {f->data, 0};

	weth(&w, 0x86dd);
	w32(&w, 0x60000000), w16(&w, 8 + sizeof(q) - 1), w8(&w, 17), w8(&w, 64);
	w32(&w, 0x20010002), w32(&w, 0), w32(&w, 0), w32(&w, 1);
	w32(&w, 0x20010002), w32(&w, 0), w32(&w, 0), w32(&w, 2);
	w16(&w, 53531), w16(&w, 53), w16(&w, 8 + sizeof(q) - 1), w16(&w, 0);
	for (unsigned int i = 0; i < sizeof(q) - 1; i++)
		w8(&w, q[i]);
	f->len = w.n;
}

static void arp_frame(struct frame *f)
{
	struct fw w = {f->data, 0};

	weth(&w, 0x0806);
	w16(&w, 1), w16(&w, 0x0800), w8(&w, 6), w8(&w, 4), w16(&w, 1);
	w32(&w, 0x02000000), w16(&w, 2), w32(&w, 0xc6120002);
	w32(&w, 0), w16(&w, 0), w32(&w, 0xc6120001);
	while (w.n < 60)
		w8(&w, 0);
	f->len = w.n;
}

/* Mean nanoseconds per run of prog_fd over frames, `repeat` runs each. */
static double run_frames(int prog_fd, unsigned int pass, const struct frame *frames, int n,
			 unsigned int repeat)
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
		if (opts.retval != pass) {
			fprintf(stderr, "kcost: program returned %u, not %u\n", opts.retval, pass);
			exit(1);
		}
		total += opts.duration; /* mean ns per repetition, measured by the kernel */
	}
	return (double)total / n;
}

/*
 * The programs with flows (and their connection analysis) on or off, records 1 in `every` (cap
 * per second), a filter or none, a flow table of `flows` entries (0: the default).
 */
static struct wirelens_bpf *load(int flows, int conn, unsigned int every, unsigned int cap,
				 const struct wl_filter_prog *filter, unsigned int table)
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
	if (table && (bpf_map__set_max_entries(skel->maps.wl_flows4, table) ||
		      bpf_map__set_max_entries(skel->maps.wl_flows6, table))) {
		wirelens_bpf__destroy(skel);
		return NULL;
	}
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define KCOST_PROGS  8
#define KCOST_KINDS  5
#define KCOST_ROUNDS 15

struct prog {
	const char *name;
	int fd;
	unsigned int pass;
};

struct kind {
	const char *name;
	const struct frame *frames;
	int n;
};

int main(int argc, char **argv)
{
	const struct bpf_insn xdp_pass[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	const struct bpf_insn tc_ok[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static struct frame mix[KCOST_MAX_FRAMES], ack, seg, dns6, arp;
	static struct frame flows[KCOST_FLOWS];
	static double res[KCOST_PROGS][KCOST_KINDS][KCOST_ROUNDS];
	static struct wl_filter_prog filter;
	struct wl_filter_error ferr;
	struct wirelens_bpf *core, *noconn, *def, *filt, *all, *big;
	struct ring_buffer *rb;
	pthread_t thread;
	unsigned int repeat, rounds = 5;
	int n, xdp_floor, tc_floor;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: kcost MIX.pcap REPEAT [ROUNDS]\n");
		return 2;
	}
	repeat = (unsigned int)strtoul(argv[2], NULL, 10);
	if (argc == 4)
		rounds = (unsigned int)strtoul(argv[3], NULL, 10);
	if (!repeat || !rounds || rounds > KCOST_ROUNDS) {
		fprintf(stderr, "kcost: REPEAT must be positive and ROUNDS 1-%d\n", KCOST_ROUNDS);
		return 2;
	}
	n = load_frames(argv[1], mix, KCOST_MAX_FRAMES);
	if (n <= 0) {
		fprintf(stderr, "kcost: no usable frames in %s\n", argv[1]);
		return 1;
	}
	tcp_ts_frame(&ack, 0, 0);
	tcp_ts_frame(&seg, 1448, 0);
	dns6_frame(&dns6);
	arp_frame(&arp);
	for (unsigned int i = 0; i < KCOST_FLOWS; i++)
		tcp_ts_frame(&flows[i], 0, i + 1);
	if (wl_filter_compile("tcp port 443 or udp", DLT_EN10MB, &filter, &ferr)) {
		fprintf(stderr, "kcost: filter: %s\n", ferr.msg);
		return 1;
	}
	core = load(0, 0, 0, 0, NULL, 0);
	noconn = load(1, 0, 1, 1000, NULL, 0);
	def = load(1, 1, 1, 1000, NULL, 0);
	filt = load(1, 1, 1, 1000, &filter, 0);
	all = load(1, 1, 1, 0, NULL, 0);
	big = load(1, 1, 1, 1000, NULL, 2 * KCOST_FLOWS);
	if (!core || !noconn || !def || !filt || !all || !big) {
		fprintf(stderr, "kcost: cannot load the BPF object (root needed)\n");
		return 1;
	}
	rb = ring_buffer__new(bpf_map__fd(all->maps.wl_samples), on_record, NULL, NULL);
	if (!rb || pthread_create(&thread, NULL, drain, rb)) {
		fprintf(stderr, "kcost: cannot read the ring buffer\n");
		return 1;
	}
	xdp_floor = bpf_prog_load(BPF_PROG_TYPE_XDP, "kcost_pass", "GPL", xdp_pass, 2, NULL);
	tc_floor = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "kcost_ok", "GPL", tc_ok, 2, NULL);
	if (xdp_floor < 0 || tc_floor < 0) {
		fprintf(stderr, "kcost: cannot load the floor programs: %s\n", strerror(errno));
		return 1;
	}
	const struct prog progs[KCOST_PROGS] = {
		{"xdp_floor", xdp_floor, XDP_PASS},
		{"tc_floor", tc_floor, TC_NEXT},
		{"xdp_core", bpf_program__fd(core->progs.wl_xdp), XDP_PASS},
		{"xdp_noconn", bpf_program__fd(noconn->progs.wl_xdp), XDP_PASS},
		{"xdp_default", bpf_program__fd(def->progs.wl_xdp), XDP_PASS},
		{"tc_default", bpf_program__fd(def->progs.wl_tc_egress), TC_NEXT},
		{"xdp_filter", bpf_program__fd(filt->progs.wl_xdp), XDP_PASS},
		{"xdp_all", bpf_program__fd(all->progs.wl_xdp), XDP_PASS},
	};
	const struct kind kinds[KCOST_KINDS] = {
		{"ack", &ack, 1}, {"seg", &seg, 1}, {"dns6", &dns6, 1},
		{"arp", &arp, 1}, {"mix", mix, n},
	};

	/* Warm up, then interleave: each round runs every program on every kind once. */
	for (int p = 0; p < KCOST_PROGS; p++)
		for (int k = 0; k < KCOST_KINDS; k++)
			run_frames(progs[p].fd, progs[p].pass, kinds[k].frames, kinds[k].n,
				   repeat / 10 + 1);
	for (unsigned int r = 0; r < rounds; r++)
		for (int p = 0; p < KCOST_PROGS; p++)
			for (int k = 0; k < KCOST_KINDS; k++) {
				/* The mix has many frames: fewer repeats each, the same total. */
				unsigned int rep = kinds[k].n > 1 ? repeat / 16 + 1 : repeat;

				res[p][k][r] = run_frames(progs[p].fd, progs[p].pass,
							  kinds[k].frames, kinds[k].n, rep);
			}
	for (int p = 0; p < KCOST_PROGS; p++)
		for (int k = 0; k < KCOST_KINDS; k++)
			printf("%s %s %.2f\n", progs[p].name, kinds[k].name,
			       median(res[p][k], (int)rounds));

	/* Distinct flows, each frame once: the floor, then two passes of the defaults. */
	double floor_ns = run_frames(xdp_floor, XDP_PASS, flows, KCOST_FLOWS, 1);
	double first =
		run_frames(bpf_program__fd(big->progs.wl_xdp), XDP_PASS, flows, KCOST_FLOWS, 1);
	double second =
		run_frames(bpf_program__fd(big->progs.wl_xdp), XDP_PASS, flows, KCOST_FLOWS, 1);
	printf("flows %d floor xdp_floor %.2f\n", KCOST_FLOWS, floor_ns);
	printf("flows %d first xdp_default %.2f\n", KCOST_FLOWS, first);
	printf("flows %d second xdp_default %.2f\n", KCOST_FLOWS, second);

	atomic_store(&draining, false);
	pthread_join(thread, NULL);
	ring_buffer__free(rb);
	close(xdp_floor);
	close(tc_floor);
	wirelens_bpf__destroy(core);
	wirelens_bpf__destroy(noconn);
	wirelens_bpf__destroy(def);
	wirelens_bpf__destroy(filt);
	wirelens_bpf__destroy(all);
	wirelens_bpf__destroy(big);
	return 0;
}
