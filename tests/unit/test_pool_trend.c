// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for pool trends: how fast each pool fills, whoever fills it.
#include <string.h>
#include "core/pool_trend.h"
#include "unit.h"

static struct snap_pool pool(uint32_t netns, uint16_t rport, uint32_t used)
{
	struct snap_pool p;

	memset(&p, 0, sizeof(p));
	p.kind = POOL_TCP_CONNECT;
	p.netns = netns;
	p.rport = rport;
	p.used = used;
	p.capacity = 3000;
	p.capacity_known = true;
	return p;
}

static void update(struct pool_trends *tr, struct snap_pool *pools, size_t nr, uint64_t t_ms)
{
	struct snapshot s;

	memset(&s, 0, sizeof(s));
	s.pools = pools;
	s.nr_pools = nr;
	ASSERT_EQ_INT(pool_trends_update(tr, &s, t_ms), 0);
}

UNIT_TEST(growth_smoothed_per_pool)
{
	struct pool_trends tr = {0};
	struct snap_pool p[2] = {pool(1, 80, 100), pool(2, 80, 500)};

	update(&tr, p, 2, 1000);
	ASSERT_TRUE(p[0].growth_per_s == 0 && p[1].growth_per_s == 0); /* seen once */
	p[0] = pool(1, 80, 200); /* +100 in 1 s */
	p[1] = pool(2, 80, 500); /* flat */
	update(&tr, p, 2, 2000);
	ASSERT_TRUE(p[0].growth_per_s == 100);
	ASSERT_TRUE(p[1].growth_per_s == 0);
	p[0] = pool(1, 80, 250); /* +50 in 1 s: halfway between */
	update(&tr, p, 1, 3000);
	ASSERT_TRUE(p[0].growth_per_s == 75);
	ASSERT_EQ_INT(tr.nr, 1); /* pool 2 left the snapshot: forgotten */
	/* a re-check's snapshot gets the growths without a new step */
	p[0] = pool(1, 80, 260);
	p[1] = pool(3, 80, 10);
	{
		struct snapshot s = {.pools = p, .nr_pools = 2};

		pool_trends_apply(&tr, &s);
	}
	ASSERT_TRUE(p[0].growth_per_s == 75);
	ASSERT_TRUE(p[1].growth_per_s == 0);
	pool_trends_free(&tr);
}

/* The readings kept for the incident charts: the newest POOL_TREND_RING,
 * oldest first, each with its time, used ports and capacity. */
UNIT_TEST(readings_ring)
{
	static struct pool_reading rd[POOL_TREND_RING];
	struct pool_trends tr = {0};
	const struct pool_trend *t;
	struct snap_pool p;
	size_t n;

	for (uint32_t i = 0; i < 3; i++) {
		p = pool(1, 80, 10 * i);
		update(&tr, &p, 1, 1000 * i);
	}
	t = pool_trends_find(&tr, &p);
	ASSERT_TRUE(t != NULL);
	n = pool_trend_readings(t, rd);
	ASSERT_EQ_INT(n, 3);
	ASSERT_TRUE(rd[0].t_ms == 0 && rd[0].used == 0 && rd[0].capacity == 3000);
	ASSERT_TRUE(rd[2].t_ms == 2000 && rd[2].used == 20);
	for (uint32_t i = 3; i < POOL_TREND_RING + 10; i++) {
		p = pool(1, 80, i);
		update(&tr, &p, 1, 1000 * i);
	}
	n = pool_trend_readings(pool_trends_find(&tr, &p), rd);
	ASSERT_EQ_INT(n, POOL_TREND_RING);
	ASSERT_EQ_INT(rd[0].used, 10); /* the 10 oldest fell out */
	ASSERT_EQ_INT(rd[POOL_TREND_RING - 1].used, POOL_TREND_RING + 9);
	for (size_t i = 1; i < n; i++)
		ASSERT_TRUE(rd[i].t_ms > rd[i - 1].t_ms);
	p = pool(2, 80, 1);
	ASSERT_TRUE(pool_trends_find(&tr, &p) == NULL);
	pool_trends_free(&tr);
}

UNIT_TEST(identity)
{
	struct snap_pool a = pool(1, 80, 1), b = pool(1, 80, 2), c = pool(1, 81, 1);

	ASSERT_TRUE(pool_same(&a, &b));
	ASSERT_TRUE(!pool_same(&a, &c));
	b.raddr[3] = 1;
	ASSERT_TRUE(!pool_same(&a, &b));
}

/* Thousands of pools for a while (~4 KiB each: their readings), then a
 * few: the trends give back the room, and keep the few's readings. */
UNIT_TEST(burst_of_pools_given_back)
{
	static struct snap_pool many[3000];
	struct pool_trends tr = {0};
	const struct pool_trend *t;

	for (uint32_t i = 0; i < 3000; i++)
		many[i] = pool(1, (uint16_t)(1000 + i), i);
	update(&tr, many, 3000, 1000);
	ASSERT_EQ_INT(tr.cap, 4096);
	for (uint32_t i = 0; i < 5; i++)
		many[i] = pool(1, (uint16_t)(1000 + i), i + 10);
	update(&tr, many, 5, 2000);
	ASSERT_EQ_INT(tr.nr, 5);
	ASSERT_EQ_INT(tr.cap, 16);
	t = pool_trends_find(&tr, &many[4]);
	ASSERT_TRUE(t && t->nr == 2 && t->growth_per_s == 10);
	pool_trends_free(&tr);
}

int main(void)
{
	RUN(growth_smoothed_per_pool);
	RUN(burst_of_pools_given_back);
	RUN(identity);
	RUN(readings_ring);
	return UNIT_MAIN_END();
}
