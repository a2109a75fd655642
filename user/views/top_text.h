/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The top frame as plain text, each line formatted once for the screen
 * (which adds colour) and for batch frames, with every untrusted name
 * escaped here so that no byte a process chose is printed raw.
 */
#ifndef PW_TOP_TEXT_H
#define PW_TOP_TEXT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "core/escape.h"
#include "core/top_detail.h"
#include "core/top_model.h"

/* Room for any formatted line: the columns, an escaped path and a container. */
#define TOP_TEXT_LINE_MAX (256 + ESCAPE_TERMINAL_BUF_SIZE(PATH_MAX))

/* Where a pool line's fill bar sits, for a view that colours it. */
#define TOP_TEXT_BAR_START 13
#define TOP_TEXT_BAR_WIDTH 20
/* Where a pool line's forecast sits ("out in 1m05s"), for a view that colours it. */
#define TOP_TEXT_FORECAST_START 56
#define TOP_TEXT_FORECAST_WIDTH 13

/* How wide the variable columns are in one frame. */
struct top_layout {
	int class_width; /* the longest class name shown, at least the header's */
	int name_width;	 /* longer names keep their end, "..." before it; 0: no limit */
};

/* The layout of @m for a screen @screen_width wide (0: no limit, as in batch). */
struct top_layout top_text_layout(const struct top_model *m, int screen_width);

/* Where a column sits in the table's lines (NAME: width 0, to the end). */
struct top_span {
	int start, width;
};

struct top_span top_text_column_span(enum top_column c, const struct top_layout *lo);

/* "portwarden top - HH:MM:SS up ..., N cgroups, N processes, sort ..." */
void top_text_title(char *buf, size_t len, const struct top_model *m);
/* Seconds to exhaustion as a pool line shows it: "out in 45s", "out in
 * 3m05s", "out in 2h03m", "out in >9d"; INFINITY: "no forecast". */
void top_text_forecast(char *buf, size_t len, double seconds_left);
/* One pool: kind, fill bar, percent, used/capacity, forecast, netns and addresses. */
void top_text_pool(char *buf, size_t len, const struct top_pool *p);
/*
 * The last @width of @nr fill readings (0..1, oldest first) as a sparkline
 * of 8 levels scaled from 0 to their peak, so a pool draining from 2% to 5%
 * still shows its slope: Unicode blocks when @utf8, else "_.-:=+*#". At most
 * @len - 1 bytes; returns the cells drawn.
 */
int top_text_sparkline(char *buf, size_t len, const float *fills, size_t nr, int width, bool utf8);
/* Under a pool line: its fill history, at most @width columns in all
 * ("            ▁▂▃▅▇ peak 39.0%, 24 s"); "" when it has fewer than 2 readings
 * or @width leaves no room for a chart. */
void top_text_history(char *buf, size_t len, const struct top_pool *p, int width, bool utf8);
/* Allocation failures per second by errno, with totals. */
void top_text_failures(char *buf, size_t len, const struct top_model *m);
/* portwarden's own state: events per second, lost events, mode, actions. */
void top_text_state(char *buf, size_t len, const struct top_model *m);
/* Attached: "daemon: 1234 pl-leak leak quarantine; cgroup 88 leak term (+2 more)",
 * or "daemon: no action taken"; "" when not attached. */
void top_text_events(char *buf, size_t len, const struct top_model *m);

/* Attached, with pools past the lifeline: "lifeline ENGAGED pool X; Y (and
 * N more)"; else "". Unattached top cannot know: the daemon keeps the state. */
void top_text_lifeline(char *buf, size_t len, const struct top_model *m);
/* Attached to a daemon serving its budgets: "refused/s: budget 4.0 (total
 * 120), lifeline 0.0 (total 0)" ("would refuse/s" in its dry run); else "". */
void top_text_refusals(char *buf, size_t len, const struct top_model *m);
/* The table's column header. */
void top_text_columns(char *buf, size_t len, const struct top_layout *lo);
/* One table line. */
void top_text_line(char *buf, size_t len, const struct top_model *m, const struct top_line *l,
		   const struct top_layout *lo);

/* A whole frame, like `top -b`: header (at most @max_pools pools, each with
 * its fill history, in Unicode when @utf8), table, then an empty line. */
void top_text_frame(FILE *out, const struct top_model *m, size_t max_pools, bool utf8);

/* The detail's chart of its held ports, at most @width columns in all
 * ("held ports ▁▂▃▅▇ peak 420, 24 s"); "" with fewer than 2 samples. */
void top_text_held(char *buf, size_t len, const struct top_detail *d, int width, bool utf8);
/* A row's detail in a batch frame: "detail:" then its lines indented (and
 * its held-ports chart, in Unicode when @utf8), then an empty line. */
void top_text_detail(FILE *out, const struct top_detail *d, bool utf8);

#endif /* PW_TOP_TEXT_H */
