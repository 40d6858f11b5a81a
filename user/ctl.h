/* SPDX-License-Identifier: MIT */
/*
 * What the capture loop (main thread) and the web server (its own threads) share: the one
 * snapshot, behind one lock, and the requests the API makes of the capture loop.
 *
 * The main thread changes the snapshot (and the tables it points to) only with the lock held,
 * and never holds it while it waits for packets; the web server reads only with it held.
 */
#ifndef WL_CTL_H
#define WL_CTL_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "filter.h"
#include "snapshot.h"

struct links;
struct packets;
struct sse_hub;

enum wl_ctl_state {
	WL_CTL_STARTING = 0, /* attaching */
	WL_CTL_CAPTURING,
	WL_CTL_STOPPED,	 /* stopped through the API; the last counts stay readable */
	WL_CTL_FINISHED, /* -r: the file is read */
};

/* A control request waiting for the capture loop (a suspended HTTP connection). */
struct ctl_waiter {
	struct ctl_waiter *next;
	void (*done)(struct ctl_waiter *w); /* called with the lock held */
	int status;			    /* HTTP status of the answer */
	char error[256];		    /* empty: success */
};

/* A rendered text shared by reference. */
struct ctl_text {
	int refs; /* atomic; taken under wl_ctl.stats_lock */
	size_t len;
	char data[];
};

struct wl_ctl {
	pthread_mutex_t lock;
	struct wl_config *cfg;
	struct wl_snapshot *snap; /* NULL before the first capture */
	enum wl_ctl_state state;
	uint64_t started_mono_ns;

	/* The running capture's interfaces, for filter changes from the API (NULL when stopped). */
	struct links *links;
	int linktype;
	char ifname[256];    /* its interfaces, comma-separated ("any": as -i any) */
	const char *backend; /* "xdp" or "pcap" */
	char filter_text[WL_FILTER_TEXT_MAX];

	/* Requests from the API, carried out by the capture loop. */
	bool stop_req, start_req;
	char start_ifname[256];
	enum wl_backend start_backend;
	char start_filter[WL_FILTER_TEXT_MAX];
	struct ctl_waiter *waiters;

	/* Bumped whenever the snapshot changed. */
	uint64_t gen;
	/*
	 * /api/v1/stats as rendered at the last tick, shared by the answers that send it (no
	 * copy), behind its own small lock so that readers never wait for a rendering.
	 */
	pthread_mutex_t stats_lock;
	struct ctl_text *stats;

	struct sse_hub *hub;
	struct cJSON *prev_light; /* the light snapshot of the last event */
	uint64_t pub_pkt_seq;	  /* newest packet record sent in an event */
	uint64_t pub_point_t;	  /* newest time-series second sent in an event */
	const char *listen_desc;
	bool tls, auth;
};

int ctl_init(struct wl_ctl *c, struct wl_config *cfg);
void ctl_free(struct wl_ctl *c);

static inline void ctl_lock(struct wl_ctl *c)
{
	if (c)
		pthread_mutex_lock(&c->lock);
}

static inline void ctl_unlock(struct wl_ctl *c)
{
	if (c)
		pthread_mutex_unlock(&c->lock);
}

/* The snapshot changed (lock held): new stats for the API. */
void ctl_changed(struct wl_ctl *c);

/* Answer every waiting control request (lock held): status, and an error text or NULL. */
void ctl_answer(struct wl_ctl *c, int status, const char *error);

const char *ctl_state_name(enum wl_ctl_state s);

/* Put text in place as the current stats (takes ownership of the malloc'd string). */
int ctl_set_stats(struct wl_ctl *c, char *text);

/* A reference to the current stats, or NULL; give it back with ctl_put_text(). */
struct ctl_text *ctl_get_stats(struct wl_ctl *c);
void ctl_put_text(struct ctl_text *t);

#endif
