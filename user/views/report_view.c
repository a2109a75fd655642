// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Render a leak report for people (text) or programs (versioned JSON).
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include "core/escape.h"
#include "core/runtime_names.h"
#include "views/report_view.h"
#include "views/view_json.h"

#define PATH_ESC_LEN ESCAPE_TERMINAL_BUF_SIZE(PW_CGROUP_PATH_MAX) /* whole paths, escaped */

static bool pool_held_by(const struct snap_pool *p, const struct group_key *k)
{
	for (uint32_t i = 0; i < p->nr_top; i++)
		if (!memcmp(&p->top[i].group, k, sizeof(*k)))
			return true;
	return false;
}

static void text_pool(FILE *out, const struct snap_pool *p)
{
	char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];

	fprintf(out, "    %s", pool_kind_name(p->kind));
	if (p->kind == POOL_TCP_CONNECT) {
		view_format_ip(p->family, p->laddr, l, sizeof(l));
		view_format_ip(p->family, p->raddr, r, sizeof(r));
		fprintf(out, " %s -> %s:%u", l, r, p->rport);
	}
	if (p->capacity_known)
		fprintf(out, " in netns %u: %u of %u ports (%.1f%%)\n", p->netns, p->used,
			p->capacity, 100.0 * snap_pool_fill(p));
	else
		fprintf(out, " in netns %u: %u ports (capacity unknown)\n", p->netns, p->used);
}

static void text_states(FILE *out, const struct state_counts *c)
{
	for (int i = 0; i < PS_COUNT; i++)
		if (c->n[i])
			fprintf(out, " %s %u", port_state_name(i), c->n[i]);
	if (c->bind_before_connect)
		fprintf(out, " (bind-before-connect %u)", c->bind_before_connect);
}

/* " (EADDRNOTAVAIL 3, EAGAIN 1)": the errnos that occurred, after a total. */
static void text_failures_by_errno(FILE *out, const struct failure_counts *f)
{
	const char *sep = " (";

	if (f->eaddrnotavail) {
		fprintf(out, "%sEADDRNOTAVAIL %llu", sep, (unsigned long long)f->eaddrnotavail);
		sep = ", ";
	}
	if (f->eaddrinuse) {
		fprintf(out, "%sEADDRINUSE %llu", sep, (unsigned long long)f->eaddrinuse);
		sep = ", ";
	}
	if (f->eagain) {
		fprintf(out, "%sEAGAIN %llu", sep, (unsigned long long)f->eagain);
		sep = ", ";
	}
	if (sep[0] == ',')
		fputc(')', out);
}

static void text_process(FILE *out, const struct report_process *p, bool victim)
{
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)];

	escape_terminal(comm, sizeof(comm), p->comm, sizeof(p->comm));
	if (victim) {
		fprintf(out, "pid %u %s: %llu failures", p->tgid, comm,
			(unsigned long long)p->failures);
		text_failures_by_errno(out, &p->failures_by_errno);
		fprintf(out, ", %.1f/s at the end", p->verdict.failures_per_s);
		return;
	}
	fprintf(out, "pid %u %s: %s, %+.1f sockets/s, %u sockets (peak %u), %.1f opens/s", p->tgid,
		comm, leak_class_name(p->class), p->verdict.growth_per_s, p->held_now.total,
		p->held_peak, p->verdict.opens_per_s);
}

/* The runtime's names, escaped: they come from pod specs. */
static void text_names(FILE *out, const struct container_names *n)
{
	char shown[RUNTIME_NAMES_SHOWN_SIZE];

	runtime_names_shown(n, shown, sizeof(shown));
	if (shown[0])
		fprintf(out, " %s", shown);
}

static void text_container(FILE *out, const struct report *r, const struct labels *l,
			   const struct report_container *c)
{
	const struct group_label *g = labels_find(l, &c->key);
	char path[PATH_ESC_LEN];

	escape_terminal(path, sizeof(path), g->place.path, SIZE_MAX);
	fprintf(out, "\n%s", path);
	if (g->container.runtime != CONTAINER_NONE)
		fprintf(out, "  [%s %.12s]", container_runtime_name(g->container.runtime),
			g->container.id[0] ? g->container.id : g->container.unit);
	text_names(out, &g->container.names);
	fprintf(out, "\n  class: %s", leak_class_name(c->class));
	if (c->class != LEAK_NONE)
		fprintf(out, ": %s", leak_class_advice(c->class));
	fprintf(out, "\n  sockets: %u now, %u peak;", c->held_now.total, c->held_peak);
	text_states(out, &c->held_now);
	fprintf(out,
		"\n  rates: %+.1f sockets/s, %.1f opens/s, %.1f closes/s; failures suffered: "
		"%llu",
		c->verdict.growth_per_s, c->verdict.opens_per_s, c->verdict.closes_per_s,
		(unsigned long long)c->failures);
	text_failures_by_errno(out, &c->failures_by_errno);
	fputc('\n', out);
	for (size_t i = 0; i < c->nr_suspects; i++) {
		fputs(i ? "    " : "  suspects:\n    ", out);
		text_process(out, &r->suspects[c->first_suspect + i], false);
		fputc('\n', out);
	}
	for (size_t i = 0, n = 0; r->last && i < r->last->nr_pools; i++) {
		if (!pool_held_by(&r->last->pools[i], &c->key))
			continue;
		if (!n++)
			fputs("  pools it holds ports in:\n", out);
		text_pool(out, &r->last->pools[i]);
	}
}

/* "refused" / "would have been refused", and by what */
static const char *refusal_reason(const struct refusal_key *k)
{
	return k->lifeline ? "lifeline" : "budget";
}

/* The budget and lifeline hooks' refusals in the window, by cgroup, errno
 * and pool, most first. */
static void text_refusals(FILE *out, const struct report *r, const struct labels *l)
{
	const struct refusal_summary *s = &r->refusals;
	char path[PATH_ESC_LEN], pool[160];

	if (r->refusals_none) {
		fprintf(out, "\nREFUSALS: not recorded: %s\n", r->refusals_none);
		return;
	}
	fprintf(out,
		"\nREFUSALS by the port budget and lifeline hooks: %llu refused, %llu would have "
		"been (dry run)\n",
		(unsigned long long)s->refused, (unsigned long long)s->would_refuse);
	if (s->dropped)
		fprintf(out, "(%llu refusals in this window are no longer kept by the daemon)\n",
			(unsigned long long)s->dropped);
	if (r->refusals_unkeyed)
		fprintf(out,
			"(%llu refusals since the hooks loaded were not counted by cgroup, errno and "
			"pool: the kernel's table was full)\n",
			(unsigned long long)r->refusals_unkeyed);
	for (size_t i = 0; i < s->nr; i++) {
		const struct refusal_count *c = &s->rows[i];
		struct group_key k = {.cgroup_id = c->key.cgroup_id};

		escape_terminal(path, sizeof(path), labels_find(l, &k)->place.path, SIZE_MAX);
		refusal_pool_name(&c->key.pool, pool, sizeof(pool));
		fprintf(out, "  %s: %llu %s %s (%s) in the %s\n", path,
			(unsigned long long)c->count, strerrorname_np((int)c->key.err),
			c->key.dry_run ? "would have been refused" : "refused",
			refusal_reason(&c->key), pool);
	}
}

void report_view_text(FILE *out, const struct report *r, const struct labels *l)
{
	char path[PATH_ESC_LEN];

	fprintf(out, "portwarden leak report: %.0f s observed, %llu samples every %llu ms\n",
		r->duration_ms / 1000.0, (unsigned long long)r->steps,
		(unsigned long long)r->interval_ms);
	if (r->window_ms < classify_defaults.window_ms)
		fprintf(out,
			"(a short watch: leaks judged on a %.0f s window and %llu agreeing samples, "
			"where the defaults take %.0f s and %u; run longer to be surer)\n",
			r->window_ms / 1000.0, (unsigned long long)r->breaches_to_enter,
			classify_defaults.window_ms / 1000.0, classify_defaults.breaches_to_enter);
	if (r->lost_events)
		fprintf(out,
			"(%llu failure events were lost: the ring buffer was full; counts are "
			"exact)\n",
			(unsigned long long)r->lost_events);
	if (r->missed_runs)
		fprintf(out,
			"(the kernel skipped %llu runs of our programs: one was already running on "
			"that CPU; counts and owners may miss what those runs saw)\n",
			(unsigned long long)r->missed_runs);
	fprintf(out, "\nCONTAINERS (%zu, suspects first)\n", r->nr_containers);
	for (size_t i = 0; i < r->nr_containers; i++)
		text_container(out, r, l, &r->containers[i]);
	fprintf(out, "\nVICTIMS: processes that suffered failed port allocations (%zu)\n",
		r->nr_victims);
	for (size_t i = 0; i < r->nr_victims; i++) {
		escape_terminal(path, sizeof(path),
				labels_find(l, &r->victims[i].group)->place.path, SIZE_MAX);
		fputs("  ", out);
		text_process(out, &r->victims[i], true);
		fprintf(out, "  in %s\n", path);
	}
	text_refusals(out, r, l);
}

static void json_group(struct json_writer *w, const struct labels *l, const struct group_key *k)
{
	const struct group_label *g = labels_find(l, k);

	view_json_cgroup(w, g);
	view_json_container(w, &g->container, false);
}

static void json_rates(struct json_writer *w, const struct verdict *v)
{
	json_field_double(w, "growth_per_s", v->growth_per_s, 3);
	json_field_double(w, "opens_per_s", v->opens_per_s, 3);
	json_field_double(w, "closes_per_s", v->closes_per_s, 3);
	json_field_double(w, "failures_per_s", v->failures_per_s, 3);
}

/* "sockets_now","sockets_peak","failures","failures_by_errno":{...} */
static void json_held_and_failures(struct json_writer *w, const struct state_counts *now,
				   uint32_t peak, uint64_t failures, const struct failure_counts *f)
{
	json_field_uint(w, "sockets_now", now->total);
	json_field_uint(w, "sockets_peak", peak);
	json_field_uint(w, "failures", failures);
	json_key(w, "failures_by_errno");
	json_object_begin(w);
	json_field_uint(w, "EADDRNOTAVAIL", f->eaddrnotavail);
	json_field_uint(w, "EADDRINUSE", f->eaddrinuse);
	json_field_uint(w, "EAGAIN", f->eagain);
	json_object_end(w);
}

static void json_process(struct json_writer *w, const struct labels *l,
			 const struct report_process *p)
{
	json_object_begin(w);
	json_field_uint(w, "pid", p->tgid);
	json_field_strn(w, "comm", p->comm, sizeof(p->comm));
	json_group(w, l, &p->group);
	json_field_str(w, "class", leak_class_name(p->class));
	json_held_and_failures(w, &p->held_now, p->held_peak, p->failures, &p->failures_by_errno);
	json_rates(w, &p->verdict);
	json_object_end(w);
}

static void json_container(struct json_writer *w, const struct report *r, const struct labels *l,
			   const struct report_container *c)
{
	json_object_begin(w);
	json_group(w, l, &c->key);
	json_field_str(w, "class", leak_class_name(c->class));
	json_field_str(w, "advice", c->class == LEAK_NONE ? NULL : leak_class_advice(c->class));
	json_held_and_failures(w, &c->held_now, c->held_peak, c->failures, &c->failures_by_errno);
	view_json_states(w, &c->held_now);
	json_rates(w, &c->verdict);
	json_key(w, "suspects");
	json_array_begin(w);
	for (size_t i = 0; i < c->nr_suspects; i++)
		json_process(w, l, &r->suspects[c->first_suspect + i]);
	json_array_end(w);
	json_key(w, "pools");
	json_array_begin(w);
	for (size_t i = 0; r->last && i < r->last->nr_pools; i++) {
		if (!pool_held_by(&r->last->pools[i], &c->key))
			continue;
		view_json_pool_begin(w, &r->last->pools[i]);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

static void json_refusal(struct json_writer *w, const struct labels *l,
			 const struct refusal_count *c)
{
	struct group_key k = {.cgroup_id = c->key.cgroup_id};

	json_object_begin(w);
	json_group(w, l, &k);
	json_field_uint(w, "cgroup_id", c->key.cgroup_id);
	json_field_str(w, "errno", strerrorname_np((int)c->key.err));
	json_field_str(w, "reason", refusal_reason(&c->key));
	json_field_bool(w, "dry_run", c->key.dry_run);
	json_field_uint(w, "count", c->count);
	json_key(w, "pool");
	view_json_refusal_pool(w, &c->key.pool);
	json_object_end(w);
}

/* "refusals":{"recorded":..,"why_not":..,"refused","would_refuse","dropped",
 * "unkeyed_since_load","rows":[...]} */
static void json_refusals(struct json_writer *w, const struct report *r, const struct labels *l)
{
	json_key(w, "refusals");
	json_object_begin(w);
	json_field_bool(w, "recorded", !r->refusals_none);
	json_field_str(w, "why_not", r->refusals_none);
	json_field_uint(w, "refused", r->refusals.refused);
	json_field_uint(w, "would_refuse", r->refusals.would_refuse);
	json_field_uint(w, "dropped", r->refusals.dropped);
	json_field_uint(w, "unkeyed_since_load", r->refusals_unkeyed);
	json_key(w, "rows");
	json_array_begin_lines(w);
	for (size_t i = 0; i < r->refusals.nr; i++)
		json_refusal(w, l, &r->refusals.rows[i]);
	json_array_end(w);
	json_object_end(w);
}

int report_view_json(FILE *out, const struct report *r, const struct labels *l)
{
	struct json_writer w;

	json_init(&w, out);
	json_object_begin(&w);
	view_json_header(&w, REPORT_JSON_VERSION, "report");
	json_field_double(&w, "duration_s", r->duration_ms / 1000.0, 3);
	json_field_uint(&w, "interval_ms", r->interval_ms);
	json_field_uint(&w, "samples", r->steps);
	json_field_uint(&w, "window_ms", r->window_ms);
	json_field_uint(&w, "breaches_to_enter", r->breaches_to_enter);
	json_field_uint(&w, "lost_events", r->lost_events);
	json_field_uint(&w, "missed_runs", r->missed_runs);
	json_break(&w);
	json_key(&w, "containers");
	json_array_begin_lines(&w);
	for (size_t i = 0; i < r->nr_containers; i++)
		json_container(&w, r, l, &r->containers[i]);
	json_array_end(&w);
	json_break(&w);
	json_key(&w, "victims");
	json_array_begin_lines(&w);
	for (size_t i = 0; i < r->nr_victims; i++)
		json_process(&w, l, &r->victims[i]);
	json_array_end(&w);
	json_break(&w);
	json_refusals(&w, r, l);
	json_object_end(&w);
	return json_finish(&w);
}
