/* SPDX-License-Identifier: MIT */
/*
 * Anomalies: port scans from the probe events of the connection analysis (every failed or
 * half-open attempt, not sampled) counted in a sliding window, and SYN floods from the
 * half-open rate.
 */
#ifndef WL_SCAN_H
#define WL_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "table.h"
#include "wirelens.h"

/* Defaults, modelled on common IDS settings (see the README). */
#define SCAN_PORTS_DEFAULT    15   /* distinct ports of one host, from one source */
#define SCAN_HOSTS_DEFAULT    25   /* distinct hosts on one port, from one source */
#define SCAN_WINDOW_DEFAULT   300  /* seconds */
#define SYNFLOOD_RATE_DEFAULT 1000 /* half-open connections per second ... */
#define SYNFLOOD_SECONDS      3	   /* ... for this many seconds in a row */
/* An anomaly without new activity for this long is no longer active. */
#define ANOMALY_IDLE_NS	    (60ull * 1000000000ull)

#define ANOMALY_MAX	    256	 /* records kept; the oldest inactive go first */
#define ANOMALY_TARGETS	    16	 /* target addresses listed */
#define ANOMALY_PORTS	    16	 /* ports listed */
#define ANOMALY_HOSTS_COUNT 1024 /* distinct targets counted exactly up to this */

enum anomaly_type {
	ANOMALY_PORT_SCAN = 0,
	ANOMALY_SYN_FLOOD = 1,
	ANOMALY_TYPES = 2,
};

enum scan_shape {
	SCAN_VERTICAL = 0,   /* one source, many ports of one host */
	SCAN_HORIZONTAL = 1, /* one source, one port of many hosts */
};

struct scan_cfg {
	uint64_t ports, hosts; /* thresholds */
	uint64_t window_ns;
	uint64_t synflood_rate; /* half-open per second; 0: off */
};

struct anomaly {
	uint64_t id; /* 1, 2, ... */
	uint8_t type, shape, method, family;
	bool has_source;
	uint8_t source[16];
	uint8_t targets[ANOMALY_TARGETS][16];
	uint32_t n_targets;
	uint64_t hosts, ports; /* distinct */
	uint16_t sample_ports[ANOMALY_PORTS];
	uint32_t n_sample_ports;
	uint64_t probes, outcomes[WL_OUTCOMES];
	uint64_t first_ns, last_ns, detected_ns; /* wall clock (offline: packet time) */
	double rate, peak_rate;			 /* SYN flood: half-open per second */
	bool active;
	uint8_t *port_bits;	  /* 65536 bits: distinct ports */
	struct table *target_set; /* distinct targets */
	/* Flight recorder file (recorder.c), "" when none. */
	char rec_file[160];
	bool rec_complete;
	uint64_t rec_packets;
};

struct scan_recorder;

struct scan {
	struct scan_cfg cfg;
	struct table probes, vert, horiz;
	struct anomaly *list[ANOMALY_MAX]; /* oldest first */
	unsigned int n;
	uint64_t next_id;
	uint64_t total[ANOMALY_TYPES];
	uint64_t probes_seen, probes_dropped;
	uint64_t now_ns;	 /* the latest time seen */
	uint64_t last_expire_ns; /* when probes last left the window */
	/* SYN flood state: the last second's counters. */
	uint64_t flood_sec, flood_syns, flood_done;
	unsigned int flood_run;
	struct anomaly *flood;	   /* the active SYN flood, or NULL */
	struct scan_recorder *rec; /* NULL: no flight recorder */
};

int scan_init(struct scan *s, const struct scan_cfg *cfg);
void scan_free(struct scan *s);

/*
 * New thresholds (0: the default), keeping what was seen: the counts so far meet the new
 * thresholds at their next probe, the probes so far the new window at the next tick.
 */
void scan_set_cfg(struct scan *s, const struct scan_cfg *cfg);

/* One probe event (type WL_EV_PROBE) at wall-clock real_ns. */
void scan_probe(struct scan *s, const struct wl_event *e, uint64_t real_ns);

/*
 * Once a second (live: wall clock; files: packet time): expire probes out of the window,
 * mark idle anomalies, and check the half-open rate (syns and handshakes: running totals).
 */
void scan_tick(struct scan *s, uint64_t now_ns, uint64_t syns, uint64_t handshakes);

const char *anomaly_type_name(unsigned int t);
const char *scan_shape_name(unsigned int s);
const char *probe_kind_name(unsigned int k);
const char *probe_outcome_name(unsigned int o);

/* Active anomalies of a type. */
uint64_t scan_active(const struct scan *s, unsigned int type);

#endif
