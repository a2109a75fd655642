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

/*
 * Once indexed (activity_index()), the entries are sorted by cgroup, then
 * process, so that a cgroup's are one run, and by_tgid orders them by
 * process: a cgroup's or a process's sum costs a binary search and its own
 * entries, not a pass over the table. The map holds an entry per (cgroup,
 * process) that ever counted a port, dead processes' too until the LRU
 * evicts them (PW_ACTIVITY_MAX): a pass per entity would cost the step
 * (entities x entries), 16384 x 16384 once short-lived processes filled it.
 */
struct activity_table {
	struct activity_entry *items;
	size_t nr, cap;
	uint32_t *by_tgid; /* nr indexes of items, by tgid */
	size_t cap_by_tgid;
};

/* Room for one more entry. Returns 0 or -ENOMEM. */
int activity_grow(struct activity_table *t);
/* Sort by key, keep one entry of each (a restarted walk can visit a key
 * twice) and index the entries by process. 0 or -ENOMEM (nothing indexed:
 * the sums then read as zero). */
int activity_index(struct activity_table *t);
void activity_free(struct activity_table *t);

/* Sums over an indexed table, in @sum; the number of entries summed. A
 * cgroup's: its processes' entries and the kernel's own (tgid 0). */
size_t activity_sum_group(const struct activity_table *t, uint64_t cgroup_id, uint64_t cgroup1_id,
			  struct pw_activity *sum);
/* A process's, over every cgroup it counted ports in. */
size_t activity_sum_process(const struct activity_table *t, uint32_t tgid, struct pw_activity *sum);
/* The end of the run of entries of entry @i's cgroup (indexed table). */
size_t activity_group_end(const struct activity_table *t, size_t i);

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
