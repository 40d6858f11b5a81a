/* SPDX-License-Identifier: MIT */
/* The one snapshot every output renders: cumulative counters, rates, drops and the source. */
#ifndef WL_SNAPSHOT_H
#define WL_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "wirelens.h"

struct talkers;
struct packets;
struct timeseries;
struct analysis;

enum wl_source_kind {
	WL_SOURCE_LIVE = 0,
	WL_SOURCE_FILE,
};

struct wl_source {
	enum wl_source_kind kind;
	const char *backend;	    /* "xdp" or "pcap" */
	const char *backend_reason; /* why auto chose this backend; NULL if requested */
	char ifname[256];	    /* live: the interfaces, comma-separated */
	unsigned int ifindex;
	const char *ingress;	  /* the ingress hook: "xdp" or "tc" (xdp backend) */
	const char *xdp_mode;	  /* "native" or "generic"; NULL: ingress at TC */
	const char *tc_attach;	  /* TC programs as "tcx" links or "clsact" filters */
	bool tc_attached;	  /* TC egress program attached (xdp backend) */
	bool qdisc_created;	  /* we created the clsact qdisc */
	bool counters_continued;  /* pinned counters from an earlier run were reused */
	char pin_path[256];	  /* xdp backend */
	char file[4096];	  /* offline */
	const char *file_format;  /* "pcap" or "pcapng" */
	const char *linktype;	  /* pcap link-layer type name */
	uint64_t started_real_ns; /* wall clock when this run started */
};

struct wl_drops {
	uint64_t flow_insert_failed; /* frames the kernel flow table could not take */
	uint64_t pcap_received;	     /* pcap_stats ps_recv (live pcap) */
	/*
	 * ps_drop, summed over the two live handles. libpcap applies the direction after the
	 * kernel copied a frame into a handle's ring, so a full ring also drops frames of the other
	 * direction: an upper bound of the frames lost to counting.
	 */
	uint64_t pcap_kernel;
	uint64_t pcap_ifdrop; /* ps_ifdrop: dropped by the interface/driver */
};

/* Sampling settings and what became of the samples. */
struct wl_samples_info {
	uint64_t every, max_per_sec, snaplen; /* settings */
	uint64_t taken;			      /* records submitted (kernel) or made (pcap) */
	uint64_t received;		      /* records the daemon received */
	uint64_t lost;			      /* records the ring buffer had no room for */
	uint64_t limited;		      /* skipped by the per-second limit */
	uint64_t kept;			      /* in the packet buffer now */
	uint64_t written;		      /* written to -w files */
};

struct wl_rates {
	double pps, bps;	   /* over the last interval */
	double avg_pps, avg_bps;   /* over the whole run */
	double peak_pps, peak_bps; /* highest interval */
};

/* One interface of a live capture: its own totals next to the capture's sum. */
struct wl_iface {
	char name[16];
	unsigned int ifindex; /* 0 while gone */
	const char *state;    /* "up", "down" (nothing to count until it is up) or "gone" */
	const char *backend;  /* "xdp" or "pcap" */
	const char *ingress;  /* xdp backend: the ingress hook, "xdp" or "tc" */
	const char *xdp_mode; /* ingress at XDP: "native" or "generic" */
	struct wl_counter dir[WL_DIR_MAX];
	struct wl_drops drops;
	uint64_t samples_lost;
	double pps, bps;     /* over the last second */
	uint64_t attaches;   /* 1, plus one per return after a deletion */
	uint64_t changed_ns; /* wall clock of the last change of state */
};

struct wl_snapshot {
	struct wl_stats dir[WL_DIR_MAX]; /* cumulative, per direction */
	struct wl_stats all;		 /* sum of the directions */
	struct wl_rates rates;
	struct wl_drops drops;
	struct wl_source source;
	double duration_s;		  /* live: run time; offline: last - first timestamp */
	uint64_t first_ts_ns, last_ts_ns; /* offline: packet timestamps (0 when none) */
	bool complete;			  /* offline: the whole file was read */
	struct talkers *talkers;
	struct timeseries *ts;
	/* bandwidth over time (NULL: not tracked) */ /* hosts, pairs, flows (NULL: not tracked) */
	struct wl_counter base;			      /* live: totals when this run started */
	uint64_t flow_table_size;		      /* kernel flow table capacity (xdp backend) */
	unsigned int top;			      /* entries per talkers list in the JSON */
	const char *filter_expr;		      /* capture filter; NULL: none */
	struct wl_samples_info samples;
	struct packets *packets;       /* recent packet records (NULL: none kept) */
	struct analysis *an;	       /* RTTs, TCP health, anomalies (NULL: not tracked) */
	const struct wl_iface *ifaces; /* live: each interface (NULL: a file) */
	unsigned int n_ifaces;
};

/* Add src into dst, field by field. */
void snapshot_stats_add(struct wl_stats *dst, const struct wl_stats *src);

/* Recompute snap->all from snap->dir[]. */
void snapshot_sum_dirs(struct wl_snapshot *snap);

#endif
