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

#include <stddef.h>
#include "core/labels.h"
#include "guard/guard.h"
#include "views/json.h"

/* Room served_budget_keys() may fill. */
#define SERVED_BUDGET_KEYS (2 * GUARD_BUDGETS_MAX)

/* The cgroups these members name (with a budget, or refused by the
 * lifeline), into @keys (SERVED_BUDGET_KEYS); how many. */
size_t served_budget_keys(const struct guard *g, struct group_key *keys);

/* "refusal_hooks", "budget_refused", "lifeline_refused", "budgets" and
 * "lifeline_refusals", each cgroup named by its label in @l. */
void served_budgets_json(struct json_writer *w, const struct guard *g, const struct labels *l);

#endif /* PW_GUARD_SERVED_BUDGETS_H */
