/* SPDX-License-Identifier: MIT */
/*
 * What the connection analysis found, for one capture: RTTs, TCP health, anomalies. The XDP
 * backend analyses in the kernel and sends events; the pcap path runs the same analysis
 * (bpf/conn.h) here, frame by frame, with its own per-flow state.
 */
#ifndef WL_ANALYSIS_H
#define WL_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "latency.h"
#include "parse.h"
#include "scan.h"
#include "table.h"
#include "wirelens.h"

struct flow_delta;

#define UDP_WAIT_MAX 8192

struct udp_wait {
	struct wl_flow_key key;
	uint64_t t_ns;
};

struct analysis {
	struct latency lat;
	struct scan scan;
	struct table conns;		     /* pcap path: wl_flow_key -> wl_conn */
	struct wl_tcp_stats tcp[WL_DIR_MAX]; /* pcap path counts here; XDP: read from wl_tcp */
	struct wl_tcp_stats tcp_prev;	     /* the sum at the last tick */
	double per_s[6]; /* segments, retransmissions, out of order, dup ACKs, zero windows, RSTs */
	uint64_t rate_ns;
	uint64_t events, events_lost; /* XDP: from wl_health */
	uint64_t conns_dropped;	      /* pcap path: flows forgotten to make room */
	/*
	 * pcap path: UDP flows opened with an empty datagram, a min-heap by opening time, to look
	 * at again once they could have gone quiet (no walk of the whole table every second).
	 */
	struct udp_wait *udp_wait;
	size_t udp_len;
	uint64_t udp_wait_dropped; /* the heap was full: the oldest was not looked at again */
	uint64_t last_tick_s;
};

int analysis_init(struct analysis *an, const struct scan_cfg *cfg);
void analysis_free(struct analysis *an);

/* One event from the kernel (or the pcap path) at wall-clock real_ns. */
void analysis_event(struct analysis *an, const struct wl_event *e, uint64_t real_ns);

/*
 * The pcap path: analyse one frame of flow k from side `side`; l4 holds `avail` bytes of its
 * transport header. The flow's TCP health and RTT go into d.
 */
void analysis_frame(struct analysis *an, const struct wl_flow_key *k, int side,
		    const struct wl_pkt *p, const uint8_t *l4, uint32_t avail, enum wl_dir dir,
		    uint64_t ts_ns, struct flow_delta *d);

/* Once a second of wall clock (live) or capture time (files): rates, windows, SYN floods. */
void analysis_tick(struct analysis *an, uint64_t now_ns);

/*
 * talkers' quiet_hook for the kernel's flows (ctx: the analysis): a UDP flow left unanswered
 * becomes a probe. Returns true when the flow needs no more looks.
 */
bool analysis_quiet_flow(void *ctx, const struct wl_flow_key *k, const struct wl_flow_val *v,
			 int64_t mono_to_real);

/* A file was read to its end (last_ns: its last packet): flows unanswered stay so. */
void analysis_end_of_file(struct analysis *an, uint64_t last_ns);

/* The TCP counters of all directions together. */
void analysis_tcp_sum(const struct analysis *an, struct wl_tcp_stats *sum);

#endif
