/* SPDX-License-Identifier: MIT */
/*
 * The XDP/TC backend. One pool holds the maps every interface shares (the flow table, the ring
 * buffers, the settings); each interface gets its own programs and small counter maps, pinned
 * below the pin path, and attaches them: ingress at XDP or TC, egress at TC.
 */
#ifndef WL_LOADER_H
#define WL_LOADER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include <stdint.h>
#include "snapshot.h"
#include "pool.h"

struct loader;

/* What becomes of counters an earlier run left pinned in an interface's pin directory. */
enum loader_pins {
	LOADER_PINS_FRESH = 0,	/* a run that reports only its own frames: start from zero */
	LOADER_PINS_SAME_IFACE, /* a daemon: continue them when they are of this interface */
	LOADER_PINS_OWN,	/* this daemon's own, of an interface that returned: continue */
};

struct loader_opts {
	const char *ifname;
	unsigned int ifindex;
	uint16_t link; /* the interface's number in the daemon: in every flow key */
	enum wl_ingress ingress;
	enum wl_xdp_mode xdp_mode;
	enum wl_tc_attach tc_attach;
	enum loader_pins pins;
	const char *pin_path; /* directory on a bpf filesystem */
	const char *btf_path; /* NULL: the kernel's own BTF */
	uint64_t flow_table_size;
	uint64_t max_packets; /* -c: the kernel counts at most this many frames; 0: all */
	const struct wl_filter_prog *filter; /* NULL or empty: every frame */
	uint32_t sample_every, max_samples_per_sec, snaplen;
};

struct wl_filter_prog;

/*
 * Check that this process may load XDP programs. Returns 0, or a negative errno with a
 * human-readable reason in `why` (used by --backend auto to choose libpcap instead).
 */
int loader_probe(char *why, size_t whylen);

/*
 * Load, pin and attach the programs of one interface, sharing the pool's maps. On failure prints
 * one line naming the problem and the fix, undoes everything it did, and returns a negative
 * errno (NULL in *out).
 */
int loader_start(const struct loader_opts *opts, struct loader_pool *pool, struct loader **out);

/*
 * Several interfaces keep their maps in directories below one pin directory: create it (on a
 * bpf filesystem, mounted if needed). Returns 0 or -errno after one line.
 */
int loader_pin_root(const char *pin_path);

/*
 * Sum the per-CPU counters of one interface into snap->dir[], its drops and samples, and (with
 * snap->an) the analysis counters. Returns 0 or a negative errno.
 */
int loader_read(struct loader *ld, struct wl_snapshot *snap);

/* Only the connection analysis' counters: events sent and lost, TCP health per direction. */
int loader_read_analysis(struct loader *ld, uint64_t *events, uint64_t *events_lost,
			 struct wl_tcp_stats tcp[WL_DIR_MAX]);

/* Fill the backend fields of snap->source (hooks, pin path, continued counters). */
void loader_describe(const struct loader *ld, struct wl_source *src);

/* One line: which hook runs where, and why (for "counting on ..."). */
const char *loader_hooks_text(const struct loader *ld);

/* Detach in reverse order of attaching and free. Accepts NULL. */
void loader_stop(struct loader *ld);

#endif
