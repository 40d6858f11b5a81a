/* SPDX-License-Identifier: MIT */
/*
 * Round-trip times from the connection analysis: overall per method (all-time count, sum,
 * extremes and Prometheus buckets; exact percentiles of the recent samples), and per remote
 * host (percentiles of its recent samples).
 */
#ifndef WL_LATENCY_H
#define WL_LATENCY_H

#include <stdint.h>

#include "table.h"
#include "wirelens.h"

/* Prometheus buckets (upper bounds in ms) of the histogram charts and /metrics. */
#define LAT_LE_COUNT 16
extern const double lat_le_ms[LAT_LE_COUNT];

/* Exact samples kept per method overall: percentiles are those of the last LAT_RECENT. */
#define LAT_RECENT 4096

struct lat_hist {
	uint64_t count; /* samples ever */
	uint64_t sum_us;
	uint32_t min_us, max_us;
	uint64_t le[LAT_LE_COUNT + 1]; /* per Prometheus bucket, not cumulative; last: above */
	uint32_t recent[LAT_RECENT];
};

/* The most recent samples of one host and method: percentiles over a sliding set. */
#define LAT_HOST_RING 64

struct lat_ring {
	uint64_t count; /* samples ever */
	uint32_t min_us, max_us;
	uint32_t v[LAT_HOST_RING];
};

struct lat_host_key {
	uint8_t addr[16];
	uint8_t family;
	uint8_t pad[7];
};

struct lat_host {
	struct lat_host_key key;
	uint64_t last_ns;
	struct lat_ring m[WL_RTT_METHODS];
};

#define LAT_MAX_HOSTS 4096

struct latency {
	struct lat_hist m[WL_RTT_METHODS];
	struct table hosts;
	uint64_t hosts_dropped; /* hosts forgotten to make room */
};

/* Percentiles and extremes, in milliseconds. */
struct lat_summary {
	uint64_t samples;
	double min_ms, mean_ms, p50_ms, p90_ms, p99_ms, max_ms;
};

int latency_init(struct latency *l);
void latency_free(struct latency *l);

/* One RTT event (type WL_EV_RTT) at wall-clock real_ns. */
void latency_add(struct latency *l, const struct wl_event *e, uint64_t real_ns);

const char *latency_method_name(unsigned int method);

void lat_hist_summary(const struct lat_hist *h, struct lat_summary *s);
void lat_ring_summary(const struct lat_ring *r, struct lat_summary *s);
/* All methods of a host together. */
void lat_host_summary(const struct lat_host *h, struct lat_summary *s);

/* The `limit` slowest hosts (by median RTT) into out[]. Returns how many. */
size_t latency_slowest(const struct latency *l, const struct lat_host **out, size_t limit);

#endif
