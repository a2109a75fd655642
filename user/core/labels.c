// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Names of snapshot groups, found by key; host/labels.c resolves them.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/labels.h"

static int cmp_label(const void *a, const void *b)
{
	return group_key_cmp(&((const struct group_label *)a)->key,
		       &((const struct group_label *)b)->key);
}

void labels_sort(struct labels *l)
{
	qsort(l->items, l->nr, sizeof(*l->items), cmp_label);
}

void cgroup_place_release(struct cgroup_place *p)
{
	free(p->owned);
	p->owned = NULL;
	p->path = "?";
}

void labels_free(struct labels *l)
{
	for (size_t i = 0; i < l->nr; i++)
		cgroup_place_release(&l->items[i].place);
	free(l->items);
	l->items = NULL;
	l->nr = 0;
}

const struct group_label *labels_find(const struct labels *l, const struct group_key *key)
{
	static const struct group_label unknown = {
		.place = {.path = "?", .hierarchy = "unknown"},
	};
	struct group_label probe = {.key = *key};
	/* no labels: items may be NULL, which bsearch() must not be given */
	const struct group_label *found =
		l->nr ? bsearch(&probe, l->items, l->nr, sizeof(*l->items), cmp_label) : NULL;

	return found ? found : &unknown;
}
