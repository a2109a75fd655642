/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The `top` model: an immutable frame built purely (no I/O, clock or
 * terminal) from the monitor's history, snapshot and counters, filtered,
 * sorted and laid out as asked, so that the screen, batch frames and unit
 * tests all see the same.
 */
#ifndef PW_TOP_MODEL_H
#define PW_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "core/activity.h"
#include "core/classify.h"
#include "core/history.h"
#include "core/snapshot.h"
#include "core/labels.h"
#include "core/pool_trend.h"
#include "core/snapshot_json.h"
#include "core/sock_ages.h"

#define TOP_FILTER_LEN	   64
#define TOP_POOL_WHERE_LEN 112
/* Fill readings a pool keeps for its history chart: 2 minutes at 1 s. */
#define TOP_POOL_HISTORY 120

/* Table columns, left to right; each can be the sort key. */
enum top_column {
	TOP_COL_PID = 0,     /* processes: pid; cgroups sort by cgroup id (creation order) */
	TOP_COL_PORTS,	     /* sockets holding a local port, every state */
	TOP_COL_ESTABLISHED, /* ESTABLISHED and SYN-RECV */
	TOP_COL_TIME_WAIT,
	TOP_COL_CLOSE_WAIT,
	TOP_COL_UDP,
	TOP_COL_OTHER,	  /* LISTEN, SYN-SENT, FIN-WAIT, LAST-ACK, bound */
	TOP_COL_GROWTH,	  /* held ports per second over the classifier's window */
	TOP_COL_FAILURES, /* failed port allocations suffered since top started */
	TOP_COL_CLASS,	  /* leak class; suspects first */
	TOP_COL_NAME,	  /* comm, or cgroup path */
	TOP_COL_NR,
};

const char *top_column_name(enum top_column c); /* "PID", "PORTS", ... */

/* The allocation failures the kernel counts, by errno. */
enum top_errno { TOP_EADDRNOTAVAIL = 0, TOP_EADDRINUSE, TOP_EAGAIN, TOP_ERRNO_NR };

const char *top_errno_name(enum top_errno e); /* "EADDRNOTAVAIL", ... */

/* What the user asked to see. Owned by the command, changed by keys. */
struct top_query {
	enum top_column sort;
	bool reverse;		     /* against the column's natural order */
	bool flat;		     /* processes only, not under their cgroup */
	bool expand_all;	     /* every cgroup shows its processes (batch frames) */
	char filter[TOP_FILTER_LEN]; /* case-insensitive substring of the shown names; "" all */
	const struct group_key *expanded; /* cgroups showing their processes */
	size_t nr_expanded;
};

/* Cumulative counters, read at each step: rates are differences of two. */
struct top_counters {
	uint64_t t_ms;	 /* when, on the monitor's clock */
	uint64_t events; /* opens, closes and failures the hooks counted */
	uint64_t failures[TOP_ERRNO_NR];
	/* attached: the daemon's refusals (would-be ones in a dry run) since it
	 * loaded its hooks, and which daemon counted them (its pid; 0: none) */
	uint32_t daemon_pid;
	uint64_t budget_refused, lifeline_refused;
};

/* Sum the activity table (every cgroup and process) at @t_ms. */
void top_counters_read(const struct activity_table *a, uint64_t t_ms, struct top_counters *out);
/* Attached: the daemon's refusal totals into @c. @d NULL: none. */
void top_counters_daemon(const struct daemon_state *d, struct top_counters *c);

/* Per second between two readings @before and @now of a cumulative counter
 * over @ms: 0 when it went back (its counter was reset) or @ms is 0. */
double top_rate(uint64_t before, uint64_t now, uint64_t ms);

/* Refusals per second, budget's and lifeline's, between two readings of
 * the daemon's totals: 0 before there are two, and across a daemon's
 * restart (another pid: its counts start again from 0, in an interval
 * top cannot know), never negative. */
struct top_refusal_rates {
	double budget, lifeline;
};
struct top_refusal_rates top_refusal_rates(const struct top_counters *before,
					   const struct top_counters *now);

/* A process signalled from the screen, for its mark. */
struct top_acted {
	uint32_t tgid;
	struct group_key group;
};

/* Everything a frame is built from; read only, never kept by the model
 * except @labels, which must outlive it. */
struct top_input {
	const struct history *history;
	const struct snapshot *snap;
	const struct labels *labels;	 /* every group key of @history resolved */
	uint64_t sample_ms;		 /* t_ms of the latest samples: older entities left */
	struct top_counters now, before; /* before.t_ms >= now.t_ms: no rates yet */
	time_t wall_time;
	uint64_t lost_events;
	uint64_t missed_runs;
	const char *hooks; /* the tracer's mode: "fexit", "state", "syscall" */
	uint32_t actions;  /* signals sent from the screen */
	const struct top_acted *acted;
	size_t nr_acted;
	/* attached to run's socket: the classes and actions shown are the
	 * daemon's (a row it has none for has no class), and @mode says so */
	const struct daemon_state *daemon;
	const char *mode; /* NULL: "dry run" (top acts only when the user kills) */
	/* the classifier's criteria, for the class a growing row is heading to
	 * before it is named (pending.h); NULL: none shown */
	const struct classify_params *params;
	const struct pool_trends *pool_trends; /* each pool's readings; NULL: no history */
	uint32_t horizon_s; /* run's horizon: a pool out sooner is urgent (0: none is) */
	/* when each socket of @snap held through a file was first seen, on
	 * @sample_ms's clock; NULL: not tracked (no ages shown) */
	const struct sock_ages *sock_ages;
};

/* How soon a pool runs out against run's horizon. */
enum top_urgency {
	TOP_URGENCY_NONE = 0, /* not within twice the horizon, or not filling */
	TOP_URGENCY_SOON,     /* within twice the horizon: yellow */
	TOP_URGENCY_NOW,      /* within the horizon (run acts): red */
};

/* @seconds_left against @horizon_s. */
enum top_urgency top_urgency_of(double seconds_left, uint32_t horizon_s);

/* Attached: one of the daemon's suspects whose ladder acted (or would have). */
#define TOP_EVENTS 5
struct top_event {
	uint32_t tgid; /* 0: a cgroup's ladder */
	uint64_t cgroup_id;
	char comm[PW_COMM_LEN]; /* raw: escape before showing; "" unknown */
	enum leak_class class;
	char action[16]; /* "quarantine", "term", "kill", "would_kill", ... */
};

struct top_pool {
	enum pool_kind kind;
	uint32_t netns;
	char where[TOP_POOL_WHERE_LEN]; /* tcp-connect: "LOCAL -> REMOTE:PORT"; else "" */
	uint32_t used, capacity;
	bool capacity_known;
	double fill; /* used / capacity; 0 when the capacity is unknown */
	double seconds_left; /* forecast to exhaustion (pool_seconds_left); INFINITY: none */
	enum top_urgency urgency;
	/* its fill over the last readings, oldest first (capacity known only) */
	float history[TOP_POOL_HISTORY];
	uint32_t nr_history;
	uint32_t history_s; /* from the first of them to the last */
};

/* What a row shows, cgroup or process alike (so one comparator serves both). */
struct top_stats {
	uint32_t ports, established, time_wait, close_wait, udp, other;
	double growth_per_s;
	uint64_t failures;
	enum leak_class class;
	enum leak_class pending; /* no class yet, but the samples so far show this one */
	uint32_t pending_s;	 /* ... over this many seconds of growth */
	bool suspect; /* a class is in force (for a cgroup: its own or a process's) */
	bool acted;   /* signalled from the screen, or quarantined or signalled by the
		       * daemon top is attached to (for a cgroup: one of its processes) */
};

struct top_group {
	struct group_key key;
	const struct group_label *label; /* raw path and container: escape before showing */
	const struct daemon_budget *budget; /* attached: its port budget; NULL: none */
	struct top_stats stats;
	uint32_t nr_processes; /* all of them, before the filter */
	bool expanded;	       /* its processes are among the lines */
	size_t first, nr;      /* its shown processes in model.processes (tree view) */
};

struct top_process {
	uint32_t tgid;
	char comm[PW_COMM_LEN]; /* raw: escape before showing */
	size_t group;		     /* index into model.groups */
	struct top_stats stats;
};

enum top_line_kind { TOP_LINE_GROUP = 1, TOP_LINE_PROCESS };

/* One line of the table: a cgroup row or a process row. */
struct top_line {
	enum top_line_kind kind;
	size_t index; /* into model.groups or model.processes */
};

struct top_model {
	struct top_query query; /* as built; query.expanded is not kept (NULL) */
	/* header */
	time_t wall_time;
	uint64_t uptime_ms;
	const char *mode; /* "dry run": top acts only when the user kills */
	const char *hooks;
	struct top_pool *pools; /* soonest out first when any is forecast; else fullest first */
	size_t nr_pools;
	struct top_counters counters;
	double failures_per_s[TOP_ERRNO_NR];
	double events_per_s;
	/* attached to a daemon that serves its budgets: the refusals line */
	bool refusals_shown;
	bool refusals_dry; /* the daemon's dry run: would-be refusals */
	struct top_refusal_rates refused_per_s;
	uint64_t lost_events;
	uint64_t missed_runs;
	uint32_t actions;
	uint32_t horizon_s;
	bool attached;			     /* the events below are the daemon's */
	struct top_event events[TOP_EVENTS]; /* the daemon's suspects with an action */
	size_t nr_events, total_events;
	const struct daemon_state *daemon; /* attached: for its lifeline; else NULL */
	/* table */
	struct top_group *groups;	/* shown cgroups, sorted */
	size_t nr_groups, total_groups; /* shown, and before the filter */
	struct top_process *processes;	/* shown: by cgroup (tree view), or sorted (flat) */
	size_t nr_processes, total_processes;
	struct top_line *lines; /* what the table shows, top to bottom */
	size_t nr_lines;
};

/* Build @m from @in as @q asks. Returns 0 or -ENOMEM (@m is then empty). */
int top_model_build(const struct top_input *in, const struct top_query *q, struct top_model *m);
void top_model_free(struct top_model *m);

/* The cgroup a line belongs to (itself for a cgroup line). */
const struct top_group *top_line_group(const struct top_model *m, const struct top_line *l);
/* The stats a line shows. */
const struct top_stats *top_line_stats(const struct top_model *m, const struct top_line *l);

#endif /* PW_TOP_MODEL_H */
