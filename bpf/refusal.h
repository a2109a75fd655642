/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The budget and lifeline hooks' refusal counts (bpf/budget.bpf.c,
 * user/act/budget.c): by cgroup, errno, pool, reason and dry run. Fixed
 * width, size asserted.
 */
#ifndef PW_REFUSAL_H
#define PW_REFUSAL_H

#include "lifeline.h"

#define PW_REFUSAL_KEYS 8192 /* budget_refusals entries */

/* budget_max's value: the cgroup's ports_max, with this bit for a cgroup
 * whose policy says enforce = no: its budget counts what it would refuse,
 * refuses nothing, whatever run --enforce says. */
#define PW_BUDGET_COUNT_ONLY (1U << 31)

/* budget_held's value. @changes counts every change the hooks made to
 * @held: a count read twice with the same value may have gone and come back
 * (20 sockets closed, 20 opened) in between, one with the same @changes has
 * not, so the reconcile corrects only counts that truly held still. */
struct pw_budget_count {
	__s64 held;    /* ports the cgroup holds */
	__u64 changes; /* changes to @held since the entry was made */
};

/* pw_refusal_key.reason */
#define PW_REASON_BUDGET   0
#define PW_REASON_LIFELINE 1

/*
 * The pool is the one the refused call would have taken a port from, keyed
 * as the lifeline keys it: tcp-connect by netns cookie and destination,
 * tcp-bind and udp by netns cookie.
 */
struct pw_refusal_key {
	__u64 cgroup_id; /* cgroup2 id of the refused process */
	struct pw_lifeline_key pool;
	__u32 err;     /* positive errno */
	__u16 dry_run; /* 1: counted, not refused */
	__u16 reason;  /* PW_REASON_* */
};

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct pw_refusal_key) == 48, "struct pw_refusal_key layout changed");
_Static_assert(sizeof(struct pw_budget_count) == 16, "struct pw_budget_count layout changed");
#endif

#endif /* PW_REFUSAL_H */
