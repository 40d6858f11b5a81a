// SPDX-License-Identifier: MIT
/* Rates from successive samples of monotonic counters; the kernel's counters are never reset. */
#include "poller.h"

void poller_sample(struct poller *pl, struct wl_snapshot *snap, uint64_t now_ns)
{
	const struct wl_counter *t = &snap->all.total;
	struct wl_rates *r = &snap->rates;
	double dt;

	if (!pl->started) {
		pl->started = true;
		pl->start_ns = pl->prev_ns = now_ns;
		pl->start = pl->prev = *t;
		return;
	}
	dt = (double)(now_ns - pl->prev_ns) / 1e9;
	if (dt < 0.05)
		return; /* too short an interval for a meaningful rate */
	r->pps = (double)(t->packets - pl->prev.packets) / dt;
	r->bps = (double)(t->bytes - pl->prev.bytes) * 8 / dt;
	if (r->pps > r->peak_pps)
		r->peak_pps = r->pps;
	if (r->bps > r->peak_bps)
		r->peak_bps = r->bps;
	snap->duration_s = (double)(now_ns - pl->start_ns) / 1e9;
	if (snap->duration_s > 0) {
		r->avg_pps = (double)(t->packets - pl->start.packets) / snap->duration_s;
		r->avg_bps = (double)(t->bytes - pl->start.bytes) * 8 / snap->duration_s;
	}
	pl->prev_ns = now_ns;
	pl->prev = *t;
}
