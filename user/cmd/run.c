// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// `portwarden run`: monitor, judge each suspect, act (or log what it would do).
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "act/actuator.h"
#include "act/enforce.h"
#include "cmd/preflight.h"
#include "cmd/run.h"
#include "core/config.h"
#include "core/hog.h"
#include "core/latch.h"
#include "core/log.h"
#include "core/surge.h"
#include "guard/candidates.h"
#include "host/procfs.h"
#include "kernel/counters.h"
#include "views/audit.h"
#include "watch/monitor.h"

#define MAX_TRACKED 1024
/* Out-of-step snapshots for surges: at most one per this many ms. */
#define SURGE_CHECK_MIN_MS 500

static volatile sig_atomic_t exiting, reload;

static void on_exit_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload = 1;
}

/* A process the daemon judged: its ladder position and what was logged. */
struct tracked {
	uint32_t tgid;
	uint64_t start_time;
	struct target_history th;
	enum action logged_action; /* dedupes suspect lines: log on change only */
	const char *logged_reason;
	uint64_t result_due_ms; /* 0: no result pending */
	enum action result_of;
	struct snap_pool pool; /* the pool it pressed on when acted on */
	bool has_pool;
	char comm[16]; /* for results after it is gone */
	int pidfd;     /* after a signal to a process: tells its exit for sure; -1: none */
	char cgroup[PATH_MAX];
	enum leak_class class;
	bool in_use;
};

struct daemon {
	const struct env *env;
	struct daemon_config cfg;
	struct monitor m;
	struct hog_watch hogs;	/* full pools failing for others */
	struct audit audit;
	struct cgroup_mounts mounts;
	struct cgroup_resolver *resolver;
	struct enforcer ef;
	struct breaker_state breakers;
	struct cgroup_target scope;    /* --cgroup, resolved; path "" when absent */
	uint64_t lost_reported;	       /* lost events already warned about */
	uint64_t missed_reported;      /* missed program runs already warned about */
	struct activity_table watched; /* the latest read of the counters between steps */
	struct surge_table surges;     /* the fast-leak trigger, per process */
	uint64_t surge_check_ms;       /* the latest out-of-step snapshot for a surge */
	struct tracked tracked[MAX_TRACKED];
};

/* The tracked entry of a process (@tgid, @start), or of a cgroup (tgid 0,
 * @start = its cgroup2 id: cgroup-scope ladders are the cgroup's, not each
 * of its processes'). Created when new; NULL when full. */
static struct tracked *track_key(struct daemon *d, uint32_t tgid, uint64_t start)
{
	struct tracked *free_slot = NULL;

	for (size_t i = 0; i < MAX_TRACKED; i++) {
		struct tracked *t = &d->tracked[i];

		if (t->in_use && t->tgid == tgid && t->start_time == start)
			return t;
		if (!t->in_use && !free_slot)
			free_slot = t;
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->pidfd = -1;
		free_slot->in_use = true;
		free_slot->tgid = tgid;
		free_slot->start_time = start;
	}
	return free_slot;
}

static void untrack(struct tracked *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
	t->in_use = false;
}

/* A pidfd on the process just signalled, to read its fate from later: the
 * history only says it stopped holding sockets, which an exit, a close of
 * everything, or a missed sample would all look like. */
static void watch_exit(struct tracked *t, const struct candidate *c)
{
	struct target tg;

	if (t->pidfd >= 0 || !c->tgid)
		return;
	if (target_open((pid_t)c->tgid, c->start_time, &tg) == ACT_OK)
		t->pidfd = tg.pidfd; /* ours now: tg goes out of scope unclosed */
}

static struct tracked *track(struct daemon *d, const struct candidate *c)
{
	return track_key(d, c->tgid, c->start_time);
}

/* Would a cgroup-wide action hit a protected process sharing the cgroup?
 * Protections are checked per process; cgroup.kill would not ask. The pid
 * of one such process, or 0. */
static uint32_t cgroup_has_protected(const struct daemon *d, const struct group_key *g)
{
	for (size_t i = 0; i < d->m.snap.nr_processes; i++) {
		const struct snap_process *p = &d->m.snap.processes[i];
		char exe[PATH_MAX] = "", cgroup[PATH_MAX] = "";

		if (!group_key_same(&p->group, g))
			continue;
		procfs_pid_exe((pid_t)p->tgid, exe, sizeof(exe));
		procfs_pid_cgroup((pid_t)p->tgid, "", cgroup, sizeof(cgroup));
		if (policy_protected(&d->cfg.protect, p->comm, exe, cgroup))
			return p->tgid;
	}
	return 0;
}

static const char *audit_action(enum action a, bool dry_run)
{
	if (dry_run && (a == ACTION_QUARANTINE || a == ACTION_TERM || a == ACTION_KILL))
		return "would_kill";
	return action_name(a);
}

static void log_decision(struct daemon *d, const char *event, const struct candidate *c,
			 const struct snap_pool *pool, const struct decision *dec,
			 const char *action, const char *detail, const struct state_counts *ev)
{
	struct audit_record r = {
		.event = event,
		.action = action,
		.pid = c->tgid,
		.comm = c->comm,
		.cgroup = c->cgroup,
		.cls = leak_class_name(c->class),
		.ports_held = (int32_t)c->ports_held,
		.pool = pool,
		.reason = dec->reason,
		.detail = detail,
		.scope = scope_name(dec->scope),
		.dry_run = d->ef.dry_run,
		.states = ev,
		.exited = -1,
	};

	audit_write(&d->audit, &r);
}

/* The surge in force for @tgid, or NULL. */
static const struct surge_entry *surging(const struct daemon *d, uint32_t tgid)
{
	const struct surge_entry *s = surge_find(&d->surges, tgid);

	return s && s->st.tripped ? s : NULL;
}

/* candidate_build(), and while the counters show @e surging, the held ports
 * of the current snapshot judged since the surge began (the evidence). */
static int build(struct daemon *d, const struct entity *e, struct candidate *c,
		 const struct snap_pool **pool)
{
	const struct surge_entry *s;
	struct verdict v;
	int err = candidate_build(&d->m, e, d->resolver, c, pool);

	if (err)
		return err;
	candidate_heed_pressure(&d->m, e, *pool, c);
	candidate_heed_group(&d->m, e, *pool, c);
	if (!(s = surging(d, e->key.tgid)))
		return 0;
	candidate_surge(&d->m, e, s->st.surge_ms, &v);
	candidate_heed_surge(c, &v, *pool);
	return 0;
}

/* The condition is checked again on fresh data right before acting: a
 * leaker that stopped, or a pool that drained, since the step is spared. */
static bool still_holds(struct daemon *d, const struct entity *e, struct candidate *c,
			const struct snap_pool **pool, const struct policy_params *p,
			const struct target_history *th, struct decision *dec)
{
	struct decision again;

	if (monitor_refresh(&d->m) || build(d, e, c, pool))
		return false;
	again = policy_decide(c, th, p, &d->cfg.breakers, &d->breakers, &d->cfg.protect,
			      d->m.now_ms);
	if (again.action != dec->action)
		return false;
	again.scope = dec->scope; /* the scope was settled by judge() (protected neighbours) */
	*dec = again;
	return true;
}

/* The suspect's sockets by state, logged with an action as its evidence:
 * the re-check's snapshot, else its latest sample. */
static const struct state_counts *evidence(const struct daemon *d, const struct entity *e)
{
	const struct snap_process *p = snapshot_find_process(&d->m.snap, e->key.tgid);

	return p ? &p->held : &history_latest(&d->m.history, e)->held;
}

static void act(struct daemon *d, const struct entity *e, struct candidate *c,
		const struct snap_pool *pool, struct tracked *t, struct decision *dec,
		const struct policy_params *p)
{
	char what[256];
	enum action a = dec->action;
	const struct state_counts *ev;

	if (!still_holds(d, e, c, &pool, p, &t->th, dec)) {
		log_decision(d, "suspect", c, pool, dec, NULL, "re-check before acting: spared",
			     evidence(d, e));
		return;
	}
	ev = evidence(d, e);
	if (d->ef.dry_run) {
		/* A dry run logs the end of the ladder once, after the actuator
		 * checked the target (identity, guards) without touching it. */
		if (a == ACTION_RELEASE)
			return;
		dec->action = a = ACTION_KILL;
	}
	enforcer_apply(&d->ef, c, &e->key.group, dec, what, sizeof(what));
	log_decision(d, "action", c, pool, dec, audit_action(dec->action, d->ef.dry_run), what, ev);
	policy_record(&d->breakers, &t->th, c, &d->cfg.breakers, a, d->m.now_ms);
	if (!d->ef.dry_run && (a == ACTION_TERM || a == ACTION_KILL)) {
		if (dec->scope == SCOPE_PROCESS)
			watch_exit(t, c);
		t->result_due_ms = d->m.now_ms + 2 * d->cfg.interval_ms;
		t->result_of = a;
		t->has_pool = pool != NULL;
		if (pool)
			t->pool = *pool;
		memcpy(t->comm, c->comm, sizeof(t->comm));
		snprintf(t->cgroup, sizeof(t->cgroup), "%s", c->cgroup);
		t->class = c->class;
	}
}

/* A cgroup-scope decision follows the cgroup's own ladder, and falls back
 * to the process when a protected process shares the cgroup. */
static struct tracked *cgroup_ladder(struct daemon *d, const struct entity *e,
				     const struct candidate *c, const struct policy_params *p,
				     struct decision *dec, struct tracked *process)
{
	struct tracked *tc;
	uint32_t protected_pid = cgroup_has_protected(d, &e->key.group);

	if (protected_pid) {
		dec->scope = SCOPE_PROCESS;
		snprintf(dec->detail + strlen(dec->detail),
			 sizeof(dec->detail) - strlen(dec->detail),
			 "; process scope: protected pid %u shares the cgroup", protected_pid);
		return process;
	}
	tc = track_key(d, 0, e->key.group.cgroup_id);
	if (!tc)
		return NULL;
	*dec = policy_decide(c, &tc->th, p, &d->cfg.breakers, &d->breakers, &d->cfg.protect,
			     d->m.now_ms);
	dec->scope = SCOPE_CGROUP;
	return tc;
}

/* --cgroup: judge only processes whose cgroup lies in that subtree. */
static bool path_in_scope(const struct daemon *d, const char *cgroup, bool is_v2)
{
	const char *scope = d->scope.path;
	size_t n;

	if (!scope[0])
		return true;
	n = strlen(scope);
	while (n > 1 && scope[n - 1] == '/')
		n--;
	return is_v2 && !strncmp(cgroup, scope, n) &&
	       (n == 1 || cgroup[n] == '/' || cgroup[n] == '\0');
}

static bool in_scope(const struct daemon *d, const struct candidate *c)
{
	return path_in_scope(d, c->cgroup, c->cgroup_is_v2);
}

static void judge(struct daemon *d, struct entity *e)
{
	struct candidate c;
	const struct snap_pool *pool = NULL;
	const struct policy_params *p;
	struct policy_params no_quarantine;
	struct decision dec;
	struct tracked *t;

	if (build(d, e, &c, &pool) || !in_scope(d, &c))
		return;
	urgent_latch(e, &c);
	t = track(d, &c);
	if (!t)
		return;
	p = config_policy_for(&d->cfg, c.cgroup);
	/* a kernel that refused the quarantine hook: the ladder starts at SIGTERM */
	if (p->quarantine && d->ef.quarantine_tgids < 0) {
		no_quarantine = *p;
		no_quarantine.quarantine = false;
		p = &no_quarantine;
	}
	dec = policy_decide(&c, &t->th, p, &d->cfg.breakers, &d->breakers, &d->cfg.protect,
			    d->m.now_ms);
	if (dec.scope == SCOPE_CGROUP)
		t = cgroup_ladder(d, e, &c, p, &dec, t);
	if (!t)
		return;
	if (dec.action != ACTION_NONE &&
	    (dec.action != t->logged_action || dec.reason != t->logged_reason)) {
		log_decision(d, "suspect", &c, pool, &dec, NULL, dec.detail, NULL);
		t->logged_action = dec.action;
		t->logged_reason = dec.reason;
	}
	if (dec.action >= ACTION_QUARANTINE)
		act(d, e, &c, pool, t, &dec, p);
}

/* The history entity of @t (a process, or for a cgroup entry one of its
 * processes), or NULL when none is left. */
static struct entity *process_entity(const struct daemon *d, uint32_t tgid)
{
	for (size_t i = 0; i < d->m.history.nr; i++) {
		struct entity *e = &d->m.history.items[i];

		if (e->key.kind == ENTITY_PROCESS && e->key.tgid == tgid)
			return e;
	}
	return NULL;
}

/* A tracked process's entity, or for a cgroup target (tgid 0, the cgroup id
 * in start_time) one of its processes'. */
static const struct entity *entity_of(const struct daemon *d, const struct tracked *t)
{
	if (t->tgid)
		return process_entity(d, t->tgid);
	for (size_t i = 0; i < d->m.history.nr; i++) {
		const struct entity *e = &d->m.history.items[i];

		if (e->key.kind == ENTITY_PROCESS && e->key.group.cgroup_id == t->start_time)
			return e;
	}
	return NULL;
}

/* The pool @t pressed on, as it is now; a pool nobody holds ports in any
 * more is absent from the snapshot: it is empty. */
static const struct snap_pool *pool_now(const struct daemon *d, struct tracked *t)
{
	if (!t->has_pool)
		return NULL;
	for (size_t i = 0; i < d->m.snap.nr_pools; i++)
		if (pool_same(&d->m.snap.pools[i], &t->pool))
			return &d->m.snap.pools[i];
	t->pool.used = 0;
	t->pool.nr_top = 0;
	return &t->pool;
}

/* A process target's fate: exited (its pidfd says so; a process that was
 * gone before we could watch it counts as exited) or alive, with the
 * sockets it still holds (-1: unknown). */
static void process_fate(struct daemon *d, const struct tracked *t, struct audit_record *r)
{
	const struct entity *e = entity_of(d, t);
	const struct snap_pool *pool;
	struct candidate c;

	r->exited = t->pidfd < 0 || pidfd_exited(t->pidfd);
	r->ports_held = 0; /* an exited process's sockets closed with it */
	if (r->exited)
		return;
	r->ports_held = -1;
	if (e && !candidate_build(&d->m, e, d->resolver, &c, &pool) &&
	    c.start_time == t->start_time)
		r->ports_held = (int32_t)c.ports_held;
}

/* After a signal: did it exit, were ports freed, how full is the pool now? */
static void report_result(struct daemon *d, struct tracked *t)
{
	struct audit_record r = {.event = "result",
				 .pid = t->tgid,
				 .action = action_name(t->result_of),
				 .dry_run = d->ef.dry_run,
				 .comm = t->comm,
				 .cgroup = t->cgroup,
				 .cls = leak_class_name(t->class)};
	const char *sig = t->result_of == ACTION_KILL ? "SIGKILL" : "SIGTERM";
	char detail[64];

	if (t->tgid) {
		process_fate(d, t, &r);
	} else {
		/* cgroup.events, not the snapshot: a dead closer's TIME_WAIT
		 * sockets keep its entry there for up to a minute */
		r.exited = cgroup_populated(d->mounts.v2, t->cgroup) == 0;
		r.ports_held = -1;
	}
	r.pool = pool_now(d, t);
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
	audit_write(&d->audit, &r);
	t->result_due_ms = 0;
}

/* Report due results, and forget processes that left the history (the
 * breakers keep their own memory of workloads). */
static void report_results(struct daemon *d)
{
	for (size_t i = 0; i < MAX_TRACKED; i++) {
		struct tracked *t = &d->tracked[i];

		if (t->in_use && t->result_due_ms && d->m.now_ms >= t->result_due_ms)
			report_result(d, t);
		if (t->in_use && !t->result_due_ms && !entity_of(d, t))
			untrack(t);
	}
}

/* Nothing is dropped silently: failure events the ring could not hold are
 * reported (decisions use the in-kernel counters, which lose nothing). */
static void warn_lost(struct daemon *d)
{
	uint64_t lost = tracer_lost_events(&d->m.tracer);
	uint64_t missed = tracer_missed_runs(&d->m.tracer);

	if (lost > d->lost_reported)
		pr_warn("lost %llu failure events (ring buffer full), %llu in total\n",
			(unsigned long long)(lost - d->lost_reported), (unsigned long long)lost);
	d->lost_reported = lost;
	/* a skipped state hook run may be a close whose TIME_WAIT then has no owner */
	if (missed > d->missed_reported)
		pr_warn("the kernel skipped %llu runs of our programs (one was already running on "
			"that CPU), %llu in total\n",
			(unsigned long long)(missed - d->missed_reported), (unsigned long long)missed);
	d->missed_reported = missed;
}

/*
 * Is @e worth a judgement this step? Anything with a class (now, ever, fast
 * or latched) or a surge; and a process growing past the classifier's floor
 * with the ports to matter: under pressure it may be named on a shorter
 * window, or with its cgroup (candidate_heed_pressure, _heed_group), which
 * only a judgement can find out. Others cost no /proc reads.
 */
static bool worth_judging(struct daemon *d, const struct entity *e)
{
	if (e->key.kind != ENTITY_PROCESS || !e->key.tgid)
		return false;
	if (e->verdict.class != LEAK_NONE || e->worst != LEAK_NONE ||
	    e->urgent.class != LEAK_NONE || e->urgent_latched != LEAK_NONE ||
	    surging(d, e->key.tgid))
		return true;
	return e->verdict.growth_per_s >= d->m.cfg.params.min_growth_per_s &&
	       entity_ports_held(&d->m.history, e) >= d->m.cfg.params.min_growth_ports;
}

/* Full pools that failed for others for hog_time: their dominant holder,
 * unless it is giving its ports back, is named a hog and judged. The name is
 * latched like any class named early (candidates.h): a quarantine does not
 * end the spell, and it holds until the hog gives back half its ports. */
static void judge_hogs(struct daemon *d)
{
	if (hog_watch_update(&d->hogs, &d->m.snap, d->m.recent, d->m.nr_recent, d->m.now_ms,
			     d->cfg.policy.fill_threshold))
		return;
	for (size_t i = 0; i < d->hogs.nr; i++) {
		const struct hog_pool *hp = &d->hogs.items[i];
		uint32_t holder = hog_holder(&hp->pool);
		struct entity *e = holder ? process_entity(d, holder) : NULL;

		if (!e || !hog_spell_long(hp, d->m.now_ms, d->cfg.policy.hog_s * 1000ull) ||
		    e->verdict.growth_per_s <= -d->m.cfg.params.min_growth_per_s)
			continue;
		if (!class_actionable(e->urgent_latched)) {
			e->urgent_latched = LEAK_HOG;
			e->urgent_held = entity_ports_held(&d->m.history, e);
		}
		judge(d, e);
	}
}

static void step(struct daemon *d)
{
	int err = monitor_step(&d->m);

	if (err) {
		pr_warn("failed to sample: %s\n", strerror(-err));
		return;
	}
	for (size_t i = 0; i < d->m.history.nr; i++) {
		struct entity *e = &d->m.history.items[i];

		if (worth_judging(d, e))
			judge(d, e);
	}
	judge_hogs(d);
	report_results(d);
	warn_lost(d);
}

/* Does a surge that just tripped belong to a process in --cgroup's subtree? */
static bool fresh_surge_in_scope(struct daemon *d)
{
	for (size_t i = 0; i < d->surges.nr; i++) {
		const struct surge_entry *s = &d->surges.items[i];
		struct cgroup_place place;

		if (!s->fresh)
			continue;
		cgroup_resolver_place(d->resolver, s->cgroup_id, s->cgroup1_id, (pid_t)s->tgid,
				      &place);
		if (path_in_scope(d, place.path, !strcmp(place.hierarchy, "v2")))
			return true;
	}
	return false;
}

/* Between steps: read the counters (cheap at any socket count). A process
 * that just began to surge is judged at once on a fresh snapshot instead
 * of at the next step; later steps judge it while the surge lasts. At most
 * one such snapshot per SURGE_CHECK_MIN_MS, whatever the counters say. */
static void watch(struct daemon *d)
{
	uint64_t now = monotonic_ms();

	if (activity_read(tracer_activity_fd(&d->m.tracer), &d->watched))
		return;
	if (surge_table_update(&d->surges, &d->cfg.surge, &d->watched, now) <= 0 ||
	    now - d->surge_check_ms < SURGE_CHECK_MIN_MS || !fresh_surge_in_scope(d))
		return;
	d->surge_check_ms = now;
	if (monitor_refresh(&d->m))
		return;
	for (size_t i = 0; i < d->m.history.nr; i++) {
		struct entity *e = &d->m.history.items[i];

		if (e->key.kind == ENTITY_PROCESS && e->key.tgid && surging(d, e->key.tgid))
			judge(d, e);
	}
}

static int reload_config(struct daemon *d)
{
	struct daemon_config fresh;
	char err[512];

	if (!d->env->config_path)
		return 0;
	if (config_load(d->env->config_path, &fresh, err, sizeof(err))) {
		pr_warn("%s; keeping the previous configuration\n", err);
		return -EINVAL;
	}
	/* a longer window or a shorter interval needs more samples per entity */
	if (monitor_reconfigure(&d->m, fresh.interval_ms, &fresh.classify)) {
		pr_warn("no memory for the new window; keeping the previous configuration\n");
		return -ENOMEM;
	}
	d->cfg = fresh;
	pr_info("reloaded %s (interval %u ms, window %u ms, %zu samples kept)\n",
		d->env->config_path, fresh.interval_ms, (unsigned)fresh.classify.window_ms,
		d->m.history.ring_cap);
	return 0;
}

/* Steps every interval; between them, the counters every watch_ms. */
static void loop(struct daemon *d)
{
	uint64_t next = monotonic_ms(), next_watch = next;

	while (!exiting) {
		uint64_t now = monotonic_ms();

		if (reload) {
			reload = 0;
			reload_config(d);
			audit_reopen(&d->audit);
		}
		if (now >= next) {
			step(d);
			next += d->cfg.interval_ms;
		} else if (d->cfg.watch_ms && now >= next_watch) {
			watch(d);
			next_watch = now + d->cfg.watch_ms;
		}
		uint64_t wake = d->cfg.watch_ms && next_watch < next ? next_watch : next;

		while (sleep_until(wake) == -EINTR && !exiting && !reload)
			;
	}
}

static void setup_signals(void)
{
	struct sigaction stop = {.sa_handler = on_exit_signal}, hup = {.sa_handler = on_hup};

	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Config, audit log, monitor and maps; returns 0 or an exit status. */
static int start(struct daemon *d)
{
	struct monitor_config mc = {.mode = d->env->mode};
	char err[512];
	int status;

	config_defaults(&d->cfg);
	if (d->env->config_path && config_load(d->env->config_path, &d->cfg, err, sizeof(err))) {
		pr_warn("%s\n", err);
		return EXIT_USAGE;
	}
	if (audit_open(&d->audit, d->env->log_path)) {
		pr_warn("failed to open %s: %s\n", d->env->log_path, strerror(errno));
		return EXIT_USAGE;
	}
	if (cgroup_find_mounts(&d->mounts) || !(d->resolver = cgroup_resolver_new(&d->mounts)))
		return EXIT_RUNTIME;
	if (d->env->cgroup_path &&
	    cgroup_target_resolve(&d->mounts, d->env->cgroup_path, &d->scope)) {
		pr_warn("unknown cgroup '%s': not a directory of the cgroup2 mount at %s\n",
			d->env->cgroup_path, d->mounts.v2);
		return EXIT_USAGE;
	}
	mc.interval_ms = d->cfg.interval_ms;
	mc.params = d->cfg.classify;
	mc.quarantine = true;
	status = monitor_open_status(monitor_open(&d->m, &mc));
	if (status)
		return status;
	d->ef.dry_run = !d->env->enforce;
	d->ef.cgroup2_mount = d->mounts.v2;
	d->ef.tracer = &d->m.tracer;
	if (tracer_quarantine_fds(&d->m.tracer, &d->ef.quarantine_cgroups, &d->ef.quarantine_tgids))
		d->ef.quarantine_cgroups = d->ef.quarantine_tgids = -1;
	return 0;
}

static void announce(struct daemon *d, const char *event)
{
	struct audit_record r = {.event = event,
				 .ports_held = -1,
				 .exited = -1,
				 .dry_run = d->ef.dry_run,
				 .reason = d->ef.dry_run
						   ? "dry run: nothing is killed (--enforce acts)"
						   : "enforcing"};

	audit_write(&d->audit, &r);
}

int daemon_run(const struct env *env)
{
	struct daemon *d = calloc(1, sizeof(*d));
	int status;

	if (!d)
		return EXIT_RUNTIME;
	d->env = env;
	log_init(env->verbose ? LOG_DEBUG : LOG_INFO);
	status = preflight_check();
	if (!status)
		status = start(d);
	if (!status) {
		setup_signals();
		announce(d, "start");
		loop(d);
		enforcer_release_all(&d->ef);
		announce(d, "stop");
	}
	monitor_close(&d->m);
	hog_watch_free(&d->hogs);
	activity_free(&d->watched);
	surge_table_free(&d->surges);
	cgroup_resolver_free(d->resolver);
	audit_close(&d->audit);
	free(d);
	return status;
}
