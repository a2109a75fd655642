// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the latch on a class named early, and the growing arrays.
#include <stdint.h>
#include <stdlib.h>
#include "core/array.h"
#include "core/latch.h"
#include "unit.h"

/* An entity whose latest sample holds @connected established sockets,
 * @time_wait in TIME_WAIT and @passive accepted ones. */
static struct entity *holding(struct history *h, uint32_t connected, uint32_t time_wait,
			      uint32_t passive)
{
	struct entity_key k = {.kind = ENTITY_PROCESS, .tgid = 42, .group = {1, 0}};
	struct entity *e = history_get(h, &k);
	struct sample s = {.t_ms = 1000};

	s.held.n[PS_ESTABLISHED] = connected;
	s.held.n[PS_TIME_WAIT] = time_wait;
	s.held.passive = passive;
	s.held.total = connected + time_wait;
	history_push(h, e, &s);
	return e;
}

/* TIME_WAIT and accepted sockets take no port of their own. */
UNIT_TEST(ports_held_leave_out_time_wait_and_accepted)
{
	struct history h;
	struct entity *e;

	ASSERT_EQ_INT(history_init(&h, 4, 8), 0);
	e = holding(&h, 300, 50, 20);
	ASSERT_EQ_INT(entity_ports_held(&h, e), 280);
	history_free(&h);
}

/* The first class latched stays; a later one does not replace it. */
UNIT_TEST(latch_keeps_the_first_class)
{
	struct history h;
	struct entity *e;

	ASSERT_EQ_INT(history_init(&h, 4, 8), 0);
	e = holding(&h, 400, 0, 0);
	entity_latch(e, LEAK_UDP, 400);
	entity_latch(e, LEAK_HOG, 900);
	ASSERT_EQ_INT(e->urgent_latched, LEAK_UDP);
	ASSERT_EQ_INT(e->urgent_held, 400);
	history_free(&h);
}

/* Holding half or more of what it was latched with keeps the latch (a
 * quarantined leaker still holding its ports is still the leaker); below
 * half, it gave its ports back and the latch drops. */
UNIT_TEST(latch_drops_below_half_of_what_was_held)
{
	struct history h;
	struct entity *e;

	ASSERT_EQ_INT(history_init(&h, 4, 8), 0);
	e = holding(&h, 400, 0, 0);
	entity_latch(e, LEAK_GROWTH, 400);
	e = holding(&h, 200, 0, 0);
	entity_latch_update(&h, e);
	ASSERT_EQ_INT(e->urgent_latched, LEAK_GROWTH);
	e = holding(&h, 199, 300, 0); /* TIME_WAIT is given back too */
	entity_latch_update(&h, e);
	ASSERT_EQ_INT(e->urgent_latched, LEAK_NONE);
	history_free(&h);
}

/* Capacity starts at @first, doubles, and is kept when nothing is needed. */
UNIT_TEST(array_grows_by_doubling)
{
	size_t cap = 0;
	uint32_t *a = array_grow(NULL, &cap, 1, 8, sizeof(*a));

	ASSERT_TRUE(a != NULL);
	ASSERT_EQ_INT(cap, 8);
	ASSERT_TRUE(array_grow(a, &cap, 8, 8, sizeof(*a)) == a);
	ASSERT_EQ_INT(cap, 8);
	a = array_grow(a, &cap, 9, 8, sizeof(*a));
	ASSERT_EQ_INT(cap, 16);
	a = array_grow(a, &cap, 100, 8, sizeof(*a));
	ASSERT_EQ_INT(cap, 128);
	a[127] = 7; /* the room is really there (ASan would say) */
	free(a);
}

/* A size that cannot be reached by doubling fails, keeping the array. */
UNIT_TEST(array_refuses_an_impossible_size)
{
	size_t cap = 0;
	uint64_t *a = array_grow(NULL, &cap, 4, 4, sizeof(*a));

	ASSERT_TRUE(a != NULL);
	ASSERT_TRUE(array_grow(a, &cap, SIZE_MAX, 4, sizeof(*a)) == NULL);
	ASSERT_EQ_INT(cap, 4);
	free(a);
}

int main(void)
{
	RUN(ports_held_leave_out_time_wait_and_accepted);
	RUN(latch_keeps_the_first_class);
	RUN(latch_drops_below_half_of_what_was_held);
	RUN(array_grows_by_doubling);
	RUN(array_refuses_an_impossible_size);
	return UNIT_MAIN_END();
}
