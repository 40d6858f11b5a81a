// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the connection analysis (bpf/conn.h) and its aggregators: hostile
 * sequences of frames, directions and clock jumps (backwards too) through wl_conn_update() on
 * the harness's own per-flow state and, in parallel, through the pcap path's analysis_frame()
 * and analysis_tick() with the latency and scan aggregators; plus raw events as the kernel's
 * ring buffer would deliver them (analysis_event()). Checked after every step, by
 * __builtin_trap():
 *  - at most WL_CONN_EVENTS events per frame, each of a known type, kind, outcome and family,
 *    stamped with the frame's time and direction, naming the frame's own endpoints; no RTT
 *    measured on a frame this host sent; an RTT's value is never more than the clock;
 *  - each per-side counter moves by the frame's mark and only on the sending side, rtt_count
 *    by the RTT events, the latest RTT is the last event's, never below the minimum; a hole in
 *    the sequence space is never empty;
 *  - the aggregators see exactly what the analysis produced: TCP counters per mark, latency
 *    samples per RTT event, scan probes per probe event and per quiet UDP flow at each tick;
 *  - at the end: percentiles ordered within their extremes, anomaly records within their
 *    bounds (targets, ports, first before last, the SYN flood among the records), and the
 *    JSON of latency, TCP health and anomalies parses back (rendered for inputs whose length is
 *    a multiple of JSON_EVERY, to keep the rate up; a short last record is ignored, so any
 *    input can be padded to such a length).
 *
 * Input: one configuration byte (bits 0-1: scan port threshold - 2; bits 2-3: host threshold - 2;
 * bit 4: SYN flood at 2/s, else off; bit 5: a 5 s scan window, else the default; bit 6: the
 * clock starts at 0, else in 2023), then records. A record whose tag has bit 7 clear is a frame:
 *   tag (bits 0-1 direction: in, out, none, none; bit 2 raw IP instead of Ethernet; bits 3-5
 *   clock step exponent; bit 6 step backwards), 2 bytes clock step, 1 byte length, the frame.
 * A tag with bit 7 set is an event: tag (bits 0-4 clock step exponent), then type/kind/outcome/
 *   family byte, source and target index, 2 bytes port, RTT mantissa and exponent, clock step.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"

#include "analysis.h"
#include "conn.h"
#include "filter.h"
#include "flow.h"
#include "json.h"
#include "latency.h"
#include "log.h"
#include "parse.h"
#include "scan.h"
#include "snapshot.h"

#define FLOWS_MAX 1024
/* The JSON of the end state is rendered and parsed back for inputs whose length is a multiple. */
#define JSON_EVERY 8

struct flow {
	struct wl_flow_key key;
	struct wl_conn c;
};

struct run {
	struct analysis an;
	struct flow *flows;
	size_t nflows;
	uint64_t now;
};

struct input {
	const uint8_t *p, *end;
};

static bool take(struct input *in, void *out, size_t n)
{
	if ((size_t)(in->end - in->p) < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	return true;
}

/* The harness's per-flow state, allocated once: each input starts with none. */
static struct flow *flows;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!getenv("WL_FUZZ_LOG"))
		log_set_level(-1);
	flows = malloc(FLOWS_MAX * sizeof(*flows));
	fuzz_check(flows);
	return 0;
}

static struct flow *flow_get(struct run *r, const struct wl_flow_key *k)
{
	for (size_t i = 0; i < r->nflows; i++)
		if (!memcmp(&r->flows[i].key, k, sizeof(*k)))
			return &r->flows[i];
	if (r->nflows == FLOWS_MAX)
		return NULL;
	memset(&r->flows[r->nflows], 0, sizeof(r->flows[0]));
	r->flows[r->nflows].key = *k;
	return &r->flows[r->nflows++];
}

static uint64_t lat_samples(const struct latency *l)
{
	uint64_t n = 0;

	for (int m = 0; m < WL_RTT_METHODS; m++)
		n += l->m[m].count;
	return n;
}

/* The events and state changes of one wl_conn_update() of side d. */
static void check_update(const struct wl_conn *before, const struct wl_conn *c,
			 const struct wl_conn_out *o, const struct wl_pkt *p, int d, uint64_t now)
{
	static const __u32 marks[] = {WL_CM_RETRANS, WL_CM_OOO, WL_CM_DUPACK, WL_CM_ZEROWIN,
				      WL_CM_RST};
	const __u32 *cb[] = {before->retrans, before->ooo, before->dupack, before->zerowin,
			     before->rst};
	const __u32 *ca[] = {c->retrans, c->ooo, c->dupack, c->zerowin, c->rst};
	uint32_t nrtt = 0, last_us = 0;

	fuzz_check(o->nev <= WL_CONN_EVENTS);
	fuzz_check(!(o->marks & ~0x1ffu));
	for (uint32_t i = 0; i < o->nev; i++) {
		const struct wl_event *e = &o->ev[i];

		fuzz_check(e->ts_ns == now && e->dir == o->dir);
		fuzz_check(e->family == (p->l3 == WL_L3_IPV4 ? 4 : 6));
		if (e->type == WL_EV_RTT) {
			fuzz_check(e->kind < WL_RTT_METHODS);
			fuzz_check(o->dir != WL_DIR_OUT);
			fuzz_check(e->value <= now);
			fuzz_check(!memcmp(e->src, p->saddr, 16) && !memcmp(e->dst, p->daddr, 16));
			fuzz_check(e->port == p->sport);
			last_us = e->value / 1000 > UINT32_MAX ? UINT32_MAX : e->value / 1000;
			nrtt++;
		} else {
			fuzz_check(e->type == WL_EV_PROBE);
			fuzz_check(e->kind < WL_PROBE_KINDS && e->outcome < WL_OUTCOMES);
			fuzz_check(
				(!memcmp(e->src, p->saddr, 16) && !memcmp(e->dst, p->daddr, 16)) ||
				(!memcmp(e->src, p->daddr, 16) && !memcmp(e->dst, p->saddr, 16)));
		}
	}
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		fuzz_check(ca[i][!d] == cb[i][!d]);
		fuzz_check(ca[i][d] - cb[i][d] == !!(o->marks & marks[i]));
	}
	fuzz_check(c->rtt_count - before->rtt_count == nrtt);
	if (nrtt)
		fuzz_check(c->rtt_last_us == last_us && c->rtt_min_us <= c->rtt_last_us);
	fuzz_check(!(c->state & ~0x3fffu));
	for (int s = 0; s < 2; s++)
		if (c->state & (WL_CONN_HOLE_A << s))
			fuzz_check(wl_seq_lt(c->hole_lo[s], c->hole_hi[s]));
}

/* My flows that went quiet at `now` become probes, as the pcap path's do. Returns how many. */
static uint64_t quiet_flows(struct run *r, uint64_t now)
{
	struct wl_event e;
	uint64_t n = 0;

	for (size_t i = 0; i < r->nflows; i++) {
		if (!wl_conn_udp_quiet(&r->flows[i].c, &r->flows[i].key, now, &e))
			continue;
		r->flows[i].c.state |= WL_CONN_PROBED;
		n++;
	}
	return n;
}

/* One tick of the pcap path at r->now (it runs once per second of capture time). */
static void tick(struct run *r)
{
	bool runs = r->now / 1000000000ull != r->an.last_tick_s;
	uint64_t probes = r->an.scan.probes_seen;

	analysis_tick(&r->an, r->now);
	fuzz_check(r->an.scan.probes_seen - probes == (runs ? quiet_flows(r, r->now) : 0));
}

static void frame(struct run *r, uint8_t tag, const uint8_t *data, size_t len)
{
	enum wl_dir dir = (tag & 3) < 2 ? (enum wl_dir)(tag & 3) : WL_DIR_NONE;
	struct wl_tcp_stats t0, t1;
	uint64_t lat_before, probes_before, rtts = 0, probes = 0;
	struct flow_delta delta;
	struct wl_conn before;
	struct wl_conn_out o;
	struct wl_flow_key k;
	struct wl_pkt p;
	struct flow *f;
	uint8_t *buf;
	int side;

	/* An exact-size copy: ASan sees a read one byte past the frame. */
	buf = malloc(len ? len : 1);
	fuzz_check(buf);
	memcpy(buf, data, len);
	if (tag & 4) {
		if (len)
			wl_parse_raw(buf, buf + len, (int)wl_link_raw_ethertype(buf), &p);
		else
			wl_pkt_init(&p);
	} else {
		wl_parse_frame(buf, buf + len, &p);
	}
	/* As pcap_source_flow() hands frames to the analysis. */
	if (wl_flow_key_of(&p, &k, &side) && p.l4_off && p.l4_off < len &&
	    (p.l4 == WL_L4_TCP || p.l4 == WL_L4_UDP || p.l4 == WL_L4_ICMP ||
	     p.l4 == WL_L4_ICMPV6)) {
		fuzz_check(k.family == 4 || k.family == 6);
		f = flow_get(r, &k);
		fuzz_check(f);
		before = f->c;
		memset(&o, 0, sizeof(o));
		o.dir = (uint8_t)dir;
		wl_conn_update(&f->c, &o, &p, buf + p.l4_off, (uint32_t)(len - p.l4_off), side,
			       r->now);
		check_update(&before, &f->c, &o, &p, side, r->now);
		for (uint32_t i = 0; i < o.nev; i++) {
			rtts += o.ev[i].type == WL_EV_RTT;
			probes += o.ev[i].type == WL_EV_PROBE;
		}

		analysis_tcp_sum(&r->an, &t0);
		lat_before = lat_samples(&r->an.lat);
		probes_before = r->an.scan.probes_seen;
		memset(&delta, 0, sizeof(delta));
		analysis_frame(&r->an, &k, side, &p, buf + p.l4_off, (uint32_t)(len - p.l4_off),
			       dir, r->now, &delta);
		/* The same frames in the same order: the same findings. */
		fuzz_check(lat_samples(&r->an.lat) - lat_before == rtts);
		fuzz_check(r->an.scan.probes_seen - probes_before == probes);
		analysis_tcp_sum(&r->an, &t1);
		fuzz_check(t1.segments - t0.segments == !!(o.marks & WL_CM_SEGMENT));
		fuzz_check(t1.retransmissions - t0.retransmissions == !!(o.marks & WL_CM_RETRANS));
		fuzz_check(t1.out_of_order - t0.out_of_order == !!(o.marks & WL_CM_OOO));
		fuzz_check(t1.duplicate_acks - t0.duplicate_acks == !!(o.marks & WL_CM_DUPACK));
		fuzz_check(t1.zero_windows - t0.zero_windows == !!(o.marks & WL_CM_ZEROWIN));
		fuzz_check(t1.resets - t0.resets == !!(o.marks & WL_CM_RST));
		fuzz_check(t1.syns - t0.syns == !!(o.marks & WL_CM_SYN));
		fuzz_check(t1.synacks - t0.synacks == !!(o.marks & WL_CM_SYNACK));
		fuzz_check(t1.handshakes - t0.handshakes == !!(o.marks & WL_CM_ESTAB));
		fuzz_check(delta.rtt.count == f->c.rtt_count &&
			   delta.rtt.min_us == f->c.rtt_min_us &&
			   delta.rtt.last_us == f->c.rtt_last_us);
	}
	free(buf);
}

static void event(struct run *r, const uint8_t *b)
{
	struct wl_event e;
	uint64_t lat = lat_samples(&r->an.lat), probes = r->an.scan.probes_seen;

	memset(&e, 0, sizeof(e));
	e.ts_ns = r->now;
	e.type = b[0] & 1 ? WL_EV_PROBE : WL_EV_RTT;
	e.kind = (b[0] >> 1) & 7;
	e.outcome = (b[0] >> 4) & 7;
	e.family = b[0] & 0x80 ? 6 : 4;
	e.proto = e.kind == WL_PROBE_UDP ? WL_IPPROTO_UDP : WL_IPPROTO_TCP;
	e.port = (uint16_t)(b[3] << 8 | b[4]);
	e.value = (uint64_t)b[5] << (b[6] & 63);
	if (e.family == 4) {
		uint8_t s[4] = {198, 18, 0, b[1]}, t[4] = {198, 18, 1, b[2]};

		memcpy(e.src, s, 4);
		memcpy(e.dst, t, 4);
	} else {
		e.src[0] = e.dst[0] = 0x20;
		e.src[1] = e.dst[1] = 0x01;
		e.src[3] = e.dst[3] = 0x02;
		e.dst[7] = 1;
		e.src[15] = b[1];
		e.dst[15] = b[2];
	}
	analysis_event(&r->an, &e, r->now);
	fuzz_check(lat_samples(&r->an.lat) - lat ==
		   (e.type == WL_EV_RTT && e.kind < WL_RTT_METHODS));
	fuzz_check(r->an.scan.probes_seen - probes ==
		   (e.type == WL_EV_PROBE && e.kind < WL_PROBE_KINDS));
}

static void check_summary(const struct lat_summary *s)
{
	if (!s->samples)
		return;
	fuzz_check(s->min_ms <= s->p50_ms && s->p50_ms <= s->p90_ms && s->p90_ms <= s->p99_ms &&
		   s->p99_ms <= s->max_ms);
	fuzz_check(s->min_ms <= s->mean_ms + 1e-9 && s->mean_ms <= s->max_ms + 1e-9);
}

static void check_end(struct run *r, bool json)
{
	const struct lat_host *slow[16];
	const struct scan *s = &r->an.scan;
	struct wl_snapshot snap;
	struct lat_summary sum;
	bool flood_listed = !s->flood;
	double prev = 1e300;
	cJSON *root;
	char *text;
	size_t n;

	for (int m = 0; m < WL_RTT_METHODS; m++) {
		lat_hist_summary(&r->an.lat.m[m], &sum);
		fuzz_check(sum.samples == r->an.lat.m[m].count);
		check_summary(&sum);
	}
	n = latency_slowest(&r->an.lat, slow, 16);
	fuzz_check(n <= 16 && n <= r->an.lat.hosts.count);
	for (size_t i = 0; i < n; i++) {
		lat_host_summary(slow[i], &sum);
		check_summary(&sum);
		fuzz_check(sum.p50_ms <= prev);
		prev = sum.p50_ms;
	}

	fuzz_check(s->n <= ANOMALY_MAX);
	for (unsigned int i = 0; i < s->n; i++) {
		const struct anomaly *a = s->list[i];
		uint64_t outcomes = 0;

		fuzz_check(a->type < ANOMALY_TYPES);
		fuzz_check(!i || a->id > s->list[i - 1]->id);
		fuzz_check(a->first_ns <= a->last_ns);
		flood_listed |= a == s->flood;
		if (a->type != ANOMALY_PORT_SCAN)
			continue;
		fuzz_check(a->method < WL_PROBE_KINDS && a->shape <= SCAN_HORIZONTAL);
		fuzz_check(a->n_targets <= ANOMALY_TARGETS && a->n_targets <= a->hosts);
		fuzz_check(a->n_sample_ports <= ANOMALY_PORTS && a->n_sample_ports <= a->ports);
		fuzz_check(a->probes >= 1);
		for (int o = 0; o < WL_OUTCOMES; o++)
			outcomes += a->outcomes[o];
		fuzz_check(outcomes <= a->probes);
	}
	fuzz_check(flood_listed);
	if (!json)
		return;

	memset(&snap, 0, sizeof(snap));
	snap.an = &r->an;
	root = cJSON_CreateObject();
	fuzz_check(root && !json_add_analysis(root, &snap, 10));
	text = cJSON_PrintUnformatted(root);
	fuzz_check(text);
	cJSON_Delete(root);
	root = cJSON_Parse(text);
	fuzz_check(root);
	cJSON_Delete(root);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, data + size};
	struct scan_cfg sc;
	uint64_t probes;
	struct run r;
	uint8_t cfg, tag;

	if (!take(&in, &cfg, 1))
		return 0;
	memset(&r, 0, sizeof(r));
	memset(&sc, 0, sizeof(sc));
	sc.ports = 2 + (cfg & 3);
	sc.hosts = 2 + ((cfg >> 2) & 3);
	sc.synflood_rate = cfg & 0x10 ? 2 : 0;
	sc.window_ns = cfg & 0x20 ? 5000000000ull : 0;
	r.now = cfg & 0x40 ? 0 : 1700000000ull * 1000000000ull;
	r.flows = flows;
	fuzz_check(!analysis_init(&r.an, &sc));

	while (take(&in, &tag, 1)) {
		if (tag & 0x80) {
			uint8_t b[8];

			if (!take(&in, b, sizeof(b)))
				break;
			r.now += (uint64_t)b[7] << (tag & 31);
			event(&r, b);
			tick(&r);
		} else {
			uint8_t hdr[3];
			uint64_t step;
			size_t len;

			if (!take(&in, hdr, sizeof(hdr)))
				break;
			step = (uint64_t)(hdr[0] << 8 | hdr[1]) << (((tag >> 3) & 7) * 5);
			r.now = tag & 0x40 ? (r.now > step ? r.now - step : 0) : r.now + step;
			len = hdr[2];
			if (len > (size_t)(in.end - in.p))
				len = (size_t)(in.end - in.p);
			frame(&r, tag, in.p, len);
			in.p += len;
			tick(&r);
		}
	}
	probes = r.an.scan.probes_seen;
	analysis_end_of_file(&r.an, r.now);
	fuzz_check(r.an.scan.probes_seen - probes == quiet_flows(&r, r.now + WL_CONN_UDP_QUIET_NS));
	check_end(&r, size % JSON_EVERY == 0);

	analysis_free(&r.an);
	return 0;
}
