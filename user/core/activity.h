/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The kernel's cumulative activity counters (opens, closes, failures) per
 * process and cgroup, as kernel/counters.h reads them. */
#ifndef PW_ACTIVITY_H
#define PW_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>
#include "portwarden.h"

struct activity_entry {
	struct pw_activity_key key;
	struct pw_activity val;
};

struct activity_table {
	struct activity_entry *items;
	size_t nr, cap;
};

/* Room for one more entry. Returns 0 or -ENOMEM. */
int activity_grow(struct activity_table *t);
/* Sort by key and keep one entry of each: a restarted walk can visit a key twice. */
void activity_drop_duplicates(struct activity_table *t);
void activity_free(struct activity_table *t);

/* Failed allocations by errno: what a victim suffered tells its cause
 * (EADDRNOTAVAIL: connect found no port; EADDRINUSE: bind(0) or listen()
 * autobind; EAGAIN: UDP autobind). */
struct failure_counts {
	uint64_t eaddrnotavail, eaddrinuse, eagain;
};

static inline void failure_counts_add(struct failure_counts *f, const struct pw_activity *a)
{
	f->eaddrnotavail += a->n[PW_CNT_FAIL_EADDRNOTAVAIL];
	f->eaddrinuse += a->n[PW_CNT_FAIL_EADDRINUSE];
	f->eagain += a->n[PW_CNT_FAIL_EAGAIN];
}

/* Failed allocations of an entry, all errnos together. */
static inline uint64_t activity_failures(const struct pw_activity *a)
{
	return a->n[PW_CNT_FAIL_EADDRNOTAVAIL] + a->n[PW_CNT_FAIL_EADDRINUSE] +
	       a->n[PW_CNT_FAIL_EAGAIN];
}

#endif /* PW_ACTIVITY_H */
