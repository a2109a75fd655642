/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Port budgets (ports_max): the pure decisions. The kernel refuses
 * (bpf/budget.bpf.c); these say which cgroup gets which budget and when
 * the kernel's count is to be corrected from the snapshot's.
 */
#ifndef PW_BUDGET_CORE_H
#define PW_BUDGET_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/config.h"

/* A cgroup's budget: ports_max (0: none), and whether it only counts what
 * it would refuse: its policy says enforce = no, which opts a workload out
 * of enforcement (run --enforce still gates every other one). */
struct budget {
	uint32_t max;
	bool count_only;
};

/* The budget of the cgroup2 cgroup at @path ("/a/b"): its policy's
 * ports_max and enforce (first matching [cgroup] override, else
 * [policy]); max 0: none. The root ("/") never gets one: that is the
 * whole host. */
struct budget budget_for(const struct daemon_config *c, const char *path);

/* Is a cgroup holding @held ports at its budget @max (0: none)? */
bool budget_reached(int64_t held, uint32_t max);

/* The kernel's count of a cgroup, and how many times its hooks changed it. */
struct budget_count {
	int64_t held;
	uint64_t changes;
};

/* One sample of a cgroup's counts: the kernel's, read before and after the
 * snapshot, and the snapshot's. */
struct budget_sample {
	struct budget_count before, after;
	uint32_t snap;
};

/*
 * Correct the kernel's count to the snapshot's? Only when this sample and
 * the previous one (@prev) agree: the kernel's count unchanged before and
 * after each snapshot and across both (its change counter, not only its
 * value: 20 sockets closed and 20 opened between two reads give the same
 * value), the snapshot's the same in both, and the two differ. Sockets made
 * or closed while a snapshot is taken (churn) are thus not taken for
 * drift; drift that stays is corrected a sample late.
 */
bool budget_needs_correction(const struct budget_sample *prev, const struct budget_sample *now);

#endif /* PW_BUDGET_CORE_H */
