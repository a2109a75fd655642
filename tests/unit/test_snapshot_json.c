// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for core/snapshot_json.c: a snapshot written by the snapshot
// view (run's /snapshot) and read back is the same snapshot; /suspects read
// back; bad documents refused with where.
#include <errno.h>
#include <time.h>
#include "core/snapshot_json.h"
#include "unit.h"
#include "view_fixtures.h"
#include "views/snapshot_view.h"

static bool same_counts(const struct state_counts *a, const struct state_counts *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void check_pool(const struct snap_pool *a, const struct snap_pool *b)
{
	ASSERT_TRUE(a->kind == b->kind && a->netns == b->netns && a->family == b->family);
	ASSERT_TRUE(a->used == b->used && a->capacity_known == b->capacity_known);
	ASSERT_TRUE(!a->capacity_known || a->capacity == b->capacity);
	if (a->kind == POOL_TCP_CONNECT) {
		ASSERT_TRUE(!memcmp(a->laddr, b->laddr, a->family == AF_INET6 ? 16 : 4));
		ASSERT_TRUE(!memcmp(a->raddr, b->raddr, a->family == AF_INET6 ? 16 : 4));
		ASSERT_EQ_INT(a->rport, b->rport);
	}
	ASSERT_EQ_INT(a->nr_top, b->nr_top);
	for (uint32_t i = 0; i < a->nr_top; i++) {
		ASSERT_TRUE(group_key_same(&a->top[i].group, &b->top[i].group));
		ASSERT_EQ_INT(a->top[i].tgid, b->top[i].tgid);
		ASSERT_EQ_INT(a->top[i].used, b->top[i].used);
	}
}

/* snapshot -> JSON (the view run serves) -> snapshot: equal, hostile cgroup
 * path and a comm with no NUL included. */
UNIT_TEST(round_trip)
{
	static struct view_fixture f;
	struct snapshot back;
	struct fix_out o;
	char *json, err[128];
	time_t written = time(NULL);

	fix_build(&f);
	ASSERT_TRUE(f.processes[0].start_time != 0); /* the others' null reads back as 0 */
	/* what the document cannot carry: a cgroup with no name, a bind pool's family */
	f.processes[2].group = fix_unit;
	f.pools[0].top[2].group = fix_unit;
	f.pools[2].family = f.pools[3].family = AF_INET;
	json = fix_text(&o, snapshot_view_json(fix_open(&o), &f.snap, &f.labels));
	ASSERT_EQ_INT(snapshot_from_json(json, o.len, &back, err, sizeof(err)), 0);
	ASSERT_TRUE(same_counts(&back.total, &f.snap.total));
	/* the document's time: when it was written, to the second */
	ASSERT_TRUE(back.time_s >= written - 1 && back.time_s <= time(NULL));
	ASSERT_EQ_INT(back.nr_groups, f.snap.nr_groups);
	ASSERT_EQ_INT(back.nr_processes, f.snap.nr_processes);
	ASSERT_EQ_INT(back.nr_pools, f.snap.nr_pools);
	for (size_t i = 0; i < back.nr_groups; i++) {
		ASSERT_TRUE(group_key_same(&back.groups[i].key, &f.groups[i].key));
		ASSERT_TRUE(same_counts(&back.groups[i].held, &f.groups[i].held));
		ASSERT_EQ_INT(back.groups[i].nr_processes, f.groups[i].nr_processes);
	}
	for (size_t i = 0; i < back.nr_processes; i++) {
		ASSERT_EQ_INT(back.processes[i].tgid, f.processes[i].tgid);
		ASSERT_TRUE(back.processes[i].start_time == f.processes[i].start_time);
		ASSERT_TRUE(!memcmp(back.processes[i].comm, f.processes[i].comm, PW_COMM_LEN));
		ASSERT_TRUE(group_key_same(&back.processes[i].group, &f.processes[i].group));
		ASSERT_TRUE(same_counts(&back.processes[i].held, &f.processes[i].held));
	}
	for (size_t i = 0; i < back.nr_pools; i++)
		check_pool(&back.pools[i], &f.pools[i]);
	snapshot_free(&back);
	free(json);
}

static const char *const bad_docs[] = {
	"",
	"{",
	"[]",
	"{\"version\":1,\"type\":\"report\"}",
	"{\"version\":2,\"type\":\"snapshot\"}",
	"{\"version\":1,\"type\":\"snapshot\",\"total\":{}}",
	"{\"version\":1,\"type\":\"snapshot\"} {}",
};

UNIT_TEST(bad_documents_refused)
{
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		struct snapshot s;
		struct daemon_state d;
		char err[128];

		UNIT_ROW(bad_docs[i]);
		ASSERT_EQ_INT(
			snapshot_from_json(bad_docs[i], strlen(bad_docs[i]), &s, err, sizeof(err)),
			-EINVAL);
		ASSERT_TRUE(err[0]);
		ASSERT_TRUE(!s.groups && !s.nr_groups);
		ASSERT_EQ_INT(
			suspects_from_json(bad_docs[i], strlen(bad_docs[i]), &d, err, sizeof(err)),
			-EINVAL);
	}
}

/* A row with a wrong type is refused, and says which. */
UNIT_TEST(bad_row_named)
{
	static struct view_fixture f;
	struct snapshot back;
	struct fix_out o;
	char *json, *at, err[128];

	fix_build(&f);
	json = fix_text(&o, snapshot_view_json(fix_open(&o), &f.snap, &f.labels));
	at = strstr(json, "\"pid\":31337");
	ASSERT_TRUE(at);
	memcpy(at, "\"pid\":-1337", 11);
	ASSERT_EQ_INT(snapshot_from_json(json, o.len, &back, err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(strstr(err, "processes[1]"));
	free(json);
}

UNIT_TEST(suspects_read)
{
	static const char doc[] =
		"{\"version\":1,\"type\":\"suspects\",\"time\":\"t\",\"pid\":77,\"mode\":"
		"\"enforce\",\"interval_ms\":1000,\"horizon_s\":45,\"started\":\"s\",\"samples\":3,\n"
		"\"suspects\":[\n"
		"{\"scope\":\"process\",\"pid\":42,\"cgroup_id\":9,\"class\":\"leak\",\"ladder\":"
		"{\"last_action\":\"quarantine\",\"reason\":\"leaking under port pressure\","
		"\"detail\":\"pool 90% full\"}},\n"
		"{\"scope\":\"process\",\"pid\":43,\"cgroup_id\":9,\"class\":\"close-wait\","
		"\"ladder\":null},\n"
		"{\"scope\":\"cgroup\",\"pid\":null,\"cgroup_id\":12,\"class\":null,\"ladder\":"
		"{\"last_action\":\"kill\"}},\n"
		"{\"scope\":\"process\",\"pid\":50,\"start_time\":1000,\"cgroup_id\":9,"
		"\"class\":\"leak\",\"ladder\":null},\n"
		"{\"scope\":\"process\",\"pid\":50,\"start_time\":2000,\"cgroup_id\":9,"
		"\"class\":\"udp-leak\",\"ladder\":null}],\"actions\":[]}\n";
	struct daemon_state d;
	const struct daemon_suspect *s;
	char err[128];

	ASSERT_EQ_INT(suspects_from_json(doc, strlen(doc), &d, err, sizeof(err)), 0);
	ASSERT_EQ_INT(d.pid, 77);
	ASSERT_EQ_INT(d.horizon_s, 45);
	ASSERT_TRUE(!d.dry_run);
	ASSERT_EQ_INT(d.nr, 5);
	s = daemon_state_find(&d, 42, 0, 9);
	ASSERT_TRUE(s && s->class == LEAK_GROWTH && !strcmp(s->last_action, "quarantine"));
	ASSERT_EQ_STR(s->reason, "leaking under port pressure");
	ASSERT_EQ_STR(s->detail, "pool 90% full");
	s = daemon_state_find(&d, 43, 777, 9); /* the row's start is not known: any */
	ASSERT_TRUE(s && s->class == LEAK_CLOSE_WAIT && !s->last_action[0] && !s->start_time);
	s = daemon_state_find(&d, 44, 0, 12); /* a process of a cgroup ladder */
	ASSERT_TRUE(s && !s->tgid && !strcmp(s->last_action, "kill"));
	ASSERT_TRUE(!daemon_state_find(&d, 45, 0, 13));
	/* a pid reused: each process finds its own row, not the other's */
	s = daemon_state_find(&d, 50, 2000, 9);
	ASSERT_TRUE(s && s->start_time == 2000 && s->class == LEAK_UDP);
	s = daemon_state_find(&d, 50, 1000, 9);
	ASSERT_TRUE(s && s->start_time == 1000 && s->class == LEAK_GROWTH);
	ASSERT_TRUE(!daemon_state_find(&d, 50, 3000, 13));
	daemon_state_free(&d);
}

/* The engaged pools (absent from an older daemon: none), the first
 * DAEMON_LIFELINE_MAX named, all counted; not strings: refused. */
UNIT_TEST(suspects_lifeline)
{
	static const char head[] =
		"{\"version\":1,\"type\":\"suspects\",\"time\":\"t\",\"pid\":77,\"mode\":"
		"\"enforce\",\"interval_ms\":1000,\"suspects\":[]";
	struct daemon_state d;
	char doc[512], err[128];

	snprintf(doc, sizeof(doc), "%s}", head);
	ASSERT_EQ_INT(suspects_from_json(doc, strlen(doc), &d, err, sizeof(err)), 0);
	ASSERT_EQ_INT(d.nr_lifeline + d.lifeline_total, 0);
	daemon_state_free(&d);
	snprintf(doc, sizeof(doc), "%s,\"lifeline\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", head);
	ASSERT_EQ_INT(suspects_from_json(doc, strlen(doc), &d, err, sizeof(err)), 0);
	ASSERT_EQ_INT(d.nr_lifeline, DAEMON_LIFELINE_MAX);
	ASSERT_EQ_INT(d.lifeline_total, 5);
	ASSERT_EQ_STR(d.lifeline[1], "b");
	daemon_state_free(&d);
	snprintf(doc, sizeof(doc), "%s,\"lifeline\":[1]}", head);
	ASSERT_EQ_INT(suspects_from_json(doc, strlen(doc), &d, err, sizeof(err)), -EINVAL);
}

/* Budgets and refusals (absent from an older daemon: none, not served);
 * present, every member is checked; an errno past the three is in
 * "refused" only. */
UNIT_TEST(suspects_budgets)
{
	static const char head[] =
		"{\"version\":1,\"type\":\"suspects\",\"time\":\"t\",\"pid\":77,\"mode\":"
		"\"dry_run\",\"interval_ms\":1000,\"suspects\":[]";
	static const char body[] =
		",\"refusal_hooks\":true,\"budget_refused\":31,\"lifeline_refused\":5,\n"
		"\"budgets\":[\n{\"cgroup\":\"/t/le\\u001bak\",\"cgroup_hierarchy\":\"v2\","
		"\"cgroup_id\":9,\"ports_max\":50,\"held\":50,\"dry_run\":true,\"refused\":31,"
		"\"refused_by_errno\":{\"EADDRNOTAVAIL\":30,\"EADDRINUSE\":0,\"EAGAIN\":0,"
		"\"EPERM\":1}}],\n"
		"\"lifeline_refusals\":[\n{\"cgroup\":\"/t/hog\",\"cgroup_id\":12,\"refused\":5},\n"
		"{\"cgroup\":\"/t/le\",\"cgroup_id\":9,\"refused\":2}]";
	static const char *const bad[] = {
		",\"refusal_hooks\":true}", /* no totals */
		",\"refusal_hooks\":1,\"budget_refused\":0,\"lifeline_refused\":0,"
		"\"budgets\":[],\"lifeline_refusals\":[]}",
		",\"refusal_hooks\":true,\"budget_refused\":0,\"lifeline_refused\":0,"
		"\"budgets\":[{\"cgroup_id\":9,\"ports_max\":-1,\"held\":0,\"dry_run\":true,"
		"\"refused\":0,\"refused_by_errno\":{}}],\"lifeline_refusals\":[]}",
		",\"refusal_hooks\":true,\"budget_refused\":0,\"lifeline_refused\":0,"
		"\"budgets\":[{\"cgroup_id\":9,\"ports_max\":5,\"held\":0,\"dry_run\":true,"
		"\"refused\":0,\"refused_by_errno\":{\"EAGAIN\":\"x\"}}],\"lifeline_refusals\":[]}",
		",\"refusal_hooks\":true,\"budget_refused\":0,\"lifeline_refused\":0,"
		"\"budgets\":[]}", /* no lifeline_refusals */
	};
	const struct daemon_budget *b;
	struct daemon_state d;
	char doc[2048], err[128];

	snprintf(doc, sizeof(doc), "%s}", head);
	ASSERT_EQ_INT(suspects_from_json(doc, strlen(doc), &d, err, sizeof(err)), 0);
	ASSERT_TRUE(!d.budgets_served && !d.nr_budgets && !daemon_budget_find(&d, 9));
	daemon_state_free(&d);
	snprintf(doc, sizeof(doc), "%s%s}", head, body);
	ASSERT_EQ_INT(suspects_from_json(doc, strlen(doc), &d, err, sizeof(err)), 0);
	ASSERT_TRUE(d.budgets_served && d.refusal_hooks);
	ASSERT_EQ_INT(d.budget_refused, 31);
	ASSERT_EQ_INT(d.lifeline_refused, 5);
	ASSERT_EQ_INT(d.nr_budgets, 1);
	b = daemon_budget_find(&d, 9);
	ASSERT_TRUE(b && b->ports_max == 50 && b->held == 50 && b->dry_run && b->refused == 31);
	ASSERT_EQ_INT(b->refused_errno[DAEMON_EADDRNOTAVAIL], 30);
	ASSERT_EQ_INT(b->refused_errno[DAEMON_EAGAIN], 0);
	ASSERT_EQ_INT(b->lifeline_refused, 2);
	ASSERT_TRUE(!daemon_budget_find(&d, 12) && !daemon_budget_find(NULL, 9));
	ASSERT_EQ_INT(daemon_lifeline_refused(&d, 12), 5);
	ASSERT_EQ_INT(daemon_lifeline_refused(&d, 13), 0);
	daemon_state_free(&d);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		UNIT_ROW(bad[i]);
		snprintf(doc, sizeof(doc), "%s%s", head, bad[i]);
		ASSERT_EQ_INT(suspects_from_json(doc, strlen(doc), &d, err, sizeof(err)), -EINVAL);
		ASSERT_TRUE(err[0] && !d.budgets);
	}
}

int main(void)
{
	RUN(round_trip);
	RUN(bad_documents_refused);
	RUN(bad_row_named);
	RUN(suspects_read);
	RUN(suspects_lifeline);
	RUN(suspects_budgets);
	return UNIT_MAIN_END();
}
