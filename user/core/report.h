/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The leak report's model: per container (cgroup) what it holds, its class,
 * its suspects (hogs) and, apart, the victims that suffer failures. */
#ifndef PW_REPORT_H
#define PW_REPORT_H

#include "core/classify.h"
#include "core/history.h"
#include "core/pool_trend.h"
#include "core/refusals.h"
#include "core/snapshot.h"

#define REPORT_JSON_VERSION 1

struct report_process {
	uint32_t tgid;
	char comm[PW_COMM_LEN];
	struct group_key group;
	enum leak_class class;	/* the first class it entered during the run */
	struct verdict verdict; /* at the end of the run */
	struct state_counts held_now;
	uint32_t held_peak;
	uint64_t failures; /* failed allocations suffered during the run */
	struct failure_counts failures_by_errno;
	const struct entity *entity; /* its samples (report.history), for charts */
};

struct report_container {
	struct group_key key;
	enum leak_class class;
	struct verdict verdict;
	struct state_counts held_now;
	uint32_t held_peak;
	uint64_t failures;
	struct failure_counts failures_by_errno;
	size_t first_suspect, nr_suspects; /* a range of report.suspects */
	const struct entity *entity;	   /* its samples (report.history), for charts */
};

/* An action the guard took, for incident reports: drawn on the charts. */
struct report_action {
	uint64_t t_ms; /* the samples' clock */
	uint32_t tgid; /* 0: the whole cgroup */
	struct group_key group;
	char comm[PW_COMM_LEN];
	const char *action;  /* action_name() */
	const char *outcome; /* the result, NULL while none is known */
};

struct report {
	uint64_t duration_ms, interval_ms, steps;
	/* what a leak was judged on: shorter than the defaults when the report
	 * watched less than they need (classify_fit): less sure */
	uint64_t window_ms, breaches_to_enter;
	uint64_t lost_events; /* failure events the ring buffer dropped (counters are exact) */
	uint64_t missed_runs; /* runs of our programs the kernel skipped (recursion) */
	struct report_container *containers; /* suspects first, then by sockets held */
	size_t nr_containers;
	struct report_process *suspects; /* grouped by container, in container order */
	size_t nr_suspects;
	struct report_process *victims; /* processes that suffered failures, most first */
	size_t nr_victims;
	const struct snapshot *last; /* pools and holders at the end */
	/* for charts over time, valid while the history is unchanged */
	const struct history *history;
	uint64_t since_ms; /* the samples' clock: where the report begins */
	/* set by the caller when it has them: pools' fill over time (their
	 * clock is monotonic_ms; pool_clock_base_ms is the samples' 0) */
	const struct pool_trends *pool_trends;
	uint64_t pool_clock_base_ms;
	const struct report_action *actions;
	size_t nr_actions;
	/* the budget and lifeline hooks' refusals in the report's window (the
	 * daemon's, refusals_since()); freed with the report. refusals_none
	 * says why there are none to show (NULL: they are shown, maybe none) */
	struct refusal_summary refusals;
	uint64_t refusals_unkeyed; /* since the hooks loaded: not counted by key (table full) */
	const char *refusals_none;
};

/* Build @r from a history of samples and the last snapshot. Pure.
 * Returns 0 or -ENOMEM. */
int report_build(const struct history *h, const struct snapshot *last, struct report *r);
/* The same over the entities seen at or after @since_ms (the samples'
 * clock): run's /report?seconds=N over the daemon's history. Classes,
 * peaks and failure counts stay those of the daemon's whole watch; with
 * @early, a class named early and latched (a fast leak, a hog: what the
 * daemon acts on) counts when the series has named none yet. */
int report_build_since(const struct history *h, const struct snapshot *last, uint64_t since_ms,
		       bool early, struct report *r);
/* Frees what the report holds, its refusals included. */
void report_free(struct report *r);

#endif /* PW_REPORT_H */
