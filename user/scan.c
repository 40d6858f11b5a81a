// SPDX-License-Identifier: MIT
/*
 * Port scans and SYN floods. Each probe event (a failed or half-open connection attempt, from
 * bpf/conn.h) is remembered by (source, target, port, protocol, kind) for the window. Two
 * counters follow the distinct probes: per (source, target, kind), the ports tried (vertical
 * scans) and per (source, port, kind), the hosts tried (horizontal scans). Crossing a
 * threshold opens an anomaly record per (source, shape, kind), which then takes every further
 * probe of that source and kind.
 */
#include "scan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "recorder.h"

#define PROBES_MAX 16384
#define COUNTS_MAX 16384
/* Log lines of new anomalies per minute and kind; beyond that, the API still lists them all. */
#define ANOMALY_LOG_BURST 10

struct probe_key {
	uint8_t src[16], dst[16];
	uint16_t port;
	uint8_t proto, kind, family;
	uint8_t pad[3];
};

struct probe_entry {
	struct probe_key key;
	uint64_t last_ns;
	uint8_t outcome; /* of the last probe */
};

/* Vertical: dst set, port 0. Horizontal: port set, dst zero. */
struct count_key {
	uint8_t src[16], dst[16];
	uint16_t port;
	uint8_t proto, kind, family;
	uint8_t pad[3];
};

struct count_entry {
	struct count_key key;
	uint64_t count;
};

static const char *const type_names[ANOMALY_TYPES] = {"port_scan", "syn_flood"};
static const char *const kind_names[WL_PROBE_KINDS] = {"syn",  "connect", "fin",
						       "null", "xmas",	  "udp"};
static const char *const outcome_names[WL_OUTCOMES] = {"rst",	"unreachable", "half_open",
						       "empty", "no_reply",    "sent"};

const char *anomaly_type_name(unsigned int t)
{
	return t < ANOMALY_TYPES ? type_names[t] : "unknown";
}

const char *scan_shape_name(unsigned int s)
{
	return s == SCAN_HORIZONTAL ? "horizontal" : "vertical";
}

const char *probe_kind_name(unsigned int k)
{
	return k < WL_PROBE_KINDS ? kind_names[k] : "unknown";
}

const char *probe_outcome_name(unsigned int o)
{
	return o < WL_OUTCOMES ? outcome_names[o] : "unknown";
}

int scan_init(struct scan *s, const struct scan_cfg *cfg)
{
	int err;

	memset(s, 0, sizeof(*s));
	scan_set_cfg(s, cfg);
	s->next_id = 1;
	err = table_init(&s->probes, sizeof(struct probe_key), sizeof(struct probe_entry),
			 PROBES_MAX);
	if (!err)
		err = table_init(&s->vert, sizeof(struct count_key), sizeof(struct count_entry),
				 COUNTS_MAX);
	if (!err)
		err = table_init(&s->horiz, sizeof(struct count_key), sizeof(struct count_entry),
				 COUNTS_MAX);
	if (err)
		scan_free(s);
	return err;
}

void scan_set_cfg(struct scan *s, const struct scan_cfg *cfg)
{
	s->cfg = *cfg;
	if (!s->cfg.ports)
		s->cfg.ports = SCAN_PORTS_DEFAULT;
	if (!s->cfg.hosts)
		s->cfg.hosts = SCAN_HOSTS_DEFAULT;
	if (!s->cfg.window_ns)
		s->cfg.window_ns = SCAN_WINDOW_DEFAULT * 1000000000ull;
}

static void anomaly_free(struct anomaly *a)
{
	if (!a)
		return;
	free(a->port_bits);
	if (a->target_set) {
		table_free(a->target_set);
		free(a->target_set);
	}
	free(a);
}

void scan_free(struct scan *s)
{
	if (!s)
		return;
	table_free(&s->probes);
	table_free(&s->vert);
	table_free(&s->horiz);
	for (unsigned int i = 0; i < s->n; i++) {
		if (s->rec)
			recorder_forget(s->rec, s->list[i]);
		anomaly_free(s->list[i]);
	}
	s->n = 0;
}

static void count_keys(const struct probe_key *p, struct count_key *v, struct count_key *h)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->src, p->src, 16);
	memcpy(v->dst, p->dst, 16);
	v->kind = p->kind;
	v->family = p->family;
	*h = *v;
	memset(h->dst, 0, 16);
	h->port = p->port;
	h->proto = p->proto;
}

/* Add d (+1 or -1) to a counter; a counter back at 0 is removed. Returns the new count. */
static uint64_t count_add(struct table *t, const struct count_key *k, int d)
{
	struct count_entry *c;
	bool created;

	if (d < 0) {
		c = table_find(t, k);
		if (c && c->count)
			c->count--;
		return c ? c->count : 0;
	}
	c = table_upsert(t, k, &created);
	if (!c)
		return 0;
	return ++c->count;
}

static bool count_is_zero(void *entry, void *ctx)
{
	(void)ctx;
	return ((struct count_entry *)entry)->count == 0;
}

struct expire_ctx {
	struct scan *s;
	uint64_t cut;
};

static bool probe_expired(void *entry, void *arg)
{
	struct probe_entry *p = entry;
	struct expire_ctx *x = arg;
	struct count_key v, h;

	if (p->last_ns > x->cut)
		return false;
	count_keys(&p->key, &v, &h);
	count_add(&x->s->vert, &v, -1);
	count_add(&x->s->horiz, &h, -1);
	return true;
}

static void probes_expire(struct scan *s, uint64_t cut)
{
	struct expire_ctx x = {s, cut};

	table_remove_if(&s->probes, probe_expired, &x);
	table_remove_if(&s->vert, count_is_zero, NULL);
	table_remove_if(&s->horiz, count_is_zero, NULL);
}

/* The probe table is full: forget the oldest eighth (their counts go with them). */
static void probes_trim(struct scan *s)
{
	size_t n = s->probes.count;
	uint64_t cut;

	if (table_eighth_cut(&s->probes, offsetof(struct probe_entry, last_ns), &cut))
		return;
	probes_expire(s, cut);
	s->probes_dropped += n - s->probes.count;
}

static struct anomaly *anomaly_find(struct scan *s, unsigned int type, unsigned int shape,
				    unsigned int kind, const uint8_t *src)
{
	for (unsigned int i = s->n; i-- > 0;) {
		struct anomaly *a = s->list[i];

		if (a->type == type && a->shape == shape && a->method == kind && a->active &&
		    (!src || !memcmp(a->source, src, 16)))
			return a;
	}
	return NULL;
}

/* A new record, making room by dropping the oldest inactive one (or the oldest). */
static struct anomaly *anomaly_new(struct scan *s, unsigned int type, uint64_t now)
{
	struct anomaly *a = calloc(1, sizeof(*a));
	unsigned int victim = 0;

	if (!a)
		return NULL;
	if (type == ANOMALY_PORT_SCAN) {
		a->port_bits = calloc(1, 65536 / 8);
		a->target_set = calloc(1, sizeof(*a->target_set));
		if (!a->port_bits || !a->target_set ||
		    table_init(a->target_set, 17, 17, ANOMALY_HOSTS_COUNT)) {
			free(a->port_bits);
			free(a->target_set);
			free(a);
			return NULL;
		}
	}
	if (s->n == ANOMALY_MAX) {
		for (unsigned int i = 0; i < s->n; i++) {
			if (!s->list[i]->active) {
				victim = i;
				break;
			}
		}
		if (s->rec)
			recorder_forget(s->rec, s->list[victim]);
		/* With every record active, the oldest can be the running SYN flood. */
		if (s->list[victim] == s->flood)
			s->flood = NULL;
		anomaly_free(s->list[victim]);
		memmove(&s->list[victim], &s->list[victim + 1],
			(s->n - victim - 1) * sizeof(s->list[0]));
		s->n--;
	}
	a->id = s->next_id++;
	a->type = (uint8_t)type;
	a->active = true;
	a->detected_ns = now;
	s->list[s->n++] = a;
	s->total[type]++;
	return a;
}

static void anomaly_add_target(struct anomaly *a, const uint8_t *addr, uint8_t family)
{
	uint8_t k[17];
	bool created = false;

	memcpy(k, addr, 16);
	k[16] = family;
	if (!table_upsert(a->target_set, k, &created)) {
		a->hosts = ANOMALY_HOSTS_COUNT; /* at least */
		return;
	}
	if (!created)
		return;
	a->hosts++;
	if (a->n_targets < ANOMALY_TARGETS)
		memcpy(a->targets[a->n_targets++], addr, 16);
}

static void anomaly_add_port(struct anomaly *a, uint16_t port)
{
	if (a->port_bits[port / 8] & (1u << (port % 8)))
		return;
	a->port_bits[port / 8] |= (uint8_t)(1u << (port % 8));
	a->ports++;
	if (a->n_sample_ports < ANOMALY_PORTS)
		a->sample_ports[a->n_sample_ports++] = port;
}

static void anomaly_take(struct anomaly *a, const struct probe_key *k, unsigned int outcome,
			 uint64_t ts)
{
	anomaly_add_target(a, k->dst, k->family);
	anomaly_add_port(a, k->port);
	a->probes++;
	if (outcome < WL_OUTCOMES)
		a->outcomes[outcome]++;
	if (!a->first_ns || ts < a->first_ns)
		a->first_ns = ts;
	if (ts > a->last_ns)
		a->last_ns = ts;
}

static void addr_text(const uint8_t *addr, uint8_t family, char *buf, size_t len)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* Open a scan record: it takes every probe of this source and kind still in the window. */
static struct anomaly *scan_open(struct scan *s, const struct probe_key *k, unsigned int shape,
				 uint64_t now)
{
	struct anomaly *a = anomaly_new(s, ANOMALY_PORT_SCAN, now);
	struct probe_entry *p;
	size_t pos = 0;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	if (!a)
		return NULL;
	a->shape = (uint8_t)shape;
	a->method = k->kind;
	a->family = k->family;
	a->has_source = true;
	memcpy(a->source, k->src, 16);
	while ((p = table_next(&s->probes, &pos)))
		if (p->key.kind == k->kind && !memcmp(p->key.src, k->src, 16))
			anomaly_take(a, &p->key, p->outcome, p->last_ns);
	addr_text(k->src, k->family, src, sizeof(src));
	addr_text(a->targets[0], k->family, dst, sizeof(dst));
	if (shape == SCAN_VERTICAL)
		log_ratelimited(
			ANOMALY_LOG_BURST, WL_LOG_WARN,
			"anomaly %llu: port scan (vertical, %s) from %s to %s: %llu ports in "
			"%.3f s",
			(unsigned long long)a->id, probe_kind_name(k->kind), src, dst,
			(unsigned long long)a->ports, (double)(a->last_ns - a->first_ns) / 1e9);
	else
		log_ratelimited(
			ANOMALY_LOG_BURST, WL_LOG_WARN,
			"anomaly %llu: port scan (horizontal, %s) from %s: port %u on %llu hosts "
			"in %.3f s",
			(unsigned long long)a->id, probe_kind_name(k->kind), src, k->port,
			(unsigned long long)a->hosts, (double)(a->last_ns - a->first_ns) / 1e9);
	if (s->rec)
		recorder_start(s->rec, a);
	return a;
}

void scan_probe(struct scan *s, const struct wl_event *e, uint64_t real_ns)
{
	struct count_key vk, hk;
	struct probe_entry *p;
	struct probe_key k;
	struct anomaly *a;
	uint64_t nv = 0, nh = 0;
	bool created;

	if (e->kind >= WL_PROBE_KINDS)
		return;
	s->probes_seen++;
	if (real_ns > s->now_ns)
		s->now_ns = real_ns;
	memset(&k, 0, sizeof(k));
	memcpy(k.src, e->src, 16);
	memcpy(k.dst, e->dst, 16);
	k.port = e->port;
	k.proto = e->proto;
	k.kind = e->kind;
	k.family = e->family;
	p = table_upsert(&s->probes, &k, &created);
	if (!p) {
		probes_trim(s);
		p = table_upsert(&s->probes, &k, &created);
		if (!p)
			return;
	}
	p->last_ns = real_ns;
	p->outcome = e->outcome;
	count_keys(&k, &vk, &hk);
	if (created) {
		nv = count_add(&s->vert, &vk, 1);
		nh = count_add(&s->horiz, &hk, 1);
	}
	/* Records already open for this source and kind take the probe. */
	for (unsigned int shape = SCAN_VERTICAL; shape <= SCAN_HORIZONTAL; shape++) {
		a = anomaly_find(s, ANOMALY_PORT_SCAN, shape, k.kind, k.src);
		if (a)
			anomaly_take(a, &k, e->outcome, real_ns);
		else if (shape == SCAN_VERTICAL ? nv >= s->cfg.ports : nh >= s->cfg.hosts)
			scan_open(s, &k, shape, real_ns);
	}
}

static void flood_check(struct scan *s, uint64_t now_ns, uint64_t syns, uint64_t done)
{
	uint64_t sec = now_ns / 1000000000ull;
	double half_open;

	if (!s->flood_sec) {
		s->flood_sec = sec;
		s->flood_syns = syns;
		s->flood_done = done;
		return;
	}
	if (sec <= s->flood_sec)
		return;
	half_open = (double)((syns - s->flood_syns) - (done - s->flood_done));
	if (syns - s->flood_syns < done - s->flood_done)
		half_open = 0;
	half_open /= (double)(sec - s->flood_sec);
	s->flood_sec = sec;
	s->flood_syns = syns;
	s->flood_done = done;
	if (!s->cfg.synflood_rate)
		return;
	if (half_open < (double)s->cfg.synflood_rate) {
		s->flood_run = 0;
		if (s->flood)
			s->flood->rate = half_open;
		return;
	}
	s->flood_run++;
	if (s->flood && s->flood->active) {
		s->flood->rate = half_open;
		if (half_open > s->flood->peak_rate)
			s->flood->peak_rate = half_open;
		s->flood->last_ns = now_ns;
		return;
	}
	if (s->flood_run < SYNFLOOD_SECONDS)
		return;
	s->flood = anomaly_new(s, ANOMALY_SYN_FLOOD, now_ns);
	if (!s->flood)
		return;
	s->flood->rate = s->flood->peak_rate = half_open;
	s->flood->first_ns = now_ns - (uint64_t)SYNFLOOD_SECONDS * 1000000000ull;
	s->flood->last_ns = now_ns;
	log_ratelimited(ANOMALY_LOG_BURST, WL_LOG_WARN,
			"anomaly %llu: SYN flood: %.0f half-open connections per second for %u s "
			"(threshold %llu)",
			(unsigned long long)s->flood->id, half_open, SYNFLOOD_SECONDS,
			(unsigned long long)s->cfg.synflood_rate);
	if (s->rec)
		recorder_start(s->rec, s->flood);
}

void scan_tick(struct scan *s, uint64_t now_ns, uint64_t syns, uint64_t handshakes)
{
	if (now_ns > s->now_ns)
		s->now_ns = now_ns;
	now_ns = s->now_ns;
	/*
	 * Expiry walks the tables: every sixteenth of the window is precise enough, and keeps
	 * a long file with a packet a second from walking them every second.
	 */
	if (s->probes.count && now_ns > s->cfg.window_ns &&
	    now_ns >= s->last_expire_ns + s->cfg.window_ns / 16) {
		probes_expire(s, now_ns - s->cfg.window_ns);
		s->last_expire_ns = now_ns;
	}
	flood_check(s, now_ns, syns, handshakes);
	for (unsigned int i = 0; i < s->n; i++) {
		struct anomaly *a = s->list[i];

		if (a->active && a->last_ns + ANOMALY_IDLE_NS < now_ns) {
			a->active = false;
			if (a == s->flood)
				s->flood = NULL;
		}
	}
	if (s->rec)
		recorder_tick(s->rec, now_ns);
}

uint64_t scan_active(const struct scan *s, unsigned int type)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < s->n; i++)
		n += s->list[i]->type == type && s->list[i]->active;
	return n;
}
