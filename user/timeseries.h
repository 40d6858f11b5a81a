/* SPDX-License-Identifier: MIT */
/* Bandwidth over time: per-second buckets for an hour, per-minute buckets for a day, spikes. */
#ifndef WL_TIMESERIES_H
#define WL_TIMESERIES_H

#include <stdbool.h>
#include <stdint.h>

#include "wirelens.h"

#define TS_SECONDS	   3600
#define TS_MINUTES	   1440
#define TS_MAX_SPIKES	   64
#define TS_BASELINE_SECS   60	/* trailing window the spike baseline is averaged over */
#define TS_BASELINE_MIN	   10	/* seconds of history needed before spikes are flagged */
#define TS_SPIKE_MIN_BYTES 8000 /* a second below 64 kbit/s is never a spike */

struct ts_bucket {
	uint64_t t; /* start of the bucket, Unix seconds; 0: empty */
	struct wl_counter total;
	struct wl_counter l4[WL_L4_MAX];
	struct wl_counter app[WL_APP_MAX];
	bool spike;
};

struct ts_spike {
	uint64_t t;
	uint64_t bytes, baseline_bytes; /* that second, and the trailing mean per second */
};

struct timeseries {
	struct ts_bucket sec[TS_SECONDS];
	struct ts_bucket min[TS_MINUTES];
	uint64_t first;	     /* oldest second seen; 0: nothing yet */
	uint64_t last;	     /* newest second seen; 0: nothing yet */
	double spike_factor; /* a second above factor x baseline is a spike */
	struct ts_spike spikes[TS_MAX_SPIKES];
	uint64_t nspikes; /* all spikes seen; the last TS_MAX_SPIKES are kept */
	uint64_t late;	  /* frames older than the per-second window (out-of-order files) */
};

/* Allocate a series. Returns NULL (errno ENOMEM) on failure. */
struct timeseries *timeseries_new(double spike_factor);
void timeseries_free(struct timeseries *ts);
/* Empty the series, as new (a series is some 700 KB: cheaper to clear than to allocate). */
void timeseries_reset(struct timeseries *ts);

/* Add one frame (pcap path) or a delta (kernel path: from per-poll differences) at second t. */
void timeseries_add(struct timeseries *ts, uint64_t t, unsigned int l4, unsigned int app,
		    uint64_t packets, uint64_t bytes);
void timeseries_add_stats(struct timeseries *ts, uint64_t t, const struct wl_stats *delta);

/* Close every second up to (not including) t: runs spike detection on them. */
void timeseries_advance(struct timeseries *ts, uint64_t t);

#endif
