// SPDX-License-Identifier: MIT
/*
 * Differential filter test: for every expression of a list and every packet of some pcaps,
 * wirelens' verdict must equal libpcap's (pcap_compile + pcap_offline_filter, optimised as
 * tcpdump compiles). With --bpf, the verdicts of the real XDP and TC programs are compared too
 * (BPF_PROG_TEST_RUN, one run per packet: the per-CPU "matched" counter tells the verdict).
 *
 * Usage: filtercheck [--bpf] [-v] [--random N] EXPRESSIONS [PCAP...]
 * --random N adds N generated Ethernet frames (198.18.0.0/15 and 2001:2::/48 addresses, IPv4
 * options and fragments, IPv6 fragment headers, ARP/RARP, VLAN tags, one in four cut short).
 * EXPRESSIONS: one per line; blank lines and lines starting with '#' are skipped.
 * Prints one line per expression and a summary; exit 0 only when every verdict agrees.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * libpcap and the kernel's headers both define struct bpf_insn (classic and extended BPF);
 * pcap's is renamed here. Both also use the name struct bpf_program: libbpf's is opaque, so
 * pointers to it work whatever the definition.
 */
#define bpf_insn pcap_bpf_insn
#include <pcap/pcap.h>
#undef bpf_insn
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "filter.h"
#include "parse.h"
#include "wirelens.skel.h"

struct frame {
	struct pcap_pkthdr h;
	uint8_t *data;
	int linktype;
	const char *file;
	size_t index; /* 1-based, as tshark numbers frames */
};

static struct frame *frames;
static size_t nframes;
static bool verbose;

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int load_pcap(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline(path, err);
	size_t idx = 0;
	int r;

	if (!p) {
		fprintf(stderr, "filtercheck: %s\n", err);
		return -1;
	}
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		struct frame *f;

		frames = realloc(frames, (nframes + 1) * sizeof(*frames));
		if (!frames)
			return -1;
		f = &frames[nframes++];
		f->h = *h;
		f->data = malloc(h->caplen ? h->caplen : 1);
		if (!f->data)
			return -1;
		memcpy(f->data, d, h->caplen);
		f->linktype = pcap_datalink(p);
		f->file = path;
		f->index = ++idx;
	}
	pcap_close(p);
	return 0;
}

/* --- random frames: many addresses, ports, headers, and cuts anywhere --------------------- */

static uint64_t rng_state = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Addresses from 198.18.0.0/15 and 2001:2::/48 only, spread over several subnets. */
static void rand_v4(uint8_t *a)
{
	static const uint8_t third[] = {0, 0, 1, 2, 255};

	a[0] = 198;
	a[1] = 18 + (uint8_t)rnd(2);
	a[2] = third[rnd(sizeof(third))];
	a[3] = (uint8_t)(1 + rnd(4));
}

static void rand_v6(uint8_t *a)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[3] = 0x02;
	a[7] = (uint8_t)rnd(3);
	a[15] = (uint8_t)(1 + rnd(4));
	if (!rnd(4))
		a[8] = 0xfe;
}

static uint32_t rand_port(void)
{
	static const uint16_t ports[] = {53, 80, 443, 22, 1024, 8080, 65535, 0, 5353, 20, 21};

	return rnd(4) ? ports[rnd(sizeof(ports) / sizeof(ports[0]))] : rnd(65536);
}

static uint32_t rand_proto(void)
{
	static const uint8_t protos[] = {6, 6, 17, 17, 1, 58, 132, 47, 50, 0, 44, 60};

	return protos[rnd(sizeof(protos))];
}

static size_t rand_l4(uint8_t *p, uint32_t proto)
{
	size_t n = 8 + rnd(40);

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(256);
	if (proto == 6 || proto == 17 || proto == 132) {
		put16(p, rand_port());
		put16(p + 2, rand_port());
	}
	if (proto == 6)
		p[12] = 0x50;
	return n;
}

static size_t rand_frame(uint8_t *f)
{
	size_t n = 12, l4;
	uint32_t k = rnd(20), proto;

	for (int i = 0; i < 12; i++)
		f[i] = (uint8_t)rnd(256);
	if (k == 0) { /* a VLAN tag: libpcap's "ip" does not look behind it */
		put16(f + n, 0x8100);
		put16(f + n + 2, rnd(4096));
		n += 4;
		k = 5 + rnd(10);
	}
	if (k <= 2) { /* ARP or RARP */
		put16(f + n, k == 1 ? 0x0806 : 0x8035);
		n += 2;
		put16(f + n, 1);
		put16(f + n + 2, 0x0800);
		f[n + 4] = 6;
		f[n + 5] = 4;
		put16(f + n + 6, 1 + rnd(2));
		memset(f + n + 8, 0xaa, 6);
		rand_v4(f + n + 14);
		memset(f + n + 18, 0, 6);
		rand_v4(f + n + 24);
		return n + 28;
	}
	if (k == 3) { /* something else */
		put16(f + n, rnd(2) ? 0x88cc : rnd(1500));
		n += 2;
		for (int i = 0; i < 30; i++)
			f[n++] = (uint8_t)rnd(256);
		return n;
	}
	if (k < 12) { /* IPv4, with options, fragments, odd versions */
		uint32_t ihl = rnd(5) ? 5 : 5 + rnd(11);
		uint8_t *ip;

		put16(f + n, 0x0800);
		n += 2;
		ip = f + n;
		memset(ip, 0, ihl * 4);
		ip[0] = (uint8_t)((rnd(20) ? 4 : rnd(16)) << 4 | ihl);
		proto = rand_proto();
		ip[9] = (uint8_t)proto;
		ip[8] = 64;
		if (!rnd(6))
			put16(ip + 6, rnd(2) ? 0x2000 : rnd(0x2000)); /* MF, or an offset */
		rand_v4(ip + 12);
		rand_v4(ip + 16);
		n += ihl * 4;
		l4 = rand_l4(f + n, proto);
		put16(ip + 2, ihl * 4 + l4);
		return n + l4;
	}
	/* IPv6, sometimes with a fragment or hop-by-hop header */
	put16(f + n, 0x86dd);
	n += 2;
	{
		uint8_t *ip = f + n;
		size_t n0 = n;
		uint32_t ext = rnd(5);

		memset(ip, 0, 40);
		ip[0] = 0x60;
		rand_v6(ip + 8);
		rand_v6(ip + 24);
		n += 40;
		proto = rand_proto();
		if (ext == 0 || ext == 1) {
			ip[6] = ext == 0 ? 44 : 0;
			memset(f + n, 0, 8);
			f[n] = (uint8_t)proto;
			if (ext == 0 && rnd(2))
				put16(f + n + 2, 8 * (1 + rnd(100))); /* a later fragment */
			n += 8;
		} else {
			ip[6] = (uint8_t)proto;
		}
		l4 = rand_l4(f + n, proto);
		put16(ip + 4, n + l4 - n0 - 40);
		return n + l4;
	}
}

static int add_random(size_t count)
{
	for (size_t i = 0; i < count; i++) {
		uint8_t buf[256];
		size_t len = rand_frame(buf);
		struct frame *f;

		frames = realloc(frames, (nframes + 1) * sizeof(*frames));
		if (!frames)
			return -1;
		f = &frames[nframes++];
		memset(&f->h, 0, sizeof(f->h));
		f->h.len = (bpf_u_int32)len;
		/* One frame in four is cut short somewhere (a small snaplen, a broken capture). */
		f->h.caplen = (bpf_u_int32)(rnd(4) ? len : rnd((uint32_t)len + 1));
		f->data = malloc(len);
		if (!f->data)
			return -1;
		memcpy(f->data, buf, len);
		f->linktype = DLT_EN10MB;
		f->file = "random";
		f->index = i + 1;
	}
	return 0;
}

static bool ours(const struct wl_filter_prog *prog, const struct frame *f)
{
	struct wl_filter_env env = {.caplen = f->h.caplen};
	struct wl_pkt pkt;

	/* The common syntax never reads the app class; Ethernet frames get it anyway. */
	if (f->linktype == DLT_EN10MB) {
		wl_parse_frame(f->data, f->data + f->h.caplen, &pkt);
		env.app = pkt.app;
	}
	return wl_filter_run(prog, f->data, &env);
}

/*
 * libpcap's program for expr on a link type, compiled as tcpdump does (optimised). An
 * expression that can never match on this link type (arp on raw IP) is an error for the
 * optimiser; unoptimised it compiles to "reject", which is the verdict to compare with.
 */
static int compile_lib(const char *expr, int linktype, struct bpf_program *bp)
{
	pcap_t *dead = pcap_open_dead(linktype, 262144);
	int err;

	pcap_freecode(bp);
	if (!dead)
		return -1;
	err = pcap_compile(dead, bp, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (err && strstr(pcap_geterr(dead), "rejects all packets"))
		err = pcap_compile(dead, bp, expr, 0, PCAP_NETMASK_UNKNOWN);
	if (err)
		printf("FAIL %-40s libpcap rejects it: %s\n", expr, pcap_geterr(dead));
	pcap_close(dead);
	return err ? -1 : 0;
}

/* The generated frames as a pcap file, to look at a disagreement with tshark. */
static int write_frames(const char *path)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;

	if (!d) {
		fprintf(stderr, "filtercheck: cannot write %s\n", path);
		return -1;
	}
	for (size_t i = 0; i < nframes; i++)
		if (!strcmp(frames[i].file, "random"))
			pcap_dump((u_char *)d, &frames[i].h, frames[i].data);
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

/* The BPF programs loaded privately (no pinning), or NULL with the reason printed. */
static struct wirelens_bpf *bpf_load(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "wirelens_fc");
	struct wirelens_bpf *skel = wirelens_bpf__open_opts(&opts);
	struct bpf_map *map;

	if (!skel) {
		fprintf(stderr, "filtercheck: cannot open the BPF object: %s\n", strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(map, skel->obj) bpf_map__set_pin_path(map, NULL);
	skel->rodata->cfg_flows = 0;
	skel->data->wl_set.sample_every = 0;
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len, NULL) == 1) {
		skel->rodata->cfg_xdp_frags = 1;
	} else {
		struct bpf_program *p = skel->progs.wl_xdp;

		bpf_program__set_flags(p, bpf_program__flags(p) & ~BPF_F_XDP_HAS_FRAGS);
	}
	if (wirelens_bpf__load(skel)) {
		fprintf(stderr, "filtercheck: cannot load the BPF programs: %s\n", strerror(errno));
		wirelens_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static uint64_t bpf_matched(struct wirelens_bpf *skel, __u32 key)
{
	int ncpu = libbpf_num_possible_cpus();
	struct wl_stats *v = calloc(ncpu, sizeof(*v));
	uint64_t sum = 0;

	if (!v || bpf_map_lookup_elem(bpf_map__fd(skel->maps.wl_stats), &key, v)) {
		free(v);
		return UINT64_MAX;
	}
	for (int c = 0; c < ncpu; c++)
		sum += v[c].total.packets;
	free(v);
	return sum;
}

/* The verdict of one program on one frame: did its "matched" counter move? -1 on error. */
static int bpf_verdict(struct wirelens_bpf *skel, bool tc, const struct frame *f)
{
	int fd = bpf_program__fd(tc ? skel->progs.wl_tc_egress : skel->progs.wl_xdp);
	__u32 key = tc ? WL_DIR_OUT : WL_DIR_IN;
	uint64_t before = bpf_matched(skel, key);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->data, .data_size_in = f->h.caplen,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &opts))
		return -1;
	return bpf_matched(skel, key) != before;
}

int main(int argc, char **argv)
{
	struct wirelens_bpf *skel = NULL;
	bool use_bpf = false;
	size_t nrandom = 0;
	const char *write_random = NULL;
	uint64_t exprs = 0, checks = 0, bad = 0, bpf_checks = 0, rejected = 0, bpf_untestable = 0;
	char line[4096];
	FILE *list;
	int a = 1;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "--bpf"))
			use_bpf = true;
		else if (!strcmp(argv[a], "-v"))
			verbose = true;
		else if (!strcmp(argv[a], "--write-random") && a + 1 < argc)
			write_random = argv[++a];
		else if (!strcmp(argv[a], "--random") && a + 1 < argc)
			nrandom = strtoul(argv[++a], NULL, 10);
		else
			break;
	}
	if (argc - a < 1 || (argc - a < 2 && !nrandom)) {
		fprintf(stderr, "usage: filtercheck [--bpf] [-v] [--random N] EXPRESSIONS "
				"[PCAP...]\n");
		return 2;
	}
	list = fopen(argv[a], "r");
	if (!list) {
		fprintf(stderr, "filtercheck: %s: %s\n", argv[a], strerror(errno));
		return 2;
	}
	for (int i = a + 1; i < argc; i++)
		if (load_pcap(argv[i]))
			return 2;
	if (add_random(nrandom))
		return 2;
	if (use_bpf) {
		if (!verbose)
			libbpf_set_print(libbpf_quiet);
		skel = bpf_load();
		if (!skel)
			return 2;
	}
	if (write_random && write_frames(write_random))
		return 2;
	while (fgets(line, sizeof(line), list)) {
		struct bpf_program bp = {0};
		struct wl_filter_prog prog, eprog;
		struct wl_filter_error err;
		uint64_t matches = 0, disagree = 0, bdis = 0;
		size_t n = strcspn(line, "\r\n");

		line[n] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		exprs++;
		if (wl_filter_compile(line, DLT_EN10MB, &eprog, &err)) {
			printf("FAIL %-40s wirelens rejects it: %s\n", line, err.msg);
			bad++;
			continue;
		}
		if (skel) {
			skel->bss->wl_filter[0] = eprog;
			skel->data->wl_set.filter_slot = 0;
		}
		for (size_t i = 0; i < nframes; i++) {
			const struct frame *f = &frames[i];
			bool lib, mine;

			if (i == 0 || f->linktype != frames[i - 1].linktype) {
				if (compile_lib(line, f->linktype, &bp)) {
					rejected++;
					goto next;
				}
				if (wl_filter_compile(line, f->linktype, &prog, &err)) {
					printf("FAIL %-40s wirelens rejects it for link type %d: "
					       "%s\n",
					       line, f->linktype, err.msg);
					bad++;
					goto next;
				}
			}
			lib = pcap_offline_filter(&bp, &f->h, f->data) != 0;
			mine = ours(&prog, f);
			checks++;
			matches += lib;
			if (lib != mine) {
				if (disagree++ < 3)
					printf("  %s frame %zu (%u bytes): libpcap %d, wirelens "
					       "%d\n",
					       f->file, f->index, f->h.caplen, lib, mine);
			}
			if (skel && f->linktype == DLT_EN10MB && f->h.caplen >= 14) {
				for (int tc = 0; tc < 2; tc++) {
					int v = bpf_verdict(skel, tc, f);

					/* The kernel refuses to build some test frames (a short
					 * frame as an skb): nothing to compare. */
					if (v < 0) {
						bpf_untestable++;
						continue;
					}
					bpf_checks++;
					if (v != (int)lib && bdis++ < 3)
						printf("  %s frame %zu: libpcap %d, %s program "
						       "%d\n",
						       f->file, f->index, lib, tc ? "TC" : "XDP",
						       v);
				}
			}
		}
		pcap_freecode(&bp);
		if (disagree || bdis) {
			printf("FAIL %-40s %llu disagreements (userspace), %llu (BPF)\n", line,
			       (unsigned long long)disagree, (unsigned long long)bdis);
			bad++;
		} else if (verbose) {
			printf("ok   %-40s %llu of %zu frames match\n", line,
			       (unsigned long long)matches, nframes);
		}
	next:
		pcap_freecode(&bp);
	}
	fclose(list);
	printf("# %llu expressions, %zu frames, %llu verdicts compared with libpcap, %llu through "
	       "the BPF programs (%llu runs the kernel refused): %llu expressions disagree, %llu "
	       "rejected by libpcap\n",
	       (unsigned long long)exprs, nframes, (unsigned long long)checks,
	       (unsigned long long)bpf_checks, (unsigned long long)bpf_untestable,
	       (unsigned long long)bad, (unsigned long long)rejected);
	if (skel)
		wirelens_bpf__destroy(skel);
	return bad || rejected ? 1 : 0;
}
