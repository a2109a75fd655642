// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for a growing total said at most once a period (core/said_every.h).
#include "core/said_every.h"
#include "unit.h"

#define PERIOD 600000 /* ms */

UNIT_TEST(test_first_growth_said_at_once)
{
	struct said_every s = {0};

	ASSERT_EQ_INT(said_every_due(&s, 0, 5, PERIOD), 0); /* nothing yet */
	ASSERT_EQ_INT(said_every_due(&s, 3, 10, PERIOD), 3);
	ASSERT_EQ_INT(said_every_due(&s, 3, 20, PERIOD), 0); /* no growth */
}

UNIT_TEST(test_growth_held_until_the_period)
{
	struct said_every s = {0};

	ASSERT_EQ_INT(said_every_due(&s, 3, 1000, PERIOD), 3);
	/* a step every 2 s for ten minutes: growth each time, nothing said */
	for (uint64_t t = 3000; t < 1000 + PERIOD; t += 2000)
		ASSERT_EQ_INT(said_every_due(&s, 3 + t / 1000, t, PERIOD), 0);
	/* then everything since the last saying, at once */
	ASSERT_EQ_INT(said_every_due(&s, 700, 1000 + PERIOD, PERIOD), 697);
	ASSERT_EQ_INT(said_every_due(&s, 701, 2000 + PERIOD, PERIOD), 0);
}

UNIT_TEST(test_quiet_spell_then_growth_said_at_once)
{
	struct said_every s = {0};

	ASSERT_EQ_INT(said_every_due(&s, 3, 1000, PERIOD), 3);
	ASSERT_EQ_INT(said_every_due(&s, 3, 1000 + 2 * PERIOD, PERIOD), 0);
	ASSERT_EQ_INT(said_every_due(&s, 9, 1000 + 2 * PERIOD + 1, PERIOD), 6);
}

UNIT_TEST(test_fallen_total_counts_from_there)
{
	struct said_every s = {0};

	ASSERT_EQ_INT(said_every_due(&s, 10, 1000, PERIOD), 10);
	ASSERT_EQ_INT(said_every_due(&s, 4, 1000 + PERIOD, PERIOD), 0);
	ASSERT_EQ_INT(said_every_due(&s, 6, 1000 + PERIOD + 1, PERIOD), 2);
}

int main(void)
{
	RUN(test_first_growth_said_at_once);
	RUN(test_growth_held_until_the_period);
	RUN(test_quiet_spell_then_growth_said_at_once);
	RUN(test_fallen_total_counts_from_there);
	return UNIT_MAIN_END();
}
