// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Pool growth from one snapshot to the next, smoothed.
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "core/pool_trend.h"

#define FIRST_TRENDS 16

/* Weight of the newest step: one sample's jitter (a connect burst landing
 * just before or after a snapshot) halves, a steady rate shows in 2-3 steps. */
#define NEWEST_WEIGHT 0.5

bool pool_same(const struct snap_pool *a, const struct snap_pool *b)
{
	return a->kind == b->kind && a->netns == b->netns && a->rport == b->rport &&
	       !memcmp(a->laddr, b->laddr, sizeof(a->laddr)) &&
	       !memcmp(a->raddr, b->raddr, sizeof(a->raddr));
}

static struct pool_trend *find(const struct pool_trends *tr, const struct snap_pool *p)
{
	for (size_t i = 0; i < tr->nr; i++)
		if (pool_same(&tr->items[i].pool, p))
			return &tr->items[i];
	return NULL;
}

static struct pool_trend *add(struct pool_trends *tr, const struct snap_pool *p)
{
	if (tr->nr == tr->cap) {
		size_t cap = tr->cap ? tr->cap * 2 : FIRST_TRENDS;
		struct pool_trend *items = reallocarray(tr->items, cap, sizeof(*items));

		if (!items)
			return NULL;
		tr->items = items;
		tr->cap = cap;
	}
	memset(&tr->items[tr->nr], 0, sizeof(tr->items[0]));
	tr->items[tr->nr].pool = *p;
	return &tr->items[tr->nr++];
}

/* One pool's new reading. */
static void fold(struct pool_trend *t, const struct snap_pool *p, uint64_t t_ms, bool fresh)
{
	if (!fresh && t_ms > t->t_ms) {
		double step = ((double)p->used - t->pool.used) * 1000.0 / (double)(t_ms - t->t_ms);

		t->growth_per_s = t->growth_per_s ? NEWEST_WEIGHT * step +
							    (1 - NEWEST_WEIGHT) * t->growth_per_s
						  : step;
	}
	t->pool = *p;
	t->t_ms = t_ms;
	t->seen = true;
	t->ring[(t->head + t->nr) % POOL_TREND_RING] = (struct pool_reading){
		.t_ms = t_ms, .used = p->used, .capacity = p->capacity_known ? p->capacity : 0};
	if (t->nr < POOL_TREND_RING)
		t->nr++;
	else
		t->head = (t->head + 1) % POOL_TREND_RING;
}

/* Drop the trends of pools that were not in the latest snapshot, and the
 * room they took: ~4 KiB a pool (its readings), and a host can have
 * thousands of pools for a while (tcp-connect pools are per destination). */
static void forget_unseen(struct pool_trends *tr)
{
	size_t out = 0;

	for (size_t i = 0; i < tr->nr; i++)
		if (tr->items[i].seen)
			tr->items[out++] = tr->items[i];
	tr->nr = out;
	tr->items = array_shrink(tr->items, &tr->cap, tr->nr, FIRST_TRENDS, sizeof(*tr->items));
}

int pool_trends_update(struct pool_trends *tr, struct snapshot *s, uint64_t t_ms)
{
	for (size_t i = 0; i < tr->nr; i++)
		tr->items[i].seen = false;
	for (size_t i = 0; i < s->nr_pools; i++) {
		struct snap_pool *p = &s->pools[i];
		struct pool_trend *t = find(tr, p);
		bool fresh = !t;

		if (fresh && !(t = add(tr, p)))
			return -ENOMEM;
		fold(t, p, t_ms, fresh);
		p->growth_per_s = t->growth_per_s;
	}
	forget_unseen(tr);
	return 0;
}

void pool_trends_apply(const struct pool_trends *tr, struct snapshot *s)
{
	for (size_t i = 0; i < s->nr_pools; i++) {
		const struct pool_trend *t = find(tr, &s->pools[i]);

		s->pools[i].growth_per_s = t ? t->growth_per_s : 0;
	}
}

const struct pool_trend *pool_trends_find(const struct pool_trends *tr, const struct snap_pool *p)
{
	return find(tr, p);
}

size_t pool_trend_readings(const struct pool_trend *t, struct pool_reading *buf)
{
	for (uint32_t i = 0; i < t->nr; i++)
		buf[i] = t->ring[(t->head + i) % POOL_TREND_RING];
	return t->nr;
}

double pool_seconds_left(const struct snap_pool *p, double growth_per_s)
{
	if (p && p->growth_per_s > growth_per_s)
		growth_per_s = p->growth_per_s;
	if (!p || growth_per_s <= 0)
		return INFINITY;
	return (p->capacity > p->used ? p->capacity - p->used : 0) / growth_per_s;
}

double pool_own_seconds_left(const struct snap_pool *p)
{
	return p->capacity_known ? pool_seconds_left(p, 0) : INFINITY;
}

void pool_trends_free(struct pool_trends *tr)
{
	free(tr->items);
	memset(tr, 0, sizeof(*tr));
}
