// SPDX-License-Identifier: MIT
/* The flight recorder: one pcap per anomaly around it, atomically named, under a byte budget. */
#include "recorder.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "packets.h"
#include "pcapw.h"
#include "scan.h"

/* Recordings written at the same time at most; more anomalies at once are not recorded. */
#define RECORDER_OPEN_MAX 8
/* Each file is at most this part of the budget. */
#define RECORDER_FILE_PARTS 8

struct rec_open {
	struct anomaly *a;
	struct pcapw *w;
	uint64_t bytes;
};

struct scan_recorder {
	char dir[4096];
	uint64_t span_ns, max_bytes, file_max;
	struct packets *pk;
	struct rec_open open[RECORDER_OPEN_MAX];
	unsigned int n_open;
	uint64_t skipped; /* anomalies not recorded: too many at once */
};

struct scan_recorder *recorder_new(const char *dir, uint64_t span_ns, uint64_t max_bytes,
				   struct packets *pk)
{
	struct scan_recorder *r;
	struct stat st;

	/* The directory itself is created; its parent must exist. */
	if (stat(dir, &st) && errno == ENOENT && mkdir(dir, 0750) && errno != EEXIST) {
		log_error("--flight-recorder '%s': cannot create it: %s", dir, strerror(errno));
		return NULL;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		log_error("--flight-recorder '%s': %s", dir,
			  S_ISDIR(st.st_mode) ? strerror(errno) : "not a directory");
		return NULL;
	}
	if (access(dir, W_OK | X_OK)) {
		log_error("--flight-recorder '%s': cannot write there: %s", dir, strerror(errno));
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		log_error("out of memory");
		return NULL;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	r->span_ns = span_ns;
	r->max_bytes = max_bytes;
	r->file_max = max_bytes / RECORDER_FILE_PARTS;
	if (r->file_max < 64 * 1024)
		r->file_max = 64 * 1024;
	r->pk = pk;
	return r;
}

static void rec_close(struct scan_recorder *r, unsigned int i)
{
	struct rec_open *o = &r->open[i];

	if (!pcapw_close(o->w) && o->a)
		o->a->rec_complete = true;
	r->open[i] = r->open[--r->n_open];
}

void recorder_finish(struct scan_recorder *r)
{
	if (!r)
		return;
	while (r->n_open)
		rec_close(r, r->n_open - 1);
}

void recorder_free(struct scan_recorder *r)
{
	recorder_finish(r);
	free(r);
}

static bool is_recording(const char *name)
{
	size_t n = strlen(name), p = strlen(RECORDER_PREFIX), s = strlen(RECORDER_SUFFIX);

	return n > p + s && !strncmp(name, RECORDER_PREFIX, p) &&
	       !strcmp(name + n - s, RECORDER_SUFFIX);
}

/* Completed recordings in the directory: count, bytes and the oldest (by time, then name). */
static void dir_scan(const struct scan_recorder *r, uint64_t *files, uint64_t *bytes, char *oldest,
		     size_t len)
{
	struct timespec best = {0, 0};
	struct dirent *de;
	DIR *d = opendir(r->dir);

	*files = *bytes = 0;
	if (oldest)
		oldest[0] = '\0';
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;

		if (!is_recording(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		(*files)++;
		*bytes += (uint64_t)st.st_size;
		if (oldest &&
		    (!oldest[0] || st.st_mtim.tv_sec < best.tv_sec ||
		     (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec < best.tv_nsec))) {
			best = st.st_mtim;
			snprintf(oldest, len, "%s", de->d_name);
		}
	}
	closedir(d);
}

/* Delete the oldest recordings until one more full file fits in the budget. */
static void make_room(struct scan_recorder *r)
{
	char oldest[512], path[4700];
	uint64_t files, bytes, open_bytes = (uint64_t)r->n_open * r->file_max;

	for (int guard = 0; guard < 100000; guard++) {
		dir_scan(r, &files, &bytes, oldest, sizeof(oldest));
		if (!files || bytes + open_bytes + r->file_max <= r->max_bytes)
			return;
		snprintf(path, sizeof(path), "%s/%s", r->dir, oldest);
		if (unlink(path)) {
			log_warn("flight recorder: cannot delete '%s' to stay under the budget: %s",
				 path, strerror(errno));
			return;
		}
		log_info("flight recorder: deleted %s to stay under %llu bytes", oldest,
			 (unsigned long long)r->max_bytes);
	}
}

static void name_file(const struct anomaly *a, char *buf, size_t len)
{
	char when[32] = "", src[64] = "any";
	time_t t = (time_t)(a->detected_ns / 1000000000ull);
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	if (a->has_source) {
		/* Addresses in file names: IPv6 colons become dashes. */
		if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->source, src, sizeof(src)))
			snprintf(src, sizeof(src), "unknown");
		for (char *c = src; *c; c++)
			if (*c == ':')
				*c = '-';
	}
	snprintf(buf, len, RECORDER_PREFIX "%s-%llu-%s-%s" RECORDER_SUFFIX, when,
		 (unsigned long long)a->id, anomaly_type_name(a->type), src);
}

static void rec_write(struct scan_recorder *r, unsigned int i, const struct wl_record *rec)
{
	struct rec_open *o = &r->open[i];

	if (pcapw_write(o->w, rec->ts_ns, rec->data, rec->caplen, rec->len))
		return;
	o->bytes += 16 + rec->caplen;
	o->a->rec_packets++;
}

void recorder_start(struct scan_recorder *r, struct anomaly *a)
{
	char path[4700];
	uint64_t from;
	unsigned int i;
	int err;

	if (r->n_open == RECORDER_OPEN_MAX) {
		if (!r->skipped++)
			log_warn("flight recorder: %d recordings already running; anomaly %llu is "
				 "not recorded",
				 RECORDER_OPEN_MAX, (unsigned long long)a->id);
		return;
	}
	make_room(r);
	name_file(a, a->rec_file, sizeof(a->rec_file));
	snprintf(path, sizeof(path), "%s/%s", r->dir, a->rec_file);
	err = pcapw_open(path, r->pk->linktype, r->pk->snaplen ? r->pk->snaplen : 65535, 0, 0,
			 &r->open[r->n_open].w);
	if (err) {
		a->rec_file[0] = '\0';
		return;
	}
	i = r->n_open++;
	r->open[i].a = a;
	r->open[i].bytes = 24;
	from = a->first_ns > r->span_ns ? a->first_ns - r->span_ns : 0;
	for (size_t k = 0; k < r->pk->count; k++) {
		const struct wl_record *rec = packets_get(r->pk, k);

		if (rec->ts_ns >= from && rec->data)
			rec_write(r, i, rec);
	}
}

void recorder_packet(struct scan_recorder *r, const struct wl_record *rec)
{
	for (unsigned int i = r->n_open; i-- > 0;) {
		rec_write(r, i, rec);
		if (r->open[i].bytes >= r->file_max)
			rec_close(r, i);
	}
}

void recorder_tick(struct scan_recorder *r, uint64_t now_ns)
{
	for (unsigned int i = r->n_open; i-- > 0;) {
		const struct anomaly *a = r->open[i].a;
		uint64_t last = a->last_ns > a->detected_ns ? a->last_ns : a->detected_ns;

		if (now_ns >= last + r->span_ns)
			rec_close(r, i);
		else
			pcapw_flush(r->open[i].w);
	}
}

void recorder_forget(struct scan_recorder *r, struct anomaly *a)
{
	for (unsigned int i = r->n_open; i-- > 0;)
		if (r->open[i].a == a)
			rec_close(r, i);
}

const char *recorder_dir(const struct scan_recorder *r)
{
	return r->dir;
}

void recorder_usage(const struct scan_recorder *r, uint64_t *files, uint64_t *bytes,
		    uint64_t *max_bytes)
{
	dir_scan(r, files, bytes, NULL, 0);
	*max_bytes = r->max_bytes;
}
