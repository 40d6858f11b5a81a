/* SPDX-License-Identifier: MIT */
/* The live one-line status and the offline progress bar on a terminal's stderr. */
#ifndef WL_STATUS_H
#define WL_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

/* True when stderr is a terminal (status output is drawn only then). */
bool status_enabled(void);

/* Redraw the live status line: packets, bytes, pps, bit/s, backend. */
void status_live(const struct wl_snapshot *snap);

/* Redraw the progress bar of a file being read. */
void status_progress(uint64_t pos, uint64_t size, uint64_t packets);

/* Erase the status line so that the next output starts on a clean line. */
void status_clear(void);

#endif
