// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Build policy candidates: identity, pressure and forecast for one suspect process.
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "core/latch.h"
#include "core/pool_trend.h"
#include "guard/candidates.h"
#include "host/procfs.h"
#include "host/runtime_names.h"

#define URGENT_HORIZON_S 60.0

/* Sockets @tgid holds in @s, TIME_WAIT excluded; UINT32_MAX if absent. */
static uint32_t snapshot_ports_held(const struct snapshot *s, uint32_t tgid)
{
	const struct snap_process *p = snapshot_find_process(s, tgid);

	return p ? state_ports_held(&p->held) : UINT32_MAX;
}

/* The fullest pool @tgid's cgroup is a top holder in: where it will hurt. */
static const struct snap_pool *worst_pool(const struct snapshot *s, const struct group_key *g)
{
	const struct snap_pool *worst = NULL;

	for (size_t i = 0; i < s->nr_pools; i++) {
		const struct snap_pool *p = &s->pools[i];

		for (uint32_t t = 0; t < p->nr_top; t++)
			if (group_key_same(&p->top[t].group, g) && p->capacity_known &&
			    (!worst || snap_pool_fill(p) > snap_pool_fill(worst)))
				worst = p;
	}
	return worst;
}

/* The share of @p's used ports that group @g holds, capped at @own (what
 * the process itself holds): a process's own part, as far as we can tell. */
static double pool_share(const struct snap_pool *p, const struct group_key *g, uint32_t own)
{
	uint32_t used = 0;

	if (!p || !p->used)
		return 0;
	for (uint32_t t = 0; t < p->nr_top; t++)
		if (group_key_same(&p->top[t].group, g))
			used = p->top[t].used;
	return (double)(used < own ? used : own) / p->used;
}

static uint32_t leaking_in(const struct history *h, const struct group_key *g)
{
	uint32_t n = 0;

	for (size_t i = 0; i < h->nr; i++)
		if (h->items[i].key.kind == ENTITY_PROCESS &&
		    group_key_same(&h->items[i].key.group, g) &&
		    class_actionable(h->items[i].verdict.class))
			n++;
	return n;
}

/* A fast leak (classify_urgent) is named only when it would exhaust its
 * pool within a minute: then waiting for the normal window costs the pool.
 * Once named it stays latched (urgent_latch_update), whatever the forecast:
 * the quarantine that stops its growth also empties the forecast. */
static void heed_urgent(const struct entity *e, const struct snap_pool *p, struct candidate *c)
{
	double left = pool_seconds_left(p, e->urgent.growth_per_s);

	if (class_actionable(c->class))
		return;
	if (class_actionable(e->urgent_latched)) {
		c->class = e->urgent_latched;
		return;
	}
	if (!class_actionable(e->urgent.class) || left > URGENT_HORIZON_S)
		return;
	c->class = e->urgent.class;
	c->growth_per_s = e->urgent.growth_per_s;
	c->pool_seconds_left = left;
	c->urgent_named = true;
}

void candidate_heed_surge(struct candidate *c, const struct verdict *v, const struct snap_pool *p)
{
	double left = pool_seconds_left(p, v->growth_per_s);

	if (!class_actionable(v->class) || left > URGENT_HORIZON_S)
		return;
	/* the snapshots' growth, not the counters': the forecast rests on held ports */
	if (left < c->pool_seconds_left) {
		c->growth_per_s = v->growth_per_s;
		c->pool_seconds_left = left;
	}
	if (!class_actionable(c->class)) {
		c->class = v->class;
		c->urgent_named = true;
	}
}

/*
 * A pool is pressed when it would run out within twice the normal judgement
 * (window and hysteresis, 45 s by default) at its growth: the normal path
 * would then name a leaker only after half the time left. Its growing
 * holders are judged as a report of half the time left would be
 * (classify_fit: a window of 2/5 of that, 4 samples at least), so that the
 * verdict comes while half the time remains. With several leakers in one
 * pool, judging on the whole time left (a window of 2/5 of it, pressure from
 * one judgement) named the first at 36-43% fill (BENCHMARKS.md section 6).
 * A benign pool that warms up while its pool is pressed may be quarantined
 * for a while: the quarantine lifts once its class settles, and signals
 * need its own growth.
 */
#define PRESSURE_JUDGEMENTS 2

/* @e judged over a window fitted to half of @left_s seconds, no hysteresis. */
static void judge_fitted(const struct monitor *m, const struct entity *e, double left_s,
			 struct verdict *v)
{
	uint64_t half_left_ms = (uint64_t)(left_s * 1000 / 2);
	struct classify_params fit = classify_fit(&m->cfg.params, half_left_ms, m->cfg.interval_ms);
	struct sample *buf = malloc(m->history.ring_cap * sizeof(*buf));
	struct series s;

	memset(v, 0, sizeof(*v));
	if (!buf)
		return;
	fit.breaches_to_enter = 1;
	s = history_series(&m->history, e, buf);
	classify(&s, &fit, NULL, v);
	free(buf);
}

/* Seconds @pool has left at @growth_per_s, when it is pressed (see above);
 * else INFINITY. */
static double pressing_seconds(const struct monitor *m, const struct snap_pool *pool,
			       double growth_per_s)
{
	double left = pool_seconds_left(pool, growth_per_s);
	double judgement_s = (m->cfg.params.window_ms +
			      (double)m->cfg.params.breaches_to_enter * m->cfg.interval_ms) /
			     1000.0;

	return pool && pool->capacity_known && left < PRESSURE_JUDGEMENTS * judgement_s ? left
											: INFINITY;
}

void candidate_heed_pressure(const struct monitor *m, const struct entity *e,
			     const struct snap_pool *pool, struct candidate *c)
{
	double left = pressing_seconds(m, pool, c->growth_per_s);
	struct verdict v;

	if (class_actionable(c->class) || !isfinite(left))
		return;
	judge_fitted(m, e, left, &v);
	if (!class_actionable(v.class))
		return;
	c->class = v.class;
	c->growth_per_s = v.growth_per_s;
	c->pool_seconds_left = pool_seconds_left(pool, v.growth_per_s);
	c->pressure_named = true;
}

/* The entity of @g as a whole, NULL for the root (it is the whole host). */
static const struct entity *group_entity(const struct monitor *m, const struct group_key *g)
{
	struct entity_key k = {.kind = ENTITY_GROUP, .group = *g};

	if (g->cgroup_id <= 1 && g->cgroup1_id == 0)
		return NULL;
	return history_find(&m->history, &k);
}

void candidate_heed_group(const struct monitor *m, const struct entity *e,
			  const struct snap_pool *pool, struct candidate *c)
{
	const struct entity *g = group_entity(m, &e->key.group);
	struct verdict v;
	double left;

	if (class_actionable(c->class) || c->growth_per_s <= 0 || !g)
		return;
	v = g->verdict;
	left = pressing_seconds(m, pool, v.growth_per_s);
	if (!class_actionable(v.class) && isfinite(left))
		judge_fitted(m, g, left, &v);
	if (!class_actionable(v.class))
		return;
	c->class = v.class;
	c->growth_per_s = v.growth_per_s; /* the pool drains at the group's pace */
	c->pool_seconds_left = pool_seconds_left(pool, v.growth_per_s);
	c->group_named = true;
	if (c->leaking_in_cgroup < 2)
		c->leaking_in_cgroup =
			2; /* spread over its processes: scope auto takes the cgroup */
}

void candidate_as_cgroup(const struct monitor *m, const struct entity *e,
			 const struct snap_pool *pool, struct candidate *c)
{
	const struct entity *g = group_entity(m, &e->key.group);
	uint32_t held;

	if (c->leaking_in_cgroup < 2)
		c->leaking_in_cgroup = 2; /* scope auto keeps the cgroup */
	if (!g)
		return;
	held = entity_ports_held(&m->history, g);
	c->cgroup_ports_held = held > c->ports_held ? held : c->ports_held;
	if (g->verdict.growth_per_s > c->growth_per_s) {
		c->growth_per_s = g->verdict.growth_per_s;
		c->pool_seconds_left = pool_seconds_left(pool, c->growth_per_s);
	}
	c->pool_share = pool_share(pool, &e->key.group, c->cgroup_ports_held);
}

/* @tgid's held ports in the current snapshot, as a sample taken at its time. */
static bool snapshot_sample(const struct monitor *m, uint32_t tgid, struct sample *out)
{
	const struct snap_process *p = snapshot_find_process(&m->snap, tgid);

	if (!p)
		return false;
	memset(out, 0, sizeof(*out));
	out->t_ms = m->now_ms - m->start_ms;
	out->held = p->held;
	return true;
}

void candidate_surge(const struct monitor *m, const struct entity *e, uint64_t since_ms,
		     struct verdict *v)
{
	struct sample *buf = malloc((m->history.ring_cap + 1) * sizeof(*buf));
	struct sample now;
	struct series s;

	memset(v, 0, sizeof(*v));
	/* absent from the current snapshot: it holds nothing now, whatever it held */
	if (!buf || !snapshot_sample(m, e->key.tgid, &now)) {
		free(buf);
		return;
	}
	s = history_series(&m->history, e, buf);
	if (!s.nr || now.t_ms > buf[s.nr - 1].t_ms)
		buf[s.nr++] = now; /* a snapshot taken between steps */
	classify_surge(&s, since_ms > m->start_ms ? since_ms - m->start_ms : 0, &classify_urgent,
		       v);
	free(buf);
}

/* The runtime's names of the container at @path, for pod and container_name rules. */
static void container_names_of(const char *path, struct candidate *c)
{
	struct container_id id;
	int err;

	container_from_cgroup_path(path, &id);
	err = runtime_names_lookup(&id);
	c->names = id.names;
	/* no file to read (docker, systemd, no container) is not unknown: no names */
	c->names_unknown = err && err != -EOPNOTSUPP;
}

int candidate_build(const struct monitor *m, const struct entity *e, struct cgroup_resolver *r,
		    struct candidate *c, const struct snap_pool **pool)
{
	struct proc_stat st;
	struct cgroup_place place;
	const struct snap_pool *p;

	memset(c, 0, sizeof(*c));
	/* a pid reused since @e's process was last in a snapshot: the live
	 * process is not the one @e's samples are of */
	if (procfs_pid_stat((pid_t)e->key.tgid, &st) ||
	    (e->start_time && e->start_time != st.start_time))
		return -ESRCH;
	c->tgid = e->key.tgid;
	c->start_time = st.start_time;
	memcpy(c->comm, e->comm[0] ? e->comm : st.comm, sizeof(c->comm));
	procfs_pid_exe((pid_t)c->tgid, c->exe, sizeof(c->exe));
	cgroup_resolver_place(r, e->key.group.cgroup_id, e->key.group.cgroup1_id, (pid_t)c->tgid,
			      &place);
	c->cgroup_err = place.err;
	if (snprintf(c->cgroup, sizeof(c->cgroup), "%s", place.path) >= (int)sizeof(c->cgroup))
		c->cgroup_err = -ENAMETOOLONG; /* cut: no rule may match a part */
	c->cgroup_is_v2 = !strcmp(place.hierarchy, "v2");
	container_names_of(place.path, c);
	cgroup_place_release(&place);
	c->class = e->verdict.class;
	c->ports_held = snapshot_ports_held(&m->snap, c->tgid);
	if (c->ports_held == UINT32_MAX)
		c->ports_held = entity_ports_held(&m->history, e);
	c->growth_per_s = e->verdict.growth_per_s;
	c->leaking_in_cgroup = leaking_in(&m->history, &e->key.group);
	p = worst_pool(&m->snap, &e->key.group);
	c->pool_fill = p ? snap_pool_fill(p) : 0;
	c->pool_share = pool_share(p, &e->key.group, c->ports_held);
	c->pool_seconds_left = pool_seconds_left(p, c->growth_per_s);
	heed_urgent(e, p, c);
	*pool = p;
	return 0;
}

void urgent_latch(struct entity *e, const struct candidate *c)
{
	bool named_early = c->urgent_named || c->pressure_named || c->group_named;

	if (named_early)
		entity_latch(e, c->class, c->ports_held);
}
