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
	return cmp_key(&((const struct group_label *)a)->key,
		       &((const struct group_label *)b)->key);
}

int labels_build_keys(struct labels *l, const struct group_key *keys, size_t nr,
		      struct cgroup_resolver *r)
{
	l->nr = 0;
	l->items = calloc(nr ? nr : 1, sizeof(*l->items));
	if (!l->items)
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++) {
		struct group_label *g = &l->items[l->nr];

		g->key = keys[i];
		if (i && !cmp_key(&keys[i], &l->items[l->nr - 1].key))
			continue; /* callers often pass keys grouped */
		cgroup_resolver_place(r, g->key.cgroup_id, g->key.cgroup1_id, 0, &g->place);
		container_from_cgroup_path(g->place.path, &g->container);
		l->nr++;
	}
	/* sorted by key for lookups; views iterate their own order */
	qsort(l->items, l->nr, sizeof(*l->items), cmp_label);
	return 0;
}

int labels_build(struct labels *l, const struct snapshot *snap, struct cgroup_resolver *r)
{
	struct group_key *keys = malloc((snap->nr_groups + 1) * sizeof(*keys));
	int err;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < snap->nr_groups; i++)
		keys[i] = snap->groups[i].key;
	err = labels_build_keys(l, keys, snap->nr_groups, r);
	free(keys);
	return err;
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
		.place = {.path = "?", .hierarchy = "unknown"},
	};
	struct group_label probe = {.key = *key};
	const struct group_label *found =
		bsearch(&probe, l->items, l->nr, sizeof(*l->items), cmp_label);

	return found ? found : &unknown;
}
