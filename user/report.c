// SPDX-License-Identifier: MIT
/*
 * The human-readable summary printed at exit: totals and bandwidth, the protocol tables with
 * percentages, the top hosts in and out and the top conversations.
 */
#include "report.h"

#include <arpa/inet.h>
#include <inttypes.h>

#include "names.h"
#include "talkers.h"
#include "util.h"

#define REPORT_TOP 10

static void report_partition(FILE *f, const char *title, const struct wl_counter *ctr,
			     const char *const *names, int n, const struct wl_counter *total,
			     bool skip_empty)
{
	fprintf(f, "\n%-10s %14s %7s %16s %7s\n", title, "packets", "%", "bytes", "%");
	for (int i = 0; i < n; i++) {
		if (skip_empty && !ctr[i].packets)
			continue;
		double pp = total->packets ? 100.0 * ctr[i].packets / total->packets : 0;
		double pb = total->bytes ? 100.0 * ctr[i].bytes / total->bytes : 0;

		fprintf(f, "%-10s %14llu %6.2f%% %16llu %6.2f%%\n", names[i], U64(ctr[i].packets),
			pp, U64(ctr[i].bytes), pb);
	}
}

static const char *report_addr(const uint8_t *addr, uint8_t family, char *buf, size_t len)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static void report_hosts(FILE *f, const struct talkers *t, enum talkers_dir dir, const char *title)
{
	const struct host_entry *top[REPORT_TOP];
	size_t n = talkers_top_hosts(t, TALKERS_BY_BYTES, dir, top, REPORT_TOP);
	char a[INET6_ADDRSTRLEN], tx[32], rx[32];

	if (!n)
		return;
	fprintf(f, "\n%s\n%-40s %14s %14s %10s %10s\n", title, "host", "tx bytes", "rx bytes",
		"tx pkts", "rx pkts");
	for (size_t i = 0; i < n; i++) {
		util_fmt_si(tx, sizeof(tx), (double)top[i]->tx.bytes, "B");
		util_fmt_si(rx, sizeof(rx), (double)top[i]->rx.bytes, "B");
		fprintf(f, "%-40s %14s %14s %10llu %10llu\n",
			report_addr(top[i]->key.addr, top[i]->key.family, a, sizeof(a)), tx, rx,
			U64(top[i]->tx.packets), U64(top[i]->rx.packets));
	}
}

static void report_talkers(FILE *f, const struct talkers *t, bool live)
{
	const struct pair_entry *top[REPORT_TOP];
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], ab[32], ba[32];
	size_t n;

	if (live) {
		report_hosts(f, t, TALKERS_DIR_IN, "top hosts, incoming traffic");
		report_hosts(f, t, TALKERS_DIR_OUT, "top hosts, outgoing traffic");
	} else {
		report_hosts(f, t, TALKERS_DIR_ALL, "top hosts");
	}
	n = talkers_top_pairs(t, TALKERS_BY_BYTES, TALKERS_DIR_ALL, top, REPORT_TOP);
	if (!n)
		return;
	fprintf(f, "\ntop conversations\n%-40s %-40s %12s %12s\n", "a", "b", "a->b", "b->a");
	for (size_t i = 0; i < n; i++) {
		util_fmt_si(ab, sizeof(ab), (double)top[i]->ab.bytes, "B");
		util_fmt_si(ba, sizeof(ba), (double)top[i]->ba.bytes, "B");
		fprintf(f, "%-40s %-40s %12s %12s\n",
			report_addr(top[i]->key.a, top[i]->key.family, a, sizeof(a)),
			report_addr(top[i]->key.b, top[i]->key.family, b, sizeof(b)), ab, ba);
	}
}

void report_print(FILE *f, const struct wl_snapshot *snap)
{
	const struct wl_counter *t = &snap->all.total;
	char avg[32], peak[32];

	if (snap->source.kind == WL_SOURCE_FILE)
		fprintf(f, "%s: ", snap->source.file);
	else
		fprintf(f, "%s (%s): ", snap->source.ifname, snap->source.backend);
	fprintf(f, "%llu packets, %llu bytes in %.3f s\n", U64(t->packets), U64(t->bytes),
		snap->duration_s);
	if (snap->filter_expr)
		fprintf(f, "filter '%s': %llu of %llu frames matched (%llu of %llu bytes)\n",
			snap->filter_expr, U64(t->packets), U64(snap->all.seen.packets),
			U64(t->bytes), U64(snap->all.seen.bytes));
	util_fmt_si(avg, sizeof(avg), snap->rates.avg_bps, "bit/s");
	util_fmt_si(peak, sizeof(peak), snap->rates.peak_bps, "bit/s");
	fprintf(f, "average %s, peak %s (1 s)\n", avg, peak);
	if (snap->source.kind == WL_SOURCE_LIVE)
		fprintf(f,
			"in: %llu packets, %llu bytes; out: %llu"
			" packets, %llu bytes\n",
			U64(snap->dir[WL_DIR_IN].total.packets),
			U64(snap->dir[WL_DIR_IN].total.bytes),
			U64(snap->dir[WL_DIR_OUT].total.packets),
			U64(snap->dir[WL_DIR_OUT].total.bytes));
	report_partition(f, "l3", (const struct wl_counter *)&snap->all.l3, wl_l3_names, WL_L3_MAX,
			 t, false);
	report_partition(f, "l4", (const struct wl_counter *)&snap->all.l4, wl_l4_names, WL_L4_MAX,
			 t, false);
	report_partition(f, "app", (const struct wl_counter *)&snap->all.app, wl_app_names,
			 WL_APP_MAX, t, true);
	if (snap->talkers)
		report_talkers(f, snap->talkers, snap->source.kind == WL_SOURCE_LIVE);
	if (snap->all.truncated.packets || snap->all.malformed.packets)
		fprintf(f, "\nparse errors: %llu truncated, %llu malformed frames\n",
			U64(snap->all.truncated.packets), U64(snap->all.malformed.packets));
	if (snap->samples.received || snap->samples.lost || snap->samples.limited)
		fprintf(f,
			"\npacket records: %llu received, %llu lost (ring buffer full), %llu over "
			"--max-samples-per-sec; %llu kept, %llu written to -w files\n",
			U64(snap->samples.received), U64(snap->samples.lost),
			U64(snap->samples.limited), U64(snap->samples.kept),
			U64(snap->samples.written));
	if (snap->drops.pcap_kernel || snap->drops.pcap_ifdrop)
		fprintf(f,
			"\ndropped before counting: %llu by the kernel buffer, %llu"
			" by the interface\n",
			U64(snap->drops.pcap_kernel), U64(snap->drops.pcap_ifdrop));
}
