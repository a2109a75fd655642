/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * How fast each port pool fills, whoever fills it: the pool's used ports
 * from one snapshot to the next, smoothed. A leaker's own growth says when
 * it alone would run its pool dry; with several leakers in one pool, the
 * pool's growth says when it really will.
 */
#ifndef PW_POOL_TREND_H
#define PW_POOL_TREND_H

#include <stddef.h>
#include <stdint.h>
#include "core/snapshot.h"

/* One reading of a pool, kept for the charts of incident reports. */
struct pool_reading {
	uint64_t t_ms;
	uint32_t used, capacity; /* capacity 0: unknown */
};

/* Readings kept per pool: 20 minutes at run's default 5 s interval. */
#define POOL_TREND_RING 240

struct pool_trend {
	struct snap_pool pool; /* identity (kind, netns, addresses) and used, at t_ms */
	uint64_t t_ms;
	double growth_per_s;   /* smoothed; 0 until a pool was seen twice */
	bool seen;             /* in the latest update */
	struct pool_reading ring[POOL_TREND_RING]; /* the last readings, oldest at head */
	uint32_t head, nr;
};

struct pool_trends {
	struct pool_trend *items;
	size_t nr, cap;
};

/* Do @a and @b describe the same pool? */
bool pool_same(const struct snap_pool *a, const struct snap_pool *b);

/*
 * Fold snapshot @s, taken at @t_ms, into @tr, and write each pool's growth
 * into s->pools[].growth_per_s. Pools absent from @s are forgotten. Returns
 * 0 or -ENOMEM (the growths are then 0).
 */
int pool_trends_update(struct pool_trends *tr, struct snapshot *s, uint64_t t_ms);

/* Write the known growths into a snapshot taken since (a re-check). */
void pool_trends_apply(const struct pool_trends *tr, struct snapshot *s);

/* The trend of pool @p, or NULL when it was not in the latest update. */
const struct pool_trend *pool_trends_find(const struct pool_trends *tr, const struct snap_pool *p);

/* Copy @t's readings, oldest first, into @buf (room for POOL_TREND_RING).
 * Returns how many. A pool that emptied is forgotten with its readings. */
size_t pool_trend_readings(const struct pool_trend *t, struct pool_reading *buf);

/*
 * The forecast run acts on: seconds until @p runs out at @growth_per_s (a
 * holder's own), or at the pool's own growth when that is faster (others
 * fill it too). INFINITY when nothing fills it or @p is NULL. One function
 * for the guard and for top, so the screen shows what the daemon judges.
 */
double pool_seconds_left(const struct snap_pool *p, double growth_per_s);

/* The pool's own forecast: its free ports at its smoothed growth; INFINITY
 * when it is not filling or its capacity is unknown. */
double pool_own_seconds_left(const struct snap_pool *p);

void pool_trends_free(struct pool_trends *tr);

#endif /* PW_POOL_TREND_H */
