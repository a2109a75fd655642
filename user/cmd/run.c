// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// `portwarden run`: the guard's life: configuration, signals, the loop.
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cmd/preflight.h"
#include "cmd/run.h"
#include "core/log.h"
#include "core/regular_file.h"
#include "guard/budgets.h"
#include "guard/guard.h"
#include "guard/metrics.h"
#include "guard/notify.h"
#include "guard/served.h"
#include "host/journal_stream.h"
#include "serve/metrics_server.h"

static volatile sig_atomic_t exiting, reload;

static void on_exit_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload = 1;
}

static int reload_config(struct guard *g, const struct env *env)
{
	struct daemon_config fresh;
	char err[512];

	if (!env->config_path)
		return 0;
	if (config_load(env->config_path, &fresh, err, sizeof(err))) {
		pr_warn("%s; keeping the previous configuration\n", err);
		return -EINVAL;
	}
	if (guard_reconfigure(g, &fresh)) {
		pr_warn("no memory for the new window; keeping the previous configuration\n");
		return -ENOMEM;
	}
	pr_info("reloaded %s (interval %u ms, window %u ms, %zu samples kept)\n",
		env->config_path, fresh.interval_ms, (unsigned)fresh.classify.window_ms,
		g->m.history.ring_cap);
	return 0;
}

/* After each step: the whole text rendered here, in the guard's thread,
 * and handed to the HTTP thread, which only sends it. */
static void publish_metrics(struct guard *g, struct metrics_server *ms)
{
	char *text;
	size_t len;

	if (!ms)
		return;
	if (guard_metrics_render(g, PW_VERSION, &text, &len)) {
		pr_warn("metrics: no memory to render them; /metrics keeps the previous sample\n");
		return;
	}
	metrics_server_publish(ms, text, len);
	/* -v: one line per sample, so a log shows whether samples keep time */
	pr_debug("sample %llu: %zu bytes of metrics published\n", (unsigned long long)g->m.steps,
		 len);
}

/* The JSON documents too (/snapshot, /suspects), and the /report requests
 * that waited for this step. A document that cannot be rendered keeps the
 * previous one, said once per spell. */
static void publish_documents(struct guard *g, struct metrics_server *ms)
{
	static bool warned;
	struct timespec t0, t1;
	size_t len = 0, len2 = 0, reports;
	char *text;
	int err;

	if (!ms)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = guard_render_snapshot(g, &text, &len);
	if (!err)
		metrics_server_publish_doc(ms, SERVED_SNAPSHOT, text, len);
	if (!err && !(err = guard_render_suspects(g, &text, &len2)))
		metrics_server_publish_doc(ms, SERVED_SUSPECTS, text, len2);
	if (err && !warned)
		pr_warn("cannot render /snapshot or /suspects: %s; they keep the previous sample\n",
			strerror(-err));
	warned = err != 0;
	reports = metrics_server_answer(ms, guard_render_report, g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* -v: what the documents cost the guard each sample */
	pr_debug("sample %llu: /snapshot %zu bytes, /suspects %zu bytes, %zu reports, in %.1f ms\n",
		 (unsigned long long)g->m.steps, len, len2, reports,
		 (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
}

/*
 * Test only: PORTWARDEN_TEST_STALL_MS=N stalls the loop N ms once, before
 * its fifth step (after READY=1 and a few watchdog pings), as a hung step
 * would: the tests check that the pings stop meanwhile.
 */
static void test_stall(uint64_t steps)
{
	const char *v = getenv("PORTWARDEN_TEST_STALL_MS");
	struct timespec ts;
	long ms;

	if (steps != 4 || !v || (ms = strtol(v, NULL, 10)) <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void reload_now(struct guard *g, const struct env *env, struct notifier *n)
{
	reload = 0;
	notifier_reloading(n);
	reload_config(g, env);
	audit_reopen(&g->audit);
	notifier_reloaded(n, g);
}

/* Steps every interval; between them, the counters every watch_ms, and the
 * watchdog pinged from here alone: only a loop that goes round pings. */
static void loop(struct guard *g, const struct env *env, struct metrics_server *ms,
		 struct notifier *n)
{
	uint64_t next = monotonic_ms(), next_watch = next;

	while (!exiting) {
		uint64_t now = monotonic_ms(), wake;

		if (reload)
			reload_now(g, env, n);
		if (now >= next) {
			test_stall(g->m.steps);
			guard_step(g);
			publish_metrics(g, ms);
			publish_documents(g, ms);
			notifier_stepped(n, g);
			next += g->cfg.interval_ms;
		} else if (g->cfg.watch_ms && now >= next_watch) {
			guard_watch(g);
			next_watch = now + g->cfg.watch_ms;
		}
		notifier_ping(n, monotonic_ms());
		wake = g->cfg.watch_ms && next_watch < next ? next_watch : next;
		if (notifier_wake_ms(n) < wake)
			wake = notifier_wake_ms(n);

		while (sleep_until(wake) == -EINTR && !exiting && !reload)
			;
	}
}

static void setup_signals(void)
{
	struct sigaction stop = {.sa_handler = on_exit_signal}, hup = {.sa_handler = on_hup};

	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The incident directory. One named with --incidents must work, and none
 * that others could write to is used (exit 2: the operator must see it);
 * the default one that cannot be made (a read-only /var) only costs the
 * incident reports, said once. */
static int open_incidents(struct guard *g, const struct env *env)
{
	const char *path = env->incidents_dir ? env->incidents_dir : INCIDENT_DIR_DEFAULT;
	int err;

	if (env->no_incidents)
		return 0;
	err = incident_dir_open(&g->incidents, path);
	if (!err)
		return 0;
	if (env->incidents_dir || err == -ELOOP || err == -EPERM) {
		pr_warn("invalid --incidents '%s': %s\n", path, incident_dir_strerror(err));
		return EXIT_USAGE;
	}
	pr_warn("no incident reports: cannot use %s: %s (--incidents DIR names another)\n", path,
		incident_dir_strerror(err));
	return 0;
}

/* Config, audit log, monitor and maps; returns 0 or an exit status. */
static int start(struct guard *g, const struct env *env)
{
	/* the daemon runs for good: it pays for the rescue only where needed */
	struct monitor_config mc = {.mode = env->mode, .rescue_on_miss = true};
	char err[512];
	int status, err_open;

	config_defaults(&g->cfg);
	if (env->config_path && config_load(env->config_path, &g->cfg, err, sizeof(err))) {
		pr_err("%s\n", err);
		return EXIT_USAGE;
	}
	err_open = audit_open(&g->audit, env->log_path);
	if (err_open) {
		pr_err("invalid --log '%s': %s\n", env->log_path, regular_file_strerror(err_open));
		return EXIT_USAGE;
	}
	/* structured entries only where journald takes them; else the lines */
	g->audit.journal = journal_stream_is(STDERR_FILENO) && journal_native_available();
	if (cgroup_find_mounts(&g->mounts) || !(g->resolver = cgroup_resolver_new(&g->mounts)))
		return EXIT_RUNTIME;
	if (env->cgroup_path &&
	    cgroup_target_resolve(&g->mounts, env->cgroup_path, &g->scope)) {
		pr_err("unknown cgroup '%s': not a directory of the cgroup2 mount at %s\n",
		       env->cgroup_path, g->mounts.v2);
		return EXIT_USAGE;
	}
	status = open_incidents(g, env);
	if (status)
		return status;
	mc.interval_ms = g->cfg.interval_ms;
	mc.params = g->cfg.classify;
	status = monitor_open_status(monitor_open(&g->m, &mc));
	if (status)
		return status;
	g->ef.dry_run = !env->enforce;
	g->ef.cgroup2_mount = g->mounts.v2;
	/* a refused hook is one rung of the ladder less: guard without it */
	if (!quarantine_open(&g->quarantine, g->mounts.v2))
		g->ef.quarantine = &g->quarantine;
	/* likewise the reclaim rung (bpf_sock_destroy, 6.5+) */
	if (!reclaimer_open(&g->reclaimer))
		g->ef.reclaim = &g->reclaimer;
	return 0;
}

static void announce(struct guard *g, const char *event)
{
	char detail[240] = "";
	size_t len;
	struct audit_record r = {.event = event,
				 .ports_held = -1,
				 .exited = -1,
				 .dry_run = g->ef.dry_run,
				 .reason = g->ef.dry_run
						   ? "dry run: nothing is killed (--enforce acts)"
						   : "enforcing"};

	/* the exit summary: records the log refused are not lost silently */
	if (g->audit.write_errors) {
		snprintf(detail, sizeof(detail), "%llu audit records could not be written to the log (%s)",
			 g->audit.write_errors, strerror(-g->audit.last_error));
		r.detail = detail;
	}
	len = strlen(detail);
	if (g->incident_errors) {
		snprintf(detail + len, sizeof(detail) - len,
			 "%s%llu incident reports could not be written", len ? "; " : "",
			 (unsigned long long)g->incident_errors);
		r.detail = detail;
	}
	audit_write(&g->audit, &r);
}

/* Bound before the first sample: a scrape during exhaustion needs no new
 * local port. NULL with *status 0 when neither is asked for. */
static struct metrics_server *open_metrics(const struct env *env, int *status)
{
	const char *path = env->no_socket ? NULL
			   : env->metrics_socket ? env->metrics_socket
						 : METRICS_SOCKET_DEFAULT;
	struct metrics_server *ms;

	*status = 0;
	if (!path && !env->metrics_listen)
		return NULL;
	ms = metrics_server_open(path, env->metrics_listen);
	if (!ms)
		*status = EXIT_RUNTIME;
	else
		pr_info("metrics at /metrics on%s%s%s%s\n", path ? " unix:" : "", path ? path : "",
			env->metrics_listen ? " http://" : "",
			env->metrics_listen ? env->metrics_listen : "");
	return ms;
}

int run_main(const struct env *env)
{
	struct metrics_server *ms = NULL;
	struct guard *g;
	int status;

	/* first: a SIGHUP from logrotate while the BPF programs load (seconds)
	 * must not kill the daemon; it is a reload once the loop runs */
	setup_signals();
	/*
	 * A sample's arrays (a record per socket: megabytes at 100k sockets)
	 * are built and freed every interval. glibc's default threshold for
	 * giving a block its own mapping rises to the largest one freed, after
	 * which such arrays come from the heap, and the heap keeps their pages
	 * between samples (VmRSS stayed at its peak). A fixed threshold keeps
	 * them in mappings that free() returns to the kernel.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	g = calloc(1, sizeof(*g));
	if (!g)
		return EXIT_RUNTIME;
	g->audit.fd = -1; /* no log yet, whatever stops the start */
	log_init(env->verbose ? LOG_DEBUG : LOG_INFO);
	/* under systemd: priorities on the log lines, audit records as journal entries */
	log_use_priorities(journal_stream_is(STDERR_FILENO));
	status = preflight_check();
	if (!status)
		status = start(g, env);
	if (!status)
		ms = open_metrics(env, &status);
	if (!status) {
		struct notifier n;

		notifier_init(&n, g->cfg.interval_ms);
		budgets_prepare(g); /* the lifeline's hooks are in place from the start */
		announce(g, "start");
		loop(g, env, ms, &n);
		notifier_stopping(&n);
		enforcer_release_all(&g->ef);
		announce(g, "stop");
	}
	metrics_server_close(ms);
	guard_free(g);
	free(g);
	return status;
}
