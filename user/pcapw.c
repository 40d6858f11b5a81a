// SPDX-License-Identifier: MIT
/* -w FILE: sampled packets to pcap through libpcap's dumper, with tcpdump-like rotation. */
#include "pcapw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "log.h"
#include "util.h"

struct pcapw {
	char base[4096];
	char name[4200]; /* the current file's final name */
	char tmp[4300];	 /* and its temporary name */
	pcap_t *dead;
	pcap_dumper_t *dumper;
	FILE *f;
	uint64_t rotate_bytes;
	uint32_t nfiles;
	uint32_t index; /* the current file's number */
	uint64_t packets, files;
	bool failed;
};

/* tcpdump's names: FILE, FILE1, FILE2, ...; with -W N, FILE0..FILE<N-1>, zero-padded. */
static void pcapw_name(struct pcapw *w)
{
	if (!w->rotate_bytes) {
		snprintf(w->name, sizeof(w->name), "%s", w->base);
	} else if (w->nfiles) {
		int width = snprintf(NULL, 0, "%u", w->nfiles - 1);

		snprintf(w->name, sizeof(w->name), "%s%0*u", w->base, width, w->index);
	} else if (w->index) {
		snprintf(w->name, sizeof(w->name), "%s%u", w->base, w->index);
	} else {
		snprintf(w->name, sizeof(w->name), "%s", w->base);
	}
	snprintf(w->tmp, sizeof(w->tmp), "%s.part", w->name);
}

static int pcapw_fail(struct pcapw *w, int err, const char *what)
{
	if (!w->failed)
		log_error("cannot %s '%s': %s; no longer writing packets (the capture goes on)",
			  what, w->name, strerror(err));
	w->failed = true;
	if (w->dumper)
		pcap_dump_close(w->dumper); /* closes f */
	else if (w->f)
		fclose(w->f);
	w->dumper = NULL;
	w->f = NULL;
	unlink(w->tmp);
	return -err;
}

static int pcapw_start(struct pcapw *w)
{
	pcapw_name(w);
	w->f = fopen(w->tmp, "wb");
	if (!w->f)
		return pcapw_fail(w, errno, "create");
	w->dumper = pcap_dump_fopen(w->dead, w->f);
	if (!w->dumper)
		return pcapw_fail(w, errno ? errno : EIO, "write");
	return 0;
}

/* Complete the current file: flush, sync, rename into place. */
static int pcapw_finish(struct pcapw *w)
{
	int err = 0;

	if (!w->dumper)
		return 0;
	if (pcap_dump_flush(w->dumper) || ferror(w->f) || fsync(fileno(w->f)))
		return pcapw_fail(w, errno ? errno : EIO, "write");
	pcap_dump_close(w->dumper);
	w->dumper = NULL;
	w->f = NULL;
	if (rename(w->tmp, w->name)) {
		err = errno;
		unlink(w->tmp);
		w->failed = true;
		log_error("cannot rename '%s' to '%s': %s; no longer writing packets", w->tmp,
			  w->name, strerror(err));
		return -err;
	}
	w->files++;
	return 0;
}

int pcapw_open(const char *path, int linktype, uint32_t snaplen, uint64_t rotate_bytes,
	       uint32_t nfiles, struct pcapw **out)
{
	struct pcapw *w;
	int err;

	*out = NULL;
	if (strlen(path) >= sizeof(w->base) - 16) {
		log_error("-w: file name too long");
		return -ENAMETOOLONG;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	snprintf(w->base, sizeof(w->base), "%s", path);
	w->rotate_bytes = rotate_bytes;
	w->nfiles = nfiles;
	w->dead = pcap_open_dead_with_tstamp_precision(linktype, (int)snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!w->dead) {
		free(w);
		return -ENOMEM;
	}
	err = pcapw_start(w);
	if (err) {
		pcap_close(w->dead);
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

int pcapw_write(struct pcapw *w, uint64_t ts_ns, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr h;

	if (w->failed)
		return -EIO;
	if (w->rotate_bytes && w->packets &&
	    (uint64_t)pcap_dump_ftell64(w->dumper) >= w->rotate_bytes) {
		int err = pcapw_finish(w);

		if (err)
			return err;
		w->index++;
		if (w->nfiles && w->index >= w->nfiles)
			w->index = 0;
		err = pcapw_start(w);
		if (err)
			return err;
	}
	/* With nanosecond precision, tv_usec holds nanoseconds. */
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ull);
	h.caplen = caplen;
	h.len = len < caplen ? caplen : len;
	pcap_dump((u_char *)w->dumper, &h, data);
	if (ferror(w->f))
		return pcapw_fail(w, errno ? errno : EIO, "write");
	w->packets++;
	return 0;
}

void pcapw_flush(struct pcapw *w)
{
	if (w && w->dumper && (pcap_dump_flush(w->dumper) || ferror(w->f)))
		pcapw_fail(w, errno ? errno : EIO, "write");
}

void pcapw_stats(const struct pcapw *w, uint64_t *packets, uint64_t *files, bool *failed)
{
	*packets = w ? w->packets : 0;
	*files = w ? w->files : 0;
	*failed = w ? w->failed : false;
}

int pcapw_close(struct pcapw *w)
{
	int err;

	if (!w)
		return 0;
	err = pcapw_finish(w);
	if (w->failed && !err)
		err = -EIO;
	pcap_close(w->dead);
	free(w);
	return err;
}
