/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The monitoring loop every long-running command shares: each step takes a
 * snapshot, reads the activity counters, appends one sample per cgroup and
 * process to their history and classifies them.
 */
#ifndef PW_MONITOR_H
#define PW_MONITOR_H

#include "core/activity.h"
#include "core/classify.h"
#include "core/clock.h"
#include "core/history.h"
#include "core/forgotten.h"
#include "core/pool_trend.h"
#include "core/snapshot.h"
#include "kernel/collector.h"
#include "kernel/events.h"
#include "kernel/loader.h"

#define MONITOR_RECENT_FAILURES 32

struct monitor_config {
	enum trace_mode mode;
	uint32_t interval_ms; /* between steps */
	struct classify_params params;
	bool rescue_on_miss; /* struct tracer_config's */
};

struct monitor {
	struct monitor_config cfg;
	struct tracer tracer;
	struct collector collector;
	struct event_reader *reader;
	struct activity_table activity;
	struct history history;
	struct snapshot snap; /* the latest step's */
	struct pool_trends pool_trends; /* how fast each pool fills */
	uint64_t start_ms, now_ms;
	uint64_t steps;
	uint64_t failure_events; /* failed allocations seen on the event path */
	/* the latest failures, oldest first, for evidence in reports */
	struct pw_event recent[MONITOR_RECENT_FAILURES];
	size_t nr_recent;
	struct forgotten forgotten; /* expired entities whose failures stay counted */
};

/* Load everything. Returns 0, -ENOENT when the host has no cgroup2 mount
 * (the user's to fix: monitor_open_status() maps it), or another -errno,
 * after saying what failed. */
int monitor_open(struct monitor *m, const struct monitor_config *cfg);
void monitor_close(struct monitor *m);

/* Without programs: the snapshots come from elsewhere (top attached to
 * run's socket) through monitor_step_snapshot(). 0 or -ENOMEM. The
 * tracer's figures (lost events, missed runs) are not there to read. */
int monitor_open_attached(struct monitor *m, const struct monitor_config *cfg);

/* One step on @snap, taken over (emptied; the monitor frees it): its
 * cgroups and processes sampled into the history and classified, with no
 * activity counters. Returns 0 or -errno. */
int monitor_step_snapshot(struct monitor *m, struct snapshot *snap);

/* One step: collect, aggregate, classify. Returns 0 or -errno. */
int monitor_step(struct monitor *m);

/* A new interval or classification (a reloaded configuration): the history
 * is resized to hold the new window. 0, or -ENOMEM with nothing changed. */
int monitor_reconfigure(struct monitor *m, uint32_t interval_ms,
			const struct classify_params *params);

/* A fresh snapshot only (m->snap), without a history sample: the re-check
 * right before an action. Entity pointers stay valid. Returns 0 or -errno. */
int monitor_refresh(struct monitor *m);


#endif /* PW_MONITOR_H */
