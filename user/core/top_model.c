// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Build the top screen's frame: header, cgroup and process rows, filtered, sorted, laid out.
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "core/escape.h"
#include "core/pending.h"
#include "core/pool_trend.h"
#include "core/top_model.h"

static const char *const column_names[TOP_COL_NR] = {
	[TOP_COL_PID] = "PID",		 [TOP_COL_PORTS] = "PORTS",
	[TOP_COL_ESTABLISHED] = "ESTAB", [TOP_COL_TIME_WAIT] = "TWAIT",
	[TOP_COL_CLOSE_WAIT] = "CWAIT",	 [TOP_COL_UDP] = "UDP",
	[TOP_COL_OTHER] = "OTHER",	 [TOP_COL_GROWTH] = "GROW/s",
	[TOP_COL_FAILURES] = "FAILS",	 [TOP_COL_CLASS] = "CLASS",
	[TOP_COL_NAME] = "NAME",
};

static const char *const errno_names[TOP_ERRNO_NR] = {
	[TOP_EADDRNOTAVAIL] = "EADDRNOTAVAIL",
	[TOP_EADDRINUSE] = "EADDRINUSE",
	[TOP_EAGAIN] = "EAGAIN",
};

const char *top_column_name(enum top_column c)
{
	return (size_t)c < TOP_COL_NR ? column_names[c] : "?";
}

/* A budget's refusals by errno are read into top's order. */
_Static_assert(TOP_EADDRNOTAVAIL == (int)DAEMON_EADDRNOTAVAIL &&
		       TOP_EADDRINUSE == (int)DAEMON_EADDRINUSE &&
		       TOP_EAGAIN == (int)DAEMON_EAGAIN && TOP_ERRNO_NR == (int)DAEMON_ERRNO_NR,
	       "top_errno and daemon_errno in one order");

const char *top_errno_name(enum top_errno e)
{
	return (size_t)e < TOP_ERRNO_NR ? errno_names[e] : "?";
}

void top_counters_read(const struct activity_table *a, uint64_t t_ms, struct top_counters *out)
{
	memset(out, 0, sizeof(*out));
	out->t_ms = t_ms;
	for (size_t i = 0; i < a->nr; i++) {
		const struct pw_activity *v = &a->items[i].val;

		out->failures[TOP_EADDRNOTAVAIL] += v->n[PW_CNT_FAIL_EADDRNOTAVAIL];
		out->failures[TOP_EADDRINUSE] += v->n[PW_CNT_FAIL_EADDRINUSE];
		out->failures[TOP_EAGAIN] += v->n[PW_CNT_FAIL_EAGAIN];
		out->events += v->n[PW_CNT_OPENS] + v->n[PW_CNT_CLOSES] + activity_failures(v);
	}
}

/* ---- header ------------------------------------------------------------------------------ */

void top_counters_daemon(const struct daemon_state *d, struct top_counters *c)
{
	c->daemon_pid = d ? d->pid : 0;
	c->budget_refused = d ? d->budget_refused : 0;
	c->lifeline_refused = d ? d->lifeline_refused : 0;
}

double top_rate(uint64_t before, uint64_t now, uint64_t ms)
{
	return now >= before && ms ? (double)(now - before) * 1000.0 / (double)ms : 0;
}

static uint64_t interval_ms(const struct top_counters *before, const struct top_counters *now)
{
	return now->t_ms > before->t_ms ? now->t_ms - before->t_ms : 0;
}

struct top_refusal_rates top_refusal_rates(const struct top_counters *before,
					   const struct top_counters *now)
{
	uint64_t ms = interval_ms(before, now);

	if (!now->daemon_pid || before->daemon_pid != now->daemon_pid)
		return (struct top_refusal_rates){0, 0};
	return (struct top_refusal_rates){
		top_rate(before->budget_refused, now->budget_refused, ms),
		top_rate(before->lifeline_refused, now->lifeline_refused, ms),
	};
}

static void header_rates(const struct top_input *in, struct top_model *m)
{
	uint64_t ms = interval_ms(&in->before, &in->now);

	m->counters = in->now;
	m->events_per_s = top_rate(in->before.events, in->now.events, ms);
	for (int e = 0; e < TOP_ERRNO_NR; e++)
		m->failures_per_s[e] = top_rate(in->before.failures[e], in->now.failures[e], ms);
	m->refusals_shown = in->daemon && in->daemon->budgets_served &&
			    (in->daemon->refusal_hooks || in->daemon->nr_budgets ||
			     in->now.budget_refused || in->now.lifeline_refused);
	m->refusals_dry = in->daemon && in->daemon->dry_run;
	m->refused_per_s = top_refusal_rates(&in->before, &in->now);
}

static void pool_where(const struct snap_pool *p, char *buf, size_t len)
{
	int af = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	char local[INET6_ADDRSTRLEN] = "?", remote[INET6_ADDRSTRLEN] = "?";

	buf[0] = '\0';
	if (p->kind != POOL_TCP_CONNECT)
		return;
	inet_ntop(af, p->laddr, local, sizeof(local));
	inet_ntop(af, p->raddr, remote, sizeof(remote));
	snprintf(buf, len, af == AF_INET6 ? "%s -> [%s]:%u" : "%s -> %s:%u", local, remote,
		 p->rport);
}

enum top_urgency top_urgency_of(double seconds_left, uint32_t horizon_s)
{
	if (!isfinite(seconds_left))
		return TOP_URGENCY_NONE;
	if (seconds_left <= (double)horizon_s)
		return TOP_URGENCY_NOW;
	return seconds_left <= 2.0 * horizon_s ? TOP_URGENCY_SOON : TOP_URGENCY_NONE;
}

/* Soonest out first (pools with no forecast after those with one), then
 * fullest; pools of unknown capacity (fill 0) by ports used. */
static int cmp_pool(const void *pa, const void *pb)
{
	const struct top_pool *a = pa, *b = pb;

	return cmp_u64(!isfinite(a->seconds_left), !isfinite(b->seconds_left))
		?: cmp_double(isfinite(a->seconds_left) ? a->seconds_left : 0,
			      isfinite(b->seconds_left) ? b->seconds_left : 0)
		?: cmp_double(b->fill, a->fill) ?: cmp_u64(b->used, a->used)
		?: cmp_u64(a->netns, b->netns) ?: cmp_u64(a->kind, b->kind)
		?: strcmp(a->where, b->where);
}

/* The last TOP_POOL_HISTORY readings of @p's fill, for its chart. */
static void pool_history(const struct pool_trends *tr, const struct snap_pool *p,
			 struct pool_reading *buf, struct top_pool *t)
{
	const struct pool_trend *trend = tr && buf ? pool_trends_find(tr, p) : NULL;
	size_t n = trend ? pool_trend_readings(trend, buf) : 0;
	size_t first = n > TOP_POOL_HISTORY ? n - TOP_POOL_HISTORY : 0;

	for (size_t i = first; i < n; i++) {
		if (!buf[i].capacity) /* a reading of unknown capacity breaks the chart */
			t->nr_history = 0;
		else
			t->history[t->nr_history++] = (float)buf[i].used / (float)buf[i].capacity;
	}
	if (t->nr_history)
		t->history_s = (uint32_t)((buf[n - 1].t_ms - buf[n - t->nr_history].t_ms) / 1000);
}

static int copy_pools(const struct top_input *in, struct top_model *m)
{
	const struct snapshot *s = in->snap;
	struct pool_reading *buf = in->pool_trends ? calloc(POOL_TREND_RING, sizeof(*buf)) : NULL;

	m->pools = calloc(s->nr_pools + 1, sizeof(*m->pools));
	if (!m->pools || (in->pool_trends && !buf)) {
		free(buf);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nr_pools; i++) {
		const struct snap_pool *p = &s->pools[i];
		struct top_pool *t = &m->pools[i];

		t->kind = p->kind;
		t->netns = p->netns;
		t->used = p->used;
		t->capacity = p->capacity;
		t->capacity_known = p->capacity_known;
		t->fill = snap_pool_fill(p);
		t->seconds_left = pool_own_seconds_left(p); /* as run's /suspects and metrics */
		t->urgency = top_urgency_of(t->seconds_left, m->horizon_s);
		pool_where(p, t->where, sizeof(t->where));
		pool_history(in->pool_trends, p, buf, t);
	}
	free(buf);
	m->nr_pools = s->nr_pools;
	qsort(m->pools, m->nr_pools, sizeof(*m->pools), cmp_pool);
	return 0;
}

/* Attached: the daemon's suspects whose ladder took (or would take) an action,
 * in /suspects' order, for the event strip; comm from our history. */
static void copy_events(const struct top_input *in, struct top_model *m)
{
	m->attached = in->daemon != NULL;
	m->daemon = in->daemon;
	for (size_t i = 0; in->daemon && i < in->daemon->nr; i++) {
		const struct daemon_suspect *ds = &in->daemon->items[i];
		const struct entity *e =
			ds->tgid ? history_find_process(in->history, ds->tgid) : NULL;
		struct top_event *ev = &m->events[m->nr_events];

		if (!ds->last_action[0])
			continue;
		m->total_events++;
		if (m->nr_events == TOP_EVENTS)
			continue;
		ev->tgid = ds->tgid;
		ev->cgroup_id = ds->cgroup_id;
		ev->class = ds->class;
		memcpy(ev->action, ds->last_action, sizeof(ev->action));
		if (e)
			memcpy(ev->comm, e->comm, sizeof(ev->comm));
		m->nr_events++;
	}
}

/* ---- rows from the history --------------------------------------------------------------- */

/* Every cgroup and process row, before the filter; groups sorted by key. */
struct rows {
	struct top_group *groups;
	bool *group_synthetic; /* no cgroup entity: its stats are its processes' sum */
	size_t nr_groups;
	struct top_process *procs;
	struct group_key *proc_keys;
	size_t nr_procs;
};

/*
 * Entities worth a row: sampled at the latest step (the others left), and
 * holding a port or failing to get one now. The monitor keeps sampling a
 * process that exited through its activity counters: this hides it.
 */
static bool worth_a_row(const struct top_input *in, const struct entity *e)
{
	if (!e->nr || e->last_seen_ms < in->sample_ms)
		return false;
	return history_latest(in->history, e)->held.total || e->verdict.failures_per_s > 0;
}

static void add_ports(const struct state_counts *c, struct top_stats *st)
{
	st->ports += c->total;
	st->established += c->n[PS_ESTABLISHED];
	st->time_wait += c->n[PS_TIME_WAIT];
	st->close_wait += c->n[PS_CLOSE_WAIT];
	st->udp += c->n[PS_UDP];
	st->other += c->n[PS_LISTEN] + c->n[PS_SYN_SENT] + c->n[PS_FIN_WAIT] + c->n[PS_LAST_ACK] +
		     c->n[PS_BOUND];
}

/* The class @e is heading to, when it has none yet; @buf: room for a series. */
static void pending_of(const struct top_input *in, const struct entity *e, struct sample *buf,
		       struct top_stats *st)
{
	struct pending p;
	struct series s;

	if (!in->params || !buf)
		return;
	s = history_series(in->history, e, buf);
	if (pending_class(&s, &e->verdict, in->params, &p)) {
		st->pending = p.heading;
		st->pending_s = p.evidence_s;
	}
}

static struct top_stats stats_of(const struct top_input *in, const struct entity *e,
				 struct sample *buf)
{
	const struct sample *s = history_latest(in->history, e);
	struct top_stats st = {
		.growth_per_s = e->verdict.growth_per_s,
		.failures = s->failures,
		.class = e->verdict.class,
		.suspect = e->verdict.class != LEAK_NONE,
	};

	add_ports(&s->held, &st);
	pending_of(in, e, buf, &st);
	return st;
}

/* Did the daemon's ladder act on it (quarantine, reclaim, SIGTERM, SIGKILL)? */
static bool daemon_acted(const struct daemon_suspect *ds)
{
	static const char *const acts[] = {"quarantine", "reclaim", "term", "kill"};

	for (size_t i = 0; ds && i < sizeof(acts) / sizeof(acts[0]); i++)
		if (!strcmp(ds->last_action, acts[i]))
			return true;
	return false;
}

/* Attached: the daemon's class and action for @e, in place of top's own. */
static void daemon_overlay(const struct top_input *in, const struct entity *e,
			   struct top_stats *st)
{
	const struct daemon_suspect *ds;

	if (!in->daemon)
		return;
	ds = daemon_state_find(in->daemon, e->key.kind == ENTITY_PROCESS ? e->key.tgid : 0,
			       e->start_time, e->key.group.cgroup_id);
	if (ds && e->key.kind == ENTITY_GROUP && ds->tgid)
		ds = NULL; /* a process's row is not its cgroup's */
	st->class = ds ? ds->class : LEAK_NONE;
	if (st->class != LEAK_NONE)
		st->pending = LEAK_NONE; /* the daemon named it */
	st->suspect = st->class != LEAK_NONE || daemon_acted(ds);
	st->acted |= daemon_acted(ds);
}

static void add_stats(struct top_stats *to, const struct top_stats *from)
{
	to->ports += from->ports;
	to->established += from->established;
	to->time_wait += from->time_wait;
	to->close_wait += from->close_wait;
	to->udp += from->udp;
	to->other += from->other;
	to->growth_per_s += from->growth_per_s;
	to->failures += from->failures;
}

/* A cgroup entity or a process's cgroup, before deduplication. */
struct group_slot {
	struct group_key key;
	const struct entity *e; /* NULL: known only through a process */
};

/* By key; for one key the slot with an entity first, so it is the one kept. */
static int cmp_slot(const void *pa, const void *pb)
{
	const struct group_slot *a = pa, *b = pb;

	return group_key_cmp(&a->key, &b->key) ?: cmp_u64(!a->e, !b->e);
}

static size_t collect_slots(const struct top_input *in, struct group_slot *slots)
{
	const struct history *h = in->history;
	size_t n = 0;

	for (size_t i = 0; i < h->nr; i++) {
		const struct entity *e = &h->items[i];

		if (!worth_a_row(in, e))
			continue;
		slots[n].key = e->key.group;
		slots[n++].e = e->key.kind == ENTITY_GROUP ? e : NULL;
	}
	qsort(slots, n, sizeof(*slots), cmp_slot);
	return n;
}

/* Sockets with no cgroup (id 0): TIME_WAIT and orphans whose closer was not
 * seen. The resolver would call them a deleted cgroup. */
static const struct group_label *label_of(const struct labels *l, const struct group_key *k)
{
	static const struct group_label no_cgroup = {
		.place = {.path = "(no cgroup: TIME_WAIT, orphans)", .hierarchy = "unknown"},
	};

	return k->cgroup_id || k->cgroup1_id ? labels_find(l, k) : &no_cgroup;
}

static int collect_groups(const struct top_input *in, struct rows *r, struct sample *buf)
{
	struct group_slot *slots = calloc(in->history->nr + 1, sizeof(*slots));
	size_t n;

	if (!slots)
		return -ENOMEM;
	n = collect_slots(in, slots);
	for (size_t i = 0; i < n; i++) {
		struct top_group *g = &r->groups[r->nr_groups];

		if (i && !group_key_cmp(&slots[i].key, &slots[i - 1].key))
			continue;
		g->key = slots[i].key;
		g->label = label_of(in->labels, &g->key);
		g->budget = daemon_budget_find(in->daemon, g->key.cgroup_id);
		if (slots[i].e) {
			g->stats = stats_of(in, slots[i].e, buf);
			daemon_overlay(in, slots[i].e, &g->stats);
		}
		r->group_synthetic[r->nr_groups++] = !slots[i].e;
	}
	free(slots);
	return 0;
}

static bool was_acted_upon(const struct top_input *in, uint32_t tgid, const struct group_key *k)
{
	for (size_t i = 0; i < in->nr_acted; i++)
		if (in->acted[i].tgid == tgid && !group_key_cmp(&in->acted[i].group, k))
			return true;
	return false;
}

static void collect_processes(const struct top_input *in, struct rows *r, struct sample *buf)
{
	const struct history *h = in->history;

	for (size_t i = 0; i < h->nr; i++) {
		const struct entity *e = &h->items[i];
		struct top_process *p = &r->procs[r->nr_procs];

		if (e->key.kind != ENTITY_PROCESS || !worth_a_row(in, e))
			continue;
		p->tgid = e->key.tgid;
		memcpy(p->comm, e->comm, sizeof(p->comm));
		p->stats = stats_of(in, e, buf);
		p->stats.acted = was_acted_upon(in, p->tgid, &e->key.group);
		daemon_overlay(in, e, &p->stats);
		r->proc_keys[r->nr_procs++] = e->key.group;
	}
}

static int cmp_group_key(const void *key, const void *group)
{
	return group_key_cmp(key, &((const struct top_group *)group)->key);
}

/* Attach each process to its cgroup: counts, marks, and the sums of cgroups
 * known only through their processes. */
static void attach_processes(struct rows *r)
{
	for (size_t i = 0; i < r->nr_procs; i++) {
		struct top_process *p = &r->procs[i];
		struct top_group *g = bsearch(&r->proc_keys[i], r->groups, r->nr_groups, sizeof(*g),
					      cmp_group_key);

		p->group = (size_t)(g - r->groups); /* every process key made a group */
		g->nr_processes++;
		if (r->group_synthetic[p->group])
			add_stats(&g->stats, &p->stats);
		g->stats.suspect |= p->stats.suspect;
		g->stats.acted |= p->stats.acted;
	}
}

static void rows_free(struct rows *r)
{
	free(r->groups);
	free(r->group_synthetic);
	free(r->procs);
	free(r->proc_keys);
	memset(r, 0, sizeof(*r));
}

static int rows_collect(const struct top_input *in, struct rows *r)
{
	size_t cap = in->history->nr + 1;
	/* one entity's series at a time, for its pending class */
	struct sample *buf = calloc(in->history->ring_cap + 1, sizeof(*buf));

	memset(r, 0, sizeof(*r));
	r->groups = calloc(cap, sizeof(*r->groups));
	r->group_synthetic = calloc(cap, sizeof(*r->group_synthetic));
	r->procs = calloc(cap, sizeof(*r->procs));
	r->proc_keys = calloc(cap, sizeof(*r->proc_keys));
	if (!buf || !r->groups || !r->group_synthetic || !r->procs || !r->proc_keys ||
	    collect_groups(in, r, buf)) {
		free(buf);
		rows_free(r);
		return -ENOMEM;
	}
	collect_processes(in, r, buf);
	free(buf);
	attach_processes(r);
	return 0;
}

/* ---- filter ------------------------------------------------------------------------------ */

/* Match what the screen shows (the escaped form), so what one sees one can type. */
static bool text_matches(const char *raw, size_t raw_len, const char *filter)
{
	char shown[ESCAPE_TERMINAL_BUF_SIZE(PATH_MAX)];

	escape_terminal(shown, sizeof(shown), raw, raw_len);
	return strcasestr(shown, filter) != NULL;
}

static bool group_matches(const struct top_group *g, const char *filter)
{
	const struct container_id *c = &g->label->container;

	return !*filter || text_matches(g->label->place.path, SIZE_MAX, filter) ||
	       text_matches(c->id, sizeof(c->id), filter) ||
	       text_matches(c->pod_uid, sizeof(c->pod_uid), filter) ||
	       text_matches(c->unit, sizeof(c->unit), filter) ||
	       text_matches(c->names.pod_namespace, sizeof(c->names.pod_namespace), filter) ||
	       text_matches(c->names.pod, sizeof(c->names.pod), filter) ||
	       text_matches(c->names.container, sizeof(c->names.container), filter);
}

/* Which rows pass the filter: a process by its comm or its cgroup, a cgroup
 * by its names or any of its processes (then shown expanded). */
struct shown {
	bool *group, *group_itself, *proc;
};

static int filter_rows(const struct rows *r, const char *filter, struct shown *s)
{
	s->group = calloc(r->nr_groups + 1, sizeof(bool));
	s->group_itself = calloc(r->nr_groups + 1, sizeof(bool));
	s->proc = calloc(r->nr_procs + 1, sizeof(bool));
	if (!s->group || !s->group_itself || !s->proc)
		return -ENOMEM;
	for (size_t g = 0; g < r->nr_groups; g++)
		s->group[g] = s->group_itself[g] = group_matches(&r->groups[g], filter);
	for (size_t i = 0; i < r->nr_procs; i++) {
		const struct top_process *p = &r->procs[i];

		s->proc[i] =
			s->group_itself[p->group] || text_matches(p->comm, sizeof(p->comm), filter);
		s->group[p->group] |= s->proc[i];
	}
	return 0;
}

static void shown_free(struct shown *s)
{
	free(s->group);
	free(s->group_itself);
	free(s->proc);
}

/* ---- sort -------------------------------------------------------------------------------- */

/* Suspects first: the classes the daemon acts on, then advice-only ones,
 * then those heading to a class, longest evidence first. */
static int class_rank(const struct top_stats *s)
{
	if (s->class == LEAK_NONE)
		return s->pending != LEAK_NONE;
	return s->class == LEAK_TIME_WAIT_CHURN || s->class == LEAK_EPHEMERAL_LISTENER ? 2 : 3;
}

/* A column's natural order: biggest first for quantities, suspects first. */
static int cmp_stats(const struct top_stats *a, const struct top_stats *b, enum top_column col)
{
	switch (col) {
	case TOP_COL_PORTS:
		return cmp_u64(b->ports, a->ports);
	case TOP_COL_ESTABLISHED:
		return cmp_u64(b->established, a->established);
	case TOP_COL_TIME_WAIT:
		return cmp_u64(b->time_wait, a->time_wait);
	case TOP_COL_CLOSE_WAIT:
		return cmp_u64(b->close_wait, a->close_wait);
	case TOP_COL_UDP:
		return cmp_u64(b->udp, a->udp);
	case TOP_COL_OTHER:
		return cmp_u64(b->other, a->other);
	case TOP_COL_GROWTH:
		return cmp_double(b->growth_per_s, a->growth_per_s);
	case TOP_COL_FAILURES:
		return cmp_u64(b->failures, a->failures);
	case TOP_COL_CLASS:
		return cmp_u64(class_rank(b), class_rank(a)) ?: cmp_u64(a->class, b->class)
			?: cmp_u64(b->pending_s, a->pending_s);
	default:
		return 0;
	}
}

struct sort_ctx {
	const struct top_query *q;
	const struct top_group *groups;
};

static int cmp_group_column(const struct top_group *a, const struct top_group *b,
			    enum top_column col)
{
	if (col == TOP_COL_PID)
		return group_key_cmp(&a->key, &b->key);
	if (col == TOP_COL_NAME)
		return strcmp(a->label->place.path, b->label->place.path);
	return cmp_stats(&a->stats, &b->stats, col);
}

/* Sorts indices into ctx->groups; ties: most ports, then key, so frames are stable. */
static int cmp_group_index(const void *pa, const void *pb, void *ctx)
{
	const struct sort_ctx *c = ctx;
	const struct top_group *a = &c->groups[*(const size_t *)pa];
	const struct top_group *b = &c->groups[*(const size_t *)pb];
	int order = cmp_group_column(a, b, c->q->sort);

	return (c->q->reverse ? -order : order) ?: cmp_u64(b->stats.ports, a->stats.ports)
		?: group_key_cmp(&a->key, &b->key);
}

static int cmp_process_column(const struct top_process *a, const struct top_process *b,
			      enum top_column col)
{
	if (col == TOP_COL_PID)
		return cmp_u64(a->tgid, b->tgid);
	if (col == TOP_COL_NAME)
		return strncmp(a->comm, b->comm, sizeof(a->comm));
	return cmp_stats(&a->stats, &b->stats, col);
}

/* Tree view: by cgroup (already in screen order), then the column. */
static int cmp_process(const void *pa, const void *pb, void *ctx)
{
	const struct top_query *q = ctx;
	const struct top_process *a = pa, *b = pb;
	int order = q->flat ? 0 : cmp_u64(a->group, b->group);

	if (order)
		return order;
	order = cmp_process_column(a, b, q->sort);
	return (q->reverse ? -order : order) ?: cmp_u64(b->stats.ports, a->stats.ports)
		?: cmp_u64(a->tgid, b->tgid) ?: cmp_u64(a->group, b->group);
}

/* ---- the frame --------------------------------------------------------------------------- */

static bool asked_expanded(const struct top_query *q, const struct group_key *k)
{
	for (size_t i = 0; i < q->nr_expanded; i++)
		if (!group_key_cmp(&q->expanded[i], k))
			return true;
	return false;
}

/* The shown cgroups, in screen order; @rank maps a row index to its place. */
static int place_groups(const struct rows *r, const struct shown *s, const struct top_query *q,
			struct top_model *m, size_t *rank)
{
	size_t *order = calloc(r->nr_groups + 1, sizeof(*order)), n = 0;
	struct sort_ctx ctx = {.q = q, .groups = r->groups};

	m->groups = calloc(r->nr_groups + 1, sizeof(*m->groups));
	if (!order || !m->groups) {
		free(order);
		return -ENOMEM;
	}
	for (size_t g = 0; g < r->nr_groups; g++)
		if (s->group[g])
			order[n++] = g;
	qsort_r(order, n, sizeof(*order), cmp_group_index, &ctx);
	for (size_t i = 0; i < n; i++) {
		struct top_group *g = &m->groups[i];

		*g = r->groups[order[i]];
		g->expanded = !q->flat && (q->expand_all || asked_expanded(q, &g->key) ||
					   !s->group_itself[order[i]]);
		rank[order[i]] = i;
	}
	m->nr_groups = n;
	free(order);
	return 0;
}

static int place_processes(const struct rows *r, const struct shown *s, const size_t *rank,
			   struct top_model *m)
{
	m->processes = calloc(r->nr_procs + 1, sizeof(*m->processes));
	if (!m->processes)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_procs; i++) {
		if (!s->proc[i])
			continue;
		m->processes[m->nr_processes] = r->procs[i];
		m->processes[m->nr_processes++].group = rank[r->procs[i].group];
	}
	qsort_r(m->processes, m->nr_processes, sizeof(*m->processes), cmp_process, &m->query);
	if (m->query.flat)
		return 0;
	for (size_t i = 0; i < m->nr_processes; i++) {
		struct top_group *g = &m->groups[m->processes[i].group];

		if (!g->nr++)
			g->first = i;
	}
	return 0;
}

static int lay_out(struct top_model *m)
{
	size_t n = 0;

	m->lines = calloc(m->nr_groups + m->nr_processes + 1, sizeof(*m->lines));
	if (!m->lines)
		return -ENOMEM;
	for (size_t i = 0; m->query.flat && i < m->nr_processes; i++)
		m->lines[n++] = (struct top_line){TOP_LINE_PROCESS, i};
	for (size_t i = 0; !m->query.flat && i < m->nr_groups; i++) {
		const struct top_group *g = &m->groups[i];

		m->lines[n++] = (struct top_line){TOP_LINE_GROUP, i};
		for (size_t p = 0; g->expanded && p < g->nr; p++)
			m->lines[n++] = (struct top_line){TOP_LINE_PROCESS, g->first + p};
	}
	m->nr_lines = n;
	return 0;
}

static int build_table(const struct top_input *in, struct top_model *m)
{
	struct rows r;
	struct shown s = {0};
	size_t *rank = NULL;
	int err = rows_collect(in, &r);

	if (err)
		return err;
	m->total_groups = r.nr_groups;
	m->total_processes = r.nr_procs;
	rank = calloc(r.nr_groups + 1, sizeof(*rank));
	err = rank ? filter_rows(&r, m->query.filter, &s) : -ENOMEM;
	if (!err)
		err = place_groups(&r, &s, &m->query, m, rank);
	if (!err)
		err = place_processes(&r, &s, rank, m);
	if (!err)
		err = lay_out(m);
	free(rank);
	shown_free(&s);
	rows_free(&r);
	return err;
}

int top_model_build(const struct top_input *in, const struct top_query *q, struct top_model *m)
{
	int err;

	memset(m, 0, sizeof(*m));
	m->query = *q;
	m->query.filter[sizeof(m->query.filter) - 1] = '\0';
	m->wall_time = in->wall_time;
	m->uptime_ms = in->sample_ms;
	m->mode = in->mode ? in->mode : "dry run";
	m->hooks = in->hooks ? in->hooks : "?";
	m->lost_events = in->lost_events;
	m->missed_runs = in->missed_runs;
	m->actions = in->actions;
	m->horizon_s = in->horizon_s;
	header_rates(in, m);
	copy_events(in, m);
	err = copy_pools(in, m);
	if (!err)
		err = build_table(in, m);
	m->query.expanded = NULL; /* the caller's; a frame must not point at it */
	m->query.nr_expanded = 0;
	if (err)
		top_model_free(m);
	return err;
}

void top_model_free(struct top_model *m)
{
	free(m->pools);
	free(m->groups);
	free(m->processes);
	free(m->lines);
	memset(m, 0, sizeof(*m));
}

const struct top_group *top_line_group(const struct top_model *m, const struct top_line *l)
{
	if (l->kind == TOP_LINE_GROUP)
		return &m->groups[l->index];
	return &m->groups[m->processes[l->index].group];
}

const struct top_stats *top_line_stats(const struct top_model *m, const struct top_line *l)
{
	if (l->kind == TOP_LINE_GROUP)
		return &m->groups[l->index].stats;
	return &m->processes[l->index].stats;
}
