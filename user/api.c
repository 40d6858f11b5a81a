// SPDX-License-Identifier: MIT
/* The HTTP API's answers, all rendered from the one snapshot under the ctl lock. */
#include "api.h"
#include "recorder.h"
#include "analysis.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "export.h"
#include "iface.h"
#include "json.h"
#include "loader.h"
#include "links.h"
#include "log.h"
#include "metrics.h"
#include "names.h"
#include "packets.h"
#include "pcap_source.h"
#include "sse.h"
#include "talkers.h"
#include "timeseries.h"
#include "util.h"
#include "version.h"

#define CT_JSON "application/json; charset=utf-8"

/* Records sent with each event at most, and with a new client's first snapshot. */
#define EVENT_RECORDS 100
/* Entries per talkers list in the light snapshot the events carry. */
#define EVENT_TOP 10

void api_error(struct api_answer *a, int status, const char *fmt, ...)
{
	char msg[512];
	cJSON *o = cJSON_CreateObject();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->status = status;
	a->ctype = CT_JSON;
	a->body = NULL;
	if (o && cJSON_AddStringToObject(o, "error", msg))
		a->body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!a->body) {
		a->status = 500;
		a->body = strdup("{\"error\":\"out of memory\"}");
	}
	a->len = a->body ? strlen(a->body) : 0;
}

/* a = the JSON tree o (consumed), status 200. */
static void answer_json(struct api_answer *a, cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (!text) {
		api_error(a, 500, "out of memory");
		return;
	}
	a->status = 200;
	a->ctype = CT_JSON;
	a->body = text;
	a->len = strlen(text);
}

/* Answers that need a capture (or a read file) to say anything; false after a 503. */
static bool need_snapshot(struct wl_ctl *c, struct api_answer *a)
{
	if (c->snap)
		return true;
	api_error(a, 503, "the capture is starting; try again in a moment");
	return false;
}

/* A whole number from a query parameter, or def when absent. false after a 400. */
static bool query_u64(const char *name, const char *v, uint64_t lo, uint64_t hi, uint64_t def,
		      uint64_t *out, struct api_answer *a)
{
	if (!v) {
		*out = def;
		return true;
	}
	if (util_parse_u64(v, lo, hi, out)) {
		api_error(a, 400, "%s must be a whole number from %llu to %llu", name, U64(lo),
			  U64(hi));
		return false;
	}
	return true;
}

void api_status(struct wl_ctl *c, struct api_answer *a)
{
	cJSON *o = cJSON_CreateObject(), *x;
	bool ok;

	ctl_lock(c);
	ok = o && cJSON_AddStringToObject(o, "version", WL_VERSION) &&
	     cJSON_AddStringToObject(o, "state", ctl_state_name(c->state)) &&
	     cJSON_AddNumberToObject(o, "uptime_s",
				     (double)((util_now_mono_ns() - c->started_mono_ns) / 1000000) /
					     1000.0);
	if (ok && c->snap)
		ok = !json_add_source(o, &c->snap->source);
	if (ok) {
		x = cJSON_AddObjectToObject(o, "capture");
		ok = x && cJSON_AddStringToObject(x, "interface", c->ifname) &&
		     cJSON_AddStringToObject(x, "backend", c->backend ? c->backend : "none") &&
		     (c->filter_text[0] ? cJSON_AddStringToObject(x, "filter", c->filter_text)
					: cJSON_AddNullToObject(x, "filter"));
	}
	if (ok) {
		x = cJSON_AddObjectToObject(o, "web");
		ok = x &&
		     cJSON_AddStringToObject(x, "listen", c->listen_desc ? c->listen_desc : "") &&
		     cJSON_AddBoolToObject(x, "tls", c->tls) &&
		     cJSON_AddBoolToObject(x, "auth", c->auth) &&
		     cJSON_AddNumberToObject(x, "event_clients", sse_clients(c->hub));
	}
	if (ok && c->snap && c->snap->source.pin_path[0] && c->backend &&
	    !strcmp(c->backend, "xdp")) {
		cJSON *maps;

		x = cJSON_AddObjectToObject(o, "bpf");
		ok = x && cJSON_AddStringToObject(x, "pin_path", c->snap->source.pin_path) &&
		     (maps = cJSON_AddObjectToObject(x, "maps")) &&
		     cJSON_AddStringToObject(maps, "stats", WL_MAP_STATS) &&
		     cJSON_AddStringToObject(maps, "flows", WL_MAP_FLOWS4) &&
		     cJSON_AddStringToObject(maps, "flows6", WL_MAP_FLOWS6) &&
		     cJSON_AddStringToObject(maps, "health", WL_MAP_HEALTH);
	} else if (ok) {
		ok = cJSON_AddNullToObject(o, "bpf") != NULL;
	}
	if (ok && c->snap) {
		const struct wl_snapshot *s = c->snap;

		x = cJSON_AddObjectToObject(o, "health");
		ok = x && !json_add_u64(x, "samples_lost", s->samples.lost) &&
		     !json_add_u64(x, "samples_limited", s->samples.limited) &&
		     !json_add_u64(x, "pcap_kernel", s->drops.pcap_kernel) &&
		     !json_add_u64(x, "pcap_ifdrop", s->drops.pcap_ifdrop) &&
		     !json_add_u64(x, "flow_insert_failed", s->drops.flow_insert_failed);
	}
	ctl_unlock(c);
	if (!ok) {
		cJSON_Delete(o);
		o = NULL;
	}
	answer_json(a, o);
}

void api_interfaces(struct wl_ctl *c, struct api_answer *a)
{
	char ifname[sizeof(c->ifname)];

	ctl_lock(c);
	snprintf(ifname, sizeof(ifname), "%s",
		 c->state == WL_CTL_CAPTURING || c->state == WL_CTL_STARTING ? c->ifname : "");
	ctl_unlock(c);
	answer_json(a, iface_json(ifname[0] ? ifname : NULL));
}

/* Render the stats for /api/v1/stats (lock held). 0 or -ENOMEM. */
static int stats_refresh(struct wl_ctl *c)
{
	cJSON *o = json_snapshot(c->snap);
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return text ? ctl_set_stats(c, text) : -ENOMEM;
}

/* The stats of the last tick, shared without a copy: readers never wait for a rendering. */
void api_stats(struct wl_ctl *c, struct api_answer *a)
{
	struct ctl_text *t = ctl_get_stats(c);

	if (!t) {
		api_error(a, 503, "the capture is starting; try again in a moment");
		return;
	}
	a->shared = t;
	a->len = t->len;
	a->status = 200;
	a->ctype = CT_JSON;
}

void api_timeseries(struct wl_ctl *c, const char *window, struct api_answer *a)
{
	uint64_t w;
	cJSON *o;

	if (!query_u64("window", window, 1, 86400, 300, &w, a))
		return;
	ctl_lock(c);
	if (!need_snapshot(c, a)) {
		ctl_unlock(c);
		return;
	}
	o = json_timeseries(c->snap, w);
	ctl_unlock(c);
	answer_json(a, o);
}

void api_talkers(struct wl_ctl *c, const char *by, const char *dir, const char *sort,
		 const char *limit, struct api_answer *a)
{
	enum json_talkers_kind kind = JSON_TALKERS_HOSTS;
	enum talkers_dir d = TALKERS_DIR_ALL;
	enum talkers_sort s = TALKERS_BY_BYTES;
	uint64_t n;
	cJSON *o;
	bool ok;

	if (by && !strcmp(by, "pair"))
		kind = JSON_TALKERS_PAIRS;
	else if (by && !strcmp(by, "flow"))
		kind = JSON_TALKERS_FLOWS;
	else if (by && strcmp(by, "host"))
		return api_error(a, 400, "by must be host, pair or flow");
	if (dir && !strcmp(dir, "in"))
		d = TALKERS_DIR_IN;
	else if (dir && !strcmp(dir, "out"))
		d = TALKERS_DIR_OUT;
	else if (dir && strcmp(dir, "all"))
		return api_error(a, 400, "dir must be in, out or all");
	if (sort && !strcmp(sort, "packets"))
		s = TALKERS_BY_PACKETS;
	else if (sort && strcmp(sort, "bytes"))
		return api_error(a, 400, "sort must be bytes or packets");
	if (!query_u64("limit", limit, 1, 1000, 10, &n, a))
		return;
	o = cJSON_CreateObject();
	ctl_lock(c);
	if (!need_snapshot(c, a)) {
		ctl_unlock(c);
		cJSON_Delete(o);
		return;
	}
	ok = o && cJSON_AddStringToObject(o, "by", by ? by : "host") &&
	     cJSON_AddStringToObject(o, "dir", dir ? dir : "all") &&
	     cJSON_AddStringToObject(o, "sort", sort ? sort : "bytes") &&
	     !json_add_u64(o, "limit", n) &&
	     !json_add_talkers_list(o, "entries", c->snap->talkers, kind, s, d, (unsigned int)n);
	ctl_unlock(c);
	if (!ok) {
		cJSON_Delete(o);
		o = NULL;
	}
	answer_json(a, o);
}

static void answer_filter_error(struct api_answer *a, const char *text,
				const struct wl_filter_error *ferr)
{
	cJSON *o = cJSON_CreateObject();

	if (o && cJSON_AddStringToObject(o, "error", ferr->msg) &&
	    cJSON_AddNumberToObject(o, "position", (double)ferr->pos) &&
	    cJSON_AddStringToObject(o, "expression", text)) {
		answer_json(a, o);
		a->status = 400;
		return;
	}
	cJSON_Delete(o);
	api_error(a, 500, "out of memory");
}

/* The newest records with seq > after (and matching prog, if any), at most limit, oldest first. */
static cJSON *records_after(const struct packets *p, uint64_t after, size_t limit,
			    const struct wl_filter_prog *prog)
{
	size_t *pick = calloc(limit < p->count ? limit : p->count ? p->count : 1, sizeof(*pick));
	cJSON *arr = cJSON_CreateArray();
	size_t n = 0;

	if (!arr || !pick) {
		free(pick);
		cJSON_Delete(arr);
		return NULL;
	}
	/* Walk back from the newest, picking the answer; then render it oldest first. */
	for (size_t i = p->count; i > 0 && n < limit; i--) {
		const struct wl_record *r = packets_get(p, i - 1);
		struct wl_filter_env env = {.caplen = r->caplen, .app = r->app};

		if (r->seq <= after)
			break;
		if (!prog || wl_filter_run(prog, r->data, &env))
			pick[n++] = i - 1;
	}
	while (n > 0) {
		cJSON *o = json_record(packets_get(p, pick[--n]));

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			arr = NULL;
			break;
		}
	}
	free(pick);
	return arr;
}

void api_packets(struct wl_ctl *c, const char *limit, const char *filter, const char *after,
		 struct api_answer *a)
{
	struct wl_filter_prog *prog = NULL;
	struct wl_filter_error ferr;
	uint64_t n, seq;
	cJSON *o, *recs;
	bool ok;
	int linktype;

	if (!query_u64("limit", limit, 1, 100000, 100, &n, a) ||
	    !query_u64("after", after, 0, UINT64_MAX, 0, &seq, a))
		return;
	ctl_lock(c);
	linktype = c->snap && c->snap->packets ? c->snap->packets->linktype : 1;
	ctl_unlock(c);
	if (filter && filter[0]) {
		prog = malloc(sizeof(*prog));
		if (!prog)
			return api_error(a, 500, "out of memory");
		if (wl_filter_compile(filter, linktype, prog, &ferr)) {
			free(prog);
			return answer_filter_error(a, filter, &ferr);
		}
	}
	o = cJSON_CreateObject();
	ctl_lock(c);
	if (!need_snapshot(c, a)) {
		ctl_unlock(c);
		cJSON_Delete(o);
		free(prog);
		return;
	}
	if (c->snap->packets) {
		recs = records_after(c->snap->packets, seq, n, prog);
		ok = o && recs && cJSON_AddItemToObject(o, "records", recs);
		if (!ok && recs && o)
			cJSON_Delete(recs);
	} else {
		ok = o && cJSON_AddArrayToObject(o, "records");
	}
	ok = ok && !json_add_u64(o, "kept", c->snap->samples.kept) &&
	     !json_add_u64(o, "received", c->snap->samples.received) &&
	     !json_add_u64(o, "lost", c->snap->samples.lost) &&
	     !json_add_u64(o, "limited", c->snap->samples.limited);
	ctl_unlock(c);
	free(prog);
	if (!ok) {
		cJSON_Delete(o);
		o = NULL;
	}
	answer_json(a, o);
}

/* Nothing to report yet: say why rather than show empty numbers. */
static void not_measured(struct api_answer *a, const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	if (o && (!cJSON_AddBoolToObject(o, "available", false) ||
		  !cJSON_AddStringToObject(o, "reason", reason))) {
		cJSON_Delete(o);
		o = NULL;
	}
	answer_json(a, o);
}

void api_latency(struct wl_ctl *c, struct api_answer *a)
{
	cJSON *o = NULL, *t;

	ctl_lock(c);
	if (c->snap && c->snap->an) {
		o = json_latency(c->snap, c->snap->top);
		t = o ? json_tcp(c->snap->an) : NULL;
		if (o && (!t || !cJSON_AddItemToObject(o, "tcp", t))) {
			cJSON_Delete(t);
			cJSON_Delete(o);
			o = NULL;
		}
	}
	ctl_unlock(c);
	if (!c->snap)
		not_measured(a, "nothing has been captured yet");
	else
		answer_json(a, o);
}

void api_anomalies(struct wl_ctl *c, struct api_answer *a)
{
	cJSON *o = NULL;

	ctl_lock(c);
	if (c->snap && c->snap->an)
		o = json_anomalies(c->snap);
	ctl_unlock(c);
	if (!c->snap)
		not_measured(a, "nothing has been captured yet");
	else
		answer_json(a, o);
}

void api_recording(struct wl_ctl *c, const char *id, struct api_answer *a)
{
	char path[4400], name[sizeof(((struct anomaly *)0)->rec_file)] = "";
	const struct scan *s;
	bool complete = false, found = false;
	uint64_t want;
	FILE *f;
	long n;

	if (!id || util_parse_u64(id, 1, UINT64_MAX, &want)) {
		api_error(a, 400, "id: expected the number of an anomaly (see /api/v1/anomalies)");
		return;
	}
	ctl_lock(c);
	s = c->snap && c->snap->an ? &c->snap->an->scan : NULL;
	for (unsigned int i = 0; s && s->rec && i < s->n; i++) {
		if (s->list[i]->id != want)
			continue;
		found = true;
		complete = s->list[i]->rec_complete;
		snprintf(name, sizeof(name), "%s", s->list[i]->rec_file);
		snprintf(path, sizeof(path), "%s/%s", recorder_dir(s->rec), name);
	}
	ctl_unlock(c);
	if (!found || !name[0]) {
		api_error(a, 404, "no recording for anomaly %llu (is --flight-recorder set?)",
			  (unsigned long long)want);
		return;
	}
	if (!complete) {
		api_error(a, 409, "the recording of anomaly %llu is still being written",
			  (unsigned long long)want);
		return;
	}
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		api_error(a, 410, "the recording %s is gone: %s", name, strerror(errno));
		if (f)
			fclose(f);
		return;
	}
	a->body = malloc((size_t)n + 1);
	if (!a->body || fread(a->body, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(a->body);
		a->body = NULL;
		api_error(a, 500, "cannot read the recording %s", name);
		return;
	}
	fclose(f);
	a->len = (size_t)n;
	a->status = 200;
	a->ctype = "application/vnd.tcpdump.pcap";
	a->filename = "wirelens-anomaly.pcap";
}

void api_filter_get(struct wl_ctl *c, struct api_answer *a)
{
	cJSON *o = cJSON_CreateObject();
	bool ok;

	ctl_lock(c);
	ok = o && (c->filter_text[0] ? cJSON_AddStringToObject(o, "filter", c->filter_text)
				     : cJSON_AddNullToObject(o, "filter"));
	ctl_unlock(c);
	if (!ok) {
		cJSON_Delete(o);
		o = NULL;
	}
	answer_json(a, o);
}

int api_apply_filter(struct wl_ctl *c, const char *text, struct wl_filter_error *ferr)
{
	struct wl_filter_prog *prog;
	int err;

	if (c->state != WL_CTL_CAPTURING || !c->links)
		return -EPERM;
	prog = malloc(sizeof(*prog));
	if (!prog)
		return -ENOMEM;
	err = wl_filter_compile(text, c->linktype, prog, ferr);
	if (err) {
		free(prog);
		return err;
	}
	links_set_filter(c->links, prog);
	free(prog);
	log_info("filter changed from '%s' to '%s'", c->filter_text, text);
	snprintf(c->filter_text, sizeof(c->filter_text), "%s", text);
	if (c->snap)
		c->snap->filter_expr = c->filter_text[0] ? c->filter_text : NULL;
	ctl_changed(c);
	return 0;
}

/* The JSON object of a request body; NULL after a 400. */
static cJSON *parse_body(const char *body, size_t len, struct api_answer *a)
{
	cJSON *o = len ? cJSON_ParseWithLength(body, len) : NULL;

	if (!o) {
		api_error(a, 400, "the body must be a JSON object");
		return NULL;
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		api_error(a, 400, "the body must be a JSON object");
		return NULL;
	}
	return o;
}

/* body.filter as text: "" for null or absent when optional. false after a 400. */
static bool body_filter(const cJSON *o, bool required, char *out, size_t size, struct api_answer *a)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "filter");

	if (!f && required) {
		api_error(a, 400,
			  "the body needs a \"filter\" member (a string, or null for none)");
		return false;
	}
	if (!f || cJSON_IsNull(f)) {
		out[0] = 0;
		return true;
	}
	if (!cJSON_IsString(f)) {
		api_error(a, 400, "\"filter\" must be a string or null");
		return false;
	}
	if (strlen(f->valuestring) >= size) {
		api_error(a, 400, "the filter is too long (at most %zu characters)", size - 1);
		return false;
	}
	snprintf(out, size, "%s", f->valuestring);
	return true;
}

void api_filter_set(struct wl_ctl *c, const char *body, size_t len, struct api_answer *a)
{
	char *text = malloc(WL_FILTER_TEXT_MAX), *prev = malloc(WL_FILTER_TEXT_MAX);
	struct wl_filter_error ferr;
	cJSON *o = NULL;
	int err;

	if (!text || !prev) {
		api_error(a, 500, "out of memory");
		goto out;
	}
	o = parse_body(body, len, a);
	if (!o || !body_filter(o, true, text, WL_FILTER_TEXT_MAX, a))
		goto out;
	ctl_lock(c);
	snprintf(prev, WL_FILTER_TEXT_MAX, "%s", c->filter_text);
	err = api_apply_filter(c, text, &ferr);
	ctl_unlock(c);
	if (err == -EPERM) {
		api_error(a, 409,
			  "nothing is capturing: start a capture first (a file's filter is given "
			  "with -r FILE EXPRESSION)");
	} else if (err == -EINVAL) {
		answer_filter_error(a, text, &ferr);
	} else if (err) {
		api_error(a, 500, "out of memory");
	} else {
		cJSON *r = cJSON_CreateObject();

		if (r && (!(text[0] ? cJSON_AddStringToObject(r, "filter", text)
				    : cJSON_AddNullToObject(r, "filter")) ||
			  !(prev[0] ? cJSON_AddStringToObject(r, "previous", prev)
				    : cJSON_AddNullToObject(r, "previous")))) {
			cJSON_Delete(r);
			r = NULL;
		}
		answer_json(a, r);
	}
out:
	cJSON_Delete(o);
	free(text);
	free(prev);
}

int api_capture_start(struct wl_ctl *c, const char *body, size_t len, struct ctl_waiter *w,
		      struct api_answer *a)
{
	char *filter = malloc(WL_FILTER_TEXT_MAX);
	struct wl_filter_prog *prog = malloc(sizeof(*prog));
	struct wl_filter_error ferr;
	enum wl_backend backend = WL_BACKEND_AUTO;
	const cJSON *x;
	cJSON *o = NULL;
	char ifname[sizeof(c->start_ifname)] = "";
	bool has_filter;
	int ret = 0;

	if (!filter || !prog) {
		api_error(a, 500, "out of memory");
		goto out;
	}
	o = parse_body(len ? body : "{}", len ? len : 2, a);
	if (!o)
		goto out;
	x = cJSON_GetObjectItemCaseSensitive(o, "interface");
	if (x && !cJSON_IsNull(x)) {
		if (!cJSON_IsString(x) || !x->valuestring[0] ||
		    strlen(x->valuestring) >= sizeof(ifname)) {
			api_error(a, 400,
				  "\"interface\" must be an interface name, names separated by "
				  "commas, or \"any\"");
			goto out;
		}
		if (!iface_names_check(x->valuestring, ifname, sizeof(ifname))) {
			api_error(a, 400, "%s (see /api/v1/interfaces)", ifname);
			goto out;
		}
		snprintf(ifname, sizeof(ifname), "%s", x->valuestring);
	}
	x = cJSON_GetObjectItemCaseSensitive(o, "backend");
	if (x && !cJSON_IsNull(x)) {
		if (cJSON_IsString(x) && !strcmp(x->valuestring, "xdp"))
			backend = WL_BACKEND_XDP;
		else if (cJSON_IsString(x) && !strcmp(x->valuestring, "pcap"))
			backend = WL_BACKEND_PCAP;
		else if (!cJSON_IsString(x) || strcmp(x->valuestring, "auto")) {
			api_error(a, 400, "\"backend\" must be auto, xdp or pcap");
			goto out;
		}
	}
	has_filter = cJSON_GetObjectItemCaseSensitive(o, "filter") != NULL;
	if (!body_filter(o, false, filter, WL_FILTER_TEXT_MAX, a))
		goto out;
	if (has_filter && wl_filter_compile(filter, 1 /* DLT_EN10MB */, prog, &ferr)) {
		answer_filter_error(a, filter, &ferr);
		goto out;
	}
	if (c->state == WL_CTL_FINISHED) {
		api_error(a, 409, "this wirelens analyses a file (-r): it cannot capture live");
	} else if (c->state != WL_CTL_STOPPED || c->start_req) {
		api_error(a, 409, "a capture is already running on '%s': stop it first", c->ifname);
	} else {
		c->start_req = true;
		snprintf(c->start_ifname, sizeof(c->start_ifname), "%s",
			 ifname[0] ? ifname : c->ifname);
		c->start_backend = backend;
		snprintf(c->start_filter, sizeof(c->start_filter), "%s",
			 has_filter ? filter : c->filter_text);
		w->next = c->waiters;
		c->waiters = w;
		ret = 1;
	}
out:
	cJSON_Delete(o);
	free(filter);
	free(prog);
	return ret;
}

int api_capture_stop(struct wl_ctl *c, struct ctl_waiter *w, struct api_answer *a)
{
	int ret = 0;

	if (c->state == WL_CTL_FINISHED) {
		api_error(a, 409, "this wirelens analyses a file (-r): there is no live capture");
	} else if (c->state != WL_CTL_CAPTURING && c->state != WL_CTL_STARTING) {
		api_error(a, 409, "nothing is capturing");
	} else {
		c->stop_req = true;
		w->next = c->waiters;
		c->waiters = w;
		ret = 1;
	}
	return ret;
}

void api_capture_result(struct wl_ctl *c, const struct ctl_waiter *w, struct api_answer *a)
{
	if (w->error[0])
		return api_error(a, w->status, "%s", w->error);
	api_status(c, a);
	a->status = w->status;
}

void api_export(struct wl_ctl *c, const char *format, struct api_answer *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (!format || (strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "pcap")))
		return api_error(a, 400, "format must be csv, json or pcap");
	ctl_lock(c);
	if (!need_snapshot(c, a)) {
		ctl_unlock(c);
		return;
	}
	if (!c->snap->packets) {
		ctl_unlock(c);
		return api_error(a, 404, "no packet records are kept (--packet-buffer 0)");
	}
	if (!strcmp(format, "pcap")) {
		err = export_pcap_mem(c->snap->packets, &buf, &len);
		a->ctype = "application/vnd.tcpdump.pcap";
		a->filename = "wirelens.pcap";
	} else {
		f = open_memstream(&buf, &len);
		err = f ? 0 : -errno;
		if (f) {
			if (!strcmp(format, "csv"))
				err = export_csv(f, c->snap->packets);
			else
				err = export_json(f, c->snap);
			if (fclose(f) && !err)
				err = -EIO;
		}
		a->ctype = strcmp(format, "csv") ? CT_JSON : "text/csv; charset=utf-8";
		a->filename = strcmp(format, "csv") ? "wirelens.json" : "wirelens.csv";
	}
	ctl_unlock(c);
	if (err) {
		free(buf);
		a->filename = NULL;
		return api_error(a, 500, "cannot render the export: %s", strerror(-err));
	}
	a->status = 200;
	a->body = buf;
	a->len = len;
}

void api_metrics(struct wl_ctl *c, struct api_answer *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return api_error(a, 500, "out of memory");
	ctl_lock(c);
	err = metrics_write(f, c);
	ctl_unlock(c);
	if (fclose(f) || err) {
		free(buf);
		return api_error(a, 500, "cannot render the metrics");
	}
	a->status = 200;
	a->body = buf;
	a->len = len;
	a->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

void api_data(struct wl_ctl *c, struct api_answer *a)
{
	char buf[160];
	const struct wl_stats *s;

	ctl_lock(c);
	if (!need_snapshot(c, a)) {
		ctl_unlock(c);
		return;
	}
	s = &c->snap->all;
	snprintf(buf, sizeof(buf), "{\"TCP\":%llu,\"UDP\":%llu,\"ICMP\":%llu,\"OTHER\":%llu}",
		 U64(s->l4.tcp.packets), U64(s->l4.udp.packets),
		 U64(s->l4.icmp.packets + s->l4.icmpv6.packets), U64(s->l4.other.packets));
	ctl_unlock(c);
	a->body = strdup(buf);
	if (!a->body)
		return api_error(a, 500, "out of memory");
	a->len = strlen(buf);
	a->status = 200;
	a->ctype = CT_JSON;
}

/* "event: NAME\nid: SEQ\ndata: JSON\n\n" for the tree o. NULL on ENOMEM. */
static char *sse_block(const char *name, uint64_t seq, const cJSON *o)
{
	char *json = cJSON_PrintUnformatted(o), *out;
	size_t n;

	if (!json)
		return NULL;
	n = strlen(json) + strlen(name) + 64;
	out = malloc(n);
	if (out)
		snprintf(out, n, "event: %s\nid: %llu\ndata: %s\n\n", name, U64(seq), json);
	free(json);
	return out;
}

/* The time-series seconds closed since the last event: t in (pub_point_t, now_s). */
static cJSON *new_points(struct wl_ctl *c, uint64_t now_s)
{
	const struct timeseries *ts = c->snap->ts;
	cJSON *arr = cJSON_CreateArray();
	uint64_t from = c->pub_point_t + 1;

	if (!arr || !ts || !ts->last)
		return arr;
	if (now_s > ts->last + 1)
		now_s = ts->last + 1; /* offline: the file's own clock */
	if (from + TS_SECONDS < now_s || from > now_s)
		from = now_s > 60 ? now_s - 60 : 0;
	for (uint64_t t = from; t < now_s; t++) {
		const struct ts_bucket *b = &ts->sec[t % TS_SECONDS];
		cJSON *p;

		if (b->t != t || !b->total.packets)
			continue;
		p = json_point(b);
		if (!p || !cJSON_AddItemToArray(arr, p)) {
			cJSON_Delete(p);
			cJSON_Delete(arr);
			return NULL;
		}
	}
	if (now_s)
		c->pub_point_t = now_s - 1;
	return arr;
}

void api_publish(struct wl_ctl *c, uint64_t now_real_s)
{
	cJSON *light, *patch = NULL, *delta = NULL, *snap = NULL, *points = NULL, *recs = NULL;
	char *dtext = NULL, *stext = NULL;
	uint64_t seq, newest = 0;
	int err = 0;

	ctl_changed(c);
	if (!c->snap || !c->listen_desc)
		return; /* no web server: nobody to render for */
	stats_refresh(c);
	if (!c->hub)
		return;
	light = json_snapshot_ex(c->snap, EVENT_TOP, false);
	if (!light)
		return;
	if (c->prev_light)
		patch = json_merge_patch(c->prev_light, light, &err);
	points = new_points(c, now_real_s);
	if (c->snap->packets) {
		const struct packets *p = c->snap->packets;

		recs = records_after(p, c->pub_pkt_seq, EVENT_RECORDS, NULL);
		if (p->count)
			newest = packets_get(p, p->count - 1)->seq;
	} else {
		recs = cJSON_CreateArray();
	}
	if (err || !points || !recs)
		goto out;
	seq = sse_next_seq(c->hub);
	if (!c->prev_light || patch || cJSON_GetArraySize(points) || cJSON_GetArraySize(recs)) {
		delta = cJSON_CreateObject();
		if (!delta || json_add_u64(delta, "seq", seq) ||
		    !cJSON_AddItemToObject(delta, "patch", patch ? patch : cJSON_CreateObject()))
			goto out;
		patch = NULL;
		if (!cJSON_AddItemToObject(delta, "points", points))
			goto out;
		points = NULL;
		if (!cJSON_AddItemToObject(delta, "packets", recs))
			goto out;
		recs = NULL;
		dtext = sse_block("delta", seq, delta);
		if (!dtext)
			goto out;
	} else {
		seq--; /* no delta: the snapshot stays at the last one's number */
	}
	/* A new client's first event: the whole light snapshot and the recent records. */
	snap = cJSON_CreateObject();
	if (!snap || json_add_u64(snap, "seq", seq) ||
	    !cJSON_AddItemToObject(snap, "stats", cJSON_Duplicate(light, true)))
		goto out;
	if (c->snap->packets) {
		cJSON *r = records_after(c->snap->packets, 0, EVENT_RECORDS, NULL);

		if (!r || !cJSON_AddItemToObject(snap, "packets", r)) {
			cJSON_Delete(r);
			goto out;
		}
	} else if (!cJSON_AddArrayToObject(snap, "packets")) {
		goto out;
	}
	stext = sse_block("snapshot", seq, snap);
	if (!stext)
		goto out;
	if (sse_publish(c->hub, dtext, stext))
		goto out;
	c->pub_pkt_seq = newest;
	cJSON_Delete(c->prev_light);
	c->prev_light = light;
	light = NULL;
out:
	cJSON_Delete(light);
	cJSON_Delete(patch);
	cJSON_Delete(points);
	cJSON_Delete(recs);
	cJSON_Delete(delta);
	cJSON_Delete(snap);
	free(dtext);
	free(stext);
}

void api_reset_events(struct wl_ctl *c)
{
	cJSON_Delete(c->prev_light);
	c->prev_light = NULL;
	c->pub_pkt_seq = 0;
	c->pub_point_t = 0;
	if (c->hub)
		sse_reset(c->hub);
}
