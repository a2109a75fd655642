// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the configuration file parser: every key, every error and its line.
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/config.h"
#include "core/regular_file.h"
#include "unit.h"

/* 64 characters, to build over-long values */
#define L64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct daemon_config cfg;
static char err[512];

static int parse(const char *text)
{
	err[0] = '\0';
	return config_parse(text, "test.conf", &cfg, err, sizeof(err));
}

/* The policy key @key = @val in [policy], parsed; returns the status. */
static int parse_policy(const char *key, const char *val)
{
	char text[1200];

	snprintf(text, sizeof(text), "[policy]\n%s = %s\n", key, val);
	return parse(text);
}

static bool has(const char (*list)[256], size_t nr, const char *pat)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(list[i], pat))
			return true;
	return false;
}

/*
 * The defaults as documented, not as copied from the constants they are built
 * from: config.h's example file and README's (interval, window, watch,
 * surge_time and its 100/s, [policy], [breakers]); surge.c and classify.c
 * for the tuning nothing in the file sets.
 */
static void expect_documented_defaults(void)
{
	struct protections builtin;

	ASSERT_EQ_INT(cfg.interval_ms, 1000);
	ASSERT_EQ_INT(cfg.watch_ms, 200);
	ASSERT_TRUE(cfg.surge.min_rate == 100.0);
	ASSERT_EQ_INT(cfg.surge.trip_ms, 2000);
	ASSERT_EQ_INT(cfg.surge.gap_ms, 400);
	ASSERT_EQ_INT(cfg.surge.clear_ms, 1000);
	ASSERT_EQ_INT(cfg.classify.window_ms, 30000);
	ASSERT_TRUE(cfg.classify.min_growth_per_s == 0.25);
	ASSERT_EQ_INT(cfg.classify.min_growth_ports, 10);
	ASSERT_TRUE(cfg.classify.min_monotonic == 0.75);
	ASSERT_TRUE(cfg.classify.max_release_ratio == 0.25);
	ASSERT_TRUE(cfg.classify.churn_opens_per_s == 50.0);
	ASSERT_EQ_INT(cfg.classify.close_wait_min, 32);
	ASSERT_EQ_INT(cfg.classify.breaches_to_enter, 15);
	ASSERT_EQ_INT(cfg.classify.clears_to_leave, 30);
	ASSERT_TRUE(cfg.policy.enforce);
	ASSERT_TRUE(cfg.policy.fill_threshold == 0.8);
	ASSERT_EQ_INT(cfg.policy.horizon_s, 120);
	ASSERT_EQ_INT(cfg.policy.min_ports, 100);
	ASSERT_TRUE(cfg.policy.quarantine);
	ASSERT_EQ_INT(cfg.policy.quarantine_s, 10);
	ASSERT_EQ_INT(cfg.policy.grace_s, 10);
	ASSERT_EQ_INT(cfg.policy.scope, SCOPE_AUTO);
	ASSERT_EQ_INT(cfg.breakers.cooldown_s, 30);
	ASSERT_EQ_INT(cfg.breakers.max_actions_per_min, 3);
	ASSERT_EQ_INT(cfg.breakers.disarm_workloads, 5);
	ASSERT_EQ_INT(cfg.breakers.disarm_window_s, 60);
	ASSERT_EQ_INT(cfg.breakers.crashloop_max, 3);
	ASSERT_EQ_INT(cfg.breakers.crashloop_window_s, 600);
	/* the built-in protections (test_policy checks what they are), nothing of the file's */
	protections_defaults(&builtin);
	ASSERT_TRUE(builtin.nr_exe > 0);
	ASSERT_TRUE(!memcmp(&cfg.protect, &builtin, sizeof(builtin)));
	ASSERT_EQ_INT(cfg.nr_overrides, 0);
}

UNIT_TEST(test_defaults)
{
	static const char *const empty[] = {"", "# nothing\n\n   \n"};

	memset(&cfg, 0xa5, sizeof(cfg)); /* nothing may survive from before */
	config_defaults(&cfg);
	UNIT_ROW("config_defaults");
	expect_documented_defaults();
	/* an empty file, or only comments, is the defaults */
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		UNIT_ROW(i ? "only comments" : "empty file");
		memset(&cfg, 0xa5, sizeof(cfg));
		ASSERT_EQ_INT(parse(empty[i]), 0);
		expect_documented_defaults();
	}
}

static const char every_key_text[] = "[daemon]\n"
				     "interval = 500ms\n"
				     "window = 1m\n"
				     "watch = 100ms\n"
				     "surge_time = 3s\n"
				     "[policy]\n"
				     "enforce = no\n"
				     "fill_threshold = 90%\n"
				     "horizon = 5m\n"
				     "min_ports = 250\n"
				     "quarantine = off\n"
				     "quarantine_time = 20s\n"
				     "grace = 15\n"
				     "scope = cgroup\n"
				     "[breakers]\n"
				     "cooldown = 0s\n"
				     "max_actions_per_minute = 7\n"
				     "disarm_workloads = 9\n"
				     "disarm_window = 2m\n"
				     "crashloop_max = 4\n"
				     "crashloop_window = 1h\n"
				     "[protect]\n"
				     "comm = mydb*\n"
				     "exe = /opt/db/bin/*\n"
				     "cgroup = /system.slice/db.service\n"
				     "pod = kube-system/*\n"
				     "container_name = db-*\n"
				     "[cgroup \"/kubepods.slice/*\"]\n"
				     "enforce = yes\n"
				     "scope = process\n";

UNIT_TEST(test_every_key)
{
	struct protections builtin;

	protections_defaults(&builtin);
	ASSERT_EQ_INT(parse(every_key_text), 0);
	ASSERT_EQ_INT(cfg.interval_ms, 500);
	ASSERT_EQ_INT(cfg.classify.window_ms, 60000);
	ASSERT_EQ_INT(cfg.watch_ms, 100);
	ASSERT_EQ_INT(cfg.surge.trip_ms, 3000);
	/* keys the file does not set keep their defaults */
	ASSERT_TRUE(cfg.surge.min_rate == 100.0);
	ASSERT_EQ_INT(cfg.classify.breaches_to_enter, 15);
	ASSERT_TRUE(!cfg.policy.enforce);
	ASSERT_TRUE(fabs(cfg.policy.fill_threshold - 0.9) < 1e-12);
	ASSERT_EQ_INT(cfg.policy.horizon_s, 300);
	ASSERT_EQ_INT(cfg.policy.min_ports, 250);
	ASSERT_TRUE(!cfg.policy.quarantine);
	ASSERT_EQ_INT(cfg.policy.quarantine_s, 20);
	ASSERT_EQ_INT(cfg.policy.grace_s, 15);
	ASSERT_EQ_INT(cfg.policy.scope, SCOPE_CGROUP);
	ASSERT_EQ_INT(cfg.breakers.cooldown_s, 0);
	ASSERT_EQ_INT(cfg.breakers.max_actions_per_min, 7);
	ASSERT_EQ_INT(cfg.breakers.disarm_workloads, 9);
	ASSERT_EQ_INT(cfg.breakers.disarm_window_s, 120);
	ASSERT_EQ_INT(cfg.breakers.crashloop_max, 4);
	ASSERT_EQ_INT(cfg.breakers.crashloop_window_s, 3600);
	/* protections are added to the built-in ones */
	ASSERT_EQ_INT(cfg.protect.nr_comm, builtin.nr_comm + 1);
	ASSERT_EQ_STR(cfg.protect.comm[builtin.nr_comm], "mydb*");
	ASSERT_EQ_STR(cfg.protect.exe[0], builtin.exe[0]);
	ASSERT_EQ_INT(cfg.protect.nr_exe, builtin.nr_exe + 1);
	ASSERT_TRUE(has(cfg.protect.exe, cfg.protect.nr_exe, "/opt/db/bin/*"));
	ASSERT_TRUE(has(cfg.protect.exe, cfg.protect.nr_exe, "/usr/sbin/sshd"));
	ASSERT_EQ_INT(cfg.protect.nr_cgroup, builtin.nr_cgroup + 1);
	ASSERT_TRUE(has(cfg.protect.cgroup, cfg.protect.nr_cgroup, "/system.slice/db.service"));
	/* none built in: pod rules are the site's */
	ASSERT_EQ_INT(builtin.nr_pod + builtin.nr_container_name, 0);
	ASSERT_EQ_INT(cfg.protect.nr_pod, 1);
	ASSERT_EQ_STR(cfg.protect.pod[0], "kube-system/*");
	ASSERT_EQ_INT(cfg.protect.nr_container_name, 1);
	ASSERT_EQ_STR(cfg.protect.container_name[0], "db-*");
	ASSERT_EQ_INT(cfg.nr_overrides, 1);
	ASSERT_EQ_STR(cfg.overrides[0].pattern, "/kubepods.slice/*");
	ASSERT_TRUE(cfg.overrides[0].params.enforce);
	ASSERT_EQ_INT(cfg.overrides[0].params.scope, SCOPE_PROCESS);
	ASSERT_EQ_INT(cfg.overrides[0].params.min_ports, 250); /* from [policy] */
}

UNIT_TEST(test_comments_and_whitespace)
{
	static const char text[] = "# portwarden.conf\r\n"
				   "\n"
				   "  [ policy ]   # trailing comment on a section\r\n"
				   "\tmin_ports\t=\t300   # and on a value\n"
				   "grace=7s#no space needed\n"
				   "   # an indented comment\n"
				   "\n"
				   "[cgroup \"/odd#name/*\"]  # '#' inside quotes is the glob's\n"
				   "min_ports = 5\n"
				   "[breakers]\n"
				   "cooldown = 45s"; /* no final newline */

	ASSERT_EQ_INT(parse(text), 0);
	ASSERT_EQ_INT(cfg.policy.min_ports, 300);
	ASSERT_EQ_INT(cfg.policy.grace_s, 7);
	ASSERT_EQ_INT(cfg.nr_overrides, 1);
	ASSERT_EQ_STR(cfg.overrides[0].pattern, "/odd#name/*");
	ASSERT_EQ_INT(cfg.overrides[0].params.min_ports, 5);
	ASSERT_EQ_INT(cfg.breakers.cooldown_s, 45);
}

UNIT_TEST(test_fractions)
{
	static const struct {
		const char *val;
		double expect; /* 0: refused */
	} rows[] = {
		{"80%", 0.8},	 {"0.8", 0.8}, {"1", 1.0}, {"100%", 1.0}, {".5", 0.5},
		{"0.5%", 0.005}, {"0", 0},     {"0%", 0},  {"101%", 0},	  {"1.2", 0},
		{"abc", 0},	 {"nan", 0},   {"inf", 0}, {"-0.5", 0},	  {"80 %", 0},
		{"0x1p-1", 0},	 {"8e-1", 0},  {"%", 0},   {"80%%", 0},	  {"0.8.1", 0},
		{".", 0},	 {"", 0},
	};

	char huge[520];

	memset(huge, '9', 400); /* strtod overflows to HUGE_VAL */
	strcpy(huge + 400, "%");
	ASSERT_EQ_INT(parse_policy("fill_threshold", huge), -EINVAL);
	memcpy(huge, "0.", 2); /* underflows: refused, not read as a tiny fraction */
	memset(huge + 2, '0', 400);
	strcpy(huge + 402, "1");
	ASSERT_EQ_INT(parse_policy("fill_threshold", huge), -EINVAL);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(rows[i].val);
		if (rows[i].expect == 0) {
			ASSERT_EQ_INT(parse_policy("fill_threshold", rows[i].val), -EINVAL);
			ASSERT_TRUE(strstr(err, "test.conf:2: fill_threshold: expected") == err);
			continue;
		}
		ASSERT_EQ_INT(parse_policy("fill_threshold", rows[i].val), 0);
		ASSERT_TRUE(fabs(cfg.policy.fill_threshold - rows[i].expect) < 1e-12);
	}
}

/* grace: a whole-second duration from 1 s to 1 h. */
UNIT_TEST(test_durations)
{
	static const struct {
		const char *val;
		long long expect; /* seconds; -1: refused */
	} rows[] = {
		{"10s", 10},
		{"10", 10},
		{"2m", 120},
		{"1h", 3600},
		{"5000ms", 5},
		{"1s", 1},
		{"60m", 3600},
		{"0s", -1},
		{"0", -1},
		{"1500ms", -1},
		{"61m", -1},
		{"2h", -1},
		{"10x", -1},
		{"-1", -1},
		{"+1", -1},
		{"1.5s", -1},
		{"10 s", -1},
		{"10S", -1},
		{"s", -1},
		{"", -1},
		{"0x10", -1},
		{"99999999999999999999", -1},
		{"18446744073709551615h", -1},
		{"138991092499825441h", -1}, /* wraps to 16 s if unchecked */
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(rows[i].val);
		if (rows[i].expect < 0) {
			ASSERT_EQ_INT(parse_policy("grace", rows[i].val), -EINVAL);
			ASSERT_TRUE(strstr(err, "grace: expected a whole-second duration from 1s "
						"to 1h") != NULL);
			continue;
		}
		ASSERT_EQ_INT(parse_policy("grace", rows[i].val), 0);
		ASSERT_EQ_INT(cfg.policy.grace_s, rows[i].expect);
	}
}

/* interval: milliseconds from 100 ms to 60 s. */
UNIT_TEST(test_interval)
{
	static const struct {
		const char *val;
		long long expect; /* ms; -1: refused */
	} rows[] = {
		{"100ms", 100}, {"250ms", 250}, {"1", 1000}, {"2s", 2000}, {"1m", 60000},
		{"99ms", -1},	{"61s", -1},	{"0", -1},   {"1.5", -1},
	};
	char text[128];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(rows[i].val);
		/* a long window, so only the interval's own range matters */
		snprintf(text, sizeof(text), "[daemon]\nwindow = 10m\ninterval = %s\n",
			 rows[i].val);
		if (rows[i].expect < 0) {
			ASSERT_EQ_INT(parse(text), -EINVAL);
			ASSERT_TRUE(strstr(err, "test.conf:3: interval: expected a duration from "
						"100ms to 1m") == err);
			continue;
		}
		ASSERT_EQ_INT(parse(text), 0);
		ASSERT_EQ_INT(cfg.interval_ms, rows[i].expect);
	}
}

/* watch = 0 turns the fast-leak trigger off. */
UNIT_TEST(test_watch_off)
{
	ASSERT_EQ_INT(parse("[daemon]\nwatch = 0\n"), 0);
	ASSERT_EQ_INT(cfg.watch_ms, 0);
	ASSERT_EQ_INT(parse("[daemon]\nwatch = 50ms\n"), 0);
	ASSERT_EQ_INT(cfg.watch_ms, 50);
}

UNIT_TEST(test_booleans)
{
	static const struct {
		const char *val;
		int expect; /* -1: refused */
	} rows[] = {
		{"yes", 1}, {"no", 0},	{"true", 1}, {"false", 0}, {"on", 1},	   {"off", 0},
		{"YES", 1}, {"Off", 0}, {"1", -1},   {"y", -1},	   {"enable", -1}, {"", -1},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(rows[i].val);
		if (rows[i].expect < 0) {
			ASSERT_EQ_INT(parse_policy("quarantine", rows[i].val), -EINVAL);
			ASSERT_TRUE(strstr(err, "quarantine: expected yes, no, true, false, on or "
						"off") != NULL);
			continue;
		}
		ASSERT_EQ_INT(parse_policy("enforce", rows[i].val), 0);
		ASSERT_EQ_INT(cfg.policy.enforce, rows[i].expect);
		ASSERT_EQ_INT(parse_policy("quarantine", rows[i].val), 0);
		ASSERT_EQ_INT(cfg.policy.quarantine, rows[i].expect);
	}
}

UNIT_TEST(test_integers_and_scope)
{
	static const struct {
		const char *key, *val;
		long long expect; /* -1: refused */
	} rows[] = {
		{"min_ports", "1", 1},
		{"min_ports", "10000000", 10000000},
		{"min_ports", "0", -1},
		{"min_ports", "10000001", -1},
		{"min_ports", "+5", -1},
		{"min_ports", "-1", -1},
		{"min_ports", "5.0", -1},
		{"min_ports", "0x10", -1},
		{"min_ports", "1 000", -1},
		{"scope", "auto", SCOPE_AUTO},
		{"scope", "process", SCOPE_PROCESS},
		{"scope", "cgroup", SCOPE_CGROUP},
		{"scope", "pid", -1},
		{"scope", "Cgroup", -1},
		{"reclaim", "close-wait", RECLAIM_CLOSE_WAIT},
		{"reclaim", "no", RECLAIM_NO},
		{"reclaim", "idle", RECLAIM_IDLE},
		{"reclaim", "yes", -1},
		{"reclaim", "idle:10m", -1},
		{"reclaim_idle", "2s", 2},
		{"reclaim_idle", "10m", 600},
		{"reclaim_idle", "24h", 86400},
		{"reclaim_idle", "0", -1},
		{"reclaim_idle", "500ms", -1},
		{"reclaim_idle", "1500ms", -1},
		{"reclaim_idle", "25h", -1},
		{"reclaim_idle", "-1s", -1},
		{"reclaim_idle", "10 m", -1},
		{"horizon", "0", 0},
		{"horizon", "24h", 86400},
		{"horizon", "25h", -1},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char name[64];
		long long got;

		snprintf(name, sizeof(name), "%s = %s", rows[i].key, rows[i].val);
		UNIT_ROW(name);
		if (rows[i].expect < 0) {
			ASSERT_EQ_INT(parse_policy(rows[i].key, rows[i].val), -EINVAL);
			ASSERT_TRUE(strstr(err, rows[i].key) != NULL);
			continue;
		}
		ASSERT_EQ_INT(parse_policy(rows[i].key, rows[i].val), 0);
		got = !strcmp(rows[i].key, "scope")	? (long long)cfg.policy.scope
		      : !strcmp(rows[i].key, "reclaim") ? (long long)cfg.policy.reclaim
		      : !strcmp(rows[i].key, "reclaim_idle") ? (long long)cfg.policy.reclaim_idle_s
		      : !strcmp(rows[i].key, "horizon") ? (long long)cfg.policy.horizon_s
							: (long long)cfg.policy.min_ports;
		ASSERT_EQ_INT(got, rows[i].expect);
	}
}

/* reclaim_idle: whole seconds from 1 s to a day, said so when refused; the
 * default is 10 minutes. */
UNIT_TEST(test_reclaim_idle_message)
{
	struct daemon_config d;

	config_defaults(&d);
	ASSERT_EQ_INT(d.policy.reclaim_idle_s, 600);
	ASSERT_EQ_INT(parse_policy("reclaim_idle", "500ms"), -EINVAL);
	ASSERT_TRUE(strstr(err, ":2: reclaim_idle: expected a whole-second duration from 1s to 24h "
				"(suffix ms, s, m or h), got '500ms'") != NULL);
	ASSERT_EQ_INT(parse_policy("reclaim", "idle:10m"), -EINVAL);
	ASSERT_TRUE(strstr(err, "reclaim: expected close-wait, idle or no, got 'idle:10m'") != NULL);
}

/* The breakers' ranges: a limit the ring of BREAKER_RING cannot hold is refused. */
UNIT_TEST(test_breaker_ranges)
{
	static const struct {
		const char *line;
		bool ok;
	} rows[] = {
		{"max_actions_per_minute = 0", false},
		{"max_actions_per_minute = 1000", true},
		{"max_actions_per_minute = 1001", false},
		{"disarm_workloads = 63", true},
		{"disarm_workloads = 64", false},
		{"disarm_workloads = 0", false},
		{"crashloop_max = 63", true},
		{"crashloop_max = 64", false},
		{"crashloop_window = 7d", false},
		{"crashloop_window = 168h", true},
		{"crashloop_window = 169h", false},
		{"disarm_window = 0", false},
		{"cooldown = 0", true},
		{"cooldown = 1500ms", false},
	};
	char text[128];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(rows[i].line);
		snprintf(text, sizeof(text), "[breakers]\n%s\n", rows[i].line);
		ASSERT_EQ_INT(parse(text), rows[i].ok ? 0 : -EINVAL);
		if (!rows[i].ok)
			ASSERT_TRUE(strstr(err, "test.conf:2: ") == err);
	}
}

/* Every error: the exact line, and a reason naming the key and what it expects. */
static const struct {
	const char *name, *text;
	unsigned int line;
	const char *reason;
} error_rows[] = {
	{"unknown section", "# c\n[polcy]\n", 2, "unknown section [polcy]"},
	{"unknown key", "[policy]\n\nfill = 80%\n", 3, "unknown key 'fill' in [policy]"},
	{"daemon key in policy", "[policy]\ninterval = 1s\n", 2,
	 "unknown key 'interval' in [policy]"},
	{"key before section", "# c\nmin_ports = 5\n", 2, "key 'min_ports' before any"},
	{"missing =", "[policy]\nmin_ports 5\n", 2, "expected 'key = value' or '[section]'"},
	{"missing key", "[policy]\n = 5\n", 2, "missing key before '='"},
	{"unterminated section", "[policy\n", 1, "does not end with ']'"},
	{"cgroup without glob", "[cgroup]\n", 1, "expected [cgroup \"GLOB\"]"},
	{"cgroup unquoted", "[cgroup /a]\n", 1, "expected [cgroup \"GLOB\"]"},
	{"cgroup trailing", "[cgroup \"/a\" x]\n", 1, "expected [cgroup \"GLOB\"]"},
	{"cgroup empty glob", "[cgroup \"\"]\n", 1, "the glob is empty"},
	{"cgroup twice", "[cgroup \"/a\"]\n[policy]\n[cgroup \"/a\"]\n", 3,
	 "[cgroup \"/a\"] is already defined on line 1"},
	{"key twice", "[policy]\ngrace = 1s\ngrace = 2s\n", 3, "grace is already set on line 2"},
	{"key twice, two sections", "[policy]\ngrace = 1s\n[daemon]\n[policy]\ngrace = 2s\n", 5,
	 "grace is already set on line 2"},
	{"key twice in override", "[cgroup \"/a\"]\nscope = auto\nscope = cgroup\n", 3,
	 "scope is already set on line 2"},
	{"bad value in override", "[cgroup \"/a\"]\nmin_ports = lots\n", 2,
	 "min_ports: expected an integer from 1 to 10000000, got 'lots'"},
	{"unknown key in override", "[cgroup \"/a\"]\ncooldown = 1s\n", 2,
	 "unknown key 'cooldown' in [cgroup]"},
	{"pod without glob", "[pod]\n", 1, "expected [pod \"GLOB\"], e.g. [pod \"kube-system/*\"]"},
	{"pod without namespace", "[pod \"coredns-*\"]\n", 1,
	 "[pod \"coredns-*\"]: expected NAMESPACE/POD (globs allowed, e.g. kube-system/*)"},
	{"pod twice", "[pod \"a/b\"]\n[container \"a/b\"]\n[pod \"a/b\"]\n", 3,
	 "[pod \"a/b\"] is already defined on line 1"},
	{"pod glob too long",
	 "[pod \"ns/"
	 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
	 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
	 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
	 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp\"]\n",
	 1, "[pod]: glob longer than 317 characters"},
	{"unknown key in pod", "[pod \"a/*\"]\ncomm = x\n", 2, "unknown key 'comm' in [pod]"},
	{"container empty glob", "[container \"\"]\n", 1, "[container \"\"]: the glob is empty"},
	{"container trailing", "[container \"db\" x]\n", 1,
	 "expected [container \"GLOB\"], e.g. [container \"db-*\"]"},
	{"key twice in container", "[container \"db\"]\ngrace = 1s\ngrace = 1s\n", 3,
	 "grace is already set on line 2"},
	{"bad scope", "[policy]\nscope = all\n", 2,
	 "scope: expected auto, process or cgroup, got 'all'"},
	{"bad fraction", "[policy]\nfill_threshold = 150%\n", 2,
	 "fill_threshold: expected a fraction in (0, 1]"},
	{"empty value", "[breakers]\ncooldown =\n", 2,
	 "cooldown: expected a whole-second duration from 0s to 24h"},
	{"protect unknown key", "[protect]\nuid = 0\n", 2,
	 "unknown key 'uid' in [protect] (expected comm, exe, cgroup, pod or container_name)"},
	{"protect empty", "[protect]\ncomm =\n", 2, "comm: expected a glob, got nothing"},
	{"protect pod empty", "[protect]\npod =\n", 2, "pod: expected a glob, got nothing"},
	{"protect pod without namespace", "[protect]\npod = coredns-*\n", 2,
	 "pod: expected NAMESPACE/POD (globs allowed, e.g. kube-system/*), got 'coredns-*'"},
	{"protect pod too long", "[protect]\npod = ns/" L64 L64 L64 L64 L64 "\n", 2,
	 "pod: glob longer than 317 characters"},
	{"protect container_name too long", "[protect]\ncontainer_name = " L64 L64 L64 L64 "\n",
	 2, "container_name: glob longer than 253 characters"},
	{"protect comm too long",
	 "[protect]\ncomm = "
	 "0123456789012345678901234567890123456789012345678901234"
	 "567890123\n",
	 2, "comm: glob longer than 63 characters"},
	{"window < 4 x interval", "[daemon]\ninterval = 10s\n", 2,
	 "window (30s) must be at least 4 x interval (10s)"},
	{"window < 4 x interval, window later", "[daemon]\ninterval = 2s\n\nwindow = 7s\n", 4,
	 "window (7s) must be at least 4 x interval (2s)"},
	{"window < 4 x interval, interval later", "[daemon]\nwindow = 7s\ninterval = 2s\n#\n", 3,
	 "window (7s)"},
	{"window too long", "[daemon]\nwindow = 11m\n", 2,
	 "window: expected a duration from 1s to 10m"},
	{"watch too often", "[daemon]\n\nwatch = 10ms\n", 3,
	 "watch: expected 0 (off) or a duration from 50ms to 1m, got 10ms"},
	{"watch too rare", "[daemon]\nwatch = 2m\n", 2, "watch: expected a duration from 0s to 1m"},
	{"surge_time too short", "[daemon]\nsurge_time = 100ms\n", 2,
	 "surge_time: expected a duration from 500ms to 1m"},
};

UNIT_TEST(test_errors)
{
	for (size_t i = 0; i < sizeof(error_rows) / sizeof(error_rows[0]); i++) {
		char prefix[32];

		UNIT_ROW(error_rows[i].name);
		ASSERT_EQ_INT(parse(error_rows[i].text), -EINVAL);
		snprintf(prefix, sizeof(prefix), "test.conf:%u: ", error_rows[i].line);
		if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, error_rows[i].reason))
			ASSERT_EQ_STR(err, error_rows[i].reason);
	}
}

/* Globs longer than their field: refused, never cut (a cut glob matches more). */
UNIT_TEST(test_long_globs)
{
	static const struct {
		const char *before, *after, *reason;
		size_t len;
	} rows[] = {
		/* comm's limit is the kernel's: 15 bytes */
		{"[protect]\ncomm = ", "\n",
		 "test.conf:2: comm: 'gggggggggggggggg' is longer than 15 bytes, the most a process "
		 "name holds",
		 16},
		{"[protect]\nexe = /", "\n", "test.conf:2: exe: glob longer than 255 characters",
		 255},
		{"[protect]\ncgroup = /", "\n",
		 "test.conf:2: cgroup: glob longer than 255 characters", 255},
		{"[cgroup \"/", "\"]\n", "test.conf:1: [cgroup]: glob longer than 255 characters",
		 255},
	};
	char glob[300], text[400];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(rows[i].reason);
		/* one character less fits */
		memset(glob, 'g', rows[i].len - 1);
		glob[rows[i].len - 1] = '\0';
		snprintf(text, sizeof(text), "%s%s%s", rows[i].before, glob, rows[i].after);
		ASSERT_EQ_INT(parse(text), 0);
		strcat(glob, "g");
		snprintf(text, sizeof(text), "%s%s%s", rows[i].before, glob, rows[i].after);
		ASSERT_EQ_INT(parse(text), -EINVAL);
		ASSERT_EQ_STR(err, rows[i].reason);
	}
}

/* One whole message, to pin the format. */
UNIT_TEST(test_error_format)
{
	ASSERT_EQ_INT(parse("[policy]\n# why\ngrace = soon\n"), -EINVAL);
	ASSERT_EQ_STR(err, "test.conf:3: grace: expected a whole-second duration from 1s to 1h "
			   "(suffix ms, s, m or h), got 'soon'");
	/* no buffer: still refused, nothing written */
	ASSERT_EQ_INT(config_parse("[nope]\n", "x", &cfg, NULL, 0), -EINVAL);
	/* a short buffer is cut, and terminated */
	ASSERT_EQ_INT(config_parse("[nope]\n", "x", &cfg, err, 6), -EINVAL);
	ASSERT_EQ_STR(err, "x:1: ");
}

/* True when @s holds only printable ASCII: nothing a terminal would act on. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* Messages quote the file's bytes: escape sequences in them come out as \xNN. */
UNIT_TEST(test_error_escapes_file_bytes)
{
	static const struct {
		const char *text, *want;
	} rows[] = {
		{"[policy]\n\x1b[2Jkey = 1\n",
		 "test.conf:2: unknown key '\\x1b[2Jkey' in [policy]"},
		{"[policy]\ngrace = \xc2\x9b"
		 "31m\n",
		 "test.conf:2: grace: expected a whole-second duration from 1s to 1h "
		 "(suffix ms, s, m or h), got '\\xc2\\x9b31m'"},
		{"[\x1b]0;title\x07]\n",
		 "test.conf:1: unknown section [\\x1b]0;title\\x07] (expected "
		 "daemon, policy, breakers, protect, cgroup \"GLOB\", pod \"NS/POD\" or "
		 "container \"GLOB\")"},
		{"[protect]\n\xe2\x80\xae = x\n",
		 "test.conf:2: unknown key '\\xe2\\x80\\xae' in [protect] "
		 "(expected comm, exe, cgroup, pod or container_name)"},
		{"[protect]\ncomm = \x1b[31mlonger-than-15\n",
		 "test.conf:2: comm: '\\x1b[31mlonger-than-15' is longer than 15 bytes, the most a "
		 "process name holds"},
		{"[cgroup \"/a\x1b\"]\n[cgroup \"/a\x1b\"]\n",
		 "test.conf:2: [cgroup \"/a\\x1b\"] is already defined on line 1"},
		{"[\x1b[2J\n", "test.conf:1: section header '[\\x1b[2J' does not end with ']'"},
		{"\x9b"
		 "2J\n",
		 "test.conf:1: expected 'key = value' or '[section]', got '\\x9b2J'"},
		{"\rgrace = 1\n", "test.conf:1: key 'grace' before any [section]"},
		{"[daemon]\n\x7f = 1\n", "test.conf:2: unknown key '\\x7f' in [daemon]"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(rows[i].want);
		ASSERT_EQ_INT(parse(rows[i].text), -EINVAL);
		ASSERT_EQ_STR(err, rows[i].want);
		ASSERT_TRUE(printable(err));
	}
	/* the file name too, and a short buffer never cuts an escape in half */
	ASSERT_EQ_INT(config_parse("[nope]\n", "a\x1b", &cfg, err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(strncmp(err, "a\\x1b:1: unknown section [nope]", 31) == 0);
	ASSERT_EQ_INT(config_parse("[\x1b]\n", "x", &cfg, err, 11), -EINVAL);
	ASSERT_EQ_STR(err, "x:1: unkno");
	ASSERT_EQ_INT(config_parse("k\x1b=1\n", "x", &cfg, err, 15), -EINVAL);
	ASSERT_EQ_STR(err, "x:1: key 'k");
}

UNIT_TEST(test_long_lines)
{
	static char text[2100];
	size_t n;

	/* exactly 1024 characters: a comment line, accepted */
	n = (size_t)snprintf(text, sizeof(text), "[policy]\n");
	memset(text + n, '#', 1024);
	strcpy(text + n + 1024, "\nmin_ports = 7\n");
	ASSERT_EQ_INT(parse(text), 0);
	ASSERT_EQ_INT(cfg.policy.min_ports, 7);
	/* 1025: refused, at its line */
	memset(text + n, '#', 1025);
	strcpy(text + n + 1025, "\nmin_ports = 7\n");
	ASSERT_EQ_INT(parse(text), -EINVAL);
	ASSERT_EQ_STR(err, "test.conf:2: line longer than 1024 characters");
}

UNIT_TEST(test_too_many)
{
	static char text[8192];
	struct protections builtin;
	size_t n = 0, room;
	int i;

	/* protections: the built-in ones count towards PROTECT_MAX */
	protections_defaults(&builtin);
	room = PROTECT_MAX - builtin.nr_comm;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "[protect]\n");
	for (i = 0; i < (int)room; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "comm = p%d\n", i);
	ASSERT_EQ_INT(parse(text), 0);
	ASSERT_EQ_INT(cfg.protect.nr_comm, PROTECT_MAX);
	snprintf(text + n, sizeof(text) - n, "comm = one-too-many\n");
	ASSERT_EQ_INT(parse(text), -EINVAL);
	snprintf(text, sizeof(text), "test.conf:%d: comm: too many protections (max %d",
		 (int)room + 2, PROTECT_MAX);
	ASSERT_TRUE(strstr(err, text) == err);
	/* overrides */
	n = 0;
	for (i = 0; i < CONFIG_OVERRIDES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[cgroup \"/c%d\"]\ngrace = 2s\n",
				      i);
	ASSERT_EQ_INT(parse(text), 0);
	ASSERT_EQ_INT(cfg.nr_overrides, CONFIG_OVERRIDES_MAX);
	snprintf(text + n, sizeof(text) - n, "[cgroup \"/more\"]\n");
	ASSERT_EQ_INT(parse(text), -EINVAL);
	snprintf(text, sizeof(text), "test.conf:%d: too many [cgroup], [pod] and [container] sections (max %d)",
		 2 * CONFIG_OVERRIDES_MAX + 1, CONFIG_OVERRIDES_MAX);
	ASSERT_EQ_STR(err, text);
}

/* Overrides start from the final [policy] wherever it is, change only their own
 * keys, and the first matching glob wins. */
UNIT_TEST(test_overrides)
{
	static const char text[] = "[cgroup \"/kubepods.slice/*\"]\n"
				   "enforce = no\n"
				   "[cgroup \"/kubepods.slice/critical/*\"]\n" /* shadowed */
				   "min_ports = 1\n"
				   "[cgroup \"/batch.slice/*\"]\n"
				   "fill_threshold = 95%\n"
				   "grace = 30s\n"
				   "[policy]\n" /* after the overrides: they still inherit it */
				   "fill_threshold = 70%\n"
				   "min_ports = 500\n"
				   "quarantine = no\n";
	const struct policy_params *p;

	ASSERT_EQ_INT(parse(text), 0);
	ASSERT_EQ_INT(cfg.nr_overrides, 3);
	UNIT_ROW("default policy");
	p = config_policy_for(&cfg, "/system.slice/x.service");
	ASSERT_TRUE(p == &cfg.policy);
	ASSERT_TRUE(p->enforce);
	ASSERT_TRUE(fabs(p->fill_threshold - 0.7) < 1e-12);
	ASSERT_EQ_INT(p->grace_s, 10);
	ASSERT_TRUE(config_policy_for(&cfg, NULL) == &cfg.policy);
	ASSERT_TRUE(config_policy_for(&cfg, "/") == &cfg.policy);
	UNIT_ROW("enforce override");
	p = config_policy_for(&cfg, "/kubepods.slice/pod1/ctr");
	ASSERT_TRUE(p == &cfg.overrides[0].params);
	ASSERT_TRUE(!p->enforce);
	ASSERT_TRUE(fabs(p->fill_threshold - 0.7) < 1e-12); /* from the later [policy] */
	ASSERT_EQ_INT(p->min_ports, 500);
	ASSERT_TRUE(!p->quarantine);
	UNIT_ROW("first match wins");
	p = config_policy_for(&cfg, "/kubepods.slice/critical/db");
	ASSERT_TRUE(p == &cfg.overrides[0].params);
	ASSERT_EQ_INT(p->min_ports, 500);
	UNIT_ROW("two keys");
	p = config_policy_for(&cfg, "/batch.slice/job-7.scope");
	ASSERT_TRUE(p == &cfg.overrides[2].params);
	ASSERT_TRUE(p->enforce);
	ASSERT_TRUE(fabs(p->fill_threshold - 0.95) < 1e-12);
	ASSERT_EQ_INT(p->grace_s, 30);
	ASSERT_EQ_INT(p->min_ports, 500);
	ASSERT_EQ_INT(p->quarantine_s, 10);
	UNIT_ROW("glob does not match the parent");
	ASSERT_TRUE(config_policy_for(&cfg, "/batch.slice") == &cfg.policy);
}

static const struct policy_params *select_for(const char *cgroup, const char *ns,
					      const char *pod, const char *container, bool unknown,
					      const struct cgroup_override **untold)
{
	static struct container_names n;
	struct policy_subject s = {.cgroup = cgroup, .names = &n, .names_unknown = unknown};

	memset(&n, 0, sizeof(n));
	snprintf(n.pod_namespace, sizeof(n.pod_namespace), "%s", ns);
	snprintf(n.pod, sizeof(n.pod), "%s", pod);
	snprintf(n.container, sizeof(n.container), "%s", container);
	return config_policy_select(&cfg, &s, untold);
}

/* [pod "NS/POD"] and [container "GLOB"] select by the runtime's names, each
 * part of a pod glob on its own; the first section in the file that matches
 * wins, whatever its kind; they inherit the final [policy] like [cgroup]. */
UNIT_TEST(test_overrides_by_names)
{
	static const char text[] = "[pod \"kube-system/dns-*\"]\n"
				   "min_ports = 7\n"
				   "[cgroup \"/kubepods.slice/*\"]\n"
				   "min_ports = 8\n"
				   "[pod \"kube-system/*\"]\n" /* after the cgroup: shadowed there */
				   "enforce = no\n"
				   "[pod \"*/batch-*\"]\n"
				   "grace = 30s\n"
				   "[container \"db-*\"]\n"
				   "quarantine = no\n"
				   "[policy]\n"
				   "min_ports = 500\n";
	const struct cgroup_override *untold;
	const struct policy_params *p;

	ASSERT_EQ_INT(parse(text), 0);
	ASSERT_EQ_INT(cfg.nr_overrides, 5);
	ASSERT_EQ_INT(cfg.overrides[0].kind, OVERRIDE_POD);
	ASSERT_EQ_INT(cfg.overrides[4].kind, OVERRIDE_CONTAINER);
	ASSERT_EQ_INT(cfg.overrides[4].line, 9);
	UNIT_ROW("a pod section before a cgroup one wins");
	p = select_for("/kubepods.slice/x", "kube-system", "dns-1", "coredns", false, &untold);
	ASSERT_TRUE(p == &cfg.overrides[0].params && !untold);
	ASSERT_EQ_INT(p->min_ports, 7);
	UNIT_ROW("a cgroup section before a pod one wins");
	p = select_for("/kubepods.slice/x", "kube-system", "proxy-1", "kube-proxy", false, &untold);
	ASSERT_TRUE(p == &cfg.overrides[1].params);
	UNIT_ROW("a namespace: NS/*");
	p = select_for("/other/x", "kube-system", "proxy-1", "kube-proxy", false, &untold);
	ASSERT_TRUE(p == &cfg.overrides[2].params);
	ASSERT_TRUE(!p->enforce);
	ASSERT_EQ_INT(p->min_ports, 500); /* the final [policy] */
	UNIT_ROW("a star stays in its part");
	p = select_for("/other/x", "kube-system-2", "proxy-1", "c", false, &untold);
	ASSERT_TRUE(p == &cfg.policy);
	p = select_for("/other/x", "kube-system", "a/b", "c", false, &untold);
	ASSERT_TRUE(p == &cfg.policy); /* never a real pod name; '/' is no part of a glob's star */
	UNIT_ROW("any namespace: */POD");
	p = select_for("/other/x", "team-a", "batch-9", "c", false, &untold);
	ASSERT_TRUE(p == &cfg.overrides[3].params);
	ASSERT_EQ_INT(p->grace_s, 30);
	UNIT_ROW("a container name, podman's: no pod");
	p = select_for("/machine.slice/libpod-x.scope", "", "", "db-main", false, &untold);
	ASSERT_TRUE(p == &cfg.overrides[4].params && !p->quarantine);
	UNIT_ROW("no names: no names section matches");
	p = select_for("/system.slice/a.service", "", "", "", false, &untold);
	ASSERT_TRUE(p == &cfg.policy && !untold);
	ASSERT_TRUE(config_policy_for(&cfg, "/kubepods.slice/x") == &cfg.overrides[1].params);
	ASSERT_TRUE(config_policy_for(&cfg, NULL) == &cfg.policy);
	UNIT_ROW("a pod with the namespace's name only is not the namespace");
	p = select_for("/other/x", "", "kube-system", "c", false, &untold);
	ASSERT_TRUE(p == &cfg.policy);
}

/* Names unknown: a names section met before any match cannot tell; the
 * search goes on (a later cgroup section still applies) and the section
 * is named, so that the caller holds off; a cgroup match before it settles. */
UNIT_TEST(test_overrides_names_unknown)
{
	static const char text[] = "[cgroup \"/app.slice/*\"]\n"
				   "grace = 20s\n"
				   "[pod \"kube-system/*\"]\n"
				   "enforce = no\n"
				   "[container \"db\"]\n"
				   "enforce = no\n"
				   "[cgroup \"/kubepods.slice/*\"]\n"
				   "min_ports = 9\n";
	const struct cgroup_override *untold;
	const struct policy_params *p;

	ASSERT_EQ_INT(parse(text), 0);
	UNIT_ROW("a cgroup match first: told");
	p = select_for("/app.slice/x", "", "", "", true, &untold);
	ASSERT_TRUE(p == &cfg.overrides[0].params && !untold);
	UNIT_ROW("a pod section first: untold, the first such one");
	p = select_for("/kubepods.slice/x", "", "", "", true, &untold);
	ASSERT_TRUE(p == &cfg.overrides[3].params);
	ASSERT_TRUE(untold == &cfg.overrides[1]);
	UNIT_ROW("names known: matched");
	p = select_for("/kubepods.slice/x", "kube-system", "p", "c", false, &untold);
	ASSERT_TRUE(p == &cfg.overrides[1].params && !untold);
	ASSERT_TRUE(!p->enforce);
}

/* Under an untold section an action becomes an alert naming the section;
 * an alert, nothing or a release stays as it is. */
UNIT_TEST(test_config_hold_off)
{
	struct cgroup_override o = {.kind = OVERRIDE_POD, .pattern = "kube-system/*", .line = 4};
	static const enum action acts[] = {ACTION_QUARANTINE, ACTION_TERM, ACTION_KILL};
	static const enum action stays[] = {ACTION_NONE, ACTION_ALERT, ACTION_RELEASE};
	struct decision d;

	for (size_t i = 0; i < 3; i++) {
		memset(&d, 0, sizeof(d));
		d.action = acts[i];
		ASSERT_TRUE(!config_hold_off(NULL, &d));
		ASSERT_EQ_INT(d.action, acts[i]);
		ASSERT_TRUE(config_hold_off(&o, &d));
		ASSERT_EQ_INT(d.action, ACTION_ALERT);
		ASSERT_EQ_STR(d.reason, "names unknown");
		ASSERT_EQ_STR(d.detail, "container names unreadable: [pod \"kube-system/*\"] (line 4) "
					"cannot tell, held off");
		memset(&d, 0, sizeof(d));
		d.action = stays[i];
		ASSERT_TRUE(!config_hold_off(&o, &d));
		ASSERT_EQ_INT(d.action, stays[i]);
	}
}

/* enforce = no in [policy] and yes in an override: opt-in per workload. */
UNIT_TEST(test_opt_in)
{
	ASSERT_EQ_INT(parse("[policy]\nenforce = no\n[cgroup \"/app.slice/*\"]\nenforce = yes\n"),
		      0);
	ASSERT_TRUE(!config_policy_for(&cfg, "/system.slice/a.service")->enforce);
	ASSERT_TRUE(config_policy_for(&cfg, "/app.slice/b.service")->enforce);
}

static int write_temp(char *path, size_t len, const char *data, size_t n)
{
	int fd;

	snprintf(path, len, "/tmp/pw-test-config-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (write(fd, data, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	return 0;
}

UNIT_TEST(test_load)
{
	static const char good[] = "[policy]\nmin_ports = 42\n";
	static const char bad[] = "[policy]\n\nmin_ports = many\n";
	static const char binary[] = "[policy]\nmin_ports = 4\0\n2\n";
	char path[64], want[128];
	int ret;

	ASSERT_EQ_INT(write_temp(path, sizeof(path), good, sizeof(good) - 1), 0);
	ret = config_load(path, &cfg, err, sizeof(err));
	unlink(path);
	ASSERT_EQ_INT(ret, 0);
	ASSERT_EQ_INT(cfg.policy.min_ports, 42);

	ASSERT_EQ_INT(write_temp(path, sizeof(path), bad, sizeof(bad) - 1), 0);
	ret = config_load(path, &cfg, err, sizeof(err));
	unlink(path);
	ASSERT_EQ_INT(ret, -EINVAL);
	snprintf(want, sizeof(want), "%s:3: min_ports: expected", path);
	ASSERT_TRUE(strstr(err, want) == err);

	ASSERT_EQ_INT(write_temp(path, sizeof(path), binary, sizeof(binary) - 1), 0);
	ret = config_load(path, &cfg, err, sizeof(err));
	unlink(path);
	ASSERT_EQ_INT(ret, -EINVAL);
	snprintf(want, sizeof(want), "%s:2: NUL byte", path);
	ASSERT_TRUE(strstr(err, want) == err);

	ret = config_load("/nonexistent/portwarden.conf", &cfg, err, sizeof(err));
	ASSERT_EQ_INT(ret, -ENOENT);
	ASSERT_TRUE(strstr(err, "/nonexistent/portwarden.conf: cannot open: ") == err);
	ASSERT_EQ_INT(config_load("/tmp", &cfg, err, sizeof(err)), -ENOTREG_FILE);
	ASSERT_TRUE(strstr(err, "/tmp: cannot open: not a regular file") == err);
	ASSERT_EQ_INT(config_load("/nonexistent", &cfg, NULL, 0), -ENOENT);
}

static void hung(int sig)
{
	static const char msg[] = "FAIL: test_load_special_files: config_load blocked\n";

	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

/* A FIFO as the config (nobody writing) returns at once, refused; so do a
 * device and a directory. A symbolic link to a config is followed. */
UNIT_TEST(test_load_special_files)
{
	static const char good[] = "[policy]\nmin_ports = 43\n";
	char dir[] = "/tmp/pw-test-config.XXXXXX", fifo[64], link[64], path[64];
	int ret;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	ASSERT_EQ_INT(mkfifo(fifo, 0600), 0);
	signal(SIGALRM, hung);
	alarm(10);
	ret = config_load(fifo, &cfg, err, sizeof(err));
	alarm(0);
	unlink(fifo);
	ASSERT_EQ_INT(ret, -ENOTREG_FILE);
	ASSERT_TRUE(strstr(err, "cannot open: not a regular file") != NULL);
	ASSERT_EQ_INT(config_load("/dev/null", &cfg, err, sizeof(err)), -ENOTREG_FILE);

	ASSERT_EQ_INT(write_temp(path, sizeof(path), good, sizeof(good) - 1), 0);
	ASSERT_EQ_INT(symlink(path, link), 0);
	ret = config_load(link, &cfg, err, sizeof(err));
	unlink(link);
	unlink(path);
	rmdir(dir);
	ASSERT_EQ_INT(ret, 0);
	ASSERT_EQ_INT(cfg.policy.min_ports, 43);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_every_key);
	RUN(test_comments_and_whitespace);
	RUN(test_fractions);
	RUN(test_durations);
	RUN(test_interval);
	RUN(test_watch_off);
	RUN(test_booleans);
	RUN(test_integers_and_scope);
	RUN(test_reclaim_idle_message);
	RUN(test_breaker_ranges);
	RUN(test_errors);
	RUN(test_long_globs);
	RUN(test_error_format);
	RUN(test_error_escapes_file_bytes);
	RUN(test_long_lines);
	RUN(test_too_many);
	RUN(test_overrides);
	RUN(test_overrides_by_names);
	RUN(test_overrides_names_unknown);
	RUN(test_config_hold_off);
	RUN(test_opt_in);
	RUN(test_load);
	RUN(test_load_special_files);
	return UNIT_MAIN_END();
}
