// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Port budgets each step: assign, reconcile (refusals: guard/refusals.c).
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "core/budget.h"
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

/* A budget given, changed or taken back (@max 0), logged: when a budget
 * starts to apply is part of the record. @path NULL: the cgroup is gone. */
static void log_set(struct guard *g, uint64_t id, const char *path, struct budget bu)
{
	char cgroup[32], detail[PATH_MAX + 64]; /* the log escapes it */
	struct audit_record r = {.event = "budget",
				 .action = "set",
				 .cgroup = cgroup,
				 .ports_held = -1,
				 .exited = -1,
				 .dry_run = g->ef.dry_run || bu.count_only,
				 .detail = detail};

	snprintf(cgroup, sizeof(cgroup), "cgroup2 id %llu", (unsigned long long)id);
	snprintf(detail, sizeof(detail), "ports_max %u%s%s%s", bu.max,
		 path ? " for " : " (cgroup gone, or no longer matched)", path ? path : "",
		 bu.count_only ? " (enforce = no: counted, never refused)" : "");
	audit_write(&g->audit, &r);
}

/* A cgroup2 directory's id as bpf_get_current_cgroup_id() gives it: its
 * file handle (the kernfs node id), which is also its inode number on the
 * kernels seen so far; the inode number when no handle can be had. */
static uint64_t cgroup_id_of(const char *fpath, const struct stat *st)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	uint64_t id;
	int mount_id;

	h.fh.handle_bytes = sizeof(uint64_t);
	if (name_to_handle_at(AT_FDCWD, fpath, &h.fh, &mount_id, 0) ||
	    h.fh.handle_bytes != sizeof(uint64_t))
		return (uint64_t)st->st_ino;
	memcpy(&id, h.fh.f_handle, sizeof(id));
	if (id != (uint64_t)st->st_ino)
		pr_debug("budget: %s: cgroup id %llu, inode %llu\n", fpath, (unsigned long long)id,
			 (unsigned long long)st->st_ino);
	return id;
}

/* A cgroup2 directory: its budget from its path. */
static int visit(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	struct guard *g = walking;
	const char *path = fpath + walk_root_len;
	struct budget bu, now;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (!path[0])
		path = "/";
	bu = guard_in_scope(g, path, true) ? budget_for(&g->cfg, path) : (struct budget){0};
	if (bu.max && g->nr_budget_seen == GUARD_BUDGETS_MAX)
		g->nr_budget_over++;
	if (bu.max && g->nr_budget_seen < GUARD_BUDGETS_MAX) {
		uint64_t id = cgroup_id_of(fpath, st);

		g->budget_seen[g->nr_budget_seen++] = id;
		now = budget_of(&g->budget, id);
		if ((now.max != bu.max || now.count_only != bu.count_only) &&
		    !budget_set(&g->budget, id, bu))
			log_set(g, id, path, bu);
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
	g->nr_budget_over = 0;
	walking = g;
	walk_root_len = strlen(g->mounts.v2);
	if (nftw(g->mounts.v2, visit, 16, FTW_PHYS | FTW_MOUNT))
		pr_debug("walking %s for budgets: %s\n", g->mounts.v2, strerror(errno));
	walking = NULL;
	/* not silently: said when the count of cgroups left without changes */
	if (g->nr_budget_over != g->nr_budget_over_said && g->nr_budget_over)
		pr_warn("%zu more cgroups match a ports_max rule than the %d that can hold a budget: "
			"they have none\n",
			g->nr_budget_over, GUARD_BUDGETS_MAX);
	g->nr_budget_over_said = g->nr_budget_over;
	n = budget_cgroups(&g->budget, ids, GUARD_BUDGETS_MAX);
	for (size_t i = 0; i < n; i++)
		if (!seen(g, ids[i]) && !budget_set(&g->budget, ids[i], (struct budget){0}))
			log_set(g, ids[i], NULL, (struct budget){0});
	if (budget_arm(&g->budget))
		pr_warn("failed to attach the port budget hooks\n");
}

static uint32_t snapshot_held(const struct guard *g, uint64_t cgroup_id)
{
	uint32_t n = 0;

	for (size_t i = 0; i < g->m.snap.nr_groups; i++)
		if (g->m.snap.groups[i].key.cgroup_id == cgroup_id)
			n += state_budget_held(&g->m.snap.groups[i].held);
	return n;
}

void budgets_before(struct guard *g)
{
	g->nr_budget_before = budget_cgroups(&g->budget, g->budget_before_ids, GUARD_BUDGETS_MAX);
	for (size_t i = 0; i < g->nr_budget_before; i++)
		g->budget_before[i] = budget_count(&g->budget, g->budget_before_ids[i]);
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

/* @id's counts at the previous sample (all -1: none). */
static struct budget_sample prev_sample(const struct guard *g, uint64_t id)
{
	for (size_t i = 0; i < g->nr_budget_prev; i++)
		if (g->budget_prev_ids[i] == id)
			return g->budget_prev[i];
	return (struct budget_sample){{-1, 0}, {-2, 1}, 0};
}

/* The kernel's count, steady across two samples and unlike the snapshot's,
 * steady too, is drift: corrected to the snapshot's, and logged. */
static void reconcile(struct guard *g)
{
	struct budget_sample now[GUARD_BUDGETS_MAX];

	for (size_t i = 0; i < g->nr_budget_before; i++) {
		uint64_t id = g->budget_before_ids[i];
		struct budget_sample prev = prev_sample(g, id);

		now[i] = (struct budget_sample){g->budget_before[i], budget_count(&g->budget, id),
						snapshot_held(g, id)};
		pr_debug("budget: cgroup2 id %llu: kernel count %lld (before the snapshot %lld), "
			 "snapshot count %u, changes %llu (before %llu)\n",
			 (unsigned long long)id, (long long)now[i].after.held,
			 (long long)now[i].before.held, now[i].snap,
			 (unsigned long long)now[i].after.changes,
			 (unsigned long long)now[i].before.changes);
		if (!seen(g, id) || !budget_needs_correction(&prev, &now[i]))
			continue;
		if (!budget_correct(&g->budget, id, (int64_t)now[i].snap))
			log_correction(g, id, now[i].after.held, now[i].snap);
		now[i].before.held = now[i].after.held = now[i].snap;
	}
	memcpy(g->budget_prev_ids, g->budget_before_ids, g->nr_budget_before * sizeof(uint64_t));
	memcpy(g->budget_prev, now, g->nr_budget_before * sizeof(now[0]));
	g->nr_budget_prev = g->nr_budget_before;
}

/* Loaded when the configuration first names a budget or the lifeline (at
 * start or on a reload), tried once: refused, the rest still guards. Attached to
 * --cgroup's directory, else the cgroup2 root. */
static bool loaded(struct guard *g)
{
	g->budget.lifeline = g->cfg.policy.lifeline > 0;
	if (g->budget.skel || g->budget_tried ||
	    (!budgets_configured(&g->cfg) && !g->budget.lifeline) || !g->mounts.v2[0])
		return g->budget.skel != NULL;
	g->budget_tried = true;
	if (budget_open(&g->budget, g->scope.dir[0] ? g->scope.dir : g->mounts.v2))
		return false;
	budget_enforce(&g->budget, !g->ef.dry_run);
	return true;
}

void budgets_prepare(struct guard *g)
{
	if (loaded(g))
		assign(g);
}

void budgets_step(struct guard *g)
{
	if (!loaded(g))
		return;
	assign(g);
	reconcile(g);
}
