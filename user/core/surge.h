/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The fast-leak trigger: the kernel's cumulative activity counters, read a few
 * times a second between snapshots, say which processes open ports much faster
 * than they close them. A surge only triggers a snapshot and a judgment (the
 * held ports the snapshot shows are the evidence, never the counters). Pure:
 * no I/O, no clock; time comes in as now_ms.
 */
#ifndef PW_SURGE_H
#define PW_SURGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/activity.h"

struct surge_params {
	double min_rate;   /* net opens (opens - closes - failures) per second */
	uint32_t trip_ms;  /* ... sustained this long: the counters say "surge" */
	uint32_t gap_ms;   /* a calm stretch this short does not break a streak */
	uint32_t clear_ms; /* a surge ends after this long without a breaching reading */
};

/* 100 ports/s (classify_urgent's rate) for 2 s; see surge.c. */
extern const struct surge_params surge_defaults;

/* One process's readings, carried between calls. */
struct surge_state {
	uint64_t last_ms; /* the previous reading (0: none yet) */
	int64_t last_net;
	uint64_t since_ms;	 /* start of the current streak of breaching readings, 0: none */
	int64_t since_net;	 /* net at since_ms */
	uint64_t last_breach_ms; /* the latest breaching reading */
	uint32_t breaches;	 /* breaching readings in the streak */
	bool tripped;		 /* a surge is in force */
	uint64_t surge_ms; /* when the surge's streak began: where the snapshots' evidence starts */
};

/*
 * Feed one reading (@net: the process's ports taken minus released, from
 * cumulative counters: see surge_net()) taken at @now_ms. A surge trips when readings rise at >= min_rate each (with
 * gaps up to gap_ms), on average since the streak began, for >= trip_ms and at
 * least SURGE_MIN_READINGS readings; it ends after clear_ms without a breaching
 * reading. Returns true when this reading trips it.
 */
bool surge_update(struct surge_state *s, const struct surge_params *p, uint64_t now_ms,
		  int64_t net);

/* Ports an activity entry took and kept: connect attempts and binds, minus
 * closes, minus connect attempts that found no port (EADDRNOTAVAIL). */
static inline int64_t surge_net(const struct pw_activity *a)
{
	return (int64_t)a->n[PW_CNT_OPENS] - (int64_t)a->n[PW_CNT_CLOSES] -
	       (int64_t)a->n[PW_CNT_FAIL_EADDRNOTAVAIL];
}

/* Every process's surge state, by tgid. */
struct surge_entry {
	uint32_t tgid;
	uint64_t cgroup_id, cgroup1_id; /* the cgroup its counts were first seen in */
	struct surge_state st;
	bool fresh; /* tripped by the latest surge_table_update() */
};

struct surge_table {
	struct surge_entry *items; /* sorted by tgid */
	size_t nr;
};

/* Fold one read of the activity map (@a, indexed: activity_index()) into @t
 * at @now_ms: sums each process's counters over its cgroups, updates its
 * state, forgets processes the map no longer holds. Returns how many surges
 * tripped, or -ENOMEM. */
int surge_table_update(struct surge_table *t, const struct surge_params *p,
		       const struct activity_table *a, uint64_t now_ms);
void surge_table_free(struct surge_table *t);

/* @tgid's entry, or NULL. */
const struct surge_entry *surge_find(const struct surge_table *t, uint32_t tgid);

#endif /* PW_SURGE_H */
