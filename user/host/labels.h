/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Resolving a snapshot's groups to names: cgroup paths from the host,
 * container identities from those paths. */
#ifndef PW_HOST_LABELS_H
#define PW_HOST_LABELS_H

#include "core/labels.h"
#include "core/report.h"
#include "core/snapshot.h"
#include "host/cgroups.h"

/* Resolve every group of @snap. Returns 0 or -ENOMEM. */
int labels_build(struct labels *l, const struct snapshot *snap, struct cgroup_resolver *r);
int labels_build_keys(struct labels *l, const struct group_key *keys, size_t nr,
		      struct cgroup_resolver *r);

/* The groups a report names: its containers and its victims'. */
int labels_build_report(struct labels *l, const struct report *r, struct cgroup_resolver *res);

#endif /* PW_HOST_LABELS_H */
