// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for what the web API and the configuration take from outside, without a
 * network: the query parameters of /api/v1/talkers, /packets, /timeseries and /recording, the
 * JSON bodies of the filter and capture-start requests (user/api.c) in every state of the
 * capture (starting, capturing, stopped, a finished file), listen addresses
 * (util_parse_listen) and configuration files (config_load with the command line's options).
 * The snapshot the answers render is a golden pcap read once at start. Every answer must have
 * an HTTP status, and a JSON one must parse back; every answer is freed.
 *
 * Input: lines (LF). A line "~" is an absent parameter; the input ending early leaves the
 * requests after it out.
 *   0  state: first byte % 4 is starting (no snapshot yet), capturing, stopped, finished
 *   1-4  talkers by, dir, sort, limit    5-7  packets limit, filter, after
 *   8  timeseries window    9  filter body    10  capture start body    11  recording id
 *   12 listen address      13-  the rest: a configuration file
 * WL_FUZZ_LOG=1 shows the daemon's messages and the answers (quiet otherwise); WL_FUZZ_PCAP=FILE reads another
 * capture for the snapshot.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <cjson/cJSON.h>

#include "fuzz.h"

#include "analysis.h"
#include "api.h"
#include "cli.h"
#include "config.h"
#include "ctl.h"
#include "links.h"
#include "log.h"
#include "packets.h"
#include "pcap_source.h"
#include "snapshot.h"
#include "talkers.h"
#include "timeseries.h"
#include "util.h"

#ifndef WL_SRCDIR
#define WL_SRCDIR "."
#endif

#define FIELDS 13
/*
 * Packet records kept from the capture: fewer than it has, so that the ring has wrapped, and
 * few enough that no answer renders more than a few KB.
 */
#define HTTP_RECORDS 32

static struct wl_config cfg;
static struct wl_ctl ctl;
static struct wl_snapshot snap;
static struct talkers talkers;
static struct packets pk;
static struct pcap_source *ps;
static struct links links; /* a capture without interfaces: filter changes reach none */
static int memfd = -1;
static char memfd_path[64];
static bool verbose;

/* Read the capture into the snapshot, as run_file() in main.c does. */
static void snapshot_setup(const char *path)
{
	struct scan_cfg sc = {0};
	int ret;

	if (pcap_source_open_file(path, &ps)) {
		fprintf(stderr, "fuzz_http: cannot read '%s' (set WL_FUZZ_PCAP)\n", path);
		abort();
	}
	snap.source.kind = WL_SOURCE_FILE;
	fuzz_check(!talkers_init(&talkers, TALKERS_MAX_FLOWS, TALKERS_MAX_HOSTS, TALKERS_MAX_PAIRS,
				 0));
	snap.talkers = &talkers;
	snap.top = 100;
	snap.ts = timeseries_new(3.0);
	snap.an = calloc(1, sizeof(*snap.an));
	fuzz_check(snap.ts && snap.an && !analysis_init(snap.an, &sc));
	fuzz_check(!packets_init(&pk, HTTP_RECORDS, WL_SNAPLEN_DEFAULT, pcap_source_linktype(ps)));
	snap.packets = &pk;
	pk.talkers = &talkers;
	pcap_source_set_sampling(ps, 1, 0, WL_SNAPLEN_DEFAULT);
	pcap_source_describe(ps, &snap.source);
	do
		ret = pcap_source_run(ps, &snap, 0, 0);
	while (ret == 0);
	fuzz_check(ret == PCAP_SOURCE_EOF);
	snapshot_sum_dirs(&snap);
	snap.complete = true;
	analysis_end_of_file(snap.an, snap.last_ts_ns);
	if (snap.ts->last)
		timeseries_advance(snap.ts, snap.ts->last + 1);
	snap.samples.received = pk.received;
	snap.samples.kept = pk.count;
	fuzz_check(pk.count > 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *pcap = getenv("WL_FUZZ_PCAP");

	(void)argc;
	(void)argv;
	verbose = getenv("WL_FUZZ_LOG") != NULL;
	if (!verbose)
		log_set_level(-1);
	fuzz_check(!ctl_init(&ctl, &cfg));
	snapshot_setup(pcap ? pcap : WL_SRCDIR "/tests/golden/catalog.pcap");
	ctl.backend = "pcap";
	ctl.linktype = pcap_source_linktype(ps);
	snprintf(ctl.ifname, sizeof(ctl.ifname), "lo");
	memfd = fuzz_memfd("fuzz_http", memfd_path, sizeof(memfd_path));
	return 0;
}

/* An answer is complete and, when it says it is JSON, parses. Frees it. */
static void answer_done(struct api_answer *a)
{
	cJSON *o;

	fuzz_check(a->status >= 200 && a->status <= 599);
	if (a->shared) {
		ctl_put_text(a->shared);
		return;
	}
	fuzz_check(a->body);
	if (verbose)
		fprintf(stderr, "fuzz_http: %d %.*s\n", a->status,
			(int)(a->len < 160 ? a->len : 160), a->body);
	if (a->ctype && strstr(a->ctype, "json")) {
		o = cJSON_ParseWithLength(a->body, a->len);
		fuzz_check(o);
		cJSON_Delete(o);
	}
	free(a->body);
	memset(a, 0, sizeof(*a));
}

static void waiter_done(struct ctl_waiter *w)
{
	(void)w;
}

static void capture_start(const char *body)
{
	struct api_answer a = {0};
	struct ctl_waiter w = {.done = waiter_done};

	ctl_lock(&ctl);
	if (api_capture_start(&ctl, body, body ? strlen(body) : 0, &w, &a)) {
		/* Accepted (only when stopped): the capture loop would now start and answer. */
		fuzz_check(ctl.state == WL_CTL_STOPPED && ctl.start_req && ctl.waiters == &w);
		ctl_answer(&ctl, 409, "fuzzing: no capture here");
		ctl.start_req = false;
		ctl_unlock(&ctl);
		api_capture_result(&ctl, &w, &a);
	} else {
		ctl_unlock(&ctl);
	}
	answer_done(&a);
}

static void listen_addr(const char *s)
{
	struct sockaddr_storage ss;
	unsigned int len = 0;

	if (util_parse_listen(s, &ss, &len))
		return;
	fuzz_check((ss.ss_family == AF_INET && len == sizeof(struct sockaddr_in)) ||
		   (ss.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6)));
}

static void config_file(const uint8_t *data, size_t size)
{
	struct wl_config c;

	memset(&c, 0, sizeof(c));
	fuzz_memfd_set(memfd, data, size);
	if (!config_load(&c, memfd_path, true, cli_set_option)) {
		struct sockaddr_storage ss;
		unsigned int len;

		fuzz_check(c.n_allow_hosts <= WL_ALLOW_HOSTS_MAX);
		fuzz_check(!c.listen || !util_parse_listen(c.listen, &ss, &len));
	}
	cli_config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum wl_ctl_state states[] = {WL_CTL_STARTING, WL_CTL_CAPTURING,
						   WL_CTL_STOPPED, WL_CTL_FINISHED};
	char *copy, *f[FIELDS] = {0}, *p, *nl = NULL;
	const uint8_t *rest = NULL;
	struct api_answer a = {0};
	size_t n = 0;

	copy = malloc(size + 1);
	fuzz_check(copy);
	memcpy(copy, data, size);
	copy[size] = 0;
	for (p = copy; n < FIELDS; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(copy + size - p));
		if (nl)
			*nl = 0;
		f[n++] = strcmp(p, "~") ? p : NULL;
		if (!nl)
			break;
	}
	if (n == FIELDS && nl)
		rest = data + (nl + 1 - copy);

	/* Every input starts from the same state. */
	ctl.state = states[(uint8_t)copy[0] % 4];
	ctl.snap = ctl.state == WL_CTL_STARTING ? NULL : &snap;
	ctl.links = ctl.state == WL_CTL_CAPTURING ? &links : NULL;
	ctl.filter_text[0] = 0;
	snap.filter_expr = NULL;

	if (n > 4) {
		api_talkers(&ctl, f[1], f[2], f[3], f[4], &a);
		answer_done(&a);
	}
	if (n > 7) {
		api_packets(&ctl, f[5], f[6], f[7], &a);
		answer_done(&a);
	}
	if (n > 8) {
		api_timeseries(&ctl, f[8], &a);
		answer_done(&a);
	}
	if (n > 9) {
		api_filter_set(&ctl, f[9] ? f[9] : "", f[9] ? strlen(f[9]) : 0, &a);
		answer_done(&a);
		fuzz_check(strlen(ctl.filter_text) < sizeof(ctl.filter_text));
	}
	if (n > 10)
		capture_start(f[10]);
	if (n > 11) {
		api_recording(&ctl, f[11], &a);
		answer_done(&a);
	}
	if (n > 12 && f[12])
		listen_addr(f[12]);
	if (rest)
		config_file(rest, size - (size_t)(rest - data));
	free(copy);
	return 0;
}
