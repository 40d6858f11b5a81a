// SPDX-License-Identifier: MIT
/*
 * mkpcap: write test frames to a pcap (or pcapng) file, and the counts they must produce,
 * computed from the frames' declared classes (tests/lib/frames.c), never from the parser.
 *
 *   mkpcap [-l LINKTYPE] [-n COUNT] [-s SEED] [-e EXPECT.json] [--pcapng] [--wire]
 *          [--exclude NAME]... SET OUT
 *
 * Output is reproducible byte for byte: timestamps start at 1700000000 s and advance 1 ms per
 * frame written. Files appear atomically (written to a temporary file, then renamed).
 * Exit status: 0 written, 1 I/O failure, 2 bad arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "frames.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define SNAPLEN	     65535
#define TS_START_SEC 1700000000ull
#define MAX_EXCLUDE  16
/* Largest link header mkpcap puts in front of the network header (SLL2). */
#define ENCAP_MAX 20

static const char *const l3n[WL_L3_MAX] = {"ipv4", "ipv6", "arp", "other"};
static const char *const l4n[WL_L4_MAX] = {"tcp", "udp", "icmp", "icmpv6", "other"};
static const char *const appn[WL_APP_MAX] = {
	"none", "unknown", "dns", "mdns", "llmnr", "http", "tls",  "quic", "ssh",
	"dhcp", "dhcpv6",  "ntp", "snmp", "smtp",  "imap", "pop3", "smb",  "rdp",
};

/* -l names, pcap DLT values (for libpcap) and LINKTYPE values (for the pcapng IDB). */
static const struct {
	const char *name;
	int dlt;
	uint16_t linktype;
} linktypes[] = {
	{"en10mb", DLT_EN10MB, 1}, {"sll", DLT_LINUX_SLL, 113}, {"sll2", DLT_LINUX_SLL2, 276},
	{"raw", DLT_RAW, 101},	   {"null", DLT_NULL, 0},	{"loop", DLT_LOOP, 108},
};

struct out {
	int lt; /* index into linktypes[] */
	bool pcapng;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *f;
	uint64_t n;
	struct wl_stats expect;
};

static void usage(FILE *to)
{
	fprintf(to, "usage: mkpcap [-l en10mb|sll|sll2|raw|null|loop] [-n COUNT] [-s SEED] "
		    "[-e EXPECT.json] [--pcapng] [--wire] [--exclude NAME]... catalog|bulk OUT\n");
}

__attribute__((format(printf, 1, 2))) static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkpcap: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return 2;
}

/* Whole decimal number in [0, max]. Returns 0 or -EINVAL. */
static int parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A temporary file next to `path`, for an atomic rename. Returns a stream or NULL (errno). */
static FILE *tmp_open(const char *path, char *tmp, size_t tmplen)
{
	FILE *f;
	int fd;

	if ((size_t)snprintf(tmp, tmplen, "%s.XXXXXX", path) >= tmplen) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		return NULL;
	/* mkstemp creates 0600; give the file the mode a plain fopen() would. */
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "wb"))) {
		int err = errno;

		close(fd);
		unlink(tmp);
		errno = err;
		return NULL;
	}
	return f;
}

static void ng_block(FILE *f, uint32_t type, const void *body, uint32_t len)
{
	static const uint8_t zero[4];
	uint32_t padded = (len + 3) & ~3u, total = 12 + padded;

	fwrite(&type, 4, 1, f);
	fwrite(&total, 4, 1, f);
	fwrite(body, 1, len, f);
	fwrite(zero, 1, padded - len, f);
	fwrite(&total, 4, 1, f);
}

/* pcapng Section Header Block and one Interface Description Block, host byte order. */
static void ng_header(FILE *f, uint16_t linktype)
{
	uint8_t shb[16], idb[8];
	uint32_t magic = 0x1a2b3c4d, snaplen = SNAPLEN;
	uint16_t major = 1, minor = 0, reserved = 0;
	int64_t section_len = -1; /* not given */

	memcpy(shb, &magic, 4);
	memcpy(shb + 4, &major, 2);
	memcpy(shb + 6, &minor, 2);
	memcpy(shb + 8, &section_len, 8);
	ng_block(f, 0x0a0d0d0a, shb, sizeof(shb));
	memcpy(idb, &linktype, 2);
	memcpy(idb + 2, &reserved, 2);
	memcpy(idb + 4, &snaplen, 4);
	ng_block(f, 0x00000001, idb, sizeof(idb));
}

/*
 * Re-encapsulate an Ethernet frame for another link type: the link header is replaced, the
 * network header and what follows are kept. Returns the new length, or 0 when the link type
 * cannot carry the frame (no whole Ethernet header; not IP on raw/null/loop).
 */
static uint32_t encap(int dlt, const struct tframe *f, uint8_t *out)
{
	uint16_t type;
	uint32_t fam;

	if (dlt == DLT_EN10MB) {
		memcpy(out, f->data, f->len);
		return f->len;
	}
	if (f->len < 14)
		return 0;
	type = (uint16_t)(f->data[12] << 8 | f->data[13]);
	switch (dlt) {
	case DLT_LINUX_SLL: /* packet type, ARPHRD, address length, address, protocol */
		if (type < 0x0600)
			type = 0x0004; /* ETH_P_802_2: an 802.3 frame with an LLC header */
		memset(out, 0, 16);
		out[1] = 0; /* PACKET_HOST */
		out[3] = 1; /* ARPHRD_ETHER */
		out[5] = 6;
		memcpy(out + 6, f->data + 6, 6);
		out[14] = (uint8_t)(type >> 8);
		out[15] = (uint8_t)type;
		memcpy(out + 16, f->data + 14, f->len - 14);
		return f->len + 2;
	case DLT_LINUX_SLL2: /* protocol, reserved, ifindex, ARPHRD, packet type, address */
		if (type < 0x0600)
			type = 0x0004;
		memset(out, 0, 20);
		out[0] = (uint8_t)(type >> 8);
		out[1] = (uint8_t)type;
		out[7] = 1;  /* ifindex 1 */
		out[9] = 1;  /* ARPHRD_ETHER */
		out[10] = 0; /* PACKET_HOST */
		out[11] = 6;
		memcpy(out + 12, f->data + 6, 6);
		memcpy(out + 20, f->data + 14, f->len - 14);
		return f->len + 6;
	case DLT_RAW:
		/* Raw IP says nothing but the version nibble: it must agree with the EtherType. */
		if ((type != 0x0800 && type != 0x86dd) || f->len < 15 ||
		    (f->data[14] >> 4) != (type == 0x0800 ? 4 : 6))
			return 0;
		memcpy(out, f->data + 14, f->len - 14);
		return f->len - 14;
	case DLT_NULL:
	case DLT_LOOP:
		/* AF_INET is 2 everywhere; AF_INET6 24 as on NetBSD and OpenBSD (DLT_LOOP's home). */
		if (type != 0x0800 && type != 0x86dd)
			return 0;
		fam = type == 0x0800 ? 2 : 24;
		if (dlt == DLT_NULL)
			memcpy(out, &fam, 4); /* host byte order of the writer */
		else
			out[0] = 0, out[1] = 0, out[2] = 0, out[3] = (uint8_t)fam;
		memcpy(out + 4, f->data + 14, f->len - 14);
		return f->len - 14 + 4;
	}
	return 0;
}

/* Write one frame (if the link type can carry it) and add its declared classes. */
static void emit(struct out *o, const struct tframe *f)
{
	uint8_t buf[TFRAME_MAX + ENCAP_MAX];
	uint64_t usec = TS_START_SEC * 1000000 + o->n * 1000;
	uint32_t len = encap(linktypes[o->lt].dlt, f, buf);
	struct tframe g;

	if (!len)
		return;
	/* The count is of what the file holds: its original length, link header included. */
	g = *f;
	g.len = len;
	frames_expect_add(&o->expect, &g);
	if (o->pcapng) {
		uint8_t body[20 + TFRAME_MAX + ENCAP_MAX];
		uint32_t epb[5] = {0, (uint32_t)(usec >> 32), (uint32_t)usec, len, len};

		memcpy(body, epb, sizeof(epb));
		memcpy(body + sizeof(epb), buf, len);
		ng_block(o->f, 0x00000006, body, (uint32_t)sizeof(epb) + len);
	} else {
		struct pcap_pkthdr h = {.caplen = len, .len = len};

		h.ts.tv_sec = (time_t)(usec / 1000000);
		h.ts.tv_usec = (suseconds_t)(usec % 1000000);
		pcap_dump((u_char *)o->dumper, &h, buf);
	}
	o->n++;
}

static void json_ctr(FILE *f, const char *name, const struct wl_counter *c, const char *sep)
{
	fprintf(f, "\"%s\":{\"packets\":%llu,\"bytes\":%llu}%s", name,
		(unsigned long long)c->packets, (unsigned long long)c->bytes, sep);
}

static void json_partition(FILE *f, const char *name, const struct wl_counter *c,
			   const char *const *names, int n)
{
	fprintf(f, "\"%s\":{", name);
	for (int i = 0; i < n; i++)
		json_ctr(f, names[i], &c[i], i + 1 < n ? "," : "},");
}

/* The expectation document, in mkpcap's documented shape. */
static void write_expect(FILE *f, const struct wl_stats *s)
{
	fputc('{', f);
	json_ctr(f, "totals", &s->total, ",");
	json_partition(f, "l3", (const struct wl_counter *)&s->l3, l3n, WL_L3_MAX);
	json_partition(f, "l4", (const struct wl_counter *)&s->l4, l4n, WL_L4_MAX);
	json_partition(f, "app", (const struct wl_counter *)&s->app, appn, WL_APP_MAX);
	json_ctr(f, "truncated", &s->truncated, ",");
	json_ctr(f, "malformed", &s->malformed, "}\n");
}

/* Close a stream written to `tmp` and rename it to `path`. Returns 0 or -errno. */
static int finish(FILE *f, const char *tmp, const char *path)
{
	int err = 0;

	if (fflush(f) || ferror(f))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static bool excluded(const char *name, const char *const *ex, int nex)
{
	for (int i = 0; i < nex; i++)
		if (!strcmp(name, ex[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"pcapng", no_argument, NULL, 'g'},
		{"wire", no_argument, NULL, 'w'},
		{"exclude", required_argument, NULL, 'x'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *expect = NULL, *set, *path, *exclude[MAX_EXCLUDE];
	unsigned long long count = 1000, seed = 1;
	char tmp[4096], etmp[4096];
	struct out o = {.lt = 0};
	FILE *ef = NULL;
	bool wire = false;
	int c, nex = 0, err;

	while ((c = getopt_long(argc, argv, "l:n:s:e:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.lt = -1;
			for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
				if (!strcmp(optarg, linktypes[i].name))
					o.lt = (int)i;
			if (o.lt < 0)
				return bad_usage("unknown link type '%s'", optarg);
			break;
		case 'n':
			if (parse_num(optarg, UINT32_MAX, &count))
				return bad_usage("-n needs a count from 0 to 4294967295, not '%s'",
						 optarg);
			break;
		case 's':
			if (parse_num(optarg, UINT32_MAX, &seed))
				return bad_usage("-s needs a seed from 0 to 4294967295, not '%s'",
						 optarg);
			break;
		case 'e':
			expect = optarg;
			break;
		case 'g':
			o.pcapng = true;
			break;
		case 'w':
			wire = true;
			break;
		case 'x':
			/* "none" excludes nothing; any other name must be a catalogue frame. */
			if (strcmp(optarg, "none") && !frames_find(optarg))
				return bad_usage("--exclude: no catalogue frame '%s'", optarg);
			if (nex == MAX_EXCLUDE)
				return bad_usage("--exclude: more than 16 names at '%s'", optarg);
			exclude[nex++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2)
		return bad_usage("%s", argc - optind < 2 ? "SET and OUT are required"
							 : "too many arguments");
	set = argv[optind];
	path = argv[optind + 1];
	if (strcmp(set, "catalog") && strcmp(set, "bulk"))
		return bad_usage("unknown set '%s' (catalog or bulk)", set);

	o.f = tmp_open(path, tmp, sizeof(tmp));
	if (!o.f) {
		fprintf(stderr, "mkpcap: cannot create a file next to %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	if (o.pcapng) {
		ng_header(o.f, linktypes[o.lt].linktype);
	} else {
		o.dead = pcap_open_dead(linktypes[o.lt].dlt, SNAPLEN);
		o.dumper = o.dead ? pcap_dump_fopen(o.dead, o.f) : NULL;
		if (!o.dumper) {
			fprintf(stderr, "mkpcap: cannot write %s: %s\n", tmp,
				o.dead ? pcap_geterr(o.dead) : "pcap_open_dead failed");
			fclose(o.f);
			unlink(tmp);
			if (o.dead)
				pcap_close(o.dead);
			return 1;
		}
	}

	if (!strcmp(set, "catalog")) {
		const struct tframe *fr;
		int n = frames_catalog(&fr);

		if (n < 0) {
			fprintf(stderr, "mkpcap: frame catalogue: %s\n", strerror(-n));
			n = 0;
		}
		for (int i = 0; i < n; i++)
			if ((!wire || fr[i].wire_safe) && !excluded(fr[i].name, exclude, nex))
				emit(&o, &fr[i]);
	} else {
		static struct tframe f;

		for (unsigned long long i = 0; i < count; i++) {
			frames_bulk((uint32_t)i, (uint32_t)seed, &f);
			if (!wire || f.wire_safe)
				emit(&o, &f);
		}
	}

	/* The dumper writes to o.f; finish() flushes, checks and closes it (not pcap_dump_close). */
	err = finish(o.f, tmp, path);
	if (o.dead)
		pcap_close(o.dead);
	if (err) {
		fprintf(stderr, "mkpcap: cannot write %s: %s\n", path, strerror(-err));
		return 1;
	}
	if (expect) {
		ef = tmp_open(expect, etmp, sizeof(etmp));
		err = ef ? 0 : -errno;
		if (ef) {
			write_expect(ef, &o.expect);
			err = finish(ef, etmp, expect);
		}
		if (err) {
			fprintf(stderr, "mkpcap: cannot write %s: %s\n", expect, strerror(-err));
			return 1;
		}
	}
	return 0;
}
