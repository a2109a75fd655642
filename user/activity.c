// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Copy the activity map into userspace: the only place that walks its keys.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "activity.h"

static int grow(struct activity_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct activity_entry *items = realloc(t->items, cap * sizeof(*items));

	if (!items)
		return -ENOMEM;
	t->items = items;
	t->cap = cap;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(&((const struct activity_entry *)a)->key,
		      &((const struct activity_entry *)b)->key, sizeof(struct pw_activity_key));
}

/* A restarted walk can visit a key twice: keep one of each. */
static void drop_duplicates(struct activity_table *t)
{
	size_t out = 0;

	qsort(t->items, t->nr, sizeof(*t->items), cmp_entry);
	for (size_t i = 0; i < t->nr; i++)
		if (!out || cmp_entry(&t->items[out - 1], &t->items[i]))
			t->items[out++] = t->items[i];
	t->nr = out;
}

/* Counters are cumulative and never deleted by us, so a key-by-key walk that
 * races with inserts may miss a brand-new key this time; it is seen next
 * time, and no count is lost. */
int activity_read(int map_fd, struct activity_table *t)
{
	struct pw_activity_key key, next;
	struct pw_activity_key *prev = NULL;
	int err;

	t->nr = 0;
	/* an evicted key makes get_next_key start over: bound the walk */
	for (size_t steps = 0; steps < 2 * PW_ACTIVITY_MAX; steps++) {
		if (bpf_map_get_next_key(map_fd, prev, &next))
			break;
		if (t->nr == t->cap && (err = grow(t)))
			return err;
		if (bpf_map_lookup_elem(map_fd, &next, &t->items[t->nr].val) == 0) {
			t->items[t->nr].key = next;
			t->nr++;
		}
		key = next;
		prev = &key;
	}
	drop_duplicates(t);
	return 0;
}

void activity_free(struct activity_table *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}
