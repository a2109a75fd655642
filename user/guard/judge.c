// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Judging one suspect: build its case, ask the policy, re-check, act, log.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "act/actuator.h"
#include "core/latch.h"
#include "core/log.h"
#include "guard/judge.h"
#include "guard/metrics.h"
#include "host/procfs.h"

bool guard_in_scope(const struct guard *g, const char *cgroup, bool is_v2)
{
	const char *scope = g->scope.path;
	size_t n;

	if (!scope[0])
		return true;
	n = strlen(scope);
	while (n > 1 && scope[n - 1] == '/')
		n--;
	return is_v2 && !strncmp(cgroup, scope, n) &&
	       (n == 1 || cgroup[n] == '/' || cgroup[n] == '\0');
}

const struct surge_entry *guard_surging(const struct guard *g, uint32_t tgid)
{
	const struct surge_entry *s = surge_find(&g->surges, tgid);

	return s && s->st.tripped ? s : NULL;
}

/* Would a cgroup-wide action hit a protected process sharing the cgroup?
 * Protections are checked per process; cgroup.kill would not ask. The pid
 * of one such process, or 0. A process whose cgroup cannot be read (too
 * long for /proc, EMFILE) counts as protected: it may be. */
static uint32_t cgroup_has_protected(const struct guard *g, const struct group_key *group)
{
	for (size_t i = 0; i < g->m.snap.nr_processes; i++) {
		const struct snap_process *p = &g->m.snap.processes[i];
		char exe[PATH_MAX] = "", cgroup[PATH_MAX] = "";
		int err;

		if (!group_key_same(&p->group, group))
			continue;
		procfs_pid_exe((pid_t)p->tgid, exe, sizeof(exe));
		err = procfs_pid_cgroup((pid_t)p->tgid, "", cgroup, sizeof(cgroup));
		if ((err && err != -ENOENT && err != -ESRCH) ||
		    policy_protected(&g->cfg.protect, p->comm, exe, cgroup))
			return p->tgid;
	}
	return 0;
}

static const char *audit_action(enum action a, bool dry_run)
{
	if (dry_run && a == ACTION_RECLAIM)
		return "would_reclaim";
	if (dry_run && (a == ACTION_QUARANTINE || a == ACTION_TERM || a == ACTION_KILL))
		return "would_kill";
	return action_name(a);
}

/* The audit record of decision @dec on @c, with its @detail. */
static struct audit_record decision_record(const struct guard *g, const char *event,
					   const struct candidate *c, const struct snap_pool *pool,
					   const struct decision *dec, const char *action,
					   const char *detail, const struct state_counts *ev)
{
	return (struct audit_record){
		.event = event,
		.action = action,
		.pid = c->tgid,
		.start_time = c->start_time,
		.comm = c->comm,
		.cgroup = c->cgroup,
		.names = &c->names,
		.cls = leak_class_name(c->class),
		.ports_held = (int32_t)c->ports_held,
		.pool = pool,
		.reason = dec->reason,
		.detail = detail,
		.scope = scope_name(dec->scope),
		.dry_run = g->ef.dry_run,
		.states = ev,
		.exited = -1,
	};
}

static void log_decision(struct guard *g, const char *event, const struct candidate *c,
			 const struct snap_pool *pool, const struct decision *dec,
			 const char *action, const char *detail, const struct state_counts *ev)
{
	struct audit_record r = decision_record(g, event, c, pool, dec, action, detail, ev);

	audit_write(&g->audit, &r);
}

/* An action record with what a reclaim destroyed (or would). */
static void log_reclaim(struct guard *g, const struct candidate *c, const struct snap_pool *pool,
			const struct decision *dec, const char *what, const struct state_counts *ev,
			const struct reclaim_counts *rc)
{
	struct audit_record r = decision_record(
		g, "action", c, pool, dec, audit_action(ACTION_RECLAIM, g->ef.dry_run), what, ev);

	r.reclaim = rc;
	audit_write(&g->audit, &r);
}

/* Has this target's ladder started, and not ended (by a release)? */
static bool ladder_running(const struct target_history *th)
{
	return th->last >= ACTION_QUARANTINE && th->last <= ACTION_KILL;
}

/* Has the ladder of @e's cgroup (as a whole) started? Then each of its
 * processes is judged as the cgroup until it ends: a ladder once started is
 * finished, and a class latched per process must not send it back to the
 * process, whose own quarantine never began. */
static bool cgroup_ladder_running(struct guard *g, const struct entity *e)
{
	const struct tracked *t = targets_find(&g->targets, 0, e->key.group.cgroup_id);

	return t && ladder_running(&t->th);
}

/* candidate_build(), and while the counters show @e surging, the held ports
 * of the current snapshot judged since the surge began (the evidence); as
 * the cgroup (candidate_as_cgroup) when @as_cgroup or its ladder runs. */
static int build(struct guard *g, const struct entity *e, bool as_cgroup, struct candidate *c,
		 const struct snap_pool **pool)
{
	const struct surge_entry *s;
	struct verdict v;
	int err = candidate_build(&g->m, e, g->resolver, c, pool);

	if (err)
		return err;
	candidate_heed_pressure(&g->m, e, *pool, c);
	candidate_heed_group(&g->m, e, *pool, c);
	if ((s = guard_surging(g, e->key.tgid))) {
		candidate_surge(&g->m, e, s->st.surge_ms, &v);
		candidate_heed_surge(c, &v, *pool);
	}
	if (as_cgroup || cgroup_ladder_running(g, e))
		candidate_as_cgroup(&g->m, e, *pool, c);
	return 0;
}

/* A reclaimed process that holds no socket is absent from the snapshot, and
 * candidate_build() then falls back on its last sample (its history gets no
 * new one): the pile it held before the reclaim, growing, judged "reclaim
 * did not help". Absent from a fresh snapshot after a reclaim, it holds
 * nothing and leaks nothing: its quarantine is released, the ladder ends.
 * @group: a cgroup-scope ladder's, which must be absent as a whole. */
static void heed_reclaim(const struct guard *g, const struct target_history *th,
			 const struct group_key *group, struct candidate *c)
{
	bool present = false;

	if (!th->reclaimed)
		return;
	for (size_t i = 0; group && i < g->m.snap.nr_groups && !present; i++)
		present = group_key_same(&g->m.snap.groups[i].key, group);
	if (present || (!group && snapshot_find_process(&g->m.snap, c->tgid)))
		return;
	c->cgroup_ports_held = 0;
	c->class = LEAK_NONE;
	c->ports_held = 0;
	c->growth_per_s = 0;
	c->pool_share = 0;
}

/* The override for @c by its cgroup and its container's names, and the
 * section its unknown names could not tell (config_policy_select). */
static const struct policy_params *policy_for(const struct guard *g, const struct candidate *c,
					      const struct cgroup_override **untold)
{
	struct policy_subject s = {
		.cgroup = c->cgroup, .names = &c->names, .names_unknown = c->names_unknown};

	return config_policy_select(&g->cfg, &s, untold);
}

/* Fail closed: an action on @c becomes an alert when a rule could not be
 * checked: its cgroup unnamed (guard_hold_off), or an override by names
 * that its unreadable names cannot tell (config_hold_off). */
static bool held_off(const struct guard *g, const struct candidate *c, struct decision *dec)
{
	const struct cgroup_override *untold;

	policy_for(g, c, &untold);
	return guard_hold_off(c, dec) || config_hold_off(untold, dec);
}

/* The condition is checked again on fresh data right before acting: a
 * leaker that stopped, or a pool that drained, since the step is spared. */
static bool still_holds(struct guard *g, const struct entity *e, struct candidate *c,
			const struct snap_pool **pool, const struct policy_params *p,
			const struct target_history *th, struct decision *dec)
{
	struct decision again;

	if (monitor_refresh(&g->m) || build(g, e, dec->scope == SCOPE_CGROUP, c, pool))
		return false;
	heed_reclaim(g, th, dec->scope == SCOPE_CGROUP ? &e->key.group : NULL, c);
	again = policy_decide(c, th, p, &g->cfg.breakers, &g->breakers, &g->cfg.protect,
			      g->m.now_ms);
	held_off(g, c, &again);
	if (again.action != dec->action)
		return false;
	again.scope = dec->scope; /* the scope was settled by judge() (protected neighbours) */
	*dec = again;
	return true;
}

/* What /suspects says of @t's ladder: the latest decision logged. */
static void note_decision(struct tracked *t, const struct decision *dec, const char *detail)
{
	t->last_reason = dec->reason;
	snprintf(t->last_detail, sizeof(t->last_detail), "%s", detail ? detail : "");
}

/* The suspect's sockets by state, logged with an action as its evidence:
 * the re-check's snapshot, else its latest sample. */
static const struct state_counts *evidence(const struct guard *g, const struct entity *e)
{
	const struct snap_process *p = snapshot_find_process(&g->m.snap, e->key.tgid);

	return p ? &p->held : &history_latest(&g->m.history, e)->held;
}

/* Test only: PORTWARDEN_TEST_ACT_DELAY_MS holds the guard between the
 * decision (and its re-check) and the action, saying so on stderr, so that
 * a test can end the target (and reuse its pid) in between. */
static void test_only_delay_before_acting(const struct candidate *c)
{
	const char *v = getenv("PORTWARDEN_TEST_ACT_DELAY_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;

	if (ms <= 0 || ms > 60000)
		return;
	pr_warn("test hook: acting on pid %u in %ld ms\n", c->tgid, ms);
	usleep((useconds_t)ms * 1000);
}

/* The reclaim rung, from the re-check's snapshot. A dry run tells what the
 * rung would destroy wherever the ladder would have one, then goes on to
 * its would_kill as before. Returns false when the rung is skipped
 * (reclaim_rung_skipped(): reclaim = idle found nothing idle), said in a
 * suspect record: the ladder goes on to SIGTERM. */
static bool reclaim_step(struct guard *g, const struct entity *e, const struct candidate *c,
			 const struct snap_pool *pool, struct tracked *t, const struct decision *dec,
			 const struct policy_params *p, const struct state_counts *ev)
{
	struct decision rd = *dec;
	struct reclaim_counts rc;
	char what[232]; /* room for the prefix of a skipped rung in last_detail */
	int err;

	rd.action = ACTION_RECLAIM;
	err = enforcer_reclaim(&g->ef, &g->m.snap, c, &e->key.group, &rd, p->reclaim,
			       p->reclaim_idle_s, &rc, what, sizeof(what));
	if (!err && reclaim_rung_skipped(c->class, &rc)) {
		char skipped[256];

		rd.reason = "nothing idle to reclaim";
		snprintf(skipped, sizeof(skipped), "reclaim skipped: %s", what);
		log_decision(g, "suspect", c, pool, &rd, NULL, skipped, ev);
		note_decision(t, &rd, skipped);
		return false;
	}
	guard_count_action(g, ACTION_RECLAIM,
			   err ? OUTCOME_FAILED : g->ef.dry_run ? OUTCOME_DRY_RUN : OUTCOME_DONE);
	log_reclaim(g, c, pool, &rd, what, ev, &rc);
	note_decision(t, &rd, what);
	return true;
}

static void act(struct guard *g, const struct entity *e, struct candidate *c,
		const struct snap_pool *pool, struct tracked *t, struct decision *dec,
		const struct policy_params *p)
{
	char what[256];
	enum action a = dec->action;
	const struct state_counts *ev;

	if (!still_holds(g, e, c, &pool, p, &t->th, dec)) {
		bool held = held_off(g, c, dec); /* the re-check held off, or spared */

		if (!held)
			guard_count_action(g, a, OUTCOME_SPARED);
		log_decision(g, "suspect", c, pool, dec, NULL,
			     held ? dec->detail : "re-check before acting: spared", evidence(g, e));
		return;
	}
	ev = evidence(g, e);
	if ((a == ACTION_RECLAIM ||
	     (g->ef.dry_run && a != ACTION_RELEASE && policy_reclaims(c, p))) &&
	    !reclaim_step(g, e, c, pool, t, dec, p, ev) && a == ACTION_RECLAIM) {
		/* nothing idle: SIGTERM, as without the rung */
		dec->action = a = ACTION_TERM;
		dec->reason = "nothing idle to reclaim";
	}
	/* done or failed, the rung was taken: TERM follows if it did not help */
	if (a == ACTION_RECLAIM && !g->ef.dry_run) {
		policy_record(&g->breakers, &t->th, c, &g->cfg.breakers, a, g->m.now_ms);
		return;
	}
	if (g->ef.dry_run) {
		/* A dry run logs the end of the ladder once, after the actuator
		 * checked the target (identity, guards) without touching it. */
		if (a == ACTION_RELEASE)
			return;
		dec->action = a = ACTION_KILL;
	}
	test_only_delay_before_acting(c);
	guard_count_action(g, dec->action,
			   enforcer_apply(&g->ef, c, &e->key.group, dec, what, sizeof(what))
				   ? OUTCOME_FAILED
			   : g->ef.dry_run ? OUTCOME_DRY_RUN
					   : OUTCOME_DONE);
	log_decision(g, "action", c, pool, dec, audit_action(dec->action, g->ef.dry_run), what, ev);
	note_decision(t, dec, what);
	policy_record(&g->breakers, &t->th, c, &g->cfg.breakers, a, g->m.now_ms);
	if (a == ACTION_QUARANTINE && !g->ef.dry_run)
		t->quarantined_at_ms = g->m.now_ms;
	/* a quarantined process's exit lifts its quarantine (results.c) */
	if (!g->ef.dry_run && a == ACTION_QUARANTINE && dec->scope == SCOPE_PROCESS)
		tracked_watch_exit(t, c);
	if (!g->ef.dry_run && (a == ACTION_TERM || a == ACTION_KILL)) {
		if (dec->scope == SCOPE_PROCESS)
			tracked_watch_exit(t, c);
		t->result_due_ms = g->m.now_ms + 2 * g->cfg.interval_ms;
		t->result_of = a;
		t->has_pool = pool != NULL;
		if (pool)
			t->pool = *pool;
		memcpy(t->comm, c->comm, sizeof(t->comm));
		free(t->cgroup);
		t->cgroup = strdup(c->cgroup); /* NULL: the result says "?" */
		t->names = c->names; /* the runtime may forget them once it is gone */
		t->class = c->class;
	}
}

/* A cgroup-scope decision follows the cgroup's own ladder, and falls back
 * to the process when a protected process shares the cgroup. */
static struct tracked *cgroup_ladder(struct guard *g, const struct entity *e,
				     struct candidate *c, const struct snap_pool *pool,
				     const struct policy_params *p,
				     struct decision *dec, struct tracked *process)
{
	struct tracked *tc;
	uint32_t protected_pid = cgroup_has_protected(g, &e->key.group);

	if (protected_pid) {
		dec->scope = SCOPE_PROCESS;
		snprintf(dec->detail + strlen(dec->detail),
			 sizeof(dec->detail) - strlen(dec->detail),
			 "; process scope: protected pid %u shares the cgroup", protected_pid);
		return process;
	}
	tc = targets_get(&g->targets, 0, e->key.group.cgroup_id);
	if (!tc)
		return NULL;
	candidate_as_cgroup(&g->m, e, pool, c);
	heed_reclaim(g, &tc->th, &e->key.group, c);
	*dec = policy_decide(c, &tc->th, p, &g->cfg.breakers, &g->breakers, &g->cfg.protect,
			     g->m.now_ms);
	dec->scope = SCOPE_CGROUP;
	return tc;
}

void guard_judge(struct guard *g, struct entity *e)
{
	struct candidate c;
	const struct snap_pool *pool = NULL;
	const struct policy_params *p;
	const struct cgroup_override *untold; /* held_off() finds it again */
	struct policy_params fewer_rungs;
	struct decision dec;
	struct tracked *t;

	if (build(g, e, false, &c, &pool))
		return;
	/* an unnamed cgroup may be in --cgroup's subtree: judged, so that the
	 * hold-off (guard_hold_off) is logged, never acted on */
	if (!(c.cgroup_err && c.cgroup_err != -ENOENT) &&
	    !guard_in_scope(g, c.cgroup, c.cgroup_is_v2))
		return;
	urgent_latch(e, &c);
	t = targets_get(&g->targets, c.tgid, c.start_time);
	if (!t)
		return;
	heed_reclaim(g, &t->th, NULL, &c);
	p = policy_for(g, &c, &untold);
	/* a kernel that refused the quarantine hook: the ladder starts at
	 * SIGTERM (or the reclaim); one that refused the reclaim iterator: no
	 * reclaim rung */
	if ((p->quarantine && !g->ef.quarantine) || (p->reclaim && !g->ef.reclaim)) {
		fewer_rungs = *p;
		fewer_rungs.quarantine = p->quarantine && g->ef.quarantine;
		if (!g->ef.reclaim)
			fewer_rungs.reclaim = RECLAIM_NO;
		p = &fewer_rungs;
	}
	dec = policy_decide(&c, &t->th, p, &g->cfg.breakers, &g->breakers, &g->cfg.protect,
			    g->m.now_ms);
	/* The other way round too: a process whose own ladder started stays
	 * the process until it ends. Siblings quarantined one by one (named
	 * early, under pressure) make the cgroup's leak spread once the normal
	 * path names them too; a fresh cgroup ladder then found no pressure
	 * left (the quarantines had stopped the growth), and the processes,
	 * quarantined for good, were never escalated. */
	if (dec.scope == SCOPE_CGROUP && ladder_running(&t->th))
		dec.scope = SCOPE_PROCESS;
	else if (dec.scope == SCOPE_CGROUP)
		t = cgroup_ladder(g, e, &c, pool, p, &dec, t);
	if (!t)
		return;
	/* after every decision, the cgroup ladder's too */
	held_off(g, &c, &dec);
	if (dec.action != ACTION_NONE &&
	    (dec.action != t->logged_action || dec.reason != t->logged_reason)) {
		log_decision(g, "suspect", &c, pool, &dec, NULL, dec.detail, NULL);
		t->logged_action = dec.action;
		t->logged_reason = dec.reason;
		note_decision(t, &dec, dec.detail);
	}
	if (dec.action >= ACTION_QUARANTINE)
		act(g, e, &c, pool, t, &dec, p);
}
