/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Which sockets the reclaim rung destroys (act/reclaim.h), chosen from a
 * snapshot: pure, so that the rule is unit-tested and a dry run reports the
 * same sockets an enforcing run would destroy.
 */
#ifndef PW_RECLAIM_PICK_H
#define PW_RECLAIM_PICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/policy.h"
#include "core/snapshot.h"

/* One socket to destroy, and where its table is. */
struct reclaim_pick {
	uint64_t key;	 /* as the iterators key it (sockets.h) */
	uint32_t netns;	 /* the iterator walks one netns: entered as ... */
	uint32_t tgid;	 /* ... this holder's /proc/PID/ns/net */
	uint8_t tcp_state; /* the state it must still be in */
	bool holds_port; /* a port of its own (not a server's accepted side) */
};

/* What one reclaim did (or, in a dry run, would do). */
struct reclaim_counts {
	uint32_t picked;	     /* sockets chosen */
	uint32_t picked_by[PS_COUNT];
	uint32_t destroyed;	     /* by the kernel (0 in a dry run) */
	uint32_t destroyed_by[PS_COUNT];
	uint32_t ports_back;	     /* destroyed (dry run: picked) sockets with a port of their own */
	uint32_t skipped_shared;     /* also held by a process outside the target */
	uint32_t skipped_changed;    /* left the state between the snapshot and the walk */
	uint32_t failed;	     /* the kernel refused to destroy (or a netns could not be entered) */
};

/*
 * The target's sockets that @mode reclaims: its CLOSE_WAIT TCP sockets that
 * it alone holds. The target is process @tgid, or with @group the processes
 * of that group (a cgroup-scope ladder). A socket held by more than one
 * process is skipped and counted (the snapshot names only its first
 * holder). Fills up to @max picks (the rest are not counted as picked) and
 * @counts' picked and skipped fields; returns the number of picks.
 */
size_t reclaim_pick(const struct snapshot *snap, enum reclaim_mode mode, uint32_t tgid,
		    const struct group_key *group, struct reclaim_pick *out, size_t max,
		    struct reclaim_counts *counts);

/* "CLOSE-WAIT 120" for the counts by state (@by: picked_by or destroyed_by). */
void reclaim_states_text(const uint32_t *by, char *buf, size_t len);

#endif /* PW_RECLAIM_PICK_H */
