/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Names for a snapshot's groups (cgroup path, container), resolved before
 * rendering so that views do no I/O. */
#ifndef PW_LABELS_H
#define PW_LABELS_H

#include "cgroups.h"
#include "container.h"
#include "snapshot.h"

struct group_label {
	struct group_key key;
	struct cgroup_place place;
	struct container_id container;
};

struct labels {
	struct group_label *items; /* one per snapshot group, sorted by key */
	size_t nr;
};

/* Resolve every group of @snap. Returns 0 or -ENOMEM. */
int labels_build(struct labels *l, const struct snapshot *snap, struct cgroup_resolver *r);
/* Resolve @nr group keys (duplicates allowed). Returns 0 or -ENOMEM. */
int labels_build_keys(struct labels *l, const struct group_key *keys, size_t nr,
		      struct cgroup_resolver *r);
void labels_free(struct labels *l);

/* The label of @key; a placeholder label when @key is not in the snapshot. */
const struct group_label *labels_find(const struct labels *l, const struct group_key *key);

#endif /* PW_LABELS_H */
