// SPDX-License-Identifier: MIT
/* A bounded open-addressing (linear probing) hash table that grows by doubling up to its bound. */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Keyed hash over 8-byte words (keys here are 24 or 40 bytes), with a murmur3 finaliser. */
static uint64_t table_hash(const struct table *t, const void *key)
{
	const uint8_t *p = key;
	uint64_t h = t->seed ^ (t->key_size * 0x9e3779b97f4a7c15ull);
	size_t i = 0;

	for (; i + 8 <= t->key_size; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h ^= w * 0x9e3779b97f4a7c15ull;
		h = (h << 27 | h >> 37) * 0xc2b2ae3d27d4eb4full;
	}
	for (; i < t->key_size; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* The home slot of a hash: its high bits scaled to the table (any size, no modulo). */
static size_t table_home(const struct table *t, uint64_t h)
{
	return (size_t)(((unsigned __int128)h * t->nslots) >> 64);
}

static size_t table_step(const struct table *t, size_t i)
{
	return i + 1 == t->nslots ? 0 : i + 1;
}

/* The first allocation: small, so that an idle table costs little to hold and to walk. */
#define TABLE_START_SLOTS 64

int table_init(struct table *t, size_t key_size, size_t entry_size, size_t max_entries)
{
	/* At most two thirds full: short probe runs without rounding the size up to 2^k. */
	size_t n = max_entries + max_entries / 2 + 1;

	memset(t, 0, sizeof(*t));
	if (!key_size || entry_size < key_size || !max_entries)
		return -EINVAL;
	if (n < 16)
		n = 16;
	t->key_size = key_size;
	t->entry_size = entry_size;
	t->max_entries = max_entries;
	t->max_slots = n;
	t->nslots = n < TABLE_START_SLOTS ? n : TABLE_START_SLOTS;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	t->used = calloc(t->nslots, 1);
	t->slots = calloc(t->nslots, entry_size);
	if (!t->used || !t->slots) {
		table_free(t);
		return -ENOMEM;
	}
	return 0;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	free(t->used);
	free(t->slots);
	t->used = NULL;
	t->slots = NULL;
	t->count = 0;
}

static size_t table_slot(const struct table *t, const void *key, bool *found)
{
	size_t i = table_home(t, table_hash(t, key));

	for (;;) {
		if (!t->used[i]) {
			*found = false;
			return i;
		}
		if (!memcmp(t->slots + i * t->entry_size, key, t->key_size)) {
			*found = true;
			return i;
		}
		i = table_step(t, i);
	}
}

void *table_find(const struct table *t, const void *key)
{
	bool found;
	size_t i;

	if (!t->slots)
		return NULL;
	i = table_slot(t, key, &found);
	return found ? t->slots + i * t->entry_size : NULL;
}

/*
 * Grow to n slots in place: realloc (large arrays grow by remapping, not copying, so the old
 * and the new never both take memory), then every entry moves to its place in the larger
 * table. Slots: 0 empty, 1 placed, 2 still at its old place. An entry goes to the first slot
 * from its new home that is not placed: an empty one, or one whose unplaced entry it swaps
 * with (that one is handled next, from the same slot). A placed entry never moves again, so
 * every probe run stays unbroken. Returns 0 or -ENOMEM (the table is unchanged).
 */
static int table_resize(struct table *t, size_t n)
{
	size_t old = t->nslots;
	uint8_t *used, *slots, *tmp;

	tmp = malloc(t->entry_size);
	used = tmp ? realloc(t->used, n) : NULL;
	if (!used) {
		free(tmp);
		return -ENOMEM;
	}
	t->used = used;
	slots = realloc(t->slots, n * t->entry_size);
	if (!slots) {
		free(tmp);
		return -ENOMEM; /* (t->used is larger than needed: harmless) */
	}
	t->slots = slots;
	memset(used + old, 0, n - old);
	for (size_t i = 0; i < old; i++)
		used[i] = used[i] ? 2 : 0;
	t->nslots = n;
	for (size_t i = 0; i < n; i++) {
		while (used[i] == 2) {
			uint8_t *e = slots + i * t->entry_size;
			size_t j = table_home(t, table_hash(t, e));

			while (used[j] == 1)
				j = table_step(t, j);
			if (j == i) {
				used[i] = 1;
			} else if (!used[j]) {
				memcpy(slots + j * t->entry_size, e, t->entry_size);
				used[j] = 1;
				used[i] = 0;
			} else {
				memcpy(tmp, slots + j * t->entry_size, t->entry_size);
				memcpy(slots + j * t->entry_size, e, t->entry_size);
				memcpy(e, tmp, t->entry_size);
				used[j] = 1;
			}
		}
	}
	free(tmp);
	return 0;
}

void *table_upsert(struct table *t, const void *key, bool *created)
{
	bool found;
	size_t i;
	uint8_t *e;

	*created = false;
	if (!t->slots)
		return NULL;
	i = table_slot(t, key, &found);
	e = t->slots + i * t->entry_size;
	if (found)
		return e;
	if (t->count >= t->max_entries)
		return NULL;
	/* One more would make it over two thirds full: double first (at the bound, it never is). */
	if ((t->count + 1) * 3 > t->nslots * 2 && t->nslots < t->max_slots) {
		size_t n = t->nslots * 2 < t->max_slots ? t->nslots * 2 : t->max_slots;

		if (table_resize(t, n))
			return NULL;
		i = table_slot(t, key, &found);
		e = t->slots + i * t->entry_size;
	}
	t->used[i] = 1;
	memset(e, 0, t->entry_size);
	memcpy(e, key, t->key_size);
	t->count++;
	*created = true;
	return e;
}

void *table_next(const struct table *t, size_t *pos)
{
	while (*pos < t->nslots) {
		size_t i = (*pos)++;

		if (t->used[i])
			return t->slots + i * t->entry_size;
	}
	return NULL;
}

/* Empty slot i by backward-shift deletion: later members of its cluster move up (no tombstones). */
static void table_delete_slot(struct table *t, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t k;

		j = table_step(t, j);
		if (!t->used[j])
			break;
		k = table_home(t, table_hash(t, t->slots + j * t->entry_size));
		/* Move j into the hole at i unless its home slot k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		memcpy(t->slots + i * t->entry_size, t->slots + j * t->entry_size, t->entry_size);
		t->used[i] = t->used[j];
		i = j;
	}
	t->used[i] = 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int table_eighth_cut(const struct table *t, size_t off, uint64_t *cut)
{
	size_t pos = 0, n = 0;
	uint64_t *ts;
	void *e;

	if (!t->count)
		return -ENOENT;
	ts = malloc(t->count * sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	while ((e = table_next(t, &pos)))
		memcpy(&ts[n++], (const uint8_t *)e + off, sizeof(*ts));
	qsort(ts, n, sizeof(*ts), u64_cmp);
	*cut = ts[n / 8];
	free(ts);
	return 0;
}

void table_remove_if(struct table *t, bool (*drop)(void *entry, void *ctx), void *ctx)
{
	if (!t->count)
		return;
	/* Decide for every entry first (used = 2: to drop), then delete in place. */
	for (size_t i = 0; i < t->nslots; i++)
		if (t->used[i] && drop(t->slots + i * t->entry_size, ctx))
			t->used[i] = 2;
	for (size_t i = 0; i < t->nslots; i++) {
		/* A deletion can shift another marked entry into slot i: repeat until it's not. */
		while (t->used[i] == 2) {
			table_delete_slot(t, i);
			t->count--;
		}
	}
	/*
	 * Entries that wrapped past the end of the array can have shifted into slots already
	 * passed; a second sweep catches them.
	 */
	for (size_t i = 0; i < t->nslots; i++) {
		while (t->used[i] == 2) {
			table_delete_slot(t, i);
			t->count--;
		}
	}
}
