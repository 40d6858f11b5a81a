/* SPDX-License-Identifier: MIT */
/*
 * -w FILE: sampled packets to pcap through libpcap's dumper, with tcpdump-like rotation. Each
 * file is written under a temporary name and renamed when complete, so a reader never sees a
 * half file; a write error (a full disk) removes the temporary file, reports once, and stops
 * writing while the capture goes on.
 */
#ifndef WL_PCAPW_H
#define WL_PCAPW_H

#include <stdbool.h>
#include <stdint.h>

struct pcapw;

/*
 * path: the file (with rotation, the base name); linktype: DLT_* of the frames; rotate_bytes:
 * start a new file past this size (0: never); nfiles: with rotation, how many files to cycle
 * through (0: no limit). Returns 0 or a negative errno after printing one line.
 */
int pcapw_open(const char *path, int linktype, uint32_t snaplen, uint64_t rotate_bytes,
	       uint32_t nfiles, struct pcapw **out);

/* Append one frame. Returns 0, or -errno once writing has failed (reported once). */
int pcapw_write(struct pcapw *w, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		uint32_t len);

/* Push buffered frames to the file (called every second). */
void pcapw_flush(struct pcapw *w);

/* Packets written and files completed so far; failed: writing stopped on an error. */
void pcapw_stats(const struct pcapw *w, uint64_t *packets, uint64_t *files, bool *failed);

/* Finish the current file (rename it into place) and free. Returns 0 or -errno. */
int pcapw_close(struct pcapw *w);

#endif
