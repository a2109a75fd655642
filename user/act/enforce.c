// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Executes decisions through the actuator (signals) and the quarantine hook.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "act/actuator.h"
#include "act/enforce.h"
#include "act/quarantine.h"
#include "act/reclaim.h"
#include "core/clock.h"
#include "core/log.h"

/*
 * The quarantine map holds a bare tgid: bound to the process the decision
 * saw first (a pidfd, checked against its start time), and checked again
 * after the entry went in. A process that exited before then (its pid free
 * for another) has its entry taken out again: a new process under that pid
 * is not quarantined for it. -ESRCH when gone, -EPERM when not the one.
 */
static int quarantine_bound_process(const struct enforcer *ef, const struct candidate *c,
				    enum act_refusal *r)
{
	struct target t;
	int err;

	*r = target_open((pid_t)c->tgid, c->start_time, &t);
	if (*r != ACT_OK)
		return *r == ACT_GONE ? -ESRCH : -EPERM;
	if (ef->dry_run) {
		target_close(&t);
		return 0;
	}
	err = quarantine_process(ef->quarantine, c->tgid, true);
	if (!err && target_exited(&t)) {
		quarantine_process(ef->quarantine, c->tgid, false);
		*r = ACT_GONE;
		err = -ESRCH;
	}
	target_close(&t);
	return err;
}

static int quarantine_apply(const struct enforcer *ef, const struct candidate *c,
			    const struct group_key *g, bool cgroup_scope, bool on,
			    enum act_refusal *r)
{
	*r = ACT_OK;
	if (!ef->quarantine)
		return -ENOTSUP;
	if (cgroup_scope && g->cgroup_id <= 1)
		return -EPERM; /* the root cgroup holds every process of a hybrid host */
	if (!cgroup_scope && on)
		return quarantine_bound_process(ef, c, r);
	if (ef->dry_run)
		return 0;
	return cgroup_scope ? quarantine_cgroup(ef->quarantine, g->cgroup_id, on)
			    : quarantine_process(ef->quarantine, c->tgid, on);
}

/* One process, bound to a pidfd and checked against the identity the
 * decision saw (pid reuse and exits in between are refused). */
static int signal_process(const struct enforcer *ef, const struct candidate *c, int sig, char *what,
			  size_t len)
{
	struct target t;
	enum act_refusal r = target_open((pid_t)c->tgid, c->start_time, &t);

	if (r == ACT_OK) {
		r = target_signal(&t, sig, ef->dry_run);
		target_close(&t);
	}
	if (r != ACT_OK) {
		snprintf(what, len, "refused: %s", act_refusal_name(r));
		return r == ACT_GONE ? -ESRCH : -EPERM;
	}
	snprintf(what, len, "%s %s to pid %u", ef->dry_run ? "would send" : "sent",
		 sig == SIGKILL ? "SIGKILL" : "SIGTERM", c->tgid);
	return 0;
}

static int signal_cgroup(const struct enforcer *ef, const struct candidate *c,
			 const struct group_key *g, int sig, char *what, size_t len)
{
	int n = 0, err;

	if (sig == SIGKILL)
		err = cgroup_kill_all(ef->cgroup2_mount, c->cgroup, g->cgroup_id, ef->dry_run);
	else
		err = cgroup_signal_all(ef->cgroup2_mount, c->cgroup, g->cgroup_id, sig, ef->dry_run,
					&n);
	if (err)
		snprintf(what, len, "refused for cgroup: %s", strerror(-err));
	else if (sig == SIGKILL)
		snprintf(what, len, "%s cgroup.kill", ef->dry_run ? "would write" : "wrote");
	else
		snprintf(what, len, "%s SIGTERM to %d processes of the cgroup",
			 ef->dry_run ? "would send" : "sent", n);
	return err;
}

int enforcer_apply(const struct enforcer *ef, const struct candidate *c,
		   const struct group_key *group, const struct decision *d, char *what, size_t len)
{
	bool cg = d->scope == SCOPE_CGROUP;
	enum act_refusal r;
	int err;

	switch (d->action) {
	case ACTION_QUARANTINE:
	case ACTION_RELEASE:
		err = quarantine_apply(ef, c, group, cg, d->action == ACTION_QUARANTINE, &r);
		if (r != ACT_OK)
			snprintf(what, len, "refused: %s", act_refusal_name(r));
		else
			snprintf(what, len, "%s%s %s", err ? "failed: " : "",
				 d->action == ACTION_QUARANTINE ? "new sockets refused for"
								: "released",
				 cg ? "the cgroup" : "the process");
		return err;
	case ACTION_TERM:
	case ACTION_KILL:
		if (cg)
			return signal_cgroup(ef, c, group,
					     d->action == ACTION_KILL ? SIGKILL : SIGTERM, what, len);
		return signal_process(ef, c, d->action == ACTION_KILL ? SIGKILL : SIGTERM, what,
				      len);
	default:
		snprintf(what, len, "nothing to do");
		return 0;
	}
}

/* The sentence of a reclaim for the audit log; @us: how long the kernel's
 * walks took (the cost of the rung, on the host's whole TCP table; with
 * reclaim = idle, the survey's walks included). */
static void say_reclaim(const struct enforcer *ef, const struct reclaim_counts *rc, uint64_t us,
			char *what, size_t len)
{
	char states[96], took[32] = "", idle[64] = "";

	reclaim_states_text(ef->dry_run ? rc->picked_by : rc->destroyed_by, states, sizeof(states));
	if (!ef->dry_run)
		snprintf(took, sizeof(took), "; in %.1f ms", us / 1000.0);
	if (rc->idle_s)
		snprintf(idle, sizeof(idle), "; idle >= %u s, %u recent spared", rc->idle_s,
			 rc->spared_recent);
	snprintf(what, len,
		 "%s %u sockets (%s), %u ports back; skipped %u shared, %u changed state; "
		 "%u failed%s%s",
		 ef->dry_run ? "would destroy" : "destroyed", ef->dry_run ? rc->picked : rc->destroyed,
		 states, rc->ports_back, rc->skipped_shared, rc->skipped_changed, rc->failed, idle,
		 took);
}

/* reclaim = idle: the ESTABLISHED picks that are not idle @idle_s are
 * dropped, after a survey of their idle times (none without the iterator:
 * a dry run on a kernel that refused it counts them as spared). Returns the
 * picks left and sets *@min_jiffies for the walk's re-check. */
static size_t keep_idle(const struct enforcer *ef, struct reclaim_pick *picks, size_t n,
			uint32_t idle_s, uint32_t *min_jiffies, struct reclaim_counts *rc)
{
	int err = ef->reclaim ? reclaimer_survey(ef->reclaim, picks, n) : -ENOTSUP;

	if (err)
		pr_debug("reclaim: idle survey: %s\n", strerror(-err));
	rc->idle_s = idle_s;
	*min_jiffies = reclaim_idle_jiffies(idle_s, clock_tick_ns());
	return reclaim_keep_idle(picks, n, *min_jiffies, rc);
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int enforcer_reclaim(const struct enforcer *ef, const struct snapshot *snap,
		     const struct candidate *c, const struct group_key *group,
		     const struct decision *d, enum reclaim_mode mode, uint32_t idle_s,
		     struct reclaim_counts *rc, char *what, size_t len)
{
	bool cg = d->scope == SCOPE_CGROUP;
	uint32_t min_jiffies = 0;
	struct reclaim_pick *picks;
	enum act_refusal r = ACT_OK;
	struct target t;
	uint64_t us = 0;
	size_t n;
	int err = 0;

	memset(rc, 0, sizeof(*rc));
	if (!ef->reclaim && !ef->dry_run) {
		snprintf(what, len, "refused: reclaim unavailable on this kernel");
		return -ENOTSUP;
	}
	/* the process the decision saw, not another under its pid */
	if (!cg && (r = target_open((pid_t)c->tgid, c->start_time, &t)) == ACT_OK)
		target_close(&t);
	if (r != ACT_OK) {
		snprintf(what, len, "refused: %s", act_refusal_name(r));
		return r == ACT_GONE ? -ESRCH : -EPERM;
	}
	picks = calloc(snap->nr_sockets ? snap->nr_sockets : 1, sizeof(*picks));
	if (!picks) {
		snprintf(what, len, "failed: out of memory");
		return -ENOMEM;
	}
	n = reclaim_pick(snap, mode, c->tgid, cg ? group : NULL, picks, snap->nr_sockets, rc);
	us = mono_us(); /* the survey's walks count in the rung's cost too */
	if (mode == RECLAIM_IDLE)
		n = keep_idle(ef, picks, n, idle_s, &min_jiffies, rc);
	if (ef->dry_run) {
		for (size_t i = 0; i < n; i++)
			rc->ports_back += picks[i].holds_port;
	} else if (!reclaim_rung_skipped(c->class, rc)) {
		err = reclaimer_run(ef->reclaim, picks, n, min_jiffies, rc);
	}
	us = mono_us() - us;
	free(picks);
	say_reclaim(ef, rc, us, what, len);
	return err;
}

void enforcer_release_all(const struct enforcer *ef)
{
	if (ef->quarantine)
		quarantine_lift_all(ef->quarantine);
}
