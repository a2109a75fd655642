// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for /suspects' budgets and refusals (guard/served_budgets.c):
// with the refusal keys filled to the kernel's limit, the cgroups named and
// the sums per cgroup, in the order of each cgroup's first key, read back
// as top reads them. The kernel's side (act/budget.c) is stubbed here.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/snapshot_json.h"
#include "guard/served_budgets.h"
#include "refusal.h"
#include "unit.h"
#include "views/view_json.h"

#define NR_BUDGETS  GUARD_BUDGETS_MAX /* cgroups with a budget, all the guard gives */
#define NR_LIFELINE 1500	      /* cgroups the lifeline refused: more than keys name */
#define NR_REFUSED  600		      /* cgroups their budget refused, 88 of them without one now */
#define SHARED	    100		      /* lifeline cgroups that have a budget too */

/* ---- the kernel's side, stubbed: budgets in an order of their own ---------------------- */

static uint64_t budget_id(size_t k)
{
	return 100000 + (k * 37) % NR_BUDGETS; /* 37 is prime to 512: each id once, unsorted */
}

size_t budget_cgroups(const struct budget_hooks *b, uint64_t *ids, size_t max)
{
	(void)b;
	for (size_t k = 0; k < NR_BUDGETS && k < max; k++)
		ids[k] = budget_id(k);
	return NR_BUDGETS < max ? NR_BUDGETS : max;
}

struct budget budget_of(const struct budget_hooks *b, uint64_t cgroup_id)
{
	(void)b;
	return (struct budget){.max = (uint32_t)(cgroup_id % 100 + 1),
			       .count_only = !(cgroup_id % 5)};
}

int64_t budget_held(const struct budget_hooks *b, uint64_t cgroup_id)
{
	(void)b;
	return (int64_t)(cgroup_id % 7);
}

/* ---- the keys: PW_REFUSAL_KEYS, even ones the lifeline's, odd ones budgets' --------- */

static const int errnos[] = {EADDRNOTAVAIL, EADDRINUSE, EAGAIN, EPERM}; /* EPERM: in no column */

/* Key @i's cgroup: the lifeline's go round NR_LIFELINE cgroups in steps of 7
 * (prime to 1500), so that the first keys of cgroups are not in id order;
 * the budgets' round NR_REFUSED in steps of 13. */
static size_t lifeline_cgroup(size_t i)
{
	return (i / 2 * 7) % NR_LIFELINE;
}

static size_t refused_cgroup(size_t i)
{
	return (i / 2 * 13) % NR_REFUSED;
}

static uint64_t lifeline_id(size_t c)
{
	return c < SHARED ? budget_id(c) : 500000 + c;
}

static uint64_t refused_id(size_t c)
{
	return c < NR_BUDGETS ? budget_id(c) : 700000 + c;
}

static struct budget_refusal key(size_t i)
{
	bool lifeline = !(i % 2);
	struct budget_refusal r = {
		.cgroup_id =
			lifeline ? lifeline_id(lifeline_cgroup(i)) : refused_id(refused_cgroup(i)),
		.err = (uint32_t)errnos[i / 2 / NR_REFUSED % 4], /* each cgroup meets each */
		.lifeline = lifeline,
		.count = i + 1,
	};

	r.pool.rport = (uint16_t)i; /* each key its own pool */
	return r;
}

/* What the document must say, summed by cgroup index. */
struct expected {
	uint64_t lifeline[NR_LIFELINE];
	uint64_t refused[NR_REFUSED], by_errno[NR_REFUSED][3];
	uint64_t lifeline_total, budget_total;
};

static void expect(struct expected *x)
{
	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < PW_REFUSAL_KEYS; i++) {
		struct budget_refusal r = key(i);

		if (r.lifeline) {
			x->lifeline[lifeline_cgroup(i)] += r.count;
			x->lifeline_total += r.count;
			continue;
		}
		x->refused[refused_cgroup(i)] += r.count;
		if (r.err != EPERM)
			x->by_errno[refused_cgroup(i)][i / 2 / NR_REFUSED % 4] += r.count;
		x->budget_total += r.count;
	}
}

static struct guard *full_guard(void)
{
	struct guard *g = calloc(1, sizeof(*g));

	if (!g || !(g->refusals.seen = calloc(PW_REFUSAL_KEYS, sizeof(*g->refusals.seen)))) {
		free(g);
		return NULL;
	}
	for (size_t i = 0; i < PW_REFUSAL_KEYS; i++)
		g->refusals.seen[i] = key(i);
	g->refusals.nr_seen = g->refusals.cap_seen = PW_REFUSAL_KEYS;
	g->budget.armed = true;
	return g;
}

static void free_guard(struct guard *g)
{
	if (g)
		free(g->refusals.seen);
	free(g);
}

/* The members in a /suspects document with no suspects; 0 or -errno. */
static int render(const struct guard *g, const struct served_refusals *t, char **text, size_t *len)
{
	FILE *mem = open_memstream(text, len);
	struct labels l = {0};
	struct json_writer w;
	int err;

	if (!mem)
		return -ENOMEM;
	json_init(&w, mem);
	json_object_begin(&w);
	view_json_header(&w, 1, "suspects");
	json_field_uint(&w, "pid", 77);
	json_field_str(&w, "mode", "dry_run");
	json_field_uint(&w, "interval_ms", 1000);
	json_key(&w, "suspects");
	json_array_begin(&w);
	json_array_end(&w);
	served_budgets_json(&w, g, t, &l);
	json_object_end(&w);
	err = json_finish(&w);
	return fclose(mem) && !err ? -ENOMEM : err;
}

/* Budgets first, in the kernel's order; then the lifeline's cgroups in the
 * order of their first key, until the room is full (a cgroup with both is
 * named twice, as the labels do not mind). */
UNIT_TEST(keys_at_the_limit)
{
	struct group_key *keys = calloc(SERVED_BUDGET_KEYS, sizeof(*keys));
	struct guard *g = full_guard();
	struct served_refusals t;
	size_t n;

	ASSERT_TRUE(g && keys);
	ASSERT_EQ_INT(served_refusals_build(&t, g), 0);
	ASSERT_EQ_INT(t.nr, NR_LIFELINE + NR_REFUSED);
	n = served_budget_keys(g, &t, keys);
	ASSERT_EQ_INT(n, SERVED_BUDGET_KEYS);
	for (size_t k = 0; k < NR_BUDGETS; k++)
		ASSERT_EQ_INT(keys[k].cgroup_id, budget_id(k));
	for (size_t j = 0; j < SERVED_BUDGET_KEYS - NR_BUDGETS; j++)
		ASSERT_EQ_INT(keys[NR_BUDGETS + j].cgroup_id, lifeline_id(j * 7 % NR_LIFELINE));
	served_refusals_free(&t);
	free_guard(g);
	free(keys);
}

static void check_document(const struct daemon_state *d, const struct expected *x)
{
	ASSERT_TRUE(d->budgets_served && d->refusal_hooks);
	ASSERT_EQ_INT(d->budget_refused, x->budget_total);
	ASSERT_EQ_INT(d->lifeline_refused, x->lifeline_total);
	ASSERT_EQ_INT(d->nr_budgets, NR_BUDGETS);
	for (size_t k = 0; k < NR_BUDGETS; k++) {
		const struct daemon_budget *b = &d->budgets[k];
		size_t c = k; /* refused_id(k) and lifeline_id(k) are budget_id(k) */

		ASSERT_EQ_INT(b->cgroup_id, budget_id(k));
		ASSERT_EQ_INT(b->ports_max, b->cgroup_id % 100 + 1);
		ASSERT_EQ_INT(b->held, b->cgroup_id % 7);
		ASSERT_TRUE(b->dry_run == !(b->cgroup_id % 5));
		ASSERT_TRUE(x->refused[c] > 0);
		ASSERT_EQ_INT(b->refused, x->refused[c]);
		for (size_t e = 0; e < 3; e++)
			ASSERT_EQ_INT(b->refused_errno[e], x->by_errno[c][e]);
		/* its lifeline refusals are not its budget's */
		ASSERT_EQ_INT(b->lifeline_refused, c < SHARED ? x->lifeline[c] : 0);
	}
	ASSERT_EQ_INT(d->nr_lifeline_refusals, NR_LIFELINE);
	for (size_t j = 0; j < NR_LIFELINE; j++) {
		size_t c = j * 7 % NR_LIFELINE; /* the j-th cgroup to appear */

		ASSERT_EQ_INT(d->lifeline_refusals[j].cgroup_id, lifeline_id(c));
		ASSERT_EQ_INT(d->lifeline_refusals[j].refused, x->lifeline[c]);
	}
}

/* Every budget with its refusals by errno (an errno of none of the columns
 * in the sum only), every cgroup the lifeline refused, the totals. */
UNIT_TEST(document_at_the_limit)
{
	struct expected *x = malloc(sizeof(*x));
	struct guard *g = full_guard();
	struct served_refusals t;
	struct daemon_state d;
	char *text = NULL, err[128];
	size_t len = 0;

	ASSERT_TRUE(g && x);
	expect(x);
	ASSERT_EQ_INT(served_refusals_build(&t, g), 0);
	ASSERT_EQ_INT(render(g, &t, &text, &len), 0);
	served_refusals_free(&t);
	ASSERT_EQ_INT(suspects_from_json(text, len, &d, err, sizeof(err)), 0);
	check_document(&d, x);
	daemon_state_free(&d);
	free(text);
	free_guard(g);
	free(x);
}

/* No refusals kept: empty rows, zero totals, every budget at 0. */
UNIT_TEST(document_without_refusals)
{
	struct guard *g = calloc(1, sizeof(*g));
	struct served_refusals t;
	struct daemon_state d;
	char *text = NULL, err[128];
	size_t len = 0;

	ASSERT_TRUE(g != NULL);
	ASSERT_EQ_INT(served_refusals_build(&t, g), 0);
	ASSERT_EQ_INT(render(g, &t, &text, &len), 0);
	served_refusals_free(&t);
	ASSERT_EQ_INT(suspects_from_json(text, len, &d, err, sizeof(err)), 0);
	ASSERT_EQ_INT(d.budget_refused + d.lifeline_refused, 0);
	ASSERT_EQ_INT(d.nr_budgets, NR_BUDGETS);
	ASSERT_EQ_INT(d.budgets[0].refused, 0);
	ASSERT_EQ_INT(d.nr_lifeline_refusals, 0);
	daemon_state_free(&d);
	free(text);
	free(g);
}

int main(void)
{
	RUN(keys_at_the_limit);
	RUN(document_at_the_limit);
	RUN(document_without_refusals);
	return UNIT_MAIN_END();
}
