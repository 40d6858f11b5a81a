/* SPDX-License-Identifier: MIT */
/*
 * The answers of the HTTP API, each rendered from the one snapshot (under the ctl lock), and
 * the event the capture loop publishes every second. http.c does the HTTP side.
 */
#ifndef WL_API_H
#define WL_API_H

#include <stddef.h>
#include <stdint.h>

#include "ctl.h"

/* Largest request body accepted (JSON for the control endpoints). */
#define API_MAX_BODY (64 * 1024)

struct api_answer {
	int status;
	char *body; /* malloc'd */
	size_t len;
	const char *ctype;
	const char *filename;	 /* sent as an attachment with this name, or NULL */
	struct ctl_text *shared; /* instead of body: a shared text (a reference) */
	const char *allow;	 /* the Allow header of a 405, or NULL */
};

/* a = {"error": message} with status. */
void api_error(struct api_answer *a, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void api_status(struct wl_ctl *c, struct api_answer *a);
void api_interfaces(struct wl_ctl *c, struct api_answer *a);
void api_stats(struct wl_ctl *c, struct api_answer *a);
void api_timeseries(struct wl_ctl *c, const char *window, struct api_answer *a);
void api_talkers(struct wl_ctl *c, const char *by, const char *dir, const char *sort,
		 const char *limit, struct api_answer *a);
void api_packets(struct wl_ctl *c, const char *limit, const char *filter, const char *after,
		 struct api_answer *a);
void api_latency(struct wl_ctl *c, struct api_answer *a);
void api_anomalies(struct wl_ctl *c, struct api_answer *a);
/* The flight-recorder pcap of anomaly `id`, once complete. */
void api_recording(struct wl_ctl *c, const char *id, struct api_answer *a);
void api_filter_get(struct wl_ctl *c, struct api_answer *a);
void api_filter_set(struct wl_ctl *c, const char *body, size_t len, struct api_answer *a);
void api_export(struct wl_ctl *c, const char *format, struct api_answer *a);
void api_metrics(struct wl_ctl *c, struct api_answer *a);
void api_data(struct wl_ctl *c, struct api_answer *a);

/*
 * Capture start/stop (lock held): hand the request to the capture loop. Returns 1 when w now waits (the
 * caller suspends the connection; w->done runs when the loop has done it), 0 when a holds
 * the answer already (a refusal).
 */
int api_capture_start(struct wl_ctl *c, const char *body, size_t len, struct ctl_waiter *w,
		      struct api_answer *a);
int api_capture_stop(struct wl_ctl *c, struct ctl_waiter *w, struct api_answer *a);
/* The answer of a finished start/stop request. */
void api_capture_result(struct wl_ctl *c, const struct ctl_waiter *w, struct api_answer *a);

/*
 * Change the capture filter of the running capture (lock held): compile, put in place, no
 * reattach. Returns 0, or -EINVAL with *ferr filled, or -EPERM when nothing is capturing.
 */
int api_apply_filter(struct wl_ctl *c, const char *text, struct wl_filter_error *ferr);

/* The capture loop, once a second (lock held): refresh the stats, publish the SSE event. */
void api_publish(struct wl_ctl *c, uint64_t now_real_s);

/* Every SSE client starts over from a snapshot (capture started or stopped; lock held). */
void api_reset_events(struct wl_ctl *c);

#endif
