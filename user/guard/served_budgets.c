// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// /suspects' budgets and refusals: what top shows as used/max and refusals per second.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "guard/served_budgets.h"
#include "views/view_json.h"

/* The errnos the hooks refuse with (README's table), always all three. */
static const int refusal_errnos[SERVED_REFUSAL_ERRNOS] = {EADDRNOTAVAIL, EADDRINUSE, EAGAIN};

/* The cgroups with a budget now, as the kernel holds them. */
static size_t budget_ids(const struct guard *g, uint64_t *ids)
{
	return budget_cgroups(&g->budget, ids, GUARD_BUDGETS_MAX);
}

static uint64_t row_hash(uint64_t cgroup_id, bool lifeline)
{
	return hash_u64(cgroup_id ^ ((uint64_t)lifeline << 63));
}

static bool row_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct served_refusal_row *a = &((const struct served_refusals *)ctx)->rows[idx];
	const struct served_refusal_row *b = key;

	return a->cgroup_id == b->cgroup_id && a->lifeline == b->lifeline;
}

static void add(struct served_refusal_row *row, const struct budget_refusal *r)
{
	row->refused += r->count;
	for (size_t e = 0; e < SERVED_REFUSAL_ERRNOS; e++)
		if (r->err == (uint32_t)refusal_errnos[e])
			row->by_errno[e] += r->count;
}

int served_refusals_build(struct served_refusals *t, const struct guard *g)
{
	const struct guard_refusals *gr = &g->refusals;

	memset(t, 0, sizeof(*t));
	t->rows = calloc(gr->nr_seen + 1, sizeof(*t->rows));
	if (!t->rows || idmap_reserve(&t->index, gr->nr_seen + 1)) {
		served_refusals_free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < gr->nr_seen; i++) {
		const struct budget_refusal *r = &gr->seen[i];
		struct served_refusal_row key = {.cgroup_id = r->cgroup_id,
						 .lifeline = r->lifeline};
		uint32_t *slot = idmap_slot(&t->index, row_hash(key.cgroup_id, key.lifeline),
					    row_eq, t, &key);

		if (!*slot) { /* the cgroup's first key of this reason */
			t->rows[t->nr] = key;
			*slot = (uint32_t)++t->nr;
		}
		add(&t->rows[*slot - 1], r);
	}
	return 0;
}

void served_refusals_free(struct served_refusals *t)
{
	free(t->rows);
	idmap_free(&t->index);
	memset(t, 0, sizeof(*t));
}

/* The row of @cgroup_id refused by the lifeline or its budget; a zero row
 * when there is none. */
static struct served_refusal_row row_of(const struct served_refusals *t, uint64_t cgroup_id,
					bool lifeline)
{
	struct served_refusal_row key = {.cgroup_id = cgroup_id, .lifeline = lifeline};
	uint32_t i = idmap_find(&t->index, row_hash(cgroup_id, lifeline), row_eq, t, &key);

	return i == IDMAP_NONE ? key : t->rows[i];
}

static uint64_t refused_total(const struct served_refusals *t, bool lifeline)
{
	uint64_t n = 0;

	for (size_t i = 0; i < t->nr; i++)
		if (t->rows[i].lifeline == lifeline)
			n += t->rows[i].refused;
	return n;
}

size_t served_budget_keys(const struct guard *g, const struct served_refusals *t,
			  struct group_key *keys)
{
	uint64_t ids[GUARD_BUDGETS_MAX];
	size_t n = budget_ids(g, ids), k = 0;

	for (size_t i = 0; i < n; i++)
		keys[k++] = (struct group_key){.cgroup_id = ids[i]};
	for (size_t i = 0; i < t->nr && k < SERVED_BUDGET_KEYS; i++)
		if (t->rows[i].lifeline)
			keys[k++] = (struct group_key){.cgroup_id = t->rows[i].cgroup_id};
	return k;
}

static void json_cgroup_of(struct json_writer *w, const struct labels *l, uint64_t id)
{
	struct group_key key = {.cgroup_id = id};

	view_json_cgroup(w, labels_find(l, &key)); /* escaped by the writer */
	json_field_uint(w, "cgroup_id", id);
}

static void json_budget(struct json_writer *w, const struct guard *g,
			const struct served_refusals *t, const struct labels *l, uint64_t id)
{
	struct budget bu = budget_of(&g->budget, id);
	struct served_refusal_row row = row_of(t, id, false);

	json_object_begin(w);
	json_cgroup_of(w, l, id);
	json_field_uint(w, "ports_max", bu.max);
	json_field_int(w, "held", budget_held(&g->budget, id));
	json_field_bool(w, "dry_run", g->ef.dry_run || bu.count_only);
	json_field_uint(w, "refused", row.refused);
	json_key(w, "refused_by_errno");
	json_object_begin(w);
	for (size_t e = 0; e < SERVED_REFUSAL_ERRNOS; e++)
		json_field_uint(w, strerrorname_np(refusal_errnos[e]), row.by_errno[e]);
	json_object_end(w);
	json_object_end(w);
}

void served_budgets_json(struct json_writer *w, const struct guard *g,
			 const struct served_refusals *t, const struct labels *l)
{
	uint64_t ids[GUARD_BUDGETS_MAX];
	size_t n = budget_ids(g, ids);

	json_break(w);
	/* attached now: refusals (or would-be ones) are counted */
	json_field_bool(w, "refusal_hooks", g->budget.armed);
	json_field_uint(w, "budget_refused", refused_total(t, false));
	json_field_uint(w, "lifeline_refused", refused_total(t, true));
	json_break(w);
	json_key(w, "budgets");
	json_array_begin_lines(w);
	for (size_t i = 0; i < n; i++)
		json_budget(w, g, t, l, ids[i]);
	json_array_end(w);
	json_break(w);
	json_key(w, "lifeline_refusals");
	json_array_begin_lines(w);
	for (size_t i = 0; i < t->nr; i++) {
		if (!t->rows[i].lifeline)
			continue;
		json_object_begin(w);
		json_cgroup_of(w, l, t->rows[i].cgroup_id);
		json_field_uint(w, "refused", t->rows[i].refused);
		json_object_end(w);
	}
	json_array_end(w);
}
