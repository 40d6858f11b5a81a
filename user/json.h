/* SPDX-License-Identifier: MIT */
/* JSON rendering of the snapshot, with 64-bit counters as exact integers. */
#ifndef WL_JSON_H
#define WL_JSON_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "snapshot.h"

/* A JSON number node holding v exactly (cJSON's own numbers are doubles). NULL on ENOMEM. */
cJSON *json_u64(uint64_t v);

/* Add name: v to obj. Returns 0 or -ENOMEM. */
int json_add_u64(cJSON *obj, const char *name, uint64_t v);

/* Render the snapshot as an indented JSON document. Returns malloc'd text or NULL (ENOMEM). */
char *json_render_snapshot(const struct wl_snapshot *snap);

/* The snapshot as a cJSON tree (for callers that add to it). NULL on ENOMEM. */
cJSON *json_snapshot(const struct wl_snapshot *snap);

struct packets;

/* The newest `limit` kept packet records, oldest first, as a JSON array. NULL on ENOMEM. */
cJSON *json_records(const struct packets *p, size_t limit);

/* Wall-clock time with nanoseconds in ISO 8601 (UTC). */
void json_time_ns(uint64_t real_ns, char *buf, size_t size);

#endif
