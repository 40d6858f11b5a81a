// SPDX-License-Identifier: MIT
/*
 * mkpcap: write test frames to a pcap (or pcapng) file, and the counts they must produce,
 * computed from the frames' declared classes (tests/lib/frames.c), never from the parser.
 *
 *   mkpcap [-l LINKTYPE] [-n COUNT] [-s SEED] [-e EXPECT.json] [--pcapng] [--wire]
 *          [--exclude NAME] SET OUT
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "frames.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static const char *const l3n[] = {"ipv4", "ipv6", "arp", "other"};
static const char *const l4n[] = {"tcp", "udp", "icmp", "icmpv6", "other"};
static const char *const appn[WL_APP_MAX] = {
	"none", "unknown", "dns", "mdns", "llmnr", "http", "tls",  "quic", "ssh",
	"dhcp", "dhcpv6",  "ntp", "snmp", "smtp",  "imap", "pop3", "smb",  "rdp",
};

struct out {
	int linktype;
	bool pcapng;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *ng;
	uint64_t n;
	struct wl_stats expect;
};

static void usage(void)
{
	fprintf(stderr, "usage: mkpcap [-l en10mb|sll|sll2|raw|null|loop] [-n COUNT] [-s SEED] "
			"[-e EXPECT.json] [--pcapng] [--wire] [--exclude NAME] catalog|bulk OUT\n");
	exit(2);
}

static void ng_block(FILE *f, uint32_t type, const void *body, uint32_t len)
{
	uint32_t total = 12 + ((len + 3) & ~3u);
	static const uint8_t zero[4];

	fwrite(&type, 4, 1, f);
	fwrite(&total, 4, 1, f);
	fwrite(body, 1, len, f);
	fwrite(zero, 1, ((len + 3) & ~3u) - len, f);
	fwrite(&total, 4, 1, f);
}

static void ng_header(FILE *f, int linktype)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int64_t section_len;
	} __attribute__((packed)) shb = {0x1a2b3c4d, 1, 0, -1};
	struct {
		uint16_t linktype, reserved;
		uint32_t snaplen;
	} idb = {(uint16_t)linktype, 0, 65535};

	ng_block(f, 0x0a0d0d0a, &shb, sizeof(shb));
	ng_block(f, 0x00000001, &idb, sizeof(idb));
}

/* Re-encapsulate an Ethernet frame for another link type. Returns the new length or 0 (skip). */
static uint32_t encap(int lt, const struct tframe *f, uint8_t *out)
{
	uint16_t type;

	if (lt == DLT_EN10MB) {
		memcpy(out, f->data, f->len);
		return f->len;
	}
	if (f->len < 14)
		return 0;
	type = (uint16_t)(f->data[12] << 8 | f->data[13]);
	switch (lt) {
	case DLT_LINUX_SLL:
		memset(out, 0, 16);
		out[1] = 0; /* to us */
		out[3] = 1; /* ARPHRD_ETHER */
		out[5] = 6; /* address length */
		memcpy(out + 6, f->data + 6, 6);
		out[14] = (uint8_t)(type >> 8);
		out[15] = (uint8_t)type;
		memcpy(out + 16, f->data + 14, f->len - 14);
		return f->len + 2;
	case DLT_LINUX_SLL2:
		memset(out, 0, 20);
		out[0] = (uint8_t)(type >> 8);
		out[1] = (uint8_t)type;
		out[7] = 1; /* ifindex 1 */
		out[9] = 1; /* ARPHRD_ETHER */
		out[11] = 6;
		memcpy(out + 12, f->data + 6, 6);
		memcpy(out + 20, f->data + 14, f->len - 14);
		return f->len + 6;
	case DLT_RAW:
	case DLT_NULL:
	case DLT_LOOP: {
		uint32_t fam, off = lt == DLT_RAW ? 0 : 4;

		if ((type != 0x0800 && type != 0x86dd) || f->len < 15)
			return 0;
		/* Only frames whose IP header version matches: raw IP has no EtherType. */
		if ((f->data[14] >> 4) != (type == 0x0800 ? 4 : 6))
			return 0;
		fam = type == 0x0800 ? 2 : 10;
		if (lt == DLT_NULL)
			memcpy(out, &fam, 4); /* host byte order */
		else if (lt == DLT_LOOP)
			out[0] = 0, out[1] = 0, out[2] = 0, out[3] = (uint8_t)fam;
		memcpy(out + off, f->data + 14, f->len - 14);
		return f->len - 14 + off;
	}
	}
	return 0;
}

/* The class a frame has once re-encapsulated: same, except Ethernet-only cases are skipped. */
static void emit(struct out *o, const struct tframe *f)
{
	uint8_t buf[TFRAME_MAX + 16];
	struct tframe g;
	uint32_t len = encap(o->linktype, f, buf);
	uint64_t usec = 1700000000ull * 1000000 + o->n * 1000;

	if (!len)
		return;
	g = *f;
	g.len = len;
	frames_expect_add(&o->expect, &g);
	if (o->pcapng) {
		uint8_t body[20 + TFRAME_MAX + 16];
		uint32_t v[5] = {0, (uint32_t)(usec >> 32), (uint32_t)usec, len, len};

		memcpy(body, v, 20);
		memcpy(body + 20, buf, len);
		ng_block(o->ng, 0x00000006, body, 20 + len);
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

static int write_expect(const char *path, const struct wl_stats *s)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputc('{', f);
	json_ctr(f, "totals", &s->total, ",");
	fputs("\"l3\":{", f);
	for (int i = 0; i < WL_L3_MAX; i++)
		json_ctr(f, l3n[i], &((const struct wl_counter *)&s->l3)[i],
			 i + 1 < WL_L3_MAX ? "," : "},");
	fputs("\"l4\":{", f);
	for (int i = 0; i < WL_L4_MAX; i++)
		json_ctr(f, l4n[i], &((const struct wl_counter *)&s->l4)[i],
			 i + 1 < WL_L4_MAX ? "," : "},");
	fputs("\"app\":{", f);
	for (int i = 0; i < WL_APP_MAX; i++)
		json_ctr(f, appn[i], &((const struct wl_counter *)&s->app)[i],
			 i + 1 < WL_APP_MAX ? "," : "},");
	json_ctr(f, "truncated", &s->truncated, ",");
	json_ctr(f, "malformed", &s->malformed, "}\n");
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"pcapng", no_argument, NULL, 'g'},
		{"wire", no_argument, NULL, 'w'},
		{"exclude", required_argument, NULL, 'x'},
		{0},
	};
	const char *expect = NULL, *set, *path, *exclude = "";
	unsigned long count = 1000, seed = 1;
	struct out o = {.linktype = DLT_EN10MB};
	bool wire = false;
	char tmp[4096];
	int c;

	while ((c = getopt_long(argc, argv, "l:n:s:e:", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!strcmp(optarg, "en10mb"))
				o.linktype = DLT_EN10MB;
			else if (!strcmp(optarg, "sll"))
				o.linktype = DLT_LINUX_SLL;
			else if (!strcmp(optarg, "sll2"))
				o.linktype = DLT_LINUX_SLL2;
			else if (!strcmp(optarg, "raw"))
				o.linktype = DLT_RAW;
			else if (!strcmp(optarg, "null"))
				o.linktype = DLT_NULL;
			else if (!strcmp(optarg, "loop"))
				o.linktype = DLT_LOOP;
			else
				usage();
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 10);
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
			exclude = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	set = argv[optind];
	path = argv[optind + 1];
	if (strcmp(set, "catalog") && strcmp(set, "bulk"))
		usage();
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	if (o.pcapng) {
		o.ng = fopen(tmp, "wb");
		if (!o.ng) {
			perror(tmp);
			return 1;
		}
		ng_header(o.ng, o.linktype);
	} else {
		o.dead = pcap_open_dead(o.linktype, 65535);
		o.dumper = o.dead ? pcap_dump_open(o.dead, tmp) : NULL;
		if (!o.dumper) {
			fprintf(stderr, "mkpcap: cannot write %s: %s\n", tmp,
				o.dead ? pcap_geterr(o.dead) : "pcap_open_dead failed");
			return 1;
		}
	}
	if (!strcmp(set, "catalog")) {
		const struct tframe *fr;
		int n = frames_catalog(&fr);

		for (int i = 0; i < n; i++)
			if ((!wire || fr[i].len >= 14) && strcmp(fr[i].name, exclude))
				emit(&o, &fr[i]);
	} else {
		struct tframe f;

		for (unsigned long i = 0; i < count; i++) {
			frames_bulk((uint32_t)i, (uint32_t)seed, &f);
			emit(&o, &f);
		}
	}
	if (o.pcapng) {
		if (fclose(o.ng)) {
			perror(tmp);
			return 1;
		}
	} else {
		pcap_dump_close(o.dumper);
		pcap_close(o.dead);
	}
	if (rename(tmp, path)) {
		perror(path);
		return 1;
	}
	if (expect && write_expect(expect, &o.expect)) {
		perror(expect);
		return 1;
	}
	return 0;
}
