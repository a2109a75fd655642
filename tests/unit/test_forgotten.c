// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the entities the history forgot (core/forgotten.h): a dead
// victim stays forgotten while its failures stand still on the counters.
#include "core/forgotten.h"
#include "unit.h"

static const struct entity_key victim = {.kind = ENTITY_PROCESS, .tgid = 4242, .group = {77, 0}};
static const struct entity_key other = {.kind = ENTITY_PROCESS, .tgid = 4243, .group = {77, 0}};
static const struct entity_key its_group = {.kind = ENTITY_GROUP, .group = {77, 0}};

UNIT_TEST(test_forgotten_while_met)
{
	struct forgotten f = {0};

	ASSERT_TRUE(!forgotten_still(&f, &victim, 5)); /* never forgotten: new */
	forgotten_note(&f, &victim, 5);		       /* expired with 5 failures */
	ASSERT_TRUE(!forgotten_still(&f, &victim, 5)); /* not before the step ends */
	forgotten_turn(&f);
	for (int step = 0; step < 100; step++) { /* dead: its counters stand still */
		ASSERT_TRUE(forgotten_still(&f, &victim, 5));
		forgotten_turn(&f);
	}
	ASSERT_TRUE(!forgotten_still(&f, &other, 5));	  /* another process */
	ASSERT_TRUE(!forgotten_still(&f, &its_group, 5)); /* its cgroup is its own entity */
	ASSERT_TRUE(!forgotten_still(&f, &victim, 6));	  /* new failures (its pid reused) */
	forgotten_free(&f);
}

UNIT_TEST(test_dropped_once_not_met)
{
	struct forgotten f = {0};

	forgotten_note(&f, &victim, 5);
	forgotten_note(&f, &other, 1);
	forgotten_turn(&f);
	ASSERT_TRUE(forgotten_still(&f, &other, 1));
	forgotten_turn(&f); /* the victim was not met: evicted from the map */
	ASSERT_TRUE(!forgotten_still(&f, &victim, 5));
	ASSERT_TRUE(forgotten_still(&f, &other, 1));
	ASSERT_EQ_INT(f.next.nr, 1);
	forgotten_free(&f);
}

int main(void)
{
	RUN(test_forgotten_while_met);
	RUN(test_dropped_once_not_met);
	return UNIT_MAIN_END();
}
