// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The Prometheus text exposition (0.0.4) of run's metrics, from a plain model.
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "views/metrics_text.h"

const char *metrics_outcome_name(enum metrics_outcome o)
{
	static const char *const names[OUTCOME_COUNT] = {"done", "dry_run", "failed", "spared"};

	return o < OUTCOME_COUNT ? names[o] : "?";
}

/* The length of the UTF-8 sequence starting at @s (at most @room bytes), or
 * 0 when it is not valid UTF-8. */
static size_t utf8_seq(const unsigned char *s, size_t room)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
				 : (s[0] & 0xf8) == 0xf0	   ? 4
								   : 0;

	if (!n || n > room || (n == 2 && s[0] < 0xc2))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void metrics_write_label(FILE *f, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t len = strlen(v), used = 0;

	while (used < len) {
		size_t n = utf8_seq(s + used, len - used);

		if (used + (n ? n : 1) > METRICS_LABEL_MAX) /* never half a character */
			break;
		if (!n) {
			fputc('?', f);
			used++;
			continue;
		}
		if (s[used] == '\\' || s[used] == '"')
			fputc('\\', f);
		if (s[used] == '\n')
			fputs("\\n", f);
		else
			fwrite(s + used, 1, n, f);
		used += n;
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A sample value: integers exact, others in %.17g; +Inf, -Inf and NaN spelled as
 * the format wants. */
static void value(FILE *f, double v)
{
	if (isnan(v))
		fputs(" NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
	else
		fprintf(f, " %.17g\n", v);
}

static int by_fill_desc(const void *a, const void *b)
{
	const struct metrics_pool *x = *(const struct metrics_pool *const *)a;
	const struct metrics_pool *y = *(const struct metrics_pool *const *)b;
	double fx = x->capacity_known && x->capacity ? (double)x->used / x->capacity : 0;
	double fy = y->capacity_known && y->capacity ? (double)y->used / y->capacity : 0;

	if (fx != fy)
		return fx > fy ? -1 : 1;
	if (x->used != y->used)
		return x->used > y->used ? -1 : 1;
	return x < y ? -1 : x > y; /* ties keep the model's order: qsort is not stable */
}

static void pool_labels(FILE *f, const char *metric, const struct metrics_pool *p)
{
	fprintf(f, "%s{pool=\"", metric);
	metrics_write_label(f, p ? p->pool : "other");
	fprintf(f, "\",kind=\"%s\",family=\"%s\",netns=\"", p ? p->kind : "", p ? p->family : "");
	if (p)
		fprintf(f, "%u", p->netns);
	fputs("\"}", f);
}

/* Series @which (0 used, 1 capacity, 2 fill, 3 forecast) of the top @n
 * pools, then of @other (NULL: none) summed over the rest. */
static void pool_rows(FILE *f, const struct metrics_pool **top, size_t n,
		      const struct metrics_pool *other, int which)
{
	for (size_t i = 0; i <= n; i++) {
		const struct metrics_pool *p = i < n ? top[i] : other;

		if (!p)
			continue;
		if (which == 2 && !(p->capacity_known && p->capacity))
			continue;
		if (which == 3 && (i == n || !isfinite(p->seconds_left)))
			continue;
		if (which == 1 && !p->capacity_known)
			continue;
		pool_labels(f, which == 0   ? "portwarden_pool_ports_used"
			       : which == 1 ? "portwarden_pool_ports_capacity"
			       : which == 2 ? "portwarden_pool_fill_ratio"
					    : "portwarden_pool_exhaustion_forecast_seconds",
			    i < n ? p : NULL);
		value(f, which == 0   ? p->used
			 : which == 1 ? p->capacity
			 : which == 2 ? (double)p->used / p->capacity
				      : p->seconds_left);
	}
}

static int render_pools(FILE *f, const struct metrics_model *m)
{
	const struct metrics_pool **order = calloc(m->nr_pools + 1, sizeof(*order));
	struct metrics_pool other = {.capacity_known = true, .seconds_left = INFINITY};
	size_t n = m->nr_pools < METRICS_TOP ? m->nr_pools : METRICS_TOP;
	static const char *const help[4] = {
		"Local ports taken in the pool (range minus reserved ports).",
		"Local ports the pool can hand out.",
		"used / capacity, 0..1.",
		"Seconds until the pool runs out at its current growth; absent when it is not filling.",
	};

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < m->nr_pools; i++)
		order[i] = &m->pools[i];
	qsort(order, m->nr_pools, sizeof(*order), by_fill_desc);
	for (size_t i = n; i < m->nr_pools; i++) {
		other.used += order[i]->used;
		other.capacity += order[i]->capacity_known ? order[i]->capacity : 0;
		other.capacity_known &= order[i]->capacity_known;
	}
	for (int w = 0; w < 4; w++) {
		family(f,
		       w == 0	? "portwarden_pool_ports_used"
		       : w == 1 ? "portwarden_pool_ports_capacity"
		       : w == 2 ? "portwarden_pool_fill_ratio"
				: "portwarden_pool_exhaustion_forecast_seconds",
		       "gauge", help[w]);
		pool_rows(f, order, n, m->nr_pools > n ? &other : NULL, w);
	}
	free(order);
	return 0;
}

static uint64_t cgroup_total(const struct metrics_cgroup *c)
{
	uint64_t t = 0;

	for (int s = 0; s < PS_COUNT; s++)
		t += c->held[s];
	return t;
}

/* `{cgroup="..."` and its container's names: an empty one is left out
 * (Prometheus drops an empty label: the same series either way). */
static void cgroup_labels(FILE *f, const char *metric, const char *cgroup,
			  const struct container_names *n)
{
	const char *key[3] = {"pod_namespace", "pod", "container"};
	const char *val[3] = {n->pod_namespace, n->pod, n->container};

	fprintf(f, "%s{cgroup=\"", metric);
	metrics_write_label(f, cgroup);
	fputc('"', f);
	for (int i = 0; i < 3; i++) {
		if (!val[i][0])
			continue;
		fprintf(f, ",%s=\"", key[i]);
		metrics_write_label(f, val[i]);
		fputc('"', f);
	}
}

static int by_ports_desc(const void *a, const void *b)
{
	const struct metrics_cgroup *ca = *(const struct metrics_cgroup *const *)a;
	const struct metrics_cgroup *cb = *(const struct metrics_cgroup *const *)b;
	uint64_t x = cgroup_total(ca), y = cgroup_total(cb);

	if (x != y)
		return x > y ? -1 : 1;
	return ca < cb ? -1 : ca > cb; /* ties keep the model's order (named ones first) */
}

static int render_cgroups(FILE *f, const struct metrics_model *m)
{
	const struct metrics_cgroup **order = calloc(m->nr_cgroups + 1, sizeof(*order));
	struct metrics_cgroup other = {.cgroup = "other"};
	size_t n = m->nr_cgroups < METRICS_TOP ? m->nr_cgroups : METRICS_TOP;

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < m->nr_cgroups; i++)
		order[i] = &m->cgroups[i];
	qsort(order, m->nr_cgroups, sizeof(*order), by_ports_desc);
	for (size_t i = n; i < m->nr_cgroups; i++)
		for (int s = 0; s < PS_COUNT; s++)
			other.held[s] += order[i]->held[s];
	family(f, "portwarden_cgroup_ports", "gauge",
	       "Sockets holding a local port, by cgroup and TCP state (UDP: state UDP).");
	for (size_t i = 0; i <= n; i++) {
		const struct metrics_cgroup *c = i < n ? order[i] : &other;

		if (i == n && m->nr_cgroups <= n)
			break;
		for (int s = 0; s < PS_COUNT; s++) {
			if (!c->held[s])
				continue;
			cgroup_labels(f, "portwarden_cgroup_ports", c->cgroup, &c->names);
			fprintf(f, ",state=\"%s\"} %u\n", port_state_name(s), c->held[s]);
		}
	}
	free(order);
	return 0;
}

static void render_failures(FILE *f, const struct metrics_model *m)
{
	static const char *const errnos[3] = {"EADDRNOTAVAIL", "EADDRINUSE", "EAGAIN"};

	family(f, "portwarden_allocation_failures_total", "counter",
	       "Failed local port allocations suffered, by cgroup and errno.");
	for (size_t i = 0; i < m->nr_failures; i++) {
		const struct metrics_failures *r = &m->failures[i];
		uint64_t v[3] = {r->n.eaddrnotavail, r->n.eaddrinuse, r->n.eagain};

		for (int e = 0; e < 3; e++) {
			cgroup_labels(f, "portwarden_allocation_failures_total", r->cgroup,
				      &r->names);
			fprintf(f, ",errno=\"%s\"} %llu\n", errnos[e], (unsigned long long)v[e]);
		}
	}
}

static void render_guard(FILE *f, const struct metrics_model *m)
{
	family(f, "portwarden_suspects", "gauge",
	       "Processes the latest sample classifies as leaking, by class.");
	for (int c = LEAK_NONE + 1; c < METRICS_CLASSES; c++)
		fprintf(f, "portwarden_suspects{class=\"%s\"} %u\n", leak_class_name(c),
			m->suspects[c]);
	family(f, "portwarden_actions_total", "counter", "Actions taken on suspects, by outcome.");
	for (int a = ACTION_QUARANTINE; a < METRICS_ACTIONS; a++)
		for (int o = 0; o < OUTCOME_COUNT; o++)
			fprintf(f, "portwarden_actions_total{action=\"%s\",outcome=\"%s\"} %llu\n",
				action_name(a), metrics_outcome_name(o),
				(unsigned long long)m->actions[a][o]);
	family(f, "portwarden_lost_events_total", "counter",
	       "Failure events the ring buffer could not hold.");
	fprintf(f, "portwarden_lost_events_total %llu\n", (unsigned long long)m->lost_events);
	family(f, "portwarden_missed_program_runs_total", "counter",
	       "Runs of portwarden's BPF programs the kernel skipped (recursion on a CPU).");
	fprintf(f, "portwarden_missed_program_runs_total %llu\n", (unsigned long long)m->missed_runs);
}

/* @metric's series: the budget's refusals, or the lifeline's. */
static void refusal_rows(FILE *f, const struct metrics_model *m, const char *metric, bool lifeline)
{
	for (size_t i = 0; i < m->nr_budget_refusals; i++) {
		const struct metrics_budget_refusal *r = &m->budget_refusals[i];

		if (r->lifeline != lifeline)
			continue;
		fprintf(f, "%s{cgroup=\"", metric);
		metrics_write_label(f, r->cgroup);
		fprintf(f, "\",errno=\"%s\",dry_run=\"%s\"} %llu\n", r->err,
			r->dry_run ? "true" : "false", (unsigned long long)r->count);
	}
}

/* Only with refusals: a family with no series says nothing. */
static void render_budgets(FILE *f, const struct metrics_model *m)
{
	bool budget = false, lifeline = false;

	for (size_t i = 0; i < m->nr_budget_refusals; i++)
		*(m->budget_refusals[i].lifeline ? &lifeline : &budget) = true;
	if (budget) {
		family(f, "portwarden_budget_refusals_total", "counter",
		       "New local ports a cgroup at its port budget was refused (dry_run: would "
		       "have been), by errno.");
		refusal_rows(f, m, "portwarden_budget_refusals_total", false);
	}
	if (lifeline) {
		family(f, "portwarden_lifeline_refusals_total", "counter",
		       "New local ports in a pool past the lifeline refused to an unprotected "
		       "process of a cgroup (dry_run: would have been), by errno.");
		refusal_rows(f, m, "portwarden_lifeline_refusals_total", true);
	}
	if (!m->nr_lifeline_pools)
		return;
	family(f, "portwarden_lifeline_engaged", "gauge",
	       "1 for each pool past the lifeline, kept for protected processes.");
	for (size_t i = 0; i < m->nr_lifeline_pools; i++) {
		pool_labels(f, "portwarden_lifeline_engaged", &m->lifeline_pools[i]);
		fputs(" 1\n", f);
	}
}

static void render_bpf(FILE *f, const struct metrics_model *m)
{
	if (m->bpf_stats_enabled >= 0) {
		family(f, "portwarden_bpf_stats_enabled", "gauge",
		       "1 when the kernel counts BPF program run time (sysctl kernel.bpf_stats_enabled).");
		fprintf(f, "portwarden_bpf_stats_enabled %d\n", m->bpf_stats_enabled);
	}
	if (m->bpf_stats_enabled != 1)
		return;
	family(f, "portwarden_bpf_program_run_seconds_total", "counter",
	       "Time the kernel spent in each of portwarden's BPF programs.");
	for (size_t i = 0; i < m->nr_progs; i++) {
		fputs("portwarden_bpf_program_run_seconds_total{program=\"", f);
		metrics_write_label(f, m->progs[i].name);
		fputs("\"}", f);
		value(f, m->progs[i].run_time_ns / 1e9);
	}
	family(f, "portwarden_bpf_program_runs_total", "counter",
	       "Runs of each of portwarden's BPF programs.");
	for (size_t i = 0; i < m->nr_progs; i++) {
		fputs("portwarden_bpf_program_runs_total{program=\"", f);
		metrics_write_label(f, m->progs[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)m->progs[i].run_cnt);
	}
}

int metrics_render(const struct metrics_model *m, char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	int err;

	if (!f)
		return -ENOMEM;
	family(f, "portwarden_build_info", "gauge", "Always 1; the version in a label.");
	fputs("portwarden_build_info{version=\"", f);
	metrics_write_label(f, m->version ? m->version : "");
	fputs("\"} 1\n", f);
	family(f, "portwarden_last_sample_timestamp_seconds", "gauge",
	       "Unix time of the latest sample.");
	fputs("portwarden_last_sample_timestamp_seconds", f);
	value(f, m->last_sample_s);
	err = render_pools(f, m);
	if (!err)
		err = render_cgroups(f, m);
	if (!err) {
		render_failures(f, m);
		render_guard(f, m);
		render_budgets(f, m);
		render_bpf(f, m);
	}
	if (fclose(f) || err) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void add_rise(struct failure_counts *total, const struct failure_counts *last,
		     const struct failure_counts *now)
{
	total->eaddrnotavail += now->eaddrnotavail > last->eaddrnotavail
					? now->eaddrnotavail - last->eaddrnotavail
					: 0;
	total->eaddrinuse +=
		now->eaddrinuse > last->eaddrinuse ? now->eaddrinuse - last->eaddrinuse : 0;
	total->eagain += now->eagain > last->eagain ? now->eagain - last->eagain : 0;
}

static struct metrics_totals_entry *totals_entry(struct metrics_totals *t, uint64_t key)
{
	struct metrics_totals_entry *s;

	for (size_t i = 0; i < t->nr_seen; i++)
		if (t->seen[i].key == key)
			return &t->seen[i];
	s = array_grow(t->seen, &t->cap_seen, t->nr_seen + 1, 64, sizeof(*s));
	if (!s)
		return NULL;
	t->seen = s;
	memset(&t->seen[t->nr_seen], 0, sizeof(t->seen[0]));
	t->seen[t->nr_seen].key = key;
	return &t->seen[t->nr_seen++];
}

int metrics_totals_observe(struct metrics_totals *t, uint64_t key, const char *name,
			   const struct container_names *names, const struct failure_counts *now)
{
	struct metrics_totals_entry *e = totals_entry(t, key);
	struct failure_counts rise = {0};
	size_t row = METRICS_TOP;

	if (!e)
		return -ENOMEM;
	add_rise(&rise, &e->last, now);
	e->last = *now;
	if (!rise.eaddrnotavail && !rise.eaddrinuse && !rise.eagain)
		return 0;
	for (size_t i = 0; i < t->nr_rows; i++)
		if (t->keys[i] == key)
			row = i;
	if (row == METRICS_TOP && t->nr_rows < METRICS_TOP) {
		row = t->nr_rows++;
		t->keys[row] = key;
		snprintf(t->rows[row].cgroup, sizeof(t->rows[row].cgroup), "%s", name);
		if (names)
			t->rows[row].names = *names;
	}
	if (row == METRICS_TOP) {
		t->other_used = true;
		snprintf(t->rows[row].cgroup, sizeof(t->rows[row].cgroup), "other");
	}
	t->rows[row].n.eaddrnotavail += rise.eaddrnotavail;
	t->rows[row].n.eaddrinuse += rise.eaddrinuse;
	t->rows[row].n.eagain += rise.eagain;
	return 0;
}

size_t metrics_totals_rows(const struct metrics_totals *t, const struct metrics_failures **rows)
{
	/* "other" counts only once every row is taken: the rows are contiguous */
	*rows = t->rows;
	return t->other_used ? METRICS_TOP + 1 : t->nr_rows;
}

void metrics_totals_free(struct metrics_totals *t)
{
	free(t->seen);
	memset(t, 0, sizeof(*t));
}
