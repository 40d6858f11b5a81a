/* SPDX-License-Identifier: MIT */
/* Flows, hosts and conversations (address pairs): bounded tables fed by flow deltas. */
#ifndef WL_TALKERS_H
#define WL_TALKERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.h"
#include "wirelens.h"

/* Default caps of the userspace tables; least active entries fold into `other` beyond them. */
#define TALKERS_MAX_FLOWS 65536
#define TALKERS_MAX_HOSTS 16384
#define TALKERS_MAX_PAIRS 32768
#define TALKERS_LINKS_MAX 64 /* interfaces whose kernel tables are harvested */

/* TCP health of what one side sent (bpf/conn.h). */
struct tcp_health {
	uint64_t retrans, ooo, dupack, zerowin, rst;
};

/* A flow's RTT samples (any method): how many, the lowest and the latest, microseconds. */
struct flow_rtt {
	uint32_t count, min_us, last_us;
};

/* One change to a flow: what happened since the last delta (or the whole packet). */
struct flow_delta {
	struct wl_counter ab, ba, in, out;
	uint64_t first_ns, last_ns; /* wall clock (CLOCK_REALTIME) */
	uint8_t tcp_flags_ab, tcp_flags_ba;
	uint8_t app;
	uint8_t flags;		    /* WL_FLOW_F_* */
	struct tcp_health hab, hba; /* sent by a, by b */
	struct flow_rtt rtt;	    /* the flow's totals so far (count 0: none) */
};

#define TALKERS_NAME_MAX 63

struct host_key {
	uint8_t addr[16];
	uint8_t family;
	uint8_t pad[7];
};

struct host_entry {
	struct host_key key;
	struct wl_counter tx, rx, in, out;
	uint64_t first_ns, last_ns;
	uint64_t app_bytes[WL_APP_MAX];
	struct tcp_health tcp; /* of the segments this host sent */
	/* The server name clients last asked this address for (TLS SNI, HTTP Host): raw bytes. */
	uint8_t name_len;
	uint8_t name[TALKERS_NAME_MAX];
};

struct pair_key {
	uint8_t a[16];
	uint8_t b[16];
	uint8_t family;
	uint8_t pad[7];
};

struct pair_entry {
	struct pair_key key;
	struct wl_counter ab, ba, in, out;
	uint64_t first_ns, last_ns;
};

struct flow_entry {
	struct wl_flow_key key;
	struct wl_counter ab, ba, in, out;
	uint64_t first_ns, last_ns;
	uint8_t tcp_flags_ab, tcp_flags_ba;
	uint8_t app;
	uint8_t flags;
	struct tcp_health hab, hba;
	struct flow_rtt rtt;
};

/* Everything folded out of a table, so that the table plus `other` sums to what it was fed. */
struct talkers_other {
	struct wl_counter ab, ba, in, out;
	uint64_t entries; /* how many entries were folded */
	uint64_t folds;	  /* how many times the cap was hit */
};

struct talkers {
	struct table flows, hosts, pairs;
	struct talkers_other flows_other, hosts_other, pairs_other;
	struct wl_counter attributed; /* frames and bytes accounted to flows */
	/* Kernel harvest state: the last values read per kernel flow, of each link's table. */
	struct table seen;
	uint64_t generation;
	uint64_t harvests;
	uint64_t kernel_flows; /* entries in the kernel flow table at the last harvest */
	/*
	 * Called for each kernel flow at each harvest until it returns true (once per flow):
	 * the connection analysis' look at flows that went quiet. NULL: none.
	 */
	bool (*quiet_hook)(void *ctx, const struct wl_flow_key *k, const struct wl_flow_val *v,
			   int64_t mono_to_real);
	void *quiet_ctx;
};

int talkers_init(struct talkers *t, size_t max_flows, size_t max_hosts, size_t max_pairs,
		 size_t kernel_flows);
void talkers_free(struct talkers *t);

/* Account one change of one flow to the flow, both hosts and the pair. */
void talkers_account(struct talkers *t, const struct wl_flow_key *k, const struct flow_delta *d);

void tcp_health_add(struct tcp_health *dst, const struct tcp_health *src);
bool tcp_health_any(const struct tcp_health *h);

/*
 * Read the kernel flow tables (IPv4: map4_fd, IPv6: map6_fd), which every interface shares (each
 * key holds its interface's number), and account what changed since the last harvest.
 * mono_to_real converts the kernel's CLOCK_MONOTONIC stamps to wall clock. With lock, the kernel
 * tables are read without it and t changed with it held. Returns 0 or -errno.
 */
int talkers_harvest(struct talkers *t, int map4_fd, int map6_fd, int64_t mono_to_real,
		    pthread_mutex_t *lock);

enum talkers_sort {
	TALKERS_BY_BYTES = 0,
	TALKERS_BY_PACKETS,
};

enum talkers_dir {
	TALKERS_DIR_ALL = 0, /* tx + rx */
	TALKERS_DIR_IN,	     /* received by this machine */
	TALKERS_DIR_OUT,     /* sent by this machine */
};

/*
 * The top `limit` entries of a table into out[] (pointers into the table, valid until the
 * next account/harvest). Returns how many were written.
 */
size_t talkers_top_hosts(const struct talkers *t, enum talkers_sort by, enum talkers_dir dir,
			 const struct host_entry **out, size_t limit);
/* Name a host already in the table (from a decoded packet record); unknown hosts are skipped. */
void talkers_name_host(struct talkers *t, const uint8_t *addr, uint8_t family, const uint8_t *name,
		       size_t len);

size_t talkers_top_pairs(const struct talkers *t, enum talkers_sort by, enum talkers_dir dir,
			 const struct pair_entry **out, size_t limit);
size_t talkers_top_flows(const struct talkers *t, enum talkers_sort by, enum talkers_dir dir,
			 const struct flow_entry **out, size_t limit);

#endif
