/* SPDX-License-Identifier: MIT */
/* Rates from successive samples of monotonic counters: current, average and peak. */
#ifndef WL_POLLER_H
#define WL_POLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

struct poller {
	uint64_t start_ns, prev_ns;
	struct wl_counter start, prev;
	bool started;
};

/*
 * Take a sample of snap->all.total at now_ns and update snap->rates and snap->duration_s.
 * The first call sets the baseline (counters continued from an earlier run are not a rate).
 */
void poller_sample(struct poller *pl, struct wl_snapshot *snap, uint64_t now_ns);

#endif
