// SPDX-License-Identifier: MIT
/*
 * Bandwidth over time. Buckets are rings indexed by time modulo their length; a bucket whose
 * start differs from the time being added is stale and is reset. When a second closes, its
 * bytes are compared with the mean of the TS_BASELINE_SECS seconds before it: above
 * spike_factor times that mean (and above TS_SPIKE_MIN_BYTES) the second is a spike.
 */
#include "timeseries.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct timeseries *timeseries_new(double spike_factor)
{
	struct timeseries *ts = calloc(1, sizeof(*ts));

	if (!ts) {
		errno = ENOMEM;
		return NULL;
	}
	ts->spike_factor = spike_factor;
	return ts;
}

void timeseries_reset(struct timeseries *ts)
{
	double spike_factor = ts->spike_factor;

	memset(ts, 0, sizeof(*ts));
	ts->spike_factor = spike_factor;
}

void timeseries_free(struct timeseries *ts)
{
	free(ts);
}

static struct ts_bucket *ts_slot(struct ts_bucket *ring, unsigned int n, uint64_t start)
{
	struct ts_bucket *b = &ring[(start / (n == TS_SECONDS ? 1 : 60)) % n];

	if (b->t != start) {
		memset(b, 0, sizeof(*b));
		b->t = start;
	}
	return b;
}

static const struct ts_bucket *ts_get(const struct timeseries *ts, uint64_t t)
{
	const struct ts_bucket *b = &ts->sec[t % TS_SECONDS];

	return b->t == t ? b : NULL;
}

/* Spike detection for the closed second t. */
static void ts_close_second(struct timeseries *ts, uint64_t t)
{
	const struct ts_bucket *cur = ts_get(ts, t);
	uint64_t sum = 0, from;
	unsigned int have = 0;

	if (!cur || cur->total.bytes < TS_SPIKE_MIN_BYTES)
		return;
	/* The first seconds of a capture have no baseline yet. */
	if (t < ts->first + TS_BASELINE_MIN)
		return;
	from = t - ts->first > TS_BASELINE_SECS ? t - TS_BASELINE_SECS : ts->first;
	for (uint64_t s = from; s < t; s++) {
		const struct ts_bucket *b = ts_get(ts, s);

		/* An empty second is a second of silence: part of the baseline. */
		sum += b ? b->total.bytes : 0;
		have++;
	}
	if ((double)cur->total.bytes > ts->spike_factor * ((double)sum / have)) {
		struct ts_spike *sp = &ts->spikes[ts->nspikes % TS_MAX_SPIKES];

		ts->sec[t % TS_SECONDS].spike = true;
		sp->t = t;
		sp->bytes = cur->total.bytes;
		sp->baseline_bytes = sum / have;
		ts->nspikes++;
	}
}

void timeseries_advance(struct timeseries *ts, uint64_t t)
{
	uint64_t from;

	if (!ts->last || t <= ts->last)
		return;
	/* Close at most one window's worth of seconds: older ones are gone anyway. */
	from = t - ts->last > TS_SECONDS ? t - TS_SECONDS : ts->last;
	for (uint64_t s = from; s < t; s++)
		ts_close_second(ts, s);
}

static void ctr_add(struct wl_counter *c, uint64_t packets, uint64_t bytes)
{
	c->packets += packets;
	c->bytes += bytes;
}

/*
 * The second and minute buckets for time t, advancing the series (and closing seconds) when t
 * is new. Returns false for a time older than the per-second window: it is only counted late.
 */
static bool ts_buckets_at(struct timeseries *ts, uint64_t t, uint64_t packets, struct ts_bucket **s,
			  struct ts_bucket **m)
{
	if (ts->last && t + TS_SECONDS <= ts->last) {
		ts->late += packets;
		return false;
	}
	if (!ts->first || t < ts->first)
		ts->first = t;
	if (t > ts->last) {
		timeseries_advance(ts, t);
		ts->last = t;
	}
	*s = ts_slot(ts->sec, TS_SECONDS, t);
	*m = ts_slot(ts->min, TS_MINUTES, t - t % 60);
	return true;
}

void timeseries_add(struct timeseries *ts, uint64_t t, unsigned int l4, unsigned int app,
		    uint64_t packets, uint64_t bytes)
{
	struct ts_bucket *b[2];

	if (!ts_buckets_at(ts, t, packets, &b[0], &b[1]))
		return;
	if (l4 >= WL_L4_MAX)
		l4 = WL_L4_OTHER;
	if (app >= WL_APP_MAX)
		app = WL_APP_UNKNOWN;
	for (int i = 0; i < 2; i++) {
		ctr_add(&b[i]->total, packets, bytes);
		ctr_add(&b[i]->l4[l4], packets, bytes);
		ctr_add(&b[i]->app[app], packets, bytes);
	}
}

void timeseries_add_stats(struct timeseries *ts, uint64_t t, const struct wl_stats *d)
{
	const struct wl_counter *l4 = (const struct wl_counter *)&d->l4;
	const struct wl_counter *app = (const struct wl_counter *)&d->app;
	struct ts_bucket *b[2];

	if (!ts_buckets_at(ts, t, d->total.packets, &b[0], &b[1]))
		return;
	for (int i = 0; i < 2; i++) {
		ctr_add(&b[i]->total, d->total.packets, d->total.bytes);
		for (int k = 0; k < WL_L4_MAX; k++)
			ctr_add(&b[i]->l4[k], l4[k].packets, l4[k].bytes);
		for (int k = 0; k < WL_APP_MAX; k++)
			ctr_add(&b[i]->app[k], app[k].packets, app[k].bytes);
	}
}
