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
