// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The lifeline's decision: which pools are kept for protected processes now.
#include <stdlib.h>
#include <string.h>
#include "core/lifeline.h"
#include "core/policy.h"

bool lifeline_holds(double fill, double lifeline, bool engaged)
{
	if (lifeline <= 0 || fill <= 0)
		return false;
	/* the epsilon: 95% of a range is not always 0.95 in binary */
	return fill + 1e-9 >= (engaged ? lifeline - LIFELINE_RELEASE_BELOW : lifeline);
}

bool lifeline_same_pool(const struct snap_pool *a, const struct snap_pool *b)
{
	if (a->kind != b->kind || a->netns != b->netns || a->family != b->family)
		return false;
	return a->kind != POOL_TCP_CONNECT ||
	       (a->rport == b->rport && !memcmp(a->laddr, b->laddr, sizeof(a->laddr)) &&
		!memcmp(a->raddr, b->raddr, sizeof(a->raddr)));
}

static const struct lifeline_pool *find(const struct lifeline_state *s, const struct snap_pool *p)
{
	for (size_t i = 0; i < s->nr; i++)
		if (lifeline_same_pool(&s->items[i].pool, p))
			return &s->items[i];
	return NULL;
}

static bool in_pools(const struct snap_pool *pools, size_t n, const struct snap_pool *p)
{
	for (size_t i = 0; i < n; i++)
		if (lifeline_same_pool(&pools[i], p))
			return true;
	return false;
}

void lifeline_update(const struct lifeline_state *prev, const struct snap_pool *pools,
		     size_t nr_pools, double lifeline, struct lifeline_state *next,
		     struct lifeline_changes *ch)
{
	memset(next, 0, sizeof(*next));
	ch->nr_engaged = ch->nr_released = 0;
	for (size_t i = 0; i < nr_pools; i++) {
		const struct lifeline_pool *was = find(prev, &pools[i]);
		struct lifeline_pool now = {pools[i], snap_pool_fill(&pools[i]), was ? was->refused : 0,
					    false};

		if (!lifeline_holds(now.fill, lifeline, was != NULL)) {
			if (was)
				ch->released[ch->nr_released++] = now;
			continue;
		}
		if (next->nr == LIFELINE_POOLS_MAX) {
			next->over++;
			continue;
		}
		next->items[next->nr++] = now;
		if (!was)
			ch->engaged[ch->nr_engaged++] = now;
	}
	/* gone from the snapshot (no socket left in it): released too */
	for (size_t i = 0; i < prev->nr && ch->nr_released < LIFELINE_POOLS_MAX; i++)
		if (!in_pools(pools, nr_pools, &prev->items[i].pool))
			ch->released[ch->nr_released++] =
				(struct lifeline_pool){prev->items[i].pool, 0, 0, false};
}

bool lifeline_inherits(uint32_t tgid, const char *exe)
{
	if (tgid == 1)
		return false;
	return !protections_spawner(exe);
}

static int by_tgid(const void *a, const void *b)
{
	const struct lifeline_proc *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static struct lifeline_proc *find_proc(struct lifeline_proc *p, size_t n, uint32_t tgid)
{
	struct lifeline_proc key = {.tgid = tgid};

	return bsearch(&key, p, n, sizeof(*p), by_tgid);
}

#define LIFELINE_DEPTH_MAX 64 /* deeper trees (or a ppid loop in bad input): not inherited */

void lifeline_protect_tree(struct lifeline_proc *procs, size_t n)
{
	qsort(procs, n, sizeof(*procs), by_tgid);
	for (size_t i = 0; i < n; i++) {
		struct lifeline_proc *p = &procs[i], *a = p;
		int depth = 0;

		while (a && !a->matched && depth++ < LIFELINE_DEPTH_MAX)
			a = a->ppid && a->ppid != a->tgid ? find_proc(procs, n, a->ppid) : NULL;
		p->protect = a && a->matched && (a == p || a->inherits);
		p->pass_on = p->protect && (a != p || p->inherits);
	}
}
