// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// run's metrics model from the guard's latest step.
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "act/quarantine.h"
#include "guard/metrics.h"
#include "host/procfs.h"
#include "host/runtime_names.h"

void guard_count_action(struct guard *g, enum action a, enum metrics_outcome o)
{
	if (a < METRICS_ACTIONS && o < OUTCOME_COUNT)
		g->actions[a][o]++;
}

static void pool_name(const struct snap_pool *p, char *buf, size_t len)
{
	int af = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	char local[INET6_ADDRSTRLEN] = "?", remote[INET6_ADDRSTRLEN] = "?";
	int n = snprintf(buf, len, "%s %s netns %u", pool_kind_name(p->kind),
			 af == AF_INET6 ? "ipv6" : "ipv4", p->netns);

	if (p->kind != POOL_TCP_CONNECT || n < 0 || (size_t)n >= len)
		return;
	inet_ntop(af, p->laddr, local, sizeof(local));
	inet_ntop(af, p->raddr, remote, sizeof(remote));
	snprintf(buf + n, len - n, af == AF_INET6 ? " %s -> [%s]:%u" : " %s -> %s:%u", local,
		 remote, p->rport);
}

static struct metrics_pool *model_pools(const struct snapshot *s)
{
	struct metrics_pool *out = calloc(s->nr_pools + 1, sizeof(*out));

	for (size_t i = 0; out && i < s->nr_pools; i++) {
		const struct snap_pool *p = &s->pools[i];

		pool_name(p, out[i].pool, sizeof(out[i].pool));
		out[i].kind = pool_kind_name(p->kind);
		out[i].family = p->family == AF_INET6 ? "ipv6" : "ipv4";
		out[i].netns = p->netns;
		out[i].used = p->used;
		out[i].capacity = p->capacity;
		out[i].capacity_known = p->capacity_known;
		out[i].seconds_left = pool_own_seconds_left(p);
	}
	return out;
}

/* A cgroup's label: its path; one longer than the label cap would be cut
 * to a prefix two cgroups may share (one series twice: a scrape refused),
 * so it becomes "[id N] ..." and as much of its end (the most telling part)
 * as fits, from a UTF-8 character's start. With its container's names from
 * the runtime (cached there), "" when none or unreadable. */
static void cgroup_name(struct guard *g, const struct group_key *k, char *buf, size_t len,
			struct container_names *names)
{
	struct cgroup_place place;
	struct container_id id;
	const char *path, *tail;
	int n;

	cgroup_resolver_place(g->resolver, k->cgroup_id, k->cgroup1_id, 0, &place);
	path = place.path ? place.path : "?";
	container_from_cgroup_path(place.path, &id);
	runtime_names_lookup(&id); /* names stay "" when unknown */
	*names = id.names;
	n = snprintf(buf, len, "%s%s%s", strcmp(place.hierarchy, "v2") ? place.hierarchy : "",
		     strcmp(place.hierarchy, "v2") ? ":" : "", path);
	if (n >= 0 && (size_t)n > METRICS_LABEL_MAX) {
		n = snprintf(buf, len, "[id %llu] ...", (unsigned long long)k->cgroup_id);
		tail = path + strlen(path) - (METRICS_LABEL_MAX - n);
		while ((*tail & 0xc0) == 0x80)
			tail++;
		snprintf(buf + n, len - n, "%s", tail);
	}
	cgroup_place_release(&place);
}

/* Every group; only the first METRICS_TOP (the snapshot's order: most
 * sockets first, which the renderer keeps on ties) are named: the rest are
 * summed under "other" and cost no lookup. */
static struct metrics_cgroup *model_cgroups(struct guard *g, const struct snapshot *s)
{
	struct metrics_cgroup *out = calloc(s->nr_groups + 1, sizeof(*out));

	for (size_t i = 0; out && i < s->nr_groups; i++) {
		if (i < METRICS_TOP)
			cgroup_name(g, &s->groups[i].key, out[i].cgroup, sizeof(out[i].cgroup),
				    &out[i].names);
		memcpy(out[i].held, s->groups[i].held.n, sizeof(out[i].held));
	}
	return out;
}

/* Each cgroup's failure counters, as the latest step read them, into the
 * life totals. */
static void observe_failures(struct guard *g)
{
	for (size_t i = 0; i < g->m.history.nr; i++) {
		const struct entity *e = &g->m.history.items[i];
		const struct failure_counts *f = &e->failures_by_errno;
		uint64_t key = e->key.group.cgroup_id == 1 ? e->key.group.cgroup1_id | (1ull << 63)
							    : e->key.group.cgroup_id;
		char name[METRICS_NAME_MAX] = "";
		struct container_names names = {0};

		if (e->key.kind != ENTITY_GROUP)
			continue;
		if (f->eaddrnotavail || f->eaddrinuse || f->eagain)
			cgroup_name(g, &e->key.group, name, sizeof(name), &names);
		metrics_totals_observe(&g->failure_totals, key, name, &names, f);
	}
}

static void count_suspects(const struct guard *g, struct metrics_model *m)
{
	for (size_t i = 0; i < g->m.history.nr; i++) {
		const struct entity *e = &g->m.history.items[i];
		enum leak_class c = e->verdict.class ? e->verdict.class : e->urgent_latched;

		if (e->key.kind == ENTITY_PROCESS && e->last_seen_ms == g->m.now_ms &&
		    c < METRICS_CLASSES)
			m->suspects[c]++;
	}
}

static int bpf_stats_enabled(void)
{
	FILE *f = procfs_fopen("sys/kernel/bpf_stats_enabled");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v < 0 ? -1 : v > 0;
}

/* Every program run loaded: the event path's, the socket iterators' (each
 * sample runs them) and the quarantine hook's (while it has work). Their
 * names differ across the objects: one series each. */
static void model_progs(const struct guard *g, struct metrics_model *m)
{
	struct tracer_prog_stat st[METRICS_PROGS_MAX];
	size_t n;

	m->bpf_stats_enabled = bpf_stats_enabled();
	if (m->bpf_stats_enabled != 1)
		return;
	n = tracer_prog_stats(&g->m.tracer, st, METRICS_PROGS_MAX);
	n += collector_prog_stats(&g->m.collector, st + n, METRICS_PROGS_MAX - n);
	n += quarantine_prog_stats(g->ef.quarantine, st + n, METRICS_PROGS_MAX - n);
	m->nr_progs = n;
	for (size_t i = 0; i < m->nr_progs; i++) {
		memcpy(m->progs[i].name, st[i].name, sizeof(m->progs[i].name));
		m->progs[i].run_time_ns = st[i].run_time_ns;
		m->progs[i].run_cnt = st[i].run_cnt;
	}
}

static bool same_series(const struct budget_refusal *a, const struct budget_refusal *b)
{
	return a->cgroup_id == b->cgroup_id && a->err == b->err && a->dry_run == b->dry_run &&
	       a->lifeline == b->lifeline;
}

struct series_ctx {
	const struct budget_refusal **first; /* each series' first key */
};

static bool series_eq(const void *ctx, uint32_t idx, const void *key)
{
	return same_series(((const struct series_ctx *)ctx)->first[idx], key);
}

/* The refusals the last step read (guard/refusals.c), summed over pools
 * (the series are by cgroup and errno), named; how many in *@nr. */
static struct metrics_budget_refusal *model_budgets(struct guard *g, size_t *nr)
{
	const struct guard_refusals *gr = &g->refusals;
	struct metrics_budget_refusal *out = calloc(gr->nr_seen + 1, sizeof(*out));
	struct series_ctx sc = {calloc(gr->nr_seen + 1, sizeof(*sc.first))};
	struct container_names names;
	struct idmap index = {0};
	size_t n = 0;

	if (!out || !sc.first || idmap_reserve(&index, gr->nr_seen + 1))
		gr = &(struct guard_refusals){0}; /* no memory: no rows */
	for (size_t i = 0; i < gr->nr_seen; i++) {
		const struct budget_refusal *r = &gr->seen[i];
		struct group_key k = {.cgroup_id = r->cgroup_id};
		uint64_t h = hash_u64(r->cgroup_id ^ ((uint64_t)r->err << 32) ^
				      ((uint64_t)r->dry_run << 1) ^ r->lifeline);
		uint32_t *slot = idmap_slot(&index, h, series_eq, &sc, r);

		if (*slot) { /* another pool of a series named already */
			out[*slot - 1].count += r->count;
			continue;
		}
		sc.first[n] = r;
		cgroup_name(g, &k, out[n].cgroup, sizeof(out[n].cgroup), &names);
		out[n].err = strerrorname_np((int)r->err);
		out[n].dry_run = r->dry_run;
		out[n].lifeline = r->lifeline;
		out[n].count = r->count;
		*slot = (uint32_t)++n;
	}
	idmap_free(&index);
	free(sc.first);
	*nr = n;
	return out;
}

int guard_metrics_render(struct guard *g, const char *version, char **text, size_t *len)
{
	struct metrics_model *m = calloc(1, sizeof(*m));
	struct metrics_pool *pools = model_pools(&g->m.snap);
	struct metrics_cgroup *cgroups = model_cgroups(g, &g->m.snap);
	size_t nr_budgets = 0;
	struct metrics_budget_refusal *budgets = model_budgets(g, &nr_budgets);
	struct metrics_pool *engaged = calloc(g->lifeline.nr + 1, sizeof(*engaged));
	struct timespec now;
	int err = -ENOMEM;

	for (size_t i = 0; engaged && i < g->lifeline.nr; i++) {
		const struct snap_pool *p = &g->lifeline.items[i].pool;

		pool_name(p, engaged[i].pool, sizeof(engaged[i].pool));
		engaged[i].kind = pool_kind_name(p->kind);
		engaged[i].family = p->family == AF_INET6 ? "ipv6" : "ipv4";
		engaged[i].netns = p->netns;
	}
	if (m && pools && cgroups && budgets && engaged) {
		clock_gettime(CLOCK_REALTIME, &now);
		m->version = version;
		m->last_sample_s = now.tv_sec + now.tv_nsec / 1e9;
		m->pools = pools;
		m->nr_pools = g->m.snap.nr_pools;
		m->cgroups = cgroups;
		m->nr_cgroups = g->m.snap.nr_groups;
		observe_failures(g);
		m->nr_failures = metrics_totals_rows(&g->failure_totals, &m->failures);
		count_suspects(g, m);
		memcpy(m->actions, g->actions, sizeof(m->actions));
		m->lost_events = tracer_lost_events(&g->m.tracer);
		m->missed_runs = tracer_missed_runs(&g->m.tracer);
		model_progs(g, m);
		m->budget_refusals = budgets;
		m->nr_budget_refusals = nr_budgets;
		m->lifeline_pools = engaged;
		m->nr_lifeline_pools = g->lifeline.nr;
		err = metrics_render(m, text, len);
	}
	free(engaged);
	free(budgets);
	free(pools);
	free(cgroups);
	free(m);
	return err;
}
