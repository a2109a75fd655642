// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The trace command: wire loader, event reader, cgroup resolver and formatter.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cmd/preflight.h"
#include "cmd/trace.h"
#include "core/container.h"
#include "core/log.h"
#include "host/cgroups.h"
#include "host/runtime_names.h"
#include "kernel/events.h"
#include "kernel/loader.h"
#include "views/event_format.h"

#define POLL_MS 200

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

struct trace_session {
	const struct env *env;
	struct cgroup_mounts mounts;
	struct cgroup_target target;
	struct cgroup_resolver *resolver;
	struct tracer tracer;
	struct event_reader *reader;
	int64_t realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t events;
	uint64_t lost_reported;
	uint64_t missed_reported;
};

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec wall_time(const struct trace_session *s, uint64_t mono_ns)
{
	int64_t ns = (int64_t)mono_ns + s->realtime_offset_ns;

	return (struct timespec){.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
}

static int on_event(void *ctx, const struct pw_event *e)
{
	struct trace_session *s = ctx;
	struct cgroup_place place;
	struct container_id container;
	struct event_view view = {.ev = e, .place = &place, .container = &container};

	cgroup_resolver_place(s->resolver, e->cgroup_id, e->cgroup1_id,
			      (e->flags & PW_EVF_OWNER_KNOWN) ? (pid_t)e->tgid : 0, &place);
	container_from_cgroup_path(place.path, &container);
	runtime_names_lookup(&container); /* cached: a stat per event at most */
	view.wall = wall_time(s, e->ts_ns);
	if (s->env->json)
		event_format_json(stdout, &view);
	else
		event_format_text(stdout, &view);
	cgroup_place_release(&place);
	s->events++;
	return 0;
}

/* Runs of our programs the kernel skipped: their events never existed. */
static void report_missed(struct trace_session *s)
{
	uint64_t missed = tracer_missed_runs(&s->tracer);

	if (missed == s->missed_reported)
		return;
	pr_warn("the kernel skipped %llu runs of our programs (one was already running on that "
		"CPU), %llu in total: their events are missing\n",
		(unsigned long long)(missed - s->missed_reported), (unsigned long long)missed);
	if (s->env->json)
		event_format_loss_json(stdout, "missed", missed - s->missed_reported, missed);
	s->missed_reported = missed;
}

/* Nothing is dropped silently: every loss the kernel counted is shown. */
static void report_lost(struct trace_session *s)
{
	uint64_t lost = tracer_lost_events(&s->tracer);

	report_missed(s);
	if (lost == s->lost_reported)
		return;
	pr_warn("lost %llu events (ring buffer full), %llu in total\n",
		(unsigned long long)(lost - s->lost_reported), (unsigned long long)lost);
	if (s->env->json)
		event_format_loss_json(stdout, "lost", lost - s->lost_reported, lost);
	s->lost_reported = lost;
}

static int resolve_filter(struct trace_session *s)
{
	if (cgroup_find_mounts(&s->mounts)) {
		pr_warn("no cgroup2 mount found in /proc/self/mountinfo\n");
		return EXIT_USAGE;
	}
	if (cgroup_target_resolve(&s->mounts, s->env->cgroup_path ? s->env->cgroup_path : "/",
				  &s->target)) {
		pr_warn("unknown cgroup '%s': not a directory of the cgroup2 mount at %s\n",
			s->env->cgroup_path, s->mounts.v2);
		return EXIT_USAGE;
	}
	return 0;
}

static int start(struct trace_session *s)
{
	struct tracer_config cfg = {
		.mode = s->env->mode,
		.tgid = s->env->pid,
		.cgroup_id = s->env->cgroup_path ? s->target.id : 0,
		.cgroup_level = s->target.level,
		.cgroup_dir = s->target.dir,
		.failed_only = s->env->failed_only,
	};

	s->resolver = cgroup_resolver_new(&s->mounts);
	if (!s->resolver || tracer_open(&s->tracer, &cfg))
		return EXIT_RUNTIME;
	s->reader = event_reader_new(tracer_events_fd(&s->tracer), on_event, s);
	if (!s->reader) {
		pr_warn("failed to open the ring buffer: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	s->realtime_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	return 0;
}

static int run_loop(struct trace_session *s)
{
	int n;

	while (!exiting) {
		n = event_reader_poll(s->reader, POLL_MS);
		if (n < 0 && n != -EINTR) {
			pr_warn("failed to read events: %s\n", strerror(-n));
			return EXIT_RUNTIME;
		}
		report_lost(s);
		errno = 0;
		if (fflush(stdout) || ferror(stdout)) {
			if (errno == EPIPE) {
				clearerr(stdout); /* not an error for main's check */
				break; /* the reader went away (e.g. | head): a normal end */
			}
			/* a full disk or a dead terminal: events would go nowhere */
			return EXIT_RUNTIME; /* main says why */
		}
	}
	return 0;
}

static void setup_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void stop(struct trace_session *s)
{
	event_reader_free(s->reader);
	if (s->tracer.skel)
		tracer_close(&s->tracer);
	cgroup_resolver_free(s->resolver);
}

int trace_run(const struct env *env)
{
	struct trace_session s = {.env = env};
	int status;

	log_init(env->verbose ? LOG_DEBUG : LOG_INFO);
	status = preflight_check();
	if (!status)
		status = resolve_filter(&s);
	if (!status)
		status = start(&s);
	if (!status) {
		setup_signals();
		pr_info("Tracing port allocations (mode %s, state hook %s). Ctrl-C to stop.\n",
			trace_mode_name(s.tracer.mode), s.tracer.state_btf ? "tp_btf" : "tracepoint");
		if (!env->json)
			event_format_text_header(stdout);
		status = run_loop(&s);
		report_lost(&s);
		pr_info("%llu events, %llu lost, %llu missed runs\n", (unsigned long long)s.events,
			(unsigned long long)tracer_lost_events(&s.tracer),
			(unsigned long long)tracer_missed_runs(&s.tracer));
	}
	stop(&s);
	return status;
}
