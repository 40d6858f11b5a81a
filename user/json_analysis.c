// SPDX-License-Identifier: MIT
/* JSON of the connection analysis: latency, TCP health, anomalies (docs/api.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "json.h"
#include "recorder.h"

int json_add_tcp_health(cJSON *obj, const char *name, const struct tcp_health *h)
{
	cJSON *o = cJSON_AddObjectToObject(obj, name);

	if (!o || json_add_u64(o, "retransmissions", h->retrans) ||
	    json_add_u64(o, "out_of_order", h->ooo) ||
	    json_add_u64(o, "duplicate_acks", h->dupack) ||
	    json_add_u64(o, "zero_windows", h->zerowin) || json_add_u64(o, "resets", h->rst))
		return -ENOMEM;
	return 0;
}

int json_add_flow_tcp(cJSON *obj, const struct flow_entry *f)
{
	cJSON *o, *r;

	if (f->key.proto == 6) {
		o = cJSON_AddObjectToObject(obj, "tcp");
		if (!o || json_add_tcp_health(o, "a_to_b", &f->hab) ||
		    json_add_tcp_health(o, "b_to_a", &f->hba))
			return -ENOMEM;
	}
	if (!f->rtt.count)
		return 0;
	r = cJSON_AddObjectToObject(obj, "rtt");
	if (!r || json_add_u64(r, "samples", f->rtt.count) ||
	    json_add_real(r, "min_ms", f->rtt.min_us / 1000.0) ||
	    json_add_real(r, "last_ms", f->rtt.last_us / 1000.0))
		return -ENOMEM;
	return 0;
}

static int json_add_summary(cJSON *obj, const char *name, const struct lat_summary *s)
{
	cJSON *o = cJSON_AddObjectToObject(obj, name);

	if (!o || json_add_u64(o, "samples", s->samples))
		return -ENOMEM;
	if (!s->samples)
		return 0;
	if (json_add_real(o, "min_ms", s->min_ms) || json_add_real(o, "mean_ms", s->mean_ms) ||
	    json_add_real(o, "p50_ms", s->p50_ms) || json_add_real(o, "p90_ms", s->p90_ms) ||
	    json_add_real(o, "p99_ms", s->p99_ms) || json_add_real(o, "max_ms", s->max_ms))
		return -ENOMEM;
	return 0;
}

static int json_add_hist(cJSON *hist, const struct latency *l)
{
	cJSON *le = cJSON_AddArrayToObject(hist, "le_ms");

	if (!le)
		return -ENOMEM;
	for (int i = 0; i < LAT_LE_COUNT; i++)
		if (!cJSON_AddItemToArray(le, cJSON_CreateNumber(lat_le_ms[i])))
			return -ENOMEM;
	for (unsigned int m = 0; m < WL_RTT_METHODS; m++) {
		cJSON *a = cJSON_AddArrayToObject(hist, latency_method_name(m));

		if (!a)
			return -ENOMEM;
		for (int i = 0; i <= LAT_LE_COUNT; i++)
			if (!cJSON_AddItemToArray(a, json_u64(l->m[m].le[i])))
				return -ENOMEM;
	}
	return 0;
}

static int json_add_lat_hosts(cJSON *obj, const struct latency *l, unsigned int top)
{
	const struct lat_host **list;
	cJSON *arr = cJSON_AddArrayToObject(obj, "hosts");
	size_t n;

	if (!arr)
		return -ENOMEM;
	if (!top)
		return 0;
	list = calloc(top, sizeof(*list));
	if (!list)
		return -ENOMEM;
	n = latency_slowest(l, list, top);
	for (size_t i = 0; i < n; i++) {
		const struct lat_host *h = list[i];
		cJSON *o = cJSON_CreateObject(), *ms;
		struct lat_summary s;

		lat_host_summary(h, &s);
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    json_add_addr(o, "addr", h->key.addr, h->key.family) ||
		    json_add_u64(o, "samples", s.samples) || json_add_real(o, "min_ms", s.min_ms) ||
		    json_add_real(o, "p50_ms", s.p50_ms) || json_add_real(o, "p90_ms", s.p90_ms) ||
		    json_add_real(o, "max_ms", s.max_ms) ||
		    json_add_time(o, "last_seen", h->last_ns) ||
		    !(ms = cJSON_AddObjectToObject(o, "methods"))) {
			free(list);
			return -ENOMEM;
		}
		for (unsigned int m = 0; m < WL_RTT_METHODS; m++) {
			if (!h->m[m].count)
				continue;
			lat_ring_summary(&h->m[m], &s);
			if (json_add_summary(ms, latency_method_name(m), &s)) {
				free(list);
				return -ENOMEM;
			}
		}
	}
	free(list);
	return 0;
}

cJSON *json_latency(const struct wl_snapshot *snap, unsigned int top)
{
	const struct latency *l = &snap->an->lat;
	cJSON *o = cJSON_CreateObject(), *ms, *hist;
	bool ok = o && cJSON_AddBoolToObject(o, "available", 1);

	ok = ok && (ms = cJSON_AddObjectToObject(o, "methods"));
	for (unsigned int m = 0; ok && m < WL_RTT_METHODS; m++) {
		struct lat_summary s;

		lat_hist_summary(&l->m[m], &s);
		ok = !json_add_summary(ms, latency_method_name(m), &s);
	}
	ok = ok && (hist = cJSON_AddObjectToObject(o, "histogram")) && !json_add_hist(hist, l);
	ok = ok && !json_add_lat_hosts(o, l, top);
	ok = ok && !json_add_u64(o, "hosts_tracked", l->hosts.count) &&
	     !json_add_u64(o, "hosts_forgotten", l->hosts_dropped);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int json_add_tcp_counts(cJSON *o, const struct wl_tcp_stats *t)
{
	if (json_add_u64(o, "segments", t->segments) ||
	    json_add_u64(o, "retransmissions", t->retransmissions) ||
	    json_add_u64(o, "out_of_order", t->out_of_order) ||
	    json_add_u64(o, "duplicate_acks", t->duplicate_acks) ||
	    json_add_u64(o, "zero_windows", t->zero_windows) ||
	    json_add_u64(o, "resets", t->resets) || json_add_u64(o, "syns", t->syns) ||
	    json_add_u64(o, "synacks", t->synacks) || json_add_u64(o, "handshakes", t->handshakes))
		return -ENOMEM;
	return 0;
}

cJSON *json_tcp(const struct analysis *an)
{
	static const char *const rate_names[6] = {"segments",	  "retransmissions",
						  "out_of_order", "duplicate_acks",
						  "zero_windows", "resets"};
	cJSON *o = cJSON_CreateObject(), *r, *d;
	struct wl_tcp_stats sum;
	bool ok;

	analysis_tcp_sum(an, &sum);
	ok = o && !json_add_tcp_counts(o, &sum) &&
	     !json_add_real(o, "retransmission_rate",
			    sum.segments ? (double)sum.retransmissions / (double)sum.segments : 0);
	ok = ok && (r = cJSON_AddObjectToObject(o, "per_s"));
	for (int i = 0; ok && i < 6; i++)
		ok = !json_add_real(r, rate_names[i], an->per_s[i]);
	ok = ok && (d = cJSON_AddObjectToObject(o, "in")) &&
	     !json_add_tcp_counts(d, &an->tcp[WL_DIR_IN]);
	ok = ok && (d = cJSON_AddObjectToObject(o, "out")) &&
	     !json_add_tcp_counts(d, &an->tcp[WL_DIR_OUT]);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int u16_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static int json_add_anomaly(cJSON *arr, const struct anomaly *a)
{
	cJSON *o = cJSON_CreateObject(), *t, *p, *oc, *rec;
	uint16_t ports[ANOMALY_PORTS];
	char url[64];
	bool ok = o && cJSON_AddItemToArray(arr, o);

	if (!ok) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	ok = !json_add_u64(o, "id", a->id) &&
	     cJSON_AddStringToObject(o, "type", anomaly_type_name(a->type));
	if (ok && a->type == ANOMALY_PORT_SCAN)
		ok = cJSON_AddStringToObject(o, "scan", scan_shape_name(a->shape)) &&
		     cJSON_AddStringToObject(o, "method", probe_kind_name(a->method));
	else if (ok)
		ok = cJSON_AddNullToObject(o, "scan") && cJSON_AddNullToObject(o, "method");
	if (ok && a->has_source)
		ok = !json_add_addr(o, "source", a->source, a->family);
	else if (ok)
		ok = cJSON_AddNullToObject(o, "source") != NULL;
	ok = ok && (t = cJSON_AddArrayToObject(o, "targets"));
	for (uint32_t i = 0; ok && i < a->n_targets; i++) {
		char text[INET6_ADDRSTRLEN] = "?";

		inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->targets[i], text, sizeof(text));
		ok = cJSON_AddItemToArray(t, cJSON_CreateString(text));
	}
	ok = ok && !json_add_u64(o, "hosts", a->hosts) && !json_add_u64(o, "ports", a->ports) &&
	     (p = cJSON_AddArrayToObject(o, "sample_ports"));
	memcpy(ports, a->sample_ports, a->n_sample_ports * sizeof(ports[0]));
	qsort(ports, a->n_sample_ports, sizeof(ports[0]), u16_cmp);
	for (uint32_t i = 0; ok && i < a->n_sample_ports; i++)
		ok = cJSON_AddItemToArray(p, json_u64(ports[i]));
	ok = ok && !json_add_u64(o, "probes", a->probes) &&
	     (oc = cJSON_AddObjectToObject(o, "outcomes"));
	for (unsigned int i = 0; ok && i < WL_OUTCOMES; i++)
		ok = !json_add_u64(oc, probe_outcome_name(i), a->outcomes[i]);
	ok = ok && !json_add_time(o, "first_seen", a->first_ns) &&
	     !json_add_time(o, "last_seen", a->last_ns) &&
	     !json_add_time(o, "detected", a->detected_ns) &&
	     cJSON_AddBoolToObject(o, "active", a->active);
	if (ok && a->type == ANOMALY_SYN_FLOOD)
		ok = !json_add_real(o, "rate", a->rate) &&
		     !json_add_real(o, "peak_rate", a->peak_rate);
	if (ok && a->rec_file[0]) {
		snprintf(url, sizeof(url), "/api/v1/anomalies/recording?id=%llu",
			 (unsigned long long)a->id);
		ok = (rec = cJSON_AddObjectToObject(o, "recording")) &&
		     cJSON_AddStringToObject(rec, "file", a->rec_file) &&
		     (a->rec_complete ? cJSON_AddStringToObject(rec, "url", url)
				      : cJSON_AddNullToObject(rec, "url")) &&
		     cJSON_AddBoolToObject(rec, "complete", a->rec_complete) &&
		     !json_add_u64(rec, "packets", a->rec_packets);
	} else if (ok) {
		ok = cJSON_AddNullToObject(o, "recording") != NULL;
	}
	return ok ? 0 : -ENOMEM;
}

cJSON *json_anomalies(const struct wl_snapshot *snap)
{
	const struct scan *s = &snap->an->scan;
	cJSON *o = cJSON_CreateObject(), *th, *fr, *list;
	uint64_t active = 0, files, bytes, max;
	bool ok = o && cJSON_AddBoolToObject(o, "available", 1);

	for (unsigned int t = 0; t < ANOMALY_TYPES; t++)
		active += scan_active(s, t);
	ok = ok && !json_add_u64(o, "active", active) &&
	     !json_add_u64(o, "total", s->total[ANOMALY_PORT_SCAN] + s->total[ANOMALY_SYN_FLOOD]) &&
	     !json_add_u64(o, "probes", s->probes_seen);
	ok = ok && (th = cJSON_AddObjectToObject(o, "thresholds")) &&
	     !json_add_u64(th, "scan_ports", s->cfg.ports) &&
	     !json_add_u64(th, "scan_hosts", s->cfg.hosts) &&
	     !json_add_real(th, "window_s", (double)s->cfg.window_ns / 1e9) &&
	     !json_add_u64(th, "synflood_rate", s->cfg.synflood_rate);
	if (ok && s->rec) {
		recorder_usage(s->rec, &files, &bytes, &max);
		ok = (fr = cJSON_AddObjectToObject(o, "flight_recorder")) &&
		     cJSON_AddStringToObject(fr, "dir", recorder_dir(s->rec)) &&
		     !json_add_u64(fr, "files", files) && !json_add_u64(fr, "bytes", bytes) &&
		     !json_add_u64(fr, "max_bytes", max);
	} else if (ok) {
		ok = cJSON_AddNullToObject(o, "flight_recorder") != NULL;
	}
	ok = ok && (list = cJSON_AddArrayToObject(o, "list"));
	for (unsigned int i = s->n; ok && i-- > 0;)
		ok = !json_add_anomaly(list, s->list[i]);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int json_add_analysis(cJSON *root, const struct wl_snapshot *snap, unsigned int top)
{
	cJSON *l = json_latency(snap, top), *t = json_tcp(snap->an), *a = json_anomalies(snap);

	if (!l || !t || !a || !cJSON_AddItemToObject(root, "latency", l)) {
		cJSON_Delete(l);
		cJSON_Delete(t);
		cJSON_Delete(a);
		return -ENOMEM;
	}
	if (!cJSON_AddItemToObject(root, "tcp", t)) {
		cJSON_Delete(t);
		cJSON_Delete(a);
		return -ENOMEM;
	}
	if (!cJSON_AddItemToObject(root, "anomalies", a)) {
		cJSON_Delete(a);
		return -ENOMEM;
	}
	return 0;
}
