// SPDX-License-Identifier: MIT
/* Events to the latency and scan aggregators; the pcap path's own connection analysis. */
#include "analysis.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "talkers.h"
#include "util.h"

#define CONNS_MAX 32768

struct conn_entry {
	struct wl_flow_key key;
	struct wl_conn c;
	uint64_t last_ns;
};

int analysis_init(struct analysis *an, const struct scan_cfg *cfg)
{
	int err;

	memset(an, 0, sizeof(*an));
	err = latency_init(&an->lat);
	if (err)
		return err;
	err = scan_init(&an->scan, cfg);
	if (!err)
		err = table_init(&an->conns, sizeof(struct wl_flow_key), sizeof(struct conn_entry),
				 CONNS_MAX);
	if (err)
		analysis_free(an);
	return err;
}

void analysis_free(struct analysis *an)
{
	if (!an)
		return;
	latency_free(&an->lat);
	scan_free(&an->scan);
	table_free(&an->conns);
	free(an->udp_wait);
	an->udp_wait = NULL;
}

void analysis_event(struct analysis *an, const struct wl_event *e, uint64_t real_ns)
{
	if (e->type == WL_EV_RTT)
		latency_add(&an->lat, e, real_ns);
	else if (e->type == WL_EV_PROBE)
		scan_probe(&an->scan, e, real_ns);
}

static bool conn_is_old(void *entry, void *ctx)
{
	return ((struct conn_entry *)entry)->last_ns <= *(uint64_t *)ctx;
}

/* The table is full: forget the least recently active eighth, as the kernel's LRU would. */
static void conns_trim(struct analysis *an)
{
	size_t before = an->conns.count;
	uint64_t cut;

	if (table_eighth_cut(&an->conns, offsetof(struct conn_entry, last_ns), &cut))
		return;
	table_remove_if(&an->conns, conn_is_old, &cut);
	an->conns_dropped += before - an->conns.count;
}

/* The wait heap: the candidate opened first on top, whatever order the timestamps came in. */
static void udp_wait_down(struct analysis *an, size_t i)
{
	struct udp_wait *h = an->udp_wait, w = h[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= an->udp_len)
			break;
		if (c + 1 < an->udp_len && h[c + 1].t_ns < h[c].t_ns)
			c++;
		if (h[c].t_ns >= w.t_ns)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = w;
}

static void udp_wait_pop(struct analysis *an)
{
	an->udp_wait[0] = an->udp_wait[--an->udp_len];
	if (an->udp_len)
		udp_wait_down(an, 0);
}

static void udp_wait_add(struct analysis *an, const struct wl_flow_key *k, uint64_t t_ns)
{
	struct udp_wait *h;
	size_t i;

	/* The heap is made on first use: most captures never have an unanswered datagram. */
	if (!an->udp_wait && !(an->udp_wait = calloc(UDP_WAIT_MAX, sizeof(*an->udp_wait)))) {
		an->udp_wait_dropped++;
		return;
	}
	if (an->udp_len == UDP_WAIT_MAX) {
		udp_wait_pop(an);
		an->udp_wait_dropped++;
	}
	h = an->udp_wait;
	for (i = an->udp_len++; i && h[(i - 1) / 2].t_ns > t_ns; i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i].key = *k;
	h[i].t_ns = t_ns;
}

void analysis_frame(struct analysis *an, const struct wl_flow_key *k, int side,
		    const struct wl_pkt *p, const uint8_t *l4, uint32_t avail, enum wl_dir dir,
		    uint64_t ts_ns, struct flow_delta *d)
{
	struct tcp_health *h = side ? &d->hba : &d->hab;
	struct wl_tcp_stats *ts = &an->tcp[dir < WL_DIR_MAX ? dir : WL_DIR_NONE];
	struct wl_conn_out o;
	struct conn_entry *c;
	bool created;

	if (!p->l4_off || !avail)
		return;
	if (p->l4 != WL_L4_TCP && p->l4 != WL_L4_UDP && p->l4 != WL_L4_ICMP &&
	    p->l4 != WL_L4_ICMPV6)
		return;
	c = table_upsert(&an->conns, k, &created);
	if (!c) {
		conns_trim(an);
		c = table_upsert(&an->conns, k, &created);
		if (!c)
			return;
	}
	c->last_ns = ts_ns;
	memset(&o, 0, sizeof(o));
	o.dir = (uint8_t)dir;
	wl_conn_update(&c->c, &o, p, l4, avail, side, ts_ns);
	/* Opened by an empty datagram: look again once it could have gone quiet. */
	if (created && p->l4 == WL_L4_UDP && !c->c.udp_max)
		udp_wait_add(an, k, ts_ns);
	if (o.marks) {
		ts->segments += !!(o.marks & WL_CM_SEGMENT);
		ts->retransmissions += !!(o.marks & WL_CM_RETRANS);
		ts->out_of_order += !!(o.marks & WL_CM_OOO);
		ts->duplicate_acks += !!(o.marks & WL_CM_DUPACK);
		ts->zero_windows += !!(o.marks & WL_CM_ZEROWIN);
		ts->resets += !!(o.marks & WL_CM_RST);
		ts->syns += !!(o.marks & WL_CM_SYN);
		ts->synacks += !!(o.marks & WL_CM_SYNACK);
		ts->handshakes += !!(o.marks & WL_CM_ESTAB);
		h->retrans += !!(o.marks & WL_CM_RETRANS);
		h->ooo += !!(o.marks & WL_CM_OOO);
		h->dupack += !!(o.marks & WL_CM_DUPACK);
		h->zerowin += !!(o.marks & WL_CM_ZEROWIN);
		h->rst += !!(o.marks & WL_CM_RST);
	}
	d->rtt.count = c->c.rtt_count;
	d->rtt.min_us = c->c.rtt_min_us;
	d->rtt.last_us = c->c.rtt_last_us;
	for (uint32_t i = 0; i < o.nev && i < WL_CONN_EVENTS; i++)
		analysis_event(an, &o.ev[i], ts_ns);
}

bool analysis_quiet_flow(void *ctx, const struct wl_flow_key *k, const struct wl_flow_val *v,
			 int64_t mono_to_real)
{
	struct analysis *an = ctx;
	uint64_t now = util_now_mono_ns();
	struct wl_event e;

	if (!wl_conn_udp_quiet(&v->conn, k, now, &e))
		return k->proto != WL_IPPROTO_UDP || (v->conn.state & WL_CONN_SYNACK) ||
		       v->conn.udp_max > WL_CONN_UDP_PROBE_MAX;
	scan_probe(&an->scan, &e, (uint64_t)((int64_t)now + mono_to_real));
	return true;
}

/*
 * The pcap path: its own UDP flows that went quiet. Candidates wait in a heap by the time they
 * were opened, so each second looks only at those old enough, even in a file whose timestamps
 * go back now and then.
 */
static void conns_quiet(struct analysis *an, uint64_t now_ns)
{
	struct wl_event e;

	while (an->udp_len && an->udp_wait[0].t_ns + WL_CONN_UDP_QUIET_NS <= now_ns) {
		struct conn_entry *c = table_find(&an->conns, &an->udp_wait[0].key);

		if (c && wl_conn_udp_quiet(&c->c, &c->key, now_ns, &e)) {
			c->c.state |= WL_CONN_PROBED;
			scan_probe(&an->scan, &e, now_ns);
		}
		udp_wait_pop(an);
	}
}

void analysis_tcp_sum(const struct analysis *an, struct wl_tcp_stats *sum)
{
	/* __u64, the members' own type: other pointer types would break strict aliasing. */
	const __u64 *s;
	__u64 *o = (__u64 *)sum;

	memset(sum, 0, sizeof(*sum));
	for (int d = 0; d < WL_DIR_MAX; d++) {
		s = (const __u64 *)&an->tcp[d];
		for (size_t i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
			o[i] += s[i];
	}
}

void analysis_tick(struct analysis *an, uint64_t now_ns)
{
	struct wl_tcp_stats sum, *p = &an->tcp_prev;
	uint64_t syns, done;
	double dt;

	if (now_ns / 1000000000ull == an->last_tick_s)
		return;
	an->last_tick_s = now_ns / 1000000000ull;
	analysis_tcp_sum(an, &sum);
	if (an->rate_ns && now_ns > an->rate_ns) {
		dt = (double)(now_ns - an->rate_ns) / 1e9;
		an->per_s[0] = (double)(sum.segments - p->segments) / dt;
		an->per_s[1] = (double)(sum.retransmissions - p->retransmissions) / dt;
		an->per_s[2] = (double)(sum.out_of_order - p->out_of_order) / dt;
		an->per_s[3] = (double)(sum.duplicate_acks - p->duplicate_acks) / dt;
		an->per_s[4] = (double)(sum.zero_windows - p->zero_windows) / dt;
		an->per_s[5] = (double)(sum.resets - p->resets) / dt;
	}
	an->rate_ns = now_ns;
	*p = sum;
	/* Half-open connections towards this host (files: all of them). */
	syns = an->tcp[WL_DIR_IN].syns + an->tcp[WL_DIR_NONE].syns;
	done = an->tcp[WL_DIR_IN].handshakes + an->tcp[WL_DIR_NONE].handshakes;
	conns_quiet(an, now_ns);
	scan_tick(&an->scan, now_ns, syns, done);
}

void analysis_end_of_file(struct analysis *an, uint64_t last_ns)
{
	uint64_t syns = an->tcp[WL_DIR_NONE].syns, done = an->tcp[WL_DIR_NONE].handshakes;

	/* Nothing more comes: what is unanswered now stays so. */
	conns_quiet(an, last_ns + WL_CONN_UDP_QUIET_NS);
	scan_tick(&an->scan, last_ns, syns, done);
}
