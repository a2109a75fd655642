// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The activity table: the kernel's counters as kernel/counters.c read them.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/activity.h"
#include "core/array.h"

int activity_grow(struct activity_table *t)
{
	struct activity_entry *items = array_grow(t->items, &t->cap, t->nr + 1, 256, sizeof(*items));

	if (!items)
		return -ENOMEM;
	t->items = items;
	return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* By cgroup (v2, then v1), then process: a cgroup's entries are one run. */
static int cmp_key(const struct pw_activity_key *a, const struct pw_activity_key *b)
{
	if (a->cgroup_id != b->cgroup_id)
		return cmp_u64(a->cgroup_id, b->cgroup_id);
	if (a->cgroup1_id != b->cgroup1_id)
		return cmp_u64(a->cgroup1_id, b->cgroup1_id);
	return cmp_u64(a->tgid, b->tgid);
}

static int cmp_entry(const void *a, const void *b)
{
	return cmp_key(&((const struct activity_entry *)a)->key,
		       &((const struct activity_entry *)b)->key);
}

/* Index order: by tgid, then position (a stable, total order). */
static int cmp_by_tgid(const void *a, const void *b, void *ctx)
{
	const struct activity_entry *items = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (items[x].key.tgid != items[y].key.tgid)
		return cmp_u64(items[x].key.tgid, items[y].key.tgid);
	return cmp_u64(x, y);
}

int activity_index(struct activity_table *t)
{
	size_t out = 0;
	uint32_t *idx;

	if (t->nr) /* an empty table may have no items at all (UBSan: qsort(NULL)) */
		qsort(t->items, t->nr, sizeof(*t->items), cmp_entry);
	for (size_t i = 0; i < t->nr; i++)
		if (!out || cmp_entry(&t->items[out - 1], &t->items[i]))
			t->items[out++] = t->items[i];
	t->nr = out;
	idx = array_grow(t->by_tgid, &t->cap_by_tgid, t->nr ? t->nr : 1, 256, sizeof(*idx));
	if (!idx) {
		t->nr = 0; /* no index, no sums: the caller fails the read */
		return -ENOMEM;
	}
	t->by_tgid = idx;
	for (size_t i = 0; i < t->nr; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, t->nr, sizeof(*idx), cmp_by_tgid, t->items);
	return 0;
}

static void add(struct pw_activity *sum, const struct pw_activity *v)
{
	for (int c = 0; c < PW_CNT_NR; c++)
		sum->n[c] += v->n[c];
}

/* The first entry whose cgroup is not below (@cgroup_id, @cgroup1_id). */
static size_t group_lower_bound(const struct activity_table *t, uint64_t cgroup_id,
				uint64_t cgroup1_id)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pw_activity_key *k = &t->items[mid].key;

		if (k->cgroup_id < cgroup_id ||
		    (k->cgroup_id == cgroup_id && k->cgroup1_id < cgroup1_id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t activity_group_end(const struct activity_table *t, size_t i)
{
	const struct pw_activity_key *k = &t->items[i].key;
	size_t end = i + 1;

	while (end < t->nr && t->items[end].key.cgroup_id == k->cgroup_id &&
	       t->items[end].key.cgroup1_id == k->cgroup1_id)
		end++;
	return end;
}

size_t activity_sum_group(const struct activity_table *t, uint64_t cgroup_id, uint64_t cgroup1_id,
			  struct pw_activity *sum)
{
	size_t i = group_lower_bound(t, cgroup_id, cgroup1_id), n = 0;

	memset(sum, 0, sizeof(*sum));
	for (; i < t->nr && t->items[i].key.cgroup_id == cgroup_id &&
	       t->items[i].key.cgroup1_id == cgroup1_id;
	     i++, n++)
		add(sum, &t->items[i].val);
	return n;
}

size_t activity_sum_process(const struct activity_table *t, uint32_t tgid, struct pw_activity *sum)
{
	size_t lo = 0, hi = t->nr, n = 0;

	memset(sum, 0, sizeof(*sum));
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->items[t->by_tgid[mid]].key.tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->nr && t->items[t->by_tgid[lo]].key.tgid == tgid; lo++, n++)
		add(sum, &t->items[t->by_tgid[lo]].val);
	return n;
}

void activity_free(struct activity_table *t)
{
	free(t->items);
	free(t->by_tgid);
	memset(t, 0, sizeof(*t));
}
