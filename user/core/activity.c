// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The activity table: the kernel's counters as kernel/counters.c read them.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/activity.h"

int activity_grow(struct activity_table *t)
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

void activity_drop_duplicates(struct activity_table *t)
{
	size_t out = 0;

	qsort(t->items, t->nr, sizeof(*t->items), cmp_entry);
	for (size_t i = 0; i < t->nr; i++)
		if (!out || cmp_entry(&t->items[out - 1], &t->items[i]))
			t->items[out++] = t->items[i];
	t->nr = out;
}

void activity_free(struct activity_table *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}
