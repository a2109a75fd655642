/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Carry out one policy decision: quarantine maps, signals, cgroup.kill. */
#ifndef PW_ENFORCE_H
#define PW_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include "core/policy.h"
#include "core/reclaim_pick.h"
#include "core/snapshot.h"

struct quarantine;
struct reclaimer;

struct enforcer {
	bool dry_run;		/* no --enforce: check everything, change nothing */
	struct quarantine *quarantine; /* NULL: the kernel refused the hook */
	struct reclaimer *reclaim;     /* NULL: the kernel refused the reclaim iterator */
	const char *cgroup2_mount;
};

/*
 * Apply @d to @c (whose cgroup2 id is @group->cgroup_id). Returns 0 when the
 * action was carried out (or, in a dry run, would be), else -errno; @what
 * gets a sentence for the audit log either way ("SIGTERM sent", "refused:
 * identity changed", ...).
 */
int enforcer_apply(const struct enforcer *ef, const struct candidate *c,
		   const struct group_key *group, const struct decision *d, char *what, size_t len);

/*
 * The reclaim rung (@d->action ACTION_RECLAIM): the sockets @mode picks
 * (core/reclaim_pick.h) of @c (or of its cgroup @group, at cgroup scope)
 * in @snap, destroyed in the kernel; a dry run only counts them. With
 * RECLAIM_IDLE, ESTABLISHED ones only when idle @idle_s (surveyed in the
 * kernel first). Nothing is destroyed when reclaim_rung_skipped() says so.
 * @rc gets the counts, @what a sentence. 0 when done (a process whose
 * identity changed is refused, -ESRCH/-EPERM), else -errno.
 */
int enforcer_reclaim(const struct enforcer *ef, const struct snapshot *snap,
		     const struct candidate *c, const struct group_key *group,
		     const struct decision *d, enum reclaim_mode mode, uint32_t idle_s,
		     struct reclaim_counts *rc, char *what, size_t len);

/* Lift every quarantine this process placed (maps die with it anyway). */
void enforcer_release_all(const struct enforcer *ef);

#endif /* PW_ENFORCE_H */
