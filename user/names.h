/* SPDX-License-Identifier: MIT */
/* Names of the partition classes and directions, as they appear in JSON and reports. */
#ifndef WL_NAMES_H
#define WL_NAMES_H

#include "wirelens.h"

extern const char *const wl_l3_names[WL_L3_MAX];
extern const char *const wl_l4_names[WL_L4_MAX];
extern const char *const wl_app_names[WL_APP_MAX];
extern const char *const wl_dir_names[WL_DIR_MAX];

extern const char *const wl_dec_kind_names[];

/* TCP flags as tcpdump's letters (F S R P . U E W); buf holds at least 9 bytes. */
void wl_tcp_flags_text(unsigned int flags, char *buf);

#endif
