// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for capture files: any bytes, as a pcap or pcapng file, go through the
 * offline path of `wirelens -r FILE --json` (libpcap, every supported link type, the parser,
 * the capture filter, talkers, the time series, the sampler and the packet records with their
 * decoders, the connection analysis with its latency and scan aggregators) and then through
 * every rendering of the result: the JSON snapshot (which must parse back), the light snapshot
 * and its merge patch (which applied must give the new snapshot back), the time series, the
 * CSV, JSON and pcap exports and the text report. Each input gets its own snapshot, freed
 * completely, so the leak checker sees every allocation; only the time series (hundreds of KB,
 * no pointers inside) is made once and emptied for each input.
 *
 * The file is a memfd read through /proc/self/fd/N: pcap_source_open_file() wants a path, and
 * the bytes never touch a disk. WL_FUZZ_LOG=1 keeps the daemon's messages (quiet otherwise).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"

#include "analysis.h"
#include "export.h"
#include "filter.h"
#include "json.h"
#include "log.h"
#include "packets.h"
#include "pcap_source.h"
#include "report.h"
#include "snapshot.h"
#include "talkers.h"
#include "timeseries.h"

/* Small tables, so that folding into `other` and eviction happen within a few KB of input. */
#define FUZZ_FLOWS   64
#define FUZZ_HOSTS   32
#define FUZZ_PAIRS   32
#define FUZZ_RECORDS 32
/*
 * Rendering costs some 30 times what reading a small file does (thousands of cJSON nodes):
 * every input is read and checked, every RENDER_EVERY-th (by length) is also rendered.
 */
#define RENDER_EVERY 64

static int memfd = -1;
static char memfd_path[64];
static struct timeseries *series;

/* Filters for some inputs (chosen by the input's length): none, or one of these. */
static const char *const filters[] = {NULL, "tcp or udp or icmp or icmp6",
				      "not port 53 and (ip or ip6) or arp"};

/* Compiled filters by link type (compiling through libpcap costs more than a small file). */
static struct compiled {
	const char *expr;
	int linktype;
	bool ok;
	struct wl_filter_prog prog;
} compiled[16];
static size_t ncompiled;

static const struct wl_filter_prog *filter_for(const char *expr, int linktype)
{
	struct wl_filter_error ferr;
	struct compiled *c;

	for (size_t i = 0; i < ncompiled; i++)
		if (compiled[i].expr == expr && compiled[i].linktype == linktype)
			return compiled[i].ok ? &compiled[i].prog : NULL;
	/* Link types are few: a full cache means something new, compiled every time. */
	c = &compiled[ncompiled < sizeof(compiled) / sizeof(compiled[0]) ? ncompiled++ : 0];
	c->expr = expr;
	c->linktype = linktype;
	c->ok = !wl_filter_compile(expr, linktype, &c->prog, &ferr);
	return c->ok ? &c->prog : NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!getenv("WL_FUZZ_LOG"))
		log_set_level(-1);
	memfd = fuzz_memfd("fuzz_pcap", memfd_path, sizeof(memfd_path));
	series = timeseries_new(3.0);
	fuzz_check(series);
	return 0;
}

/* RFC 7386: apply patch to target (consumed), returning the result. */
static cJSON *merge_apply(cJSON *target, const cJSON *patch)
{
	const cJSON *p;

	if (!cJSON_IsObject(patch)) {
		cJSON_Delete(target);
		return cJSON_Duplicate(patch, true);
	}
	if (!cJSON_IsObject(target)) {
		cJSON_Delete(target);
		target = cJSON_CreateObject();
		fuzz_check(target);
	}
	cJSON_ArrayForEach(p, patch)
	{
		cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(target, p->string);

		if (cJSON_IsNull(p)) {
			cJSON_Delete(old);
			continue;
		}
		fuzz_check(cJSON_AddItemToObject(target, p->string, merge_apply(old, p)));
	}
	return target;
}

/* Members whose value is null, at any depth: a merge patch cannot keep them apart from absent. */
static void strip_nulls(cJSON *o)
{
	cJSON *c = o ? o->child : NULL, *next;

	for (; c; c = next) {
		next = c->next;
		if (cJSON_IsObject(o) && cJSON_IsNull(c))
			cJSON_Delete(cJSON_DetachItemViaPointer(o, c));
		else
			strip_nulls(c);
	}
}

/* The patch from the snapshot before the file to the one after it must lead from one to the other. */
static void check_patch(const cJSON *from, const cJSON *to)
{
	cJSON *patch, *got, *want;
	int err;

	patch = json_merge_patch(from, to, &err);
	fuzz_check(!err);
	if (!patch) {
		fuzz_check(cJSON_Compare(from, to, true));
		return;
	}
	got = merge_apply(cJSON_Duplicate(from, true), patch);
	want = cJSON_Duplicate(to, true);
	fuzz_check(got && want);
	strip_nulls(got);
	strip_nulls(want);
	fuzz_check(cJSON_Compare(got, want, true));
	cJSON_Delete(patch);
	cJSON_Delete(got);
	cJSON_Delete(want);
}

/* total, l3, l4 and app each count every matching frame once. */
static void check_stats(const struct wl_stats *s)
{
	const struct wl_counter *l3 = (const struct wl_counter *)&s->l3;
	const struct wl_counter *l4 = (const struct wl_counter *)&s->l4;
	const struct wl_counter *app = (const struct wl_counter *)&s->app;
	struct wl_counter sum[3] = {0};

	for (int i = 0; i < WL_L3_MAX; i++) {
		sum[0].packets += l3[i].packets;
		sum[0].bytes += l3[i].bytes;
	}
	for (int i = 0; i < WL_L4_MAX; i++) {
		sum[1].packets += l4[i].packets;
		sum[1].bytes += l4[i].bytes;
	}
	for (int i = 0; i < WL_APP_MAX; i++) {
		sum[2].packets += app[i].packets;
		sum[2].bytes += app[i].bytes;
	}
	for (int i = 0; i < 3; i++)
		fuzz_check(sum[i].packets == s->total.packets && sum[i].bytes == s->total.bytes);
	fuzz_check(s->seen.packets >= s->total.packets);
	fuzz_check(s->truncated.packets <= s->total.packets &&
		   s->malformed.packets <= s->total.packets);
}

static void render(struct wl_snapshot *snap, struct packets *pk, const cJSON *light0)
{
	char *text, *buf = NULL;
	size_t len = 0;
	cJSON *o;
	FILE *f;

	text = json_render_snapshot(snap);
	fuzz_check(text);
	o = cJSON_Parse(text);
	fuzz_check(o);
	cJSON_Delete(o);
	free(text);

	o = json_snapshot_ex(snap, 10, false);
	fuzz_check(o);
	check_patch(light0, o);
	cJSON_Delete(o);

	o = json_timeseries(snap, 3600 + (snap->last_ts_ns & 0xff));
	fuzz_check(o);
	cJSON_Delete(o);

	f = open_memstream(&buf, &len);
	fuzz_check(f);
	fuzz_check(!export_csv(f, pk));
	fuzz_check(!export_json(f, snap));
	report_print(f, snap);
	fuzz_check(!fclose(f));
	free(buf);

	buf = NULL;
	fuzz_check(!export_pcap_mem(pk, &buf, &len));
	fuzz_check(len >= 24 + pk->count * 16);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *expr = filters[size % (sizeof(filters) / sizeof(filters[0]))];
	struct scan_cfg sc = {
		.ports = 3, .hosts = 3, .window_ns = 10000000000ull, .synflood_rate = 5};
	const struct wl_filter_prog *prog;
	struct pcap_source *ps;
	struct wl_snapshot snap;
	struct talkers t;
	struct packets pk;
	bool rendered = size % RENDER_EVERY == 0;
	cJSON *light0 = NULL;
	int ret;

	fuzz_memfd_set(memfd, data, size);
	if (pcap_source_open_file(memfd_path, &ps))
		return 0;

	/* As run_file() in main.c sets up a file's snapshot. */
	memset(&snap, 0, sizeof(snap));
	snap.source.kind = WL_SOURCE_FILE;
	snap.source.started_real_ns = 1700000000ull * 1000000000ull;
	fuzz_check(!talkers_init(&t, FUZZ_FLOWS, FUZZ_HOSTS, FUZZ_PAIRS, 0));
	snap.talkers = &t;
	snap.top = 20;
	timeseries_reset(series);
	snap.ts = series;
	snap.an = calloc(1, sizeof(*snap.an));
	fuzz_check(snap.ts && snap.an && !analysis_init(snap.an, &sc));
	t.quiet_hook = analysis_quiet_flow;
	t.quiet_ctx = snap.an;
	fuzz_check(!packets_init(&pk, FUZZ_RECORDS, WL_SNAPLEN_DEFAULT, pcap_source_linktype(ps)));
	snap.packets = &pk;
	pk.talkers = &t;
	snap.samples.every = 1;
	snap.samples.max_per_sec = 1000;
	snap.samples.snaplen = WL_SNAPLEN_DEFAULT;
	if (expr && (prog = filter_for(expr, pcap_source_linktype(ps)))) {
		pcap_source_set_filter(ps, prog);
		snap.filter_expr = expr;
	}
	pcap_source_set_sampling(ps, 1, 1000, WL_SNAPLEN_DEFAULT);
	pcap_source_describe(ps, &snap.source);
	if (rendered) {
		light0 = json_snapshot_ex(&snap, 10, false);
		fuzz_check(light0);
	}

	do
		ret = pcap_source_run(ps, &snap, 0, 0);
	while (ret == 0);
	fuzz_check(ret == PCAP_SOURCE_EOF || ret == -EIO);

	snapshot_sum_dirs(&snap);
	snap.complete = ret == PCAP_SOURCE_EOF;
	if (snap.complete)
		analysis_end_of_file(snap.an, snap.last_ts_ns);
	if (snap.last_ts_ns > snap.first_ts_ns)
		snap.duration_s = (double)(snap.last_ts_ns - snap.first_ts_ns) / 1e9;
	if (snap.duration_s > 0) {
		snap.rates.avg_pps = (double)snap.all.total.packets / snap.duration_s;
		snap.rates.avg_bps = (double)snap.all.total.bytes * 8 / snap.duration_s;
	}
	snap.rates.pps = snap.rates.avg_pps;
	snap.rates.bps = snap.rates.avg_bps;
	pcap_source_close(ps);
	if (snap.ts->last)
		timeseries_advance(snap.ts, snap.ts->last + 1);
	snap.samples.received = pk.received;
	snap.samples.kept = pk.count;

	check_stats(&snap.all);
	fuzz_check(pk.count <= FUZZ_RECORDS && pk.count <= pk.received);
	fuzz_check(t.flows.count <= FUZZ_FLOWS && t.hosts.count <= FUZZ_HOSTS &&
		   t.pairs.count <= FUZZ_PAIRS);
	if (rendered)
		render(&snap, &pk, light0);

	cJSON_Delete(light0);
	packets_free(&pk);
	talkers_free(&t);
	analysis_free(snap.an);
	free(snap.an);
	return 0;
}
