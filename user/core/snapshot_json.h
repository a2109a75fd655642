/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The documents of run's socket read back (json-c), for `top` attached to
 * the daemon: /snapshot into a struct snapshot, so that top's pipeline
 * (history, model, views) runs unchanged on the daemon's samples, and
 * /suspects into the classes and actions the daemon holds. Pure: text in,
 * structures out; the text is the daemon's, but is checked as if hostile
 * (types, ranges, sizes), and fuzzed (tests/fuzz/fuzz_snapshot_json.c).
 *
 * The document's "time" is kept in time_s; a process's start_time is 0 when
 * it is null or absent (a daemon older than the field).
 * What the snapshot document does not carry is left zero: the sockets (it
 * lists none), a pool's growth, and a process's cgroup ids, which are
 * found by its cgroup's path among the document's cgroups (the first of
 * that path; none: the root's). Names with bytes that are not UTF-8 come
 * back as their Latin-1 reading (the writer's \u00XX).
 */
#ifndef PW_SNAPSHOT_JSON_H
#define PW_SNAPSHOT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/classify.h"
#include "core/snapshot.h"

#define SNAPSHOT_JSON_MAX_ITEMS 1000000 /* rows per table: more is refused */

/* @text (@len bytes) into @snap. 0, or -EINVAL (@err says where) or -ENOMEM,
 * with @snap empty. */
int snapshot_from_json(const char *text, size_t len, struct snapshot *snap, char *err,
		       size_t err_len);

/* One row of /suspects: a process (tgid) or a cgroup ladder (tgid 0). */
struct daemon_suspect {
	uint32_t tgid;
	uint64_t start_time; /* of the process (clock ticks after boot); 0: unknown */
	uint64_t cgroup_id;
	enum leak_class class;
	char last_action[16]; /* "" when it has none: "quarantine", "term", ... */
	/* its latest decision logged ("protected", "exe /usr/sbin/sshd matches
	 * '*\/sshd'"), as the daemon wrote it (unescaped); "" when none */
	char reason[48];
	char detail[256];
};

#define DAEMON_LIFELINE_MAX 4 /* engaged pools named; the rest counted */

/* The errnos a refusal is counted by, in top_errno's order. */
enum daemon_errno { DAEMON_EADDRNOTAVAIL = 0, DAEMON_EADDRINUSE, DAEMON_EAGAIN, DAEMON_ERRNO_NR };

/* A cgroup with a port budget: the kernel's counts, since the daemon
 * loaded its hooks (a dry run counts what it would have refused). */
struct daemon_budget {
	uint64_t cgroup_id;
	uint32_t ports_max;
	int64_t held; /* the kernel's count */
	bool dry_run;
	uint64_t refused; /* every errno */
	uint64_t refused_errno[DAEMON_ERRNO_NR];
	uint64_t lifeline_refused; /* refused by the lifeline, not its budget */
};

/* A cgroup the lifeline refused (whether or not it has a budget). */
struct daemon_lifeline_refusal {
	uint64_t cgroup_id;
	uint64_t refused;
};

struct daemon_state {
	uint32_t pid; /* the daemon's */
	bool dry_run;
	uint32_t interval_ms;
	uint32_t horizon_s; /* [policy]'s horizon; 0: the daemon did not say (older) */
	/* pools past the lifeline (none from a daemon older than it), named */
	char lifeline[DAEMON_LIFELINE_MAX][128];
	size_t nr_lifeline, lifeline_total;
	struct daemon_suspect *items;
	size_t nr;
	/* budgets and refusals (all zero from a daemon older than them) */
	bool budgets_served; /* the document has them */
	bool refusal_hooks;  /* the hooks are attached: refusals are counted */
	uint64_t budget_refused, lifeline_refused; /* totals, every cgroup */
	struct daemon_budget *budgets;
	size_t nr_budgets;
	struct daemon_lifeline_refusal *lifeline_refusals;
	size_t nr_lifeline_refusals;
};

/* @text into @d. 0, -EINVAL (@err says where) or -ENOMEM, with @d empty. */
int suspects_from_json(const char *text, size_t len, struct daemon_state *d, char *err,
		       size_t err_len);
void daemon_state_free(struct daemon_state *d);

/* The row of process @tgid started at @start_time (0, or a row's 0:
 * unknown, matches any: a pid reused leaves the old process's row under the
 * same pid), else of the cgroup ladder of @cgroup_id, or NULL. */
const struct daemon_suspect *daemon_state_find(const struct daemon_state *d, uint32_t tgid,
					       uint64_t start_time, uint64_t cgroup_id);

/* The budget of cgroup @cgroup_id, or NULL (none, or not attached: @d NULL). */
const struct daemon_budget *daemon_budget_find(const struct daemon_state *d, uint64_t cgroup_id);
/* The lifeline's refusals in cgroup @cgroup_id so far (0: none, or unknown). */
uint64_t daemon_lifeline_refused(const struct daemon_state *d, uint64_t cgroup_id);

#endif /* PW_SNAPSHOT_JSON_H */
