// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// /suspects' budgets and refusals: what top shows as used/max and refusals per second.
#include <errno.h>
#include <string.h>
#include "guard/served_budgets.h"
#include "views/view_json.h"

/* The errnos the hooks refuse with (README's table), always all three. */
static const int refusal_errnos[] = {EADDRNOTAVAIL, EADDRINUSE, EAGAIN};
#define NR_REFUSAL_ERRNOS (sizeof(refusal_errnos) / sizeof(refusal_errnos[0]))

/* The cgroups with a budget now, as the kernel holds them. */
static size_t budget_ids(const struct guard *g, uint64_t *ids)
{
	return budget_cgroups(&g->budget, ids, GUARD_BUDGETS_MAX);
}

/* Is refusal @i the first of its cgroup (of its kind: budget or lifeline)? */
static bool first_of_cgroup(const struct guard *g, size_t i)
{
	const struct budget_refusal *r = &g->refusals.seen[i];

	for (size_t j = 0; j < i; j++)
		if (g->refusals.seen[j].cgroup_id == r->cgroup_id &&
		    g->refusals.seen[j].lifeline == r->lifeline)
			return false;
	return true;
}

/* Refusals of @cgroup_id (of the lifeline or its budget) with @err (0: any),
 * dry or not. */
static uint64_t refused(const struct guard *g, uint64_t cgroup_id, bool lifeline, int err)
{
	uint64_t n = 0;

	for (size_t i = 0; i < g->refusals.nr_seen; i++) {
		const struct budget_refusal *r = &g->refusals.seen[i];

		if (r->cgroup_id == cgroup_id && r->lifeline == lifeline &&
		    (!err || r->err == (uint32_t)err))
			n += r->count;
	}
	return n;
}

static uint64_t refused_total(const struct guard *g, bool lifeline)
{
	uint64_t n = 0;

	for (size_t i = 0; i < g->refusals.nr_seen; i++)
		if (g->refusals.seen[i].lifeline == lifeline)
			n += g->refusals.seen[i].count;
	return n;
}

size_t served_budget_keys(const struct guard *g, struct group_key *keys)
{
	uint64_t ids[GUARD_BUDGETS_MAX];
	size_t n = budget_ids(g, ids), k = 0;

	for (size_t i = 0; i < n; i++)
		keys[k++] = (struct group_key){.cgroup_id = ids[i]};
	for (size_t i = 0; i < g->refusals.nr_seen && k < SERVED_BUDGET_KEYS; i++)
		if (g->refusals.seen[i].lifeline && first_of_cgroup(g, i))
			keys[k++] = (struct group_key){.cgroup_id = g->refusals.seen[i].cgroup_id};
	return k;
}

static void json_cgroup_of(struct json_writer *w, const struct labels *l, uint64_t id)
{
	struct group_key key = {.cgroup_id = id};

	view_json_cgroup(w, labels_find(l, &key)); /* escaped by the writer */
	json_field_uint(w, "cgroup_id", id);
}

static void json_budget(struct json_writer *w, const struct guard *g, const struct labels *l,
			uint64_t id)
{
	struct budget bu = budget_of(&g->budget, id);

	json_object_begin(w);
	json_cgroup_of(w, l, id);
	json_field_uint(w, "ports_max", bu.max);
	json_field_int(w, "held", budget_held(&g->budget, id));
	json_field_bool(w, "dry_run", g->ef.dry_run || bu.count_only);
	json_field_uint(w, "refused", refused(g, id, false, 0));
	json_key(w, "refused_by_errno");
	json_object_begin(w);
	for (size_t e = 0; e < NR_REFUSAL_ERRNOS; e++)
		json_field_uint(w, strerrorname_np(refusal_errnos[e]),
				refused(g, id, false, refusal_errnos[e]));
	json_object_end(w);
	json_object_end(w);
}

void served_budgets_json(struct json_writer *w, const struct guard *g, const struct labels *l)
{
	uint64_t ids[GUARD_BUDGETS_MAX];
	size_t n = budget_ids(g, ids);

	json_break(w);
	/* attached now: refusals (or would-be ones) are counted */
	json_field_bool(w, "refusal_hooks", g->budget.armed);
	json_field_uint(w, "budget_refused", refused_total(g, false));
	json_field_uint(w, "lifeline_refused", refused_total(g, true));
	json_break(w);
	json_key(w, "budgets");
	json_array_begin_lines(w);
	for (size_t i = 0; i < n; i++)
		json_budget(w, g, l, ids[i]);
	json_array_end(w);
	json_break(w);
	json_key(w, "lifeline_refusals");
	json_array_begin_lines(w);
	for (size_t i = 0; i < g->refusals.nr_seen; i++) {
		const struct budget_refusal *r = &g->refusals.seen[i];

		if (!r->lifeline || !first_of_cgroup(g, i))
			continue;
		json_object_begin(w);
		json_cgroup_of(w, l, r->cgroup_id);
		json_field_uint(w, "refused", refused(g, r->cgroup_id, true, 0));
		json_object_end(w);
	}
	json_array_end(w);
}
