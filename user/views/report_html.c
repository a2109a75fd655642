// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The leak report as one self-contained HTML page, for the person who looks
// the next morning: per container and suspect the ports held by state over
// time, the pools' fill with the forecast and every action, failures by
// errno, the victims, the class and its advice. Every name a process or a
// pod chose goes through html_write_string(); the page runs no script and
// its CSP forbids fetching anything, so even a missed escape could not act.
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "core/escape.h"
#include "core/runtime_names.h"
#include "views/report_html.h"
#include "views/view_json.h"

#define CHART_W	  880
#define CHART_H	  220
#define CHART_L	  56  /* room for the y axis labels */
#define CHART_R	  150 /* room for the legend */
#define CHART_TOP 14
#define CHART_BOT 30 /* room for the x axis labels */

static const char *const state_colors[PS_COUNT] = {
	"#6a3d9a", "#ff7f00", "#1f78b4", "#e31a1c", "#b15928",
	"#999999", "#fb9a99", "#33a02c", "#a6cee3",
};

/* Not libm's fmax/fmin: the binaries do not link libm for two comparisons. */
static double max_d(double a, double b)
{
	return a > b ? a : b;
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

static void esc(FILE *out, const char *s, size_t len)
{
	html_write_string(out, s, len);
}

/* The x and y ranges a chart maps onto its plot area. */
struct chart {
	double t0, t1; /* seconds, the samples' clock */
	double ymax;
};

static double cx(const struct chart *c, double t)
{
	double span = c->t1 > c->t0 ? c->t1 - c->t0 : 1;

	return CHART_L + (t - c->t0) / span * (CHART_W - CHART_L - CHART_R);
}

static double cy(const struct chart *c, double v)
{
	double top = c->ymax > 0 ? c->ymax : 1;

	return CHART_H - CHART_BOT - v / top * (CHART_H - CHART_TOP - CHART_BOT);
}

static void chart_begin(FILE *out, const struct chart *c, const char *label, const char *unit)
{
	fprintf(out,
		"<svg class=\"chart\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		label, CHART_W, CHART_H, CHART_W, CHART_H);
	fprintf(out,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		"stroke=\"#ccc\"/>\n",
		CHART_L, CHART_TOP, CHART_W - CHART_L - CHART_R, CHART_H - CHART_TOP - CHART_BOT);
	fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f%s</text>\n", CHART_L - 4,
		cy(c, c->ymax) + 4, c->ymax, unit);
	fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0</text>\n", CHART_L - 4,
		cy(c, 0) + 4);
	fprintf(out, "<text x=\"%.1f\" y=\"%d\">%.0f s</text>\n", cx(c, c->t0), CHART_H - 10,
		c->t0);
	fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%.0f s</text>\n", cx(c, c->t1),
		CHART_H - 10, c->t1);
}

static void legend(FILE *out, int row, const char *color, const char *dash, const char *name)
{
	int y = CHART_TOP + 10 + row * 16;

	fprintf(out,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\" "
		"stroke-dasharray=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
		CHART_W - CHART_R + 8, y - 4, CHART_W - CHART_R + 28, y - 4, color, dash,
		CHART_W - CHART_R + 32, y, name);
}

/* Vertical marks at the actions on @group (all of them when NULL). */
static void chart_actions(FILE *out, const struct chart *c, const struct report *r,
			  const struct group_key *group)
{
	for (size_t i = 0; i < r->nr_actions; i++) {
		const struct report_action *a = &r->actions[i];
		double t = a->t_ms / 1000.0, x;

		if (group && !group_key_same(&a->group, group))
			continue;
		if (t < c->t0 || t > c->t1)
			continue;
		x = cx(c, t);
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d00\" "
			"stroke-width=\"1.5\"/><text x=\"%.1f\" y=\"%d\" fill=\"#d00\">%s</text>\n",
			x, CHART_TOP, x, CHART_H - CHART_BOT, x + 3,
			CHART_TOP + 12 + (int)(i % 4) * 12, a->action);
	}
}

/* The samples of @e the report covers, oldest first: a new buffer in *@buf. */
static size_t covered_samples(const struct report *r, const struct entity *e, struct sample **buf)
{
	struct series s;
	size_t first = 0;

	*buf = calloc(r->history->ring_cap, sizeof(**buf));
	if (!*buf)
		return 0;
	s = history_series(r->history, e, *buf);
	while (first < s.nr && s.samples[first].t_ms < r->since_ms)
		first++;
	memmove(*buf, s.samples + first, (s.nr - first) * sizeof(**buf));
	return s.nr - first;
}

/* The sockets @e held over the time covered: one line per state it used,
 * and the total. */
static void held_chart(FILE *out, const struct report *r, const struct entity *e,
		       const struct group_key *group)
{
	struct sample *s = NULL;
	size_t n = e && r->history ? covered_samples(r, e, &s) : 0;
	struct chart c = {0};
	int row = 0;

	if (n < 2) {
		free(s);
		fputs("<p class=\"note\">Too few samples for a chart.</p>\n", out);
		return;
	}
	c.t0 = s[0].t_ms / 1000.0;
	c.t1 = s[n - 1].t_ms / 1000.0;
	for (size_t i = 0; i < n; i++)
		c.ymax = max_d(c.ymax, s[i].held.total);
	chart_begin(out, &c, "sockets held by state over time", "");
	for (int st = -1; st < PS_COUNT; st++) {
		bool used = st < 0;

		for (size_t i = 0; i < n && !used; i++)
			used = s[i].held.n[st] != 0;
		if (!used)
			continue;
		fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
			st < 0 ? "#000" : state_colors[st]);
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%.1f,%.1f ", cx(&c, s[i].t_ms / 1000.0),
				cy(&c, st < 0 ? s[i].held.total : s[i].held.n[st]));
		fputs("\"/>\n", out);
		legend(out, row++, st < 0 ? "#000" : state_colors[st], "none",
		       st < 0 ? "all sockets" : port_state_name(st));
	}
	chart_actions(out, &c, r, group);
	fputs("</svg>\n", out);
	free(s);
}

static void pool_name(FILE *out, const struct snap_pool *p)
{
	char l[INET6_ADDRSTRLEN], rr[INET6_ADDRSTRLEN];

	fprintf(out, "%s", pool_kind_name(p->kind));
	if (p->kind == POOL_TCP_CONNECT) {
		view_format_ip(p->family, p->laddr, l, sizeof(l));
		view_format_ip(p->family, p->raddr, rr, sizeof(rr));
		fprintf(out, " %s &rarr; %s:%u", l, rr, p->rport);
	}
	fprintf(out, " in netns %u", p->netns);
}

/* When the pool runs dry at its growth, in the samples' clock: INFINITY when
 * it is not filling or its capacity is unknown. */
static double dry_at(const struct snap_pool *p, double t_last)
{
	if (p->growth_per_s <= 0 || !p->capacity_known)
		return INFINITY;
	return t_last + (p->capacity > p->used ? p->capacity - p->used : 0) / p->growth_per_s;
}

/* The pool's fill over time, its forecast (dashed, to the moment it runs
 * dry, or past the end by a quarter of the span) and the actions. */
static void pool_chart(FILE *out, const struct report *r, const struct snap_pool *p,
		       const struct group_key *group)
{
	const struct pool_trend *t = r->pool_trends ? pool_trends_find(r->pool_trends, p) : NULL;
	struct pool_reading *rd = malloc(POOL_TREND_RING * sizeof(*rd));
	size_t n = t && rd ? pool_trend_readings(t, rd) : 0, first = 0;
	double base = r->pool_clock_base_ms / 1000.0, t_last, dry, end;
	bool pct = p->capacity_known && p->capacity;
	struct chart c = {0};

	while (first < n && rd[first].t_ms < r->pool_clock_base_ms + r->since_ms)
		first++;
	if (n - first < 2) {
		fputs("<p class=\"note\">Too few readings of this pool for a chart.</p>\n", out);
		free(rd);
		return;
	}
	c.t0 = rd[first].t_ms / 1000.0 - base;
	t_last = rd[n - 1].t_ms / 1000.0 - base;
	dry = dry_at(p, t_last);
	end = t_last + (t_last - c.t0) / 4;
	c.t1 = dry < t_last + 2 * (t_last - c.t0) ? max_d(dry, end) : end;
	c.ymax = 100;
	for (size_t i = first; !pct && i < n; i++)
		c.ymax = max_d(c.ymax, rd[i].used);
	chart_begin(out, &c, "pool fill over time with forecast", pct ? "%" : "");
	fputs("<polyline fill=\"none\" stroke=\"#1f78b4\" stroke-width=\"2\" points=\"", out);
	for (size_t i = first; i < n; i++)
		fprintf(out, "%.1f,%.1f ", cx(&c, rd[i].t_ms / 1000.0 - base),
			cy(&c, pct ? 100.0 * rd[i].used / p->capacity : rd[i].used));
	fputs("\"/>\n", out);
	legend(out, 0, "#1f78b4", "none", pct ? "% of range used" : "ports used");
	if (p->growth_per_s > 0) {
		double t_end = min_d(c.t1, dry), v = p->used + p->growth_per_s * (t_end - t_last);

		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f78b4\" "
			"stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n",
			cx(&c, t_last), cy(&c, pct ? 100.0 * p->used / p->capacity : p->used),
			cx(&c, t_end), cy(&c, pct ? min_d(100.0, 100.0 * v / p->capacity) : v));
		legend(out, 1, "#1f78b4", "6 4", "forecast");
	}
	chart_actions(out, &c, r, group);
	if (r->nr_actions)
		legend(out, 2, "#d00", "none", "actions");
	fputs("</svg>\n", out);
	free(rd);
}

static void failures_by_errno(FILE *out, uint64_t total, const struct failure_counts *f)
{
	fprintf(out,
		"<table class=\"errno\"><tr><th>failures</th><th>EADDRNOTAVAIL</th>"
		"<th>EADDRINUSE</th><th>EAGAIN</th></tr><tr><td>%llu</td><td>%llu</td>"
		"<td>%llu</td><td>%llu</td></tr></table>\n",
		(unsigned long long)total, (unsigned long long)f->eaddrnotavail,
		(unsigned long long)f->eaddrinuse, (unsigned long long)f->eagain);
}

static void states_now(FILE *out, const struct state_counts *c)
{
	for (int i = 0; i < PS_COUNT; i++)
		if (c->n[i])
			fprintf(out, " <span class=\"state\">%s %u</span>", port_state_name(i),
				c->n[i]);
}

static void suspect(FILE *out, const struct report *r, const struct report_process *p)
{
	fprintf(out, "<div class=\"suspect\"><h4>suspect pid %u <span class=\"comm\">", p->tgid);
	esc(out, p->comm, sizeof(p->comm));
	fprintf(out,
		"</span></h4>\n<p>class: <b class=\"class\">%s</b>; %+.1f sockets/s, %u sockets "
		"(peak %u), %.1f opens/s;",
		leak_class_name(p->class), p->verdict.growth_per_s, p->held_now.total, p->held_peak,
		p->verdict.opens_per_s);
	states_now(out, &p->held_now);
	fputs("</p>\n", out);
	failures_by_errno(out, p->failures, &p->failures_by_errno);
	held_chart(out, r, p->entity, &p->group);
	fputs("</div>\n", out);
}

static bool pool_held_by(const struct snap_pool *p, const struct group_key *k)
{
	for (uint32_t i = 0; i < p->nr_top; i++)
		if (!memcmp(&p->top[i].group, k, sizeof(*k)))
			return true;
	return false;
}

static void container_heading(FILE *out, const struct labels *l, const struct group_key *k)
{
	const struct group_label *g = labels_find(l, k);
	char names[RUNTIME_NAMES_LABEL_SIZE];

	fputs("<h3><span class=\"path\">", out);
	esc(out, g->place.path, SIZE_MAX);
	fputs("</span>", out);
	if (g->container.runtime != CONTAINER_NONE) {
		fprintf(out, " [%s ", container_runtime_name(g->container.runtime));
		esc(out, g->container.id[0] ? g->container.id : g->container.unit, 12);
		fputs("]", out);
	}
	runtime_names_label(&g->container.names, names, sizeof(names));
	if (names[0]) {
		fputs(" <span class=\"names\">", out);
		esc(out, names, SIZE_MAX);
		fputs("</span>", out);
	}
	fputs("</h3>\n", out);
}

static void container(FILE *out, const struct report *r, const struct labels *l,
		      const struct report_container *c)
{
	fprintf(out, "<section class=\"container %s\">\n",
		c->class != LEAK_NONE ? "suspect-container" : "");
	container_heading(out, l, &c->key);
	fprintf(out, "<p>class: <b class=\"class\">%s</b>", leak_class_name(c->class));
	if (c->class != LEAK_NONE)
		fprintf(out, "</p>\n<p class=\"advice\">Fix: %s", leak_class_advice(c->class));
	fprintf(out, "</p>\n<p>sockets: %u now, %u peak;", c->held_now.total, c->held_peak);
	states_now(out, &c->held_now);
	fprintf(out, "<br>rates: %+.1f sockets/s, %.1f opens/s, %.1f closes/s</p>\n",
		c->verdict.growth_per_s, c->verdict.opens_per_s, c->verdict.closes_per_s);
	failures_by_errno(out, c->failures, &c->failures_by_errno);
	if (c->class == LEAK_NONE && !c->nr_suspects) {
		/* a host has hundreds of cgroups: charts for those that matter */
		fputs("</section>\n", out);
		return;
	}
	held_chart(out, r, c->entity, &c->key);
	for (size_t i = 0; r->last && i < r->last->nr_pools; i++) {
		const struct snap_pool *p = &r->last->pools[i];

		if (!pool_held_by(p, &c->key))
			continue;
		fputs("<h4>pool ", out);
		pool_name(out, p);
		if (p->capacity_known)
			fprintf(out, ": %u of %u ports (%.1f%%)", p->used, p->capacity,
				100.0 * snap_pool_fill(p));
		else
			fprintf(out, ": %u ports (capacity unknown)", p->used);
		fputs("</h4>\n", out);
		pool_chart(out, r, p, &c->key);
	}
	for (size_t i = 0; i < c->nr_suspects; i++)
		suspect(out, r, &r->suspects[c->first_suspect + i]);
	fputs("</section>\n", out);
}

static void actions(FILE *out, const struct report *r)
{
	if (!r->nr_actions)
		return;
	fputs("<h2>Actions</h2>\n<table class=\"actions\"><tr><th>at</th><th>action</th>"
	      "<th>target</th><th>outcome</th></tr>\n",
	      out);
	for (size_t i = 0; i < r->nr_actions; i++) {
		const struct report_action *a = &r->actions[i];

		fprintf(out, "<tr><td>%.1f s</td><td class=\"action\">%s</td><td>",
			a->t_ms / 1000.0, a->action);
		if (a->tgid) {
			fprintf(out, "pid %u <span class=\"comm\">", a->tgid);
			esc(out, a->comm, sizeof(a->comm));
			fputs("</span>", out);
		} else {
			fprintf(out, "cgroup %llu", (unsigned long long)a->group.cgroup_id);
		}
		fputs("</td><td>", out);
		esc(out, a->outcome ? a->outcome : "pending", SIZE_MAX);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void victims(FILE *out, const struct report *r, const struct labels *l)
{
	fprintf(out,
		"<h2>Victims</h2>\n<p>Processes that suffered failed port allocations: "
		"%zu.</p>\n",
		r->nr_victims);
	if (!r->nr_victims)
		return;
	fputs("<table class=\"victims\"><tr><th>pid</th><th>comm</th><th>failures</th>"
	      "<th>EADDRNOTAVAIL</th><th>EADDRINUSE</th><th>EAGAIN</th><th>cgroup</th></tr>\n",
	      out);
	for (size_t i = 0; i < r->nr_victims; i++) {
		const struct report_process *v = &r->victims[i];

		fprintf(out, "<tr><td>%u</td><td class=\"comm\">", v->tgid);
		esc(out, v->comm, sizeof(v->comm));
		fprintf(out, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>",
			(unsigned long long)v->failures,
			(unsigned long long)v->failures_by_errno.eaddrnotavail,
			(unsigned long long)v->failures_by_errno.eaddrinuse,
			(unsigned long long)v->failures_by_errno.eagain);
		esc(out, labels_find(l, &v->group)->place.path, SIZE_MAX);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* The budget and lifeline hooks' refusals in the window, by cgroup, errno and pool. */
static void refusals(FILE *out, const struct report *r, const struct labels *l)
{
	const struct refusal_summary *s = &r->refusals;
	char pool[160];

	fputs("<h2>Refusals</h2>\n", out);
	if (r->refusals_none) {
		fputs("<p class=\"note\">Not recorded: ", out);
		esc(out, r->refusals_none, SIZE_MAX);
		fputs(".</p>\n", out);
		return;
	}
	fprintf(out,
		"<p>By the port budget and lifeline hooks: %llu refused, %llu would have been "
		"(dry run).</p>\n",
		(unsigned long long)s->refused, (unsigned long long)s->would_refuse);
	if (s->dropped || r->refusals_unkeyed)
		fprintf(out,
			"<p class=\"note\">%llu refusals of this window no longer kept by the daemon; "
			"%llu since the hooks loaded not counted by cgroup, errno and pool (the "
			"kernel's table was full).</p>\n",
			(unsigned long long)s->dropped, (unsigned long long)r->refusals_unkeyed);
	if (!s->nr)
		return;
	fputs("<table class=\"refusals\"><tr><th>cgroup</th><th>errno</th><th>pool</th>"
	      "<th>reason</th><th>refused</th><th>would refuse</th></tr>\n",
	      out);
	for (size_t i = 0; i < s->nr; i++) {
		const struct refusal_count *c = &s->rows[i];
		struct group_key k = {.cgroup_id = c->key.cgroup_id};

		fputs("<tr><td class=\"path\">", out);
		esc(out, labels_find(l, &k)->place.path, SIZE_MAX);
		refusal_pool_name(&c->key.pool, pool, sizeof(pool));
		fprintf(out, "</td><td>%s</td><td>", strerrorname_np((int)c->key.err));
		esc(out, pool, SIZE_MAX);
		fprintf(out, "</td><td>%s</td><td>%llu</td><td>%llu</td></tr>\n",
			c->key.lifeline ? "lifeline" : "budget",
			(unsigned long long)(c->key.dry_run ? 0 : c->count),
			(unsigned long long)(c->key.dry_run ? c->count : 0));
	}
	fputs("</table>\n", out);
}

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}"
	"h1{font-size:1.5em}h3{margin-bottom:.3em}h4{margin:.8em 0 .2em}"
	"section.container{border-top:2px solid #ccc;padding:.3em 0 1em}"
	"section.suspect-container{border-top-color:#d00}"
	".class{color:#b00}.advice{background:#fff6d5;padding:.4em}"
	".comm,.path,.names{font-family:monospace;white-space:pre-wrap}"
	".state{background:#eef;margin-left:.3em;padding:0 .3em}"
	"table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;"
	"padding:.2em .5em;text-align:left}"
	".suspect{margin-left:1.5em}.note{color:#777}"
	"svg.chart text{font-size:11px;font-family:sans-serif}";

static void header(FILE *out, const struct report *r, const char *title)
{
	char now[VIEW_TIME_US_LEN];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	view_format_time_us(&ts, now, sizeof(now));
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<title>portwarden: ",
	      out);
	esc(out, title, SIZE_MAX);
	fprintf(out, "</title>\n<style>%s</style></head><body>\n<h1>portwarden: ", style);
	esc(out, title, SIZE_MAX);
	fprintf(out,
		"</h1>\n<p>Written %s. %.0f s observed, %llu samples every %llu ms; times on the "
		"charts are seconds of the watch.</p>\n",
		now, r->duration_ms / 1000.0, (unsigned long long)r->steps,
		(unsigned long long)r->interval_ms);
	if (r->window_ms < classify_defaults.window_ms)
		fprintf(out,
			"<p class=\"note\">A short watch: leaks judged on a %.0f s window and %llu "
			"agreeing samples.</p>\n",
			r->window_ms / 1000.0, (unsigned long long)r->breaches_to_enter);
	if (r->lost_events || r->missed_runs)
		fprintf(out,
			"<p class=\"note\">%llu failure events lost (counts are exact); the kernel "
			"skipped %llu runs of our programs.</p>\n",
			(unsigned long long)r->lost_events, (unsigned long long)r->missed_runs);
}

int report_view_html(FILE *out, const struct report *r, const struct labels *l, const char *title)
{
	header(out, r, title);
	actions(out, r);
	fprintf(out, "<h2>Containers (%zu, suspects first)</h2>\n", r->nr_containers);
	for (size_t i = 0; i < r->nr_containers; i++)
		container(out, r, l, &r->containers[i]);
	victims(out, r, l);
	refusals(out, r, l);
	fputs("</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}
