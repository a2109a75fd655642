/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * /suspects' budgets and refusals, for `top` attached: per cgroup with a
 * budget its ports_max, the kernel's held count and the refusals by errno;
 * the lifeline's refusals per cgroup; the totals top takes rates from.
 * The counts are the kernel's since the hooks were loaded (a restarted
 * daemon starts again from 0), as the guard last read them at its step.
 */
#ifndef PW_GUARD_SERVED_BUDGETS_H
#define PW_GUARD_SERVED_BUDGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/idmap.h"
#include "core/labels.h"
#include "guard/guard.h"
#include "views/json.h"

/* Room served_budget_keys() may fill. */
#define SERVED_BUDGET_KEYS (2 * GUARD_BUDGETS_MAX)

/* The errnos the hooks refuse with (README's table), counted apart. */
#define SERVED_REFUSAL_ERRNOS 3

/* The refusals of one cgroup for one reason (its budget or the lifeline). */
struct served_refusal_row {
	uint64_t cgroup_id;
	bool lifeline;
	uint64_t refused;			  /* every errno */
	uint64_t by_errno[SERVED_REFUSAL_ERRNOS]; /* EADDRNOTAVAIL, EADDRINUSE, EAGAIN */
};

/*
 * The refusals the guard keeps, one per kernel key (cgroup, errno, pool,
 * reason, dry run; the kernel holds up to PW_REFUSAL_KEYS), summed by
 * cgroup and reason: a row each, in the order of its first key. Built once
 * per document, so that the members below cost time linear in the keys.
 */
struct served_refusals {
	struct served_refusal_row *rows;
	size_t nr;
	struct idmap index; /* rows, by cgroup and reason */
};

/* @t from @g's refusals. 0 or -ENOMEM (then @t is empty). */
int served_refusals_build(struct served_refusals *t, const struct guard *g);
void served_refusals_free(struct served_refusals *t);

/* The cgroups these members name (with a budget, or refused by the
 * lifeline), into @keys (SERVED_BUDGET_KEYS); how many. */
size_t served_budget_keys(const struct guard *g, const struct served_refusals *t,
			  struct group_key *keys);

/* "refusal_hooks", "budget_refused", "lifeline_refused", "budgets" and
 * "lifeline_refusals", each cgroup named by its label in @l. */
void served_budgets_json(struct json_writer *w, const struct guard *g,
			 const struct served_refusals *t, const struct labels *l);

#endif /* PW_GUARD_SERVED_BUDGETS_H */
