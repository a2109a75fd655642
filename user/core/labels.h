/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Names for a snapshot's groups (cgroup path, container), resolved before
 * rendering (host/labels.h) so that views do no I/O. */
#ifndef PW_LABELS_H
#define PW_LABELS_H

#include <limits.h>
#include "core/container.h"
#include "core/snapshot.h"

/* Where an event's socket belongs: a path and which hierarchy it is from. */
struct cgroup_place {
	char path[PATH_MAX];   /* relative to its mount, "/" for the root */
	const char *hierarchy; /* "v2", "v1:memory", or "unknown" */
};

struct group_label {
	struct group_key key;
	struct cgroup_place place;
	struct container_id container;
};

struct labels {
	struct group_label *items; /* one per snapshot group, sorted by key */
	size_t nr;
};

/* Sort @l's items by key, as labels_find() expects. */
void labels_sort(struct labels *l);
void labels_free(struct labels *l);

/* The label of @key; a placeholder label when @key is not in the snapshot. */
const struct group_label *labels_find(const struct labels *l, const struct group_key *key);

#endif /* PW_LABELS_H */
