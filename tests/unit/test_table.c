// SPDX-License-Identifier: MIT
/* The bounded hash table: inserts, caps, in-place removal keeping every survivor findable. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "table.h"

struct ent {
	uint32_t key;
	uint32_t value;
};

static bool drop_odd_values(void *e, void *ctx)
{
	(void)ctx;
	return ((struct ent *)e)->value % 2;
}

static void test_insert_find_cap(void **state)
{
	struct table t;
	bool created;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint32_t), sizeof(struct ent), 100), 0);
	for (uint32_t k = 0; k < 100; k++) {
		struct ent *e = table_upsert(&t, &k, &created);

		assert_non_null(e);
		assert_true(created);
		e->value = k;
	}
	uint32_t k = 1000;
	assert_null(table_upsert(&t, &k, &created)); /* full */
	k = 42;
	assert_non_null(table_upsert(&t, &k, &created)); /* existing keys still update */
	assert_false(created);
	assert_int_equal(t.count, 100);
	table_free(&t);
}

/*
 * Growth: a new table is small; it doubles as it fills, never past what its bound needs, never
 * over two thirds full, and every entry keeps its value through each move.
 */
static void test_grows_to_bound(void **state)
{
	size_t sizes = 0, last = 0;
	struct table t;
	bool created;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint32_t), sizeof(struct ent), 10000), 0);
	assert_true(t.nslots <= 64);
	for (uint32_t k = 0; k < 10000; k++) {
		struct ent *e = table_upsert(&t, &k, &created);

		assert_non_null(e);
		assert_true(created);
		e->value = k * 7;
		assert_true(t.count * 3 <= t.nslots * 2);
		assert_true(t.nslots <= t.max_slots);
		if (t.nslots != last) {
			sizes++;
			last = t.nslots;
		}
	}
	assert_int_equal(t.nslots, t.max_slots);
	assert_true(sizes >= 8); /* 64 .. 15001 by doubling */
	for (uint32_t k = 0; k < 10000; k++) {
		struct ent *e = table_find(&t, &k);

		assert_non_null(e);
		assert_int_equal(e->value, k * 7);
	}
	uint32_t k = 10000;
	assert_null(table_upsert(&t, &k, &created));
	table_free(&t);
}

/* Many rounds of fill / remove half, with dense clusters and wrap-around at the array end. */
static void test_remove_keeps_survivors(void **state)
{
	struct table t;
	bool created;
	uint32_t next = 1;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint32_t), sizeof(struct ent), 4096), 0);
	for (int round = 0; round < 50; round++) {
		size_t pos = 0, n = 0;
		struct ent *e;

		while (t.count < t.max_entries) {
			uint32_t k = next * 2654435761u;

			e = table_upsert(&t, &k, &created);
			assert_non_null(e);
			e->value = next++;
		}
		table_remove_if(&t, drop_odd_values, NULL);
		while ((e = table_next(&t, &pos))) {
			assert_int_equal(e->value % 2, 0);
			assert_ptr_equal(table_find(&t, &e->key), e);
			n++;
		}
		assert_int_equal(n, t.count);
		/* Everything else is gone; make values odd so that the next round drops all old ones. */
		pos = 0;
		while ((e = table_next(&t, &pos)))
			e->value |= 1;
	}
	for (uint32_t v = 1; v < next; v++) {
		uint32_t k = v * 2654435761u;
		struct ent *e = table_find(&t, &k);

		if (e)
			assert_int_equal(e->key, k);
	}
	table_free(&t);
}

struct stamped {
	uint32_t key;
	uint32_t pad;
	uint64_t seen;
};

/* The cut of the oldest eighth: the n/8-th smallest stamp, whatever the table order. */
static void test_eighth_cut(void **state)
{
	struct table t;
	uint64_t cut;
	bool created;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint32_t), sizeof(struct stamped), 100), 0);
	assert_int_equal(table_eighth_cut(&t, offsetof(struct stamped, seen), &cut), -ENOENT);
	for (uint32_t k = 0; k < 80; k++) {
		struct stamped *e = table_upsert(&t, &k, &created);

		e->seen = (k * 37) % 80 + 1000; /* 1000..1079, shuffled */
	}
	assert_int_equal(table_eighth_cut(&t, offsetof(struct stamped, seen), &cut), 0);
	assert_int_equal(cut, 1010);
	table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_find_cap),
		cmocka_unit_test(test_grows_to_bound),
		cmocka_unit_test(test_eighth_cut),
		cmocka_unit_test(test_remove_keeps_survivors),
	};

	return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
