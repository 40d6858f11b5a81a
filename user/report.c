// SPDX-License-Identifier: MIT
/* The human-readable summary printed at exit: totals, rates and the protocol tables. */
#include "report.h"

#include <inttypes.h>

#include "names.h"
#include "util.h"

static void report_partition(FILE *f, const char *title, const struct wl_counter *ctr,
			     const char *const *names, int n, const struct wl_counter *total)
{
	fprintf(f, "\n%-10s %14s %7s %16s %7s\n", title, "packets", "%", "bytes", "%");
	for (int i = 0; i < n; i++) {
		double pp = total->packets ? 100.0 * ctr[i].packets / total->packets : 0;
		double pb = total->bytes ? 100.0 * ctr[i].bytes / total->bytes : 0;

		fprintf(f, "%-10s %14llu %6.2f%% %16llu %6.2f%%\n", names[i], U64(ctr[i].packets),
			pp, U64(ctr[i].bytes), pb);
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
			 t);
	report_partition(f, "l4", (const struct wl_counter *)&snap->all.l4, wl_l4_names, WL_L4_MAX,
			 t);
	if (snap->all.truncated.packets || snap->all.malformed.packets)
		fprintf(f, "\nparse errors: %llu truncated, %llu malformed frames\n",
			U64(snap->all.truncated.packets), U64(snap->all.malformed.packets));
	if (snap->drops.pcap_kernel || snap->drops.pcap_ifdrop)
		fprintf(f,
			"\ndropped before counting: %llu by the kernel buffer, %llu"
			" by the interface\n",
			U64(snap->drops.pcap_kernel), U64(snap->drops.pcap_ifdrop));
}
