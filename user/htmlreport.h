/* SPDX-License-Identifier: MIT */
/*
 * --report FILE: the dashboard as one self-contained HTML file (page, style, chart library,
 * script and the data inline), for sharing and for analysis after the fact. It makes no
 * network request: its own Content-Security-Policy forbids any.
 */
#ifndef WL_HTMLREPORT_H
#define WL_HTMLREPORT_H

#include <stdio.h>

/* Write the report of the snapshot ctx (a const struct wl_snapshot *). 0 or -errno. */
int report_html(FILE *f, const void *snapshot);

#endif
