/* SPDX-License-Identifier: MIT */
/* Exports at exit: packet records as CSV, snapshot plus records as JSON; written atomically. */
#ifndef WL_EXPORT_H
#define WL_EXPORT_H

#include <stdio.h>

#include "snapshot.h"

struct packets;

/*
 * Write path through a temporary file in the same directory, renamed into place when
 * complete: a reader never sees a half file, and a failure (full disk, no permission) leaves
 * none. write(f, ctx) returns 0 or -errno. Prints one line on failure; returns 0 or -errno.
 */
int export_atomic(const char *path, int (*write)(FILE *f, const void *ctx), const void *ctx);

/* The CSV header line and one row per record (docs/fields.md), RFC 4180 quoting. */
int export_csv(FILE *f, const void *packets);

/* The snapshot with its packet records under "packets". */
int export_json(FILE *f, const void *snapshot);

/*
 * The kept packet records as a pcap file in memory (libpcap's dumper on a memory stream):
 * *buf (malloc'd) and *len. Returns 0 or -errno.
 */
int export_pcap_mem(const struct packets *p, char **buf, size_t *len);

#endif
