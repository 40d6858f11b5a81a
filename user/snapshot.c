// SPDX-License-Identifier: MIT
/* The snapshot type: helpers that keep its derived totals consistent. */
#include "snapshot.h"

#include <string.h>

void snapshot_stats_add(struct wl_stats *dst, const struct wl_stats *src)
{
	/* struct wl_stats is an array of u64 counters by construction (see wirelens.h). */
	__u64 *d = (__u64 *)dst;
	const __u64 *s = (const __u64 *)src;

	for (size_t i = 0; i < sizeof(*dst) / sizeof(__u64); i++)
		d[i] += s[i];
}

void snapshot_sum_dirs(struct wl_snapshot *snap)
{
	memset(&snap->all, 0, sizeof(snap->all));
	for (int d = 0; d < WL_DIR_MAX; d++)
		snapshot_stats_add(&snap->all, &snap->dir[d]);
}
