// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Resolve snapshot groups to cgroup paths and container identities.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "labels.h"

static int cmp_key(const struct group_key *a, const struct group_key *b)
{
	if (a->cgroup_id != b->cgroup_id)
		return (a->cgroup_id > b->cgroup_id) - (a->cgroup_id < b->cgroup_id);
	return (a->cgroup1_id > b->cgroup1_id) - (a->cgroup1_id < b->cgroup1_id);
}

static int cmp_label(const void *a, const void *b)
{
	return cmp_key(&((const struct group_label *)a)->key, &((const struct group_label *)b)->key);
}

int labels_build(struct labels *l, const struct snapshot *snap, struct cgroup_resolver *r)
{
	l->nr = 0;
	l->items = calloc(snap->nr_groups ? snap->nr_groups : 1, sizeof(*l->items));
	if (!l->items)
		return -ENOMEM;
	for (size_t i = 0; i < snap->nr_groups; i++) {
		struct group_label *g = &l->items[i];

		g->key = snap->groups[i].key;
		cgroup_resolver_place(r, g->key.cgroup_id, g->key.cgroup1_id, 0, &g->place);
		container_from_cgroup_path(g->place.path, &g->container);
	}
	l->nr = snap->nr_groups;
	/* sorted by key for lookups; views iterate the snapshot, not the labels */
	qsort(l->items, l->nr, sizeof(*l->items), cmp_label);
	return 0;
}

void labels_free(struct labels *l)
{
	free(l->items);
	l->items = NULL;
	l->nr = 0;
}

const struct group_label *labels_find(const struct labels *l, const struct group_key *key)
{
	static const struct group_label unknown = {
		.place = { .path = "?", .hierarchy = "unknown" },
	};
	struct group_label probe = { .key = *key };
	const struct group_label *found =
		bsearch(&probe, l->items, l->nr, sizeof(*l->items), cmp_label);

	return found ? found : &unknown;
}
