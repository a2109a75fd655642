// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the activity table's index: a cgroup's and a process's
// sums equal a plain pass over the entries, duplicates go, and a cgroup's
// entries are one run.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/activity.h"
#include "unit.h"

static void add(struct activity_table *t, uint64_t cg, uint64_t cg1, uint32_t tgid, uint64_t base)
{
	struct activity_entry *e;

	if (t->nr == t->cap && activity_grow(t))
		abort();
	e = &t->items[t->nr++];
	memset(e, 0, sizeof(*e));
	e->key = (struct pw_activity_key){.cgroup_id = cg, .cgroup1_id = cg1, .tgid = tgid};
	for (int c = 0; c < PW_CNT_NR; c++)
		e->val.n[c] = base + (uint64_t)c;
}

/* The sums as the monitor made them before the index: a pass over all. */
static size_t plain_sum(const struct activity_table *t, int by_tgid, uint64_t cg, uint64_t cg1,
			uint32_t tgid, struct pw_activity *sum)
{
	size_t n = 0;

	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < t->nr; i++) {
		const struct activity_entry *e = &t->items[i];

		if (by_tgid ? e->key.tgid != tgid
			    : e->key.cgroup_id != cg || e->key.cgroup1_id != cg1)
			continue;
		for (int c = 0; c < PW_CNT_NR; c++)
			sum->n[c] += e->val.n[c];
		n++;
	}
	return n;
}

UNIT_TEST(test_sums_equal_a_plain_pass)
{
	struct activity_table t = {0}, copy = {0};
	struct pw_activity a, b;

	srand(7);
	for (int i = 0; i < 3000; i++) /* 40 cgroups, some v1; processes in several */
		add(&t, 1 + (uint64_t)(rand() % 40), rand() % 5 ? 0 : 1 + (uint64_t)(rand() % 3),
		    (uint32_t)(rand() % 500), (uint64_t)(rand() % 1000));
	/* the plain pass on a copy with the duplicates dropped the same way */
	ASSERT_EQ_INT(activity_index(&t), 0);
	for (size_t i = 0; i < t.nr; i++) {
		if (copy.nr == copy.cap && activity_grow(&copy))
			abort();
		copy.items[copy.nr++] = t.items[i];
	}
	for (uint64_t cg = 0; cg <= 41; cg++)
		for (uint64_t cg1 = 0; cg1 <= 4; cg1++) {
			ASSERT_EQ_INT(activity_sum_group(&t, cg, cg1, &a),
				      plain_sum(&copy, 0, cg, cg1, 0, &b));
			ASSERT_TRUE(!memcmp(&a, &b, sizeof(a)));
		}
	for (uint32_t tgid = 0; tgid <= 501; tgid++) {
		ASSERT_EQ_INT(activity_sum_process(&t, tgid, &a),
			      plain_sum(&copy, 1, 0, 0, tgid, &b));
		ASSERT_TRUE(!memcmp(&a, &b, sizeof(a)));
	}
	activity_free(&t);
	activity_free(&copy);
}

UNIT_TEST(test_duplicates_go_and_runs_are_cgroups)
{
	struct activity_table t = {0};
	struct pw_activity a;
	size_t runs = 0;

	add(&t, 9, 0, 100, 10);
	add(&t, 3, 0, 100, 20);
	add(&t, 9, 0, 100, 10); /* a restarted walk: the same key twice */
	add(&t, 9, 0, 0, 5);	/* the kernel's own, in cgroup 9 */
	add(&t, 3, 2, 7, 1);
	add(&t, 3, 0, 8, 1);
	ASSERT_EQ_INT(activity_index(&t), 0);
	ASSERT_EQ_INT(t.nr, 5);
	ASSERT_EQ_INT(activity_sum_process(&t, 100, &a), 2); /* in cgroups 3 and 9 */
	ASSERT_EQ_INT(a.n[PW_CNT_OPENS], 30);
	ASSERT_EQ_INT(activity_sum_group(&t, 9, 0, &a), 2);
	ASSERT_EQ_INT(a.n[PW_CNT_OPENS], 15);
	ASSERT_EQ_INT(activity_sum_group(&t, 3, 2, &a), 1);
	ASSERT_EQ_INT(activity_sum_group(&t, 4, 0, &a), 0);
	ASSERT_EQ_INT(a.n[PW_CNT_CLOSES], 0);
	for (size_t i = 0, end; i < t.nr; i = end, runs++) {
		end = activity_group_end(&t, i);
		for (size_t j = end; j < t.nr; j++) /* no later entry of this cgroup */
			ASSERT_TRUE(t.items[j].key.cgroup_id != t.items[i].key.cgroup_id ||
				    t.items[j].key.cgroup1_id != t.items[i].key.cgroup1_id);
	}
	ASSERT_EQ_INT(runs, 3); /* (3, 0), (3, 2), (9, 0) */
	activity_free(&t);
}

UNIT_TEST(test_empty_table)
{
	struct activity_table t = {0};
	struct pw_activity a;

	ASSERT_EQ_INT(activity_index(&t), 0);
	ASSERT_EQ_INT(activity_sum_group(&t, 1, 0, &a), 0);
	ASSERT_EQ_INT(activity_sum_process(&t, 1, &a), 0);
	activity_free(&t);
}

int main(void)
{
	RUN(test_sums_equal_a_plain_pass);
	RUN(test_duplicates_go_and_runs_are_cgroups);
	RUN(test_empty_table);
	return UNIT_MAIN_END();
}
