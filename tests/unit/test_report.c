// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the leak report's model: which entities become containers,
// suspects and victims, in which order, with which figures.
#include <stdlib.h>
#include "core/report.h"
#include "unit.h"

static struct state_counts held(uint32_t estab, uint32_t tw)
{
	struct state_counts c = {.total = estab + tw};

	c.n[PS_ESTABLISHED] = estab;
	c.n[PS_TIME_WAIT] = tw;
	return c;
}

/* An entity with @samples samples, the last holding @now sockets after
 * @failures failures; the first sample holds @peak. */
static struct entity *add(struct history *h, uint32_t kind, uint32_t tgid, uint64_t cgroup_id,
			  enum leak_class worst, int samples, uint32_t peak, uint32_t now,
			  uint64_t failures)
{
	struct entity_key k = {.kind = kind, .tgid = tgid, .group = {.cgroup_id = cgroup_id}};
	struct entity *e = history_get(h, &k);

	if (!e)
		return NULL;
	e->worst = worst;
	e->verdict.class = worst;
	e->verdict.growth_per_s = tgid + cgroup_id / 10.0; /* to tell them apart */
	for (int i = 0; i < samples; i++)
		history_push(h, e,
			     &(struct sample){.t_ms = 1000u * (i + 1),
					      .held = held(i ? now : peak, i),
					      .failures = i ? failures : 0});
	return e;
}

#define GROUP(id, worst, samples, peak, now, failures) \
	ASSERT_TRUE(add(&h, ENTITY_GROUP, 0, id, worst, samples, peak, now, failures))
#define PROCESS(tgid, id, worst, samples, now, failures) \
	ASSERT_TRUE(add(&h, ENTITY_PROCESS, tgid, id, worst, samples, now, now, failures))

UNIT_TEST(containers_suspects_and_victims)
{
	struct snapshot last = {0};
	struct history h;
	struct report r;
	struct entity_key k = {.kind = ENTITY_PROCESS, .tgid = 100, .group = {.cgroup_id = 10}};
	struct entity *e;

	ASSERT_EQ_INT(history_init(&h, 4, 100), 0);
	/* groups: a leaking one with the fewest sockets, two quiet ones that tie
	 * on sockets (the lower cgroup id first), one never sampled */
	GROUP(20, LEAK_NONE, 2, 600, 500, 0);
	GROUP(10, LEAK_GROWTH, 3, 10, 50, 0);
	GROUP(5, LEAK_NONE, 2, 1, 500, 9);
	GROUP(30, LEAK_GROWTH, 0, 0, 0, 0);
	/* processes: suspects of 10 (in history order), a victim that is no
	 * suspect, a suspect that is also a victim, one never sampled, one whose
	 * group has no entity */
	ASSERT_TRUE(add(&h, ENTITY_PROCESS, 100, 10, LEAK_GROWTH, 2, 60, 40, 0)); /* peak 60 */
	PROCESS(101, 10, LEAK_NONE, 2, 1, 5);
	PROCESS(102, 20, LEAK_CLOSE_WAIT, 2, 30, 5);
	PROCESS(50, 5, LEAK_NONE, 2, 2, 9);
	PROCESS(103, 10, LEAK_UDP, 2, 3, 0);
	PROCESS(104, 10, LEAK_GROWTH, 0, 0, 0);
	PROCESS(105, 40, LEAK_GROWTH, 2, 7, 0);
	e = history_find(&h, &k);
	memcpy(e->comm, "0123456789abcdef", PW_COMM_LEN); /* no NUL */
	e->failures_by_errno.eagain = 3;

	ASSERT_EQ_INT(report_build(&h, &last, &r), 0);
	ASSERT_TRUE(r.last == &last);

	/* containers: suspects first, then by sockets held, then by id */
	ASSERT_EQ_INT(r.nr_containers, 3);
	ASSERT_EQ_INT(r.containers[0].key.cgroup_id, 10);
	ASSERT_EQ_INT(r.containers[1].key.cgroup_id, 5);
	ASSERT_EQ_INT(r.containers[2].key.cgroup_id, 20);
	ASSERT_EQ_INT(r.containers[0].class, LEAK_GROWTH);
	ASSERT_EQ_INT(r.containers[0].held_now.total, 52); /* 50 + 2 TIME_WAIT, the last sample */
	ASSERT_EQ_INT(r.containers[0].held_now.n[PS_TIME_WAIT], 2);
	ASSERT_EQ_INT(r.containers[2].held_peak, 600);
	ASSERT_EQ_INT(r.containers[1].failures, 9);
	ASSERT_TRUE(r.containers[0].verdict.growth_per_s == 1.0);

	/* suspects, grouped by container in container order */
	ASSERT_EQ_INT(r.nr_suspects, 3);
	ASSERT_EQ_INT(r.containers[0].first_suspect, 0);
	ASSERT_EQ_INT(r.containers[0].nr_suspects, 2);
	ASSERT_EQ_INT(r.suspects[0].tgid, 100);
	ASSERT_EQ_INT(r.suspects[1].tgid, 103);
	ASSERT_EQ_INT(r.containers[1].nr_suspects, 0);
	ASSERT_EQ_INT(r.containers[2].first_suspect, 2);
	ASSERT_EQ_INT(r.containers[2].nr_suspects, 1);
	ASSERT_EQ_INT(r.suspects[2].tgid, 102);
	ASSERT_EQ_INT(r.suspects[2].class, LEAK_CLOSE_WAIT);

	/* a suspect's figures come from its entity and its last sample */
	ASSERT_TRUE(!memcmp(r.suspects[0].comm, "0123456789abcdef", PW_COMM_LEN));
	ASSERT_EQ_INT(r.suspects[0].group.cgroup_id, 10);
	ASSERT_EQ_INT(r.suspects[0].held_now.total, 41);
	ASSERT_EQ_INT(r.suspects[0].held_peak, 60);
	ASSERT_EQ_INT(r.suspects[0].failures_by_errno.eagain, 3);
	ASSERT_TRUE(r.suspects[0].verdict.growth_per_s == 101.0);

	/* victims: every sampled process that suffered failures, most first, then by pid */
	ASSERT_EQ_INT(r.nr_victims, 3);
	ASSERT_EQ_INT(r.victims[0].tgid, 50);
	ASSERT_EQ_INT(r.victims[0].failures, 9);
	ASSERT_EQ_INT(r.victims[1].tgid, 101);
	ASSERT_EQ_INT(r.victims[2].tgid, 102);
	ASSERT_EQ_INT(r.victims[1].class, LEAK_NONE);

	report_free(&r);
	ASSERT_TRUE(r.containers == NULL && r.suspects == NULL && r.victims == NULL);
	ASSERT_EQ_INT(r.nr_containers + r.nr_suspects + r.nr_victims, 0);
	history_free(&h);
}

UNIT_TEST(empty_history)
{
	struct history h;
	struct report r;

	ASSERT_EQ_INT(history_init(&h, 4, 10), 0);
	ASSERT_EQ_INT(report_build(&h, NULL, &r), 0);
	ASSERT_EQ_INT(r.nr_containers + r.nr_suspects + r.nr_victims, 0);
	ASSERT_TRUE(r.last == NULL);
	report_free(&r);
	history_free(&h);
}

/* The order does not depend on the order entities were first seen. */
UNIT_TEST(order_is_stable_under_insertion_order)
{
	static const uint64_t ids[2][4] = {{1, 2, 3, 4}, {4, 3, 2, 1}};
	uint64_t got[2][4];

	for (int run = 0; run < 2; run++) {
		struct history h;
		struct report r;

		ASSERT_EQ_INT(history_init(&h, 4, 10), 0);
		for (int i = 0; i < 4; i++) {
			uint64_t id = ids[run][i];

			/* 1 and 3 hold the same; 4 leaks; 2 holds most */
			GROUP(id, id == 4 ? LEAK_UDP : LEAK_NONE, 2, 0, id == 2 ? 90 : 10, 0);
			PROCESS(id * 10, id, LEAK_NONE, 2, 1, 1);
		}
		ASSERT_EQ_INT(report_build(&h, NULL, &r), 0);
		ASSERT_EQ_INT(r.nr_containers, 4);
		ASSERT_EQ_INT(r.nr_victims, 4);
		for (int i = 0; i < 4; i++)
			got[run][i] = r.containers[i].key.cgroup_id;
		/* equal failures: by pid */
		for (int i = 0; i < 4; i++)
			ASSERT_EQ_INT(r.victims[i].tgid, (i + 1) * 10);
		report_free(&r);
		history_free(&h);
	}
	ASSERT_EQ_INT(got[0][0], 4);
	ASSERT_EQ_INT(got[0][1], 2);
	ASSERT_EQ_INT(got[0][2], 1);
	ASSERT_EQ_INT(got[0][3], 3);
	ASSERT_TRUE(!memcmp(got[0], got[1], sizeof(got[0])));
}

/* run's /report?seconds=N: only what was seen in the last N seconds (a
 * sample at or after since_ms); what left before is not in it. */
UNIT_TEST(since_leaves_out_what_was_not_seen)
{
	struct snapshot last = {0};
	struct history h;
	struct report r;

	ASSERT_EQ_INT(history_init(&h, 8, 100), 0);
	GROUP(10, LEAK_GROWTH, 5, 10, 50, 0); /* last seen at 5 s */
	GROUP(20, LEAK_NONE, 2, 10, 50, 0);   /* last seen at 2 s */
	PROCESS(100, 10, LEAK_GROWTH, 5, 40, 0);
	PROCESS(200, 20, LEAK_GROWTH, 2, 40, 3);
	ASSERT_EQ_INT(report_build_since(&h, &last, 3000, false, &r), 0);
	ASSERT_EQ_INT(r.nr_containers, 1);
	ASSERT_EQ_INT(r.containers[0].key.cgroup_id, 10);
	ASSERT_EQ_INT(r.nr_suspects, 1);
	ASSERT_EQ_INT(r.suspects[0].tgid, 100);
	ASSERT_EQ_INT(r.nr_victims, 0);
	report_free(&r);
	ASSERT_EQ_INT(report_build_since(&h, &last, 2000, false, &r), 0);
	ASSERT_EQ_INT(r.nr_containers, 2);
	ASSERT_EQ_INT(r.nr_suspects, 2);
	ASSERT_EQ_INT(r.nr_victims, 1);
	report_free(&r);
	history_free(&h);
}

/* The daemon's report (early): a class named early and latched counts. */
UNIT_TEST(early_classes_count_for_the_daemon)
{
	struct snapshot last = {0};
	struct history h;
	struct report r;
	struct entity *e;

	ASSERT_EQ_INT(history_init(&h, 8, 100), 0);
	GROUP(10, LEAK_NONE, 3, 10, 50, 0);
	e = add(&h, ENTITY_PROCESS, 100, 10, LEAK_NONE, 3, 40, 40, 0);
	ASSERT_TRUE(e);
	e->urgent_latched = LEAK_GROWTH;
	ASSERT_EQ_INT(report_build_since(&h, &last, 0, false, &r), 0);
	ASSERT_EQ_INT(r.nr_suspects, 0);
	report_free(&r);
	ASSERT_EQ_INT(report_build_since(&h, &last, 0, true, &r), 0);
	ASSERT_EQ_INT(r.nr_suspects, 1);
	ASSERT_EQ_INT(r.suspects[0].class, LEAK_GROWTH);
	report_free(&r);
	history_free(&h);
}

int main(void)
{
	RUN(containers_suspects_and_victims);
	RUN(empty_history);
	RUN(order_is_stable_under_insertion_order);
	RUN(since_leaves_out_what_was_not_seen);
	RUN(early_classes_count_for_the_daemon);
	return UNIT_MAIN_END();
}
