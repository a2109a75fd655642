/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The flat hog: a process that took nearly a whole pool in one burst and
 * holds it flat. No trend rule sees it (nothing grows), and victims fail for
 * as long as it lives: the host that gets rebooted today. A pool is watched
 * while it is at or past its fill threshold and allocations in it fail for
 * processes other than its dominant holder; once that has lasted hog_time,
 * the holder is named a hog and goes through the usual ladder, protections
 * and breakers. A full pool where nobody else fails is nobody's problem.
 * Pure: events and snapshots in, verdicts out.
 */
#ifndef PW_HOG_H
#define PW_HOG_H

#include <stddef.h>
#include <stdint.h>
#include "core/snapshot.h"
#include "portwarden.h"

#define HOG_SHARE_MIN 0.5 /* the dominant holder holds at least half the pool's used ports */
#define HOG_QUIET_MS 10000 /* no failure for this long: the pool stopped failing */

struct hog_pool {
	struct snap_pool pool;	   /* identity; used, top holders as of the last update */
	uint64_t failing_since_ms; /* first failure of the current spell */
	uint64_t last_failure_ms;
	bool seen;
};

struct hog_watch {
	struct hog_pool *items;
	size_t nr, cap;
	uint64_t events_until_ns; /* failure events up to here were counted */
};

/* Does failure event @e belong to pool @p (same netns; for tcp-connect the
 * same destination; by errno, the pool kind)? */
bool hog_event_in_pool(const struct pw_event *e, const struct snap_pool *p);

/*
 * Fold one step in: the pools of @s at or past @fill_threshold are watched
 * (others forgotten), and each failure in @fails newer than the last update
 * (by ts_ns) that is not its dominant holder's extends its spell. Returns 0
 * or -ENOMEM.
 */
int hog_watch_update(struct hog_watch *w, const struct snapshot *s, const struct pw_event *fails,
		     size_t nr_fails, uint64_t now_ms, double fill_threshold);

/*
 * New ports in @p were refused by the lifeline this step (its refusals never
 * reach the allocator, so no failure event shows them): for a watched pool,
 * that is failing for others too, and extends its spell.
 */
void hog_watch_refused(struct hog_watch *w, const struct snap_pool *p, uint64_t now_ms);

/*
 * The dominant holder of @p (one process holding at least HOG_SHARE_MIN of
 * its used ports), or 0.
 */
uint32_t hog_holder(const struct snap_pool *p);

/* Has pool @hp failed for others for at least @hog_ms, up to @now_ms? */
bool hog_spell_long(const struct hog_pool *hp, uint64_t now_ms, uint64_t hog_ms);

void hog_watch_free(struct hog_watch *w);

#endif /* PW_HOG_H */
