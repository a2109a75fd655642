// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Resolve snapshot groups to cgroup paths and container identities.
#include <errno.h>
#include <stdlib.h>
#include "host/labels.h"
#include "host/runtime_names.h"

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
		if (i && !group_key_cmp(&keys[i], &l->items[l->nr - 1].key))
			continue; /* callers often pass keys grouped */
		cgroup_resolver_place(r, g->key.cgroup_id, g->key.cgroup1_id, 0, &g->place);
		container_from_cgroup_path(g->place.path, &g->container);
		runtime_names_lookup(&g->container); /* names stay "" when unknown */
		l->nr++;
	}
	/* sorted by key for lookups; views iterate their own order */
	labels_sort(l);
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


int labels_build_report(struct labels *l, const struct report *r, struct cgroup_resolver *res)
{
	size_t k = 0;
	struct group_key *keys =
		malloc((r->nr_containers + r->nr_victims + r->refusals.nr + 1) * sizeof(*keys));
	int err;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_containers; i++)
		keys[k++] = r->containers[i].key;
	for (size_t i = 0; i < r->nr_victims; i++)
		keys[k++] = r->victims[i].group;
	for (size_t i = 0; i < r->refusals.nr; i++) /* by cgroup2 id: the hooks' */
		keys[k++] = (struct group_key){.cgroup_id = r->refusals.rows[i].key.cgroup_id};
	err = labels_build_keys(l, keys, k, res);
	free(keys);
	return err;
}
