// SPDX-License-Identifier: MIT
/*
 * Round-trip times. Overall, each method keeps its all-time count, sum, extremes and
 * Prometheus bucket counts, and its last LAT_RECENT samples for exact percentiles; each remote
 * host keeps its last LAT_HOST_RING samples per method. Percentiles follow what the network
 * does now, not an average over days. Hosts are bounded: when the table is
 * full, the least recently measured eighth is forgotten.
 */
#include "latency.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const double lat_le_ms[LAT_LE_COUNT] = {0.1, 0.25, 0.5, 1,   2.5,  5,	 10,   25,
					50,  100,  250, 500, 1000, 2500, 5000, 10000};

static const char *const method_names[WL_RTT_METHODS] = {"handshake", "timestamp", "icmp"};

const char *latency_method_name(unsigned int method)
{
	return method < WL_RTT_METHODS ? method_names[method] : "unknown";
}

int latency_init(struct latency *l)
{
	memset(l, 0, sizeof(*l));
	return table_init(&l->hosts, sizeof(struct lat_host_key), sizeof(struct lat_host),
			  LAT_MAX_HOSTS);
}

void latency_free(struct latency *l)
{
	if (l)
		table_free(&l->hosts);
}

static void hist_add(struct lat_hist *h, uint32_t us)
{
	unsigned int i;

	if (!h->count || us < h->min_us)
		h->min_us = us;
	if (us > h->max_us)
		h->max_us = us;
	h->recent[h->count % LAT_RECENT] = us;
	h->count++;
	h->sum_us += us;
	for (i = 0; i < LAT_LE_COUNT && (double)us > lat_le_ms[i] * 1000; i++)
		;
	h->le[i]++;
}

static void ring_add(struct lat_ring *r, uint32_t us)
{
	if (!r->count || us < r->min_us)
		r->min_us = us;
	if (us > r->max_us)
		r->max_us = us;
	r->v[r->count % LAT_HOST_RING] = us;
	r->count++;
}

static bool host_is_old(void *entry, void *ctx)
{
	return ((struct lat_host *)entry)->last_ns <= *(uint64_t *)ctx;
}

/* Make room: forget the least recently measured eighth of the hosts. */
static void hosts_trim(struct latency *l)
{
	size_t n = l->hosts.count;
	uint64_t cut;

	if (table_eighth_cut(&l->hosts, offsetof(struct lat_host, last_ns), &cut))
		return;
	table_remove_if(&l->hosts, host_is_old, &cut);
	l->hosts_dropped += n - l->hosts.count;
}

void latency_add(struct latency *l, const struct wl_event *e, uint64_t real_ns)
{
	struct lat_host_key k;
	struct lat_host *h;
	uint64_t us64 = e->value / 1000;
	uint32_t us = us64 > UINT32_MAX ? UINT32_MAX : (uint32_t)us64;
	bool created;

	if (e->kind >= WL_RTT_METHODS)
		return;
	hist_add(&l->m[e->kind], us);
	memset(&k, 0, sizeof(k));
	memcpy(k.addr, e->src, 16);
	k.family = e->family;
	h = table_upsert(&l->hosts, &k, &created);
	if (!h && l->hosts.count) {
		hosts_trim(l);
		h = table_upsert(&l->hosts, &k, &created);
	}
	if (!h)
		return;
	h->last_ns = real_ns;
	ring_add(&h->m[e->kind], us);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values. */
static double rank_of(const uint32_t *v, size_t n, double p)
{
	size_t r = (size_t)(p * (double)n + 0.999999);

	if (r < 1)
		r = 1;
	return v[(r > n ? n : r) - 1] / 1000.0;
}

static void sorted_summary(uint32_t *v, size_t n, uint64_t count, uint32_t min_us, uint32_t max_us,
			   struct lat_summary *s)
{
	uint64_t sum = 0;

	memset(s, 0, sizeof(*s));
	s->samples = count;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), u32_cmp);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->min_ms = min_us / 1000.0;
	s->max_ms = max_us / 1000.0;
	s->mean_ms = (double)sum / (double)n / 1000.0;
	s->p50_ms = rank_of(v, n, 0.50);
	s->p90_ms = rank_of(v, n, 0.90);
	s->p99_ms = rank_of(v, n, 0.99);
}

void lat_hist_summary(const struct lat_hist *h, struct lat_summary *s)
{
	size_t n = h->count < LAT_RECENT ? (size_t)h->count : LAT_RECENT;
	uint32_t *v = malloc(LAT_RECENT * sizeof(*v));

	if (!v) {
		memset(s, 0, sizeof(*s));
		return;
	}
	memcpy(v, h->recent, n * sizeof(*v));
	sorted_summary(v, n, h->count, h->min_us, h->max_us, s);
	/* The mean of every sample, not only the recent ones. */
	if (h->count)
		s->mean_ms = (double)h->sum_us / (double)h->count / 1000.0;
	free(v);
}

void lat_ring_summary(const struct lat_ring *r, struct lat_summary *s)
{
	uint32_t v[LAT_HOST_RING];
	size_t n = r->count < LAT_HOST_RING ? (size_t)r->count : LAT_HOST_RING;

	memcpy(v, r->v, n * sizeof(*v));
	sorted_summary(v, n, r->count, r->min_us, r->max_us, s);
}

void lat_host_summary(const struct lat_host *h, struct lat_summary *s)
{
	uint32_t v[LAT_HOST_RING * WL_RTT_METHODS];
	uint32_t min_us = UINT32_MAX, max_us = 0;
	uint64_t count = 0;
	size_t n = 0;

	for (unsigned int m = 0; m < WL_RTT_METHODS; m++) {
		const struct lat_ring *r = &h->m[m];
		size_t k = r->count < LAT_HOST_RING ? (size_t)r->count : LAT_HOST_RING;

		if (!r->count)
			continue;
		memcpy(v + n, r->v, k * sizeof(*v));
		n += k;
		count += r->count;
		if (r->min_us < min_us)
			min_us = r->min_us;
		if (r->max_us > max_us)
			max_us = r->max_us;
	}
	sorted_summary(v, n, count, min_us, max_us, s);
}

struct slow_rank {
	const struct lat_host *h;
	double p50;
};

static int slow_cmp(const void *a, const void *b)
{
	const struct slow_rank *x = a, *y = b;

	if (x->p50 != y->p50)
		return x->p50 < y->p50 ? 1 : -1;
	return memcmp(&x->h->key, &y->h->key, sizeof(x->h->key));
}

size_t latency_slowest(const struct latency *l, const struct lat_host **out, size_t limit)
{
	struct slow_rank *r;
	struct lat_host *h;
	size_t pos = 0, n = 0;

	if (!l->hosts.count || !limit)
		return 0;
	r = malloc(l->hosts.count * sizeof(*r));
	if (!r)
		return 0;
	while ((h = table_next(&l->hosts, &pos))) {
		struct lat_summary s;

		lat_host_summary(h, &s);
		r[n].h = h;
		r[n++].p50 = s.p50_ms;
	}
	qsort(r, n, sizeof(*r), slow_cmp);
	if (n > limit)
		n = limit;
	for (size_t i = 0; i < n; i++)
		out[i] = r[i].h;
	free(r);
	return n;
}
