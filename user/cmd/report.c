// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The report command: run the monitor for a duration, then render the report.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cmd/preflight.h"
#include "cmd/report.h"
#include "core/log.h"
#include "core/replace_file.h"
#include "core/report.h"
#include "host/labels.h"
#include "serve/daemon_client.h"
#include "serve/metrics_server.h"
#include "views/report_html.h"
#include "views/report_view.h"
#include "watch/monitor.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

/* Sample until the duration is over; Ctrl-C ends it early, with a report. */
static int watch(struct monitor *m, const struct env *env)
{
	uint64_t start = monotonic_ms(), end = start + env->duration_s * 1000ull;
	uint64_t next = start;
	int err;

	while (!exiting) {
		err = monitor_step(m);
		if (err) {
			pr_warn("failed to sample: %s\n", strerror(-err));
			return EXIT_RUNTIME;
		}
		next += env->interval_s * 1000ull;
		if (next > end)
			break;
		while (sleep_until(next) == -EINTR && !exiting)
			;
	}
	return 0;
}

static int build_labels(const struct report *r, struct labels *l)
{
	struct cgroup_mounts mounts;
	struct cgroup_resolver *res;
	int err;

	if (cgroup_find_mounts(&mounts) || !(res = cgroup_resolver_new(&mounts)))
		return -ENOMEM;
	err = labels_build_report(l, r, res);
	cgroup_resolver_free(res);
	return err;
}

/* To --output through its temporary file (core/replace_file.h: readers
 * never see half a report, nobody can redirect it by a link), or stdout
 * (main checks stdout's errors). */
static int write_report(const struct env *env, struct replace_file *rf, const struct report *r,
			const struct labels *l)
{
	FILE *out = env->output ? rf->f : stdout;
	int err = 0;

	if (env->html)
		err = report_view_html(out, r, l, "leak report");
	else if (env->json)
		err = report_view_json(out, r, l);
	else
		report_view_text(out, r, l);
	if (out == stdout)
		return fflush(stdout) || err ? EXIT_RUNTIME : 0;
	err = replace_file_commit(rf);
	if (err) {
		pr_warn("failed to write %s: %s\n", env->output, strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

static int render(struct monitor *m, const struct env *env, struct replace_file *rf)
{
	struct report r;
	struct labels l;
	int status;

	if (report_build(&m->history, &m->snap, &r))
		return EXIT_RUNTIME;
	r.duration_ms = monotonic_ms() - m->start_ms;
	r.interval_ms = env->interval_s * 1000ull;
	r.window_ms = m->cfg.params.window_ms;
	r.breaches_to_enter = m->cfg.params.breaches_to_enter;
	r.steps = m->steps;
	r.lost_events = tracer_lost_events(&m->tracer);
	r.missed_runs = tracer_missed_runs(&m->tracer);
	r.pool_trends = &m->pool_trends;
	r.pool_clock_base_ms = m->start_ms;
	r.refusals_none = "a standalone report loads no budget or lifeline hooks: a running "
			  "daemon's report (portwarden report attaches to one) has them";
	if (build_labels(&r, &l)) {
		report_free(&r);
		return EXIT_RUNTIME;
	}
	status = write_report(env, rf, &r, &l);
	labels_free(&l);
	report_free(&r);
	return status;
}

/* --output's file is created now: a directory that is missing, read-only or
 * not a directory at all is bad input found at once, not after --duration. */
static int open_output(const struct env *env, struct replace_file *rf)
{
	int err;

	if (!env->output)
		return 0;
	err = replace_file_begin(rf, env->output);
	if (!err)
		return 0;
	if (err == -EISDIR)
		pr_warn("invalid --output '%s': it is a directory; name a file\n", env->output);
	else
		pr_warn("invalid --output '%s': cannot create a file in its directory: %s\n",
			env->output, strerror(-err));
	return EXIT_USAGE;
}

/* The daemon answers /report after its next step: at most its interval (a
 * minute at most) and the render. */
#define ATTACH_REPORT_TIMEOUT_S 75
#define NOT_ATTACHED (-1)

/* The body to --output (through its temporary file) or stdout. */
static int write_body(const struct env *env, struct replace_file *rf, const struct daemon_reply *r)
{
	FILE *out = env->output ? rf->f : stdout;
	int err;

	if (fwrite(r->body, 1, r->len, out) != r->len && out == stdout)
		return EXIT_RUNTIME;
	if (out == stdout)
		return fflush(stdout) ? EXIT_RUNTIME : 0;
	err = replace_file_commit(rf);
	if (err) {
		pr_warn("failed to write %s: %s\n", env->output, strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

/*
 * A running `portwarden run` already holds the history: its report of the
 * last --duration seconds, at once. Returns an exit status, or NOT_ATTACHED
 * to watch here: no daemon (silently; -v says so), or one that cannot be
 * trusted or did not answer (a warning says why).
 */
static int attached(const struct env *env, struct replace_file *rf)
{
	const char *path = env->metrics_socket ? env->metrics_socket : METRICS_SOCKET_DEFAULT;
	struct daemon_reply r;
	char target[96];
	int status;

	snprintf(target, sizeof(target), "/report?seconds=%u&format=%s", env->duration_s,
		 env->html   ? "html"
		 : env->json ? "json"
			     : "text");
	if (daemon_attach(path, target, ATTACH_REPORT_TIMEOUT_S, &r, "watching here"))
		return NOT_ATTACHED;
	if (r.covered_ms < env->duration_s * 1000ull)
		pr_warn("portwarden run holds only %.1f s of history, not the %u s asked: the "
			"report covers those\n",
			r.covered_ms / 1000.0, env->duration_s);
	else
		pr_info("Report of the last %u s from portwarden run at %s (--standalone watches "
			"here instead).\n",
			env->duration_s, path);
	status = write_body(env, rf, &r);
	daemon_reply_free(&r);
	return status;
}

int report_run(const struct env *env)
{
	/* a report judges on the time it watches: a 15 s report during an
	 * incident must be able to name a leak the 30 s window would not */
	struct monitor_config cfg = {
		.mode = env->mode,
		.interval_ms = env->interval_s * 1000,
		.params = classify_fit(&classify_defaults, env->duration_s * 1000ull,
				       env->interval_s * 1000ull),
	};
	struct sigaction sa = {.sa_handler = on_signal};
	struct replace_file rf = {0};
	struct monitor m;
	int status;

	log_init(env->verbose ? LOG_DEBUG : LOG_INFO);
	status = open_output(env, &rf);
	if (!status && !env->standalone && (status = attached(env, &rf)) != NOT_ATTACHED) {
		replace_file_abort(&rf);
		return status;
	}
	if (status == NOT_ATTACHED)
		status = 0;
	if (!status)
		status = preflight_check();
	if (status) {
		replace_file_abort(&rf);
		return status;
	}
	status = monitor_open_status(monitor_open(&m, &cfg));
	if (!status) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		pr_info("Watching for %u s, a sample every %u s. Ctrl-C ends early.\n",
			env->duration_s, env->interval_s);
		status = watch(&m, env);
	}
	if (!status)
		status = render(&m, env, &rf);
	replace_file_abort(&rf); /* nothing left after a commit */
	monitor_close(&m);
	return status;
}
