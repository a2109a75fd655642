// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the fast-leak trigger: surge_update() and the per-process table.
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/surge.h"
#include "unit.h"

#define P     (&surge_defaults)
#define TICK  200 /* ms between readings, the daemon's default watch */
#define T0    100000
#define NEVER -1L

/* Net ports held at @ms, for a shape. */
typedef int64_t (*net_fn)(uint64_t ms);

/* Feed readings every @tick ms from T0 for @secs seconds; the ms (from T0)
 * of the reading that trips, or NEVER. @clears_at gets when it cleared. */
static long run(net_fn net, uint32_t tick, unsigned int secs, long *clears_at)
{
	struct surge_state s;
	long tripped = NEVER;

	memset(&s, 0, sizeof(s));
	if (clears_at)
		*clears_at = NEVER;
	for (uint64_t ms = 0; ms <= secs * 1000ull; ms += tick) {
		bool was = s.tripped;

		if (surge_update(&s, P, T0 + ms, net(ms)) && tripped == NEVER)
			tripped = (long)ms;
		if (was && !s.tripped && clears_at && *clears_at == NEVER)
			*clears_at = (long)ms;
	}
	return tripped;
}

static int64_t leak_1000(uint64_t ms)
{
	return ms < 1000 ? 0 : (int64_t)(ms - 1000); /* 1000/s from 1 s */
}

static int64_t leak_150(uint64_t ms)
{
	return (int64_t)(ms * 150 / 1000);
}

static int64_t leak_50(uint64_t ms)
{
	return (int64_t)(ms * 50 / 1000);
}

static int64_t pool_at_once(uint64_t ms)
{
	return ms < 3000 ? 0 : 500; /* a pool opening its 500 connections */
}

static int64_t one_second_burst(uint64_t ms)
{
	if (ms < 1000)
		return 0;
	return ms < 2000 ? (int64_t)(ms - 1000) : 1000; /* 1000 ports in 1 s, then stops */
}

static int64_t churner(uint64_t ms)
{
	return 20 + (int64_t)(ms / 1000 % 2); /* opens and closes keep pace */
}

/* 1000/s for 5 s, then flat (quarantined). */
static int64_t leak_then_stop(uint64_t ms)
{
	if (ms < 1000)
		return 0;
	return ms < 6000 ? (int64_t)(ms - 1000) : 5000;
}

/* 1000/s, but every third reading sees nothing (a descheduled leaker). */
static int64_t leak_stalling(uint64_t ms)
{
	uint64_t tick = ms / TICK;

	return (int64_t)((tick - tick / 3) * TICK); /* grows on 2 of 3 readings */
}

UNIT_TEST(test_steady_fast_leak_trips_after_trip_ms)
{
	long t = run(leak_1000, TICK, 10, NULL);

	/* the streak starts at the reading before the first rise (1000 ms) */
	ASSERT_TRUE(t >= 1000 + (long)P->trip_ms && t <= 1000 + (long)P->trip_ms + TICK);
	t = run(leak_150, TICK, 10, NULL);
	ASSERT_TRUE(t >= (long)P->trip_ms && t <= (long)P->trip_ms + TICK);
	t = run(leak_1000, 100, 10, NULL); /* readings twice as often: the same time */
	ASSERT_TRUE(t >= 1000 + (long)P->trip_ms && t <= 1000 + (long)P->trip_ms + 100);
}

UNIT_TEST(test_slow_growth_steps_and_bursts_never_trip)
{
	ASSERT_EQ_INT(run(leak_50, TICK, 30, NULL), NEVER);
	ASSERT_EQ_INT(run(pool_at_once, TICK, 30, NULL), NEVER);
	ASSERT_EQ_INT(run(one_second_burst, TICK, 30, NULL), NEVER);
	ASSERT_EQ_INT(run(churner, TICK, 30, NULL), NEVER);
	ASSERT_EQ_INT(run(pool_at_once, 50, 30, NULL), NEVER);
}

UNIT_TEST(test_gaps_keep_the_streak)
{
	long t = run(leak_stalling, TICK, 10, NULL);

	ASSERT_TRUE(t >= (long)P->trip_ms && t <= (long)P->trip_ms + 2 * TICK);
}

UNIT_TEST(test_clears_after_clear_ms_of_calm)
{
	long cleared, t = run(leak_then_stop, TICK, 20, &cleared);

	ASSERT_TRUE(t != NEVER);
	ASSERT_TRUE(cleared >= 6000 + (long)P->clear_ms &&
		    cleared <= 6000 + (long)P->clear_ms + TICK);
}

/* One long reading (a stalled daemon) is one breaching reading, not a surge. */
UNIT_TEST(test_one_long_reading_is_not_a_surge)
{
	struct surge_state s;

	memset(&s, 0, sizeof(s));
	ASSERT_TRUE(!surge_update(&s, P, T0, 0));
	ASSERT_TRUE(!surge_update(&s, P, T0 + 3000, 600)); /* 200/s over 3 s */
	ASSERT_TRUE(!s.tripped);
	ASSERT_TRUE(!surge_update(&s, P, T0 + 3200, 640));
	ASSERT_TRUE(surge_update(&s, P, T0 + 3400, 680)); /* the third rising reading */
	ASSERT_EQ_INT(s.surge_ms, T0);
	/* the same time again, or a clock going back: ignored */
	ASSERT_TRUE(!surge_update(&s, P, T0 + 3400, 9000));
	ASSERT_TRUE(!surge_update(&s, P, T0 + 1000, 9000));
	ASSERT_TRUE(s.tripped);
}

static void add(struct activity_table *a, uint32_t tgid, uint64_t cgroup, uint64_t opens,
		uint64_t closes, uint64_t fails)
{
	struct activity_entry *e = &a->items[a->nr++];

	memset(e, 0, sizeof(*e));
	e->key.tgid = tgid;
	e->key.cgroup_id = cgroup;
	e->val.n[PW_CNT_OPENS] = opens;
	e->val.n[PW_CNT_CLOSES] = closes;
	e->val.n[PW_CNT_FAIL_EADDRNOTAVAIL] = fails;
}

/* The table sums a process over its cgroups, ignores tgid 0, subtracts
 * closes and failed connects, and forgets processes the map dropped. */
UNIT_TEST(test_table)
{
	struct activity_entry items[8];
	struct activity_table a = {.items = items, .cap = 8};
	struct surge_table t = {0};
	const struct surge_entry *e;
	int trips = 0;

	for (uint64_t ms = 0; ms <= 3000; ms += TICK) {
		uint64_t n = ms; /* 1000/s */

		a.nr = 0;
		add(&a, 0, 5, 10 * n, 0, 0);	    /* softirq: nobody's */
		add(&a, 42, 7, n / 2, 0, 0);	    /* a leaker over two cgroups */
		add(&a, 42, 8, n / 2 + n, n, 0);    /* ... whose closes cancel n opens */
		add(&a, 9, 7, 2 * n, n / 2, n);	    /* half its connects fail: 500/s net */
		add(&a, 5, 7, 3 * n, 3 * n - 1, 0); /* churn */
		ASSERT_EQ_INT(activity_index(&a), 0);
		trips += surge_table_update(&t, P, &a, T0 + ms);
	}
	ASSERT_EQ_INT(t.nr, 3);
	ASSERT_EQ_INT(trips, 2);
	ASSERT_TRUE(surge_find(&t, 0) == NULL);
	e = surge_find(&t, 42);
	ASSERT_TRUE(e && e->st.tripped && e->cgroup_id == 7);
	ASSERT_EQ_INT(e->st.last_net, 3000);
	e = surge_find(&t, 9);
	ASSERT_TRUE(e && e->st.tripped);
	ASSERT_EQ_INT(e->st.last_net, 1500);
	e = surge_find(&t, 5);
	ASSERT_TRUE(e && !e->st.tripped);
	a.nr = 0;
	add(&a, 9, 7, 10000, 0, 0);
	ASSERT_EQ_INT(activity_index(&a), 0);
	ASSERT_EQ_INT(surge_table_update(&t, P, &a, T0 + 3200), 0);
	ASSERT_EQ_INT(t.nr, 1);
	ASSERT_TRUE(surge_find(&t, 42) == NULL);
	ASSERT_TRUE(surge_find(&t, 9)->st.tripped);
	surge_table_free(&t);
	free(a.by_tgid); /* the items are on the stack */
}

int main(void)
{
	RUN(test_steady_fast_leak_trips_after_trip_ms);
	RUN(test_slow_growth_steps_and_bursts_never_trip);
	RUN(test_gaps_keep_the_streak);
	RUN(test_clears_after_clear_ms_of_calm);
	RUN(test_one_long_reading_is_not_a_surge);
	RUN(test_table);
	return UNIT_MAIN_END();
}
