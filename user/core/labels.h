/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Names for a snapshot's groups (cgroup path, container), resolved before
 * rendering (host/labels.h) so that views do no I/O. */
#ifndef PW_LABELS_H
#define PW_LABELS_H

#include <limits.h>
#include "core/container.h"
#include "core/snapshot.h"

/*
 * The longest cgroup path portwarden names: a cgroup2 path has no limit of
 * its own (255 bytes a level, any depth), and /proc shows only PATH_MAX - 1
 * bytes of one. Longer ones are left unnamed, and the guard never acts on an
 * unnamed cgroup that is still alive (it cannot tell what rules match it).
 */
#define PW_CGROUP_PATH_MAX 65536

/* Where an event's socket belongs: a path and which hierarchy it is from. */
struct cgroup_place {
	const char *path;      /* relative to its mount, "/" for the root; whole, never cut */
	const char *hierarchy; /* "v2", "v1:memory", or "unknown" */
	int err;               /* 0: named; -ENOENT: the cgroup is gone; else why it is unnamed */
	char *owned;           /* heap text path points to, or NULL (static text) */
};

/* Free what @p owns; its path then points to static text. */
void cgroup_place_release(struct cgroup_place *p);

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
