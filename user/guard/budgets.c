// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Port budgets each step: assign, reconcile, log refusals.
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "core/budget.h"
#include "core/escape.h"
#include "core/log.h"
#include "guard/budgets.h"
#include "guard/guard.h"
#include "guard/judge.h"

bool budgets_configured(const struct daemon_config *c)
{
	if (c->policy.ports_max)
		return true;
	for (size_t i = 0; i < c->nr_overrides; i++)
		if (c->overrides[i].params.ports_max)
			return true;
	return false;
}

static struct guard *walking; /* nftw's callback has no argument */
static size_t walk_root_len;

/* A cgroup2 directory: its budget from its path; its id is its inode. */
static int visit(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	struct guard *g = walking;
	const char *path = fpath + walk_root_len;
	uint32_t max;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (!path[0])
		path = "/";
	max = guard_in_scope(g, path, true) ? budget_for(&g->cfg, path) : 0;
	if (max && g->nr_budget_seen < GUARD_BUDGETS_MAX) {
		g->budget_seen[g->nr_budget_seen++] = (uint64_t)st->st_ino;
		budget_set(&g->budget, (uint64_t)st->st_ino, max);
	}
	return 0;
}

static bool seen(const struct guard *g, uint64_t id)
{
	for (size_t i = 0; i < g->nr_budget_seen; i++)
		if (g->budget_seen[i] == id)
			return true;
	return false;
}

/* Every cgroup that matches gets its budget; one gone or no longer
 * matching (a reload) loses it. A cgroup made between steps gets its
 * budget at the next step. */
static void assign(struct guard *g)
{
	uint64_t ids[GUARD_BUDGETS_MAX];
	size_t n;

	g->nr_budget_seen = 0;
	walking = g;
	walk_root_len = strlen(g->mounts.v2);
	if (nftw(g->mounts.v2, visit, 16, FTW_PHYS | FTW_MOUNT))
		pr_debug("walking %s for budgets: %s\n", g->mounts.v2, strerror(errno));
	walking = NULL;
	n = budget_cgroups(&g->budget, ids, GUARD_BUDGETS_MAX);
	for (size_t i = 0; i < n; i++)
		if (!seen(g, ids[i]))
			budget_set(&g->budget, ids[i], 0);
	if (budget_arm(&g->budget))
		pr_warn("failed to attach the port budget hooks\n");
}

static uint32_t snapshot_held(const struct guard *g, uint64_t cgroup_id)
{
	uint32_t n = 0;

	for (size_t i = 0; i < g->m.snap.nr_groups; i++)
		if (g->m.snap.groups[i].key.cgroup_id == cgroup_id)
			n += state_ports_held(&g->m.snap.groups[i].held);
	return n;
}

void budgets_before(struct guard *g)
{
	g->nr_budget_before = budget_cgroups(&g->budget, g->budget_before_ids, GUARD_BUDGETS_MAX);
	for (size_t i = 0; i < g->nr_budget_before; i++)
		g->budget_before[i] = budget_held(&g->budget, g->budget_before_ids[i]);
}

static void log_correction(struct guard *g, uint64_t id, int64_t kernel, uint32_t snap)
{
	char cgroup[32], detail[160];
	struct audit_record r = {.event = "budget",
				 .action = "correct",
				 .cgroup = cgroup,
				 .ports_held = (int32_t)snap,
				 .exited = -1,
				 .dry_run = g->ef.dry_run,
				 .detail = detail};

	snprintf(cgroup, sizeof(cgroup), "cgroup2 id %llu", (unsigned long long)id);
	snprintf(detail, sizeof(detail), "kernel count %lld, snapshot count %u: corrected",
		 (long long)kernel, snap);
	audit_write(&g->audit, &r);
}

/* The kernel's count, steady across the snapshot and unlike it, is drift:
 * corrected to the snapshot's, and logged. */
static void reconcile(struct guard *g)
{
	for (size_t i = 0; i < g->nr_budget_before; i++) {
		uint64_t id = g->budget_before_ids[i];
		int64_t after = budget_held(&g->budget, id);
		uint32_t snap = snapshot_held(g, id);

		if (!seen(g, id) || !budget_needs_correction(g->budget_before[i], after, snap))
			continue;
		if (!budget_correct(&g->budget, id, (int64_t)snap))
			log_correction(g, id, after, snap);
	}
}

static uint64_t *last_count(struct guard *g, const struct budget_refusal *r)
{
	for (size_t i = 0; i < g->nr_refusals_seen; i++) {
		struct budget_refusal *s = &g->refusals_seen[i];

		if (s->cgroup_id == r->cgroup_id && s->err == r->err && s->dry_run == r->dry_run)
			return &s->count;
	}
	if (g->nr_refusals_seen == GUARD_BUDGETS_MAX)
		return NULL;
	g->refusals_seen[g->nr_refusals_seen] = *r;
	g->refusals_seen[g->nr_refusals_seen].count = 0;
	return &g->refusals_seen[g->nr_refusals_seen++].count;
}

/* Refusals (or would-be ones, dry) since the last step, per cgroup and errno. */
static void log_refusals(struct guard *g)
{
	struct budget_refusal rs[GUARD_BUDGETS_MAX];
	size_t n = budget_refusals(&g->budget, rs, GUARD_BUDGETS_MAX);

	for (size_t i = 0; i < n; i++) {
		uint64_t *last = last_count(g, &rs[i]);
		char cgroup[32], detail[160];
		struct audit_record r = {.event = "budget",
					 .action = rs[i].dry_run ? "would_refuse" : "refuse",
					 .cgroup = cgroup,
					 .ports_held = -1,
					 .exited = -1,
					 .dry_run = rs[i].dry_run,
					 .detail = detail};

		if (!last || rs[i].count <= *last)
			continue;
		snprintf(cgroup, sizeof(cgroup), "cgroup2 id %llu",
			 (unsigned long long)rs[i].cgroup_id);
		snprintf(detail, sizeof(detail), "%llu %s (%s), %llu in total",
			 (unsigned long long)(rs[i].count - *last), strerrorname_np((int)rs[i].err),
			 rs[i].dry_run ? "would have been refused" : "refused",
			 (unsigned long long)rs[i].count);
		*last = rs[i].count;
		audit_write(&g->audit, &r);
	}
}

/* Loaded when the configuration first names a budget (at start or on a
 * reload), tried once: refused, the rest still guards. Attached to
 * --cgroup's directory, else the cgroup2 root. */
static bool loaded(struct guard *g)
{
	if (g->budget.skel || g->budget_tried || !budgets_configured(&g->cfg) || !g->mounts.v2[0])
		return g->budget.skel != NULL;
	g->budget_tried = true;
	if (budget_open(&g->budget, g->scope.dir[0] ? g->scope.dir : g->mounts.v2))
		return false;
	budget_enforce(&g->budget, !g->ef.dry_run);
	return true;
}

void budgets_step(struct guard *g)
{
	if (!loaded(g))
		return;
	assign(g);
	reconcile(g);
	log_refusals(g);
}
