// SPDX-License-Identifier: MIT
/* JSON rendering of the snapshot (DESIGN.md "The JSON snapshot"). */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "version.h"

static const char *const l3_names[WL_L3_MAX] = {"ipv4", "ipv6", "arp", "other"};
static const char *const l4_names[WL_L4_MAX] = {"tcp", "udp", "icmp", "icmpv6", "other"};
static const char *const app_names[WL_APP_MAX] = {"none", "unknown"};
static const char *const dir_names[WL_DIR_MAX] = {"in", "out", "none"};

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
static int json_add_real(cJSON *obj, const char *name, double v)
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

static int json_add_partition(cJSON *obj, const char *name, const struct wl_counter *ctr,
			      const char *const *names, int n)
{
	cJSON *o = cJSON_AddObjectToObject(obj, name);

	if (!o)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (json_add_counter(o, names[i], &ctr[i]))
			return -ENOMEM;
	return 0;
}

/* totals + l3/l4/app of one wl_stats record into obj. */
static int json_add_stats(cJSON *obj, const char *protocols_key, const struct wl_stats *s)
{
	cJSON *p;

	if (json_add_counter(obj, "totals", &s->total))
		return -ENOMEM;
	p = protocols_key ? cJSON_AddObjectToObject(obj, protocols_key) : obj;
	if (!p)
		return -ENOMEM;
	if (json_add_partition(p, "l3", (const struct wl_counter *)&s->l3, l3_names, WL_L3_MAX) ||
	    json_add_partition(p, "l4", (const struct wl_counter *)&s->l4, l4_names, WL_L4_MAX) ||
	    json_add_partition(p, "app", (const struct wl_counter *)&s->app, app_names, WL_APP_MAX))
		return -ENOMEM;
	return 0;
}

static int json_add_time(cJSON *obj, const char *name, uint64_t real_ns)
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

static int json_add_source(cJSON *root, const struct wl_source *src)
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
		if (ok && src->xdp_mode) {
			ok = cJSON_AddStringToObject(o, "xdp_mode", src->xdp_mode);
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

cJSON *json_snapshot(const struct wl_snapshot *snap)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *o;
	bool ok = root != NULL;

	ok = ok && cJSON_AddStringToObject(root, "version", WL_VERSION);
	ok = ok && !json_add_source(root, &snap->source);
	ok = ok && !json_add_stats(root, "protocols", &snap->all);
	if (ok && snap->source.kind == WL_SOURCE_LIVE) {
		cJSON *dirs = cJSON_AddObjectToObject(root, "directions");

		ok = dirs != NULL;
		for (int d = 0; ok && d < WL_DIR_NONE; d++) {
			o = cJSON_AddObjectToObject(dirs, dir_names[d]);
			ok = o && !json_add_stats(o, NULL, &snap->dir[d]);
		}
	}
	if (ok) {
		o = cJSON_AddObjectToObject(root, "rates");
		ok = o && !json_add_real(o, "pps", snap->rates.pps) &&
		     !json_add_real(o, "bps", snap->rates.bps) &&
		     !json_add_real(o, "avg_pps", snap->rates.avg_pps) &&
		     !json_add_real(o, "avg_bps", snap->rates.avg_bps) &&
		     !json_add_real(o, "peak_pps", snap->rates.peak_pps) &&
		     !json_add_real(o, "peak_bps", snap->rates.peak_bps);
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
		ok = o && !json_add_u64(o, "pcap_received", snap->drops.pcap_received) &&
		     !json_add_u64(o, "pcap_kernel", snap->drops.pcap_kernel) &&
		     !json_add_u64(o, "pcap_ifdrop", snap->drops.pcap_ifdrop);
	}
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
