// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for policy_decide() and policy_record(): every rule, rung and breaker.
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "core/config.h"
#include "core/policy.h"
#include "unit.h"

#define SEC 1000ull
/* A late clock: 0 in the state means "never", so tests start well after it. */
#define T0 (1000000ull * SEC)

static const struct policy_params base_policy = {
	.enforce = true,
	.fill_threshold = 0.8,
	.horizon_s = 120,
	.min_ports = 100,
	.quarantine = true,
	.quarantine_s = 10,
	.grace_s = 10,
	.scope = SCOPE_AUTO,
};

static const struct breaker_params base_breakers = {
	.cooldown_s = 30,
	.max_actions_per_min = 3,
	.disarm_workloads = 5,
	.disarm_window_s = 60,
	.crashloop_max = 3,
	.crashloop_window_s = 600,
};

/* Everything the daemon keeps between decisions. */
struct world {
	struct policy_params p;
	struct breaker_params bp;
	struct breaker_state bs;
	struct protections prot;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->p = base_policy;
	w->bp = base_breakers;
	protections_defaults(&w->prot);
}

/* Breakers that never bind, for tests about something else. */
static void relax_breakers(struct world *w)
{
	w->bp.cooldown_s = 0;
	w->bp.max_actions_per_min = 1000;
	w->bp.disarm_workloads = 63;
	w->bp.crashloop_max = 63;
}

/* A leaking process under pressure: every rule says act. */
static struct candidate suspect(uint32_t tgid, const char *cgroup)
{
	struct candidate c;

	memset(&c, 0, sizeof(c));
	c.tgid = tgid;
	c.start_time = 1000 + tgid;
	snprintf(c.comm, sizeof(c.comm), "leaker");
	snprintf(c.exe, sizeof(c.exe), "/usr/bin/leaker");
	snprintf(c.cgroup, sizeof(c.cgroup), "%s", cgroup);
	c.cgroup_is_v2 = true;
	c.class = LEAK_GROWTH;
	c.ports_held = 420;
	c.growth_per_s = 50;
	c.pool_fill = 0.85;
	c.pool_seconds_left = 12;
	c.leaking_in_cgroup = 1;
	return c;
}

static struct decision decide(const struct world *w, const struct candidate *c,
			      const struct target_history *th, uint64_t now)
{
	return policy_decide(c, th, &w->p, &w->bp, &w->bs, &w->prot, now);
}

/* Decide, and record what the daemon would then do, as the daemon does. */
static struct decision step(struct world *w, const struct candidate *c, struct target_history *th,
			    uint64_t now)
{
	struct decision d = decide(w, c, th, now);

	policy_record(&w->bs, th, c, &w->bp, d.action, now);
	return d;
}

/* Drives one target from first action to KILL: Q at @t, T at +10 s, K at +20 s
 * (T at @t and K at +10 s without quarantine). */
static void full_ladder(struct world *w, const struct candidate *c, uint64_t t)
{
	struct target_history th;
	enum action first = w->p.quarantine ? ACTION_QUARANTINE : ACTION_TERM;

	memset(&th, 0, sizeof(th));
	ASSERT_EQ_STR(action_name(step(w, c, &th, t).action), action_name(first));
	if (w->p.quarantine) {
		t += w->p.quarantine_s * SEC;
		ASSERT_EQ_STR(action_name(step(w, c, &th, t).action), "term");
	}
	t += w->p.grace_s * SEC;
	ASSERT_EQ_STR(action_name(step(w, c, &th, t).action), "kill");
}

UNIT_TEST(test_names)
{
	ASSERT_EQ_STR(action_name(ACTION_NONE), "none");
	ASSERT_EQ_STR(action_name(ACTION_ALERT), "alert");
	ASSERT_EQ_STR(action_name(ACTION_QUARANTINE), "quarantine");
	ASSERT_EQ_STR(action_name(ACTION_RECLAIM), "reclaim");
	ASSERT_EQ_STR(action_name(ACTION_TERM), "term");
	ASSERT_EQ_STR(action_name(ACTION_KILL), "kill");
	ASSERT_EQ_STR(action_name(ACTION_RELEASE), "release");
	ASSERT_EQ_STR(action_name((enum action)99), "unknown");
	ASSERT_EQ_STR(reclaim_mode_name(RECLAIM_NO), "no");
	ASSERT_EQ_STR(reclaim_mode_name(RECLAIM_CLOSE_WAIT), "close-wait");
	ASSERT_EQ_STR(reclaim_mode_name((enum reclaim_mode)9), "unknown");
	/* the rung sits between the quarantine and the signals: code that
	 * compares actions by order (a running ladder, /metrics) counts on it */
	ASSERT_TRUE(ACTION_QUARANTINE < ACTION_RECLAIM && ACTION_RECLAIM < ACTION_TERM);
	ASSERT_EQ_STR(scope_name(SCOPE_AUTO), "auto");
	ASSERT_EQ_STR(scope_name(SCOPE_PROCESS), "process");
	ASSERT_EQ_STR(scope_name(SCOPE_CGROUP), "cgroup");
	ASSERT_EQ_STR(scope_name((enum scope)7), "unknown");
}

static bool has_path(const char (*list)[256], size_t nr, const char *pat)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(list[i], pat))
			return true;
	return false;
}

UNIT_TEST(test_default_protections)
{
	static const char *const exes[] = {"/sbin/init",
					   "/lib/systemd/systemd",
					   "/usr/lib/systemd/systemd",
					   "/usr/sbin/sshd",
					   "/usr/lib/openssh/sshd-*",
					   "/usr/bin/containerd",
					   "/usr/bin/dockerd",
					   "/usr/bin/kubelet",
					   "/usr/bin/crio",
					   "/usr/sbin/portwarden"};
	static const char *const cgroups[] = {"/init.scope", "/system.slice/ssh.service",
					      "/system.slice/sshd.service"};
	struct protections p;

	memset(&p, 0xff, sizeof(p)); /* protections_defaults must not keep anything */
	protections_defaults(&p);
	/* a comm proves nothing: none is protected by default */
	ASSERT_EQ_INT(p.nr_comm, 0);
	for (size_t i = 0; i < sizeof(exes) / sizeof(exes[0]); i++) {
		UNIT_ROW(exes[i]);
		ASSERT_TRUE(has_path((const char(*)[256])p.exe, p.nr_exe, exes[i]));
	}
	for (size_t i = 0; i < sizeof(cgroups) / sizeof(cgroups[0]); i++) {
		UNIT_ROW(cgroups[i]);
		ASSERT_TRUE(has_path((const char(*)[256])p.cgroup, p.nr_cgroup, cgroups[i]));
	}
	ASSERT_TRUE(p.nr_comm <= PROTECT_MAX && p.nr_exe <= PROTECT_MAX &&
		    p.nr_cgroup <= PROTECT_MAX);
}

/* Rule a: only leaks are acted on; churn and listeners never, whatever the pressure. */
UNIT_TEST(test_classes)
{
	static const struct {
		enum leak_class class;
		enum action expect;
	} rows[] = {
		{LEAK_NONE, ACTION_NONE},
		{LEAK_GROWTH, ACTION_QUARANTINE},
		{LEAK_BIND_BEFORE_CONNECT, ACTION_QUARANTINE},
		{LEAK_UDP, ACTION_QUARANTINE},
		{LEAK_TIME_WAIT_CHURN, ACTION_NONE},
		{LEAK_CLOSE_WAIT, ACTION_QUARANTINE},
		{LEAK_EPHEMERAL_LISTENER, ACTION_NONE},
	};
	struct world w;

	world_init(&w);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct candidate c = suspect(100, "/app.slice/a.service");
		struct decision d;

		UNIT_ROW(leak_class_name(rows[i].class));
		c.class = rows[i].class;
		c.pool_fill = 1.0; /* the pool is full: churn is still not killed */
		c.pool_seconds_left = 0;
		c.ports_held = 60000;
		d = decide(&w, &c, NULL, T0);
		ASSERT_EQ_STR(action_name(d.action), action_name(rows[i].expect));
		if (rows[i].expect == ACTION_NONE)
			ASSERT_EQ_STR(d.reason, "not a leak");
	}
}

/* Rule a: a quarantined suspect that stops leaking is released, and only then. */
UNIT_TEST(test_release)
{
	static const struct {
		const char *name;
		enum leak_class class;
		enum action last;
		uint64_t quarantined_ms;
		enum action expect;
	} rows[] = {
		{"quarantined, class cleared", LEAK_NONE, ACTION_QUARANTINE, T0, ACTION_RELEASE},
		{"quarantined, now churn", LEAK_TIME_WAIT_CHURN, ACTION_QUARANTINE, T0,
		 ACTION_RELEASE},
		{"quarantined, still leaking", LEAK_GROWTH, ACTION_QUARANTINE, T0, ACTION_NONE},
		{"last quarantine without time", LEAK_NONE, ACTION_QUARANTINE, 0, ACTION_NONE},
		/* survived SIGTERM and stopped leaking: the quarantine must not stay */
		{"signalled, stopped leaking", LEAK_NONE, ACTION_TERM, T0, ACTION_RELEASE},
		{"already killed", LEAK_NONE, ACTION_KILL, T0, ACTION_NONE},
		{"never acted on", LEAK_NONE, ACTION_NONE, 0, ACTION_NONE},
	};
	struct world w;

	world_init(&w);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct candidate c = suspect(100, "/app.slice/a.service");
		struct target_history th = {.last = rows[i].last,
					    .last_ms = T0,
					    .quarantined_ms = rows[i].quarantined_ms};
		struct decision d;

		UNIT_ROW(rows[i].name);
		c.class = rows[i].class;
		d = decide(&w, &c, &th, T0 + SEC);
		ASSERT_EQ_STR(action_name(d.action), action_name(rows[i].expect));
		if (d.action == ACTION_RELEASE)
			ASSERT_EQ_STR(d.reason, "no longer leaking");
	}
}

/* After a release: no second release, and a new leak starts a new ladder. */
UNIT_TEST(test_release_then_leak_again)
{
	struct candidate c = suspect(100, "/app.slice/a.service");
	struct target_history th;
	struct world w;
	struct decision d;

	world_init(&w);
	memset(&th, 0, sizeof(th));
	ASSERT_EQ_INT(step(&w, &c, &th, T0).action, ACTION_QUARANTINE);
	c.class = LEAK_NONE;
	ASSERT_EQ_INT(step(&w, &c, &th, T0 + 5 * SEC).action, ACTION_RELEASE);
	ASSERT_EQ_INT(th.last, ACTION_RELEASE);
	ASSERT_EQ_INT(th.quarantined_ms, 0);
	ASSERT_EQ_INT(w.bs.nr, 1); /* a release is no action against anyone */
	ASSERT_EQ_INT(w.bs.last_action_ms, T0);
	ASSERT_EQ_INT(decide(&w, &c, &th, T0 + 6 * SEC).action, ACTION_NONE);
	c.class = LEAK_GROWTH;
	/* a new ladder starting with a quarantine waits for no cooldown */
	d = step(&w, &c, &th, T0 + 10 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "quarantine");
	ASSERT_EQ_INT(th.quarantined_ms, T0 + 10 * SEC);
	/* without quarantine, a new ladder on the same workload waits for it */
	w.p.quarantine = false;
	c.class = LEAK_NONE;
	ASSERT_EQ_INT(step(&w, &c, &th, T0 + 15 * SEC).action, ACTION_RELEASE);
	c.class = LEAK_GROWTH;
	d = decide(&w, &c, &th, T0 + 20 * SEC);
	ASSERT_EQ_STR(d.reason, "cooldown");
	ASSERT_EQ_STR(action_name(decide(&w, &c, &th, T0 + 40 * SEC).action), "term");
}

/* Rule b: protected comm, exe or cgroup (globs, a cgroup's subtree) get an alert only. */
UNIT_TEST(test_protected)
{
	static const struct {
		const char *name, *comm, *exe, *cgroup;
		bool protected_target;
	} rows[] = {
		/* any process may call itself sshd: by default only the exe protects */
		{"comm sshd, another exe", "sshd", "/opt/x", "/app.slice/a", false},
		{"comm systemd-resolve, another exe", "systemd-resolve", "/opt/x", "/app.slice/a",
		 false},
		{"exe systemd-resolved", "leaker", "/usr/lib/systemd/systemd-resolved",
		 "/app.slice/a", true},
		{"exe sshd-session", "sshd-session", "/usr/lib/openssh/sshd-session",
		 "/app.slice/a", true},
		{"exe named portwarden elsewhere", "portwarden", "/tmp/x/portwarden", "/app.slice/a",
		 false},
		{"comm custom glob", "myapp-worker", "/opt/x", "/app.slice/a", true},
		{"exe sshd", "leaker", "/usr/sbin/sshd", "/app.slice/a", true},
		{"exe sshd replaced on disk", "leaker", "/usr/sbin/sshd (deleted)", "/app.slice/a",
		 true},
		{"exe other (deleted)", "leaker", "/usr/bin/leaker (deleted)", "/app.slice/a",
		 false},
		{"exe custom glob", "leaker", "/opt/critical/bin/db", "/app.slice/a", true},
		{"cgroup init.scope", "leaker", "/opt/x", "/init.scope", true},
		{"cgroup ssh subtree", "leaker", "/opt/x", "/system.slice/ssh.service/session-1",
		 true},
		{"cgroup sibling of ssh", "leaker", "/opt/x", "/system.slice/ssh.service2", false},
		{"cgroup custom glob", "leaker", "/opt/x", "/kubepods.slice/pod1/critical-db",
		 true},
		{"nothing matches", "leaker", "/usr/bin/leaker", "/app.slice/a", false},
	};
	struct world w;

	world_init(&w);
	snprintf(w.prot.comm[w.prot.nr_comm++], sizeof(w.prot.comm[0]), "myapp*");
	snprintf(w.prot.exe[w.prot.nr_exe++], sizeof(w.prot.exe[0]), "/opt/critical/*");
	snprintf(w.prot.cgroup[w.prot.nr_cgroup++], sizeof(w.prot.cgroup[0]),
		 "/kubepods.slice/*/critical-*");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct candidate c = suspect(100, rows[i].cgroup);
		struct decision d;

		UNIT_ROW(rows[i].name);
		snprintf(c.comm, sizeof(c.comm), "%s", rows[i].comm);
		snprintf(c.exe, sizeof(c.exe), "%s", rows[i].exe);
		d = decide(&w, &c, NULL, T0);
		ASSERT_EQ_INT(d.protected_target, rows[i].protected_target);
		ASSERT_EQ_STR(action_name(d.action),
			      rows[i].protected_target ? "alert" : "quarantine");
		if (rows[i].protected_target)
			ASSERT_EQ_STR(d.reason, "protected");
	}
}

/* Rule b by the container runtime's names: [protect] pod = NS/POD globs and
 * container_name globs; a container whose names are unreadable is protected
 * while such rules exist (they might mean it). */
UNIT_TEST(test_protected_by_names)
{
	static const struct {
		const char *name, *ns, *pod, *ctr;
		bool unknown, with_rules, protected_target;
		const char *detail;
	} rows[] = {
		{"pod in a protected namespace", "kube-system", "coredns-5dd5756b68-7xk2p", "coredns",
		 false, true, true, "pod kube-system/coredns-5dd5756b68-7xk2p matches 'kube-system/*'"},
		{"pod glob", "shop", "db-0", "postgres", false, true, true, "matches 'shop/db-*'"},
		{"same pod name, other namespace", "dev", "db-0", "postgres", false, true, false, ""},
		{"namespace prefix is not the namespace", "kube-system-x", "a", "b", false, true,
		 false, ""},
		{"container name (podman)", "", "", "pw-critical", false, true, true,
		 "container pw-critical matches 'pw-critical'"},
		{"container name of a pod", "shop", "web-1", "pw-critical", false, true, true,
		 "container pw-critical"},
		{"no names, not a container", "", "", "", false, true, false, ""},
		{"names unreadable, rules exist", "", "", "", true, true, true,
		 "container names unreadable"},
		{"names unreadable, no rules", "", "", "", true, false, false, ""},
		{"a rule '*/*' never matches a non-pod", "", "", "leaker", false, true, false, ""},
	};
	struct world w;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct candidate c = suspect(100, "/app.slice/a");
		struct decision d;

		UNIT_ROW(rows[i].name);
		world_init(&w);
		if (rows[i].with_rules) {
			snprintf(w.prot.pod[w.prot.nr_pod++], sizeof(w.prot.pod[0]), "kube-system/*");
			snprintf(w.prot.pod[w.prot.nr_pod++], sizeof(w.prot.pod[0]), "shop/db-*");
			snprintf(w.prot.container_name[w.prot.nr_container_name++],
				 sizeof(w.prot.container_name[0]), "pw-critical");
		}
		if (i == sizeof(rows) / sizeof(rows[0]) - 1)
			snprintf(w.prot.pod[w.prot.nr_pod++], sizeof(w.prot.pod[0]), "*/*");
		snprintf(c.names.pod_namespace, sizeof(c.names.pod_namespace), "%s", rows[i].ns);
		snprintf(c.names.pod, sizeof(c.names.pod), "%s", rows[i].pod);
		snprintf(c.names.container, sizeof(c.names.container), "%s", rows[i].ctr);
		c.names_unknown = rows[i].unknown;
		d = decide(&w, &c, NULL, T0);
		ASSERT_EQ_INT(d.protected_target, rows[i].protected_target);
		ASSERT_EQ_STR(action_name(d.action),
			      rows[i].protected_target ? "alert" : "quarantine");
		if (rows[i].protected_target)
			ASSERT_TRUE(strstr(d.detail, rows[i].detail) != NULL);
	}
}

UNIT_TEST(test_protected_details)
{
	struct candidate c = suspect(100, "/app.slice/a");
	struct world w;
	struct decision d;

	world_init(&w);
	snprintf(c.exe, sizeof(c.exe), "/usr/sbin/sshd");
	c.ports_held = 1; /* protection is reported before min_ports and pressure */
	c.pool_fill = 0;
	c.pool_seconds_left = INFINITY;
	d = decide(&w, &c, NULL, T0);
	ASSERT_EQ_STR(d.reason, "protected");
	ASSERT_TRUE(strstr(d.detail, "'/usr/sbin/sshd'") != NULL);
	/* without a protection list nothing is protected here (the actuator guards) */
	c = suspect(100, "/app.slice/a");
	snprintf(c.comm, sizeof(c.comm), "sshd");
	d = policy_decide(&c, NULL, &w.p, &w.bp, &w.bs, NULL, T0);
	ASSERT_EQ_STR(action_name(d.action), "quarantine");
	ASSERT_TRUE(!d.protected_target);
}

/* Rule c. */
UNIT_TEST(test_min_ports)
{
	static const struct {
		uint32_t ports;
		enum action expect;
	} rows[] = {{0, ACTION_NONE}, {99, ACTION_NONE}, {100, ACTION_QUARANTINE}};
	struct world w;
	char name[32];

	world_init(&w);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct candidate c = suspect(100, "/app.slice/a");
		struct decision d;

		snprintf(name, sizeof(name), "%u ports", rows[i].ports);
		UNIT_ROW(name);
		c.ports_held = rows[i].ports;
		d = decide(&w, &c, NULL, T0);
		ASSERT_EQ_STR(action_name(d.action), action_name(rows[i].expect));
		if (rows[i].expect == ACTION_NONE)
			ASSERT_EQ_STR(d.reason, "below min_ports");
	}
}

/* Rule c for a process judged as its cgroup: the cgroup's ports count (three
 * children of 40 ports each are 120), and the evidence names both figures. */
UNIT_TEST(test_min_ports_of_a_cgroup)
{
	struct world w;
	struct candidate c = suspect(100, "/app.slice/a");
	struct decision d;

	world_init(&w);
	c.ports_held = 40;
	c.cgroup_ports_held = 120;
	d = decide(&w, &c, NULL, T0);
	ASSERT_EQ_STR(action_name(d.action), "quarantine");
	ASSERT_TRUE(strstr(d.detail, "40 ports (its cgroup 120)") != NULL);
	c.cgroup_ports_held = 99;
	d = decide(&w, &c, NULL, T0);
	ASSERT_EQ_STR(d.reason, "below min_ports");
}

/* Rule d: pressure by fill or by forecast; else an alert that says how far off. */
UNIT_TEST(test_pressure)
{
	static const struct {
		const char *name;
		double fill, left;
		enum action expect;
		const char *in_detail;
	} rows[] = {
		{"fill at threshold", 0.80, INFINITY, ACTION_QUARANTINE, "pool 80% full"},
		{"fill below, no forecast", 0.79, INFINITY, ACTION_ALERT, "no exhaustion forecast"},
		{"forecast at horizon", 0.10, 120, ACTION_QUARANTINE, "out in 120 s"},
		{"forecast past horizon", 0.79, 121, ACTION_ALERT, "79% full (threshold 80%)"},
		{"forecast past horizon, detail", 0.10, 121, ACTION_ALERT, "out in 121 s"},
		{"already out", 0.10, 0, ACTION_QUARANTINE, "out now"},
		{"NaN is no pressure", NAN, NAN, ACTION_ALERT, NULL},
	};
	struct world w;

	world_init(&w);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct candidate c = suspect(100, "/app.slice/a");
		struct decision d;

		UNIT_ROW(rows[i].name);
		c.pool_fill = rows[i].fill;
		c.pool_seconds_left = rows[i].left;
		d = decide(&w, &c, NULL, T0);
		ASSERT_EQ_STR(action_name(d.action), action_name(rows[i].expect));
		if (rows[i].expect == ACTION_ALERT)
			ASSERT_EQ_STR(d.reason, "suspect, no pressure yet");
		if (rows[i].in_detail && !strstr(d.detail, rows[i].in_detail))
			ASSERT_EQ_STR(d.detail, rows[i].in_detail);
		ASSERT_TRUE(strstr(d.detail, "420 ports") != NULL || !rows[i].in_detail);
	}
}

/* Rule e: a cgroup with enforcement off is only reported, even mid-ladder. */
UNIT_TEST(test_enforce_off)
{
	struct candidate c = suspect(100, "/app.slice/a");
	struct target_history th = {.last = ACTION_QUARANTINE, .last_ms = T0, .quarantined_ms = T0};
	struct world w;
	struct decision d;

	world_init(&w);
	w.p.enforce = false;
	d = decide(&w, &c, NULL, T0);
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "enforcement off for this cgroup");
	d = decide(&w, &c, &th, T0 + 60 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "alert");
}

/* The decision for @c as the guard makes it: the override chosen by its
 * cgroup and names, then the names hold-off (guard/judge.c). */
static struct decision decide_by_config(const struct daemon_config *cfg, struct world *w,
					const struct candidate *c)
{
	struct policy_subject s = {
		.cgroup = c->cgroup, .names = &c->names, .names_unknown = c->names_unknown};
	const struct cgroup_override *untold;
	struct decision d;

	w->p = *config_policy_select(cfg, &s, &untold);
	d = decide(w, c, NULL, T0);
	config_hold_off(untold, &d);
	return d;
}

/* A [pod] section for kube-system with enforce = no spares the namespace's pods, not
 * others; a container whose names cannot be read may be one of them: no
 * action (an alert saying why), though the default policy would act; a
 * [container] section that tightens is held off the same way. */
UNIT_TEST(test_pod_override)
{
	static const char text[] = "[pod \"kube-system/*\"]\nenforce = no\n"
				   "[container \"batch-*\"]\nquarantine = no\n";
	struct daemon_config cfg;
	struct candidate c = suspect(100, "/kubepods.slice/pod-x/cri-containerd-1.scope");
	struct world w;
	struct decision d;
	char err[256];

	ASSERT_EQ_INT(config_parse(text, "t.conf", &cfg, err, sizeof(err)), 0);
	world_init(&w);
	relax_breakers(&w);
	UNIT_ROW("in the namespace: enforcement off");
	snprintf(c.names.pod_namespace, sizeof(c.names.pod_namespace), "kube-system");
	snprintf(c.names.pod, sizeof(c.names.pod), "coredns-1");
	d = decide_by_config(&cfg, &w, &c);
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "enforcement off for this cgroup");
	UNIT_ROW("another namespace: the default acts");
	snprintf(c.names.pod_namespace, sizeof(c.names.pod_namespace), "team-a");
	d = decide_by_config(&cfg, &w, &c);
	ASSERT_EQ_STR(action_name(d.action), "quarantine");
	UNIT_ROW("a container section: no quarantine, straight to SIGTERM");
	snprintf(c.names.container, sizeof(c.names.container), "batch-7");
	d = decide_by_config(&cfg, &w, &c);
	ASSERT_EQ_STR(action_name(d.action), "term");
	UNIT_ROW("names unknown: held off, an alert naming the section");
	memset(&c.names, 0, sizeof(c.names));
	c.names_unknown = true;
	d = decide_by_config(&cfg, &w, &c);
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "names unknown");
	ASSERT_TRUE(strstr(d.detail, "[pod \"kube-system/*\"] (line 1) cannot tell") != NULL);
	UNIT_ROW("names unknown, no names section: the default acts");
	ASSERT_EQ_INT(config_parse("[cgroup \"/system.slice/*\"]\nenforce = no\n", "t.conf", &cfg,
				   err, sizeof(err)),
		      0);
	d = decide_by_config(&cfg, &w, &c);
	ASSERT_EQ_STR(action_name(d.action), "quarantine");
}

/* Rule g with quarantine: Q, wait quarantine_s, TERM, wait grace_s, KILL, then nothing. */
UNIT_TEST(test_ladder_with_quarantine)
{
	static const struct {
		uint64_t at_ms;
		enum action expect;
		const char *reason;
	} rows[] = {
		{0, ACTION_QUARANTINE, "leaking under port pressure"},
		{5000, ACTION_NONE, "quarantined, waiting"},
		{9999, ACTION_NONE, "quarantined, waiting"},
		{10000, ACTION_TERM, "quarantine did not help"},
		{15000, ACTION_NONE, "grace period"},
		{19999, ACTION_NONE, "grace period"},
		{20000, ACTION_KILL, "grace period is over"},
		{21000, ACTION_NONE, "already killed"},
		{500000, ACTION_NONE, "already killed"},
	};
	struct candidate c = suspect(100, "/app.slice/a");
	struct target_history th;
	struct world w;
	char name[32];

	world_init(&w); /* cooldown 30 s, 3 actions/min: escalations pass both */
	memset(&th, 0, sizeof(th));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct decision d;

		snprintf(name, sizeof(name), "t=+%llu ms", (unsigned long long)rows[i].at_ms);
		UNIT_ROW(name);
		d = step(&w, &c, &th, T0 + rows[i].at_ms);
		ASSERT_EQ_STR(action_name(d.action), action_name(rows[i].expect));
		ASSERT_EQ_STR(d.reason, rows[i].reason);
		ASSERT_EQ_INT(d.scope, SCOPE_PROCESS);
	}
	UNIT_ROW("history");
	ASSERT_EQ_INT(th.last, ACTION_KILL);
	ASSERT_EQ_INT(th.quarantined_ms, T0);
	ASSERT_EQ_INT(th.term_ms, T0 + 10000);
	ASSERT_EQ_INT(th.last_ms, T0 + 20000);
	ASSERT_EQ_INT(w.bs.nr, 3);
}

/* Rule g without quarantine: TERM first. */
UNIT_TEST(test_ladder_without_quarantine)
{
	static const struct {
		uint64_t at_ms;
		enum action expect;
	} rows[] = {
		{0, ACTION_TERM},     {9999, ACTION_NONE},  {10000, ACTION_KILL},
		{11000, ACTION_NONE}, {60000, ACTION_NONE},
	};
	struct candidate c = suspect(100, "/app.slice/a");
	struct target_history th;
	struct world w;
	char name[32];

	world_init(&w);
	w.p.quarantine = false;
	memset(&th, 0, sizeof(th));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(name, sizeof(name), "t=+%llu ms", (unsigned long long)rows[i].at_ms);
		UNIT_ROW(name);
		ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + rows[i].at_ms).action),
			      action_name(rows[i].expect));
	}
	ASSERT_EQ_INT(th.quarantined_ms, 0);
	ASSERT_EQ_INT(th.term_ms, T0);
}

/* A clock that goes backwards reads as no time passed: never an early TERM. */
UNIT_TEST(test_clock_backwards)
{
	struct candidate c = suspect(100, "/app.slice/a");
	struct target_history th = {.last = ACTION_QUARANTINE, .last_ms = T0, .quarantined_ms = T0};
	struct world w;

	world_init(&w);
	ASSERT_EQ_STR(decide(&w, &c, &th, T0 - 60 * SEC).reason, "quarantined, waiting");
}

/* At boot the monotonic clock is small: last_action_ms == 0 means never, not "just now". */
UNIT_TEST(test_early_clock)
{
	struct candidate c = suspect(100, "/app.slice/a");
	struct world w;

	world_init(&w);
	ASSERT_EQ_STR(action_name(decide(&w, &c, NULL, 5 * SEC).action), "quarantine");
}

/* Cooldown binds new targets, counts from the last action (escalations too),
 * and never holds back an escalation. */
/* Cooldown: per workload, for ladders that start with a signal; another
 * workload does not wait, nor does a quarantine. */
UNIT_TEST(test_cooldown)
{
	struct candidate a = suspect(100, "/app.slice/a"), b = suspect(200, "/app.slice/b");
	struct candidate a2 = suspect(101, "/app.slice/a");
	struct target_history tha, thb, tha2;
	struct world w;
	struct decision d;

	world_init(&w);
	w.p.quarantine = false;
	w.bp.max_actions_per_min = 1000;
	memset(&tha, 0, sizeof(tha));
	memset(&thb, 0, sizeof(thb));
	memset(&tha2, 0, sizeof(tha2));
	ASSERT_EQ_INT(step(&w, &a, &tha, T0).action, ACTION_TERM);
	ASSERT_EQ_INT(step(&w, &b, &thb, T0 + SEC).action, ACTION_TERM);
	d = step(&w, &a2, &tha2, T0 + 10 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "cooldown");
	ASSERT_TRUE(strstr(d.detail, "10 s ago (cooldown 30 s)") != NULL);
	ASSERT_EQ_STR(action_name(step(&w, &a, &tha, T0 + 10 * SEC).action), "kill");
	/* the kill at +10 s is the workload's last action now */
	ASSERT_EQ_STR(step(&w, &a2, &tha2, T0 + 39 * SEC).reason, "cooldown");
	ASSERT_EQ_STR(action_name(step(&w, &a2, &tha2, T0 + 40 * SEC).action), "term");
}

/* Rate limit: the actions on one workload in the last 60 s, escalations
 * included; it binds new ladders that start with a signal. */
UNIT_TEST(test_rate_limit)
{
	struct candidate c[4], other = suspect(900, "/other");
	struct target_history th[4];
	struct world w;
	struct decision d;

	world_init(&w);
	w.p.quarantine = false;
	w.bp.cooldown_s = 0;
	w.bp.disarm_workloads = 10;
	w.bp.crashloop_max = 10;
	memset(th, 0, sizeof(th));
	for (int i = 0; i < 4; i++)
		c[i] = suspect(100 + i, "/a");
	for (int i = 0; i < 3; i++)
		ASSERT_EQ_INT(step(&w, &c[i], &th[i], T0 + i * SEC).action, ACTION_TERM);
	d = decide(&w, &c[3], &th[3], T0 + 3 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "rate limit");
	/* another workload is not held back */
	ASSERT_EQ_STR(action_name(decide(&w, &other, NULL, T0 + 3 * SEC).action), "term");
	/* an escalation passes, and counts */
	ASSERT_EQ_STR(action_name(step(&w, &c[0], &th[0], T0 + 10 * SEC).action), "kill");
	ASSERT_EQ_STR(decide(&w, &c[3], &th[3], T0 + 30 * SEC).reason, "rate limit");
	/* at +62 s only the kill (+10 s) is inside the minute */
	ASSERT_EQ_STR(action_name(decide(&w, &c[3], &th[3], T0 + 62 * SEC).action), "term");
}

/* Quarantine -> SIGTERM on the target's own evidence only: its growth, or a
 * big enough share of a pool still under pressure; a pool others fill is not. */
UNIT_TEST(test_escalation_needs_own_evidence)
{
	static const struct {
		const char *name;
		double growth, share, fill;
		const char *expect, *reason;
	} rows[] = {
		{"still growing", 3, 0.05, 0.5, "term", "quarantine did not help"},
		{"flat, big share of a full pool", 0, 0.5, 0.9, "term", "quarantine did not help"},
		{"flat, small share of a pool others fill", 0, 0.1, 0.95, "none",
		 "quarantine holds"},
		{"flat, big share, no pressure left", 0, 0.6, 0.3, "none", "quarantine holds"},
	};
	struct world w;

	world_init(&w);
	relax_breakers(&w);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct candidate c = suspect(100, "/a");
		struct target_history th;
		struct decision d;

		UNIT_ROW(rows[i].name);
		memset(&th, 0, sizeof(th));
		ASSERT_EQ_INT(step(&w, &c, &th, T0).action, ACTION_QUARANTINE);
		c.growth_per_s = rows[i].growth;
		c.pool_share = rows[i].share;
		c.pool_fill = rows[i].fill;
		c.pool_seconds_left = INFINITY; /* flat: no forecast of its own */
		if (rows[i].growth > 0)
			c.pool_seconds_left = 60;
		d = decide(&w, &c, &th, T0 + 10 * SEC);
		ASSERT_EQ_STR(action_name(d.action), rows[i].expect);
		ASSERT_EQ_STR(d.reason, rows[i].reason);
	}
}

/* Four real leakers at once, default breakers: every one is quarantined at
 * once, and each ladder goes on at its own pace (issue: the guard stopped
 * one of four leakers started together). */
UNIT_TEST(test_several_leakers_at_once)
{
	struct candidate c[4];
	struct target_history th[4];
	struct world w;

	world_init(&w);
	memset(th, 0, sizeof(th));
	for (int i = 0; i < 4; i++) {
		char cg[32];

		snprintf(cg, sizeof(cg), "/leak%d", i);
		c[i] = suspect(100 + i, cg);
		ASSERT_EQ_STR(action_name(step(&w, &c[i], &th[i], T0 + i * 100).action),
			      "quarantine");
	}
	for (int i = 0; i < 4; i++)
		ASSERT_EQ_STR(action_name(step(&w, &c[i], &th[i], T0 + 10 * SEC + i * 100).action),
			      "term");
	for (int i = 0; i < 4; i++)
		ASSERT_EQ_STR(action_name(step(&w, &c[i], &th[i], T0 + 20 * SEC + i * 100).action),
			      "kill");
	ASSERT_EQ_INT(w.bs.disarmed_until_ms, 0);
}

/* Disarm: the N+1th distinct workload signalled is refused; if it is
 * recorded anyway the daemon disarms for the window, escalations included,
 * then re-arms. Quarantines neither count nor are refused by it. */
UNIT_TEST(test_disarm)
{
	struct candidate a = suspect(100, "/a"), b = suspect(200, "/b"), c = suspect(300, "/c");
	struct candidate e = suspect(500, "/e"), a2;
	struct target_history tha, thb, thc, the;
	struct world w;
	struct decision d;

	world_init(&w);
	relax_breakers(&w);
	w.p.quarantine = false;
	w.bp.disarm_workloads = 2;
	memset(&tha, 0, sizeof(tha));
	memset(&thb, 0, sizeof(thb));
	memset(&thc, 0, sizeof(thc));
	memset(&the, 0, sizeof(the));
	ASSERT_EQ_INT(step(&w, &a, &tha, T0).action, ACTION_TERM);
	ASSERT_EQ_INT(step(&w, &b, &thb, T0 + SEC).action, ACTION_TERM);
	ASSERT_EQ_INT(w.bs.disarmed_until_ms, 0);
	d = decide(&w, &c, &thc, T0 + 2 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "would disarm: too many workloads");
	/* a second process of a workload already hit is no new workload */
	a2 = suspect(101, "/a");
	ASSERT_EQ_STR(action_name(decide(&w, &a2, NULL, T0 + 2 * SEC).action), "term");
	policy_record(&w.bs, &thc, &c, &w.bp, ACTION_TERM, T0 + 11 * SEC);
	ASSERT_EQ_INT(w.bs.disarmed_until_ms, T0 + 71 * SEC);
	ASSERT_EQ_STR(decide(&w, &e, &the, T0 + 12 * SEC).reason, "disarmed");
	d = decide(&w, &a, &tha, T0 + 30 * SEC); /* KILL is due, but disarmed */
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "disarmed");
	ASSERT_EQ_STR(decide(&w, &e, &the, T0 + 70 * SEC).reason, "disarmed");
	ASSERT_EQ_STR(action_name(decide(&w, &a, &tha, T0 + 71 * SEC).action), "kill");
	ASSERT_EQ_STR(action_name(decide(&w, &e, &the, T0 + 71 * SEC).action), "term");
}

/* Eight real leakers at once: every one is quarantined (no disarm: the
 * quarantine is reversible); their SIGTERMs then count, and the sixth
 * workload's waits, quarantined, until the window moves on. */
UNIT_TEST(test_quarantines_never_disarm)
{
	struct candidate c[8];
	struct target_history th[8];
	struct world w;
	int terms = 0;

	world_init(&w);
	memset(th, 0, sizeof(th));
	for (int i = 0; i < 8; i++) {
		char cg[16];

		snprintf(cg, sizeof(cg), "/w%d", i);
		c[i] = suspect(100 + i, cg);
		ASSERT_EQ_STR(action_name(step(&w, &c[i], &th[i], T0 + i * 100).action), "quarantine");
	}
	ASSERT_EQ_INT(w.bs.disarmed_until_ms, 0);
	for (int i = 0; i < 8; i++)
		terms += step(&w, &c[i], &th[i], T0 + 10 * SEC + i * 100).action == ACTION_TERM;
	ASSERT_EQ_INT(terms, 5); /* disarm_workloads */
	ASSERT_EQ_INT(w.bs.disarmed_until_ms, 0);
}

/* One workload acting alone, however many actions, never disarms. */
UNIT_TEST(test_disarm_counts_workloads_not_actions)
{
	struct world w;

	world_init(&w);
	relax_breakers(&w);
	w.bp.disarm_workloads = 1;
	for (uint32_t i = 0; i < 10; i++) {
		struct candidate c = suspect(100 + i, "/a");

		policy_record(&w.bs, NULL, &c, &w.bp, ACTION_TERM, T0 + i * SEC);
	}
	ASSERT_EQ_INT(w.bs.disarmed_until_ms, 0);
	/* in the root cgroup the exe is the workload */
	for (uint32_t i = 0; i < 2; i++) {
		struct candidate c = suspect(200 + i, "/");

		snprintf(c.exe, sizeof(c.exe), "/usr/bin/tool%u", i);
		policy_record(&w.bs, NULL, &c, &w.bp, ACTION_TERM, T0 + 20 * SEC);
	}
	ASSERT_EQ_INT(w.bs.disarmed_until_ms, T0 + 80 * SEC);
}

/* Crash loop: a workload that comes back under new pids; a ladder counts once. */
UNIT_TEST(test_crashloop)
{
	struct candidate c, other;
	struct target_history th;
	struct world w;
	struct decision d;

	world_init(&w);
	relax_breakers(&w);
	w.bp.crashloop_max = 3;
	for (uint32_t i = 0; i < 2; i++) {
		c = suspect(100 + i, "/system.slice/flaky.service");
		full_ladder(&w, &c, T0 + i * 100 * SEC);
	}
	ASSERT_EQ_INT(w.bs.nr, 6);
	/* 6 actions, 2 ladders: the third incarnation is still acted on, to the end */
	c = suspect(102, "/system.slice/flaky.service");
	full_ladder(&w, &c, T0 + 200 * SEC);
	c = suspect(103, "/system.slice/flaky.service");
	memset(&th, 0, sizeof(th));
	d = decide(&w, &c, &th, T0 + 300 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "crash loop: it keeps coming back");
	ASSERT_TRUE(strstr(d.detail, "3 times in 600 s") != NULL);
	/* other workloads are not affected */
	other = suspect(900, "/other");
	ASSERT_EQ_STR(action_name(decide(&w, &other, NULL, T0 + 300 * SEC).action), "quarantine");
	/* the first ladder (T0 .. T0+20 s) leaves the window at T0+620 s */
	ASSERT_EQ_STR(decide(&w, &c, &th, T0 + 619 * SEC).reason,
		      "crash loop: it keeps coming back");
	ASSERT_EQ_STR(action_name(decide(&w, &c, &th, T0 + 620 * SEC).action), "quarantine");
}

UNIT_TEST(test_crashloop_without_quarantine)
{
	struct candidate c;
	struct world w;

	world_init(&w);
	relax_breakers(&w);
	w.p.quarantine = false;
	w.bp.crashloop_max = 3;
	for (uint32_t i = 0; i < 3; i++) {
		c = suspect(100 + i, "/flaky");
		full_ladder(&w, &c, T0 + i * 100 * SEC);
	}
	c = suspect(103, "/flaky");
	ASSERT_EQ_STR(decide(&w, &c, NULL, T0 + 300 * SEC).reason,
		      "crash loop: it keeps coming back");
	/* a partly aged-out ladder counts once: with Q out of the window, T and K
	 * still pair up */
	world_init(&w);
	relax_breakers(&w);
	w.bp.crashloop_max = 2;
	w.bp.crashloop_window_s = 15;
	c = suspect(100, "/flaky");
	w.p.quarantine = true;
	full_ladder(&w, &c, T0);
	c = suspect(101, "/flaky");
	ASSERT_EQ_STR(action_name(decide(&w, &c, NULL, T0 + 22 * SEC).action), "quarantine");
}

/* Siblings named together are one wave, not a crash loop: a parent's five
 * children quarantined one after another within a few seconds are all
 * acted on; three such waves, minutes apart, are a workload coming back. */
UNIT_TEST(test_crashloop_counts_waves)
{
	struct target_history th[5];
	struct candidate c;
	struct world w;

	world_init(&w);
	relax_breakers(&w);
	w.bp.crashloop_max = 3;
	memset(th, 0, sizeof(th));
	for (uint32_t i = 0; i < 5; i++) {
		c = suspect(100 + i, "/forker");
		ASSERT_EQ_STR(action_name(step(&w, &c, &th[i], T0 + i * SEC).action),
			      "quarantine");
	}
	/* they and a second wave of three, all to the end, are 2 comings */
	for (uint32_t i = 0; i < 3; i++) {
		c = suspect(200 + i, "/forker");
		full_ladder(&w, &c, T0 + 100 * SEC + i * SEC);
	}
	c = suspect(300, "/forker");
	full_ladder(&w, &c, T0 + 200 * SEC);
	c = suspect(301, "/forker");
	ASSERT_EQ_STR(decide(&w, &c, NULL, T0 + 300 * SEC).reason,
		      "crash loop: it keeps coming back");
	/* a ladder 5 s after the last counted one starts a wave of its own */
	world_init(&w);
	relax_breakers(&w);
	w.bp.crashloop_max = 2;
	c = suspect(100, "/forker");
	full_ladder(&w, &c, T0);
	c = suspect(101, "/forker");
	ASSERT_EQ_STR(action_name(decide(&w, &c, NULL, T0 + 4999).action), "quarantine");
	full_ladder(&w, &c, T0 + 5 * SEC);
	c = suspect(102, "/forker");
	ASSERT_EQ_STR(decide(&w, &c, NULL, T0 + 40 * SEC).reason,
		      "crash loop: it keeps coming back");
}

/* A ring full of actions inside the windows has forgotten some: no new targets. */
UNIT_TEST(test_breaker_history_full)
{
	struct candidate x = suspect(100, "/x"), y = suspect(200, "/y");
	struct target_history thx = {.last = ACTION_TERM, .last_ms = T0, .term_ms = T0};
	struct world w;
	struct decision d;

	world_init(&w);
	relax_breakers(&w);
	for (uint32_t i = 0; i < BREAKER_RING + 6; i++)
		policy_record(&w.bs, NULL, &x, &w.bp, ACTION_TERM, T0 + i);
	ASSERT_EQ_INT(w.bs.nr, BREAKER_RING);
	ASSERT_EQ_INT(w.bs.head, 6);
	d = decide(&w, &y, NULL, T0 + 100 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "alert");
	ASSERT_EQ_STR(d.reason, "breaker history full");
	ASSERT_EQ_STR(action_name(decide(&w, &x, &thx, T0 + 100 * SEC).action), "kill");
	ASSERT_EQ_STR(action_name(decide(&w, &y, NULL, T0 + 601 * SEC).action), "quarantine");
}

/* Rule h. */
UNIT_TEST(test_scope)
{
	static const struct {
		const char *name;
		enum scope scope;
		uint32_t leaking;
		bool v2;
		const char *cgroup;
		enum scope expect;
	} rows[] = {
		{"auto, one leaker", SCOPE_AUTO, 1, true, "/a", SCOPE_PROCESS},
		{"auto, spread", SCOPE_AUTO, 2, true, "/a", SCOPE_CGROUP},
		{"auto, spread, v1", SCOPE_AUTO, 2, false, "/a", SCOPE_PROCESS},
		{"auto, spread, root", SCOPE_AUTO, 2, true, "/", SCOPE_PROCESS},
		{"process", SCOPE_PROCESS, 5, true, "/a", SCOPE_PROCESS},
		{"cgroup", SCOPE_CGROUP, 1, true, "/a", SCOPE_CGROUP},
		{"cgroup on v1", SCOPE_CGROUP, 3, false, "/a", SCOPE_PROCESS},
		{"cgroup on root", SCOPE_CGROUP, 3, true, "/", SCOPE_PROCESS},
		{"cgroup unknown", SCOPE_CGROUP, 3, true, "", SCOPE_PROCESS},
	};
	struct world w;

	world_init(&w);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct candidate c = suspect(100, rows[i].cgroup);
		struct decision d;

		UNIT_ROW(rows[i].name);
		w.p.scope = rows[i].scope;
		c.leaking_in_cgroup = rows[i].leaking;
		c.cgroup_is_v2 = rows[i].v2;
		d = decide(&w, &c, NULL, T0);
		ASSERT_EQ_STR(action_name(d.action), "quarantine");
		ASSERT_EQ_STR(scope_name(d.scope), scope_name(rows[i].expect));
	}
}

static uint64_t fnv1a(const char *a, const char *b)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 0x100000001b3ull;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 0x100000001b3ull;
	return h;
}

UNIT_TEST(test_workload)
{
	struct candidate a = suspect(100, "/app.slice/a"), b = suspect(200, "/app.slice/a");
	struct candidate r1 = suspect(300, "/"), r2 = suspect(400, "/"), r3 = suspect(500, "/");
	struct candidate named = suspect(600, "/usr/bin/one");

	snprintf(b.exe, sizeof(b.exe), "/usr/bin/other");
	snprintf(r1.exe, sizeof(r1.exe), "/usr/bin/one");
	snprintf(r2.exe, sizeof(r2.exe), "/usr/bin/two");
	snprintf(r3.exe, sizeof(r3.exe), "/usr/bin/one");
	/* a cgroup is one workload whatever its binaries */
	ASSERT_TRUE(policy_workload(&a) == policy_workload(&b));
	ASSERT_TRUE(policy_workload(&a) == fnv1a("cgroup:", "/app.slice/a"));
	/* in the root cgroup, the exe tells workloads apart */
	ASSERT_TRUE(policy_workload(&r1) != policy_workload(&r2));
	ASSERT_TRUE(policy_workload(&r1) == policy_workload(&r3));
	ASSERT_TRUE(policy_workload(&r1) == fnv1a("exe:", "/usr/bin/one"));
	/* a cgroup named like a binary is not that binary */
	ASSERT_TRUE(policy_workload(&named) != policy_workload(&r1));
	/* an unknown cgroup is treated as the root */
	r2.cgroup[0] = '\0';
	ASSERT_TRUE(policy_workload(&r2) == fnv1a("exe:", "/usr/bin/two"));
}

/* Only quarantines and signals move the breakers and the history. */
UNIT_TEST(test_record)
{
	static const enum action ignored[] = {ACTION_NONE, ACTION_ALERT};
	struct candidate c = suspect(100, "/a");
	struct target_history th;
	struct world w;

	world_init(&w);
	memset(&th, 0, sizeof(th));
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		UNIT_ROW(action_name(ignored[i]));
		policy_record(&w.bs, &th, &c, &w.bp, ignored[i], T0);
		ASSERT_EQ_INT(w.bs.nr, 0);
		ASSERT_EQ_INT(w.bs.last_action_ms, 0);
		ASSERT_EQ_INT(th.last, ACTION_NONE);
		ASSERT_EQ_INT(th.last_ms, 0);
	}
	UNIT_ROW("quarantine");
	policy_record(&w.bs, &th, &c, &w.bp, ACTION_QUARANTINE, T0);
	ASSERT_EQ_INT(w.bs.nr, 1);
	ASSERT_EQ_INT(w.bs.head, 1);
	ASSERT_EQ_INT(w.bs.recent[0].t_ms, T0);
	ASSERT_EQ_INT(w.bs.recent[0].action, ACTION_QUARANTINE);
	ASSERT_TRUE(w.bs.recent[0].workload == policy_workload(&c));
	ASSERT_EQ_INT(w.bs.last_action_ms, T0);
	ASSERT_EQ_INT(th.last, ACTION_QUARANTINE);
	ASSERT_EQ_INT(th.quarantined_ms, T0);
	UNIT_ROW("term");
	policy_record(&w.bs, &th, &c, &w.bp, ACTION_TERM, T0 + SEC);
	ASSERT_EQ_INT(th.quarantined_ms, T0); /* the quarantine still holds */
	ASSERT_EQ_INT(th.term_ms, T0 + SEC);
	UNIT_ROW("no history");
	policy_record(&w.bs, NULL, &c, &w.bp, ACTION_KILL, T0 + 2 * SEC);
	ASSERT_EQ_INT(w.bs.nr, 3);
}

/* Pressure starts a ladder; once it started, the quarantine that stopped
 * the growth (and with it the forecast) must not stall it. */
UNIT_TEST(test_ongoing_ladder_needs_no_pressure)
{
	struct candidate c = suspect(100, "/app.slice/a.service");
	struct target_history fresh = {0};
	struct target_history th = {.last = ACTION_QUARANTINE, .last_ms = T0,
				    .quarantined_ms = T0};
	struct decision d;
	struct world w;

	world_init(&w);
	c.pool_fill = 0.30;			/* below the threshold */
	c.pool_seconds_left = 1e9;		/* no forecast: it stopped growing */
	d = decide(&w, &c, &fresh, T0);
	ASSERT_EQ_STR(action_name(d.action), action_name(ACTION_ALERT));
	d = decide(&w, &c, &th, T0 + 11 * SEC);
	ASSERT_EQ_STR(action_name(d.action), action_name(ACTION_TERM));
	th.last = ACTION_TERM;
	th.term_ms = T0 + 11 * SEC;
	d = decide(&w, &c, &th, T0 + 22 * SEC);
	ASSERT_EQ_STR(action_name(d.action), action_name(ACTION_KILL));
}

/* A CLOSE_WAIT pile with reclaim = close-wait: Q, then RECLAIM after
 * quarantine_s, then TERM only if it still presses quarantine_s later. */
UNIT_TEST(test_reclaim_after_quarantine)
{
	struct candidate c = suspect(500, "/app");
	struct target_history th;
	struct decision d;
	struct world w;

	world_init(&w);
	w.p.reclaim = RECLAIM_CLOSE_WAIT;
	c.class = LEAK_CLOSE_WAIT;
	memset(&th, 0, sizeof(th));
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0).action), "quarantine");
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 5 * SEC).action), "none");
	d = step(&w, &c, &th, T0 + 10 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "reclaim");
	ASSERT_EQ_STR(d.reason, "quarantine did not help");
	ASSERT_TRUE(th.reclaimed && th.reclaimed_ms == T0 + 10 * SEC);
	ASSERT_EQ_INT(th.last, ACTION_RECLAIM);
	ASSERT_EQ_INT(th.quarantined_ms, T0); /* the quarantine stays */
	d = step(&w, &c, &th, T0 + 15 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "none");
	ASSERT_EQ_STR(d.reason, "reclaimed, waiting");
	/* still growing quarantine_s after the reclaim: it did not help */
	d = step(&w, &c, &th, T0 + 20 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "term");
	ASSERT_EQ_STR(d.reason, "reclaim did not help");
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 30 * SEC).action), "kill");
}

/* The ports came back: the ladder holds, and when the class leaves (the
 * pile is gone) the quarantine is released, ending the ladder. */
UNIT_TEST(test_reclaim_holds_then_release)
{
	struct candidate c = suspect(501, "/app");
	struct target_history th;
	struct decision d;
	struct world w;

	world_init(&w);
	w.p.reclaim = RECLAIM_CLOSE_WAIT;
	c.class = LEAK_CLOSE_WAIT;
	memset(&th, 0, sizeof(th));
	step(&w, &c, &th, T0);
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 10 * SEC).action), "reclaim");
	c.growth_per_s = -40; /* its ports came back */
	c.ports_held = 150;
	c.pool_fill = 0.1;
	c.pool_share = 0.05;
	c.pool_seconds_left = INFINITY;
	d = step(&w, &c, &th, T0 + 25 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "none");
	ASSERT_EQ_STR(d.reason, "reclaim holds");
	c.class = LEAK_NONE;
	d = step(&w, &c, &th, T0 + 30 * SEC);
	ASSERT_EQ_STR(action_name(d.action), "release");
	ASSERT_TRUE(th.last == ACTION_RELEASE);
	/* a new pile: a new ladder, without a second reclaim */
	c = suspect(501, "/app");
	c.class = LEAK_CLOSE_WAIT;
	relax_breakers(&w);
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 100 * SEC).action), "quarantine");
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 110 * SEC).action), "term");
}

/* Without a quarantine the reclaim is the first rung; reclaim = no, or any
 * other class, keeps the ladder it had. */
UNIT_TEST(test_reclaim_first_without_quarantine)
{
	struct candidate c = suspect(502, "/app");
	struct target_history th;
	struct world w;

	world_init(&w);
	relax_breakers(&w);
	w.p.quarantine = false;
	w.p.reclaim = RECLAIM_CLOSE_WAIT;
	c.class = LEAK_CLOSE_WAIT;
	memset(&th, 0, sizeof(th));
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0).action), "reclaim");
	ASSERT_EQ_INT(w.bs.nr, 0); /* no entry in the breakers' ring */
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 10 * SEC).action), "term");
	ASSERT_EQ_INT(w.bs.nr, 1);
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 20 * SEC).action), "kill");
	/* once per ladder: a TERM that survived does not go back to RECLAIM */
	ASSERT_TRUE(th.reclaimed);
}

UNIT_TEST(test_reclaim_off_and_other_classes_unchanged)
{
	static const enum leak_class others[] = {LEAK_GROWTH, LEAK_BIND_BEFORE_CONNECT, LEAK_UDP,
						 LEAK_HOG};
	struct candidate c = suspect(503, "/app");
	struct world w;

	for (int q = 0; q < 2; q++) {
		world_init(&w);
		relax_breakers(&w);
		w.p.quarantine = q;
		/* reclaim = no: a CLOSE_WAIT pile goes to SIGTERM as before */
		c.class = LEAK_CLOSE_WAIT;
		full_ladder(&w, &c, T0);
		ASSERT_TRUE(!policy_reclaims(&c, &w.p));
		w.p.reclaim = RECLAIM_CLOSE_WAIT;
		ASSERT_TRUE(policy_reclaims(&c, &w.p));
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
			c.class = others[i];
			c.tgid = 600 + (uint32_t)i + 10 * (uint32_t)q;
			full_ladder(&w, &c, T0 + (i + 1) * 100 * SEC);
			ASSERT_TRUE(!policy_reclaims(&c, &w.p));
		}
	}
}

/* reclaim = idle: a leak of connections (leak, bind-before-connect, hog)
 * gets the rung after the quarantine too, a CLOSE_WAIT pile still does, UDP
 * never (no connection to be idle); reclaim = close-wait keeps those
 * classes off it. */
UNIT_TEST(test_reclaim_idle_classes)
{
	static const struct {
		enum leak_class cls;
		bool idle, close_wait;
	} rows[] = {
		{LEAK_GROWTH, true, false},	    {LEAK_BIND_BEFORE_CONNECT, true, false},
		{LEAK_HOG, true, false},	    {LEAK_CLOSE_WAIT, true, true},
		{LEAK_UDP, false, false},	    {LEAK_TIME_WAIT_CHURN, false, false},
		{LEAK_EPHEMERAL_LISTENER, false, false}, {LEAK_NONE, false, false},
	};
	struct candidate c = suspect(520, "/app");
	struct world w;

	ASSERT_EQ_STR(reclaim_mode_name(RECLAIM_IDLE), "idle");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(leak_class_name(rows[i].cls));
		world_init(&w);
		c.class = rows[i].cls;
		w.p.reclaim = RECLAIM_IDLE;
		ASSERT_EQ_INT(policy_reclaims(&c, &w.p), rows[i].idle);
		w.p.reclaim = RECLAIM_CLOSE_WAIT;
		ASSERT_EQ_INT(policy_reclaims(&c, &w.p), rows[i].close_wait);
		w.p.reclaim = RECLAIM_NO;
		ASSERT_TRUE(!policy_reclaims(&c, &w.p));
	}
}

/* The ladder of a growing leak under reclaim = idle: Q, then RECLAIM after
 * quarantine_s, once per target, then TERM if it still presses. */
UNIT_TEST(test_reclaim_idle_ladder)
{
	struct candidate c = suspect(521, "/app");
	struct target_history th;
	struct world w;

	world_init(&w);
	w.p.reclaim = RECLAIM_IDLE;
	c.class = LEAK_GROWTH;
	memset(&th, 0, sizeof(th));
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0).action), "quarantine");
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 10 * SEC).action), "reclaim");
	ASSERT_TRUE(th.reclaimed);
	ASSERT_EQ_STR(action_name(step(&w, &c, &th, T0 + 20 * SEC).action), "term");
}

int main(void)
{
	RUN(test_ongoing_ladder_needs_no_pressure);
	RUN(test_names);
	RUN(test_default_protections);
	RUN(test_classes);
	RUN(test_release);
	RUN(test_release_then_leak_again);
	RUN(test_protected);
	RUN(test_protected_by_names);
	RUN(test_pod_override);
	RUN(test_protected_details);
	RUN(test_min_ports);
	RUN(test_min_ports_of_a_cgroup);
	RUN(test_pressure);
	RUN(test_enforce_off);
	RUN(test_ladder_with_quarantine);
	RUN(test_ladder_without_quarantine);
	RUN(test_clock_backwards);
	RUN(test_early_clock);
	RUN(test_cooldown);
	RUN(test_rate_limit);
	RUN(test_several_leakers_at_once);
	RUN(test_quarantines_never_disarm);
	RUN(test_escalation_needs_own_evidence);
	RUN(test_disarm);
	RUN(test_disarm_counts_workloads_not_actions);
	RUN(test_crashloop);
	RUN(test_crashloop_without_quarantine);
	RUN(test_crashloop_counts_waves);
	RUN(test_breaker_history_full);
	RUN(test_scope);
	RUN(test_workload);
	RUN(test_record);
	RUN(test_reclaim_after_quarantine);
	RUN(test_reclaim_holds_then_release);
	RUN(test_reclaim_first_without_quarantine);
	RUN(test_reclaim_off_and_other_classes_unchanged);
	RUN(test_reclaim_idle_classes);
	RUN(test_reclaim_idle_ladder);
	return UNIT_MAIN_END();
}
