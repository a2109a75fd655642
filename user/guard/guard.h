/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The guard `portwarden run` keeps: each step it judges every suspect the
 * monitor shows and acts on the policy's decision (guard/judge.c), reports
 * the results of its signals (guard/results.c), and between steps watches
 * the counters for surges. The command (cmd/run.c) owns its life: config,
 * signals, the loop.
 */
#ifndef PW_GUARD_H
#define PW_GUARD_H

#include <stdint.h>
#include "act/budget.h"
#include "act/enforce.h"
#include "act/quarantine.h"
#include "act/reclaim.h"
#include "core/activity.h"
#include "core/budget.h"
#include "core/config.h"
#include "core/hog.h"
#include "core/lifeline.h"
#include "core/policy.h"
#include "core/said_every.h"
#include "core/surge.h"
#include "guard/refusals.h"
#include "guard/targets.h"
#include "host/cgroups.h"
#include "host/incident_dir.h"
#include "views/audit.h"
#include "views/metrics_text.h"
#include "watch/monitor.h"

#define GUARD_BUDGETS_MAX 512 /* cgroups with a budget */

struct guard {
	struct daemon_config cfg;
	struct monitor m;	/* read here, changed only through monitor_*() */
	struct hog_watch hogs;	/* full pools failing for others */
	struct audit audit;
	struct cgroup_mounts mounts;
	struct cgroup_resolver *resolver;
	struct enforcer ef;
	struct quarantine quarantine; /* the hook ef arms */
	struct reclaimer reclaimer;   /* the iterator ef runs for the reclaim rung */
	struct budget_hooks budget;   /* skel NULL: no ports_max yet, or refused */
	bool budget_tried;	      /* budget_open was called */
	uint64_t budget_seen[GUARD_BUDGETS_MAX]; /* given a budget this step */
	size_t nr_budget_seen;
	size_t nr_budget_over;   /* matching cgroups past GUARD_BUDGETS_MAX this step: no budget */
	size_t nr_budget_over_said; /* the count last warned about */
	uint64_t budget_before_ids[GUARD_BUDGETS_MAX]; /* kernel counts before the snapshot */
	struct budget_count budget_before[GUARD_BUDGETS_MAX];
	size_t nr_budget_before;
	uint64_t budget_prev_ids[GUARD_BUDGETS_MAX]; /* the previous sample's counts */
	struct budget_sample budget_prev[GUARD_BUDGETS_MAX];
	size_t nr_budget_prev;
	struct guard_refusals refusals; /* the hooks' refusals, logged and kept */
	struct lifeline_state lifeline; /* pools engaged at the latest step */
	uint64_t lifeline_full, lifeline_full_said; /* protections the maps refused */
	size_t lifeline_over_said;
	struct breaker_state breakers;
	struct cgroup_target scope;    /* --cgroup, resolved; path "" when absent */
	uint64_t lost_reported;	       /* lost events already warned about */
	uint64_t missed_reported;      /* missed program runs already warned about */
	uint64_t dropped_reported;     /* activity counts dropped, already warned about */
	struct said_every evictions_said; /* activity entries evicted, as last warned about */
	uint64_t activity_inserts;     /* entries made before this step read the map */
	uint64_t failed_samples;       /* steps (and surge snapshots) failed in a row */
	int first_sample_err;          /* the first of those failures' error */
	struct activity_table watched; /* the latest read of the counters between steps */
	struct surge_table surges;     /* the fast-leak trigger, per process */
	uint64_t surge_check_ms;       /* the latest out-of-step snapshot for a surge */
	struct targets targets;
	struct incident_dir incidents; /* !open: none */
	uint64_t incident_errors;      /* incident reports that could not be written */
	/* the metrics' life totals (guard/metrics.c) */
	uint64_t actions[METRICS_ACTIONS][OUTCOME_COUNT];
	struct metrics_totals failure_totals;
};

/* One step: sample, judge, act, report results, warn of losses. */
void guard_step(struct guard *g);

/* Between steps: read the counters; a process that just began to surge is
 * judged at once on a fresh snapshot. */
void guard_watch(struct guard *g);

/* Take @fresh (a reloaded file). 0, or -ENOMEM with nothing changed. */
int guard_reconfigure(struct guard *g, const struct daemon_config *fresh);

/* Free what the guard holds (the monitor included). */
void guard_free(struct guard *g);

#endif /* PW_GUARD_H */
