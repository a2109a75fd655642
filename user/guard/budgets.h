/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The guard's side of port budgets (act/budget.h): each step, give every
 * cgroup2 cgroup the budget the configuration names for it, reconcile the
 * kernel's held count with the snapshot's.
 */
#ifndef PW_GUARD_BUDGETS_H
#define PW_GUARD_BUDGETS_H

#include <stdbool.h>
#include "core/config.h"

struct guard;

/* Does @c name a budget anywhere? (The hooks are loaded only then.) */
bool budgets_configured(const struct daemon_config *c);

/* At start, before the first step: the hooks loaded and attached (when
 * configured), so that the start record means they are in place. */
void budgets_prepare(struct guard *g);

/* Before the step's snapshot: the kernel's counts, to tell drift from churn. */
void budgets_before(struct guard *g);
/* After it: budgets given, counts reconciled. */
void budgets_step(struct guard *g);

#endif /* PW_GUARD_BUDGETS_H */
