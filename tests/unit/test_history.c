// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the per-entity history: growth up to its limit, lookup, expiry,
// a pid reused by a new process.
#include <stdint.h>
#include <string.h>
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

/* A pid reused in the same group: the first start seen is kept, the same
 * one or an unknown one (0) changes nothing, and a different one retires
 * the old process's entity (its samples, class, peak and name kept under a
 * key of its own, no longer found as the pid's process) while the pid's
 * entity goes on from the new process's first sample. */
UNIT_TEST(reused_pid_retires_the_old_process)
{
	struct sample buf[4];
	struct history h;
	struct entity_key k = process_key(42), old_key;
	struct entity *e, *old;
	struct series s;
	bool reused;

	ASSERT_EQ_INT(history_init(&h, 4, 10), 0);
	e = history_get(&h, &k);
	ASSERT_TRUE(history_claim(&h, e, 0, &reused) == e && !reused);
	ASSERT_EQ_INT(e->start_time, 0);
	ASSERT_TRUE(history_claim(&h, e, 1000, &reused) == e && !reused);
	ASSERT_EQ_INT(e->start_time, 1000);
	for (uint32_t i = 1; i <= 6; i++) {
		struct sample x = {.t_ms = i, .held = {.total = 100 * i}};

		history_push(&h, e, &x);
	}
	memcpy(e->comm, "leaker", 7);
	e->verdict.class = LEAK_GROWTH;
	e->urgent_latched = LEAK_GROWTH;
	e->urgent_held = 600;
	e->worst = LEAK_GROWTH;
	ASSERT_TRUE(history_claim(&h, e, 1000, &reused) == e && !reused);
	ASSERT_TRUE(history_claim(&h, e, 0, &reused) == e && !reused);
	ASSERT_EQ_INT(e->nr, 4);

	e = history_claim(&h, e, 2000, &reused);
	ASSERT_TRUE(reused);
	ASSERT_EQ_INT(h.nr, 2);
	ASSERT_TRUE(history_find(&h, &k) == e);
	ASSERT_TRUE(history_find_process(&h, 42) == e);
	ASSERT_EQ_INT(e->start_time, 2000);
	ASSERT_EQ_INT(e->nr, 0);
	ASSERT_EQ_INT(e->peak_held, 0);
	ASSERT_EQ_INT(e->urgent_held, 0);
	ASSERT_EQ_INT(e->comm[0], 0);
	ASSERT_EQ_INT(e->verdict.class, LEAK_NONE);
	ASSERT_EQ_INT(e->urgent_latched, LEAK_NONE);
	ASSERT_EQ_INT(e->worst, LEAK_NONE);
	ASSERT_TRUE(entity_current(e));
	{
		struct sample x = {.t_ms = 7, .held = {.total = 3}};

		history_push(&h, e, &x);
	}
	s = history_series(&h, e, buf);
	ASSERT_EQ_INT(s.nr, 1);
	ASSERT_EQ_INT(buf[0].held.total, 3);
	ASSERT_EQ_INT(e->peak_held, 3);

	old_key = k;
	old_key.retired_start = 1000;
	old = history_find(&h, &old_key);
	ASSERT_TRUE(old != NULL && old != e);
	ASSERT_TRUE(!entity_current(old));
	ASSERT_EQ_INT(old->start_time, 1000);
	ASSERT_EQ_STR(old->comm, "leaker");
	ASSERT_EQ_INT(old->worst, LEAK_GROWTH);
	ASSERT_EQ_INT(old->peak_held, 600);
	ASSERT_EQ_INT(old->last_seen_ms, 6);
	s = history_series(&h, old, buf);
	ASSERT_EQ_INT(s.nr, 4);
	ASSERT_EQ_INT(buf[3].held.total, 600);
	ASSERT_TRUE(old->ring != e->ring);

	/* the retired one expires with the exited, the new one stays */
	ASSERT_EQ_INT(history_expire(&h, 7), 0);
	ASSERT_EQ_INT(h.nr, 1);
	ASSERT_TRUE(history_find_process(&h, 42) != NULL);
	ASSERT_TRUE(history_find(&h, &old_key) == NULL);
	history_free(&h);
}

/* With the history full, the old process's entity cannot be kept: the
 * pid's entity still starts afresh rather than mix the two. */
UNIT_TEST(reused_pid_in_a_full_history_drops_the_old_process)
{
	struct history h;
	struct entity_key k = process_key(1);
	struct entity *e;
	bool reused;

	ASSERT_EQ_INT(history_init(&h, 4, 1), 0);
	e = history_get(&h, &k);
	history_claim(&h, e, 1000, &reused);
	history_push(&h, e, &(struct sample){.t_ms = 1, .held = {.total = 50}});
	e = history_claim(&h, e, 2000, &reused);
	ASSERT_TRUE(reused);
	ASSERT_EQ_INT(h.nr, 1);
	ASSERT_EQ_INT(e->nr, 0);
	ASSERT_EQ_INT(e->start_time, 2000);
	history_free(&h);
}

int main(void)
{
	RUN(grows_and_finds_every_entity);
	RUN(expire_gives_back_a_burst);
	RUN(resize_keeps_newest_samples);
	RUN(refuses_past_the_limit);
	RUN(expire_keeps_recent_entities_findable);
	RUN(reused_pid_retires_the_old_process);
	RUN(reused_pid_in_a_full_history_drops_the_old_process);
	return UNIT_MAIN_END();
}
