// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The hooks' refusals each step: read, pools named, logged, kept for /report.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "core/log.h"
#include "guard/guard.h"
#include "guard/lifeline.h"
#include "guard/refusals.h"
#include "host/netns.h"
#include "host/netns_cookie.h"
#include "host/procfs.h"
#include "refusal.h"

static const struct netns_name *name_of_inum(const struct guard_refusals *gr, uint32_t inum)
{
	for (size_t i = 0; i < gr->nr_names; i++)
		if (gr->names[i].inum == inum)
			return &gr->names[i];
	return NULL;
}

static uint32_t inum_of_cookie(const struct guard_refusals *gr, uint64_t cookie)
{
	for (size_t i = 0; i < gr->nr_names; i++)
		if (gr->names[i].cookie == cookie)
			return gr->names[i].inum;
	return 0;
}

/* Learn @inum's cookie (0 when it cannot be entered: not tried again). */
static void learn(struct guard *g, uint32_t inum)
{
	struct guard_refusals *gr = &g->refusals;
	char path[PATH_MAX];
	uint64_t cookie = 0;

	if (!inum || name_of_inum(gr, inum))
		return;
	if (gr->nr_names == REFUSALS_NETNS_MAX) /* many netns came and went: start over */
		gr->nr_names = 0;
	if (guard_netns_path(g, inum, path, sizeof(path)) || netns_cookie_of(path, &cookie))
		cookie = 0;
	gr->names[gr->nr_names++] = (struct netns_name){cookie, inum};
}

/*
 * The netns inode of the hooks' @cookie, 0 when the daemon cannot name it.
 * The kernel tells a cookie only through a socket made in the netns, so the
 * daemon enters each netns the snapshot has pools in, once, and keeps
 * what it learnt.
 */
static uint32_t netns_of_cookie(struct guard *g, uint64_t cookie)
{
	char self[PATH_MAX];
	uint32_t inum = inum_of_cookie(&g->refusals, cookie);

	if (inum || !cookie)
		return inum;
	procfs_path(self, sizeof(self), "self/ns/net");
	learn(g, netns_inum_of(self));
	for (size_t i = 0; i < g->m.snap.nr_pools; i++) /* a netns with ports has a pool */
		learn(g, g->m.snap.pools[i].netns);
	return inum_of_cookie(&g->refusals, cookie);
}

static void to_key(struct guard *g, const struct budget_refusal *b, struct refusal_key *k)
{
	memset(k, 0, sizeof(*k));
	k->cgroup_id = b->cgroup_id;
	k->err = b->err;
	k->dry_run = b->dry_run;
	k->lifeline = b->lifeline;
	k->pool.netns_cookie = b->pool.netns_cookie;
	k->pool.netns = netns_of_cookie(g, b->pool.netns_cookie);
	k->pool.kind = b->pool.kind;
	k->pool.family = b->pool.family;
	k->pool.rport = b->pool.rport;
	memcpy(k->pool.raddr, b->pool.raddr, sizeof(k->pool.raddr));
}

static bool same(const struct budget_refusal *a, const struct budget_refusal *b)
{
	return a->cgroup_id == b->cgroup_id && a->err == b->err && a->dry_run == b->dry_run &&
	       a->lifeline == b->lifeline && !memcmp(&a->pool, &b->pool, sizeof(a->pool));
}

static uint64_t key_hash(const struct budget_refusal *r)
{
	uint64_t h = hash_u64(r->cgroup_id ^ ((uint64_t)r->err << 32) ^
			      ((uint64_t)r->dry_run << 1) ^ r->lifeline);

	return hash_bytes(h, &r->pool, sizeof(r->pool)); /* zeroed padding: the kernel's key */
}

static bool seen_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct guard_refusals *gr = ctx;

	return same(&gr->seen[idx], key);
}

/* The count logged so far for @r's key; NULL: no memory to keep it. */
static uint64_t *last_count(struct guard_refusals *gr, const struct budget_refusal *r)
{
	struct budget_refusal *more;
	uint32_t *slot;

	if (idmap_reserve(&gr->seen_index, gr->nr_seen + 1))
		return NULL;
	slot = idmap_slot(&gr->seen_index, key_hash(r), seen_eq, gr, r);
	if (*slot)
		return &gr->seen[*slot - 1].count;
	more = array_grow(gr->seen, &gr->cap_seen, gr->nr_seen + 1, 64, sizeof(*more));
	if (!more)
		return NULL;
	gr->seen = more;
	gr->seen[gr->nr_seen] = *r;
	gr->seen[gr->nr_seen].count = 0;
	*slot = (uint32_t)++gr->nr_seen;
	return &gr->seen[gr->nr_seen - 1].count;
}

static void log_one(struct guard *g, const struct refusal_key *k, uint64_t n, uint64_t total)
{
	char cgroup[32], pool[160], detail[320];
	struct audit_record r = {.event = k->lifeline ? "lifeline" : "budget",
				 .action = k->dry_run ? "would_refuse" : "refuse",
				 .cgroup = cgroup,
				 .ports_held = -1,
				 .exited = -1,
				 .refused_in = &k->pool,
				 .dry_run = k->dry_run,
				 .detail = detail};

	snprintf(cgroup, sizeof(cgroup), "cgroup2 id %llu", (unsigned long long)k->cgroup_id);
	refusal_pool_name(&k->pool, pool, sizeof(pool));
	snprintf(detail, sizeof(detail), "%llu %s (%s) in the %s, %llu in total",
		 (unsigned long long)n, strerrorname_np((int)k->err),
		 k->dry_run ? "would have been refused" : "refused", pool,
		 (unsigned long long)total);
	audit_write(&g->audit, &r);
}

/* Nothing lost silently: refusals the kernel could not key, said when they grow. */
static void warn_unkeyed(struct guard *g)
{
	uint64_t n = budget_refusals_unkeyed(&g->budget);

	if (n > g->refusals.unkeyed_said)
		pr_warn("%llu refusals were not counted by cgroup, errno and pool: the kernel's "
			"table of %d was full (they were still refused)\n",
			(unsigned long long)(n - g->refusals.unkeyed_said), PW_REFUSAL_KEYS);
	g->refusals.unkeyed_said = n;
}

void refusals_step(struct guard *g)
{
	struct guard_refusals *gr = &g->refusals;
	uint64_t now = g->m.now_ms - g->m.start_ms; /* the samples' clock, as reports' */
	size_t n;

	if (!g->budget.skel)
		return;
	if (!gr->read && !(gr->read = calloc(PW_REFUSAL_KEYS, sizeof(*gr->read))))
		return;
	if (!gr->log.items && refusal_log_init(&gr->log, REFUSALS_LOG_MAX))
		return;
	n = budget_refusals(&g->budget, gr->read, PW_REFUSAL_KEYS);
	for (size_t i = 0; i < n; i++) {
		const struct budget_refusal *b = &gr->read[i];
		uint64_t *last = last_count(gr, b);
		struct refusal_key k;

		if (!last || b->count <= *last)
			continue;
		to_key(g, b, &k);
		log_one(g, &k, b->count - *last, b->count);
		refusal_log_add(&gr->log, now, &k, b->count - *last);
		*last = b->count;
	}
	warn_unkeyed(g);
}

int refusals_report(const struct guard *g, uint64_t since_ms, struct report *r)
{
	if (!g->budget.skel) {
		r->refusals_none = "no port budget or lifeline is configured: the daemon loaded no "
				   "hooks";
		return 0;
	}
	r->refusals_unkeyed = budget_refusals_unkeyed(&g->budget);
	return refusals_since(&g->refusals.log, since_ms, &r->refusals);
}

void refusals_free(struct guard_refusals *gr)
{
	free(gr->read);
	free(gr->seen);
	idmap_free(&gr->seen_index);
	refusal_log_free(&gr->log);
	memset(gr, 0, sizeof(*gr));
}
