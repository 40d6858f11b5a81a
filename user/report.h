/* SPDX-License-Identifier: MIT */
/* The human-readable summary printed at exit when --json is not given. */
#ifndef WL_REPORT_H
#define WL_REPORT_H

#include <stdio.h>

#include "snapshot.h"

void report_print(FILE *f, const struct wl_snapshot *snap);

#endif
