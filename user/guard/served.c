// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// run's JSON documents (/snapshot, /suspects, /report) from the guard's latest step.
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/latch.h"
#include "core/report.h"
#include "guard/lifeline.h"
#include "guard/served.h"
#include "guard/served_budgets.h"
#include "host/labels.h"
#include "host/runtime_names.h"
#include "views/json.h"
#include "views/report_html.h"
#include "views/report_view.h"
#include "views/snapshot_view.h"
#include "views/view_json.h"

/* A document rendered by @fn into a new buffer. 0 or -errno. */
static int render_mem(char **text, size_t *len, int (*fn)(FILE *, void *), void *arg)
{
	FILE *mem;
	int err;

	*text = NULL;
	*len = 0;
	mem = open_memstream(text, len);
	if (!mem)
		return -ENOMEM;
	err = fn(mem, arg);
	if (fclose(mem) && !err)
		err = -ENOMEM;
	if (err) {
		free(*text);
		*text = NULL;
	}
	return err;
}

static int snapshot_doc(FILE *out, void *arg)
{
	struct guard *g = arg;
	struct labels l;
	int err = labels_build(&l, &g->m.snap, g->resolver);

	if (err)
		return err;
	err = snapshot_view_json(out, &g->m.snap, &l);
	labels_free(&l);
	return err;
}

int guard_render_snapshot(struct guard *g, char **text, size_t *len)
{
	return render_mem(text, len, snapshot_doc, g);
}

/* A monotonic time of the guard (ms) as UTC wall-clock text. */
static void wall_time(uint64_t mono_ms, char *buf, size_t len)
{
	struct timespec now;
	uint64_t ago = monotonic_ms() - mono_ms, ns;

	clock_gettime(CLOCK_REALTIME, &now);
	ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec - ago * 1000000ull;
	now.tv_sec = (time_t)(ns / 1000000000ull);
	now.tv_nsec = (long)(ns % 1000000000ull);
	view_format_time_us(&now, buf, len);
}

static void field_time(struct json_writer *w, const char *key, uint64_t mono_ms)
{
	char ts[VIEW_TIME_US_LEN];

	if (!mono_ms) {
		json_field_null(w, key);
		return;
	}
	wall_time(mono_ms, ts, sizeof(ts));
	json_field_str(w, key, ts);
}

/* The class the guard judges @e by: its verdict, else one named early. */
static enum leak_class entity_class(const struct entity *e)
{
	if (e->verdict.class != LEAK_NONE)
		return e->verdict.class;
	return e->urgent_latched != LEAK_NONE ? e->urgent_latched : e->urgent.class;
}

static bool is_leak(enum leak_class c)
{
	return c != LEAK_NONE && c != LEAK_TIME_WAIT_CHURN && c != LEAK_EPHEMERAL_LISTENER;
}

/* The ladder entry of process @tgid (any start time: one pid is one
 * process at a time in the history), or NULL. */
/* The ladder of process @tgid started at @start (0: unknown, any). */
static const struct tracked *tracked_of(const struct guard *g, uint32_t tgid, uint64_t start)
{
	for (size_t i = 0; i < TARGETS_MAX; i++) {
		const struct tracked *t = &g->targets.items[i];

		if (t->in_use && t->tgid == tgid && (!start || t->start_time == start))
			return t;
	}
	return NULL;
}

/* The processes the guard decided something on (a suspect logged, an
 * action), sorted: listed even without a class. One pass over the targets
 * per document, not one per entity. */
struct decided {
	uint32_t tgids[TARGETS_MAX];
	size_t n;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void decided_build(const struct guard *g, struct decided *d)
{
	d->n = 0;
	for (size_t i = 0; i < TARGETS_MAX; i++) {
		const struct tracked *t = &g->targets.items[i];

		if (t->in_use && t->tgid && (t->th.last != ACTION_NONE || t->last_reason))
			d->tgids[d->n++] = t->tgid;
	}
	qsort(d->tgids, d->n, sizeof(d->tgids[0]), cmp_u32);
}

/* Listed: a process in a class, or one the guard decided something on. */
static bool listed(const struct decided *d, const struct entity *e)
{
	if (e->key.kind != ENTITY_PROCESS || !e->key.tgid || !e->nr)
		return false;
	return entity_class(e) != LEAK_NONE ||
	       bsearch(&e->key.tgid, d->tgids, d->n, sizeof(d->tgids[0]), cmp_u32);
}

/* The fullest pool @tgid (or, unnamed, its cgroup) is a top holder of. */
static const struct snap_pool *pool_of(const struct snapshot *s, uint32_t tgid,
				       const struct group_key *group)
{
	for (size_t i = 0; i < s->nr_pools; i++)
		for (uint32_t k = 0; k < s->pools[i].nr_top; k++)
			if (s->pools[i].top[k].tgid == tgid ||
			    (!s->pools[i].top[k].tgid &&
			     group_key_same(&s->pools[i].top[k].group, group)))
				return &s->pools[i];
	return NULL;
}

static void json_pool(struct json_writer *w, const struct snap_pool *p)
{
	json_key(w, "pool");
	if (!p) {
		json_null(w);
		return;
	}
	view_json_pool_begin(w, p);
	json_field_double(w, "growth_per_s", p->growth_per_s, 3);
	json_field_double(w, "seconds_left", pool_own_seconds_left(p), 1); /* null: not filling */
	json_object_end(w);
}

static void json_ladder(struct json_writer *w, const struct guard *g, const struct tracked *t)
{
	json_key(w, "ladder");
	if (!t) {
		json_null(w);
		return;
	}
	json_object_begin(w);
	json_field_str(w, "last_action",
		       t->th.last != ACTION_NONE ? action_name(t->th.last) : NULL);
	field_time(w, "last_action_at", t->th.last != ACTION_NONE ? t->th.last_ms : 0);
	field_time(w, "quarantined_since", t->th.quarantined_ms);
	field_time(w, "term_at", t->th.term_ms);
	json_field_bool(w, "dry_run", g->ef.dry_run);
	json_field_str(w, "reason", t->last_reason);
	json_field_str(w, "detail", t->last_reason ? t->last_detail : NULL);
	json_object_end(w);
}

static void json_names(struct json_writer *w, const struct group_label *gl)
{
	struct container_id id = gl->container;

	json_key(w, "names");
	if (id.runtime == CONTAINER_NONE || runtime_names_lookup(&id) ||
	    (!id.names.pod[0] && !id.names.container[0])) {
		json_null(w);
		return;
	}
	json_object_begin(w);
	json_field_strn(w, "pod_namespace", id.names.pod_namespace, sizeof(id.names.pod_namespace));
	json_field_strn(w, "pod", id.names.pod, sizeof(id.names.pod));
	json_field_strn(w, "container", id.names.container, sizeof(id.names.container));
	json_object_end(w);
}

static void json_process(struct json_writer *w, const struct guard *g, const struct labels *l,
			 const struct entity *e)
{
	const struct group_label *gl = labels_find(l, &e->key.group);
	const struct tracked *t = tracked_of(g, e->key.tgid, e->start_time);
	uint64_t start = e->start_time ? e->start_time : t ? t->start_time : 0;

	json_object_begin(w);
	json_field_str(w, "scope", "process");
	json_field_uint(w, "pid", e->key.tgid);
	if (start)
		json_field_uint(w, "start_time", start);
	else
		json_field_null(w, "start_time");
	json_field_strn(w, "comm", e->comm, sizeof(e->comm));
	view_json_cgroup(w, gl);
	json_field_uint(w, "cgroup_id", e->key.group.cgroup_id);
	view_json_container(w, &gl->container, false);
	json_names(w, gl);
	json_field_str(w, "class", leak_class_name(entity_class(e)));
	json_field_bool(w, "leak", is_leak(entity_class(e)));
	json_field_double(w, "growth_per_s", e->verdict.growth_per_s, 3);
	json_field_uint(w, "ports_held", entity_ports_held(&g->m.history, e));
	json_pool(w, pool_of(&g->m.snap, e->key.tgid, &e->key.group));
	json_ladder(w, g, t);
	json_object_end(w);
}

/* A cgroup-scope ladder (tracked tgid 0, its cgroup2 id as start time). */
static void json_cgroup_ladder(struct json_writer *w, const struct guard *g, const struct labels *l,
			       const struct tracked *t)
{
	struct group_key key = {.cgroup_id = t->start_time};
	const struct group_label *gl = labels_find(l, &key);

	json_object_begin(w);
	json_field_str(w, "scope", "cgroup");
	json_field_null(w, "pid");
	view_json_cgroup(w, gl);
	json_field_uint(w, "cgroup_id", key.cgroup_id);
	view_json_container(w, &gl->container, false);
	json_names(w, gl);
	json_field_str(w, "class", t->class != LEAK_NONE ? leak_class_name(t->class) : NULL);
	json_pool(w, t->has_pool ? &t->pool : NULL);
	json_ladder(w, g, t);
	json_object_end(w);
}

/* Every group a listed process or a cgroup ladder is in, or with a budget
 * or lifeline refusals, named. */
static int suspect_labels(struct guard *g, const struct decided *d,
			  const struct served_refusals *refusals, struct labels *l)
{
	size_t k = 0;
	struct group_key *keys =
		malloc((g->m.history.nr + TARGETS_MAX + SERVED_BUDGET_KEYS + 1) * sizeof(*keys));
	int err;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < g->m.history.nr; i++)
		if (listed(d, &g->m.history.items[i]))
			keys[k++] = g->m.history.items[i].key.group;
	for (size_t i = 0; i < TARGETS_MAX; i++)
		if (g->targets.items[i].in_use && !g->targets.items[i].tgid)
			keys[k++] = (struct group_key){.cgroup_id = g->targets.items[i].start_time};
	k += served_budget_keys(g, refusals, keys + k);
	err = labels_build_keys(l, keys, k, g->resolver);
	free(keys);
	return err;
}

static void json_actions(struct json_writer *w, const struct audit *a)
{
	json_field_uint(w, "actions_kept_max", AUDIT_RECENT);
	json_break(w);
	json_key(w, "actions");
	json_array_begin_lines(w);
	for (size_t i = 0; i < a->nr_recent; i++) {
		const char *rec = audit_recent(a, i);

		json_raw(w, rec, strlen(rec));
	}
	json_array_end(w);
}

/* The pools past the lifeline now, named with their fill, for top's header. */
static void json_lifeline(struct json_writer *w, const struct guard *g)
{
	char name[128], line[160];

	json_key(w, "lifeline");
	json_array_begin(w);
	for (size_t i = 0; i < g->lifeline.nr; i++) {
		lifeline_pool_name(&g->lifeline.items[i].pool, name, sizeof(name));
		snprintf(line, sizeof(line), "%s (%.1f%%)", name,
			 100.0 * g->lifeline.items[i].fill);
		json_str(w, line);
	}
	json_array_end(w);
}

static int suspects_doc(FILE *out, void *arg)
{
	struct guard *g = arg;
	struct json_writer w;
	struct labels l;
	struct served_refusals refusals;
	struct decided *d = malloc(sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	decided_build(g, d);
	err = served_refusals_build(&refusals, g);
	if (!err)
		err = suspect_labels(g, d, &refusals, &l);
	if (err) {
		served_refusals_free(&refusals);
		free(d);
		return err;
	}
	json_init(&w, out);
	json_object_begin(&w);
	view_json_header(&w, SUSPECTS_JSON_VERSION, "suspects");
	json_field_uint(&w, "pid", (uint64_t)getpid());
	json_field_str(&w, "mode", g->ef.dry_run ? "dry_run" : "enforce");
	json_field_uint(&w, "interval_ms", g->cfg.interval_ms);
	/* [policy]'s: top colours a pool out sooner than this as urgent */
	json_field_uint(&w, "horizon_s", g->cfg.policy.horizon_s);
	field_time(&w, "started", g->m.start_ms);
	json_field_uint(&w, "samples", g->m.steps);
	json_break(&w);
	json_key(&w, "suspects");
	json_array_begin_lines(&w);
	for (size_t i = 0; i < g->m.history.nr; i++)
		if (listed(d, &g->m.history.items[i]))
			json_process(&w, g, &l, &g->m.history.items[i]);
	for (size_t i = 0; i < TARGETS_MAX; i++)
		if (g->targets.items[i].in_use && !g->targets.items[i].tgid)
			json_cgroup_ladder(&w, g, &l, &g->targets.items[i]);
	json_array_end(&w);
	json_lifeline(&w, g);
	served_budgets_json(&w, g, &refusals, &l);
	json_actions(&w, &g->audit);
	json_object_end(&w);
	labels_free(&l);
	served_refusals_free(&refusals);
	free(d);
	return json_finish(&w);
}

int guard_render_suspects(struct guard *g, char **text, size_t *len)
{
	return render_mem(text, len, suspects_doc, g);
}

uint64_t guard_covered_ms(const struct guard *g, unsigned int seconds)
{
	uint64_t held = g->m.steps ? g->m.now_ms - g->m.start_ms : 0;

	return held < seconds * 1000ull ? held : seconds * 1000ull;
}

struct report_job {
	struct guard *g;
	const struct report_query *q;
};

int guard_build_report(struct guard *g, uint64_t covered, struct report *r_out)
{
	uint64_t now = g->m.now_ms - g->m.start_ms; /* the samples' clock */
	struct report r;
	int err = report_build_since(&g->m.history, &g->m.snap, now - covered, true, &r);

	if (err)
		return err;
	r.duration_ms = covered;
	r.interval_ms = g->cfg.interval_ms;
	r.window_ms = g->m.cfg.params.window_ms;
	r.breaches_to_enter = g->m.cfg.params.breaches_to_enter;
	r.steps = covered / g->cfg.interval_ms + 1; /* the samples in the time covered */
	if (r.steps > g->m.steps)
		r.steps = g->m.steps;
	r.lost_events = tracer_lost_events(&g->m.tracer);
	r.missed_runs = tracer_missed_runs(&g->m.tracer);
	r.pool_trends = &g->m.pool_trends;
	r.pool_clock_base_ms = g->m.start_ms;
	err = refusals_report(g, now - covered, &r);
	if (err) {
		report_free(&r);
		return err;
	}
	*r_out = r;
	return 0;
}

static int report_doc(FILE *out, void *arg)
{
	struct report_job *job = arg;
	struct guard *g = job->g;
	struct report r;
	struct labels l;
	int err = guard_build_report(g, guard_covered_ms(g, job->q->seconds), &r);

	if (err)
		return err;
	err = labels_build_report(&l, &r, g->resolver);
	if (!err) {
		if (job->q->html)
			err = report_view_html(out, &r, &l, "leak report");
		else if (job->q->text)
			report_view_text(out, &r, &l);
		else
			err = report_view_json(out, &r, &l);
		labels_free(&l);
	}
	report_free(&r);
	return err;
}

void guard_render_report(void *ctx, const struct report_query *q, struct served_answer *a)
{
	struct report_job job = {.g = ctx, .q = q};

	a->text = q->text;
	a->html = q->html;
	a->covered_ms = guard_covered_ms(job.g, q->seconds);
	a->status = render_mem(&a->body, &a->len, report_doc, &job) ? 500 : 200;
}
