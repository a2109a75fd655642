// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for candidate_heed_surge(): when a surge's verdict names a suspect.
#include <math.h>
#include <string.h>
#include "candidates.h"
#include "unit.h"

static struct snap_pool pool(uint32_t used)
{
	struct snap_pool p;

	memset(&p, 0, sizeof(p));
	p.capacity = 28232;
	p.capacity_known = true;
	p.used = used;
	return p;
}

static struct candidate none(void)
{
	struct candidate c;

	memset(&c, 0, sizeof(c));
	c.pool_seconds_left = INFINITY;
	return c;
}

static struct verdict surge(enum leak_class class, double growth)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.class = class;
	v.growth_per_s = growth;
	return v;
}

/* 1000 ports/s with 26232 free: out in 26 s, under the minute: named. */
UNIT_TEST(test_fast_surge_is_named)
{
	struct snap_pool p = pool(2000);
	struct candidate c = none();
	struct verdict v = surge(LEAK_GROWTH, 1000);

	candidate_heed_surge(&c, &v, &p);
	ASSERT_EQ_INT(c.class, LEAK_GROWTH);
	ASSERT_TRUE(c.urgent_named);
	ASSERT_TRUE(fabs(c.pool_seconds_left - 26.232) < 1e-9);
	ASSERT_TRUE(c.growth_per_s == 1000);
}

/* A surge that would take minutes to exhaust its pool, a surge the held
 * ports did not confirm, or no pool: nothing changes. */
UNIT_TEST(test_surge_without_pressure_or_evidence_is_ignored)
{
	struct snap_pool p = pool(2000);
	struct candidate c = none();
	struct verdict slow = surge(LEAK_GROWTH, 200), unconfirmed = surge(LEAK_NONE, 1000),
		       churn = surge(LEAK_TIME_WAIT_CHURN, 1000);

	candidate_heed_surge(&c, &slow, &p); /* 131 s left */
	candidate_heed_surge(&c, &unconfirmed, &p);
	candidate_heed_surge(&c, &churn, &p);
	candidate_heed_surge(&c, &slow, NULL);
	ASSERT_EQ_INT(c.class, LEAK_NONE);
	ASSERT_TRUE(!c.urgent_named);
	ASSERT_TRUE(isinf(c.pool_seconds_left));
}

/* A suspect already named keeps its class; a more pressing forecast is taken. */
UNIT_TEST(test_named_suspect_keeps_its_class)
{
	struct snap_pool p = pool(20000);
	struct candidate c = none();
	struct verdict v = surge(LEAK_UDP, 1000);

	c.class = LEAK_GROWTH;
	c.pool_seconds_left = 100;
	candidate_heed_surge(&c, &v, &p);
	ASSERT_EQ_INT(c.class, LEAK_GROWTH);
	ASSERT_TRUE(!c.urgent_named);
	ASSERT_TRUE(fabs(c.pool_seconds_left - 8.232) < 1e-9);
	c.pool_seconds_left = 2;
	candidate_heed_surge(&c, &v, &p);
	ASSERT_TRUE(c.pool_seconds_left == 2);
}

int main(void)
{
	RUN(test_fast_surge_is_named);
	RUN(test_surge_without_pressure_or_evidence_is_ignored);
	RUN(test_named_suspect_keeps_its_class);
	return UNIT_MAIN_END();
}
