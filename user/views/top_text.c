// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Format the top frame's header lines and table rows as escaped plain text.
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/param.h>
#include "core/escape.h"
#include "core/runtime_names.h"
#include "views/top_text.h"

/* Right-aligned numbers; CLASS and NAME, left-aligned, are as wide as the layout says. */
static const int number_width[TOP_COL_NR] = {
	[TOP_COL_PID] = 7,	 [TOP_COL_PORTS] = 5,	   [TOP_COL_ESTABLISHED] = 5,
	[TOP_COL_TIME_WAIT] = 5, [TOP_COL_CLOSE_WAIT] = 5, [TOP_COL_UDP] = 5,
	[TOP_COL_OTHER] = 5,	 [TOP_COL_GROWTH] = 6,	   [TOP_COL_FAILURES] = 5,
};

/* The expander ('+' collapsed, '-' expanded) and the mark ('!' acted upon, '*' suspect). */
#define MARKS_WIDTH 2
/* A name is never cut shorter than this, even if the screen is. */
#define MIN_NAME_WIDTH 12
/* The flat view's comm, padded, before the cgroup. */
#define FLAT_COMM_WIDTH 16

/* Appending to a fixed buffer: output is cut at its end, never overflows. */
struct text {
	char *buf;
	size_t len, used;
};

static void __attribute__((format(printf, 2, 3))) text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->used + 1 >= t->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used = t->used + (size_t)n < t->len ? t->used + (size_t)n : t->len - 1;
}

static struct text text_on(char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	return (struct text){buf, len, 0};
}

static int column_width(enum top_column c, const struct top_layout *lo)
{
	if (c == TOP_COL_CLASS)
		return lo->class_width;
	if (c == TOP_COL_NAME)
		return lo->name_width;
	return number_width[c];
}

struct top_span top_text_column_span(enum top_column c, const struct top_layout *lo)
{
	int start = MARKS_WIDTH;

	for (int i = 0; i < (int)c && i < TOP_COL_NR; i++)
		start += 1 + column_width(i, lo);
	return (struct top_span){start + 1, column_width(c, lo)};
}

/* The class in force; else the one it is heading to with its seconds of
 * evidence ("leak? 12s"); else "-". */
static void class_cell(char *cell, size_t len, const struct top_stats *s)
{
	if (s->class != LEAK_NONE)
		snprintf(cell, len, "%s", leak_class_name(s->class));
	else if (s->pending != LEAK_NONE)
		snprintf(cell, len, "%s? %us", leak_class_name(s->pending), s->pending_s);
	else
		snprintf(cell, len, "-");
}

/* CLASS as wide as the frame needs, NAME what the screen has left: on an
 * 80-column terminal, names still show. */
struct top_layout top_text_layout(const struct top_model *m, int screen_width)
{
	struct top_layout lo = {.class_width = (int)strlen(top_column_name(TOP_COL_CLASS))};
	int room;

	for (size_t i = 0; i < m->nr_lines; i++) {
		char cell[64];
		int w;

		class_cell(cell, sizeof(cell), top_line_stats(m, &m->lines[i]));
		w = (int)strlen(cell);

		if (w > lo.class_width)
			lo.class_width = w;
	}
	if (screen_width > 0) {
		room = screen_width - top_text_column_span(TOP_COL_NAME, &lo).start;
		lo.name_width = room > MIN_NAME_WIDTH ? room : MIN_NAME_WIDTH;
	}
	return lo;
}

/* @name, cut to @width from the left when longer: the end of a cgroup path
 * names its service or container. @width <= 0: whole. */
static void add_fitted(struct text *t, const char *name, int width)
{
	size_t len = strlen(name);

	if (width <= 0 || len <= (size_t)width)
		text_add(t, "%s", name);
	else if (width <= 3)
		text_add(t, "%s", name + len - (size_t)width);
	else
		text_add(t, "...%s", name + len - (size_t)(width - 3));
}

/* ---- header ------------------------------------------------------------------------------ */

void top_text_title(char *buf, size_t len, const struct top_model *m)
{
	struct text t = text_on(buf, len);
	uint64_t up = m->uptime_ms / 1000;
	char clock[16] = "??:??:??", filter[ESCAPE_TERMINAL_BUF_SIZE(TOP_FILTER_LEN)];
	struct tm tm;

	if (localtime_r(&m->wall_time, &tm))
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	text_add(&t, "portwarden top - %s up %llu:%02llu:%02llu, ", clock,
		 (unsigned long long)(up / 3600), (unsigned long long)(up / 60 % 60),
		 (unsigned long long)(up % 60));
	if (m->query.filter[0])
		text_add(&t, "%zu of %zu cgroups, %zu of %zu processes", m->nr_groups,
			 m->total_groups, m->nr_processes, m->total_processes);
	else
		text_add(&t, "%zu cgroups, %zu processes", m->nr_groups, m->nr_processes);
	text_add(&t, ", sort %s%s, %s view", top_column_name(m->query.sort),
		 m->query.reverse ? " reversed" : "", m->query.flat ? "flat" : "tree");
	if (m->query.filter[0]) {
		escape_terminal(filter, sizeof(filter), m->query.filter, sizeof(m->query.filter));
		text_add(&t, ", filter \"%s\"", filter);
	}
}

static void fill_bar(char bar[TOP_TEXT_BAR_WIDTH + 1], const struct top_pool *p)
{
	double cells = p->fill * TOP_TEXT_BAR_WIDTH + 0.5;
	int full = cells < 0 ? 0 : cells > TOP_TEXT_BAR_WIDTH ? TOP_TEXT_BAR_WIDTH : (int)cells;

	for (int i = 0; i < TOP_TEXT_BAR_WIDTH; i++)
		bar[i] = !p->capacity_known ? '?' : i < full ? '#' : '.';
	bar[TOP_TEXT_BAR_WIDTH] = '\0';
}

void top_text_forecast(char *buf, size_t len, double seconds_left)
{
	unsigned long long s = 0;

	if (isfinite(seconds_left) && seconds_left > 0 && seconds_left < 1e9) {
		s = (unsigned long long)seconds_left;
		s += (double)s < seconds_left; /* up: "out in 0s" would say it is gone */
	}

	if (!isfinite(seconds_left))
		snprintf(buf, len, "no forecast");
	else if (seconds_left >= 1e9 || s >= 10 * 86400)
		snprintf(buf, len, "out in >9d");
	else if (s < 60)
		snprintf(buf, len, "out in %llus", s);
	else if (s < 3600)
		snprintf(buf, len, "out in %llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "out in %lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "out in %llud%02lluh", s / 86400, s / 3600 % 24);
}

void top_text_pool(char *buf, size_t len, const struct top_pool *p)
{
	char bar[TOP_TEXT_BAR_WIDTH + 1], capacity[16] = "?", percent[16] = "?";
	char forecast[32];

	fill_bar(bar, p);
	if (p->capacity_known) {
		snprintf(capacity, sizeof(capacity), "%u", p->capacity);
		snprintf(percent, sizeof(percent), "%.1f%%", 100.0 * p->fill);
	}
	top_text_forecast(forecast, sizeof(forecast), p->seconds_left);
	/* "%-11s [" puts the bar at TOP_TEXT_BAR_START, the forecast at TOP_TEXT_FORECAST_START */
	snprintf(buf, len, "%-11s [%s] %6s %6u/%-6s %-*s netns %u%s%s", pool_kind_name(p->kind),
		 bar, percent, p->used, capacity, TOP_TEXT_FORECAST_WIDTH, forecast, p->netns,
		 p->where[0] ? "  " : "", p->where);
}

/* Sparkline levels, lowest first. */
static const char *const utf8_levels[] = {"\u2581", "\u2582", "\u2583", "\u2584",
					  "\u2585", "\u2586", "\u2587", "\u2588"};
static const char ascii_levels[] = "_.-:=+*#";
#define SPARK_LEVELS 8
/* The chart's room on a history line: the indent, and " peak 100.0%, 9999 s". */
#define HISTORY_INDENT 13
#define HISTORY_TAIL   24
#define HISTORY_MAX    60 /* cells: a minute at 1 s, readable at a glance */

int top_text_sparkline(char *buf, size_t len, const float *fills, size_t nr, int width, bool utf8)
{
	struct text t = text_on(buf, len);
	size_t first = width > 0 && nr > (size_t)width ? nr - (size_t)width : 0;
	float peak = 0;
	int cells = 0;

	for (size_t i = first; i < nr; i++)
		peak = fills[i] > peak ? fills[i] : peak;
	for (size_t i = first; i < nr && width > 0; i++) {
		int level = peak > 0 ? (int)(fills[i] / peak * (SPARK_LEVELS - 1) + 0.5f) : 0;

		level = level < 0 ? 0 : level >= SPARK_LEVELS ? SPARK_LEVELS - 1 : level;
		if (utf8)
			text_add(&t, "%s", utf8_levels[level]);
		else
			text_add(&t, "%c", ascii_levels[level]);
		cells++;
	}
	return cells;
}

void top_text_history(char *buf, size_t len, const struct top_pool *p, int width, bool utf8)
{
	struct text t = text_on(buf, len);
	int room = width - HISTORY_INDENT - HISTORY_TAIL;
	float peak = 0;
	size_t first;

	if (p->nr_history < 2 || room < 8)
		return;
	room = room > HISTORY_MAX ? HISTORY_MAX : room;
	first = p->nr_history > (size_t)room ? p->nr_history - (size_t)room : 0;
	for (size_t i = first; i < p->nr_history; i++)
		peak = p->history[i] > peak ? p->history[i] : peak;
	text_add(&t, "%*s", HISTORY_INDENT, "");
	top_text_sparkline(t.buf + t.used, t.len - t.used, p->history, p->nr_history, room, utf8);
	t.used += strlen(t.buf + t.used); /* bytes, not cells */
	text_add(&t, " peak %.1f%%, %u s", 100.0 * peak, p->history_s);
}

void top_text_failures(char *buf, size_t len, const struct top_model *m)
{
	struct text t = text_on(buf, len);

	text_add(&t, "failures/s:");
	for (int e = 0; e < TOP_ERRNO_NR; e++)
		text_add(&t, "%s %s %.1f (total %llu)", e ? "," : "", top_errno_name(e),
			 m->failures_per_s[e], (unsigned long long)m->counters.failures[e]);
}

void top_text_state(char *buf, size_t len, const struct top_model *m)
{
	snprintf(buf, len,
		 "portwarden: %.1f events/s, %llu lost events, %llu missed runs, mode %s, hooks %s, "
		 "%u %s",
		 m->events_per_s, (unsigned long long)m->lost_events,
		 (unsigned long long)m->missed_runs, m->mode, m->hooks, m->actions,
		 m->actions == 1 ? "action" : "actions");
}

void top_text_lifeline(char *buf, size_t len, const struct top_model *m)
{
	const struct daemon_state *d = m->daemon;
	char esc[ESCAPE_TERMINAL_BUF_SIZE(sizeof(d->lifeline[0]))];
	struct text t = text_on(buf, len);

	if (!m->attached || !d || !d->nr_lifeline)
		return;
	text_add(&t, "lifeline %s pool", d->dry_run ? "ENGAGED (dry run)" : "ENGAGED");
	for (size_t i = 0; i < d->nr_lifeline; i++) {
		escape_terminal(esc, sizeof(esc), d->lifeline[i], sizeof(d->lifeline[i]));
		text_add(&t, "%s %s", i ? ";" : "", esc);
	}
	if (d->lifeline_total > d->nr_lifeline)
		text_add(&t, " (and %zu more)", d->lifeline_total - d->nr_lifeline);
}

void top_text_refusals(char *buf, size_t len, const struct top_model *m)
{
	struct text t = text_on(buf, len);

	if (!m->refusals_shown)
		return;
	text_add(&t, "%s/s: budget %.1f (total %llu), lifeline %.1f (total %llu)",
		 m->refusals_dry ? "would refuse" : "refused", m->refused_per_s.budget,
		 (unsigned long long)m->counters.budget_refused, m->refused_per_s.lifeline,
		 (unsigned long long)m->counters.lifeline_refused);
}

void top_text_events(char *buf, size_t len, const struct top_model *m)
{
	struct text t = text_on(buf, len);
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)];

	if (!m->attached)
		return;
	text_add(&t, "daemon:");
	if (!m->nr_events)
		text_add(&t, " no action taken");
	for (size_t i = 0; i < m->nr_events; i++) {
		const struct top_event *e = &m->events[i];

		escape_terminal(comm, sizeof(comm), e->comm, sizeof(e->comm));
		if (e->tgid)
			text_add(&t, "%s %u %s", i ? ";" : "", e->tgid, comm[0] ? comm : "?");
		else
			text_add(&t, "%s cgroup %llu", i ? ";" : "",
				 (unsigned long long)e->cgroup_id);
		text_add(&t, " %s %s", leak_class_name(e->class), e->action);
	}
	if (m->total_events > m->nr_events)
		text_add(&t, " (+%zu more)", m->total_events - m->nr_events);
}

/* ---- table ------------------------------------------------------------------------------- */

void top_text_columns(char *buf, size_t len, const struct top_layout *lo)
{
	struct text t = text_on(buf, len);

	text_add(&t, "%*s", MARKS_WIDTH, "");
	for (int c = 0; c < TOP_COL_NAME; c++)
		text_add(&t, c == TOP_COL_CLASS ? " %-*s" : " %*s", column_width(c, lo),
			 top_column_name(c));
	text_add(&t, " %s", top_column_name(TOP_COL_NAME));
}

/* Counts in 5 columns: 99999, then thousands and millions. */
static void count_cell(char *cell, size_t len, uint64_t v)
{
	if (v < 100000)
		snprintf(cell, len, "%llu", (unsigned long long)v);
	else if (v < 10000000)
		snprintf(cell, len, "%lluk", (unsigned long long)(v / 1000));
	else
		snprintf(cell, len, "%lluM", (unsigned long long)(v / 1000000));
}

static void growth_cell(char *cell, size_t len, double g)
{
	if (g > -0.05 && g < 0.05)
		snprintf(cell, len, "0.0");
	else
		snprintf(cell, len, g > -999.95 && g < 999.95 ? "%+.1f" : "%+.0f", g);
}

static void stat_cells(char cell[TOP_COL_NR][32], const struct top_stats *s)
{
	count_cell(cell[TOP_COL_PORTS], 32, s->ports);
	count_cell(cell[TOP_COL_ESTABLISHED], 32, s->established);
	count_cell(cell[TOP_COL_TIME_WAIT], 32, s->time_wait);
	count_cell(cell[TOP_COL_CLOSE_WAIT], 32, s->close_wait);
	count_cell(cell[TOP_COL_UDP], 32, s->udp);
	count_cell(cell[TOP_COL_OTHER], 32, s->other);
	growth_cell(cell[TOP_COL_GROWTH], 32, s->growth_per_s);
	count_cell(cell[TOP_COL_FAILURES], 32, s->failures);
	class_cell(cell[TOP_COL_CLASS], 32, s);
}

/* The runtime's names, escaped (pod specs' text), then two spaces; nothing when unknown. */
static void add_names(struct text *n, const struct container_names *names)
{
	char shown[RUNTIME_NAMES_SHOWN_SIZE];

	runtime_names_shown(names, shown, sizeof(shown));
	if (shown[0])
		text_add(n, "%s  ", shown);
}

/* A name with its cgroup's budget: after it, " budget USED/MAX"; on a narrow
 * screen before it, "[USED/MAX] ", where the screen's edge cannot cut it
 * (a name column is never narrower than MIN_NAME_WIDTH, even past the
 * edge). The name is cut to what the budget leaves. */
static void add_budget(struct text *t, const char *name, const struct daemon_budget *b, int width)
{
	char budget[64];
	int len;

	if (!b) {
		add_fitted(t, name, width);
		return;
	}
	len = snprintf(budget, sizeof(budget), " budget %lld/%u", (long long)b->held, b->ports_max);
	if (width <= 0 || width >= len + MIN_NAME_WIDTH) {
		add_fitted(t, name, width > 0 ? width - len : 0);
		text_add(t, "%s", budget);
		return;
	}
	len = snprintf(budget, sizeof(budget), "[%lld/%u] ", (long long)b->held, b->ports_max);
	text_add(t, "%s", budget);
	add_fitted(t, name, MAX(width - len, 4));
}

/* The cgroup's path, and its container, pod or unit when the path names one. The
 * runtime's names (namespace/pod/container, or podman's name) come first: they are
 * short where the path is long, and the column is cut from the right. */
static void group_name(struct text *t, const struct top_group *g, int width)
{
	char path[ESCAPE_TERMINAL_BUF_SIZE(PATH_MAX)];
	char name[sizeof(path) + ESCAPE_TERMINAL_BUF_SIZE(RUNTIME_NAMES_LABEL_SIZE) + 128];
	char id[ESCAPE_TERMINAL_BUF_SIZE(CONTAINER_UNIT_MAX + 1)];
	const struct container_id *c = &g->label->container;
	struct text n = text_on(name, sizeof(name));

	escape_terminal(path, sizeof(path), g->label->place.path, SIZE_MAX);
	add_names(&n, &c->names);
	text_add(&n, "%s", path);
	if (c->runtime != CONTAINER_NONE) {
		/* 12 characters of an id, as docker ps shows it */
		escape_terminal(id, sizeof(id), c->id[0] ? c->id : c->unit,
				c->id[0] ? 12 : sizeof(c->unit));
		text_add(&n, " [%s %s]", container_runtime_name(c->runtime), id);
	} else if (c->pod_uid[0]) {
		escape_terminal(id, sizeof(id), c->pod_uid, sizeof(c->pod_uid));
		text_add(&n, " [pod %s]", id);
	}
	add_budget(t, name, g->budget, width);
}

/* Tree view: the comm, indented under its cgroup; flat view: comm and cgroup. */
static void process_name(struct text *t, const struct top_model *m, const struct top_process *p,
			 int width)
{
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)];

	escape_terminal(comm, sizeof(comm), p->comm, sizeof(p->comm));
	if (!m->query.flat) {
		text_add(t, "  %s", comm);
		return;
	}
	text_add(t, "%-*s ", FLAT_COMM_WIDTH, comm);
	group_name(t, &m->groups[p->group],
		   width > 0 ? MAX(width - FLAT_COMM_WIDTH - 1, MIN_NAME_WIDTH) : 0);
}

void top_text_line(char *buf, size_t len, const struct top_model *m, const struct top_line *l,
		   const struct top_layout *lo)
{
	const struct top_stats *s = top_line_stats(m, l);
	struct text t = text_on(buf, len);
	char cell[TOP_COL_NR][32];
	char expander = ' ';

	stat_cells(cell, s);
	if (l->kind == TOP_LINE_GROUP) {
		snprintf(cell[TOP_COL_PID], 32, "-");
		expander = m->groups[l->index].expanded ? '-' : '+';
	} else {
		snprintf(cell[TOP_COL_PID], 32, "%u", m->processes[l->index].tgid);
	}
	text_add(&t, "%c%c", expander, s->acted ? '!' : s->suspect ? '*' : ' ');
	for (int c = 0; c < TOP_COL_NAME; c++)
		text_add(&t, c == TOP_COL_CLASS ? " %-*s" : " %*s", column_width(c, lo), cell[c]);
	text_add(&t, " ");
	if (l->kind == TOP_LINE_GROUP)
		group_name(&t, &m->groups[l->index], lo->name_width);
	else
		process_name(&t, m, &m->processes[l->index], lo->name_width);
}

/* ---- batch frames ------------------------------------------------------------------------ */

static void put_line(FILE *out, const char *line)
{
	fputs(line, out);
	fputc('\n', out);
}

/* Batch lines are not cut: the history as wide as on a 100-column screen. */
#define BATCH_HISTORY_WIDTH 100

static void frame_header(FILE *out, const struct top_model *m, size_t max_pools, bool utf8,
			 char *line)
{
	top_text_title(line, TOP_TEXT_LINE_MAX, m);
	put_line(out, line);
	for (size_t i = 0; i < m->nr_pools && i < max_pools; i++) {
		top_text_pool(line, TOP_TEXT_LINE_MAX, &m->pools[i]);
		put_line(out, line);
		top_text_history(line, TOP_TEXT_LINE_MAX, &m->pools[i], BATCH_HISTORY_WIDTH, utf8);
		if (line[0])
			put_line(out, line);
	}
	if (!m->nr_pools)
		put_line(out, "pools: no local port is held");
	else if (m->nr_pools > max_pools)
		fprintf(out, "... and %zu more pools\n", m->nr_pools - max_pools);
	top_text_failures(line, TOP_TEXT_LINE_MAX, m);
	put_line(out, line);
	top_text_state(line, TOP_TEXT_LINE_MAX, m);
	put_line(out, line);
	top_text_events(line, TOP_TEXT_LINE_MAX, m);
	if (line[0])
		put_line(out, line);
	top_text_lifeline(line, TOP_TEXT_LINE_MAX, m);
	if (line[0])
		put_line(out, line);
	top_text_refusals(line, TOP_TEXT_LINE_MAX, m);
	if (line[0])
		put_line(out, line);
}

void top_text_frame(FILE *out, const struct top_model *m, size_t max_pools, bool utf8)
{
	struct top_layout lo = top_text_layout(m, 0);
	char line[TOP_TEXT_LINE_MAX];

	frame_header(out, m, max_pools, utf8, line);
	fputc('\n', out);
	top_text_columns(line, sizeof(line), &lo);
	put_line(out, line);
	for (size_t i = 0; i < m->nr_lines; i++) {
		top_text_line(line, sizeof(line), m, &m->lines[i], &lo);
		put_line(out, line);
	}
	fputc('\n', out);
}

#define HELD_HEAD "held ports "

void top_text_held(char *buf, size_t len, const struct top_detail *d, int width, bool utf8)
{
	struct text t = text_on(buf, len);
	int room = width - (int)strlen(HELD_HEAD) - HISTORY_TAIL;

	if (d->nr_held < 2 || room < 8)
		return;
	room = room > HISTORY_MAX ? HISTORY_MAX : room;
	text_add(&t, HELD_HEAD);
	top_text_sparkline(t.buf + t.used, t.len - t.used, d->held, d->nr_held, room, utf8);
	t.used += strlen(t.buf + t.used); /* bytes, not cells */
	text_add(&t, " peak %u, %u s", d->held_peak, d->held_s);
}

void top_text_detail(FILE *out, const struct top_detail *d, bool utf8)
{
	char held[TOP_TEXT_LINE_MAX];

	fputs("detail:\n", out);
	for (size_t i = 0; i < d->nr; i++)
		fprintf(out, "  %s\n", d->lines[i]);
	top_text_held(held, sizeof(held), d, BATCH_HISTORY_WIDTH, utf8);
	if (held[0])
		fprintf(out, "  %s\n", held);
	fputc('\n', out);
}
