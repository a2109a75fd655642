// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the flat hog: a full pool failing for others, and its dominant holder.
#include <netinet/in.h>
#include <string.h>
#include "core/hog.h"
#include "unit.h"

#define SEC 1000ull

static struct snap_pool full_pool(uint32_t used, uint32_t holder, uint32_t holder_used)
{
	struct snap_pool p;

	memset(&p, 0, sizeof(p));
	p.kind = POOL_TCP_CONNECT;
	p.netns = 7;
	p.rport = 5001;
	p.raddr[0] = 127;
	p.raddr[3] = 1;
	p.used = used;
	p.capacity = 1000;
	p.capacity_known = true;
	p.top[0].tgid = holder;
	p.top[0].used = holder_used;
	p.nr_top = 1;
	return p;
}

static struct pw_event failure(uint32_t tgid, uint64_t ts_ns)
{
	struct pw_event e;

	memset(&e, 0, sizeof(e));
	e.tgid = tgid;
	e.ts_ns = ts_ns;
	e.netns = 7;
	e.err = 99;
	e.protocol = IPPROTO_TCP;
	e.dport = 5001;
	e.daddr[0] = 127;
	e.daddr[3] = 1;
	return e;
}

/* One update: pool @p in the snapshot, @n failures of @tgid at @t (ms). */
static void step(struct hog_watch *w, struct snap_pool *p, uint32_t tgid, int n, uint64_t t)
{
	struct snapshot s = {.pools = p, .nr_pools = 1};
	struct pw_event ev[4];

	for (int i = 0; i < n; i++)
		ev[i] = failure(tgid, t * 1000000 + (uint64_t)i);
	ASSERT_EQ_INT(hog_watch_update(w, &s, ev, (size_t)n, t, 0.8), 0);
}

UNIT_TEST(victims_for_hog_time_name_the_holder)
{
	struct hog_watch w = {0};
	struct snap_pool p = full_pool(990, 42, 950);

	ASSERT_EQ_INT(hog_holder(&p), 42);
	for (uint64_t t = 1; t <= 30; t++)
		step(&w, &p, 100, 1, t * SEC);
	ASSERT_EQ_INT(w.nr, 1);
	ASSERT_TRUE(!hog_spell_long(&w.items[0], 30 * SEC, 30 * SEC));
	step(&w, &p, 100, 1, 31 * SEC);
	ASSERT_TRUE(hog_spell_long(&w.items[0], 31 * SEC, 30 * SEC));
	ASSERT_TRUE(!hog_spell_long(&w.items[0], 31 * SEC, 0)); /* hog_time 0: off */
	hog_watch_free(&w);
}

UNIT_TEST(no_victim_no_hog)
{
	struct hog_watch w = {0};
	struct snap_pool p = full_pool(1000, 42, 1000);

	/* the holder's own failures are not a victim's */
	for (uint64_t t = 1; t <= 60; t++)
		step(&w, &p, 42, 2, t * SEC);
	ASSERT_TRUE(!hog_spell_long(&w.items[0], 60 * SEC, 30 * SEC));
	hog_watch_free(&w);
}

UNIT_TEST(spell_ends_when_quiet_or_not_full)
{
	struct hog_watch w = {0};
	struct snap_pool p = full_pool(990, 42, 950), half = full_pool(500, 42, 460);

	step(&w, &p, 100, 1, 1 * SEC);
	step(&w, &p, 100, 0, 20 * SEC); /* quiet for more than HOG_QUIET_MS */
	ASSERT_TRUE(!hog_spell_long(&w.items[0], 35 * SEC, 30 * SEC));
	step(&w, &p, 100, 1, 36 * SEC); /* a new spell starts here */
	ASSERT_TRUE(w.items[0].failing_since_ms == 36 * SEC);
	step(&w, &half, 100, 1, 37 * SEC); /* below the threshold: forgotten */
	ASSERT_EQ_INT(w.nr, 0);
	hog_watch_free(&w);
}

/* Refusals by the lifeline show no failure event: they extend the spell of
 * the watched pool they name, and of no other. */
UNIT_TEST(lifeline_refusals_count)
{
	struct hog_watch w = {0};
	struct snap_pool p = full_pool(960, 42, 950), other = p;

	other.rport = 5002;
	for (uint64_t t = 1; t <= 31; t++) {
		step(&w, &p, 0, 0, t * SEC);
		hog_watch_refused(&w, &p, t * SEC);
		hog_watch_refused(&w, &other, t * SEC); /* not watched: nothing */
	}
	ASSERT_EQ_INT(w.nr, 1);
	ASSERT_TRUE(hog_spell_long(&w.items[0], 31 * SEC, 30 * SEC));
	hog_watch_free(&w);
}

UNIT_TEST(dominance_and_matching)
{
	struct snap_pool shared = full_pool(990, 42, 400), several = full_pool(990, 0, 950);
	struct snap_pool p = full_pool(990, 42, 950);
	struct pw_event e = failure(100, 1);

	ASSERT_EQ_INT(hog_holder(&shared), 0);	/* under half: nobody dominates */
	ASSERT_EQ_INT(hog_holder(&several), 0); /* a group of processes, no one pid */
	ASSERT_TRUE(hog_event_in_pool(&e, &p));
	e.dport = 5002;
	ASSERT_TRUE(!hog_event_in_pool(&e, &p));
	e = failure(100, 1);
	e.netns = 8;
	ASSERT_TRUE(!hog_event_in_pool(&e, &p));
	e = failure(100, 1);
	e.err = 111; /* ECONNREFUSED: no allocation failure */
	ASSERT_TRUE(!hog_event_in_pool(&e, &p));
}

int main(void)
{
	RUN(victims_for_hog_time_name_the_holder);
	RUN(no_victim_no_hog);
	RUN(spell_ends_when_quiet_or_not_full);
	RUN(dominance_and_matching);
	RUN(lifeline_refusals_count);
	return UNIT_MAIN_END();
}
