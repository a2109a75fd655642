// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The probe command: load every part as `run` would, print the verdicts.
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "act/budget.h"
#include "act/quarantine.h"
#include "act/reclaim.h"
#include "cmd/preflight.h"
#include "cmd/probe.h"
#include "core/escape.h"
#include "core/log.h"
#include "host/cgroups.h"
#include "kernel/calibrate.h"
#include "kernel/collector.h"
#include "kernel/loader.h"
#include "views/json.h"

/* The tracer of `run` (accounting, mode auto), then its quarantine hook
 * and its port budget hooks, and the reclaim iterator; true if the tracer
 * loaded. */
static bool probe_tracer(void)
{
	struct tracer_config tc = {
		.mode = MODE_AUTO,
		.failed_only = true,
		.accounting = true,
	};
	struct cgroup_mounts mounts;
	struct quarantine q;
	struct budget_hooks b;
	struct reclaimer r;
	struct tracer t;

	if (cgroup_find_mounts(&mounts)) {
		calib_note("cgroup2", "missing", "no cgroup2 mount in /proc/self/mountinfo");
		return false;
	}
	tc.cgroup_dir = mounts.v2;
	if (tracer_open(&t, &tc)) {
		calib_note("event path", "refused", "no state hook loads: no events, no counters");
		return false;
	}
	tracer_close(&t);
	if (!quarantine_open(&q, mounts.v2))
		quarantine_close(&q);
	if (!budget_open(&b, mounts.v2))
		budget_close(&b);
	if (!reclaimer_open(&r))
		reclaimer_close(&r);
	return true;
}

/* The socket iterators (or what stands in for them); true if they loaded. */
static bool probe_collector(void)
{
	struct collector c;

	if (collector_open(&c, -1, true))
		return false;
	collector_close(&c);
	return true;
}

static void print_text(const char *release)
{
	const struct calib_verdict *v;
	char what[ESCAPE_TERMINAL_BUF_SIZE(sizeof(v->what))];

	printf("kernel %s\n%-16s %-8s %s\n", release, "PART", "VERDICT", "WHAT IT MEANS");
	for (size_t i = 0; (v = calib_verdict_at(i)); i++) {
		escape_terminal(what, sizeof(what), v->what, sizeof(v->what));
		printf("%-16s %-8s %s\n", what, v->verdict, v->detail);
	}
}

static int print_json(const char *release, bool usable)
{
	const struct calib_verdict *v;
	struct json_writer w;

	json_init(&w, stdout);
	json_object_begin(&w);
	json_field_int(&w, "version", 1);
	json_field_str(&w, "type", "probe");
	json_field_str(&w, "kernel", release);
	json_field_bool(&w, "usable", usable);
	json_key(&w, "parts");
	json_array_begin(&w);
	for (size_t i = 0; (v = calib_verdict_at(i)); i++) {
		json_object_begin(&w);
		json_field_strn(&w, "part", v->what, sizeof(v->what));
		json_field_strn(&w, "verdict", v->verdict, sizeof(v->verdict));
		json_field_strn(&w, "detail", v->detail, sizeof(v->detail));
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	return json_finish(&w);
}

int probe_run(const struct env *env)
{
	struct utsname u;
	bool usable;
	int status;

	log_init(env->verbose ? LOG_DEBUG : LOG_WARN);
	status = preflight_check();
	if (status)
		return status;
	if (uname(&u))
		strcpy(u.release, "?");
	/* the guard needs both: events and counters, and the socket inventory */
	usable = probe_tracer();
	usable = probe_collector() && usable;
	if (env->json)
		status = print_json(u.release, usable);
	else
		print_text(u.release);
	if (status || fflush(stdout) || ferror(stdout)) {
		pr_warn("cannot write the probe's output\n");
		return EXIT_RUNTIME;
	}
	return usable ? 0 : EXIT_RUNTIME;
}
