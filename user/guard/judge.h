/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Judging one suspect: its case (guard/candidates.h), the policy's decision,
 * the re-check on fresh data right before acting, the action, the audit record. */
#ifndef PW_JUDGE_H
#define PW_JUDGE_H

#include <stdbool.h>
#include <stdint.h>
#include "guard/guard.h"

/* Judge @e (a process entity) and act on the decision. */
void guard_judge(struct guard *g, struct entity *e);

/* --cgroup: is a process in @cgroup (a v2 path when @is_v2) in scope? */
bool guard_in_scope(const struct guard *g, const char *cgroup, bool is_v2);

/* The surge in force for @tgid, or NULL. */
const struct surge_entry *guard_surging(const struct guard *g, uint32_t tgid);

#endif /* PW_JUDGE_H */
