// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for top's batch frame (top -b) from a hand-built model: the
// header, pools beyond the limit, failures, counts in thousands and
// millions, growth, containers and pods, the flat view, escaping.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/snapshot_json.h"
#include "core/top_model.h"
#include "unit.h"
#include "view_fixtures.h"
#include "views/top_text.h"

static struct {
	struct top_pool pools[3];
	struct group_label labels[3];
	struct top_group groups[3];
	struct top_process processes[2];
	struct top_line lines[5];
	struct top_model m;
} fx;

static void build(bool flat)
{
	memset(&fx, 0, sizeof(fx));
	fx.pools[0] = (struct top_pool){.kind = POOL_TCP_CONNECT,
					.netns = 4026531840u,
					.used = 27000,
					.capacity = 28232,
					.capacity_known = true,
					.fill = 27000 / 28232.0,
					.seconds_left = 41.3};
	snprintf(fx.pools[0].where, sizeof(fx.pools[0].where), "10.0.0.1 -> 10.0.0.2:5001");
	fx.pools[1] = (struct top_pool){
		.kind = POOL_TCP_BIND, .netns = 1, .used = 7, .seconds_left = INFINITY};
	fx.pools[2] = (struct top_pool){.kind = POOL_UDP,
					.netns = 1,
					.used = 1,
					.capacity = 3,
					.capacity_known = true,
					.fill = 1 / 3.0,
					.seconds_left = 4000};
	fix_label(&fx.labels[0], &fix_docker, "/system.slice/docker-" FIX_DOCKER_ID ".scope", "v2");
	fix_label(&fx.labels[1], &fix_hostile, FIX_HOSTILE_PATH, "v1:memory");
	fix_label(&fx.labels[2], &fix_unit,
		  "/kubepods.slice/kubepods-pod0123abcd_4567_89ef_0123_456789abcdef.slice", "v2");
	fx.groups[0] = (struct top_group){.key = fix_docker,
					  .label = &fx.labels[0],
					  .nr_processes = 2,
					  .expanded = true,
					  .first = 0,
					  .nr = 2,
					  .stats = {.ports = 12345678,
						    .established = 123456,
						    .time_wait = 99999,
						    .close_wait = 100000,
						    .udp = 1,
						    .growth_per_s = 999.96,
						    .failures = 3,
						    .class = LEAK_BIND_BEFORE_CONNECT,
						    .suspect = true,
						    .acted = true}};
	fx.groups[1] = (struct top_group){.key = fix_hostile,
					  .label = &fx.labels[1],
					  .nr_processes = 0,
					  .stats = {.ports = 5, .other = 5, .growth_per_s = -0.04}};
	fx.groups[2] = (struct top_group){.key = fix_unit,
					  .label = &fx.labels[2],
					  .stats = {.ports = 2, .udp = 2, .growth_per_s = -1500.4}};
	fx.processes[0] = (struct top_process){.tgid = 4242,
					       .group = 0,
					       .stats = {.ports = 12345000,
							 .established = 123000,
							 .growth_per_s = 12.25,
							 .class = LEAK_BIND_BEFORE_CONNECT,
							 .suspect = true,
							 .acted = true}};
	memcpy(fx.processes[0].comm, "portleak", 9);
	fx.processes[1] = (struct top_process){
		.tgid = 31337, .group = 0, .stats = {.ports = 678, .other = 678}};
	memcpy(fx.processes[1].comm, "ab\"cd\\ef\tgh\x1b[2J45", PW_COMM_LEN);
	fx.m = (struct top_model){
		.query = {.sort = TOP_COL_PORTS, .flat = flat, .expand_all = true},
		.wall_time = 1700000000,
		.uptime_ms = 3723999,
		.mode = "dry run",
		.hooks = "fexit",
		.pools = fx.pools,
		.nr_pools = 3,
		.counters = {.failures = {37, 3, 0}},
		.failures_per_s = {12.345, 0.05, 0},
		.events_per_s = 1234.56,
		.lost_events = 4,
		.missed_runs = 1,
		.actions = 1,
		.groups = fx.groups,
		.nr_groups = 3,
		.total_groups = 3,
		.processes = fx.processes,
		.nr_processes = 2,
		.total_processes = 2,
		.lines = fx.lines};
	if (flat) {
		fx.lines[0] = (struct top_line){TOP_LINE_PROCESS, 0};
		fx.lines[1] = (struct top_line){TOP_LINE_PROCESS, 1};
		fx.m.nr_lines = 2;
	} else {
		fx.lines[0] = (struct top_line){TOP_LINE_GROUP, 0};
		fx.lines[1] = (struct top_line){TOP_LINE_PROCESS, 0};
		fx.lines[2] = (struct top_line){TOP_LINE_PROCESS, 1};
		fx.lines[3] = (struct top_line){TOP_LINE_GROUP, 1};
		fx.lines[4] = (struct top_line){TOP_LINE_GROUP, 2};
		fx.m.nr_lines = 5;
	}
}

/* The header's last lines and the table's columns: the same in both views. */
#define FRAME_STATE_AND_COLUMNS                                                                   \
	"failures/s: EADDRNOTAVAIL 12.3 (total 37), EADDRINUSE 0.1 (total 3), EAGAIN 0.0 (total " \
	"0)\n"                                                                                    \
	"portwarden: 1234.6 events/s, 4 lost events, 1 missed runs, mode dry run, hooks fexit, "  \
	"1 action\n"                                                                              \
	"\n"                                                                                      \
	"       PID PORTS ESTAB TWAIT CWAIT   UDP OTHER GROW/s FAILS CLASS               NAME\n"

static const char tree_frame[] =
	"portwarden top - 22:13:20 up 1:02:03, 3 cgroups, 2 processes, sort PORTS, tree view"
	"\n"
	"tcp-connect [###################.]  95.6%  27000/28232  out in 42s    netns 4026531840"
	"  10.0.0.1 -> 10.0.0.2:5001\n"
	"tcp-bind    [????????????????????]      ?      7/?      no forecast   netns 1\n"
	"... and 1 more pools\n" FRAME_STATE_AND_COLUMNS
	"-!       -   12M  123k 99999  100k     1     0  +1000     3 bind-before-connect /sys"
	"tem.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sc"
	"ope [docker 0123456789ab]\n"
	" !    4242   12M  123k     0     0     0     0  +12.2     0 bind-before-connect   po"
	"rtleak\n"
	"     31337   678     0     0     0     0   678    0.0     0 -                     ab"
	"\"cd\\\\ef\\x09gh\\x1b[2J4\n"
	"+        -     5     0     0     0     0     5    0.0     0 -                   /evi"
	"l\"q\\\\b\\x1b]0;x\\x07\\x0a\\x7f\\xff/\\xc3\\xa9t\\xc3\\xa9\n"
	"+        -     2     0     0     0     2     0  -1500     0 -                   /kub"
	"epods.slice/kubepods-pod0123abcd_4567_89ef_0123_456789abcdef.slice [pod 0123abcd-456"
	"7-89ef-0123-456789abcdef]\n"
	"\n";

static const char flat_frame[] =
	"portwarden top - 22:13:20 up 1:02:03, 3 cgroups, 2 processes, sort PORTS, flat view"
	"\n"
	"tcp-connect [###################.]  95.6%  27000/28232  out in 42s    netns 4026531840"
	"  10.0.0.1 -> 10.0.0.2:5001\n"
	"tcp-bind    [????????????????????]      ?      7/?      no forecast   netns 1\n"
	"udp         [#######.............]  33.3%      1/3      out in 1h06m  netns "
	"1\n" FRAME_STATE_AND_COLUMNS
	" !    4242   12M  123k     0     0     0     0  +12.2     0 bind-before-connect port"
	"leak         /system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef01"
	"23456789abcdef.scope [docker 0123456789ab]\n"
	"     31337   678     0     0     0     0   678    0.0     0 -                   ab\""
	"cd\\\\ef\\x09gh\\x1b[2J4 /system.slice/docker-0123456789abcdef0123456789abcdef012345"
	"6789abcdef0123456789abcdef.scope [docker 0123456789ab]\n"
	"\n";

static char *frame(size_t max_pools)
{
	struct fix_out o;

	return fix_text(&o, top_text_frame(fix_open(&o), &fx.m, max_pools, false));
}

/* Tree view (every cgroup expanded, two of three pools) and flat view (each
 * process with its cgroup and container after its comm): whole frames. */
UNIT_TEST(whole_frames)
{
	static const struct {
		const char *name;
		bool flat;
		size_t max_pools;
		const char *want;
	} rows[] = {{"tree", false, 2, tree_frame}, {"flat", true, 3, flat_frame}};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *s;
		bool raw;

		UNIT_ROW(rows[i].name);
		build(rows[i].flat);
		s = frame(rows[i].max_pools);
		raw = fix_has_raw_control(s);
		ASSERT_EQ_STR(s, rows[i].want);
		free(s);
		ASSERT_TRUE(!raw);
	}
}

UNIT_TEST(pool_lines)
{
	char *s;

	build(false);
	s = frame(0);
	ASSERT_TRUE(strstr(s, "\n... and 3 more pools\nfailures/s:") != NULL);
	ASSERT_TRUE(strstr(s, "tcp-connect [") == NULL);
	free(s);
	fx.m.nr_pools = 0;
	s = frame(2);
	ASSERT_TRUE(strstr(s, "\npools: no local port is held\nfailures/s:") != NULL);
	ASSERT_TRUE(strstr(s, "more pools") == NULL);
	free(s);
}

/* Counts fit 5 columns: as they are up to 99999, then k, then M. */
UNIT_TEST(count_and_growth_cells)
{
	static const struct {
		uint32_t ports;
		double growth;
		const char *ports_cell, *growth_cell;
	} rows[] = {
		{99999, 0.049, "99999", "0.0"},		 {100000, -0.049, "100k", "0.0"},
		{9999999, 0.05, "9999k", "+0.1"},	 {10000000, -999.9, "10M", "-999.9"},
		{4294967295u, 999.95, "4294M", "+1000"}, {0, -1e9, "0", "-1000000000"},
	};
	struct top_layout lo;
	struct top_span ports, growth;
	char line[TOP_TEXT_LINE_MAX], cell[32];

	build(false);
	lo = top_text_layout(&fx.m, 0);
	ports = top_text_column_span(TOP_COL_PORTS, &lo);
	growth = top_text_column_span(TOP_COL_GROWTH, &lo);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *p;

		UNIT_ROW(rows[i].ports_cell);
		fx.groups[1].stats.ports = rows[i].ports;
		fx.groups[1].stats.growth_per_s = rows[i].growth;
		top_text_line(line, sizeof(line), &fx.m, &fx.lines[3], &lo);
		snprintf(cell, sizeof(cell), "%.*s", ports.width, line + ports.start);
		for (p = cell; *p == ' '; p++)
			;
		ASSERT_EQ_STR(p, rows[i].ports_cell);
		/* a growth wider than its column pushes the rest right: take the word */
		for (p = line + growth.start; *p == ' '; p++)
			;
		snprintf(cell, sizeof(cell), "%.*s", (int)strcspn(p, " "), p);
		ASSERT_EQ_STR(cell, rows[i].growth_cell);
	}
}

/* The runtime's names lead the NAME column (short where paths are long), escaped. */
UNIT_TEST(container_names_first)
{
	char *out;

	build(false);
	fx.labels[0].container.names = (struct container_names){
		.pod_namespace = "kube-system", .pod = "dns\x1b[2J", .container = "coredns"};
	out = frame(3);
	ASSERT_TRUE(out != NULL);
	ASSERT_TRUE(strstr(out, " kube-system/dns\\x1b[2J/coredns  /system.slice/docker-") != NULL);
	ASSERT_TRUE(strchr(out, '\x1b') == NULL);
	free(out);
	/* podman's name alone */
	build(false);
	fx.labels[0].container.names = (struct container_names){.container = "pw-web"};
	out = frame(3);
	ASSERT_TRUE(strstr(out, " pw-web  /system.slice/docker-") != NULL);
	free(out);
}

/* Seconds to exhaustion, rounded up, in at most 13 columns; none: "no forecast". */
UNIT_TEST(forecast_cells)
{
	static const struct {
		double s;
		const char *want;
	} rows[] = {
		{INFINITY, "no forecast"}, {0, "out in 0s"},	     {0.2, "out in 1s"},
		{59.5, "out in 1m00s"},	   {60, "out in 1m00s"},     {3599, "out in 59m59s"},
		{3600, "out in 1h00m"},	   {86399, "out in 23h59m"}, {86400, "out in 1d00h"},
		{863999, "out in 9d23h"},  {864000, "out in >9d"},   {1e300, "out in >9d"},
	};
	char cell[32];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		top_text_forecast(cell, sizeof(cell), rows[i].s);
		ASSERT_EQ_STR(cell, rows[i].want);
		ASSERT_TRUE(strlen(cell) <= TOP_TEXT_FORECAST_WIDTH);
	}
}

/* Scaled from 0 to the peak (a pool at 2-5% still shows its slope), the
 * newest readings kept when there are more than cells; ASCII or Unicode. */
UNIT_TEST(sparkline_scaling)
{
	static const float rising[] = {0.0f, 0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.06f, 0.07f};
	static const float flat[] = {0, 0, 0};
	char buf[128];

	ASSERT_EQ_INT(top_text_sparkline(buf, sizeof(buf), rising, 8, 20, false), 8);
	ASSERT_EQ_STR(buf, "_.-:=+*#");
	ASSERT_EQ_INT(top_text_sparkline(buf, sizeof(buf), rising, 8, 3, false), 3);
	ASSERT_EQ_STR(buf, "+*#"); /* the last 3, scaled to their own peak */
	ASSERT_EQ_INT(top_text_sparkline(buf, sizeof(buf), flat, 3, 20, false), 3);
	ASSERT_EQ_STR(buf, "___");
	ASSERT_EQ_INT(top_text_sparkline(buf, sizeof(buf), rising, 8, 20, true), 8);
	ASSERT_EQ_STR(buf, "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	/* cut at the buffer, never overflowing it, mid-character included */
	ASSERT_TRUE(top_text_sparkline(buf, 5, rising, 8, 20, true) <= 8);
	ASSERT_TRUE(strlen(buf) < 5);
	ASSERT_EQ_INT(top_text_sparkline(buf, sizeof(buf), rising, 8, 0, false), 0);
}

/* The selected row's held ports: head, chart, peak and span; nothing without
 * 2 samples or room. */
UNIT_TEST(held_lines)
{
	struct top_detail d = {.nr_held = 4, .held = {10, 20, 30, 40}, .held_peak = 40, .held_s = 3};
	char line[TOP_TEXT_LINE_MAX];

	top_text_held(line, sizeof(line), &d, 80, false);
	ASSERT_EQ_STR(line, "held ports -=+# peak 40, 3 s");
	top_text_held(line, sizeof(line), &d, 40, false); /* room for less than 8 cells */
	ASSERT_EQ_STR(line, "");
	d.nr_held = 1;
	top_text_held(line, sizeof(line), &d, 80, false);
	ASSERT_EQ_STR(line, "");
}

/* Under a pool: indent, chart, peak and span; nothing without 2 readings or room. */
/* Attached: the daemon's engaged pools, escaped, the rest counted; nothing
 * unattached or with none. */
UNIT_TEST(lifeline_line)
{
	static struct daemon_state d = {.nr_lifeline = 2, .lifeline_total = 5};
	struct top_model m = {0};
	char buf[256];

	snprintf(d.lifeline[0], sizeof(d.lifeline[0]), "tcp-connect pool in netns 7 to 10.0.0.2:80 (96.0%%)");
	snprintf(d.lifeline[1], sizeof(d.lifeline[1]), "udp pool in netns \x1b[2J (95.0%%)");
	top_text_lifeline(buf, sizeof(buf), &m);
	ASSERT_EQ_STR(buf, "");
	m.daemon = &d;
	top_text_lifeline(buf, sizeof(buf), &m);
	ASSERT_EQ_STR(buf, ""); /* not attached */
	m.attached = true;
	top_text_lifeline(buf, sizeof(buf), &m);
	ASSERT_EQ_STR(buf, "lifeline ENGAGED pool tcp-connect pool in netns 7 to 10.0.0.2:80 "
			   "(96.0%); udp pool in netns \\x1b[2J (95.0%) (and 3 more)");
	d.nr_lifeline = d.lifeline_total = 0;
	top_text_lifeline(buf, sizeof(buf), &m);
	ASSERT_EQ_STR(buf, "");
}

UNIT_TEST(history_lines)
{
	struct top_pool p = {.nr_history = 4, .history = {0.1f, 0.2f, 0.3f, 0.4f}, .history_s = 3};
	char line[TOP_TEXT_LINE_MAX];

	top_text_history(line, sizeof(line), &p, 100, false);
	ASSERT_EQ_STR(line, "             -=+# peak 40.0%, 3 s");
	top_text_history(line, sizeof(line), &p, 80, false);
	ASSERT_EQ_STR(line, "             -=+# peak 40.0%, 3 s");
	top_text_history(line, sizeof(line), &p, 40, false); /* room for less than 8 cells */
	ASSERT_EQ_STR(line, "");
	p.nr_history = 1;
	top_text_history(line, sizeof(line), &p, 100, false);
	ASSERT_EQ_STR(line, "");
	/* 120 readings on an 80-column screen: as many cells as fit, the line within 80 */
	p.nr_history = TOP_POOL_HISTORY;
	for (int i = 0; i < TOP_POOL_HISTORY; i++)
		p.history[i] = (float)i / TOP_POOL_HISTORY;
	top_text_history(line, sizeof(line), &p, 80, false);
	ASSERT_TRUE(strlen(line) <= 80);
	ASSERT_TRUE(strstr(line, " peak 99.2%, 3 s") != NULL);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	RUN(whole_frames);
	RUN(container_names_first);
	RUN(pool_lines);
	RUN(forecast_cells);
	RUN(sparkline_scaling);
	RUN(held_lines);
	RUN(history_lines);
	RUN(lifeline_line);
	RUN(count_and_growth_cells);
	return UNIT_MAIN_END();
}
