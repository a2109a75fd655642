// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The shared monitoring step: snapshot + activity -> per-entity samples -> verdicts.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/latch.h"
#include "core/log.h"
#include "host/cgroups.h"
#include "host/procfs.h"
#include "kernel/counters.h"
#include "watch/monitor.h"

#define MAX_ENTITIES 65536

/* Keep the latest failures as evidence of who suffers. */
static int on_failure(void *ctx, const struct pw_event *e)
{
	struct monitor *m = ctx;

	m->failure_events++;
	if (m->nr_recent == MONITOR_RECENT_FAILURES) {
		memmove(m->recent, m->recent + 1, sizeof(m->recent) - sizeof(m->recent[0]));
		m->nr_recent--;
	}
	m->recent[m->nr_recent++] = *e;
	return 0;
}

static size_t ring_samples(const struct monitor_config *cfg)
{
	size_t n = cfg->params.window_ms / (cfg->interval_ms ? cfg->interval_ms : 1000) + 2;

	return n < 4 ? 4 : n;
}

int monitor_open(struct monitor *m, const struct monitor_config *cfg)
{
	struct tracer_config tc = {
		.mode = cfg->mode,
		.cgroup_dir = NULL,
		.failed_only = true,
		.accounting = true,
		.rescue_on_miss = cfg->rescue_on_miss,
	};
	struct cgroup_mounts mounts;

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (cgroup_find_mounts(&mounts)) {
		pr_warn("no cgroup2 mount found in /proc/self/mountinfo\n");
		return -ENOENT;
	}
	tc.cgroup_dir = mounts.v2;
	if (history_init(&m->history, ring_samples(cfg), MAX_ENTITIES))
		return -ENOMEM;
	/* the loaders said what failed; their codes tell the user nothing more */
	if (tracer_open(&m->tracer, &tc) ||
	    collector_open(&m->collector, tracer_closers_fd(&m->tracer), false))
		return -EIO;
	m->reader = event_reader_new(tracer_events_fd(&m->tracer), on_failure, m);
	if (!m->reader)
		return -ENOMEM;
	m->start_ms = monotonic_ms();
	return 0;
}

int monitor_reconfigure(struct monitor *m, uint32_t interval_ms,
			const struct classify_params *params)
{
	struct monitor_config cfg = m->cfg;
	int err;

	cfg.interval_ms = interval_ms;
	cfg.params = *params;
	err = history_resize(&m->history, ring_samples(&cfg));
	if (!err)
		m->cfg = cfg;
	return err;
}

void monitor_close(struct monitor *m)
{
	event_reader_free(m->reader);
	if (m->collector.skel)
		collector_close(&m->collector);
	if (m->tracer.skel)
		tracer_close(&m->tracer);
	activity_free(&m->activity);
	history_free(&m->history);
	snapshot_free(&m->snap);
	pool_trends_free(&m->pool_trends);
	forgotten_free(&m->forgotten);
	memset(m, 0, sizeof(*m));
}

/* Activity of one entity: the sum over the counter entries that match;
 * @by (may be NULL) gets the failures by errno. */
static void sum_activity(const struct activity_table *t, const struct entity_key *k,
			 struct sample *s, struct failure_counts *by)
{
	struct pw_activity sum;

	if (k->kind == ENTITY_PROCESS)
		activity_sum_process(t, k->tgid, &sum);
	else
		activity_sum_group(t, k->group.cgroup_id, k->group.cgroup1_id, &sum);
	s->opens += sum.n[PW_CNT_OPENS];
	s->closes += sum.n[PW_CNT_CLOSES];
	s->failures += activity_failures(&sum);
	if (by)
		failure_counts_add(by, &sum);
}

/* Listeners whose port lies in their netns's ephemeral range: they collide
 * with autobind (class f). Counted per group (@groups) and holder (@procs). */
static void count_listeners_in_range(const struct snapshot *snap, const struct inventory *inv,
				     uint32_t *groups, uint32_t *procs)
{
	for (size_t i = 0; i < snap->nr_sockets; i++) {
		const struct snap_socket *s = &snap->sockets[i];
		const struct netns_ports *n = inventory_find_netns(inv, s->sock.netns);

		if (s->state != PS_LISTEN || !n || !n->known || s->sock.sport < n->low ||
		    s->sock.sport > n->high || port_reserved(n, s->sock.sport))
			continue;
		for (size_t g = 0; g < snap->nr_groups; g++)
			if (!memcmp(&snap->groups[g].key, &s->group, sizeof(s->group)))
				groups[g]++;
		if (s->first_holder != UINT32_MAX)
			procs[s->first_holder]++;
	}
}

/* A process known only from its failures holds no socket: take its name
 * from its failure events, or from /proc while it lives. */
static void name_victim(const struct monitor *m, uint32_t tgid, char comm[PW_COMM_LEN])
{
	struct proc_stat st;

	for (size_t i = m->nr_recent; i-- > 0;) {
		if (m->recent[i].tgid == tgid && (m->recent[i].flags & PW_EVF_OWNER_KNOWN)) {
			memcpy(comm, m->recent[i].comm, PW_COMM_LEN);
			return;
		}
	}
	if (!procfs_pid_stat((pid_t)tgid, &st))
		memcpy(comm, st.comm, PW_COMM_LEN);
}

/* A sample of @k; from the snapshot, a process's @comm, @start (0: unknown)
 * and @held ports, and @listeners in the ephemeral range. */
static void observe(struct monitor *m, const struct entity_key *k, const char *comm, uint64_t start,
		    const struct state_counts *held, uint32_t listeners)
{
	struct sample buf_s = {.t_ms = m->now_ms - m->start_ms, .listeners_in_range = listeners};
	struct entity *e = history_get(&m->history, k);
	struct sample *buf;
	struct series series;
	bool reused;

	if (!e)
		return; /* full: the oldest entities expire at the end of the step */
	e = history_claim(&m->history, e, start, &reused);
	if (reused)
		pr_debug("pid %u in cgroup %llu is a new process: the old one's entity retired\n",
			 k->tgid, (unsigned long long)k->group.cgroup_id);
	if (held)
		buf_s.held = *held;
	if (comm)
		memcpy(e->comm, comm, sizeof(e->comm));
	else if (k->kind == ENTITY_PROCESS && !e->comm[0])
		name_victim(m, k->tgid, e->comm);
	memset(&e->failures_by_errno, 0, sizeof(e->failures_by_errno));
	sum_activity(&m->activity, k, &buf_s, &e->failures_by_errno);
	history_push(&m->history, e, &buf_s);
	buf = malloc(m->history.ring_cap * sizeof(*buf));
	if (!buf)
		return;
	series = history_series(&m->history, e, buf);
	classify(&series, &m->cfg.params, &e->verdict, &e->verdict);
	classify(&series, &classify_urgent, &e->urgent, &e->urgent);
	entity_latch_update(&m->history, e);
	if (e->worst == LEAK_NONE)
		e->worst = e->verdict.class;
	free(buf);
}

/* Have @k's counters moved since its last sample (or, for an entity not in
 * the history, does it suffer failures, other than those it had when the
 * history forgot it)? */
static bool activity_moved(struct monitor *m, const struct entity_key *k)
{
	struct entity *e = history_find(&m->history, k);
	struct sample now = {0};
	const struct sample *last;

	sum_activity(&m->activity, k, &now, NULL);
	if (!e || !e->nr)
		return now.failures && !forgotten_still(&m->forgotten, k, now.failures);
	last = history_latest(&m->history, e);
	return now.failures != last->failures || now.opens != last->opens ||
	       now.closes != last->closes;
}

/* @k, not sampled yet this step, is sampled if its counters moved. */
static void observe_if_moved(struct monitor *m, const struct entity_key *k, uint64_t now)
{
	struct entity *e = history_find(&m->history, k);

	if ((!e || e->last_seen_ms != now) && activity_moved(m, k))
		observe(m, k, NULL, 0, NULL, 0);
}

/* Victims: entities that suffer failures but hold nothing show up only in
 * the activity counters; they get samples while their counters move, and
 * expire like any other entity once they stop (the counters outlive them).
 * Each cgroup is looked at once, not once per entry of its: the entries of
 * a cgroup whose short-lived processes filled the map are thousands. */
static void observe_activity_only(struct monitor *m)
{
	const struct activity_table *t = &m->activity;
	uint64_t now = m->now_ms - m->start_ms;

	for (size_t i = 0, end; i < t->nr; i = end) {
		const struct pw_activity_key *a = &t->items[i].key;
		struct entity_key group = {.kind = ENTITY_GROUP,
					   .group = {a->cgroup_id, a->cgroup1_id}};

		end = activity_group_end(t, i);
		observe_if_moved(m, &group, now);
		for (size_t j = i; j < end; j++) {
			struct entity_key proc = {.kind = ENTITY_PROCESS,
						  .tgid = t->items[j].key.tgid,
						  .group = group.group};

			if (proc.tgid)
				observe_if_moved(m, &proc, now);
		}
	}
}

static int observe_all(struct monitor *m, const struct inventory *inv)
{
	const struct snapshot *s = &m->snap;
	uint32_t *lg = calloc(s->nr_groups + 1, sizeof(*lg));
	uint32_t *lp = calloc(s->nr_processes + 1, sizeof(*lp));

	if (!lg || !lp) {
		free(lg);
		free(lp);
		return -ENOMEM;
	}
	count_listeners_in_range(s, inv, lg, lp);
	for (size_t i = 0; i < s->nr_groups; i++) {
		struct entity_key k = {.kind = ENTITY_GROUP, .group = s->groups[i].key};

		observe(m, &k, NULL, 0, &s->groups[i].held, lg[i]);
	}
	for (size_t i = 0; i < s->nr_processes; i++) {
		const struct snap_process *p = &s->processes[i];
		struct entity_key k = {.kind = ENTITY_PROCESS, .tgid = p->tgid, .group = p->group};

		observe(m, &k, p->comm, p->start_time, &p->held, lp[i]);
	}
	observe_activity_only(m);
	free(lg);
	free(lp);
	return 0;
}

/* Entities not seen for two windows are forgotten (processes that exited);
 * those with failures on the counters are noted as such (core/forgotten.h). */
static int expire(struct monitor *m)
{
	uint64_t now = m->now_ms - m->start_ms, keep = 2ull * m->cfg.params.window_ms;
	uint64_t before = now > keep ? now - keep : 0;

	for (size_t i = 0; i < m->history.nr; i++) {
		const struct entity *e = &m->history.items[i];
		const struct sample *last = e->nr ? history_latest(&m->history, e) : NULL;

		/* a retired entity's counters are its pid's new process's */
		if (e->last_seen_ms < before && last && last->failures && entity_current(e))
			forgotten_note(&m->forgotten, &e->key, last->failures);
	}
	forgotten_turn(&m->forgotten);
	return history_expire(&m->history, before);
}

int monitor_step(struct monitor *m)
{
	struct inventory inv;
	int err;

	m->now_ms = monotonic_ms();
	err = event_reader_poll(m->reader, 0);
	if (err < 0 && err != -EINTR)
		return err;
	inventory_init(&inv);
	snapshot_free(&m->snap);
	err = collector_run(&m->collector, &inv);
	if (!err)
		err = snapshot_build_consume(&inv, &m->snap);
	if (!err)
		err = pool_trends_update(&m->pool_trends, &m->snap, m->now_ms);
	if (!err)
		err = activity_read(tracer_activity_fd(&m->tracer), &m->activity);
	if (!err)
		err = observe_all(m, &inv);
	inventory_free(&inv);
	if (!err)
		err = expire(m);
	m->steps++;
	return err;
}

int monitor_open_attached(struct monitor *m, const struct monitor_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	if (history_init(&m->history, ring_samples(cfg), MAX_ENTITIES))
		return -ENOMEM;
	m->start_ms = monotonic_ms();
	return 0;
}

int monitor_step_snapshot(struct monitor *m, struct snapshot *snap)
{
	int err;

	m->now_ms = monotonic_ms();
	snapshot_free(&m->snap);
	m->snap = *snap;
	memset(snap, 0, sizeof(*snap));
	err = pool_trends_update(&m->pool_trends, &m->snap, m->now_ms);
	if (!err)
		err = observe_all(m, NULL); /* no sockets in it: no listener to count */
	if (!err)
		err = expire(m);
	m->steps++;
	return err;
}

int monitor_refresh(struct monitor *m)
{
	struct inventory inv;
	int err;

	inventory_init(&inv);
	snapshot_free(&m->snap);
	err = collector_run(&m->collector, &inv);
	if (!err)
		err = snapshot_build_consume(&inv, &m->snap);
	if (!err)
		pool_trends_apply(&m->pool_trends, &m->snap);
	inventory_free(&inv);
	m->now_ms = monotonic_ms();
	return err;
}
