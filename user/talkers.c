// SPDX-License-Identifier: MIT
/*
 * Flows, hosts and conversations. Every flow delta (a kernel harvest or one pcap packet) is
 * accounted to its flow, to both hosts and to the address pair. Tables are bounded: when one is
 * full, its least recently active eighth is folded into that table's `other` bucket, so each
 * table plus `other` still sums to everything it was fed.
 */
#include "talkers.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "util.h"

/* A kernel flow: its key in the table of one interface's programs. */
struct seen_key {
	struct wl_flow_key flow; /* its link: the interface's number */
};

/*
 * The last values read of one kernel flow, only those that deltas are made of (a third of a
 * wl_flow_val: this table holds an entry per kernel flow).
 */
struct seen_val {
	struct wl_counter ctr[2][2]; /* as in wl_flow_val */
	uint64_t first_ns;	     /* tells a new flow in the same slot after an eviction */
	uint32_t retrans[2], ooo[2], dupack[2], zerowin[2], rst[2];
};

struct seen_entry {
	struct seen_key key;
	struct seen_val val;
	uint64_t generation;
	bool hooked; /* quiet_hook returned true for this flow */
};

static void seen_val_of(struct seen_val *s, const struct wl_flow_val *v)
{
	memcpy(s->ctr, v->ctr, sizeof(s->ctr));
	s->first_ns = v->first_ns;
	for (int i = 0; i < 2; i++) {
		s->retrans[i] = v->conn.retrans[i];
		s->ooo[i] = v->conn.ooo[i];
		s->dupack[i] = v->conn.dupack[i];
		s->zerowin[i] = v->conn.zerowin[i];
		s->rst[i] = v->conn.rst[i];
	}
}

int talkers_init(struct talkers *t, size_t max_flows, size_t max_hosts, size_t max_pairs,
		 size_t kernel_flows)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = table_init(&t->flows, sizeof(struct wl_flow_key), sizeof(struct flow_entry),
			 max_flows);
	if (!err)
		err = table_init(&t->hosts, sizeof(struct host_key), sizeof(struct host_entry),
				 max_hosts);
	if (!err)
		err = table_init(&t->pairs, sizeof(struct pair_key), sizeof(struct pair_entry),
				 max_pairs);
	if (!err && kernel_flows)
		err = table_init(&t->seen, sizeof(struct seen_key), sizeof(struct seen_entry),
				 kernel_flows);
	if (err)
		talkers_free(t);
	return err;
}

void talkers_free(struct talkers *t)
{
	if (!t)
		return;
	table_free(&t->flows);
	table_free(&t->hosts);
	table_free(&t->pairs);
	table_free(&t->seen);
}

static void ctr_add(struct wl_counter *dst, const struct wl_counter *src)
{
	dst->packets += src->packets;
	dst->bytes += src->bytes;
}

/* Each table entry starts with its key, then four counters and first/last seen. */
struct entry_head {
	struct wl_counter ab, ba, in, out;
	uint64_t first_ns, last_ns;
};

static struct entry_head *entry_head(void *entry, size_t key_size)
{
	return (struct entry_head *)((uint8_t *)entry + key_size);
}

struct fold_ctx {
	size_t key_size;
	uint64_t threshold;
	struct talkers_other *other;
};

static bool fold_if_old(void *entry, void *arg)
{
	struct fold_ctx *c = arg;
	struct entry_head *h = entry_head(entry, c->key_size);

	if (h->last_ns > c->threshold)
		return false;
	ctr_add(&c->other->ab, &h->ab);
	ctr_add(&c->other->ba, &h->ba);
	ctr_add(&c->other->in, &h->in);
	ctr_add(&c->other->out, &h->out);
	c->other->entries++;
	return true;
}

/* The k-th smallest of v[0..n) (quickselect, average O(n)); reorders v. */
static uint64_t select_kth(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint64_t pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				uint64_t x = v[i];

				v[i] = v[j];
				v[j] = x;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Fold the least recently active eighth of a full table into its `other` bucket. */
static void talkers_fold(struct table *tab, struct talkers_other *other)
{
	struct fold_ctx c = {.key_size = tab->key_size, .other = other};
	uint64_t *last;
	size_t pos = 0, n = 0;
	void *e;

	other->folds++;
	last = malloc(tab->count * sizeof(*last));
	if (!last)
		return;
	while ((e = table_next(tab, &pos)))
		last[n++] = entry_head(e, tab->key_size)->last_ns;
	c.threshold = select_kth(last, n, n / 8);
	free(last);
	table_remove_if(tab, fold_if_old, &c);
}

/*
 * Add a delta to the entry with `key` in tab (ab/ba given in the entry's own orientation).
 * Returns the entry, or NULL when it went to `other`.
 */
static void *talkers_add(struct table *tab, struct talkers_other *other, const void *key,
			 const struct wl_counter *ab, const struct wl_counter *ba,
			 const struct flow_delta *d, bool *is_new)
{
	struct entry_head *h;
	bool created;
	void *e;

	e = table_upsert(tab, key, &created);
	if (!e) {
		talkers_fold(tab, other);
		e = table_upsert(tab, key, &created);
	}
	if (!e) {
		ctr_add(&other->ab, ab);
		ctr_add(&other->ba, ba);
		ctr_add(&other->in, &d->in);
		ctr_add(&other->out, &d->out);
		return NULL;
	}
	if (is_new)
		*is_new = created;
	h = entry_head(e, tab->key_size);
	ctr_add(&h->ab, ab);
	ctr_add(&h->ba, ba);
	ctr_add(&h->in, &d->in);
	ctr_add(&h->out, &d->out);
	if (created || (d->first_ns && d->first_ns < h->first_ns))
		h->first_ns = d->first_ns;
	if (d->last_ns > h->last_ns)
		h->last_ns = d->last_ns;
	return e;
}

void tcp_health_add(struct tcp_health *dst, const struct tcp_health *src)
{
	dst->retrans += src->retrans;
	dst->ooo += src->ooo;
	dst->dupack += src->dupack;
	dst->zerowin += src->zerowin;
	dst->rst += src->rst;
}

bool tcp_health_any(const struct tcp_health *h)
{
	return h->retrans || h->ooo || h->dupack || h->zerowin || h->rst;
}

static void talkers_add_host(struct talkers *t, const uint8_t *addr, uint8_t family,
			     const struct wl_counter *tx, const struct wl_counter *rx,
			     const struct tcp_health *health, const struct flow_delta *d)
{
	struct host_key hk;
	struct host_entry *h;

	memset(&hk, 0, sizeof(hk));
	memcpy(hk.addr, addr, 16);
	hk.family = family;
	/* host_entry: tx and rx take the places of ab and ba. */
	h = talkers_add(&t->hosts, &t->hosts_other, &hk, tx, rx, d, NULL);
	if (h && d->app < WL_APP_MAX)
		h->app_bytes[d->app] += tx->bytes + rx->bytes;
	if (h)
		tcp_health_add(&h->tcp, health);
}

void talkers_name_host(struct talkers *t, const uint8_t *addr, uint8_t family, const uint8_t *name,
		       size_t len)
{
	struct host_key hk;
	struct host_entry *h;

	memset(&hk, 0, sizeof(hk));
	memcpy(hk.addr, addr, 16);
	hk.family = family;
	h = table_find(&t->hosts, &hk);
	if (!h || !len)
		return;
	h->name_len = (uint8_t)(len < TALKERS_NAME_MAX ? len : TALKERS_NAME_MAX);
	memcpy(h->name, name, h->name_len);
}

void talkers_account(struct talkers *t, const struct wl_flow_key *k, const struct flow_delta *d)
{
	struct flow_entry *f;
	struct pair_key pk;
	bool is_new = false;

	f = talkers_add(&t->flows, &t->flows_other, k, &d->ab, &d->ba, d, &is_new);
	if (f) {
		if (is_new)
			f->flags = d->flags; /* who spoke first */
		f->tcp_flags_ab |= d->tcp_flags_ab;
		f->tcp_flags_ba |= d->tcp_flags_ba;
		if (d->app > WL_APP_UNKNOWN || f->app == WL_APP_NONE)
			f->app = d->app;
		tcp_health_add(&f->hab, &d->hab);
		tcp_health_add(&f->hba, &d->hba);
		if (d->rtt.count)
			f->rtt = d->rtt;
	}
	talkers_add_host(t, k->a, k->family, &d->ab, &d->ba, &d->hab, d);
	talkers_add_host(t, k->b, k->family, &d->ba, &d->ab, &d->hba, d);
	memset(&pk, 0, sizeof(pk));
	memcpy(pk.a, k->a, 16);
	memcpy(pk.b, k->b, 16);
	pk.family = k->family;
	talkers_add(&t->pairs, &t->pairs_other, &pk, &d->ab, &d->ba, d, NULL);
	t->attributed.packets += d->ab.packets + d->ba.packets;
	t->attributed.bytes += d->ab.bytes + d->ba.bytes;
}

static void ctr_delta(struct wl_counter *out, const struct wl_counter *now,
		      const struct wl_counter *before)
{
	out->packets = now->packets - before->packets;
	out->bytes = now->bytes - before->bytes;
}

/* What side i sent since the last harvest (kernel counters only grow within one flow). */
static void health_delta(struct tcp_health *h, const struct seen_val *now,
			 const struct seen_val *before, int i)
{
	h->retrans = (uint32_t)(now->retrans[i] - before->retrans[i]);
	h->ooo = (uint32_t)(now->ooo[i] - before->ooo[i]);
	h->dupack = (uint32_t)(now->dupack[i] - before->dupack[i]);
	h->zerowin = (uint32_t)(now->zerowin[i] - before->zerowin[i]);
	h->rst = (uint32_t)(now->rst[i] - before->rst[i]);
}

/* The frames of counters c[side][hook] from a side (hook < 0) or of a hook (side < 0). */
static struct wl_counter ctr_sum(const struct wl_counter c[2][2], int side, int hook)
{
	struct wl_counter r = {0};

	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if ((side < 0 || side == i) && (hook < 0 || hook == j)) {
				r.packets += c[i][j].packets;
				r.bytes += c[i][j].bytes;
			}
	return r;
}

static void ctr_delta2(struct wl_counter *d, const struct wl_counter now[2][2],
		       const struct wl_counter before[2][2], int side, int hook)
{
	struct wl_counter a = ctr_sum(now, side, hook), b = ctr_sum(before, side, hook);

	ctr_delta(d, &a, &b);
}

static void talkers_harvest_one(struct talkers *t, const struct wl_flow_key *k,
				const struct wl_flow_val *v, int64_t mono_to_real)
{
	struct seen_val zero = {0}, now;
	const struct seen_val *prev = &zero;
	struct seen_entry *s;
	struct flow_delta d;
	struct seen_key sk;
	bool created;

	memset(&sk, 0, sizeof(sk));
	sk.flow = *k;
	seen_val_of(&now, v);
	s = table_upsert(&t->seen, &sk, &created);
	/* A kernel entry with smaller counters is a new flow after an eviction: start over. */
	if (s && !created && now.first_ns == s->val.first_ns &&
	    ctr_sum(now.ctr, 0, -1).packets >= ctr_sum(s->val.ctr, 0, -1).packets &&
	    ctr_sum(now.ctr, 1, -1).packets >= ctr_sum(s->val.ctr, 1, -1).packets)
		prev = &s->val;
	memset(&d, 0, sizeof(d));
	ctr_delta2(&d.ab, now.ctr, prev->ctr, 0, -1);
	ctr_delta2(&d.ba, now.ctr, prev->ctr, 1, -1);
	ctr_delta2(&d.in, now.ctr, prev->ctr, -1, WL_DIR_IN);
	ctr_delta2(&d.out, now.ctr, prev->ctr, -1, WL_DIR_OUT);
	d.first_ns = (uint64_t)((int64_t)v->first_ns + mono_to_real);
	d.last_ns = (uint64_t)((int64_t)v->last_ns + mono_to_real);
	d.tcp_flags_ab = v->tcp_flags_ab;
	d.tcp_flags_ba = v->tcp_flags_ba;
	d.app = v->app;
	d.flags = v->flags;
	health_delta(&d.hab, &now, prev, 0);
	health_delta(&d.hba, &now, prev, 1);
	d.rtt.count = v->conn.rtt_count;
	d.rtt.min_us = v->conn.rtt_min_us;
	d.rtt.last_us = v->conn.rtt_last_us;
	if (s) {
		if (prev != &s->val)
			s->hooked = false; /* a new flow in that entry */
		s->val = now;
		s->generation = t->generation;
		if (t->quiet_hook && !s->hooked)
			s->hooked = t->quiet_hook(t->quiet_ctx, k, v, mono_to_real);
	}
	if (d.ab.packets || d.ba.packets || tcp_health_any(&d.hab) || tcp_health_any(&d.hba))
		talkers_account(t, k, &d);
}

/* An entry that this harvest did not see: gone from the kernel table. */
static bool seen_is_stale(void *entry, void *ctx)
{
	const struct seen_entry *s = entry;

	return s->generation != *(const uint64_t *)ctx;
}

#define HARVEST_BATCH 1024

/*
 * Harvest one kernel flow table whose keys are key_size bytes (a wl_flow_key, or a
 * wl_flow_key4): the number of flows read, or -errno.
 */
static int64_t talkers_harvest_map(struct talkers *t, int map_fd, size_t key_size,
				   int64_t mono_to_real, pthread_mutex_t *lock)
{
	struct wl_flow_val *vals;
	struct wl_flow_key k;
	__u8 batch[sizeof(struct wl_flow_key)];
	bool first = true;
	int64_t n_total = 0;
	__u8 *keys;
	int err = 0;

	keys = calloc(HARVEST_BATCH, key_size);
	vals = calloc(HARVEST_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = HARVEST_BATCH;

		err = bpf_map_lookup_batch(map_fd, first ? NULL : batch, batch, keys, vals, &count,
					   &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		/* Read the kernel's table without the lock; change ours with it. */
		if (lock)
			pthread_mutex_lock(lock);
		for (__u32 i = 0; i < count; i++) {
			const __u8 *key = keys + (size_t)i * key_size;

			if (key_size == sizeof(struct wl_flow_key4))
				wl_flow_key_of4((const struct wl_flow_key4 *)key, &k);
			else
				memcpy(&k, key, sizeof(k));
			talkers_harvest_one(t, &k, &vals[i], mono_to_real);
		}
		if (lock)
			pthread_mutex_unlock(lock);
		n_total += count;
		first = false;
		if (err) { /* ENOENT: that was the last batch */
			err = 0;
			break;
		}
	}
	free(keys);
	free(vals);
	return err ? err : n_total;
}

int talkers_harvest(struct talkers *t, int map4_fd, int map6_fd, int64_t mono_to_real,
		    pthread_mutex_t *lock)
{
	int64_t n4, n6;

	t->generation++;
	n4 = talkers_harvest_map(t, map4_fd, sizeof(struct wl_flow_key4), mono_to_real, lock);
	if (n4 < 0)
		return (int)n4;
	n6 = talkers_harvest_map(t, map6_fd, sizeof(struct wl_flow_key), mono_to_real, lock);
	if (n6 < 0)
		return (int)n6;
	if (lock)
		pthread_mutex_lock(lock);
	table_remove_if(&t->seen, seen_is_stale, &t->generation);
	t->kernel_flows = (uint64_t)(n4 + n6);
	t->harvests++;
	if (lock)
		pthread_mutex_unlock(lock);
	return 0;
}

struct rank {
	const void *entry;
	uint64_t metric;
	size_t key_size;
};

/* Largest first; ties by key so that the order never depends on the hash seed. */
static int rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->metric != y->metric)
		return x->metric < y->metric ? 1 : -1;
	return memcmp(x->entry, y->entry, x->key_size);
}

static uint64_t metric_of(const struct entry_head *h, enum talkers_sort by, enum talkers_dir dir)
{
	const struct wl_counter *c1 = &h->ab, *c2 = &h->ba;

	if (dir == TALKERS_DIR_IN) {
		c1 = &h->in;
		c2 = NULL;
	} else if (dir == TALKERS_DIR_OUT) {
		c1 = &h->out;
		c2 = NULL;
	}
	if (by == TALKERS_BY_PACKETS)
		return c1->packets + (c2 ? c2->packets : 0);
	return c1->bytes + (c2 ? c2->bytes : 0);
}

static size_t talkers_top(const struct table *tab, enum talkers_sort by, enum talkers_dir dir,
			  const void **out, size_t limit)
{
	struct rank *r;
	size_t pos = 0, n = 0;
	void *e;

	if (!tab->count || !limit)
		return 0;
	r = malloc(tab->count * sizeof(*r));
	if (!r)
		return 0;
	while ((e = table_next(tab, &pos))) {
		uint64_t m = metric_of(entry_head(e, tab->key_size), by, dir);

		if (dir != TALKERS_DIR_ALL && !m)
			continue;
		r[n].entry = e;
		r[n].metric = m;
		r[n].key_size = tab->key_size;
		n++;
	}
	qsort(r, n, sizeof(*r), rank_cmp);
	n = min(n, limit);
	for (size_t i = 0; i < n; i++)
		out[i] = r[i].entry;
	free(r);
	return n;
}

size_t talkers_top_hosts(const struct talkers *t, enum talkers_sort by, enum talkers_dir dir,
			 const struct host_entry **out, size_t limit)
{
	return talkers_top(&t->hosts, by, dir, (const void **)out, limit);
}

size_t talkers_top_pairs(const struct talkers *t, enum talkers_sort by, enum talkers_dir dir,
			 const struct pair_entry **out, size_t limit)
{
	return talkers_top(&t->pairs, by, dir, (const void **)out, limit);
}

size_t talkers_top_flows(const struct talkers *t, enum talkers_sort by, enum talkers_dir dir,
			 const struct flow_entry **out, size_t limit)
{
	return talkers_top(&t->flows, by, dir, (const void **)out, limit);
}

_Static_assert(offsetof(struct host_entry, tx) == sizeof(struct host_key), "host layout");
_Static_assert(offsetof(struct pair_entry, ab) == sizeof(struct pair_key), "pair layout");
_Static_assert(offsetof(struct flow_entry, ab) == sizeof(struct wl_flow_key), "flow layout");
_Static_assert(offsetof(struct flow_entry, first_ns) - offsetof(struct flow_entry, ab) ==
		       offsetof(struct entry_head, first_ns),
	       "entry head layout");
_Static_assert(offsetof(struct host_entry, last_ns) - offsetof(struct host_entry, tx) ==
		       offsetof(struct entry_head, last_ns),
	       "entry head layout");
