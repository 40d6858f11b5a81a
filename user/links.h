/* SPDX-License-Identifier: MIT */
/*
 * The interfaces of a live capture: one backend handle each (XDP/TC programs with their own maps,
 * or a pcap capture), each counting into its own snapshot whose tables are the shared ones, so
 * the capture's snapshot is their sum. Interfaces that go down, come back, are renamed or deleted
 * are reported; a deleted one is attached again when an interface of that name returns, and with
 * `-i any` new interfaces are attached as they appear.
 */
#ifndef WL_LINKS_H
#define WL_LINKS_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "filter.h"
#include "loader.h"
#include "poller.h"
#include "snapshot.h"
#include "talkers.h"

#define LINKS_MAX TALKERS_LINKS_MAX

enum link_state {
	LINK_UP = 0, /* attached, the interface up */
	LINK_DOWN,   /* attached, the interface down (nothing to count until it is up) */
	LINK_GONE,   /* the interface was deleted: detached until one of that name returns */
};

struct link {
	char name[IF_NAMESIZE]; /* now (a renamed interface keeps being counted) */
	unsigned int ifindex;	/* 0 while gone; kept while a stopped capture waits for it */
	enum link_state state;
	struct loader *ld;
	struct pcap_source *ps;
	struct wl_snapshot snap; /* this interface's counters; tables point at the shared ones */
	struct wl_tcp_stats tcp[WL_DIR_MAX];
	uint64_t events, events_lost;
	struct poller pl;
	uint64_t attaches;   /* 1 at start, +1 per return */
	uint64_t retry_ns;   /* gone: next attach attempt (monotonic) */
	uint64_t changed_ns; /* wall clock of the last change of state */
	bool lost;	     /* its capture failed: the next watch detaches it */
	int lost_err;	     /* and why (errno) */
	char pin_path[256];  /* xdp: this interface's maps */
};

struct links {
	struct link l[LINKS_MAX];
	unsigned int n;
	bool any; /* -i any: every interface that is up, as it appears */
	bool use_pcap;
	bool subdirs; /* each interface's maps in a directory of its own below the pin path */
	const struct wl_config *cfg;
	struct wl_filter_prog filter; /* for interfaces attached later */
	struct wl_snapshot *snap;     /* the capture's: the sum */
	pthread_mutex_t *lock;
	loader_sample_fn sample_fn;
	void *sample_ctx;
	loader_event_fn event_fn;
	void *event_ctx;
	struct loader_pool *pool;	     /* xdp: the maps every interface shares */
	uint64_t scan_ns;		     /* -i any: last look for new interfaces (monotonic) */
	unsigned int skip[LINKS_MAX], nskip; /* -i any: ifindexes that failed to attach */
	struct wl_iface ifaces[LINKS_MAX];
};

/*
 * Attach to cfg's interfaces (-i, repeated or comma-separated; "any"; or `fallback`, the
 * default-route interface) with the XDP backend or, when use_pcap, libpcap. Named interfaces must
 * all attach; with "any", those that can't are reported and skipped. The tables of snap (talkers,
 * analysis, packets, time series) receive what every interface counts. Returns 0 or -errno after
 * one line.
 */
int links_open(struct links *ls, const struct wl_config *cfg, const char *fallback, bool use_pcap,
	       const struct wl_filter_prog *filter, struct wl_snapshot *snap);

/* Records and events go to these (xdp): set before links_open(), which keeps them. */
void links_set_callbacks(struct links *ls, loader_sample_fn fn, void *ctx, loader_event_fn efn,
			 void *ectx);

void links_set_lock(struct links *ls, pthread_mutex_t *lock);

/*
 * Wait up to timeout_ms for any interface, then count what arrived (pcap: with the lock, as
 * pcap_source_run). Returns 0, PCAP_SOURCE_LIMIT or PCAP_SOURCE_STOPPED, or -errno when the
 * capture cannot go on.
 */
int links_poll(struct links *ls, uint64_t limit, int timeout_ms);

/* Harvest every attached interface's kernel flow table into t (without the lock). */
int links_harvest(struct links *ls, struct talkers *t);

/* (Lock held) read every interface's counters and sum them into the capture's snapshot. */
int links_read(struct links *ls);

/*
 * Once a second (without the lock): notice interfaces that went down or up, were renamed or
 * deleted, came back, or (any) appeared; attach and detach as needed; one log line per change.
 */
void links_watch(struct links *ls, uint64_t now_ns);

/* Per-interface rates, once a second (lock held). */
void links_sample(struct links *ls, uint64_t now_ns);

/* (Lock held) change every interface's filter or sampling. */
void links_set_filter(struct links *ls, const struct wl_filter_prog *prog);
void links_set_sampling(struct links *ls, uint32_t every, uint32_t max_per_sec, uint32_t snaplen);

/* How many interfaces are attached now. */
unsigned int links_attached(const struct links *ls);

/* Read the last records, the last counts, and detach everything. The counts stay readable. */
void links_close(struct links *ls);

/* After links_close() and the last harvest: free the shared maps. */
void links_free(struct links *ls);

#endif
