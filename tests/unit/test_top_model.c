// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the top model and its text: rows, sorting, filter, views, header, escaping.
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "core/top_detail.h"
#include "core/top_model.h"
#include "unit.h"
#include "views/top_text.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define NOW	  20000 /* t_ms of the latest step */
#define CG_A	  100	/* /system.slice/web.service: nginx (4242) and a helper (4243) */
#define CG_B	  200	/* /docker/<id>: a leaker (5000) */
#define CG_C	  300	/* /user.slice: an ssh client (6000) */
#define CG_D	  400	/* known only through its process (7000): no cgroup entity */
#define DOCKER_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct ports {
	uint32_t estab, time_wait, close_wait, udp, listen, bound;
};

/* Every test starts from setup(), which frees what the previous one left. */
static struct {
	struct history h;
	struct snapshot snap;
	struct snap_pool pools[3];
	struct labels labels;
	struct group_label label_items[8];
	char paths[8][256]; /* label_items[i].place.path points to paths[i] */
	struct top_model m;
} fx;

static void teardown(void)
{
	top_model_free(&fx.m);
	history_free(&fx.h);
}

static int cmp_label(const void *pa, const void *pb)
{
	const struct group_label *a = pa, *b = pb;

	return (a->key.cgroup_id > b->key.cgroup_id) - (a->key.cgroup_id < b->key.cgroup_id);
}

static void label(uint64_t cgroup_id, const char *path, const char *docker_id)
{
	struct group_label *l = &fx.label_items[fx.labels.nr++];

	l->key.cgroup_id = cgroup_id;
	snprintf(fx.paths[fx.labels.nr - 1], sizeof(fx.paths[0]), "%s", path);
	l->place.path = fx.paths[fx.labels.nr - 1];
	l->place.hierarchy = "v2";
	if (docker_id) {
		l->container.runtime = CONTAINER_DOCKER;
		snprintf(l->container.id, sizeof(l->container.id), "%s", docker_id);
	}
	qsort(fx.label_items, fx.labels.nr, sizeof(fx.label_items[0]), cmp_label);
}

/* One sample at @t_ms for the entity of @k, created if new. */
static struct entity *sample(const struct entity_key *k, struct ports p, uint64_t failures,
			     uint64_t t_ms)
{
	struct entity *e = history_get(&fx.h, k);
	struct sample s = {.t_ms = t_ms, .failures = failures};

	s.held.n[PS_ESTABLISHED] = p.estab;
	s.held.n[PS_TIME_WAIT] = p.time_wait;
	s.held.n[PS_CLOSE_WAIT] = p.close_wait;
	s.held.n[PS_UDP] = p.udp;
	s.held.n[PS_LISTEN] = p.listen;
	s.held.n[PS_BOUND] = p.bound;
	for (int i = 0; i < PS_COUNT; i++)
		s.held.total += s.held.n[i];
	history_push(&fx.h, e, &s);
	return e;
}

static struct entity *group(uint64_t cgroup_id, struct ports p)
{
	struct entity_key k = {.kind = ENTITY_GROUP, .group = {cgroup_id, 0}};

	return sample(&k, p, 0, NOW);
}

static struct entity *process(uint32_t tgid, uint64_t cgroup_id, const char *comm, struct ports p)
{
	struct entity_key k = {.kind = ENTITY_PROCESS, .tgid = tgid, .group = {cgroup_id, 0}};
	struct entity *e = sample(&k, p, 0, NOW);

	strncpy(e->comm, comm, sizeof(e->comm)); /* a full 16-byte comm has no NUL */
	return e;
}

/*
 * The host every test starts from:
 *   A web.service  40 ports (estab 30, listen 2, time-wait 8), 2 processes
 *   B docker leaker  90 ports (estab 80, close-wait 10), class leak, growing 12.5/s
 *   C user.slice     15 ports (udp 12, bound 3), 3 failures
 *   D (no entity)    its process holds 5 UDP ports
 */
static void setup(void)
{
	struct entity *e;

	teardown();
	memset(&fx, 0, sizeof(fx));
	history_init(&fx.h, 8, 64);
	fx.labels.items = fx.label_items;
	label(CG_A, "/system.slice/web.service", NULL);
	label(CG_B, "/docker/" DOCKER_ID, DOCKER_ID);
	label(CG_C, "/user.slice", NULL);
	label(CG_D, "/orphans", NULL);
	group(CG_A, (struct ports){.estab = 30, .listen = 2, .time_wait = 8});
	process(4242, CG_A, "nginx", (struct ports){.estab = 25, .listen = 2, .time_wait = 8});
	process(4243, CG_A, "helper", (struct ports){.estab = 5});
	e = group(CG_B, (struct ports){.estab = 80, .close_wait = 10});
	e->verdict.class = LEAK_GROWTH;
	e->verdict.growth_per_s = 12.5;
	e = process(5000, CG_B, "leaker", (struct ports){.estab = 80, .close_wait = 10});
	e->verdict.class = LEAK_GROWTH;
	e->verdict.growth_per_s = 12.5;
	e = sample(&(struct entity_key){.kind = ENTITY_GROUP, .group = {CG_C, 0}},
		   (struct ports){.udp = 12, .bound = 3}, 3, NOW);
	e->verdict.growth_per_s = -0.5;
	process(6000, CG_C, "ssh", (struct ports){.udp = 12, .bound = 3});
	process(7000, CG_D, "dns", (struct ports){.udp = 5});
}

static struct top_input input(void)
{
	return (struct top_input){
		.history = &fx.h,
		.snap = &fx.snap,
		.labels = &fx.labels,
		.sample_ms = NOW,
		.wall_time = 0,
		.hooks = "fexit",
	};
}

static struct top_query by(enum top_column sort)
{
	return (struct top_query){.sort = sort};
}

static int build(const struct top_input *in, const struct top_query *q)
{
	top_model_free(&fx.m);
	return top_model_build(in, q, &fx.m);
}

static int build_by(enum top_column sort)
{
	struct top_input in = input();
	struct top_query q = by(sort);

	return build(&in, &q);
}

/* The shown cgroups, top to bottom, as letters ("BAC"). */
static const char *group_order(void)
{
	static char order[16];
	size_t n = 0;

	for (size_t i = 0; i < fx.m.nr_groups && n + 1 < sizeof(order); i++)
		order[n++] = (char)('A' + fx.m.groups[i].key.cgroup_id / 100 - 1);
	order[n] = '\0';
	return order;
}

/* The lines, top to bottom: a letter per cgroup, a pid per process ("A 4242 4243 B"). */
static const char *line_order(void)
{
	static char order[256];
	size_t n = 0;

	order[0] = '\0';
	for (size_t i = 0; i < fx.m.nr_lines; i++) {
		const struct top_line *l = &fx.m.lines[i];

		if (l->kind == TOP_LINE_GROUP)
			n += snprintf(order + n, sizeof(order) - n, "%s%c", i ? " " : "",
				      (char)('A' + fx.m.groups[l->index].key.cgroup_id / 100 - 1));
		else
			n += snprintf(order + n, sizeof(order) - n, "%s%u", i ? " " : "",
				      fx.m.processes[l->index].tgid);
	}
	return order;
}

static const struct top_group *find_group(uint64_t cgroup_id)
{
	for (size_t i = 0; i < fx.m.nr_groups; i++)
		if (fx.m.groups[i].key.cgroup_id == cgroup_id)
			return &fx.m.groups[i];
	return NULL;
}

static const struct top_process *find_process(uint32_t tgid)
{
	for (size_t i = 0; i < fx.m.nr_processes; i++)
		if (fx.m.processes[i].tgid == tgid)
			return &fx.m.processes[i];
	return NULL;
}

UNIT_TEST(ports_by_state)
{
	const struct top_group *a, *c;
	const struct top_process *p;

	setup();
	ASSERT_EQ_INT(build_by(TOP_COL_PORTS), 0);
	a = find_group(CG_A);
	ASSERT_TRUE(a != NULL);
	ASSERT_EQ_INT(a->stats.ports, 40);
	ASSERT_EQ_INT(a->stats.established, 30);
	ASSERT_EQ_INT(a->stats.time_wait, 8);
	ASSERT_EQ_INT(a->stats.close_wait, 0);
	ASSERT_EQ_INT(a->stats.other, 2); /* LISTEN */
	ASSERT_EQ_INT(a->nr_processes, 2);
	ASSERT_EQ_STR(a->label->place.path, "/system.slice/web.service");
	c = find_group(CG_C);
	ASSERT_TRUE(c != NULL);
	ASSERT_EQ_INT(c->stats.udp, 12);
	ASSERT_EQ_INT(c->stats.other, 3); /* bound */
	ASSERT_EQ_INT(c->stats.failures, 3);
	p = find_process(5000);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ_INT(p->stats.close_wait, 10);
	ASSERT_EQ_STR(p->comm, "leaker");
	ASSERT_EQ_INT(fx.m.groups[p->group].key.cgroup_id, CG_B);
}

UNIT_TEST(default_sort_most_ports_first)
{
	setup();
	ASSERT_EQ_INT(build_by(TOP_COL_PORTS), 0);
	ASSERT_EQ_STR(group_order(), "BACD");
	/* collapsed by default: one line per cgroup */
	ASSERT_EQ_STR(line_order(), "B A C D");
	ASSERT_EQ_INT(fx.m.total_groups, 4);
	ASSERT_EQ_INT(fx.m.total_processes, 5);
}

struct sort_case {
	enum top_column column;
	bool reverse;
	const char *groups;
};

static const struct sort_case sort_cases[] = {
	{TOP_COL_PORTS, false, "BACD"},
	{TOP_COL_PORTS, true, "DCAB"},
	{TOP_COL_ESTABLISHED, false, "BACD"}, /* C and D tie at 0: most ports first */
	{TOP_COL_TIME_WAIT, false, "ABCD"},
	{TOP_COL_CLOSE_WAIT, false, "BACD"},
	{TOP_COL_UDP, false, "CDBA"},
	{TOP_COL_OTHER, false, "CABD"},
	{TOP_COL_GROWTH, false, "BADC"}, /* D's sum of no growth: 0; C shrinks */
	{TOP_COL_FAILURES, false, "CBAD"},
	{TOP_COL_CLASS, false, "BACD"},
	{TOP_COL_CLASS, true, "ACDB"},
	{TOP_COL_NAME, false, "BDAC"}, /* /docker, /orphans, /system.slice, /user.slice */
	{TOP_COL_NAME, true, "CADB"},
	{TOP_COL_PID, false, "ABCD"}, /* cgroups by id */
};

UNIT_TEST(sort_by_each_column)
{
	setup();
	for (size_t i = 0; i < ARRAY_SIZE(sort_cases); i++) {
		const struct sort_case *t = &sort_cases[i];
		struct top_input in = input();
		struct top_query q = {.sort = t->column, .reverse = t->reverse};
		char row[64];

		snprintf(row, sizeof(row), "%s%s", top_column_name(t->column),
			 t->reverse ? " reversed" : "");
		UNIT_ROW(row);
		ASSERT_EQ_INT(build(&in, &q), 0);
		ASSERT_EQ_STR(group_order(), t->groups);
	}
}

UNIT_TEST(ties_break_by_ports_then_key)
{
	setup();
	group(CG_C + 50, (struct ports){.udp = 12, .bound = 3}); /* as C, a later id */
	ASSERT_EQ_INT(build_by(TOP_COL_UDP), 0);
	ASSERT_EQ_INT(fx.m.groups[0].key.cgroup_id, CG_C);
	ASSERT_EQ_INT(fx.m.groups[1].key.cgroup_id, CG_C + 50);
}

UNIT_TEST(expanded_cgroup_lists_its_processes)
{
	struct top_input in;
	struct group_key expanded[] = {{CG_A, 0}};
	struct top_query q = by(TOP_COL_PORTS);

	setup();
	in = input();
	q.expanded = expanded;
	q.nr_expanded = ARRAY_SIZE(expanded);
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_STR(line_order(), "B A 4242 4243 C D");
	ASSERT_TRUE(fx.m.groups[1].expanded && !fx.m.groups[0].expanded);
	ASSERT_TRUE(fx.m.query.expanded == NULL); /* the frame keeps no pointer to the caller's */
	q.sort = TOP_COL_PID;
	q.reverse = true; /* processes follow the sort inside their cgroup */
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_STR(line_order(), "D C B A 4243 4242");
	q.expand_all = true;
	q.reverse = false;
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_STR(line_order(), "A 4242 4243 B 5000 C 6000 D 7000");
}

UNIT_TEST(flat_view_sorts_every_process)
{
	struct top_input in;
	struct top_query q = by(TOP_COL_PORTS);

	setup();
	in = input();
	q.flat = true;
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_STR(line_order(), "5000 4242 6000 4243 7000");
	q.sort = TOP_COL_NAME;
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_STR(line_order(), "7000 4243 5000 4242 6000"); /* dns helper leaker nginx ssh */
	ASSERT_EQ_STR(fx.m.groups[find_process(6000)->group].label->place.path, "/user.slice");
}

struct filter_case {
	const char *filter;
	bool flat;
	const char *lines;
};

static const struct filter_case filter_cases[] = {
	{"", false, "B A C D"},
	/* a process's comm: its cgroup shows, expanded, with that process only */
	{"nginx", false, "A 4242"},
	{"NGINX", false, "A 4242"},
	{"help", false, "A 4243"},
	/* a cgroup's path: it shows with all its processes, collapsed */
	{"system.slice", false, "A"},
	{"User.Slice", true, "6000"},
	{"system.slice", true, "4242 4243"},
	/* the container id */
	{"89abcdef01", false, "B"},
	{"leaker", true, "5000"},
	{"no such thing", false, ""},
};

UNIT_TEST(filter_on_comm_cgroup_and_container)
{
	setup();
	for (size_t i = 0; i < ARRAY_SIZE(filter_cases); i++) {
		const struct filter_case *t = &filter_cases[i];
		struct top_input in = input();
		struct top_query q = {.sort = TOP_COL_PORTS, .flat = t->flat};

		UNIT_ROW(t->filter);
		snprintf(q.filter, sizeof(q.filter), "%s", t->filter);
		ASSERT_EQ_INT(build(&in, &q), 0);
		ASSERT_EQ_STR(line_order(), t->lines);
		ASSERT_EQ_INT(fx.m.total_groups, 4);
		ASSERT_EQ_INT(fx.m.total_processes, 5);
	}
	ASSERT_EQ_INT(find_group(CG_A) ? 1 : 0, 0); /* the last case shows nothing */
}

UNIT_TEST(filter_matches_the_escaped_name)
{
	struct top_input in;
	struct top_query q = by(TOP_COL_PORTS);

	setup();
	process(8000, CG_C, "\x1b[31mred", (struct ports){.udp = 1});
	in = input();
	/* what the screen shows is "\x1b[31mred": typing that finds it */
	snprintf(q.filter, sizeof(q.filter), "\\x1b[31m");
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_STR(line_order(), "C 8000");
	snprintf(q.filter, sizeof(q.filter), "\x1b");
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_STR(line_order(), "");
}

UNIT_TEST(entities_gone_from_the_latest_step_are_hidden)
{
	struct entity_key k = {.kind = ENTITY_PROCESS, .tgid = 9000, .group = {CG_A, 0}};
	struct entity_key g = {.kind = ENTITY_GROUP, .group = {CG_A + 1, 0}};

	setup();
	sample(&k, (struct ports){.estab = 500}, 0, NOW - 1000);
	sample(&g, (struct ports){.estab = 500}, 0, NOW - 1000);
	ASSERT_EQ_INT(build_by(TOP_COL_PORTS), 0);
	ASSERT_TRUE(find_process(9000) == NULL);
	ASSERT_TRUE(find_group(CG_A + 1) == NULL);
	ASSERT_EQ_INT(find_group(CG_A)->nr_processes, 2);
}

/* Rows are for what holds ports or fails to get one now: the monitor keeps
 * sampling exited processes through their counters. */
UNIT_TEST(idle_entities_are_hidden)
{
	struct entity *e;

	setup();
	e = process(9100, CG_A, "exited", (struct ports){0});
	e->ring[(e->head + fx.h.ring_cap - 1) % fx.h.ring_cap].failures = 5; /* long ago */
	e = process(9101, CG_A, "victim", (struct ports){0});
	e->verdict.failures_per_s = 2;
	ASSERT_EQ_INT(build_by(TOP_COL_PORTS), 0);
	ASSERT_TRUE(find_process(9100) == NULL);
	ASSERT_TRUE(find_process(9101) != NULL);
	ASSERT_EQ_INT(find_group(CG_A)->nr_processes, 3);
	ASSERT_EQ_INT(fx.m.total_processes, 6);
}

UNIT_TEST(cgroup_known_only_through_processes)
{
	const struct top_group *d;

	setup();
	process(7001, CG_D, "dns2", (struct ports){.udp = 2, .estab = 1});
	ASSERT_EQ_INT(build_by(TOP_COL_PORTS), 0);
	d = find_group(CG_D);
	ASSERT_TRUE(d != NULL);
	ASSERT_EQ_INT(d->nr_processes, 2);
	ASSERT_EQ_INT(d->stats.ports, 8);
	ASSERT_EQ_INT(d->stats.udp, 7);
	ASSERT_EQ_INT(d->stats.established, 1);
	ASSERT_EQ_INT(d->stats.class, LEAK_NONE);
}

UNIT_TEST(suspect_and_acted_marks)
{
	struct top_acted acted[] = {{4243, {CG_A, 0}}, {6000, {CG_A, 0}}}; /* 6000 is in C */
	struct top_input in;
	struct top_query q = by(TOP_COL_PORTS);

	setup();
	in = input();
	in.acted = acted;
	in.nr_acted = ARRAY_SIZE(acted);
	in.actions = 2;
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_TRUE(find_process(5000)->stats.suspect);
	ASSERT_TRUE(find_group(CG_B)->stats.suspect);
	ASSERT_TRUE(!find_process(4242)->stats.suspect);
	ASSERT_TRUE(find_process(4243)->stats.acted);
	ASSERT_TRUE(!find_process(4242)->stats.acted);
	ASSERT_TRUE(!find_process(6000)->stats.acted); /* same pid, other cgroup */
	ASSERT_TRUE(find_group(CG_A)->stats.acted);
	ASSERT_TRUE(!find_group(CG_C)->stats.acted);
	ASSERT_EQ_INT(fx.m.actions, 2);
}

UNIT_TEST(suspect_process_marks_its_cgroup)
{
	struct entity *e;

	setup();
	e = process(4244, CG_A, "worker", (struct ports){.udp = 50});
	e->verdict.class = LEAK_UDP;
	ASSERT_EQ_INT(build_by(TOP_COL_CLASS), 0);
	ASSERT_TRUE(find_group(CG_A)->stats.suspect);
	ASSERT_EQ_INT(find_group(CG_A)->stats.class, LEAK_NONE); /* the cgroup's own verdict */
}

/* Attached to run's socket: the daemon's classes replace top's own (a row it
 * has none for has none), its ladder's actions mark rows, the mode says so. */
UNIT_TEST(attached_shows_the_daemons_classes_and_actions)
{
	struct daemon_suspect rows[] = {
		{.tgid = 4242, .cgroup_id = CG_A, .class = LEAK_CLOSE_WAIT, .last_action = "quarantine"},
		{.tgid = 6000, .cgroup_id = CG_C, .class = LEAK_UDP, .last_action = "alert"},
	};
	struct daemon_state d = {.pid = 77, .items = rows, .nr = ARRAY_SIZE(rows)};
	static const char *const acted[] = {"quarantine", "reclaim", "term", "kill"};
	struct top_query q = by(TOP_COL_PORTS);
	struct top_input in;

	setup();
	in = input();
	in.daemon = &d;
	in.mode = "attached to portwarden run (pid 77, enforce)";
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_INT(find_process(5000)->stats.class, LEAK_NONE); /* top's own leak: not the daemon's */
	ASSERT_TRUE(!find_process(5000)->stats.suspect);
	ASSERT_EQ_INT(find_process(4242)->stats.class, LEAK_CLOSE_WAIT);
	ASSERT_TRUE(find_process(4242)->stats.suspect && find_process(4242)->stats.acted);
	ASSERT_TRUE(find_group(CG_A)->stats.acted);
	ASSERT_EQ_INT(find_process(6000)->stats.class, LEAK_UDP);
	ASSERT_TRUE(find_process(6000)->stats.suspect && !find_process(6000)->stats.acted);
	ASSERT_TRUE(!strcmp(fx.m.mode, "attached to portwarden run (pid 77, enforce)"));
	/* every rung that touched it marks it, the reclaim too */
	for (size_t i = 0; i < ARRAY_SIZE(acted); i++) {
		UNIT_ROW(acted[i]);
		snprintf(rows[0].last_action, sizeof(rows[0].last_action), "%s", acted[i]);
		setup();
		in = input();
		in.daemon = &d;
		ASSERT_EQ_INT(build(&in, &q), 0);
		ASSERT_TRUE(find_process(4242)->stats.acted);
	}
}

/* Attached: the event strip lists the daemon's suspects with an action, comm
 * from the history (escaped), a cgroup ladder by id, the rest counted;
 * standalone: no strip; attached with nothing done: says so. */
UNIT_TEST(attached_event_strip)
{
	struct daemon_suspect rows[TOP_EVENTS + 2] = {
		{.tgid = 5000,
		 .cgroup_id = CG_B,
		 .class = LEAK_GROWTH,
		 .last_action = "quarantine"},
		{.tgid = 0, .cgroup_id = CG_A, .class = LEAK_GROWTH, .last_action = "term"},
		{.tgid = 6000, .cgroup_id = CG_C, .class = LEAK_UDP}, /* no action: not listed */
	};
	struct daemon_state d = {.pid = 77, .items = rows, .nr = 3};
	char line[TOP_TEXT_LINE_MAX];
	struct top_input in;

	setup();
	memcpy(history_find_process(&fx.h, 5000)->comm, "le\x1bk", 5);
	in = input();
	in.daemon = &d;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	top_text_events(line, sizeof(line), &fx.m);
	ASSERT_EQ_STR(line, "daemon: 5000 le\\x1bk leak quarantine; cgroup 100 leak term");
	for (size_t i = 3; i < ARRAY_SIZE(rows); i++)
		rows[i] =
			(struct daemon_suspect){.tgid = 9000 + (uint32_t)i, .last_action = "kill"};
	d.nr = ARRAY_SIZE(rows);
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	ASSERT_EQ_INT(fx.m.nr_events, TOP_EVENTS);
	top_text_events(line, sizeof(line), &fx.m);
	ASSERT_TRUE(strstr(line, "; 9005 ? none kill (+1 more)") != NULL);
	d.nr = 0;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	top_text_events(line, sizeof(line), &fx.m);
	ASSERT_EQ_STR(line, "daemon: no action taken");
	in.daemon = NULL;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	top_text_events(line, sizeof(line), &fx.m);
	ASSERT_EQ_STR(line, "");
}

static void set_pool(size_t i, enum pool_kind kind, uint32_t used, uint32_t capacity, bool known)
{
	struct snap_pool *p = &fx.pools[i];

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->netns = 4026531840u + (uint32_t)i;
	p->family = AF_INET;
	p->used = used;
	p->capacity = capacity;
	p->capacity_known = known;
	p->laddr[0] = 127;
	p->laddr[3] = 1;
	p->raddr[0] = 10;
	p->raddr[3] = 9;
	p->rport = 5001;
}

UNIT_TEST(header_pools_worst_first)
{
	setup();
	set_pool(0, POOL_TCP_BIND, 50, 100, true);
	set_pool(1, POOL_UDP, 900, 0, false);
	set_pool(2, POOL_TCP_CONNECT, 90, 100, true);
	fx.snap.pools = fx.pools;
	fx.snap.nr_pools = 3;
	ASSERT_EQ_INT(build_by(TOP_COL_PORTS), 0);
	ASSERT_EQ_INT(fx.m.nr_pools, 3);
	ASSERT_EQ_INT(fx.m.pools[0].kind, POOL_TCP_CONNECT);
	ASSERT_EQ_STR(fx.m.pools[0].where, "127.0.0.1 -> 10.0.0.9:5001");
	ASSERT_TRUE(fx.m.pools[0].fill > 0.89 && fx.m.pools[0].fill < 0.91);
	ASSERT_EQ_INT(fx.m.pools[1].kind, POOL_TCP_BIND);
	ASSERT_EQ_STR(fx.m.pools[1].where, "");
	ASSERT_EQ_INT(fx.m.pools[2].kind, POOL_UDP); /* unknown capacity: last */
	ASSERT_TRUE(isinf(fx.m.pools[0].seconds_left)); /* nothing grows: no forecast */
}

/*
 * Time to exhaustion is run's forecast (pool_own_seconds_left): free ports at
 * the pool's growth. Once any pool has one, the soonest out comes first even
 * when emptier; urgency against the horizon: within it NOW, within twice SOON.
 */
UNIT_TEST(header_pools_soonest_out_first)
{
	struct top_input in;

	setup();
	set_pool(0, POOL_TCP_BIND, 50, 100, true); /* 50 free at 2/s: 25 s */
	fx.pools[0].growth_per_s = 2;
	set_pool(1, POOL_UDP, 900, 0, false); /* growing, capacity unknown: none */
	fx.pools[1].growth_per_s = 50;
	set_pool(2, POOL_TCP_CONNECT, 90, 100, true); /* fuller, not growing */
	fx.snap.pools = fx.pools;
	fx.snap.nr_pools = 3;
	in = input();
	in.horizon_s = 20;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	ASSERT_EQ_INT(fx.m.pools[0].kind, POOL_TCP_BIND);
	ASSERT_TRUE(fx.m.pools[0].seconds_left > 24.99 && fx.m.pools[0].seconds_left < 25.01);
	ASSERT_EQ_INT(fx.m.pools[0].urgency, TOP_URGENCY_SOON);
	ASSERT_EQ_INT(fx.m.pools[1].kind, POOL_TCP_CONNECT);
	ASSERT_TRUE(isinf(fx.m.pools[1].seconds_left));
	ASSERT_EQ_INT(fx.m.pools[1].urgency, TOP_URGENCY_NONE);
	ASSERT_TRUE(isinf(fx.m.pools[2].seconds_left));
	in.horizon_s = 30;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	ASSERT_EQ_INT(fx.m.pools[0].urgency, TOP_URGENCY_NOW);
}

/* Each pool's fill readings (pool_trend.c's ring), for its chart, oldest first. */
UNIT_TEST(header_pools_carry_their_history)
{
	struct pool_trends tr = {0};
	struct top_input in;

	setup();
	set_pool(0, POOL_TCP_CONNECT, 10, 100, true);
	fx.snap.pools = fx.pools;
	fx.snap.nr_pools = 1;
	for (uint32_t i = 0; i < 3; i++) {
		fx.pools[0].used = 10 + 20 * i;
		ASSERT_EQ_INT(pool_trends_update(&tr, &fx.snap, 1000 + 2000 * i), 0);
	}
	in = input();
	in.pool_trends = &tr;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	ASSERT_EQ_INT(fx.m.pools[0].nr_history, 3);
	ASSERT_TRUE(fx.m.pools[0].history[0] > 0.099f && fx.m.pools[0].history[0] < 0.101f);
	ASSERT_TRUE(fx.m.pools[0].history[2] > 0.499f && fx.m.pools[0].history[2] < 0.501f);
	ASSERT_EQ_INT(fx.m.pools[0].history_s, 4);
	/* the pool's growth (10/s) makes the forecast: 50 free, 5 s */
	ASSERT_TRUE(fx.m.pools[0].seconds_left > 4.9 && fx.m.pools[0].seconds_left < 5.1);
	in.pool_trends = NULL;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	ASSERT_EQ_INT(fx.m.pools[0].nr_history, 0);
	pool_trends_free(&tr);
}

UNIT_TEST(urgency_against_the_horizon)
{
	ASSERT_EQ_INT(top_urgency_of(INFINITY, 120), TOP_URGENCY_NONE);
	ASSERT_EQ_INT(top_urgency_of(0, 120), TOP_URGENCY_NOW);
	ASSERT_EQ_INT(top_urgency_of(120, 120), TOP_URGENCY_NOW);
	ASSERT_EQ_INT(top_urgency_of(120.5, 120), TOP_URGENCY_SOON);
	ASSERT_EQ_INT(top_urgency_of(240, 120), TOP_URGENCY_SOON);
	ASSERT_EQ_INT(top_urgency_of(240.5, 120), TOP_URGENCY_NONE);
}

UNIT_TEST(header_rates_and_state)
{
	struct top_input in;
	struct top_query q = by(TOP_COL_PORTS);

	setup();
	in = input();
	in.before = (struct top_counters){.t_ms = 18000, .events = 100, .failures = {10, 0, 4}};
	in.now = (struct top_counters){.t_ms = 20000, .events = 300, .failures = {30, 0, 4}};
	in.lost_events = 7;
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_TRUE(fx.m.events_per_s > 99.9 && fx.m.events_per_s < 100.1);
	ASSERT_TRUE(fx.m.failures_per_s[TOP_EADDRNOTAVAIL] > 9.9 &&
		    fx.m.failures_per_s[TOP_EADDRNOTAVAIL] < 10.1);
	ASSERT_TRUE(fx.m.failures_per_s[TOP_EAGAIN] == 0);
	ASSERT_EQ_INT(fx.m.counters.failures[TOP_EAGAIN], 4);
	ASSERT_EQ_INT(fx.m.lost_events, 7);
	ASSERT_EQ_STR(fx.m.mode, "dry run");
	ASSERT_EQ_STR(fx.m.hooks, "fexit");
	ASSERT_EQ_INT(fx.m.uptime_ms, NOW);
	/* the first frame has nothing to take a rate from */
	in.before = (struct top_counters){0};
	in.now.t_ms = 0;
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_TRUE(fx.m.events_per_s == 0);
}

UNIT_TEST(counters_sum_the_activity_table)
{
	struct activity_entry items[2] = {0};
	struct activity_table t = {.items = items, .nr = 2};
	struct top_counters c;

	items[0].val.n[PW_CNT_OPENS] = 10;
	items[0].val.n[PW_CNT_CLOSES] = 5;
	items[0].val.n[PW_CNT_FAIL_EADDRNOTAVAIL] = 2;
	items[1].val.n[PW_CNT_FAIL_EADDRINUSE] = 3;
	items[1].val.n[PW_CNT_FAIL_EAGAIN] = 1;
	top_counters_read(&t, 1234, &c);
	ASSERT_EQ_INT(c.t_ms, 1234);
	ASSERT_EQ_INT(c.events, 21);
	ASSERT_EQ_INT(c.failures[TOP_EADDRNOTAVAIL], 2);
	ASSERT_EQ_INT(c.failures[TOP_EADDRINUSE], 3);
	ASSERT_EQ_INT(c.failures[TOP_EAGAIN], 1);
}

UNIT_TEST(same_input_same_frame)
{
	struct top_model first;
	struct top_input in;
	struct top_query q = by(TOP_COL_GROWTH);

	setup();
	in = input();
	ASSERT_EQ_INT(top_model_build(&in, &q, &first), 0);
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_INT(first.nr_lines, fx.m.nr_lines);
	ASSERT_TRUE(!memcmp(first.lines, fx.m.lines, first.nr_lines * sizeof(*first.lines)));
	ASSERT_TRUE(!memcmp(first.groups, fx.m.groups, first.nr_groups * sizeof(*first.groups)));
	top_model_free(&first);
}

static bool has_byte(const char *s, char c)
{
	return strchr(s, c) != NULL;
}

UNIT_TEST(text_escapes_untrusted_names)
{
	struct group_key expanded[] = {{CG_C, 0}};
	struct top_input in;
	struct top_query q = by(TOP_COL_PORTS);
	struct top_layout lo;
	char line[TOP_TEXT_LINE_MAX];

	setup();
	process(8000, CG_C, "\x1b[31mred", (struct ports){.udp = 1});
	((char *)fx.label_items[2].place.path)[1] = '\a'; /* /user.slice, sorted third: fx.paths */
	in = input();
	q.expanded = expanded;
	q.nr_expanded = 1;
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_EQ_STR(line_order(), "B A C 6000 8000 D");
	lo = top_text_layout(&fx.m, 0);
	top_text_line(line, sizeof(line), &fx.m, &fx.m.lines[4], &lo);
	ASSERT_TRUE(strstr(line, "  \\x1b[31mred") != NULL);
	ASSERT_TRUE(!has_byte(line, '\x1b'));
	top_text_line(line, sizeof(line), &fx.m, &fx.m.lines[2], &lo);
	ASSERT_TRUE(strstr(line, "/\\x07ser.slice") != NULL);
	ASSERT_TRUE(!has_byte(line, '\a'));
	ASSERT_EQ_INT(line[0], '-'); /* expanded */
}

UNIT_TEST(text_rows_and_header)
{
	struct top_input in;
	struct top_query q = by(TOP_COL_PORTS);
	char line[TOP_TEXT_LINE_MAX];
	struct top_layout lo;
	struct top_span span;

	setup();
	in = input();
	snprintf(q.filter, sizeof(q.filter), "docker");
	ASSERT_EQ_INT(build(&in, &q), 0);
	lo = top_text_layout(&fx.m, 0);
	span = top_text_column_span(TOP_COL_PORTS, &lo);
	top_text_line(line, sizeof(line), &fx.m, &fx.m.lines[0], &lo);
	/* "+*" collapsed suspect, pid "-", 90 ports, class, path and container */
	ASSERT_TRUE(!strncmp(line, "+*", 2));
	ASSERT_TRUE(!strncmp(line + span.start, "   90", 5));
	ASSERT_TRUE(strstr(line, " +12.5 ") != NULL);
	ASSERT_TRUE(strstr(line, " leak ") != NULL);
	ASSERT_TRUE(strstr(line, "/docker/" DOCKER_ID " [docker 0123456789ab]") != NULL);
	top_text_columns(line, sizeof(line), &lo);
	ASSERT_TRUE(!strncmp(line + span.start, "PORTS", 5));
	top_text_title(line, sizeof(line), &fx.m);
	ASSERT_TRUE(!strncmp(line, "portwarden top - ", 17));
	ASSERT_TRUE(strstr(line, "1 of 4 cgroups, 1 of 5 processes, sort PORTS, tree view, "
				 "filter \"docker\"") != NULL);
	top_text_state(line, sizeof(line), &fx.m);
	ASSERT_TRUE(strstr(line, "mode dry run, hooks fexit, 0 actions") != NULL);
}

/*
 * A process growing 30 ports/s for 7 s, not classed yet: its row and its
 * cgroup's say where it is heading ("leak? 7s", pending.c), sort after the
 * classed and before the rest by class; without the classifier's criteria
 * (params NULL) nothing is pending.
 */
UNIT_TEST(pending_class_before_the_class)
{
	struct entity_key k = {.kind = ENTITY_PROCESS, .tgid = 8000, .group = {CG_C, 0}};
	struct top_input in;
	const struct top_process *p;
	char line[TOP_TEXT_LINE_MAX];
	struct top_layout lo;
	struct entity *e = NULL;

	setup();
	for (uint32_t i = 0; i < 8; i++)
		e = sample(&k, (struct ports){.estab = 100 + 30 * i}, 0, NOW - 7000 + 1000 * i);
	strncpy(e->comm, "grower", sizeof(e->comm));
	in = input();
	in.params = &classify_defaults;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_CLASS, .flat = true}), 0);
	p = find_process(8000);
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ_INT(p->stats.class, LEAK_NONE);
	ASSERT_EQ_INT(p->stats.pending, LEAK_GROWTH);
	ASSERT_EQ_INT(p->stats.pending_s, 7);
	ASSERT_TRUE(!p->stats.suspect); /* not named: no mark */
	/* by class: the leaker (named), then the grower, then the rest */
	ASSERT_EQ_INT(fx.m.processes[0].tgid, 5000);
	ASSERT_EQ_INT(fx.m.processes[1].tgid, 8000);
	lo = top_text_layout(&fx.m, 0);
	top_text_line(line, sizeof(line), &fx.m, &fx.m.lines[1], &lo);
	ASSERT_TRUE(strstr(line, " leak? 7s ") != NULL);
	ASSERT_TRUE(strstr(line, "grower") != NULL);
	/* the flat nginx (4242) is not pending */
	ASSERT_EQ_INT(find_process(4242)->stats.pending, LEAK_NONE);
	in.params = NULL;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_CLASS, .flat = true}), 0);
	ASSERT_EQ_INT(find_process(8000)->stats.pending, LEAK_NONE);
}

/* Line of process @tgid in the flat frame. */
static const struct top_line *process_line(uint32_t tgid)
{
	for (size_t i = 0; i < fx.m.nr_lines; i++)
		if (fx.m.lines[i].kind == TOP_LINE_PROCESS &&
		    fx.m.processes[fx.m.lines[i].index].tgid == tgid)
			return &fx.m.lines[i];
	return NULL;
}

/* Does a line of @d contain @text? */
static bool detail_has(const struct top_detail *d, const char *text)
{
	for (size_t i = 0; i < d->nr; i++)
		if (strstr(d->lines[i], text))
			return true;
	return false;
}

/*
 * The detail pane in words: for the named leaker (5000) its sockets by state,
 * the remote it connects to most, the pool it holds ports in, failures by
 * errno, the evidence and its class with the advice; for a grower not named
 * yet (8000, a hostile comm) what is missing before it is, its name escaped.
 */
UNIT_TEST(detail_in_words)
{
	struct entity_key k = {.kind = ENTITY_PROCESS, .tgid = 8000, .group = {CG_C, 0}};
	struct snap_process procs[1] = {{.tgid = 5000, .group = {CG_B, 0}}};
	struct snap_socket socks[4] = {0};
	struct entity *e = NULL;
	struct top_detail d;
	struct top_input in;

	setup();
	for (uint32_t i = 0; i < 8; i++)
		e = sample(&k, (struct ports){.estab = 100 + 30 * i}, 0, NOW - 7000 + 1000 * i);
	memcpy(e->comm, "\x1b[2Jgrow", 9);
	e = history_find_process(&fx.h, 5000);
	e->failures_by_errno.eaddrnotavail = 7;
	e->verdict.held_peak = 90;
	e->verdict.held_now = 90;
	for (int i = 0; i < 4; i++) {
		socks[i].first_holder = 0;
		socks[i].sock.family = AF_INET;
		socks[i].sock.daddr[0] = 10;
		socks[i].sock.daddr[3] = i < 3 ? 9 : 8;
		socks[i].sock.dport = i < 3 ? 5001 : 80;
	}
	fx.snap.processes = procs;
	fx.snap.nr_processes = 1;
	fx.snap.sockets = socks;
	fx.snap.nr_sockets = 4;
	set_pool(0, POOL_TCP_CONNECT, 90, 100, true);
	fx.pools[0].top[0].group = (struct group_key){CG_B, 0};
	fx.pools[0].top[0].tgid = 5000;
	fx.pools[0].top[0].used = 80;
	fx.pools[0].nr_top = 1;
	fx.snap.pools = fx.pools;
	fx.snap.nr_pools = 1;
	in = input();
	in.params = &classify_defaults;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS, .flat = true}), 0);

	top_detail_build(&in, &fx.m, process_line(5000), &d);
	ASSERT_TRUE(detail_has(&d, "process 5000 leaker in /docker/"));
	ASSERT_TRUE(detail_has(&d, "sockets: 90 holding a port: 80 established, 0 time-wait, "
				   "10 close-wait, 0 udp, 0 other"));
	ASSERT_TRUE(detail_has(&d, "top remote: 10.0.0.9:5001, 3 sockets"));
	ASSERT_TRUE(detail_has(&d, "pool: tcp-connect netns 4026531840, 80 of its 90 used ports"));
	ASSERT_TRUE(detail_has(&d, "failures: EADDRNOTAVAIL 7, EADDRINUSE 0, EAGAIN 0"));
	ASSERT_TRUE(
		detail_has(&d, "evidence: slope +12.5 ports/s, released none (peak 90, now 90"));
	ASSERT_TRUE(detail_has(&d, "named: leak: "));
	/* attached, the daemon's snapshot has no sockets: the remote of its
	 * connect pools */
	fx.snap.nr_sockets = 0;
	top_detail_build(&in, &fx.m, process_line(5000), &d);
	ASSERT_TRUE(detail_has(&d, "top remote: 10.0.0.9:5001, 80 ports (of its pools)"));
	fx.snap.nr_sockets = 4;

	top_detail_build(&in, &fx.m, process_line(8000), &d);
	ASSERT_TRUE(detail_has(&d, "process 8000 \\x1b[2Jgrow in /user.slice"));
	for (size_t i = 0; i < d.nr; i++)
		ASSERT_TRUE(!has_byte(d.lines[i], '\x1b'));
	ASSERT_TRUE(detail_has(&d, "top remote: none seen"));
	ASSERT_TRUE(detail_has(&d, "pools: not among the top holders of any"));
	ASSERT_TRUE(detail_has(&d, "heading to leak: grew 7 s without a drop; missing before it is "
				   "named: 23 s of its 30 s window, then 15 breaching checks"));
	/* its held ports, sample by sample, for the chart of the selected row */
	ASSERT_EQ_INT(d.nr_held, 8);
	ASSERT_TRUE(d.held[0] == 100.0f && d.held[7] == 310.0f);
	ASSERT_EQ_INT(d.held_peak, 310);
	ASSERT_EQ_INT(d.held_s, 7);
}

/* Fold the sockets of fx.snap, as taken at @t_ms, into @a. */
static void seen_at(struct sock_ages *a, size_t nr, uint64_t t_ms)
{
	fx.snap.nr_sockets = nr;
	ASSERT_EQ_INT(sock_ages_update(a, &fx.snap, t_ms), 0);
}

/*
 * The age of its oldest and newest sockets held through files, from the
 * snapshot that first held each: one there when top started has only a
 * lower bound; one new in the latest snapshot is younger than the interval
 * since the one before. Another process's sockets, and those no file holds
 * (TIME_WAIT), do not count; attached there are no sockets to age.
 */
UNIT_TEST(detail_socket_ages)
{
	struct snap_process procs[2] = {{.tgid = 5000, .group = {CG_B, 0}},
					{.tgid = 6000, .group = {CG_C, 0}}};
	struct snap_socket socks[5] = {0};
	struct daemon_state daemon = {.pid = 77};
	struct sock_ages a = {0};
	struct top_detail d;
	struct top_input in;

	setup();
	for (int i = 0; i < 5; i++) {
		socks[i].sock.key = PW_KEY_INODE | (100 + i);
		socks[i].nr_holders = 1;
		socks[i].first_holder = 0;
	}
	socks[0].first_holder = 1; /* 6000's, there from the start */
	socks[4].sock.key = 55;	   /* TIME_WAIT: a cookie, no holder */
	socks[4].nr_holders = 0;
	socks[4].first_holder = UINT32_MAX;
	fx.snap.processes = procs;
	fx.snap.nr_processes = 2;
	fx.snap.sockets = socks;
	seen_at(&a, 1, NOW - 10000);
	seen_at(&a, 2, NOW - 7000);
	seen_at(&a, 5, NOW);
	in = input();
	in.sock_ages = &a;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS, .flat = true}), 0);
	top_detail_build(&in, &fx.m, process_line(5000), &d);
	ASSERT_TRUE(detail_has(&d, "ages: oldest 7s, newest <7s, of 3 file-held sockets"));
	top_detail_build(&in, &fx.m, process_line(6000), &d);
	ASSERT_TRUE(detail_has(&d, "ages: oldest >=10s (before top started), newest >=10s, "
				   "of 1 file-held sockets"));
	/* 5000's cgroup: the same sockets (a cgroup row counts its sockets' group) */
	for (int i = 0; i < 4; i++)
		socks[i].group = procs[socks[i].first_holder].group;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS}), 0);
	for (size_t i = 0; i < fx.m.nr_lines; i++)
		if (fx.m.lines[i].kind == TOP_LINE_GROUP &&
		    top_line_group(&fx.m, &fx.m.lines[i])->key.cgroup_id == CG_B)
			top_detail_build(&in, &fx.m, &fx.m.lines[i], &d);
	ASSERT_TRUE(detail_has(&d, "cgroup /docker/"));
	ASSERT_TRUE(detail_has(&d, "ages: oldest 7s, newest <7s, of 3 file-held sockets"));
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS, .flat = true}), 0);

	fx.snap.nr_sockets = 4;
	seen_at(&a, 4, NOW + 1000); /* a second later, nothing new */
	in.sample_ms = NOW + 1000;
	top_detail_build(&in, &fx.m, process_line(5000), &d);
	ASSERT_TRUE(detail_has(&d, "ages: oldest 8s, newest 1s, of 3 file-held sockets"));

	/* the second of two consecutive snapshots: "<1s" */
	socks[3].sock.key = PW_KEY_INODE | 200;
	seen_at(&a, 4, NOW + 2000);
	in.sample_ms = NOW + 2000;
	top_detail_build(&in, &fx.m, process_line(5000), &d);
	ASSERT_TRUE(detail_has(&d, "ages: oldest 9s, newest <1s, of 3 file-held sockets"));

	/* nginx (4242) holds none */
	top_detail_build(&in, &fx.m, process_line(4242), &d);
	ASSERT_TRUE(detail_has(&d, "ages: no socket held through a file"));
	/* none at all: none of its own either */
	fx.snap.nr_sockets = 0;
	top_detail_build(&in, &fx.m, process_line(5000), &d);
	ASSERT_TRUE(detail_has(&d, "ages: no socket held through a file"));
	/* attached: the daemon's snapshot has no sockets */
	in.daemon = &daemon;
	top_detail_build(&in, &fx.m, process_line(5000), &d);
	ASSERT_TRUE(detail_has(&d, "ages: unknown (the daemon's snapshot has no sockets)"));
	in.daemon = NULL;
	/* not tracked: no line */
	in.sock_ages = NULL;
	top_detail_build(&in, &fx.m, process_line(5000), &d);
	ASSERT_TRUE(!detail_has(&d, "ages:"));
	sock_ages_free(&a);
}

/* Attached: the detail gives the daemon's latest decision in its words, for a
 * protected process the rule that protects it, escaped (it carries the exe). */
UNIT_TEST(detail_of_a_protected_process)
{
	struct daemon_suspect rows[] = {
		{.tgid = 6000, .cgroup_id = CG_C, .class = LEAK_UDP, .reason = "protected",
		 .detail = "exe /usr/sbin/\x1b[2Jsshd matches '*/sshd'"},
	};
	struct daemon_state d = {.pid = 77, .items = rows, .nr = ARRAY_SIZE(rows)};
	struct top_detail det;
	struct top_input in;

	setup();
	in = input();
	in.daemon = &d;
	ASSERT_EQ_INT(build(&in, &(struct top_query){.sort = TOP_COL_PORTS, .flat = true}), 0);
	top_detail_build(&in, &fx.m, process_line(6000), &det);
	ASSERT_TRUE(detail_has(&det, "daemon: class udp-leak, last action none"));
	ASSERT_TRUE(detail_has(&det, "daemon decided: protected: exe /usr/sbin/\\x1b[2Jsshd "
				     "matches '*/sshd'"));
	for (size_t i = 0; i < det.nr; i++)
		ASSERT_TRUE(!has_byte(det.lines[i], '\x1b'));
}

/* CLASS as wide as the longest class shown; names cut from the left to the screen. */
UNIT_TEST(text_layout_fits_the_screen)
{
	struct top_input in;
	struct top_query q = by(TOP_COL_PORTS);
	struct top_layout lo;
	struct top_span name;
	char line[TOP_TEXT_LINE_MAX];
	struct entity *e;

	setup();
	ASSERT_EQ_INT(build_by(TOP_COL_PORTS), 0);
	lo = top_text_layout(&fx.m, 0);
	ASSERT_EQ_INT(lo.class_width, 5); /* "CLASS"; "leak" is shorter */
	ASSERT_EQ_INT(lo.name_width, 0);
	e = process(4244, CG_A, "worker", (struct ports){.udp = 50});
	e->verdict.class = LEAK_BIND_BEFORE_CONNECT;
	in = input();
	q.expand_all = true;
	ASSERT_EQ_INT(build(&in, &q), 0);
	lo = top_text_layout(&fx.m, 80);
	ASSERT_EQ_INT(lo.class_width, 19);
	lo = top_text_layout(&fx.m, 0);
	top_text_columns(line, sizeof(line), &lo);
	name = top_text_column_span(TOP_COL_NAME, &lo);
	ASSERT_TRUE(!strncmp(line + name.start, "NAME", 4));
	/* 20 columns left for names: B's is cut, its end kept */
	lo = top_text_layout(&fx.m, name.start + 20);
	ASSERT_EQ_INT(lo.name_width, 20);
	ASSERT_EQ_INT(fx.m.lines[0].kind, TOP_LINE_GROUP);
	top_text_line(line, sizeof(line), &fx.m, &fx.m.lines[0], &lo);
	ASSERT_EQ_STR(line + name.start, "...ker 0123456789ab]");
	ASSERT_EQ_INT((int)strlen(line), name.start + 20);
}

UNIT_TEST(sockets_without_cgroup_are_named)
{
	setup();
	group(0, (struct ports){.time_wait = 700});
	ASSERT_EQ_INT(build_by(TOP_COL_PORTS), 0);
	ASSERT_EQ_INT(fx.m.groups[0].key.cgroup_id, 0);
	ASSERT_EQ_STR(fx.m.groups[0].label->place.path, "(no cgroup: TIME_WAIT, orphans)");
}

UNIT_TEST(text_pool_bar)
{
	struct top_pool p = {.kind = POOL_TCP_CONNECT,
			     .netns = 7,
			     .used = 5,
			     .capacity = 10,
			     .capacity_known = true,
			     .fill = 0.5,
			     .seconds_left = 65.2};
	char line[TOP_TEXT_LINE_MAX];

	snprintf(p.where, sizeof(p.where), "127.0.0.1 -> 10.0.0.9:5001");
	top_text_pool(line, sizeof(line), &p);
	ASSERT_EQ_STR(line, "tcp-connect [##########..........]  50.0%      5/10     out in 1m06s "
			    " netns 7  127.0.0.1 -> 10.0.0.9:5001");
	ASSERT_TRUE(!strncmp(line + TOP_TEXT_FORECAST_START, "out in", 6));
	ASSERT_EQ_INT(line[TOP_TEXT_BAR_START], '#');
	ASSERT_EQ_INT(line[TOP_TEXT_BAR_START + TOP_TEXT_BAR_WIDTH], ']');
}

/* ---- budgets and refusals (attached) ---------------------------------------------------- */

/* Refusals per second from the daemon's totals between two refreshes; the
 * daemon restarted (its counts start again from 0, or another pid): 0,
 * never negative; before a second reading: 0. */
UNIT_TEST(refusal_rates_from_totals)
{
	struct top_counters before = {.t_ms = 18000, .daemon_pid = 77, .budget_refused = 10},
			    now = {.t_ms = 20000,
				   .daemon_pid = 77,
				   .budget_refused = 50,
				   .lifeline_refused = 4};
	struct top_refusal_rates r = top_refusal_rates(&before, &now);

	ASSERT_TRUE(r.budget > 19.99 && r.budget < 20.01);
	ASSERT_TRUE(r.lifeline > 1.99 && r.lifeline < 2.01);
	/* restarted under the same pid: its totals went back */
	before.budget_refused = 500;
	before.lifeline_refused = 9;
	r = top_refusal_rates(&before, &now);
	ASSERT_TRUE(r.budget == 0 && r.lifeline == 0);
	/* restarted under another pid, its totals already past the old ones */
	before = (struct top_counters){.t_ms = 18000, .daemon_pid = 76, .budget_refused = 1};
	r = top_refusal_rates(&before, &now);
	ASSERT_TRUE(r.budget == 0 && r.lifeline == 0);
	/* the first frame, and two readings at one time */
	before = (struct top_counters){0};
	r = top_refusal_rates(&before, &now);
	ASSERT_TRUE(r.budget == 0 && r.lifeline == 0);
	before = now;
	r = top_refusal_rates(&before, &now);
	ASSERT_TRUE(r.budget == 0 && r.lifeline == 0);
	/* standalone: no daemon, nothing */
	before = (struct top_counters){.t_ms = 18000};
	now = (struct top_counters){.t_ms = 20000, .budget_refused = 5};
	r = top_refusal_rates(&before, &now);
	ASSERT_TRUE(r.budget == 0);
	ASSERT_TRUE(top_rate(10, 5, 1000) == 0);
	ASSERT_TRUE(top_rate(5, 10, 0) == 0);
	ASSERT_TRUE(top_rate(5, 10, 500) == 10);
}

/* B (the docker leaker, 90 ports) has a budget of 100, A none. */
static struct daemon_budget budget_rows[] = {
	{.cgroup_id = CG_B,
	 .ports_max = 100,
	 .held = 90,
	 .refused = 12,
	 .refused_errno = {10, 0, 2},
	 .lifeline_refused = 3},
};
static struct daemon_lifeline_refusal lifeline_rows[] = {{CG_B, 3}, {CG_C, 7}};

static struct daemon_state budget_daemon(bool dry_run)
{
	budget_rows[0].dry_run = dry_run;
	return (struct daemon_state){.pid = 77,
				     .dry_run = dry_run,
				     .budgets_served = true,
				     .refusal_hooks = true,
				     .budget_refused = 50,
				     .lifeline_refused = 10,
				     .budgets = budget_rows,
				     .nr_budgets = ARRAY_SIZE(budget_rows),
				     .lifeline_refusals = lifeline_rows,
				     .nr_lifeline_refusals = ARRAY_SIZE(lifeline_rows)};
}

static struct top_input budget_input(const struct daemon_state *d)
{
	struct top_input in = input();

	in.daemon = d;
	in.before = (struct top_counters){
		.t_ms = 18000, .daemon_pid = 77, .budget_refused = 10, .lifeline_refused = 10};
	top_counters_daemon(d, &in.now);
	in.now.t_ms = NOW;
	return in;
}

static const struct top_line *group_line(uint64_t cgroup_id)
{
	for (size_t i = 0; i < fx.m.nr_lines; i++)
		if (fx.m.lines[i].kind == TOP_LINE_GROUP &&
		    fx.m.groups[fx.m.lines[i].index].key.cgroup_id == cgroup_id)
			return &fx.m.lines[i];
	return NULL;
}

/* Does @line end with @tail? */
static bool ends_with(const char *line, const char *tail)
{
	size_t n = strlen(line), t = strlen(tail);

	return n >= t && !strcmp(line + n - t, tail);
}

/* A cgroup row with a budget shows used/max with its name, never cut:
 * "budget 90/100" after it at 150 columns (the name cut from the left),
 * "[90/100]" before it at 80 (14 columns for names, or fewer);
 * the header's refusals line fits 80 columns. Standalone: none of it. */
UNIT_TEST(budget_rows_and_refusals_at_80_and_150_columns)
{
	struct daemon_state d = budget_daemon(false);
	struct top_query q = {.sort = TOP_COL_PORTS, .expand_all = true};
	struct top_input in;
	struct top_layout lo;
	char line[TOP_TEXT_LINE_MAX];

	setup();
	in = budget_input(&d);
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_TRUE(find_group(CG_B)->budget == &budget_rows[0]);
	ASSERT_TRUE(find_group(CG_A)->budget == NULL);
	lo = top_text_layout(&fx.m, 150);
	top_text_line(line, sizeof(line), &fx.m, group_line(CG_B), &lo);
	ASSERT_EQ_INT((int)strlen(line), 150); /* the docker id's path is longer */
	ASSERT_TRUE(ends_with(line, "cdef [docker 0123456789ab] budget 90/100"));
	top_text_line(line, sizeof(line), &fx.m, group_line(CG_A), &lo);
	ASSERT_TRUE(ends_with(line, "/system.slice/web.service"));
	lo = top_text_layout(&fx.m, 80);
	top_text_line(line, sizeof(line), &fx.m, group_line(CG_B), &lo);
	ASSERT_EQ_INT((int)strlen(line), 80);
	/* narrow: the budget first, where the screen's edge cannot cut it */
	ASSERT_TRUE(ends_with(line, " [90/100] ...b]"));
	/* a class as wide as "leak? 10s" leaves 10 columns of 80: the name
	 * column keeps 12, past the edge, and the budget still shows */
	fx.m.groups[group_line(CG_B)->index].stats.class = LEAK_NONE;
	fx.m.groups[group_line(CG_B)->index].stats.pending = LEAK_GROWTH;
	fx.m.groups[group_line(CG_B)->index].stats.pending_s = 10;
	lo = top_text_layout(&fx.m, 80);
	top_text_line(line, sizeof(line), &fx.m, group_line(CG_B), &lo);
	ASSERT_TRUE(strlen(line) > 80);
	line[80] = '\0';
	ASSERT_TRUE(ends_with(line, " leak? 10s [90/100] ."));
	/* a process row of that cgroup shows its comm only */
	top_text_line(line, sizeof(line), &fx.m, process_line(5000), &lo);
	ASSERT_TRUE(ends_with(line, "  leaker"));
	/* the header: 20 budget refusals a second, none by the lifeline */
	ASSERT_TRUE(fx.m.refusals_shown);
	top_text_refusals(line, sizeof(line), &fx.m);
	ASSERT_EQ_STR(line, "refused/s: budget 20.0 (total 50), lifeline 0.0 (total 10)");
	ASSERT_TRUE(strlen(line) <= 80);
	d = budget_daemon(true);
	in = budget_input(&d);
	ASSERT_EQ_INT(build(&in, &q), 0);
	top_text_refusals(line, sizeof(line), &fx.m);
	ASSERT_EQ_STR(line, "would refuse/s: budget 20.0 (total 50), lifeline 0.0 (total 10)");
	/* a daemon older than budgets says nothing of them */
	d.budgets_served = false;
	d.nr_budgets = 0;
	ASSERT_EQ_INT(build(&in, &q), 0);
	top_text_refusals(line, sizeof(line), &fx.m);
	ASSERT_EQ_STR(line, "");
	/* standalone: no budget, no refusals line */
	in = input();
	ASSERT_EQ_INT(build(&in, &q), 0);
	ASSERT_TRUE(find_group(CG_B)->budget == NULL);
	top_text_refusals(line, sizeof(line), &fx.m);
	ASSERT_EQ_STR(line, "");
	lo = top_text_layout(&fx.m, 150);
	top_text_line(line, sizeof(line), &fx.m, group_line(CG_B), &lo);
	ASSERT_TRUE(!strstr(line, "budget"));
}

/* The detail of a cgroup with a budget: the budget, the kernel's count and
 * the refusals by errno, each line within 80 columns; of its process: its
 * cgroup's budget; the lifeline's refusals in a cgroup with or without one. */
UNIT_TEST(budget_in_the_detail)
{
	struct daemon_state d = budget_daemon(false);
	struct top_query q = {.sort = TOP_COL_PORTS, .expand_all = true};
	struct top_detail det;
	struct top_input in;

	setup();
	in = budget_input(&d);
	ASSERT_EQ_INT(build(&in, &q), 0);
	top_detail_build(&in, &fx.m, group_line(CG_B), &det);
	ASSERT_TRUE(detail_has(&det, "budget: ports_max 100, held 90 (the kernel's count)"));
	ASSERT_TRUE(
		detail_has(&det, "budget refused 12: EADDRNOTAVAIL 10, EADDRINUSE 0, EAGAIN 2"));
	ASSERT_TRUE(detail_has(&det, "lifeline: refused 3 in its cgroup"));
	for (size_t i = 0; i < det.nr; i++)
		if (strstr(det.lines[i], "budget"))
			ASSERT_TRUE(strlen(det.lines[i]) <= 80);
	top_detail_build(&in, &fx.m, process_line(5000), &det);
	ASSERT_TRUE(detail_has(&det, "its cgroup's budget: ports_max 100, held 90"));
	top_detail_build(&in, &fx.m, group_line(CG_C), &det);
	ASSERT_TRUE(!detail_has(&det, "budget"));
	ASSERT_TRUE(detail_has(&det, "lifeline: refused 7 in its cgroup"));
	d = budget_daemon(true);
	in = budget_input(&d);
	ASSERT_EQ_INT(build(&in, &q), 0);
	top_detail_build(&in, &fx.m, group_line(CG_B), &det);
	ASSERT_TRUE(detail_has(&det, "budget would have refused 12: EADDRNOTAVAIL 10"));
	in = input(); /* standalone */
	ASSERT_EQ_INT(build(&in, &q), 0);
	top_detail_build(&in, &fx.m, group_line(CG_B), &det);
	ASSERT_TRUE(!detail_has(&det, "budget") && !detail_has(&det, "lifeline"));
}

int main(void)
{
	RUN(ports_by_state);
	RUN(default_sort_most_ports_first);
	RUN(sort_by_each_column);
	RUN(ties_break_by_ports_then_key);
	RUN(expanded_cgroup_lists_its_processes);
	RUN(flat_view_sorts_every_process);
	RUN(filter_on_comm_cgroup_and_container);
	RUN(filter_matches_the_escaped_name);
	RUN(entities_gone_from_the_latest_step_are_hidden);
	RUN(idle_entities_are_hidden);
	RUN(cgroup_known_only_through_processes);
	RUN(suspect_and_acted_marks);
	RUN(suspect_process_marks_its_cgroup);
	RUN(attached_shows_the_daemons_classes_and_actions);
	RUN(detail_of_a_protected_process);
	RUN(attached_event_strip);
	RUN(header_pools_worst_first);
	RUN(header_pools_soonest_out_first);
	RUN(urgency_against_the_horizon);
	RUN(header_pools_carry_their_history);
	RUN(header_rates_and_state);
	RUN(counters_sum_the_activity_table);
	RUN(same_input_same_frame);
	RUN(text_escapes_untrusted_names);
	RUN(text_rows_and_header);
	RUN(text_layout_fits_the_screen);
	RUN(sockets_without_cgroup_are_named);
	RUN(text_pool_bar);
	RUN(pending_class_before_the_class);
	RUN(detail_in_words);
	RUN(detail_socket_ages);
	RUN(refusal_rates_from_totals);
	RUN(budget_rows_and_refusals_at_80_and_150_columns);
	RUN(budget_in_the_detail);
	teardown();
	return UNIT_MAIN_END();
}
