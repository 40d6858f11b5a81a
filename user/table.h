/* SPDX-License-Identifier: MIT */
/*
 * A bounded open-addressing hash table of fixed-size entries whose key is the entry's prefix. It
 * starts small and doubles as it fills, up to the size its bound needs: an upsert that creates an
 * entry may move every other one (as a removal may), so pointers into the table last until the
 * next upsert or removal.
 */
#ifndef WL_TABLE_H
#define WL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct table {
	size_t key_size;
	size_t entry_size;
	size_t max_entries; /* inserts fail beyond this */
	size_t nslots;	    /* now, at most max_slots; at most two thirds full */
	size_t max_slots;   /* max_entries * 3/2 + 1, at least 16 */
	size_t count;
	uint64_t seed;
	uint8_t *used;
	uint8_t *slots;
};

/* Returns 0 or -ENOMEM/-EINVAL. The seed is random so that crafted keys can't force collisions. */
int table_init(struct table *t, size_t key_size, size_t entry_size, size_t max_entries);
void table_free(struct table *t);

void *table_find(const struct table *t, const void *key);

/*
 * Find or insert (zero-filled entry with the key copied in). Returns NULL when the key is new and
 * the table holds max_entries already; *created tells whether it was inserted.
 */
void *table_upsert(struct table *t, const void *key, bool *created);

/* Iterate: pass *pos = 0 first; returns the next entry or NULL at the end. */
void *table_next(const struct table *t, size_t *pos);

/*
 * Where to cut the least recently used eighth of a full table: the u64 time stamp at byte
 * offset `off` of the entries, the n/8-th smallest. Returns 0, or -ENOMEM / -ENOENT (empty).
 */
int table_eighth_cut(const struct table *t, size_t off, uint64_t *cut);

/* Remove every entry for which drop(entry, ctx) returns true, calling it once per entry. */
void table_remove_if(struct table *t, bool (*drop)(void *entry, void *ctx), void *ctx);

#endif
