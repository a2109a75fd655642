// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// After a signal: did the target exit, were ports freed, how full is the pool now?
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "act/actuator.h"
#include "act/quarantine.h"
#include "core/log.h"
#include "guard/incident.h"
#include "guard/results.h"

/* A tracked process's entity, or for a cgroup target (tgid 0, the cgroup id
 * in start_time) one of its processes'. */
static const struct entity *entity_of(const struct guard *g, const struct tracked *t)
{
	if (t->tgid)
		return history_find_process(&g->m.history, t->tgid);
	for (size_t i = 0; i < g->m.history.nr; i++) {
		const struct entity *e = &g->m.history.items[i];

		if (e->key.kind == ENTITY_PROCESS && e->key.group.cgroup_id == t->start_time)
			return e;
	}
	return NULL;
}

/* The pool @t pressed on, as it is now; a pool nobody holds ports in any
 * more is absent from the snapshot: it is empty. */
static const struct snap_pool *pool_now(const struct guard *g, struct tracked *t)
{
	if (!t->has_pool)
		return NULL;
	for (size_t i = 0; i < g->m.snap.nr_pools; i++)
		if (pool_same(&g->m.snap.pools[i], &t->pool))
			return &g->m.snap.pools[i];
	t->pool.used = 0;
	t->pool.nr_top = 0;
	return &t->pool;
}

/* A process target's fate: exited (its pidfd says so; a process that was
 * gone before we could watch it counts as exited) or alive, with the
 * sockets it still holds (-1: unknown). */
static void process_fate(struct guard *g, const struct tracked *t, struct audit_record *r)
{
	const struct entity *e = entity_of(g, t);
	const struct snap_pool *pool;
	struct candidate c;

	r->exited = t->pidfd < 0 || pidfd_exited(t->pidfd);
	r->ports_held = 0; /* an exited process's sockets closed with it */
	if (r->exited)
		return;
	r->ports_held = -1;
	if (e && !candidate_build(&g->m, e, g->resolver, &c, &pool) &&
	    c.start_time == t->start_time)
		r->ports_held = (int32_t)c.ports_held;
}

/* After a signal: did it exit, were ports freed, how full is the pool now? */
static void report_result(struct guard *g, struct tracked *t)
{
	struct audit_record r = {.event = "result",
				 .pid = t->tgid,
				 .start_time = t->tgid ? t->start_time : 0, /* a cgroup's: its id */
				 .action = action_name(t->result_of),
				 .dry_run = g->ef.dry_run,
				 .comm = t->comm,
				 .cgroup = t->cgroup ? t->cgroup : "?",
				 .names = &t->names,
				 .cls = leak_class_name(t->class)};
	const char *sig = t->result_of == ACTION_KILL ? "SIGKILL" : "SIGTERM";
	char detail[64], outcome[96], incident[PATH_MAX];

	if (t->tgid) {
		process_fate(g, t, &r);
	} else {
		/* cgroup.events, not the snapshot: a dead closer's TIME_WAIT
		 * sockets keep its entry there for up to a minute */
		r.exited = t->cgroup && cgroup_populated(g->mounts.v2, t->cgroup) == 0;
		r.ports_held = -1;
	}
	r.pool = pool_now(g, t);
	r.scope = t->tgid ? "process" : "cgroup";
	/* its sockets close with it; ports in TIME_WAIT or FIN_WAIT drain
	 * within about a minute: the pool's fill says how far they got */
	if (t->tgid)
		r.reason = r.exited ? "exited" : "still running";
	else
		r.reason = r.exited ? "the cgroup's processes are gone" : "processes remain";
	/* the exit status of a process that is not our child cannot be read:
	 * name the last signal we sent, which is what it met */
	snprintf(detail, sizeof(detail), "%s %s", r.exited ? "after" : "despite", sig);
	r.detail = detail;
	/* written now, so that it holds the outcome */
	snprintf(outcome, sizeof(outcome), "%s (%s)", r.reason, detail);
	if (!guard_write_incident(g, t, outcome, incident, sizeof(incident)))
		r.incident = incident;
	audit_write(&g->audit, &r);
	t->result_due_ms = 0;
}

/*
 * A quarantine ends with its target. The hook refuses socket() to a tgid
 * (or a cgroup id) wherever it runs on the host, and the policy lifts it
 * only from a live process that stopped leaking: a process the ladder ended
 * never gets that decision, and its pid soon belongs to someone else (pids
 * wrap at pid_max, 32768 on many hosts), who would be refused, with the hook
 * left attached to every socket() for good and the map (1024 entries)
 * filling up. Lifted once the target's pidfd says it exited (pids are
 * handed out in turn: none comes back within a step), else when it leaves
 * the history.
 */
static void lift_gone(struct guard *g, struct tracked *t)
{
	int err;

	if (!t->th.quarantined_ms || g->ef.dry_run || !g->ef.quarantine)
		return;
	err = t->tgid ? quarantine_process(g->ef.quarantine, t->tgid, false)
		      : quarantine_cgroup(g->ef.quarantine, t->start_time, false);
	if (err)
		pr_warn("failed to lift the quarantine of %s %llu, which is gone: %s\n",
			t->tgid ? "pid" : "cgroup",
			(unsigned long long)(t->tgid ? t->tgid : t->start_time), strerror(-err));
	t->th.quarantined_ms = 0;
}

/* Report due results, lift the quarantines of processes that exited, and
 * forget targets that left the history (the breakers keep their own memory
 * of workloads). */
void guard_report_results(struct guard *g)
{
	for (size_t i = 0; i < TARGETS_MAX; i++) {
		struct tracked *t = &g->targets.items[i];

		if (t->in_use && t->result_due_ms && g->m.now_ms >= t->result_due_ms)
			report_result(g, t);
		if (t->in_use && t->tgid && t->pidfd >= 0 && pidfd_exited(t->pidfd))
			lift_gone(g, t);
		if (t->in_use && !t->result_due_ms && !entity_of(g, t)) {
			lift_gone(g, t);
			targets_drop(t);
		}
	}
}
