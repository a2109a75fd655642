// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Copy the activity map into userspace: the only place that walks its keys.
#include <bpf/bpf.h>
#include "kernel/counters.h"

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
		if (t->nr == t->cap && (err = activity_grow(t)))
			return err;
		if (bpf_map_lookup_elem(map_fd, &next, &t->items[t->nr].val) == 0) {
			t->items[t->nr].key = next;
			t->nr++;
		}
		key = next;
		prev = &key;
	}
	return activity_index(t);
}
