// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the per-entity history: growth up to its limit, lookup, expiry.
#include <stdint.h>
#include "core/history.h"
#include "unit.h"

static struct entity_key process_key(uint32_t tgid)
{
	return (struct entity_key){.kind = ENTITY_PROCESS, .tgid = tgid, .group = {1, 0}};
}

/* Past several growths of the array and index, every entity is found again
 * with its samples, and nothing is allocated before the first one. */
UNIT_TEST(grows_and_finds_every_entity)
{
	struct history h;
	struct entity_key k;

	ASSERT_EQ_INT(history_init(&h, 4, 1000), 0);
	ASSERT_TRUE(h.items == NULL);
	k = process_key(1);
	ASSERT_TRUE(history_find(&h, &k) == NULL);
	for (uint32_t i = 1; i <= 500; i++) {
		struct sample s = {.t_ms = i};
		struct entity *e;

		k = process_key(i);
		e = history_get(&h, &k);
		ASSERT_TRUE(e != NULL);
		history_push(&h, e, &s);
	}
	ASSERT_EQ_INT(h.nr, 500);
	ASSERT_TRUE(h.cap < 1000);
	for (uint32_t i = 1; i <= 500; i++) {
		struct entity *e;

		k = process_key(i);
		e = history_find(&h, &k);
		ASSERT_TRUE(e != NULL);
		ASSERT_EQ_INT(e->key.tgid, i);
		ASSERT_EQ_INT(e->nr, 1);
		ASSERT_EQ_INT(e->last_seen_ms, i);
		ASSERT_TRUE(history_get(&h, &k) == e);
	}
	history_free(&h);
}

/* A reload with a longer window grows every ring, a shorter one shrinks it;
 * the newest samples stay, oldest first, and pushing goes on from there. */
UNIT_TEST(resize_keeps_newest_samples)
{
	struct sample buf[16];
	struct history h;
	struct entity_key k = process_key(7);
	struct entity *e;
	struct series s;

	ASSERT_EQ_INT(history_init(&h, 4, 10), 0);
	e = history_get(&h, &k);
	ASSERT_TRUE(e != NULL);
	for (uint64_t t = 1; t <= 10; t++)
		history_push(&h, e, &(struct sample){.t_ms = t});
	ASSERT_EQ_INT(history_resize(&h, 8), 0);
	e = history_find(&h, &k);
	s = history_series(&h, e, buf);
	ASSERT_EQ_INT(s.nr, 4);
	for (size_t i = 0; i < 4; i++)
		ASSERT_EQ_INT(s.samples[i].t_ms, 7 + i);
	for (uint64_t t = 11; t <= 16; t++)
		history_push(&h, e, &(struct sample){.t_ms = t});
	s = history_series(&h, e, buf);
	ASSERT_EQ_INT(s.nr, 8);
	for (size_t i = 0; i < 8; i++)
		ASSERT_EQ_INT(s.samples[i].t_ms, 9 + i);
	ASSERT_EQ_INT(history_resize(&h, 3), 0);
	s = history_series(&h, e, buf);
	ASSERT_EQ_INT(s.nr, 3);
	for (size_t i = 0; i < 3; i++)
		ASSERT_EQ_INT(s.samples[i].t_ms, 14 + i);
	history_push(&h, e, &(struct sample){.t_ms = 17});
	s = history_series(&h, e, buf);
	ASSERT_EQ_INT(s.samples[0].t_ms, 15);
	ASSERT_EQ_INT(s.samples[2].t_ms, 17);
	history_free(&h);
}

UNIT_TEST(refuses_past_the_limit)
{
	struct history h;
	struct entity_key k;

	ASSERT_EQ_INT(history_init(&h, 4, 100), 0);
	for (uint32_t i = 1; i <= 100; i++) {
		k = process_key(i);
		ASSERT_TRUE(history_get(&h, &k) != NULL);
	}
	k = process_key(101);
	ASSERT_TRUE(history_get(&h, &k) == NULL);
	k = process_key(100);
	ASSERT_TRUE(history_get(&h, &k) != NULL);
	ASSERT_EQ_INT(h.cap, 100);
	history_free(&h);
}

UNIT_TEST(expire_keeps_recent_entities_findable)
{
	struct history h;
	struct entity_key k;

	ASSERT_EQ_INT(history_init(&h, 4, 1000), 0);
	for (uint32_t i = 1; i <= 200; i++) {
		struct sample s = {.t_ms = i};

		k = process_key(i);
		history_push(&h, history_get(&h, &k), &s);
	}
	ASSERT_EQ_INT(history_expire(&h, 151), 0);
	ASSERT_EQ_INT(h.nr, 50);
	k = process_key(150);
	ASSERT_TRUE(history_find(&h, &k) == NULL);
	for (uint32_t i = 151; i <= 200; i++) {
		k = process_key(i);
		ASSERT_TRUE(history_find(&h, &k) != NULL);
	}
	k = process_key(1);
	ASSERT_TRUE(history_get(&h, &k) != NULL);
	ASSERT_EQ_INT(h.nr, 51);
	history_free(&h);
}

/* A burst of processes gone: the array gives back its room (240 bytes an
 * entity, up to 65536 of them), and what stays is still found. */
UNIT_TEST(expire_gives_back_a_burst)
{
	struct history h;
	struct entity_key k;

	ASSERT_EQ_INT(history_init(&h, 4, 65536), 0);
	for (uint32_t i = 1; i <= 5000; i++) {
		struct sample s = {.t_ms = i};

		k = process_key(i);
		history_push(&h, history_get(&h, &k), &s);
	}
	ASSERT_EQ_INT(h.cap, 8192);
	ASSERT_EQ_INT(history_expire(&h, 4991), 0);
	ASSERT_EQ_INT(h.nr, 10);
	ASSERT_EQ_INT(h.cap, 64); /* FIRST_ENTITIES: quarter full or less halves */
	for (uint32_t i = 4991; i <= 5000; i++) {
		k = process_key(i);
		ASSERT_TRUE(history_find(&h, &k) != NULL);
	}
	history_free(&h);
}

int main(void)
{
	RUN(grows_and_finds_every_entity);
	RUN(expire_gives_back_a_burst);
	RUN(resize_keeps_newest_samples);
	RUN(refuses_past_the_limit);
	RUN(expire_keeps_recent_entities_findable);
	return UNIT_MAIN_END();
}
