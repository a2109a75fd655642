/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The processes and cgroups the guard judged: where each stands on its
 * ladder, what was logged of it, and the result due after a signal. */
#ifndef PW_TARGETS_H
#define PW_TARGETS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/classify.h"
#include "core/policy.h"
#include "core/snapshot.h"
#include "guard/candidates.h"

#define TARGETS_MAX 1024

/* A process (or a cgroup: tgid 0, its cgroup2 id in start_time) the guard judged: its ladder position and what was logged. */
struct tracked {
	uint32_t tgid;
	uint64_t start_time;
	struct target_history th;
	enum action logged_action; /* dedupes suspect lines: log on change only */
	const char *logged_reason;
	/* the latest decision logged of it (suspect or action), for /suspects */
	const char *last_reason;
	char last_detail[256];
	uint64_t result_due_ms; /* 0: no result pending */
	enum action result_of;
	struct snap_pool pool; /* the pool it pressed on when acted on */
	bool has_pool;
	char comm[PW_COMM_LEN]; /* for results after it is gone */
	int pidfd;     /* after a signal to a process: tells its exit for sure; -1: none */
	char *cgroup; /* its cgroup path, whole (heap), for the result; NULL before */
	struct container_names names; /* its container's, for the result: "" when none */
	enum leak_class class;
	uint64_t quarantined_at_ms; /* kept after the quarantine is lifted: incidents */
	bool in_use;
};

struct targets {
	struct tracked items[TARGETS_MAX];
};

/* The tracked entry of a process (@tgid, @start), or of a cgroup (tgid 0,
 * @start = its cgroup2 id: cgroup-scope ladders are the cgroup's, not each
 * of its processes'). Created when new; NULL when full. */
struct tracked *targets_get(struct targets *ts, uint32_t tgid, uint64_t start);
/* The tracked entry of (@tgid, @start), NULL when none: nothing created. */
struct tracked *targets_find(struct targets *ts, uint32_t tgid, uint64_t start);
/* Forget @t, closing its pidfd. */
void targets_drop(struct tracked *t);

/* A pidfd on the process just quarantined or signalled, to read its fate
 * from later (and lift its quarantine when it exits): the history only says
 * it stopped holding sockets, which an exit, a close of everything, or a
 * missed sample would all look like. */
void tracked_watch_exit(struct tracked *t, const struct candidate *c);

/*
 * Fail closed: a decision to act (quarantine, signal, cgroup.kill) on @c
 * whose cgroup is alive but could not be named (c->cgroup_err other than
 * -ENOENT: a path past PW_CGROUP_PATH_MAX, EMFILE, ENOMEM) becomes an alert
 * saying why: [protect] and [cgroup "GLOB"] rules could not be checked.
 * Returns true when it held off. Pure.
 */
bool guard_hold_off(const struct candidate *c, struct decision *dec);

#endif /* PW_TARGETS_H */
