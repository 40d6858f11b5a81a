/* SPDX-License-Identifier: MIT */
/* The XDP/TC backend: load the BPF object, pin its maps, attach, read counters, detach. */
#ifndef WL_LOADER_H
#define WL_LOADER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include <stdint.h>
#include "snapshot.h"

struct loader;

struct loader_opts {
	const char *ifname;
	unsigned int ifindex;
	enum wl_xdp_mode xdp_mode;
	const char *pin_path; /* directory on a bpf filesystem */
	const char *btf_path; /* NULL: the kernel's own BTF */
	uint64_t flow_table_size;
	uint64_t max_packets; /* -c: the kernel counts at most this many frames; 0: all */
	const struct wl_filter_prog *filter; /* NULL or empty: every frame */
	uint32_t sample_every, max_samples_per_sec, snaplen;
};

struct wl_filter_prog;
struct wl_sample;

/* Called for each packet record from the kernel: the record, its bytes, wall-clock time. */
typedef void (*loader_sample_fn)(void *ctx, const struct wl_sample *s, const uint8_t *data,
				 uint64_t real_ns);

/*
 * Check that this process may load XDP programs. Returns 0, or a negative errno with a
 * human-readable reason in `why` (used by --backend auto to choose libpcap instead).
 */
int loader_probe(char *why, size_t whylen);

/*
 * Load, pin and attach. On failure prints one line naming the problem and the fix, undoes
 * everything it did, and returns a negative errno (NULL in *out).
 */
int loader_start(const struct loader_opts *opts, struct loader **out);

/*
 * Several interfaces keep their maps in directories below one pin directory: create it (on a
 * bpf filesystem, mounted if needed). Returns 0 or -errno after one line.
 */
int loader_pin_root(const char *pin_path);

/*
 * Sum the per-CPU counters into snap->dir[], its drops and samples, and (with snap->an) the
 * analysis counters. Returns 0 or a negative errno.
 */
int loader_read(struct loader *ld, struct wl_snapshot *snap);

/* Only the connection analysis' counters: events sent and lost, TCP health per direction. */
int loader_read_analysis(struct loader *ld, uint64_t *events, uint64_t *events_lost,
			 struct wl_tcp_stats tcp[WL_DIR_MAX]);

struct talkers;

/*
 * Account what changed in the kernel flow table since the last harvest of this interface (link:
 * its number in talkers_harvest()). Returns 0 or -errno.
 */
int loader_harvest(struct loader *ld, struct talkers *t, uint32_t link);

/* An fd to poll(2) for records and events (an epoll fd; -1: none yet). */
int loader_poll_fd(const struct loader *ld);

/* Fill the backend fields of snap->source (mode, TC, pin path, continued counters). */
void loader_describe(const struct loader *ld, struct wl_source *src);

/*
 * Wait up to timeout_ms for packet records and pass each to fn (set with loader_samples).
 * Returns the number of records, or a negative errno.
 */
int loader_poll(struct loader *ld, int timeout_ms);

struct wl_event;

/* Called for each connection-analysis event (RTT sample, probe), with wall-clock time. */
typedef void (*loader_event_fn)(void *ctx, const struct wl_event *e, uint64_t real_ns);

/*
 * Receive packet records through fn and events through efn. Returns 0 or a negative errno
 * (after one line).
 */
int loader_samples(struct loader *ld, loader_sample_fn fn, void *ctx, loader_event_fn efn,
		   void *ectx);

/* Replace the capture filter while the programs run: no reattaching, no counts lost. */
void loader_set_filter(struct loader *ld, const struct wl_filter_prog *prog);

/* Change sampling while the programs run. */
void loader_set_sampling(struct loader *ld, uint32_t every, uint32_t max_per_sec, uint32_t snaplen);

/* Detach in reverse order of attaching and free. Accepts NULL. */
void loader_stop(struct loader *ld);

/*
 * From now on, loader_poll() waits without and hands out records with this mutex held (the
 * record callbacks change what the web server reads).
 */
void loader_set_lock(struct loader *ld, pthread_mutex_t *lock);

#endif
