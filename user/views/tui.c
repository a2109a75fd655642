// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The ncurses screen of `portwarden top`: draw a model, turn keys into commands.
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include "core/escape.h"
#include "views/top_text.h"
#include "views/tui.h"

#define KEY_ESCAPE     27
#define ESC_DELAY_MS   25 /* Esc alone, not the start of an arrow key's sequence */
#define MAX_POOL_LINES 4

enum tui_mode { MODE_BROWSE, MODE_FILTER, MODE_CONFIRM, MODE_HELP };

enum colour_pair {
	PAIR_SUSPECT = 1,
	PAIR_ADVICE,
	PAIR_ACTED,
	PAIR_FILL_LOW,
	PAIR_FILL_MID,
	PAIR_FILL_HIGH,
	PAIR_SORTED,
};

/* A table line by what it shows, so the selection stays on its row when the order changes. */
struct line_id {
	enum top_line_kind kind;
	struct group_key group;
	uint32_t tgid;
};

struct tui {
	SCREEN *screen;
	bool colour;
	bool utf8; /* charts in Unicode blocks */
	bool detail_on; /* the selected row's detail under the table */
	tui_detail_fn detail_fn;
	void *detail_ctx;
	enum tui_mode mode;
	const struct top_model *model; /* drawn last: keys act on it */
	struct line_id selected;
	size_t cursor, scroll;
	int table_rows;		     /* at the last draw: a page */
	char filter[TOP_FILTER_LEN]; /* being typed */
	char status[256];
	char prompt[512]; /* the kill confirmation */
	int prompt_signal;
};

/* At most 24 lines of at most 80 columns (79 for the last, which put_line()
 * keeps off the bottom-right corner): the whole help on an 80x24 terminal.
 * tests/e2e/test-top.sh checks it there. */
static const char *const help_lines[] = {
	"portwarden top: what holds local ports, live. A dry run: nothing is signalled",
	"unless you select a process, press k or K and confirm.",
	"Keys",
	"  Up Down PgUp PgDn Home End  select a row",
	"  Enter, space  expand or collapse a cgroup; on a process: its detail (as d)",
	"  d             the row's detail: sockets, their ages, remote, pools, failures,",
	"                evidence; again: close",
	"  Right, Left   expand, collapse (Left on a process: its cgroup)",
	"  < >  F6       sort by the previous, next column",
	"  P G F C N     sort by ports, growth, failures, class, name",
	"  r             reverse the sort order     p, f  flat per-process view on, off",
	"  /             filter: type, Enter keeps it; Esc clears it (then or later)",
	"  k, K          SIGTERM, SIGKILL the selected process (asks first)",
	"  h, ?          this help                  q     quit",
	"Columns",
	"  PORTS         sockets holding a local port, any state",
	"  ESTAB TWAIT CWAIT UDP OTHER  by state (TWAIT: TIME_WAIT, CWAIT: CLOSE_WAIT)",
	"  GROW/s        held ports/s over the classifier's window, TIME_WAIT excluded",
	"  FAILS         failed port allocations suffered since top started",
	"  CLASS         leak class, as in portwarden report",
	"  marks         +/- collapsed/expanded cgroup, * suspect, ! signalled here",
	"  NAME          attached: a cgroup's port budget, budget USED/MAX",
	"                ([USED/MAX] first on a narrow screen)",
	"Press any key to go back.",
};
_Static_assert(sizeof(help_lines) / sizeof(help_lines[0]) <= 24, "help taller than 80x24");

/* ---- the terminal ------------------------------------------------------------------------ */

static void init_colours(struct tui *t)
{
	short background;

	if (!has_colors() || start_color() == ERR)
		return;
	background = use_default_colors() == OK ? -1 : COLOR_BLACK;
	init_pair(PAIR_SUSPECT, COLOR_RED, background);
	init_pair(PAIR_ADVICE, COLOR_YELLOW, background);
	init_pair(PAIR_ACTED, COLOR_MAGENTA, background);
	init_pair(PAIR_FILL_LOW, COLOR_GREEN, background);
	init_pair(PAIR_FILL_MID, COLOR_YELLOW, background);
	init_pair(PAIR_FILL_HIGH, COLOR_RED, background);
	init_pair(PAIR_SORTED, COLOR_BLACK, COLOR_CYAN);
	t->colour = true;
}

struct tui *tui_init(bool colour, bool utf8)
{
	struct tui *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->utf8 = utf8;
	/* newterm(), unlike initscr(), returns NULL on an unknown TERM instead of exiting */
	t->screen = newterm(NULL, stdout, stdin);
	if (!t->screen) {
		free(t);
		errno = ENOTTY;
		return NULL;
	}
	set_term(t->screen);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(ESC_DELAY_MS);
	if (colour)
		init_colours(t);
	return t;
}

void tui_fini(struct tui *t)
{
	if (!t)
		return;
	endwin();
	delscreen(t->screen);
	free(t);
}

int tui_next_key(struct tui *t, int timeout_ms)
{
	int key;

	(void)t;
	wtimeout(stdscr, timeout_ms);
	key = wgetch(stdscr);
	return key == ERR ? TUI_NO_KEY : key;
}

void tui_status(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof(t->status), fmt, ap);
	va_end(ap);
}

void tui_confirm_kill(struct tui *t, const struct tui_kill_prompt *p)
{
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)], cgroup[256];

	escape_terminal(comm, sizeof(comm), p->comm, PW_COMM_LEN);
	escape_terminal(cgroup, sizeof(cgroup), p->cgroup, SIZE_MAX);
	snprintf(t->prompt, sizeof(t->prompt),
		 "SIG%s pid %u %s in %s (class %s)? y: yes, K: SIGKILL, any other key: no",
		 sigabbrev_np(p->signal), p->pid, comm, cgroup, p->class_name);
	t->prompt_signal = p->signal;
	t->mode = MODE_CONFIRM;
}

/* ---- the selection ----------------------------------------------------------------------- */

static struct line_id line_id_at(const struct top_model *m, size_t i)
{
	const struct top_line *l = &m->lines[i];
	struct line_id id = {.kind = l->kind, .group = top_line_group(m, l)->key};

	if (l->kind == TOP_LINE_PROCESS)
		id.tgid = m->processes[l->index].tgid;
	return id;
}

static bool same_line(const struct line_id *a, const struct line_id *b)
{
	return a->kind == b->kind && a->tgid == b->tgid &&
	       !memcmp(&a->group, &b->group, sizeof(a->group));
}

/* Keep the selection on its row; when the row left, near where it was. */
static void follow_selection(struct tui *t)
{
	const struct top_model *m = t->model;

	for (size_t i = 0; i < m->nr_lines; i++) {
		struct line_id id = line_id_at(m, i);

		if (same_line(&id, &t->selected)) {
			t->cursor = i;
			return;
		}
	}
	if (t->cursor >= m->nr_lines)
		t->cursor = m->nr_lines ? m->nr_lines - 1 : 0;
	if (m->nr_lines)
		t->selected = line_id_at(m, t->cursor);
}

static void select_line(struct tui *t, long line)
{
	const struct top_model *m = t->model;

	if (!m || !m->nr_lines)
		return;
	if (line < 0)
		line = 0;
	if (line >= (long)m->nr_lines)
		line = (long)m->nr_lines - 1;
	t->cursor = (size_t)line;
	t->selected = line_id_at(m, t->cursor);
}

static const struct top_line *selected_line(const struct tui *t)
{
	if (!t->model || t->cursor >= t->model->nr_lines)
		return NULL;
	return &t->model->lines[t->cursor];
}

/* ---- drawing ----------------------------------------------------------------------------- */

/* One screen line; the bottom one stops short of the corner, which would scroll. */
static void put_line(int y, const char *text)
{
	mvaddnstr(y, 0, text, y == LINES - 1 ? COLS - 1 : COLS);
}

static void paint(const struct tui *t, int y, int x, int n, attr_t attr, short pair)
{
	mvchgat(y, x, n, attr, t->colour ? pair : 0, NULL);
}

/* Green, yellow from 70 %, red from 90 %: where exhaustion gets near. */
static short fill_pair(double fill)
{
	if (fill >= 0.9)
		return PAIR_FILL_HIGH;
	return fill >= 0.7 ? PAIR_FILL_MID : PAIR_FILL_LOW;
}

static void paint_bar(const struct tui *t, int y, const struct top_pool *p, const char *line)
{
	int cells = 0;
	short pair = fill_pair(p->fill);

	while (cells < TOP_TEXT_BAR_WIDTH && line[TOP_TEXT_BAR_START + cells] == '#')
		cells++;
	if (cells)
		paint(t, y, TOP_TEXT_BAR_START, cells, A_BOLD, pair);
}

/* Red within run's horizon (it acts), yellow within twice it. */
static void paint_forecast(const struct tui *t, int y, const struct top_pool *p)
{
	if (p->urgency == TOP_URGENCY_NONE)
		return;
	paint(t, y, TOP_TEXT_FORECAST_START, TOP_TEXT_FORECAST_WIDTH, A_BOLD,
	      p->urgency == TOP_URGENCY_NOW ? PAIR_FILL_HIGH : PAIR_FILL_MID);
}

/* How many pool lines the header has room for; a last one counts the rest. */
static size_t pools_shown(const struct top_model *m)
{
	size_t room = LINES > 24 ? MAX_POOL_LINES : 2;

	return m->nr_pools <= room ? m->nr_pools : room - 1;
}

/* The fullest pools, as many as the height allows; the rest counted. */
static int draw_pools(const struct tui *t, const struct top_model *m, int y)
{
	char line[TOP_TEXT_LINE_MAX];
	size_t shown = pools_shown(m);

	if (!m->nr_pools)
		put_line(y++, "pools: no local port is held");
	for (size_t i = 0; i < shown; i++, y++) {
		top_text_pool(line, sizeof(line), &m->pools[i]);
		put_line(y, line);
		paint_bar(t, y, &m->pools[i], line);
		paint_forecast(t, y, &m->pools[i]);
	}
	if (shown < m->nr_pools) {
		snprintf(line, sizeof(line), "... and %zu more pools", m->nr_pools - shown);
		put_line(y++, line);
	}
	return y;
}

static int draw_header(const struct tui *t, const struct top_model *m)
{
	char line[TOP_TEXT_LINE_MAX];
	bool failing = false;
	int y = 0;

	top_text_title(line, sizeof(line), m);
	put_line(y, line);
	paint(t, y++, 0, -1, A_BOLD, 0);
	y = draw_pools(t, m, y);
	for (int e = 0; e < TOP_ERRNO_NR; e++)
		failing |= m->failures_per_s[e] > 0;
	top_text_failures(line, sizeof(line), m);
	put_line(y, line);
	if (failing)
		paint(t, y, 0, -1, A_BOLD, PAIR_SUSPECT);
	top_text_state(line, sizeof(line), m);
	put_line(++y, line);
	top_text_events(line, sizeof(line), m); /* attached: the daemon's actions */
	if (line[0]) {
		put_line(++y, line);
		if (m->nr_events)
			paint(t, y, 0, -1, A_BOLD, PAIR_ACTED);
	}
	top_text_lifeline(line, sizeof(line), m); /* attached, pools past the lifeline */
	if (line[0]) {
		put_line(++y, line);
		paint(t, y, 0, -1, A_BOLD, PAIR_SUSPECT);
	}
	top_text_refusals(line, sizeof(line), m); /* attached: budgets' and lifeline's */
	if (line[0]) {
		put_line(++y, line);
		if (m->refused_per_s.budget > 0 || m->refused_per_s.lifeline > 0)
			paint(t, y, 0, -1, A_BOLD, PAIR_SUSPECT);
	}
	return y + 1;
}

static void style_row(const struct tui *t, int y, const struct top_stats *s, bool selected)
{
	attr_t attr = selected ? A_REVERSE : A_NORMAL;
	short pair = 0;

	if (s->acted)
		pair = PAIR_ACTED;
	else if (s->class == LEAK_TIME_WAIT_CHURN || s->class == LEAK_EPHEMERAL_LISTENER ||
		 (s->class == LEAK_NONE && s->pending != LEAK_NONE)) /* heading to a class */
		pair = PAIR_ADVICE;
	else if (s->suspect)
		pair = PAIR_SUSPECT;
	if (!t->colour && pair)
		attr |= A_BOLD;
	if (attr != A_NORMAL || (t->colour && pair))
		paint(t, y, 0, -1, attr, pair);
}

static void draw_column_header(const struct tui *t, const struct top_model *m,
			       const struct top_layout *lo, int y)
{
	char line[TOP_TEXT_LINE_MAX];
	struct top_span sorted = top_text_column_span(m->query.sort, lo);

	top_text_columns(line, sizeof(line), lo);
	put_line(y, line);
	paint(t, y, 0, -1, A_REVERSE, 0);
	/* the sort column stands out of the bar: coloured, or plain bold */
	paint(t, y, sorted.start, sorted.width ? sorted.width : -1, t->colour ? A_NORMAL : A_BOLD,
	      PAIR_SORTED);
}

/* Scroll so that the cursor is on screen, and the screen full when it can be. */
static void scroll_to_cursor(struct tui *t, size_t rows, size_t lines)
{
	if (t->cursor < t->scroll)
		t->scroll = t->cursor;
	if (t->cursor >= t->scroll + rows)
		t->scroll = t->cursor - rows + 1;
	if (t->scroll + rows > lines)
		t->scroll = lines > rows ? lines - rows : 0;
}

/* The selected row's detail in the table's last rows: a title, then its
 * lines, already escaped. Returns the rows it took. */
static int draw_detail(const struct tui *t, const struct top_model *m, int bottom, int room)
{
	const struct top_line *l = selected_line(t);
	struct top_detail d;
	char held[TOP_TEXT_LINE_MAX];
	int y, chart;

	if (!t->detail_on || !t->detail_fn || !l || room < 4)
		return 0;
	t->detail_fn(t->detail_ctx, m, l, &d);
	top_text_held(held, sizeof(held), &d, COLS, t->utf8);
	chart = held[0] ? 1 : 0;
	if ((int)d.nr + 1 + chart > room)
		d.nr = (size_t)(room - 1 - chart);
	y = bottom - (int)d.nr - 1 - chart;
	put_line(y, "detail of the selected row (d closes it)");
	paint(t, y, 0, -1, A_BOLD | A_UNDERLINE, 0);
	for (size_t i = 0; i < d.nr; i++)
		put_line(y + 1 + (int)i, d.lines[i]);
	if (chart)
		put_line(y + 1 + (int)d.nr, held);
	return (int)d.nr + 1 + chart;
}

/* Pools whose history fits the rows the table leaves empty (and a title). */
static size_t history_room(const struct top_model *m, int empty)
{
	size_t n = 0;

	for (size_t i = 0; i < pools_shown(m); i++)
		n += m->pools[i].nr_history >= 2;
	return empty >= 3 ? MIN(n, (size_t)(empty - 2)) : 0;
}

/*
 * The pools' fill over the last minute or two, in the rows below the table
 * that it leaves empty: a title, then a chart per pool, in the header's
 * order. Nothing when the rows or the columns are too few: the table first.
 */
static void draw_history(const struct tui *t, const struct top_model *m, int bottom, int empty)
{
	char line[TOP_TEXT_LINE_MAX];
	size_t n = history_room(m, empty);
	int y = bottom - (int)n;

	if (!n)
		return;
	put_line(y - 1, "fill history (pools as above, the newest reading on the right)");
	paint(t, y - 1, 0, -1, A_BOLD, 0);
	for (size_t i = 0, shown = 0; i < pools_shown(m) && shown < n; i++) {
		const struct top_pool *p = &m->pools[i];
		const char *kind = pool_kind_name(p->kind);

		top_text_history(line, sizeof(line), p, COLS, t->utf8);
		if (!line[0])
			continue;
		memcpy(line, kind, MIN(strlen(kind), (size_t)11)); /* into the indent */
		/* fitted to COLS already; addnstr would count bytes, not cells */
		mvaddstr(y + (int)shown++, 0, line);
	}
}

static void draw_table(struct tui *t, const struct top_model *m, int y)
{
	char line[TOP_TEXT_LINE_MAX];
	struct top_layout lo = top_text_layout(m, COLS);
	int rows = LINES - y - 2; /* the column header above, the status line below */

	/* the pane takes the bottom half at most; the table keeps the rest */
	rows -= draw_detail(t, m, LINES - 1, rows / 2);
	draw_column_header(t, m, &lo, y++);
	if (rows < 1)
		return;
	t->table_rows = rows;
	scroll_to_cursor(t, (size_t)rows, m->nr_lines);
	if (!m->nr_lines)
		put_line(y, m->query.filter[0] ? "  nothing matches the filter"
					       : "  no process holds a local port");
	for (size_t i = t->scroll; i < m->nr_lines && (int)(i - t->scroll) < rows; i++, y++) {
		top_text_line(line, sizeof(line), m, &m->lines[i], &lo);
		put_line(y, line);
		style_row(t, y, top_line_stats(m, &m->lines[i]), i == t->cursor);
	}
	if (!t->detail_on)
		draw_history(t, m, LINES - 1, LINES - 1 - y - (m->nr_lines ? 0 : 1));
}

static void draw_status(const struct tui *t)
{
	char line[ESCAPE_TERMINAL_BUF_SIZE(TOP_FILTER_LEN) + 64];
	char typed[ESCAPE_TERMINAL_BUF_SIZE(TOP_FILTER_LEN)];
	int y = LINES - 1;

	if (t->mode == MODE_FILTER) {
		escape_terminal(typed, sizeof(typed), t->filter, sizeof(t->filter));
		snprintf(line, sizeof(line), "filter: %s_   (Enter keeps it, Esc clears it)",
			 typed);
		put_line(y, line);
	} else if (t->mode == MODE_CONFIRM) {
		put_line(y, t->prompt);
		paint(t, y, 0, -1, A_BOLD | A_REVERSE, PAIR_SUSPECT);
	} else if (t->status[0]) {
		put_line(y, t->status);
		paint(t, y, 0, -1, A_BOLD, 0);
	} else {
		put_line(y, "h help  / filter  < > sort  r reverse  p flat  Enter expand  "
			    "k/K kill  q quit");
	}
}

static void draw_help(void)
{
	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]); i++)
		put_line((int)i, help_lines[i]);
}

void tui_set_detail(struct tui *t, tui_detail_fn fn, void *ctx)
{
	t->detail_fn = fn;
	t->detail_ctx = ctx;
}

void tui_draw(struct tui *t, const struct top_model *m)
{
	t->model = m;
	follow_selection(t);
	erase();
	if (t->mode == MODE_HELP) {
		draw_help();
	} else {
		draw_table(t, m, draw_header(t, m));
		draw_status(t);
	}
	refresh();
}

/* ---- keys -------------------------------------------------------------------------------- */

static bool navigate(struct tui *t, int key)
{
	long page = t->table_rows > 1 ? t->table_rows - 1 : 1;

	switch (key) {
	case KEY_UP:
		select_line(t, (long)t->cursor - 1);
		return true;
	case KEY_DOWN:
		select_line(t, (long)t->cursor + 1);
		return true;
	case KEY_PPAGE:
		select_line(t, (long)t->cursor - page);
		return true;
	case KEY_NPAGE:
		select_line(t, (long)t->cursor + page);
		return true;
	case KEY_HOME:
		select_line(t, 0);
		return true;
	case KEY_END:
		select_line(t, t->model ? (long)t->model->nr_lines - 1 : 0);
		return true;
	default:
		return false;
	}
}

static const struct {
	int key;
	enum top_column column;
} sort_letters[] = {
	{'P', TOP_COL_PORTS}, {'G', TOP_COL_GROWTH}, {'F', TOP_COL_FAILURES},
	{'C', TOP_COL_CLASS}, {'N', TOP_COL_NAME},
};

/* Column keys: a new column starts in its natural order, 'r' flips it. */
static bool sort_key(const struct tui *t, int key, struct tui_command *cmd)
{
	enum top_column now = t->model ? t->model->query.sort : TOP_COL_PORTS;
	bool reverse = t->model && t->model->query.reverse;
	enum top_column next = now;

	if (key == '<' || key == ',')
		next = (enum top_column)((now + TOP_COL_NR - 1) % TOP_COL_NR);
	else if (key == '>' || key == '.' || key == KEY_F(6))
		next = (enum top_column)((now + 1) % TOP_COL_NR);
	else if (key == 'r' || key == 'I')
		reverse = !reverse;
	for (size_t i = 0; i < sizeof(sort_letters) / sizeof(sort_letters[0]); i++)
		if (key == sort_letters[i].key)
			next = sort_letters[i].column;
	if (next == now && reverse == (t->model && t->model->query.reverse))
		return false;
	cmd->kind = TUI_CMD_SORT;
	cmd->column = next;
	cmd->reverse = next == now ? reverse : false;
	return true;
}

static void kill_key(struct tui *t, const struct top_line *l, int key, struct tui_command *cmd)
{
	if (l->kind != TOP_LINE_PROCESS) {
		tui_status(t, "select a process to kill: Enter shows a cgroup's processes");
		return;
	}
	cmd->kind = TUI_CMD_KILL_ASK;
	cmd->tgid = t->model->processes[l->index].tgid;
	cmd->signal = key == 'K' ? SIGKILL : SIGTERM;
}

/* Keys about the selected row: expand, collapse, kill. */
static struct tui_command row_key(struct tui *t, int key)
{
	struct tui_command cmd = {0};
	const struct top_line *l = selected_line(t);
	const struct top_group *g;
	bool tree = t->model && !t->model->query.flat;

	if (!l)
		return cmd;
	g = top_line_group(t->model, l);
	cmd.group = g->key;
	if (key == '\n' || key == '\r' || key == KEY_ENTER || key == ' ') {
		if (tree && l->kind == TOP_LINE_GROUP)
			cmd.kind = g->expanded ? TUI_CMD_COLLAPSE : TUI_CMD_EXPAND;
		else
			t->detail_on = !t->detail_on; /* a process: nothing to expand */
	} else if (key == 'd') {
		t->detail_on = !t->detail_on;
	} else if (key == KEY_RIGHT || key == '+') {
		if (tree && l->kind == TOP_LINE_GROUP && !g->expanded)
			cmd.kind = TUI_CMD_EXPAND;
	} else if (key == KEY_LEFT || key == '-') {
		if (tree && g->expanded) {
			cmd.kind = TUI_CMD_COLLAPSE;
			t->selected = (struct line_id){.kind = TOP_LINE_GROUP, .group = g->key};
		}
	} else if (key == 'k' || key == 'K') {
		kill_key(t, l, key, &cmd);
	}
	return cmd;
}

static struct tui_command browse_key(struct tui *t, int key)
{
	struct tui_command cmd = {0};

	if (navigate(t, key) || sort_key(t, key, &cmd))
		return cmd;
	switch (key) {
	case 'q':
	case 'Q':
	case KEY_F(10):
		cmd.kind = TUI_CMD_QUIT;
		break;
	case 'h':
	case '?':
	case KEY_F(1):
		t->mode = MODE_HELP;
		break;
	case '/':
		t->mode = MODE_FILTER;
		memcpy(t->filter, t->model ? t->model->query.filter : "", sizeof(t->filter));
		break;
	case KEY_ESCAPE:
		cmd.kind = t->model && t->model->query.filter[0] ? TUI_CMD_FILTER : TUI_CMD_NONE;
		break;
	case 'p':
	case 'f':
		cmd.kind = TUI_CMD_FLAT;
		break;
	default:
		return row_key(t, key);
	}
	return cmd;
}

/* Typing a filter: each change applies at once; Enter keeps it, Esc clears it. */
static struct tui_command filter_key(struct tui *t, int key)
{
	struct tui_command cmd = {.kind = TUI_CMD_FILTER};
	size_t n = strlen(t->filter);

	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		t->mode = MODE_BROWSE;
		cmd.kind = TUI_CMD_NONE;
	} else if (key == KEY_ESCAPE) {
		t->mode = MODE_BROWSE;
		t->filter[0] = '\0';
	} else if (key == KEY_BACKSPACE || key == 127 || key == '\b') {
		if (n)
			t->filter[n - 1] = '\0';
	} else if (key >= 0x20 && key < 0x7f && n + 1 < sizeof(t->filter)) {
		t->filter[n] = (char)key;
		t->filter[n + 1] = '\0';
	} else {
		cmd.kind = TUI_CMD_NONE;
	}
	memcpy(cmd.filter, t->filter, sizeof(cmd.filter));
	return cmd;
}

static struct tui_command confirm_key(struct tui *t, int key)
{
	struct tui_command cmd = {.kind = TUI_CMD_KILL_CANCEL};

	t->mode = MODE_BROWSE;
	if (key == 'y' || key == 'Y') {
		cmd.kind = TUI_CMD_KILL;
		cmd.signal = t->prompt_signal;
	} else if (key == 'K') {
		cmd.kind = TUI_CMD_KILL;
		cmd.signal = SIGKILL;
	}
	return cmd;
}

struct tui_command tui_handle_key(struct tui *t, int key)
{
	struct tui_command none = {0};

	if (key == TUI_NO_KEY || key == KEY_RESIZE)
		return none; /* ncurses has resized stdscr: the next draw fits */
	t->status[0] = '\0';
	switch (t->mode) {
	case MODE_HELP:
		t->mode = MODE_BROWSE;
		return none;
	case MODE_FILTER:
		return filter_key(t, key);
	case MODE_CONFIRM:
		return confirm_key(t, key);
	default:
		return browse_key(t, key);
	}
}
