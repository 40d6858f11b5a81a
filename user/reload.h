/* SPDX-License-Identifier: MIT */
/* SIGHUP: read the configuration again and apply what can change while counting. */
#ifndef WL_RELOAD_H
#define WL_RELOAD_H

#include "config.h"
#include "ctl.h"
#include "scan.h"
#include "snapshot.h"

/* Read -F FILE (cfg->filter_file) into *out (malloc'd): comments out, blanks folded. 0 or -errno. */
int reload_filter_file(const struct wl_config *cfg, char **out);

/* The anomaly thresholds of cfg (0: the defaults). */
struct scan_cfg reload_scan_cfg(const struct wl_config *cfg);

/* Show the sampling settings of cfg in a snapshot. */
void reload_show_sampling(const struct wl_config *cfg, struct wl_snapshot *snap);

/*
 * SIGHUP (ctl lock held, between two rounds of the capture loop): the configuration file and
 * the command line (argc, argv) read again, as at start, and the filter, the sampling and the
 * anomaly thresholds applied, one log line per change. Settings that need a restart keep their
 * value and get a line each. A bad file or value keeps every setting.
 */
void reload_config(struct wl_config *cfg, struct wl_ctl *ctl, int argc, char **argv);

#endif
