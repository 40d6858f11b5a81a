/* SPDX-License-Identifier: MIT */
/*
 * The flight recorder (--flight-recorder DIR): for each new anomaly, a pcap of the sampled
 * packets from `span` before it until `span` after its last activity. Files are written under
 * a temporary name and renamed when complete; the directory's recordings are kept under a
 * byte budget by deleting the oldest.
 */
#ifndef WL_RECORDER_H
#define WL_RECORDER_H

#include <stdint.h>

struct anomaly;
struct packets;
struct wl_record;
struct scan_recorder;

/* Prefix and suffix of the recordings in DIR (only those are ever deleted). */
#define RECORDER_PREFIX "wirelens-anomaly-"
#define RECORDER_SUFFIX ".pcap"

/*
 * dir must exist and be writable; pk: the packet records (the time before an anomaly comes
 * from there). Returns NULL after one line on stderr.
 */
struct scan_recorder *recorder_new(const char *dir, uint64_t span_ns, uint64_t max_bytes,
				   struct packets *pk);
/* Complete the open recordings now (at exit); new anomalies still start new ones. */
void recorder_finish(struct scan_recorder *r);
/* Completes the open recordings and frees. Accepts NULL. */
void recorder_free(struct scan_recorder *r);

/* A new anomaly: start its file with the kept records of the span before it. */
void recorder_start(struct scan_recorder *r, struct anomaly *a);
/* A new packet record: appended to every open recording. */
void recorder_packet(struct scan_recorder *r, const struct wl_record *rec);
/* Complete the recordings whose anomaly has been quiet for the span. */
void recorder_tick(struct scan_recorder *r, uint64_t now_ns);
/* The anomaly record is going away: complete its file and forget the pointer. */
void recorder_forget(struct scan_recorder *r, struct anomaly *a);

const char *recorder_dir(const struct scan_recorder *r);
/* Recordings in the directory (ours, complete or not) and their bytes; the budget. */
void recorder_usage(const struct scan_recorder *r, uint64_t *files, uint64_t *bytes,
		    uint64_t *max_bytes);

#endif
