/* SPDX-License-Identifier: MIT */
/* Sampled packet records: the sampler of the pcap path, the store of recent records, -w. */
#ifndef WL_PACKETS_H
#define WL_PACKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirelens.h"
#include "parse.h"
#include "decode.h"

struct pcapw;
struct talkers;
struct scan_recorder;

/* One kept record: the kernel's (or pcap path's) record, decoded, with wall-clock time. */
struct wl_record {
	uint64_t seq;	/* 1, 2, ... in the order received */
	uint64_t ts_ns; /* wall clock */
	uint32_t ifindex;
	uint32_t len;	 /* frame length */
	uint32_t caplen; /* bytes kept in data (at most the snaplen) */
	uint8_t dir, l3, l4, app, flags, tcp_flags, ip_proto, icmp_type;
	uint16_t sport, dport, vlan_id, ethertype;
	uint8_t family; /* 4, 6 or 0 when the record has no IP addresses */
	uint8_t saddr[16], daddr[16];
	struct wl_decoded dec;
	const uint8_t *data;
};

struct packets {
	struct wl_record *recs;
	uint8_t *data;
	uint32_t snaplen;
	int linktype; /* DLT_* of the records' bytes */
	size_t cap;   /* records kept at most (--packet-buffer) */
	size_t next;  /* where the next record goes */
	size_t count; /* records kept now */
	uint64_t received;
	struct pcapw *writer;		/* -w, or NULL */
	struct talkers *talkers;	/* named from decoded records, or NULL */
	struct scan_recorder *recorder; /* --flight-recorder, or NULL */
};

/* packets_add() payload_off values besides an offset. */
#define PACKETS_NO_PAYLOAD  0	       /* no transport payload in the captured bytes */
#define PACKETS_PARSE_ETHER UINT32_MAX /* find it by parsing the bytes as Ethernet */

/* cap records of at most snaplen bytes each (cap 0: none kept; -w still works). */
int packets_init(struct packets *p, size_t cap, uint32_t snaplen, int linktype);
void packets_free(struct packets *p);

/*
 * Take one record: s and its s->caplen bytes of frame, received at real_ns (wall clock).
 * payload_off: where the transport payload starts in data, or PACKETS_*. Decodes names, keeps the record, writes it to the -w file.
 */
void packets_add(struct packets *p, const struct wl_sample *s, const uint8_t *data,
		 uint64_t real_ns, uint32_t payload_off);

/* The i-th kept record, oldest first (i < p->count). */
const struct wl_record *packets_get(const struct packets *p, size_t i);

/* The sampling rules of the kernel programs, for the pcap path. */
struct sampler {
	uint32_t every; /* 1 in N; 0: none */
	uint32_t cap;	/* per second; 0: no limit */
	uint32_t nth;
	uint64_t sec, count;
	uint64_t taken, limited;
};

/* Should this matching frame (at ts_ns) become a record? Counts taken/limited. */
bool sampler_admit(struct sampler *s, uint64_t ts_ns);

#endif
