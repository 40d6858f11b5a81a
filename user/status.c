// SPDX-License-Identifier: MIT
/* The live one-line status and the offline progress bar, drawn on a terminal's stderr. */
#include "status.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "util.h"

static bool status_drawn;

bool status_enabled(void)
{
	return isatty(STDERR_FILENO);
}

void status_live(const struct wl_snapshot *snap)
{
	char bytes[32], pps[32], bps[32];

	util_fmt_si(bytes, sizeof(bytes), (double)snap->all.total.bytes, "B");
	util_fmt_si(pps, sizeof(pps), snap->rates.pps, "pkt/s");
	util_fmt_si(bps, sizeof(bps), snap->rates.bps, "bit/s");
	fprintf(stderr, "\r\033[K%s %s: %llu packets, %s, %s, %s",
		snap->source.backend ? snap->source.backend : "", snap->source.ifname,
		U64(snap->all.total.packets), bytes, pps, bps);
	if (snap->filter_expr)
		fprintf(stderr, " (matched; %llu seen)", U64(snap->all.seen.packets));
	fflush(stderr);
	status_drawn = true;
}

void status_progress(uint64_t pos, uint64_t size, uint64_t packets)
{
	char bar[41];
	int pct, fill;

	if (!size)
		return;
	pct = pos >= size ? 100 : (int)(pos * 100 / size);
	fill = pct * 40 / 100;
	for (int i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[40] = '\0';
	fprintf(stderr, "\r\033[K[%s] %3d%% %llu packets", bar, pct, U64(packets));
	fflush(stderr);
	status_drawn = true;
}

void status_clear(void)
{
	if (!status_drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	status_drawn = false;
}
