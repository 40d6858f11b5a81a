/* SPDX-License-Identifier: MIT */
/* JSON rendering of the snapshot, with 64-bit counters as exact integers. */
#ifndef WL_JSON_H
#define WL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "snapshot.h"
#include "talkers.h"
#include "timeseries.h"

/* A JSON number node holding v exactly (cJSON's own numbers are doubles). NULL on ENOMEM. */
cJSON *json_u64(uint64_t v);

/* name: a number with three decimals; a wall-clock time (ISO 8601, UTC); an address. */
int json_add_real(cJSON *obj, const char *name, double v);
int json_add_time(cJSON *obj, const char *name, uint64_t real_ns);
int json_add_addr(cJSON *obj, const char *name, const uint8_t *addr, uint8_t family);

struct tcp_health;
struct flow_entry;
struct analysis;

/* json_analysis.c: latency, TCP health and anomalies. */
int json_add_tcp_health(cJSON *obj, const char *name, const struct tcp_health *h);
/* A flow's "tcp" ({a_to_b, b_to_a}) and "rtt" (when measured). */
int json_add_flow_tcp(cJSON *obj, const struct flow_entry *f);
/* "latency", "tcp" and "anomalies" of the snapshot. */
int json_add_analysis(cJSON *root, const struct wl_snapshot *snap, unsigned int top);
cJSON *json_latency(const struct wl_snapshot *snap, unsigned int top);
cJSON *json_tcp(const struct analysis *an);
cJSON *json_anomalies(const struct wl_snapshot *snap);

/* Add name: v to obj. Returns 0 or -ENOMEM. */
int json_add_u64(cJSON *obj, const char *name, uint64_t v);

/* Render the snapshot as an indented JSON document. Returns malloc'd text or NULL (ENOMEM). */
char *json_render_snapshot(const struct wl_snapshot *snap);

/* root.source: where the counts come from. 0 or -ENOMEM. */
int json_add_source(cJSON *root, const struct wl_source *src);

/* The snapshot as a cJSON tree (for callers that add to it). NULL on ENOMEM. */
cJSON *json_snapshot(const struct wl_snapshot *snap);

/* The same with `top` entries per talkers list, and without the bandwidth series if !series. */
cJSON *json_snapshot_ex(const struct wl_snapshot *snap, unsigned int top, bool series);

enum json_talkers_kind {
	JSON_TALKERS_HOSTS,
	JSON_TALKERS_PAIRS,
	JSON_TALKERS_FLOWS,
};

/* obj[key]: the top `limit` hosts, pairs or flows, as in the snapshot. 0 or -ENOMEM. */
int json_add_talkers_list(cJSON *obj, const char *key, const struct talkers *t,
			  enum json_talkers_kind kind, enum talkers_sort by, enum talkers_dir dir,
			  unsigned int limit);

/* The bandwidth series of the last `window` seconds (per minute beyond an hour), and rates. */
cJSON *json_timeseries(const struct wl_snapshot *snap, uint64_t window);

/* One time-series bucket: {"t", "packets", "bytes", "l4", "app"}. NULL on ENOMEM. */
cJSON *json_point(const struct ts_bucket *b);

struct packets;
struct wl_record;

/* One packet record (docs/fields.md). NULL on ENOMEM. */
cJSON *json_record(const struct wl_record *r);

/* The newest `limit` kept packet records, oldest first, as a JSON array. NULL on ENOMEM. */
cJSON *json_records(const struct packets *p, size_t limit);

/* Wall-clock time with nanoseconds in ISO 8601 (UTC). */
void json_time_ns(uint64_t real_ns, char *buf, size_t size);

/*
 * A JSON Merge Patch (RFC 7386) that turns `from` into `to`: objects recurse, members gone
 * from `to` become null, anything else that differs is copied whole. NULL when they are
 * equal (and *err 0) or on ENOMEM (*err -ENOMEM).
 */
cJSON *json_merge_patch(const cJSON *from, const cJSON *to, int *err);

#endif
