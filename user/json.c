// SPDX-License-Identifier: MIT
/* JSON rendering of the snapshot (DESIGN.md "The JSON snapshot"). */
#include "json.h"
#include "analysis.h"
#include "packets.h"

#include "parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "names.h"
#include "talkers.h"
#include "timeseries.h"
#include "util.h"
#include "version.h"

#include <arpa/inet.h>
#include <stdlib.h>

cJSON *json_u64(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cJSON_CreateRaw(buf);
}

int json_add_u64(cJSON *obj, const char *name, uint64_t v)
{
	cJSON *n = json_u64(v);

	if (!n || !cJSON_AddItemToObject(obj, name, n)) {
		cJSON_Delete(n);
		return -ENOMEM;
	}
	return 0;
}

/* A rate or duration, rounded to 3 decimals and printed without exponent. */
int json_add_real(cJSON *obj, const char *name, double v)
{
	char buf[64];
	cJSON *n;

	snprintf(buf, sizeof(buf), "%.3f", v);
	n = cJSON_CreateRaw(buf);
	if (!n || !cJSON_AddItemToObject(obj, name, n)) {
		cJSON_Delete(n);
		return -ENOMEM;
	}
	return 0;
}

/* The six rates (current, average, peak; packets and bits per second) as members of obj. */
static int json_add_rates(cJSON *obj, const struct wl_rates *r)
{
	if (json_add_real(obj, "pps", r->pps) || json_add_real(obj, "bps", r->bps) ||
	    json_add_real(obj, "avg_pps", r->avg_pps) ||
	    json_add_real(obj, "avg_bps", r->avg_bps) ||
	    json_add_real(obj, "peak_pps", r->peak_pps) ||
	    json_add_real(obj, "peak_bps", r->peak_bps))
		return -ENOMEM;
	return 0;
}

static cJSON *json_counter(const struct wl_counter *c)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || json_add_u64(o, "packets", c->packets) || json_add_u64(o, "bytes", c->bytes)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int json_add_counter(cJSON *obj, const char *name, const struct wl_counter *c)
{
	cJSON *o = json_counter(c);

	if (!o || !cJSON_AddItemToObject(obj, name, o)) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	return 0;
}

/*
 * name: {class: {packets, bytes}, ...} for the n classes of a partition. With sparse, classes
 * without packets are left out, and so is the whole object when all are empty.
 */
static int json_add_partition(cJSON *obj, const char *name, const struct wl_counter *ctr,
			      const char *const *names, int n, bool sparse)
{
	cJSON *o = sparse ? NULL : cJSON_AddObjectToObject(obj, name);

	if (!sparse && !o)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (sparse && !ctr[i].packets)
			continue;
		if (!o && !(o = cJSON_AddObjectToObject(obj, name)))
			return -ENOMEM;
		if (json_add_counter(o, names[i], &ctr[i]))
			return -ENOMEM;
	}
	return 0;
}

/* totals + l3/l4/app of one wl_stats record into obj. */
static int json_add_stats(cJSON *obj, const char *protocols_key, const struct wl_stats *s)
{
	cJSON *p;

	if (json_add_counter(obj, "totals", &s->total))
		return -ENOMEM;
	/* Per direction: every frame seen there (the snapshot's filter.seen holds the sum). */
	if (!protocols_key && json_add_counter(obj, "seen", &s->seen))
		return -ENOMEM;
	p = protocols_key ? cJSON_AddObjectToObject(obj, protocols_key) : obj;
	if (!p)
		return -ENOMEM;
	if (json_add_partition(p, "l3", (const struct wl_counter *)&s->l3, wl_l3_names, WL_L3_MAX,
			       false) ||
	    json_add_partition(p, "l4", (const struct wl_counter *)&s->l4, wl_l4_names, WL_L4_MAX,
			       false) ||
	    json_add_partition(p, "app", (const struct wl_counter *)&s->app, wl_app_names,
			       WL_APP_MAX, false))
		return -ENOMEM;
	return 0;
}

int json_add_time(cJSON *obj, const char *name, uint64_t real_ns)
{
	time_t t = (time_t)(real_ns / 1000000000ull);
	char buf[64];
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return 0;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(real_ns % 1000000000ull / 1000000));
	return cJSON_AddStringToObject(obj, name, buf) ? 0 : -ENOMEM;
}

int json_add_source(cJSON *root, const struct wl_source *src)
{
	cJSON *o = cJSON_AddObjectToObject(root, "source");
	bool ok = o != NULL;

	if (!ok)
		return -ENOMEM;
	ok = cJSON_AddStringToObject(o, "kind", src->kind == WL_SOURCE_LIVE ? "live" : "file");
	ok = ok && cJSON_AddStringToObject(o, "backend", src->backend ? src->backend : "");
	if (ok && src->backend_reason)
		ok = cJSON_AddStringToObject(o, "backend_reason", src->backend_reason);
	if (src->kind == WL_SOURCE_LIVE) {
		ok = ok && cJSON_AddStringToObject(o, "interface", src->ifname);
		ok = ok && !json_add_u64(o, "ifindex", src->ifindex);
		if (ok && src->ingress) {
			ok = cJSON_AddStringToObject(o, "ingress", src->ingress);
			if (ok && src->xdp_mode)
				ok = cJSON_AddStringToObject(o, "xdp_mode", src->xdp_mode);
			ok = ok && cJSON_AddStringToObject(o, "tc_attach", src->tc_attach);
			ok = ok && cJSON_AddBoolToObject(o, "tc_egress", src->tc_attached);
			ok = ok && cJSON_AddBoolToObject(o, "qdisc_created", src->qdisc_created);
			ok = ok && cJSON_AddStringToObject(o, "pin_path", src->pin_path);
			ok = ok && cJSON_AddBoolToObject(o, "counters_continued",
							 src->counters_continued);
		}
	} else {
		ok = ok && cJSON_AddStringToObject(o, "file", src->file);
		if (ok && src->file_format)
			ok = cJSON_AddStringToObject(o, "format", src->file_format);
		if (ok && src->linktype)
			ok = cJSON_AddStringToObject(o, "linktype", src->linktype);
	}
	if (ok && src->started_real_ns)
		ok = !json_add_time(o, "started", src->started_real_ns);
	return ok ? 0 : -ENOMEM;
}

int json_add_addr(cJSON *obj, const char *name, const uint8_t *addr, uint8_t family)
{
	char text[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	return cJSON_AddStringToObject(obj, name, text) ? 0 : -ENOMEM;
}

static int json_add_seen(cJSON *o, uint64_t first_ns, uint64_t last_ns)
{
	if (json_add_time(o, "first_seen", first_ns) || json_add_time(o, "last_seen", last_ns))
		return -ENOMEM;
	return json_add_real(o, "duration_s", last_ns > first_ns ? (last_ns - first_ns) / 1e9 : 0);
}

static int json_add_escaped(cJSON *o, const char *name, const uint8_t *bytes, size_t len);

static int json_add_hosts(cJSON *tk, const char *key, const struct talkers *t, enum talkers_sort by,
			  enum talkers_dir dir, unsigned int limit)
{
	const struct host_entry **top = calloc(limit, sizeof(*top));
	cJSON *arr = cJSON_AddArrayToObject(tk, key);
	size_t n;

	if (!top || !arr) {
		free(top);
		return -ENOMEM;
	}
	n = talkers_top_hosts(t, by, dir, top, limit);
	for (size_t i = 0; i < n; i++) {
		const struct host_entry *h = top[i];
		cJSON *o = cJSON_CreateObject(), *apps;

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			free(top);
			return -ENOMEM;
		}
		if (json_add_addr(o, "addr", h->key.addr, h->key.family) ||
		    json_add_counter(o, "tx", &h->tx) || json_add_counter(o, "rx", &h->rx) ||
		    json_add_counter(o, "in", &h->in) || json_add_counter(o, "out", &h->out) ||
		    json_add_seen(o, h->first_ns, h->last_ns) ||
		    !(apps = cJSON_AddObjectToObject(o, "app_bytes"))) {
			free(top);
			return -ENOMEM;
		}
		if ((h->name_len && json_add_escaped(o, "name", h->name, h->name_len)) ||
		    json_add_tcp_health(o, "tcp", &h->tcp)) {
			free(top);
			return -ENOMEM;
		}
		for (int a = 0; a < WL_APP_MAX; a++)
			if (h->app_bytes[a] &&
			    json_add_u64(apps, wl_app_names[a], h->app_bytes[a])) {
				free(top);
				return -ENOMEM;
			}
	}
	free(top);
	return 0;
}

static int json_add_pairs(cJSON *tk, const char *key, const struct talkers *t, enum talkers_sort by,
			  enum talkers_dir dir, unsigned int limit)
{
	const struct pair_entry **top = calloc(limit, sizeof(*top));
	cJSON *arr = cJSON_AddArrayToObject(tk, key);
	size_t n;

	if (!top || !arr) {
		free(top);
		return -ENOMEM;
	}
	n = talkers_top_pairs(t, by, dir, top, limit);
	for (size_t i = 0; i < n; i++) {
		const struct pair_entry *p = top[i];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    json_add_addr(o, "a", p->key.a, p->key.family) ||
		    json_add_addr(o, "b", p->key.b, p->key.family) ||
		    json_add_counter(o, "a_to_b", &p->ab) ||
		    json_add_counter(o, "b_to_a", &p->ba) || json_add_counter(o, "in", &p->in) ||
		    json_add_counter(o, "out", &p->out) ||
		    json_add_seen(o, p->first_ns, p->last_ns)) {
			free(top);
			return -ENOMEM;
		}
	}
	free(top);
	return 0;
}

static int json_add_flows(cJSON *tk, const char *key, const struct talkers *t, enum talkers_sort by,
			  enum talkers_dir dir, unsigned int limit)
{
	const struct flow_entry **top = calloc(limit, sizeof(*top));
	cJSON *arr = cJSON_AddArrayToObject(tk, key);
	size_t n;

	if (!top || !arr) {
		free(top);
		return -ENOMEM;
	}
	n = talkers_top_flows(t, by, dir, top, limit);
	for (size_t i = 0; i < n; i++) {
		const struct flow_entry *f = top[i];
		cJSON *o = cJSON_CreateObject();
		char fab[9], fba[9];

		wl_tcp_flags_text(f->tcp_flags_ab, fab);
		wl_tcp_flags_text(f->tcp_flags_ba, fba);
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddStringToObject(o, "l4", wl_l4_names[wl_l4_of_proto(f->key.proto)]) ||
		    json_add_u64(o, "proto", f->key.proto) ||
		    json_add_addr(o, "a", f->key.a, f->key.family) ||
		    json_add_u64(o, "port_a", f->key.port_a) ||
		    json_add_addr(o, "b", f->key.b, f->key.family) ||
		    json_add_u64(o, "port_b", f->key.port_b) ||
		    !cJSON_AddStringToObject(o, "app",
					     wl_app_names[f->app < WL_APP_MAX ? f->app : 1]) ||
		    !cJSON_AddStringToObject(o, "first_from",
					     f->flags & WL_FLOW_F_B_FIRST ? "b" : "a") ||
		    json_add_counter(o, "a_to_b", &f->ab) ||
		    json_add_counter(o, "b_to_a", &f->ba) || json_add_counter(o, "in", &f->in) ||
		    json_add_counter(o, "out", &f->out) ||
		    !cJSON_AddStringToObject(o, "tcp_flags_a_to_b", fab) ||
		    !cJSON_AddStringToObject(o, "tcp_flags_b_to_a", fba) ||
		    json_add_seen(o, f->first_ns, f->last_ns) || json_add_flow_tcp(o, f)) {
			free(top);
			return -ENOMEM;
		}
	}
	free(top);
	return 0;
}

static int json_add_other(cJSON *obj, const char *name, const struct talkers_other *o, size_t count,
			  size_t cap)
{
	cJSON *x = cJSON_AddObjectToObject(obj, name);

	if (!x || json_add_u64(x, "entries", count) || json_add_u64(x, "cap", cap) ||
	    json_add_u64(x, "cap_hits", o->folds) || json_add_u64(x, "folded_entries", o->entries))
		return -ENOMEM;
	if (json_add_counter(x, "folded_a_to_b", &o->ab) ||
	    json_add_counter(x, "folded_b_to_a", &o->ba))
		return -ENOMEM;
	return 0;
}

static int json_add_buckets(cJSON *bw, const char *name, const struct ts_bucket *ring, int n,
			    uint64_t newest, uint64_t step, uint64_t count)
{
	cJSON *arr = cJSON_AddArrayToObject(bw, name);
	uint64_t start;

	if (!arr)
		return -ENOMEM;
	if (!newest || !count)
		return 0;
	if (count > (uint64_t)n)
		count = (uint64_t)n;
	newest -= newest % step;
	start = newest >= step * (count - 1) ? newest - step * (count - 1) : 0;
	for (uint64_t t = start; t <= newest; t += step) {
		const struct ts_bucket *b = &ring[(t / step) % (uint64_t)n];
		cJSON *o;

		if (b->t != t || !b->total.packets)
			continue; /* seconds without traffic are left out */
		o = json_point(b);
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return -ENOMEM;
		}
		if (b->spike && !cJSON_AddBoolToObject(o, "spike", true))
			return -ENOMEM;
	}
	return 0;
}

static int json_add_bandwidth(cJSON *root, const struct wl_snapshot *snap, bool series)
{
	const struct timeseries *ts = snap->ts;
	cJSON *bw = cJSON_AddObjectToObject(root, "bandwidth"), *arr;
	uint64_t n;

	if (!bw || json_add_rates(bw, &snap->rates) ||
	    json_add_real(bw, "spike_factor", ts->spike_factor) ||
	    json_add_u64(bw, "spike_count", ts->nspikes) ||
	    json_add_u64(bw, "late_packets", ts->late))
		return -ENOMEM;
	arr = cJSON_AddArrayToObject(bw, "spikes");
	if (!arr)
		return -ENOMEM;
	n = ts->nspikes < TS_MAX_SPIKES ? ts->nspikes : TS_MAX_SPIKES;
	for (uint64_t i = ts->nspikes - n; i < ts->nspikes; i++) {
		const struct ts_spike *sp = &ts->spikes[i % TS_MAX_SPIKES];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o) || json_add_u64(o, "t", sp->t) ||
		    json_add_u64(o, "bytes", sp->bytes) ||
		    json_add_u64(o, "baseline_bytes", sp->baseline_bytes))
			return -ENOMEM;
	}
	if (!series)
		return 0;
	if (json_add_buckets(bw, "per_second", ts->sec, TS_SECONDS, ts->last, 1, TS_SECONDS) ||
	    json_add_buckets(bw, "per_minute", ts->min, TS_MINUTES, ts->last, 60, TS_MINUTES))
		return -ENOMEM;
	return 0;
}

static int json_add_talkers(cJSON *root, const struct wl_snapshot *snap, unsigned int top)
{
	const struct talkers *t = snap->talkers;
	struct wl_counter total, unattributed;
	cJSON *tk, *tables;

	tk = cJSON_AddObjectToObject(root, "talkers");
	if (!tk)
		return -ENOMEM;
	/* Frames with IP addresses are attributed to flows; the rest (ARP, ...) are not. */
	total.packets = snap->all.total.packets - snap->base.packets;
	total.bytes = snap->all.total.bytes - snap->base.bytes;
	unattributed.packets = total.packets - min(total.packets, t->attributed.packets);
	unattributed.bytes = total.bytes - min(total.bytes, t->attributed.bytes);
	if (json_add_counter(tk, "attributed", &t->attributed) ||
	    json_add_counter(tk, "unattributed", &unattributed))
		return -ENOMEM;
	if (json_add_hosts(tk, "hosts", t, TALKERS_BY_BYTES, TALKERS_DIR_ALL, top) ||
	    json_add_pairs(tk, "pairs", t, TALKERS_BY_BYTES, TALKERS_DIR_ALL, top) ||
	    json_add_flows(tk, "flows", t, TALKERS_BY_BYTES, TALKERS_DIR_ALL, top))
		return -ENOMEM;
	tables = cJSON_AddObjectToObject(tk, "tables");
	if (!tables ||
	    json_add_other(tables, "hosts", &t->hosts_other, t->hosts.count,
			   t->hosts.max_entries) ||
	    json_add_other(tables, "pairs", &t->pairs_other, t->pairs.count,
			   t->pairs.max_entries) ||
	    json_add_other(tables, "flows", &t->flows_other, t->flows.count, t->flows.max_entries))
		return -ENOMEM;
	if (snap->flow_table_size) {
		cJSON *k = cJSON_AddObjectToObject(tables, "kernel_flows");

		if (!k || json_add_u64(k, "entries", t->kernel_flows) ||
		    json_add_u64(k, "cap", snap->flow_table_size) ||
		    json_add_u64(k, "insert_failed", snap->drops.flow_insert_failed))
			return -ENOMEM;
	}
	return 0;
}

/* Wall-clock time with nanoseconds: 2026-11-23T10:00:00.123456789Z. */
void json_time_ns(uint64_t real_ns, char *buf, size_t size)
{
	time_t t = (time_t)(real_ns / 1000000000ull);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(real_ns % 1000000000ull));
}

static int json_add_escaped(cJSON *o, const char *name, const uint8_t *bytes, size_t len)
{
	char text[4 * WL_DEC_NAME_MAX + 8];

	wl_escape_bytes(bytes, len, text, sizeof(text));
	return cJSON_AddStringToObject(o, name, text) ? 0 : -ENOMEM;
}

/* The decoded names of a record, or nothing. */
static int json_add_decoded(cJSON *o, const struct wl_decoded *d)
{
	const char *type;
	cJSON *x;
	bool ok;

	if (d->kind == WL_DEC_NONE)
		return 0;
	x = cJSON_AddObjectToObject(o, "info");
	if (!x)
		return -ENOMEM;
	ok = cJSON_AddStringToObject(x, "kind", wl_dec_kind_names[d->kind]) != NULL;
	switch (d->kind) {
	case WL_DEC_DNS_QUERY:
	case WL_DEC_DNS_RESPONSE:
		type = wl_dns_type_name(d->qtype);
		ok = ok && !json_add_escaped(x, "name", d->name, d->name_len);
		ok = ok && (type ? cJSON_AddStringToObject(x, "qtype", type)
				 : cJSON_AddNumberToObject(x, "qtype", d->qtype));
		if (d->kind == WL_DEC_DNS_RESPONSE)
			ok = ok && cJSON_AddNumberToObject(x, "rcode", d->rcode) &&
			     cJSON_AddNumberToObject(x, "answers", d->answers);
		break;
	case WL_DEC_TLS_HELLO:
		ok = ok && !json_add_escaped(x, "sni", d->name, d->name_len);
		break;
	case WL_DEC_HTTP_REQUEST:
		ok = ok && cJSON_AddStringToObject(x, "method", d->method) &&
		     !json_add_escaped(x, "host", d->name, d->name_len);
		break;
	case WL_DEC_HTTP_RESPONSE:
		ok = ok && cJSON_AddNumberToObject(x, "status", d->status);
		break;
	default:
		break;
	}
	ok = ok && cJSON_AddBoolToObject(x, "truncated", d->truncated);
	return ok ? 0 : -ENOMEM;
}

cJSON *json_record(const struct wl_record *r)
{
	cJSON *o = cJSON_CreateObject();
	char buf[64];
	bool ok = o != NULL;

	json_time_ns(r->ts_ns, buf, sizeof(buf));
	ok = ok && !json_add_u64(o, "seq", r->seq) && cJSON_AddStringToObject(o, "time", buf);
	ok = ok && cJSON_AddStringToObject(
			   o, "dir", wl_dir_names[r->dir < WL_DIR_MAX ? r->dir : WL_DIR_NONE]);
	ok = ok && cJSON_AddNumberToObject(o, "ifindex", r->ifindex) &&
	     cJSON_AddNumberToObject(o, "len", r->len) &&
	     cJSON_AddNumberToObject(o, "caplen", r->caplen);
	ok = ok && cJSON_AddStringToObject(o, "l3", wl_l3_names[r->l3 % WL_L3_MAX]) &&
	     cJSON_AddStringToObject(o, "l4", wl_l4_names[r->l4 % WL_L4_MAX]) &&
	     cJSON_AddStringToObject(o, "app", wl_app_names[r->app % WL_APP_MAX]);
	if (ok && r->family) {
		ok = !json_add_addr(o, "src", r->saddr, r->family) &&
		     !json_add_addr(o, "dst", r->daddr, r->family) &&
		     cJSON_AddNumberToObject(o, "ip_proto", r->ip_proto);
	}
	if (ok && (r->l4 == WL_L4_TCP || r->l4 == WL_L4_UDP) && (r->sport || r->dport))
		ok = cJSON_AddNumberToObject(o, "sport", r->sport) &&
		     cJSON_AddNumberToObject(o, "dport", r->dport);
	if (ok && r->l4 == WL_L4_TCP) {
		wl_tcp_flags_text(r->tcp_flags, buf);
		ok = cJSON_AddStringToObject(o, "tcp_flags", buf) != NULL;
	}
	if (ok && (r->l4 == WL_L4_ICMP || r->l4 == WL_L4_ICMPV6))
		ok = cJSON_AddNumberToObject(o, "icmp_type", r->icmp_type) != NULL;
	if (ok && r->vlan_id)
		ok = cJSON_AddNumberToObject(o, "vlan", r->vlan_id) != NULL;
	ok = ok && !json_add_decoded(o, &r->dec);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *json_records(const struct packets *p, size_t limit)
{
	cJSON *arr = cJSON_CreateArray();
	size_t first = p->count > limit ? p->count - limit : 0;

	if (!arr)
		return NULL;
	for (size_t i = first; i < p->count; i++) {
		cJSON *o = json_record(packets_get(p, i));

		if (!o) {
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static int json_add_filter(cJSON *root, const struct wl_snapshot *snap)
{
	cJSON *o = cJSON_AddObjectToObject(root, "filter"), *s;
	bool ok = o != NULL;

	ok = ok && (snap->filter_expr ? cJSON_AddStringToObject(o, "expression", snap->filter_expr)
				      : cJSON_AddNullToObject(o, "expression"));
	ok = ok && !json_add_counter(o, "matched", &snap->all.total) &&
	     !json_add_counter(o, "seen", &snap->all.seen);
	s = ok ? cJSON_AddObjectToObject(root, "samples") : NULL;
	ok = s && !json_add_u64(s, "every", snap->samples.every) &&
	     !json_add_u64(s, "max_per_sec", snap->samples.max_per_sec) &&
	     !json_add_u64(s, "snaplen", snap->samples.snaplen) &&
	     !json_add_u64(s, "taken", snap->samples.taken) &&
	     !json_add_u64(s, "received", snap->samples.received) &&
	     !json_add_u64(s, "lost", snap->samples.lost) &&
	     !json_add_u64(s, "limited", snap->samples.limited) &&
	     !json_add_u64(s, "kept", snap->samples.kept) &&
	     !json_add_u64(s, "written", snap->samples.written);
	return ok ? 0 : -ENOMEM;
}

cJSON *json_snapshot(const struct wl_snapshot *snap)
{
	return json_snapshot_ex(snap, snap->top, true);
}

/* A live capture's interfaces, each with its own totals (the snapshot's are their sum). */
static int json_add_ifaces(cJSON *root, const struct wl_snapshot *snap)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "interfaces");
	bool ok = arr != NULL;

	for (unsigned int i = 0; ok && i < snap->n_ifaces; i++) {
		const struct wl_iface *f = &snap->ifaces[i];
		cJSON *o = cJSON_CreateObject(), *dirs, *d;
		struct wl_counter tot = {0};

		ok = o && cJSON_AddItemToArray(arr, o);
		ok = ok && cJSON_AddStringToObject(o, "name", f->name) &&
		     !json_add_u64(o, "ifindex", f->ifindex) &&
		     cJSON_AddStringToObject(o, "state", f->state) &&
		     cJSON_AddStringToObject(o, "backend", f->backend);
		if (ok && f->ingress)
			ok = cJSON_AddStringToObject(o, "ingress", f->ingress) != NULL;
		if (ok && f->xdp_mode)
			ok = cJSON_AddStringToObject(o, "xdp_mode", f->xdp_mode) != NULL;
		ok = ok && !json_add_u64(o, "attaches", f->attaches) &&
		     !json_add_time(o, "changed", f->changed_ns);
		dirs = ok ? cJSON_AddObjectToObject(o, "directions") : NULL;
		ok = dirs != NULL;
		for (int k = 0; ok && k < WL_DIR_MAX; k++) {
			tot.packets += f->dir[k].packets;
			tot.bytes += f->dir[k].bytes;
			if (k == WL_DIR_NONE)
				continue;
			ok = !json_add_counter(dirs, wl_dir_names[k], &f->dir[k]);
		}
		ok = ok && !json_add_counter(o, "totals", &tot);
		d = ok ? cJSON_AddObjectToObject(o, "rates") : NULL;
		ok = d && !json_add_real(d, "pps", f->pps) && !json_add_real(d, "bps", f->bps);
		d = ok ? cJSON_AddObjectToObject(o, "drops") : NULL;
		ok = d && !json_add_u64(d, "flow_insert_failed", f->drops.flow_insert_failed) &&
		     !json_add_u64(d, "pcap_kernel", f->drops.pcap_kernel) &&
		     !json_add_u64(d, "pcap_ifdrop", f->drops.pcap_ifdrop) &&
		     !json_add_u64(d, "samples_lost", f->samples_lost);
	}
	return ok ? 0 : -ENOMEM;
}

cJSON *json_snapshot_ex(const struct wl_snapshot *snap, unsigned int top, bool series)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *o;
	bool ok = root != NULL;

	ok = ok && cJSON_AddStringToObject(root, "version", WL_VERSION);
	ok = ok && !json_add_source(root, &snap->source);
	ok = ok && !json_add_stats(root, "protocols", &snap->all);
	ok = ok && !json_add_filter(root, snap);
	if (ok && snap->source.kind == WL_SOURCE_LIVE) {
		cJSON *dirs = cJSON_AddObjectToObject(root, "directions");

		ok = dirs != NULL;
		for (int d = 0; ok && d < WL_DIR_NONE; d++) {
			o = cJSON_AddObjectToObject(dirs, wl_dir_names[d]);
			ok = o && !json_add_stats(o, NULL, &snap->dir[d]);
		}
		if (ok && snap->ifaces)
			ok = !json_add_ifaces(root, snap);
	}
	if (ok) {
		o = cJSON_AddObjectToObject(root, "rates");
		ok = o && !json_add_rates(o, &snap->rates);
	}
	ok = ok && !json_add_real(root, "duration_s", snap->duration_s);
	if (ok && snap->source.kind == WL_SOURCE_FILE) {
		ok = cJSON_AddBoolToObject(root, "complete", snap->complete);
		if (ok && snap->first_ts_ns) {
			ok = !json_add_time(root, "first_packet", snap->first_ts_ns) &&
			     !json_add_time(root, "last_packet", snap->last_ts_ns);
		}
	}
	if (ok) {
		o = cJSON_AddObjectToObject(root, "drops");
		ok = o && !json_add_u64(o, "flow_insert_failed", snap->drops.flow_insert_failed) &&
		     !json_add_u64(o, "pcap_received", snap->drops.pcap_received) &&
		     !json_add_u64(o, "pcap_kernel", snap->drops.pcap_kernel) &&
		     !json_add_u64(o, "pcap_ifdrop", snap->drops.pcap_ifdrop);
		if (ok && snap->an)
			ok = !json_add_u64(o, "events", snap->an->events) &&
			     !json_add_u64(o, "events_lost", snap->an->events_lost) &&
			     !json_add_u64(o, "samples_lost", snap->samples.lost) &&
			     !json_add_u64(o, "samples_limited", snap->samples.limited) &&
			     !json_add_u64(o, "connections_forgotten", snap->an->conns_dropped) &&
			     !json_add_u64(o, "udp_candidates_dropped",
					   snap->an->udp_wait_dropped) &&
			     !json_add_u64(o, "latency_hosts_forgotten",
					   snap->an->lat.hosts_dropped) &&
			     !json_add_u64(o, "scan_probes_forgotten",
					   snap->an->scan.probes_dropped);
	}
	if (ok && snap->an)
		ok = !json_add_analysis(root, snap, top);
	if (ok && snap->talkers)
		ok = !json_add_talkers(root, snap, top);
	if (ok && snap->ts)
		ok = !json_add_bandwidth(root, snap, series);
	if (ok) {
		o = cJSON_AddObjectToObject(root, "parse_errors");
		ok = o && !json_add_counter(o, "truncated", &snap->all.truncated) &&
		     !json_add_counter(o, "malformed", &snap->all.malformed);
	}
	if (!ok) {
		cJSON_Delete(root);
		errno = ENOMEM;
		return NULL;
	}
	return root;
}

char *json_render_snapshot(const struct wl_snapshot *snap)
{
	cJSON *root = json_snapshot(snap);
	char *text;

	if (!root)
		return NULL;
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		errno = ENOMEM;
	return text;
}

int json_add_talkers_list(cJSON *obj, const char *key, const struct talkers *t,
			  enum json_talkers_kind kind, enum talkers_sort by, enum talkers_dir dir,
			  unsigned int limit)
{
	switch (kind) {
	case JSON_TALKERS_HOSTS:
		return json_add_hosts(obj, key, t, by, dir, limit);
	case JSON_TALKERS_PAIRS:
		return json_add_pairs(obj, key, t, by, dir, limit);
	default:
		return json_add_flows(obj, key, t, by, dir, limit);
	}
}

cJSON *json_timeseries(const struct wl_snapshot *snap, uint64_t window)
{
	const struct timeseries *ts = snap->ts;
	cJSON *o = cJSON_CreateObject();
	bool minutes = window > TS_SECONDS;
	bool ok = o && !json_add_u64(o, "window", window) &&
		  !json_add_u64(o, "resolution", minutes ? 60 : 1);

	if (ok && ts)
		ok = !(minutes ? json_add_buckets(o, "points", ts->min, TS_MINUTES, ts->last, 60,
						  (window + 59) / 60)
			       : json_add_buckets(o, "points", ts->sec, TS_SECONDS, ts->last, 1,
						  window));
	else if (ok)
		ok = cJSON_AddArrayToObject(o, "points") != NULL;
	ok = ok && !json_add_rates(o, &snap->rates);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *json_point(const struct ts_bucket *b)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || json_add_u64(o, "t", b->t) || json_add_u64(o, "packets", b->total.packets) ||
	    json_add_u64(o, "bytes", b->total.bytes) ||
	    json_add_partition(o, "l4", b->l4, wl_l4_names, WL_L4_MAX, true) ||
	    json_add_partition(o, "app", b->app, wl_app_names, WL_APP_MAX, true)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *json_merge_patch(const cJSON *from, const cJSON *to, int *err)
{
	cJSON *patch, *item;

	*err = 0;
	if (!cJSON_IsObject(from) || !cJSON_IsObject(to)) {
		if (cJSON_Compare(from, to, true))
			return NULL;
		patch = cJSON_Duplicate(to, true);
		if (!patch)
			*err = -ENOMEM;
		return patch;
	}
	patch = cJSON_CreateObject();
	if (!patch) {
		*err = -ENOMEM;
		return NULL;
	}
	cJSON_ArrayForEach(item, from)
	{
		if (!cJSON_GetObjectItemCaseSensitive(to, item->string) &&
		    !cJSON_AddNullToObject(patch, item->string))
			goto oom;
	}
	cJSON_ArrayForEach(item, to)
	{
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(from, item->string);
		cJSON *sub;

		if (old && cJSON_IsObject(old) && cJSON_IsObject(item)) {
			sub = json_merge_patch(old, item, err);
			if (*err)
				goto oom;
		} else if (old && cJSON_Compare(old, item, true)) {
			sub = NULL;
		} else {
			sub = cJSON_Duplicate(item, true);
			if (!sub)
				goto oom;
		}
		if (sub && !cJSON_AddItemToObject(patch, item->string, sub)) {
			cJSON_Delete(sub);
			goto oom;
		}
	}
	if (!patch->child) {
		cJSON_Delete(patch);
		return NULL;
	}
	return patch;
oom:
	cJSON_Delete(patch);
	*err = -ENOMEM;
	return NULL;
}
