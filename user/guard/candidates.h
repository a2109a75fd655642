/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* From the monitor's state to the suspects the kill policy judges. */
#ifndef PW_CANDIDATES_H
#define PW_CANDIDATES_H

#include "core/policy.h"
#include "host/cgroups.h"
#include "watch/monitor.h"

/*
 * Fill @c for process entity @e of the monitor's history: identity from
 * /proc (start time, exe), cgroup path, ports held, the fullest pool its
 * cgroup holds ports in and the forecast to that pool's exhaustion, and how
 * many processes of its cgroup leak. @pool gets that pool (or NULL).
 * Returns 0, or -ESRCH when the process is gone (its pid may be another
 * process's now: then its start time is not the one @e recorded).
 */
int candidate_build(const struct monitor *m, const struct entity *e, struct cgroup_resolver *r,
		    struct candidate *c, const struct snap_pool **pool);

/*
 * The held-ports evidence of a surge that began at @since_ms (monotonic, as
 * surge.h's times): classify_surge over @e's samples and the current
 * snapshot (m->snap, when it is newer than the last sample). LEAK_NONE when
 * the process holds nothing in that snapshot.
 */
void candidate_surge(const struct monitor *m, const struct entity *e, uint64_t since_ms,
		     struct verdict *v);

/*
 * Heed a surge's verdict (classify_surge over the snapshots since the activity
 * counters showed it) as the urgent one is heeded: only when that growth
 * would exhaust @pool within a minute. Sets the class when @c has none (then
 * urgent_named, so the daemon latches it), and the growth and forecast when
 * they are more pressing than @c's.
 */
void candidate_heed_surge(struct candidate *c, const struct verdict *v,
			  const struct snap_pool *pool);

/*
 * Pressure shortens the judgement. When @c has no class yet but grows, and
 * @pool would run out at that growth within twice what the window (and its
 * hysteresis) takes to name it, judge @e again over a window fitted to half
 * the time left (as a report of that span would be), with the same criteria (no
 * release, monotonic, spread) and no hysteresis: the forecast is the
 * urgency. Sets the class (pressure_named) when that window shows a leak.
 */
void candidate_heed_pressure(const struct monitor *m, const struct entity *e,
			     const struct snap_pool *pool, struct candidate *c);

/*
 * The processes of one cgroup judged together: forked children that each
 * leak too slowly to be named alone drain their pool together. When @c has
 * no class, grows itself, and its cgroup's entity (not the root's) is in a
 * leak class, or would be on a window fitted to its pool's time left, @c
 * takes that class (group_named) and its cgroup's growth for the forecast.
 */
void candidate_heed_group(const struct monitor *m, const struct entity *e,
			  const struct snap_pool *pool, struct candidate *c);

/*
 * A cgroup-scope ladder judges the cgroup as one target: its ports
 * (cgroup_ports_held; ports_held stays the process's, as the audit log
 * says), its share of @pool (not capped at one process's) and its pace,
 * where larger than @c's own. Three children leaking 7/s each drain a pool at 21/s, and
 * each alone would have looked flat and small once quarantined.
 */
void candidate_as_cgroup(const struct monitor *m, const struct entity *e,
			 const struct snap_pool *pool, struct candidate *c);

/*
 * A class named early (a fast leak the daemon heeded, candidate.urgent_named,
 * or one named under pressure or with its cgroup) is latched on @e: a quarantine stops the growth, and with it the urgent
 * verdict, but a leaker still holding what it took is still the leaker.
 * entity_latch_update() (core/latch.h) drops it once it released half of those ports.
 */
void urgent_latch(struct entity *e, const struct candidate *c);

#endif /* PW_CANDIDATES_H */
