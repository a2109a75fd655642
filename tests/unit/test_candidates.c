// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for candidate_heed_surge() and candidate_heed_pressure(): when
// a surge's verdict, or a pressed pool, names a suspect early; and for
// candidate_as_cgroup(): what a cgroup-scope ladder weighs; and for
// candidate_build(): a pid whose process is not the one its entity is of.
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "guard/candidates.h"
#include "host/procfs.h"
#include "unit.h"
#include "watch/monitor.h"

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

/* A monitor (1 s samples, default judgement: 45 s) whose history holds one
 * process that grew @rate ports/s, steadily, for @n samples; its entity. */
static struct entity *grown(struct monitor *m, uint32_t rate, size_t n)
{
	struct entity_key k = {.kind = ENTITY_PROCESS, .tgid = 42};
	struct entity *e;

	memset(m, 0, sizeof(*m));
	m->cfg.params = classify_defaults;
	m->cfg.interval_ms = 1000;
	if (history_init(&m->history, 64, 8))
		return NULL;
	e = history_get(&m->history, &k);
	for (size_t i = 0; e && i < n; i++) {
		struct sample s = {.t_ms = 1000 * (i + 1)};

		s.held.n[PS_ESTABLISHED] = s.held.total = (uint32_t)(rate * (i + 1));
		s.opens = s.held.total;
		history_push(&m->history, e, &s);
	}
	return e;
}

/* Pressed means out within twice the normal judgement (90 s): a steady
 * 40 ports/s with 80 s left is named on a window fitted to half of that
 * (16 s; 20 samples cover it), with no hysteresis; with 100 s left, or with
 * fewer samples than that window, it is left to the normal judgement. */
UNIT_TEST(test_pressed_pool_names_a_steady_grower)
{
	struct monitor m;
	struct entity *e = grown(&m, 40, 20);
	struct snap_pool p = pool(0);
	struct candidate c = none();

	ASSERT_TRUE(e != NULL);
	c.growth_per_s = 40;
	p.capacity = 4000;
	p.used = 4000 - 80 * 40;
	candidate_heed_pressure(&m, e, &p, &c);
	ASSERT_EQ_INT(c.class, LEAK_GROWTH);
	ASSERT_TRUE(c.pressure_named);
	ASSERT_TRUE(fabs(c.pool_seconds_left - 80) < 1);

	c = none();
	c.growth_per_s = 40;
	p.used = 4000 - 100 * 40;
	candidate_heed_pressure(&m, e, &p, &c);
	ASSERT_EQ_INT(c.class, LEAK_NONE);
	history_free(&m.history);

	e = grown(&m, 40, 10);
	ASSERT_TRUE(e != NULL);
	c = none();
	c.growth_per_s = 40;
	p.used = 4000 - 80 * 40;
	candidate_heed_pressure(&m, e, &p, &c);
	ASSERT_EQ_INT(c.class, LEAK_NONE);
	history_free(&m.history);
}

/* A holder that does not grow is never named by its pool's pressure. */
UNIT_TEST(test_pressed_pool_spares_a_flat_holder)
{
	struct monitor m;
	struct entity *e = grown(&m, 0, 20);
	struct snap_pool p = pool(0);
	struct candidate c = none();

	ASSERT_TRUE(e != NULL);
	p.capacity = 4000;
	p.used = 3000;
	p.growth_per_s = 50; /* others fill it */
	candidate_heed_pressure(&m, e, &p, &c);
	ASSERT_EQ_INT(c.class, LEAK_NONE);
	history_free(&m.history);
}

/* A cgroup-scope ladder weighs the cgroup: three children holding 100
 * ports each, the cgroup 300 of a pool's 1000 and growing 21/s while each
 * child grows 7/s. The root (the whole host) has no such entity. */
UNIT_TEST(test_cgroup_ladder_weighs_the_cgroup)
{
	struct monitor m;
	struct entity *e = grown(&m, 7, 10);
	struct entity_key gk = {.kind = ENTITY_GROUP, .group = {.cgroup_id = 7}};
	struct snap_pool p = pool(1000);
	struct candidate c = none();
	struct sample s = {.t_ms = 10000};
	struct entity *g;

	ASSERT_TRUE(e != NULL);
	e->key.group.cgroup_id = 7;
	g = history_get(&m.history, &gk);
	ASSERT_TRUE(g != NULL);
	s.held.n[PS_ESTABLISHED] = s.held.total = 300;
	history_push(&m.history, g, &s);
	g->verdict.growth_per_s = 21;
	p.nr_top = 1;
	p.top[0].group = gk.group;
	p.top[0].used = 300;
	c.ports_held = 100;
	c.growth_per_s = 7;
	c.pool_share = 0.1; /* capped at its own 100 */
	candidate_as_cgroup(&m, e, &p, &c);
	ASSERT_EQ_INT(c.ports_held, 100);
	ASSERT_EQ_INT(c.cgroup_ports_held, 300);
	ASSERT_TRUE(c.growth_per_s == 21);
	ASSERT_TRUE(fabs(c.pool_share - 0.3) < 1e-9);
	ASSERT_TRUE(fabs(c.pool_seconds_left - (28232 - 1000) / 21.0) < 1e-6);
	ASSERT_EQ_INT(c.leaking_in_cgroup, 2);

	c = none();
	c.ports_held = 100;
	e->key.group.cgroup_id = 1;
	candidate_as_cgroup(&m, e, &p, &c);
	ASSERT_EQ_INT(c.ports_held, 100);
	ASSERT_EQ_INT(c.cgroup_ports_held, 0);
	ASSERT_EQ_INT(c.leaking_in_cgroup, 2);
	history_free(&m.history);
}

/* This process, as an entity that recorded its start: built, with that
 * start as its identity. The same pid with another start (the entity is of
 * an earlier process whose pid this one reused) is gone: -ESRCH, nothing
 * judged on the other's samples. */
UNIT_TEST(test_reused_pid_is_not_built)
{
	struct cgroup_mounts mounts;
	struct cgroup_resolver *r;
	const struct snap_pool *p;
	struct proc_stat st;
	struct candidate c;
	struct monitor m;
	struct entity *e = grown(&m, 7, 10);

	ASSERT_TRUE(e != NULL);
	ASSERT_EQ_INT(procfs_pid_stat(getpid(), &st), 0);
	memset(&mounts, 0, sizeof(mounts));
	r = cgroup_resolver_new(&mounts);
	ASSERT_TRUE(r != NULL);
	e->key.tgid = (uint32_t)getpid();
	e->start_time = st.start_time;
	ASSERT_EQ_INT(candidate_build(&m, e, r, &c, &p), 0);
	ASSERT_EQ_INT(c.tgid, getpid());
	ASSERT_TRUE(c.start_time == st.start_time);
	e->start_time = st.start_time + 1;
	ASSERT_EQ_INT(candidate_build(&m, e, r, &c, &p), -ESRCH);
	e->start_time = 0; /* never seen in a snapshot: the live process is taken */
	ASSERT_EQ_INT(candidate_build(&m, e, r, &c, &p), 0);
	cgroup_resolver_free(r);
	history_free(&m.history);
}

int main(void)
{
	RUN(test_cgroup_ladder_weighs_the_cgroup);
	RUN(test_fast_surge_is_named);
	RUN(test_surge_without_pressure_or_evidence_is_ignored);
	RUN(test_pressed_pool_names_a_steady_grower);
	RUN(test_pressed_pool_spares_a_flat_holder);
	RUN(test_named_suspect_keeps_its_class);
	RUN(test_reused_pid_is_not_built);
	return UNIT_MAIN_END();
}
