/* SPDX-License-Identifier: MIT */
/* /metrics: the snapshot in the Prometheus text exposition format (version 0.0.4). */
#ifndef WL_METRICS_H
#define WL_METRICS_H

#include <stdio.h>

#include "ctl.h"

/* Write the metrics of c's snapshot to f (c's lock held). Returns 0 or -errno. */
int metrics_write(FILE *f, const struct wl_ctl *c);

#endif
