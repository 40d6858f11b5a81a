/* SPDX-License-Identifier: MIT */
/* The files of the dashboard, embedded at build time (assets.S). */
#ifndef WL_ASSETS_H
#define WL_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

struct wl_asset {
	const char *path; /* as requested, e.g. "/app.js" */
	const char *ctype;
	const char *data; /* NUL-terminated as well */
	size_t len;
};

/* The asset served at path into *out; false when there is none. "/" is the page. */
bool assets_find(const char *path, struct wl_asset *out);

#endif
