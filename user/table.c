// SPDX-License-Identifier: MIT
/* A bounded open-addressing (linear probing) hash table; removal rebuilds the table. */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static uint64_t table_hash(const struct table *t, const void *key)
{
	const uint8_t *p = key;
	uint64_t h = t->seed ^ 0xcbf29ce484222325ull;

	for (size_t i = 0; i < t->key_size; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	/* Final avalanche (murmur3 fmix64) so that low bits depend on every key byte. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

int table_init(struct table *t, size_t key_size, size_t entry_size, size_t max_entries)
{
	size_t n = 16;

	memset(t, 0, sizeof(*t));
	if (!key_size || entry_size < key_size || !max_entries)
		return -EINVAL;
	while (n < 2 * max_entries)
		n <<= 1;
	t->key_size = key_size;
	t->entry_size = entry_size;
	t->max_entries = max_entries;
	t->nslots = n;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	t->used = calloc(n, 1);
	t->slots = calloc(n, entry_size);
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
	size_t mask = t->nslots - 1;
	size_t i = table_hash(t, key) & mask;

	for (;;) {
		if (!t->used[i]) {
			*found = false;
			return i;
		}
		if (!memcmp(t->slots + i * t->entry_size, key, t->key_size)) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
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

void table_remove_if(struct table *t, bool (*drop)(void *entry, void *ctx), void *ctx)
{
	uint8_t *old_used = t->used, *old_slots = t->slots;
	size_t n = t->nslots;
	uint8_t *nu, *ns;

	nu = calloc(n, 1);
	ns = calloc(n, t->entry_size);
	if (!nu || !ns) {
		/* Can't rebuild: mark in place is impossible with linear probing; keep all. */
		free(nu);
		free(ns);
		return;
	}
	t->used = nu;
	t->slots = ns;
	t->count = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = old_slots + i * t->entry_size;
		bool found;
		size_t j;

		if (!old_used[i] || drop(e, ctx))
			continue;
		j = table_slot(t, e, &found);
		t->used[j] = 1;
		memcpy(t->slots + j * t->entry_size, e, t->entry_size);
		t->count++;
	}
	free(old_used);
	free(old_slots);
}
