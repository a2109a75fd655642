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
#include "core/classify.h"
#include "core/policy.h"
#include "core/snapshot.h"

/* One socket to destroy, and where its table is. */
struct reclaim_pick {
	uint64_t key;	 /* as the iterators key it (sockets.h) */
	uint32_t netns;	 /* the iterator walks one netns: entered as ... */
	uint32_t tgid;	 /* ... this holder's /proc/PID/ns/net */
	uint8_t tcp_state; /* the state it must still be in */
	bool holds_port; /* a port of its own (not a server's accepted side) */
	bool idle_known; /* ESTABLISHED: the survey found it, ... */
	uint32_t idle_jiffies; /* ... idle this long (act/reclaim.h) */
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
	uint32_t idle_s;	     /* reclaim = idle: the idle time used; 0: not idle mode */
	uint32_t spared_recent;	     /* ESTABLISHED, not idle that long (or not found by the survey) */
};

/*
 * The target's sockets that @mode reclaims: its CLOSE_WAIT TCP sockets that
 * it alone holds; with RECLAIM_IDLE also its ESTABLISHED ones that hold a
 * port of their own (a server's accepted side gives no port back), as
 * candidates whose idle time a survey finds (reclaim_keep_idle() then
 * decides; they are not counted as picked here). The target is process
 * @tgid, or with @group the processes of that group (a cgroup-scope
 * ladder). A socket held by more than one process is skipped and counted
 * (the snapshot names only its first holder). Fills up to @max picks (the
 * rest are not counted as picked) and @counts' picked and skipped fields;
 * returns the number of picks.
 */
size_t reclaim_pick(const struct snapshot *snap, enum reclaim_mode mode, uint32_t tgid,
		    const struct group_key *group, struct reclaim_pick *out, size_t max,
		    struct reclaim_counts *counts);

/*
 * Of @picks (reclaim_pick()'s, surveyed), keep the ESTABLISHED ones idle at
 * least @min_jiffies (0: none) and every other one; counts the kept
 * ESTABLISHED ones as picked and the rest as spared_recent. Returns how many
 * are kept (moved to the front, in order).
 */
size_t reclaim_keep_idle(struct reclaim_pick *picks, size_t n, uint32_t min_jiffies,
			 struct reclaim_counts *counts);

/* @idle_s in jiffies of @tick_ns nanoseconds (rounded up: never less idle
 * than asked); 0 when the tick is unknown (0). */
uint32_t reclaim_idle_jiffies(uint32_t idle_s, uint64_t tick_ns);

/*
 * Is the rung skipped, the ladder going on to SIGTERM as without it? When it
 * would destroy nothing for a target that reclaim = idle brought to it (a
 * leak of connections, not a CLOSE_WAIT pile): nothing of it is idle long
 * enough. A CLOSE_WAIT target takes the rung as before.
 */
bool reclaim_rung_skipped(enum leak_class cls, const struct reclaim_counts *counts);

/* "CLOSE-WAIT 120" for the counts by state (@by: picked_by or destroyed_by). */
void reclaim_states_text(const uint32_t *by, char *buf, size_t len);

#endif /* PW_RECLAIM_PICK_H */
