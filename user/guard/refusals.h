/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The budget and lifeline hooks' refusals, each step: read by cgroup,
 * errno, pool and reason from the kernel (act/budget.h), the pool's netns
 * named from its cookie, logged in the audit (refuse / would_refuse) and
 * kept over time for the daemon's /report (core/refusals.h).
 */
#ifndef PW_GUARD_REFUSALS_H
#define PW_GUARD_REFUSALS_H

#include <stddef.h>
#include <stdint.h>
#include "act/budget.h"
#include "core/idmap.h"
#include "core/refusals.h"
#include "core/report.h"

struct guard;

#define REFUSALS_LOG_MAX   16384 /* (step, key) entries kept for reports */
#define REFUSALS_NETNS_MAX 256	 /* netns cookies named */

struct guard_refusals {
	struct budget_refusal *read; /* this step's read, PW_REFUSAL_KEYS long */
	struct budget_refusal *seen; /* counts already logged, one per key */
	size_t nr_seen, cap_seen;
	struct idmap seen_index; /* seen, by key */
	struct refusal_log log;
	struct netns_name {
		uint64_t cookie; /* 0: the netns could not be entered */
		uint32_t inum;
	} names[REFUSALS_NETNS_MAX];
	size_t nr_names;
	uint64_t unkeyed_said; /* refusals the kernel could not key, warned about */
};

/* After budgets_step(): the refusals since the last step, logged. */
void refusals_step(struct guard *g);
/* The report's refusals over [@since_ms, now] (the samples' clock). 0 or -ENOMEM. */
int refusals_report(const struct guard *g, uint64_t since_ms, struct report *r);
void refusals_free(struct guard_refusals *gr);

#endif /* PW_GUARD_REFUSALS_H */
