// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the Prometheus exposition of run's metrics (views/metrics_text.c).
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "views/metrics_text.h"

static char *label(const char *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	metrics_write_label(f, v);
	fclose(f);
	return buf;
}

UNIT_TEST(test_label_escapes)
{
	char *s = label("a\\b\"c\nd");

	ASSERT_EQ_STR(s, "a\\\\b\\\"c\\nd");
	free(s);
}

UNIT_TEST(test_label_invalid_utf8)
{
	char *s = label("x\xff\xc3(y\xc3\xa9");

	ASSERT_EQ_STR(s, "x?" "?(y\xc3\xa9");
	free(s);
}

/* 127 ASCII bytes then a 2-byte character: the character would end at 129,
 * past the cap, so it is left out whole. */
UNIT_TEST(test_label_cap_utf8_boundary)
{
	char in[200], want[200], *s;

	memset(in, 'a', 127);
	strcpy(in + 127, "\xc3\xa9zzz");
	memcpy(want, in, 127);
	want[127] = 0;
	s = label(in);
	ASSERT_EQ_STR(s, want);
	free(s);
	in[126] = 0; /* 126 + 2 = 128: fits */
	strcat(in, "\xc3\xa9zzz");
	s = label(in);
	ASSERT_EQ_INT(strlen(s), 128);
	ASSERT_TRUE(!memcmp(s + 126, "\xc3\xa9", 2));
	free(s);
}

/* The escaping adds bytes after the cap: a value of backslashes stays whole pairs. */
UNIT_TEST(test_label_cap_before_escape)
{
	char in[300], *s;

	memset(in, '\\', 299);
	in[299] = 0;
	s = label(in);
	ASSERT_EQ_INT(strlen(s), 2 * METRICS_LABEL_MAX);
	free(s);
}

static char *render(const struct metrics_model *m)
{
	char *text = NULL;
	size_t len = 0;

	if (metrics_render(m, &text, &len))
		return NULL;
	return text;
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static struct metrics_pool pools[45];
static struct metrics_cgroup cgroups[30];

static void fill_model(struct metrics_model *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < 45; i++) {
		snprintf(pools[i].pool, sizeof(pools[i].pool), "udp ipv4 netns %d", i);
		pools[i].kind = "udp";
		pools[i].family = "ipv4";
		pools[i].netns = 4026531000u + i;
		pools[i].used = 100 + i; /* pool 44 the fullest */
		pools[i].capacity = 1000;
		pools[i].capacity_known = true;
		pools[i].seconds_left = i == 44 ? 12.5 : INFINITY;
	}
	for (int i = 0; i < 30; i++) {
		snprintf(cgroups[i].cgroup, sizeof(cgroups[i].cgroup), "/c%02d", i);
		memset(&cgroups[i].names, 0, sizeof(cgroups[i].names));
		cgroups[i].held[PS_ESTABLISHED] = 10 + i;
	}
	m->version = "1.2\"3";
	m->last_sample_s = 1700000000.25;
	m->pools = pools;
	m->nr_pools = 45;
	m->cgroups = cgroups;
	m->nr_cgroups = 30;
	m->bpf_stats_enabled = 0;
}

UNIT_TEST(test_help_type_once_per_family)
{
	struct metrics_model m;
	char *t;
	const char *fams[] = {"portwarden_build_info",
			      "portwarden_last_sample_timestamp_seconds",
			      "portwarden_pool_ports_used",
			      "portwarden_pool_ports_capacity",
			      "portwarden_pool_fill_ratio",
			      "portwarden_pool_exhaustion_forecast_seconds",
			      "portwarden_cgroup_ports",
			      "portwarden_allocation_failures_total",
			      "portwarden_suspects",
			      "portwarden_actions_total",
			      "portwarden_lost_events_total",
			      "portwarden_missed_program_runs_total",
			      "portwarden_bpf_stats_enabled"};
	char want[160];

	fill_model(&m);
	t = render(&m);
	ASSERT_TRUE(t);
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		snprintf(want, sizeof(want), "# HELP %s ", fams[i]);
		ASSERT_EQ_INT(count(t, want), 1);
		snprintf(want, sizeof(want), "# TYPE %s ", fams[i]);
		ASSERT_EQ_INT(count(t, want), 1);
	}
	ASSERT_EQ_INT(count(t, "# TYPE portwarden_actions_total counter\n"), 1);
	ASSERT_TRUE(strstr(t, "portwarden_build_info{version=\"1.2\\\"3\"} 1\n"));
	ASSERT_TRUE(strstr(t, "portwarden_last_sample_timestamp_seconds 1700000000.25\n"));
	/* stats off: said, and no per-program families */
	ASSERT_TRUE(strstr(t, "portwarden_bpf_stats_enabled 0\n"));
	ASSERT_TRUE(!strstr(t, "portwarden_bpf_program_runs_total"));
	free(t);
}

UNIT_TEST(test_pools_top_n_and_other)
{
	struct metrics_model m;
	char *t;

	fill_model(&m);
	t = render(&m);
	ASSERT_TRUE(t);
	/* 20 pools + other */
	ASSERT_EQ_INT(count(t, "portwarden_pool_ports_used{"), METRICS_TOP + 1);
	ASSERT_TRUE(strstr(t, "portwarden_pool_ports_used{pool=\"udp ipv4 netns 44\",kind=\"udp\","
			      "family=\"ipv4\",netns=\"4026531044\"} 144\n"));
	ASSERT_TRUE(strstr(t, "pool=\"udp ipv4 netns 25\""));
	ASSERT_TRUE(!strstr(t, "pool=\"udp ipv4 netns 24\""));
	/* the other 25: used 100..124 summed = 2800, capacity 25000 */
	ASSERT_TRUE(strstr(t, "portwarden_pool_ports_used{pool=\"other\",kind=\"\",family=\"\","
			      "netns=\"\"} 2800\n"));
	ASSERT_TRUE(strstr(t, "portwarden_pool_ports_capacity{pool=\"other\",kind=\"\",family=\"\","
			      "netns=\"\"} 25000\n"));
	ASSERT_TRUE(strstr(t, "portwarden_pool_fill_ratio{pool=\"other\",kind=\"\",family=\"\","
			      "netns=\"\"} 0.112\n"));
	/* a forecast only where the pool fills */
	ASSERT_EQ_INT(count(t, "portwarden_pool_exhaustion_forecast_seconds{"), 1);
	ASSERT_TRUE(strstr(t, "portwarden_pool_exhaustion_forecast_seconds{pool=\"udp ipv4 netns 44\""
			      ",kind=\"udp\",family=\"ipv4\",netns=\"4026531044\"} 12.5\n"));
	free(t);
}

UNIT_TEST(test_cgroups_top_n_and_other)
{
	struct metrics_model m;
	char *t;

	fill_model(&m);
	t = render(&m);
	ASSERT_TRUE(t);
	ASSERT_EQ_INT(count(t, "portwarden_cgroup_ports{"), METRICS_TOP + 1);
	ASSERT_TRUE(strstr(t, "portwarden_cgroup_ports{cgroup=\"/c29\",state=\"ESTAB\"} 39\n"));
	ASSERT_TRUE(strstr(t, "portwarden_cgroup_ports{cgroup=\"/c10\",state=\"ESTAB\"} 20\n"));
	ASSERT_TRUE(!strstr(t, "cgroup=\"/c09\""));
	/* c00..c09: 10..19 = 145 */
	ASSERT_TRUE(strstr(t, "portwarden_cgroup_ports{cgroup=\"other\",state=\"ESTAB\"} 145\n"));
	free(t);
}

UNIT_TEST(test_no_other_when_few)
{
	struct metrics_model m;
	char *t;

	fill_model(&m);
	m.nr_pools = 3;
	m.nr_cgroups = 2;
	t = render(&m);
	ASSERT_TRUE(t);
	ASSERT_TRUE(!strstr(t, "\"other\""));
	ASSERT_EQ_INT(count(t, "portwarden_pool_ports_used{"), 3);
	free(t);
}

UNIT_TEST(test_actions_and_suspects_all_series)
{
	struct metrics_model m;
	char *t;

	fill_model(&m);
	m.actions[ACTION_KILL][OUTCOME_DRY_RUN] = 3;
	m.suspects[LEAK_CLOSE_WAIT] = 2;
	m.lost_events = 7;
	t = render(&m);
	ASSERT_TRUE(t);
	/* quarantine, reclaim, term, kill, release */
	ASSERT_EQ_INT(count(t, "portwarden_actions_total{"), 5 * OUTCOME_COUNT);
	ASSERT_TRUE(strstr(t, "portwarden_actions_total{action=\"reclaim\",outcome=\"done\"} 0\n"));
	ASSERT_TRUE(strstr(t, "portwarden_actions_total{action=\"kill\",outcome=\"dry_run\"} 3\n"));
	ASSERT_TRUE(strstr(t, "portwarden_actions_total{action=\"quarantine\",outcome=\"done\"} 0\n"));
	ASSERT_EQ_INT(count(t, "portwarden_suspects{"), METRICS_CLASSES - 1);
	ASSERT_TRUE(strstr(t, "portwarden_lost_events_total 7\n"));
	free(t);
}

UNIT_TEST(test_bpf_stats_on)
{
	struct metrics_model m;
	char *t;

	fill_model(&m);
	m.bpf_stats_enabled = 1;
	m.nr_progs = 1;
	strcpy(m.progs[0].name, "on_state");
	m.progs[0].run_time_ns = 1500000000ull;
	m.progs[0].run_cnt = 42;
	t = render(&m);
	ASSERT_TRUE(t);
	ASSERT_TRUE(strstr(t, "portwarden_bpf_program_run_seconds_total{program=\"on_state\"} 1.5\n"));
	ASSERT_TRUE(strstr(t, "portwarden_bpf_program_runs_total{program=\"on_state\"} 42\n"));
	free(t);
}

/* Budget refusals: one series per cgroup, errno and dry_run; the family
 * only when there is one (no budgets: nothing said). */
UNIT_TEST(test_budget_refusals)
{
	struct metrics_budget_refusal r[2] = {
		{.cgroup = "/leak\"y", .err = "EADDRNOTAVAIL", .dry_run = false, .count = 7},
		{.cgroup = "/b", .err = "EADDRINUSE", .dry_run = true, .count = 3},
	};
	struct metrics_model m;
	char *t;

	fill_model(&m);
	t = render(&m);
	ASSERT_TRUE(t);
	ASSERT_TRUE(!strstr(t, "portwarden_budget_refusals_total"));
	free(t);
	m.budget_refusals = r;
	m.nr_budget_refusals = 2;
	t = render(&m);
	ASSERT_TRUE(t);
	ASSERT_TRUE(strstr(t, "portwarden_budget_refusals_total{cgroup=\"/leak\\\"y\","
			      "errno=\"EADDRNOTAVAIL\",dry_run=\"false\"} 7\n"));
	ASSERT_TRUE(strstr(t, "portwarden_budget_refusals_total{cgroup=\"/b\",errno=\"EADDRINUSE\","
			      "dry_run=\"true\"} 3\n"));
	ASSERT_EQ_INT(count(t, "# TYPE portwarden_budget_refusals_total counter\n"), 1);
	free(t);
}

/* The lifeline: its refusals in their own family (the budget's has none
 * then), and a gauge per engaged pool. */
UNIT_TEST(test_lifeline)
{
	struct metrics_budget_refusal r[1] = {
		{.cgroup = "/hog", .err = "EADDRNOTAVAIL", .dry_run = false, .lifeline = true,
		 .count = 4},
	};
	struct metrics_pool p[1] = {{.pool = "tcp-connect ipv4 netns 7 127.0.0.1:5001",
				     .kind = "tcp-connect", .family = "ipv4", .netns = 7}};
	struct metrics_model m;
	char *t;

	fill_model(&m);
	t = render(&m);
	ASSERT_TRUE(t);
	ASSERT_TRUE(!strstr(t, "portwarden_lifeline"));
	free(t);
	m.budget_refusals = r;
	m.nr_budget_refusals = 1;
	m.lifeline_pools = p;
	m.nr_lifeline_pools = 1;
	t = render(&m);
	ASSERT_TRUE(t);
	ASSERT_TRUE(!strstr(t, "portwarden_budget_refusals_total"));
	ASSERT_TRUE(strstr(t, "portwarden_lifeline_refusals_total{cgroup=\"/hog\","
			      "errno=\"EADDRNOTAVAIL\",dry_run=\"false\"} 4\n"));
	ASSERT_TRUE(strstr(t, "portwarden_lifeline_engaged{pool=\"tcp-connect ipv4 netns 7 "
			      "127.0.0.1:5001\",kind=\"tcp-connect\",family=\"ipv4\",netns=\"7\"} 1\n"));
	ASSERT_EQ_INT(count(t, "# TYPE portwarden_lifeline_engaged gauge\n"), 1);
	free(t);
}

/* A cgroup's series carry its container's names; an empty one is left out;
 * "other" carries none. The failure totals keep the names the cgroup first
 * failed with. */
UNIT_TEST(test_cgroup_names_labels)
{
	struct container_names pod = {.pod_namespace = "kube-system", .pod = "dns-1",
				       .container = "co\"re"};
	struct metrics_totals tot = {0};
	struct failure_counts r = {4, 0, 0};
	struct metrics_model m;
	char *t;

	fill_model(&m);
	cgroups[29].names = pod;
	strcpy(cgroups[28].names.container, "podman-web");
	for (int i = 0; i < 10; i++) /* in "other": never named */
		strcpy(cgroups[i].names.container, "hidden");
	metrics_totals_observe(&tot, 1, "/x", &pod, &r);
	m.nr_failures = metrics_totals_rows(&tot, &m.failures);
	t = render(&m);
	ASSERT_TRUE(t);
	ASSERT_TRUE(strstr(t, "portwarden_cgroup_ports{cgroup=\"/c29\",pod_namespace=\"kube-system\","
			      "pod=\"dns-1\",container=\"co\\\"re\",state=\"ESTAB\"} 39\n"));
	ASSERT_TRUE(strstr(t, "portwarden_cgroup_ports{cgroup=\"/c28\",container=\"podman-web\","
			      "state=\"ESTAB\"} 38\n"));
	ASSERT_TRUE(strstr(t, "portwarden_cgroup_ports{cgroup=\"/c27\",state=\"ESTAB\"} 37\n"));
	ASSERT_TRUE(strstr(t, "portwarden_cgroup_ports{cgroup=\"other\",state=\"ESTAB\"} 145\n"));
	ASSERT_TRUE(!strstr(t, "hidden"));
	ASSERT_TRUE(strstr(t, "portwarden_allocation_failures_total{cgroup=\"/x\",pod_namespace=\"kube-system\","
			      "pod=\"dns-1\",container=\"co\\\"re\",errno=\"EADDRNOTAVAIL\"} 4\n"));
	free(t);
	metrics_totals_free(&tot);
}

/* A name past the label cap is cut there, like any label value. */
UNIT_TEST(test_cgroup_names_label_cap)
{
	struct metrics_model m;
	char *t, *p, want[METRICS_LABEL_MAX + 32];

	fill_model(&m);
	memset(cgroups[29].names.pod, 'p', CONTAINER_NAME_MAX);
	cgroups[29].names.pod[CONTAINER_NAME_MAX] = 0;
	t = render(&m);
	ASSERT_TRUE(t);
	snprintf(want, sizeof(want), ",pod=\"%.*s\",", METRICS_LABEL_MAX,
		 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp");
	p = strstr(t, want);
	ASSERT_TRUE(p);
	free(t);
}

static uint64_t total_of(const struct metrics_totals *t, const char *name)
{
	const struct metrics_failures *rows;
	size_t n = metrics_totals_rows(t, &rows);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].cgroup, name))
			return rows[i].n.eaddrnotavail + rows[i].n.eaddrinuse + rows[i].n.eagain;
	return UINT64_MAX;
}

/* Readings fall (an evicted counter entry) and rise again: the totals
 * never fall, and count each rise once. */
UNIT_TEST(test_totals_monotonic)
{
	struct metrics_totals t = {0};
	struct failure_counts r[] = {{5, 0, 0}, {8, 1, 0}, {2, 0, 0}, {4, 0, 1}, {4, 0, 1}};
	uint64_t want[] = {5, 9, 9, 12, 12}, prev = 0;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		ASSERT_EQ_INT(metrics_totals_observe(&t, 7, "/a", NULL, &r[i]), 0);
		ASSERT_EQ_INT(total_of(&t, "/a"), want[i]);
		ASSERT_TRUE(total_of(&t, "/a") >= prev);
		prev = total_of(&t, "/a");
	}
	metrics_totals_free(&t);
}

/* The first METRICS_TOP cgroups seen failing keep their series; later
 * ones go to "other", and "other" only grows. */
UNIT_TEST(test_totals_admission_and_other)
{
	struct metrics_totals t = {0};
	struct failure_counts one = {1, 0, 0}, two = {2, 0, 0}, zero = {0};
	const struct metrics_failures *rows;
	char name[32];

	ASSERT_EQ_INT(metrics_totals_observe(&t, 999, "/quiet", NULL, &zero), 0);
	ASSERT_EQ_INT(metrics_totals_rows(&t, &rows), 0); /* no failure, no series */
	for (int i = 0; i < METRICS_TOP + 5; i++) {
		snprintf(name, sizeof(name), "/g%d", i);
		ASSERT_EQ_INT(metrics_totals_observe(&t, i + 1, name, NULL, &one), 0);
	}
	ASSERT_EQ_INT(metrics_totals_rows(&t, &rows), METRICS_TOP + 1);
	ASSERT_EQ_INT(total_of(&t, "other"), 5);
	ASSERT_EQ_INT(total_of(&t, "/g0"), 1);
	ASSERT_EQ_INT(total_of(&t, "/g24"), UINT64_MAX);
	/* a late cgroup rising again stays in other */
	ASSERT_EQ_INT(metrics_totals_observe(&t, 25, "/g24", NULL, &two), 0);
	ASSERT_EQ_INT(total_of(&t, "other"), 6);
	metrics_totals_free(&t);
}

/* Rendered twice from growing totals, each counter line's value is no smaller. */
UNIT_TEST(test_rendered_counters_monotonic)
{
	struct metrics_totals tot = {0};
	struct metrics_model m;
	struct failure_counts r1 = {3, 0, 0}, r2 = {1, 2, 0};
	char *a, *b;

	fill_model(&m);
	metrics_totals_observe(&tot, 1, "/x", NULL, &r1);
	m.nr_failures = metrics_totals_rows(&tot, &m.failures);
	a = render(&m);
	metrics_totals_observe(&tot, 1, "/x", NULL, &r2); /* the reading fell, then errno 98 rose */
	m.nr_failures = metrics_totals_rows(&tot, &m.failures);
	b = render(&m);
	ASSERT_TRUE(a && b);
	ASSERT_TRUE(strstr(a, "portwarden_allocation_failures_total{cgroup=\"/x\",errno=\"EADDRNOTAVAIL\"} 3\n"));
	ASSERT_TRUE(strstr(b, "portwarden_allocation_failures_total{cgroup=\"/x\",errno=\"EADDRNOTAVAIL\"} 3\n"));
	ASSERT_TRUE(strstr(b, "portwarden_allocation_failures_total{cgroup=\"/x\",errno=\"EADDRINUSE\"} 2\n"));
	free(a);
	free(b);
	metrics_totals_free(&tot);
}

/* The whole text, labels with every character to escape, through Prometheus's own
 * checker (promtool, Debian package prometheus) when it is installed. */
UNIT_TEST(test_promtool_accepts)
{
	struct metrics_model m;
	char path[] = "/tmp/pw-metrics-XXXXXX", cmd[128], *t;
	FILE *f;
	int fd, rc;

	if (system("command -v promtool >/dev/null 2>&1"))
		SKIP_TEST("promtool not installed (Debian package prometheus)");
	fill_model(&m);
	strcpy(pools[0].pool, "we\\ird\"pool\nname");
	strcpy(cgroups[29].cgroup, "/a\"b\\c\nd");
	strcpy(cgroups[29].names.pod_namespace, "n\"s");
	strcpy(cgroups[29].names.pod, "p\\od");
	strcpy(cgroups[29].names.container, "c\nt");
	m.bpf_stats_enabled = 1;
	m.nr_progs = 1;
	strcpy(m.progs[0].name, "p");
	t = render(&m);
	ASSERT_TRUE(t);
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	f = fdopen(fd, "w");
	fputs(t, f);
	fclose(f);
	free(t);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s >/dev/null 2>&1", path);
	rc = system(cmd);
	unlink(path);
	ASSERT_EQ_INT(rc, 0);
}

int main(void)
{
	RUN(test_label_escapes);
	RUN(test_label_invalid_utf8);
	RUN(test_label_cap_utf8_boundary);
	RUN(test_label_cap_before_escape);
	RUN(test_help_type_once_per_family);
	RUN(test_pools_top_n_and_other);
	RUN(test_cgroups_top_n_and_other);
	RUN(test_cgroup_names_labels);
	RUN(test_cgroup_names_label_cap);
	RUN(test_no_other_when_few);
	RUN(test_actions_and_suspects_all_series);
	RUN(test_bpf_stats_on);
	RUN(test_budget_refusals);
	RUN(test_lifeline);
	RUN(test_totals_monotonic);
	RUN(test_totals_admission_and_other);
	RUN(test_rendered_counters_monotonic);
	RUN(test_promtool_accepts);
	return UNIT_MAIN_END();
}
