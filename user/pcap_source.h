/* SPDX-License-Identifier: MIT */
/* The libpcap backend: live capture and pcap/pcapng files, through the shared parser. */
#ifndef WL_PCAP_SOURCE_H
#define WL_PCAP_SOURCE_H

#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>

#include "snapshot.h"

struct pcap_source;

/* Result of pcap_source_run() besides negative errnos. */
#define PCAP_SOURCE_EOF	    1 /* the whole file was read */
#define PCAP_SOURCE_LIMIT   2 /* the packet limit was reached */
#define PCAP_SOURCE_STOPPED 3 /* pcap_source_break() was called */

/*
 * Open a live capture on ifname: one handle per direction, so every frame is counted once as
 * `in` or `out`. Prints one line on failure and returns a negative errno.
 */
int pcap_source_open_live(const char *ifname, struct pcap_source **out);

/* Open a pcap or pcapng file. Prints one line on failure and returns a negative errno. */
int pcap_source_open_file(const char *path, struct pcap_source **out);

/*
 * Count packets into snap until `timeout_ms` passes (live), the file ends, `limit` packets
 * (0: none) have been counted in total, or pcap_source_break(). Returns a PCAP_SOURCE_*
 * value, 0 when the live timeout passed, or a negative errno after printing one line (a
 * corrupt file: the packets before the damage stay counted in snap); -ENODEV, without a line,
 * when the live interface went away.
 */
int pcap_source_run(struct pcap_source *ps, struct wl_snapshot *snap, uint64_t limit,
		    int timeout_ms);

/* A live capture's fds to poll(2) (one per direction); returns how many (0: a file). */
int pcap_source_fds(const struct pcap_source *ps, int fds[2]);

/* Kernel drop counters of a live capture into snap->drops. */
void pcap_source_drops(struct pcap_source *ps, struct wl_snapshot *snap);

/* Fill snap->source: file name, format, link type or interface. */
void pcap_source_describe(const struct pcap_source *ps, struct wl_source *src);

/* File progress: bytes read and file size (0 when unknown or live). */
void pcap_source_progress(const struct pcap_source *ps, uint64_t *pos, uint64_t *size);

/* Async-signal-safe: make a running pcap_source_run() return PCAP_SOURCE_STOPPED. */
void pcap_source_break(struct pcap_source *ps);

void pcap_source_close(struct pcap_source *ps);

struct wl_filter_prog;

/* Count (and sample) only frames that prog matches; NULL: all. */
void pcap_source_set_filter(struct pcap_source *ps, const struct wl_filter_prog *prog);

/* Sampling as the kernel does it: 1 in every, at most max_per_sec per second of capture. */
void pcap_source_set_sampling(struct pcap_source *ps, uint32_t every, uint32_t max_per_sec,
			      uint32_t snaplen);

/* DLT_* of the frames. */
int pcap_source_linktype(const struct pcap_source *ps);

/* Live capture: wait without and count frames with this mutex held (see loader_set_lock). */
void pcap_source_set_lock(struct pcap_source *ps, pthread_mutex_t *lock);

#endif
