// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the hash indexes: growth, fixed-size use, collisions, keysets and hashing.
#include <stdint.h>
#include <stdlib.h>
#include "core/idmap.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MANY	      10000

/* The caller's array an idmap indexes, as in its users. */
struct table {
	uint64_t keys[MANY];
	uint32_t nr;
	struct idmap map;
	bool collide; /* hash every key alike, so that only eq tells them apart */
};

static struct table t;

static bool table_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct table *tb = ctx;

	return tb->keys[idx] == *(const uint64_t *)key;
}

static uint64_t table_hash(uint64_t key)
{
	return t.collide ? 42 : hash_u64(key);
}

/* Returns the index of @key, added if new, the way snapshot.c uses an idmap. */
static uint32_t table_put(uint64_t key)
{
	uint32_t *slot;

	if (idmap_reserve(&t.map, t.nr + 1))
		return IDMAP_NONE;
	slot = idmap_slot(&t.map, table_hash(key), table_eq, &t, &key);
	if (*slot)
		return *slot - 1;
	t.keys[t.nr] = key;
	*slot = ++t.nr;
	return t.nr - 1;
}

static uint32_t table_find(uint64_t key)
{
	return idmap_find(&t.map, table_hash(key), table_eq, &t, &key);
}

static void table_reset(bool collide)
{
	idmap_free(&t.map);
	memset(&t, 0, sizeof(t));
	t.collide = collide;
}

struct growth_case {
	const char *name;
	uint32_t n;
	bool collide;
};

static const struct growth_case growth_cases[] = {
	{"one", 1, false},
	{"past the first table", 100, false},
	{"many rehashes", MANY, false},
	{"all in one probe chain", 200, true},
};

/* Entries stay findable across growth, in any number, and repeats find the first. */
static void check_growth_case(const struct growth_case *c)
{
	UNIT_ROW(c->name);
	table_reset(c->collide);
	for (uint32_t i = 0; i < c->n; i++)
		ASSERT_EQ_INT(table_put(i * 7919 + 1), i);
	ASSERT_EQ_INT(t.nr, c->n);
	for (uint32_t i = 0; i < c->n; i++) {
		ASSERT_EQ_INT(table_find(i * 7919 + 1), i);
		ASSERT_EQ_INT(table_put(i * 7919 + 1), i);
	}
	ASSERT_EQ_INT(t.nr, c->n);
	ASSERT_EQ_INT(table_find(0), IDMAP_NONE);
	ASSERT_TRUE((t.map.mask + 1) >= 2 * (size_t)c->n); /* at most half full */
}

UNIT_TEST(growth_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(growth_cases); i++)
		check_growth_case(&growth_cases[i]);
	table_reset(false);
}

/* A zeroed map is empty: finding in it needs no allocation. */
UNIT_TEST(zeroed_map_is_empty)
{
	struct idmap m = {0};
	uint64_t key = 5;

	ASSERT_EQ_INT(idmap_find(&m, hash_u64(key), table_eq, &t, &key), IDMAP_NONE);
	idmap_free(&m);
	idmap_free(&m); /* twice is fine */
}

/* Sized once by idmap_init, a map takes that many entries through idmap_slot alone. */
UNIT_TEST(init_sized_map_needs_no_reserve)
{
	table_reset(false);
	ASSERT_EQ_INT(idmap_init(&t.map, 1000), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		uint64_t key = i + 100;
		uint32_t *slot = idmap_slot(&t.map, hash_u64(key), table_eq, &t, &key);

		ASSERT_EQ_INT(*slot, 0);
		t.keys[t.nr] = key;
		*slot = ++t.nr;
	}
	for (uint32_t i = 0; i < 1000; i++)
		ASSERT_EQ_INT(table_find(i + 100), i);
	table_reset(false);
}

UNIT_TEST(keyset_add_and_has)
{
	struct keyset ks = {0};

	ASSERT_TRUE(!keyset_has(&ks, 1));
	for (uint64_t k = 0; k < MANY; k++)
		ASSERT_EQ_INT(keyset_add(&ks, k << 20), 1);
	for (uint64_t k = 0; k < MANY; k++) {
		ASSERT_EQ_INT(keyset_add(&ks, k << 20), 0);
		ASSERT_TRUE(keyset_has(&ks, k << 20));
		ASSERT_TRUE(!keyset_has(&ks, (k << 20) + 1));
	}
	ASSERT_EQ_INT(ks.nr, MANY);
	keyset_free(&ks);
	ASSERT_TRUE(!keyset_has(&ks, 0));
}

struct hash_case {
	const char *name;
	const char *a, *b;
	size_t len_a, len_b;
};

/* Inputs a careless word-at-a-time hash would confuse. */
static const struct hash_case hash_cases[] = {
	{"last byte of a word", "abcdefgh", "abcdefgi", 8, 8},
	{"byte in the tail", "abcdefghij", "abcdefghik", 10, 10},
	{"tail length", "a\0", "a", 2, 1},
	{"word then nothing", "abcdefgh\0", "abcdefgh", 9, 8},
	{"empty and one zero", "\0", "", 1, 0},
};

UNIT_TEST(hash_bytes_table)
{
	char moved[32];

	for (size_t i = 0; i < ARRAY_SIZE(hash_cases); i++) {
		const struct hash_case *c = &hash_cases[i];

		UNIT_ROW(c->name);
		ASSERT_TRUE(hash_bytes(0, c->a, c->len_a) != hash_bytes(0, c->b, c->len_b));
		/* the same bytes elsewhere, off a word boundary, with other bytes
		 * after them: the same hash (it reads only what it is given) */
		memset(moved, 0x5a, sizeof(moved));
		memcpy(moved + 3, c->a, c->len_a);
		ASSERT_TRUE(hash_bytes(7, moved + 3, c->len_a) == hash_bytes(7, c->a, c->len_a));
	}
}

int main(void)
{
	RUN(growth_table);
	RUN(zeroed_map_is_empty);
	RUN(init_sized_map_needs_no_reserve);
	RUN(keyset_add_and_has);
	RUN(hash_bytes_table);
	return UNIT_MAIN_END();
}
