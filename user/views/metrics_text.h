/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * `portwarden run`'s metrics in the Prometheus text exposition format
 * (0.0.4), from a plain model the guard fills after each sample. Pure: no
 * I/O beyond the memory the text is written to. Bounded: at most
 * METRICS_TOP pools and cgroups get their own series, the rest are summed
 * under "other"; every label value is escaped and cut to
 * METRICS_LABEL_MAX bytes on a UTF-8 boundary.
 */
#ifndef PW_METRICS_TEXT_H
#define PW_METRICS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/activity.h"
#include "core/classify.h"
#include "core/container.h"
#include "core/policy.h"
#include "core/snapshot.h"

#define METRICS_TOP	  20  /* pools, cgroups (ports held, failures) with their own series */
#define METRICS_LABEL_MAX 128 /* bytes of a label value before escaping */
#define METRICS_NAME_MAX  512 /* room a model keeps for a name (cut to the label cap) */
#define METRICS_PROGS_MAX 64

/* Outcomes of an action the guard took (guard/judge.c). */
enum metrics_outcome {
	OUTCOME_DONE = 0, /* carried out */
	OUTCOME_DRY_RUN,  /* checked, not carried out: no --enforce */
	OUTCOME_FAILED,	  /* the actuator refused or failed (identity changed, EPERM...) */
	OUTCOME_SPARED,	  /* the re-check right before acting spared the suspect */
	OUTCOME_COUNT,
};
const char *metrics_outcome_name(enum metrics_outcome o);

#define METRICS_ACTIONS (ACTION_RELEASE + 1) /* indexed by enum action */
#define METRICS_CLASSES (LEAK_HOG + 1)	     /* indexed by enum leak_class */

struct metrics_pool {
	char pool[METRICS_NAME_MAX]; /* "tcp-connect ipv4 netns 4026531840 10.0.0.1:80" */
	const char *kind;	     /* pool_kind_name() */
	const char *family;	     /* "ipv4", "ipv6" */
	uint32_t netns;
	uint32_t used, capacity;
	bool capacity_known;
	double seconds_left; /* forecast to exhaustion; INFINITY: not filling */
};

/* A cgroup's series carry its container's names (pod_namespace, pod,
 * container labels) too: a function of the cgroup, so no extra series. An
 * empty name is left out, as Prometheus drops an empty label anyway. */
struct metrics_cgroup {
	char cgroup[METRICS_NAME_MAX];
	struct container_names names; /* "" when none or unknown */
	uint32_t held[PS_COUNT]; /* sockets holding a local port, by state */
};

/* A cgroup's failed allocations, by errno, over the daemon's life. */
struct metrics_failures {
	char cgroup[METRICS_NAME_MAX];
	struct container_names names; /* as the cgroup first failed (its series never moves) */
	struct failure_counts n;
};

/* Port budget refusals (or would-be ones, dry) of a cgroup, by errno. */
struct metrics_budget_refusal {
	char cgroup[METRICS_NAME_MAX];
	const char *err; /* "EADDRNOTAVAIL" ... */
	bool dry_run;
	bool lifeline; /* refused by the lifeline: its own family */
	uint64_t count; /* since the hooks were loaded */
};

struct metrics_prog {
	char name[64];
	uint64_t run_time_ns, run_cnt;
};

struct metrics_model {
	const char *version;
	double last_sample_s; /* wall clock (Unix time) of the latest sample; 0: none yet */
	const struct metrics_pool *pools;
	size_t nr_pools;
	const struct metrics_cgroup *cgroups;
	size_t nr_cgroups;
	const struct metrics_failures *failures; /* rendered as given (see metrics_totals) */
	size_t nr_failures;
	uint32_t suspects[METRICS_CLASSES];
	uint64_t actions[METRICS_ACTIONS][OUTCOME_COUNT];
	uint64_t lost_events, missed_runs;
	const struct metrics_budget_refusal *budget_refusals; /* none: no family */
	size_t nr_budget_refusals;
	const struct metrics_pool *lifeline_pools; /* engaged now (used, capacity unused) */
	size_t nr_lifeline_pools;
	int bpf_stats_enabled; /* 1, 0, -1: unknown (the sysctl could not be read) */
	struct metrics_prog progs[METRICS_PROGS_MAX];
	size_t nr_progs;
};

/* The whole exposition text of @m into a new buffer (*@text, *@len,
 * NUL-terminated). 0 or -ENOMEM. */
int metrics_render(const struct metrics_model *m, char **text, size_t *len);

/* @v as a label value: cut to METRICS_LABEL_MAX bytes on a UTF-8 boundary,
 * invalid UTF-8 bytes as '?', then \\, \" and \n escaped. */
void metrics_write_label(FILE *f, const char *v);

/*
 * Failure counters that only grow over the daemon's life: the in-kernel
 * counts a sample reads may fall (an LRU entry evicted, a process gone), so
 * each cgroup's total grows by the rise of its reading since the previous
 * one. The first METRICS_TOP cgroups seen failing keep their own series for
 * good; later ones add to "other" (a cgroup's series never moves between
 * the two, so no series ever falls).
 */
struct metrics_totals_entry {
	uint64_t key; /* the caller's: a cgroup id */
	struct failure_counts last, total;
};

struct metrics_totals {
	struct metrics_failures rows[METRICS_TOP + 1]; /* the last one: "other" */
	uint64_t keys[METRICS_TOP];
	size_t nr_rows; /* admitted cgroups */
	struct metrics_totals_entry *seen; /* every cgroup's last reading */
	size_t nr_seen, cap_seen;
	bool other_used;
};

/* The reading @now of cgroup @key (named @name, its container's @names or
 * NULL). 0 or -ENOMEM (nothing counted). */
int metrics_totals_observe(struct metrics_totals *t, uint64_t key, const char *name,
			   const struct container_names *names, const struct failure_counts *now);
/* The rows to render: admitted cgroups, then "other" once it counted. */
size_t metrics_totals_rows(const struct metrics_totals *t, const struct metrics_failures **rows);
void metrics_totals_free(struct metrics_totals *t);

#endif /* PW_METRICS_TEXT_H */
