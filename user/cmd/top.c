// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The top command: each refresh samples (monitor), builds a frame (model), shows it (view).
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <time.h>
#include "cmd/preflight.h"
#include "cmd/top.h"
#include "cmd/top_kill.h"
#include "core/config.h"
#include "core/log.h"
#include "core/sock_ages.h"
#include "core/top_model.h"
#include "host/cgroups.h"
#include "core/snapshot_json.h"
#include "host/labels.h"
#include "serve/daemon_client.h"
#include "serve/metrics_server.h"
#include "views/held_stderr.h"
#include "views/top_text.h"
#include "views/tui.h"
#include "watch/monitor.h"

#define MAX_EXPANDED	256
#define BATCH_POOLS	5
#define KEY_WAIT_MAX_MS 200	    /* how late a signal may be noticed while keys are awaited */
#define ATTACH_TIMEOUT_S 5	    /* /snapshot and /suspects are published: no wait */

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

struct top {
	const struct env *env;
	struct monitor m;
	struct cgroup_resolver *resolver;
	struct labels labels; /* the history's cgroups, resolved at each sample: the model
			       * points into them, so each sample is followed by a rebuild */
	time_t sampled_at;
	struct top_counters before, now; /* at the previous and the latest sample */
	struct top_query query;
	struct group_key expanded[MAX_EXPANDED];
	struct top_model model; /* the frame on screen */
	struct tui *tui;
	struct top_kill kill;	   /* k and K: the process asked about, and those signalled */
	struct held_stderr held;   /* while the screen is up, messages wait here */
	/* attached to portwarden run: its socket, its latest /suspects */
	const char *socket;	   /* NULL: standalone (our own programs) */
	struct daemon_state daemon;
	char mode[96];		   /* "attached to portwarden run (pid N, enforce)" */
	uint32_t horizon_s;	   /* run's default: pools out sooner are coloured urgent */
	bool utf8;		   /* the locale's: charts in Unicode blocks, else ASCII */
	struct sock_ages ages;	   /* when each held socket was first sampled */
};

/* ---- sampling and frames ----------------------------------------------------------------- */

/* Resolve the history's cgroups to paths and containers now, so the model
 * and views do no I/O. Keys are sorted first: labels keep one per cgroup. */
static int resolve_labels(struct top *t)
{
	const struct history *h = &t->m.history;
	struct group_key *keys = malloc((h->nr + 1) * sizeof(*keys));
	size_t n = 0;
	int err;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < h->nr; i++)
		keys[i] = h->items[i].key.group;
	qsort(keys, h->nr, sizeof(*keys), group_key_order);
	for (size_t i = 0; i < h->nr; i++)
		if (!n || group_key_cmp(&keys[n - 1], &keys[i]))
			keys[n++] = keys[i];
	labels_free(&t->labels);
	err = labels_build_keys(&t->labels, keys, n, t->resolver);
	free(keys);
	return err;
}

/* One document of the daemon's into @r; -errno after saying what failed. */
static int ask_daemon(struct top *t, const char *target, struct daemon_reply *r)
{
	char why[160];
	int err = daemon_get(t->socket, target, ATTACH_TIMEOUT_S, r, why, sizeof(why));

	if (!err && r->status != 200) {
		snprintf(why, sizeof(why), "HTTP %ld: %.100s", r->status, r->body);
		daemon_reply_free(r);
		err = -EIO;
	}
	if (err)
		pr_warn("portwarden run at %s: %s %s\n", t->socket, target,
			err == -ENOENT ? "no longer answers" : why);
	return err;
}

/* Attached: the daemon's latest snapshot through our history, and its classes. */
static int sample_attached(struct top *t)
{
	struct daemon_reply r;
	struct snapshot snap;
	char why[128];
	int err = ask_daemon(t, "/snapshot", &r);

	if (err)
		return err;
	err = snapshot_from_json(r.body, r.len, &snap, why, sizeof(why));
	daemon_reply_free(&r);
	if (!err && !(err = ask_daemon(t, "/suspects", &r))) {
		daemon_state_free(&t->daemon);
		err = suspects_from_json(r.body, r.len, &t->daemon, why, sizeof(why));
		daemon_reply_free(&r);
	}
	if (err == -EINVAL)
		pr_warn("portwarden run at %s sent a document top cannot read: %s\n", t->socket,
			why);
	if (!err)
		snprintf(t->mode, sizeof(t->mode), "attached to portwarden run (pid %u, %s)",
			 t->daemon.pid, t->daemon.dry_run ? "dry run" : "enforce");
	if (!err)
		err = monitor_step_snapshot(&t->m, &snap);
	snapshot_free(&snap);
	return err;
}

static int sample(struct top *t)
{
	int err = t->socket ? sample_attached(t) : monitor_step(&t->m);

	if (!err)
		err = resolve_labels(t);
	if (!err)
		err = sock_ages_update(&t->ages, &t->m.snap, t->m.now_ms - t->m.start_ms);
	if (err)
		return err;
	t->sampled_at = time(NULL);
	t->before = t->now;
	top_counters_read(&t->m.activity, t->m.now_ms - t->m.start_ms, &t->now);
	top_counters_daemon(t->socket ? &t->daemon : NULL, &t->now);
	return 0;
}

/* What the frame is built from: the latest sample. */
static struct top_input input_of(struct top *t)
{
	return (struct top_input){
		.history = &t->m.history,
		.snap = &t->m.snap,
		.labels = &t->labels,
		.sample_ms = t->m.now_ms - t->m.start_ms,
		.now = t->now,
		.before = t->before,
		.wall_time = t->sampled_at,
		.lost_events = t->socket ? 0 : tracer_lost_events(&t->m.tracer),
		.missed_runs = t->socket ? 0 : tracer_missed_runs(&t->m.tracer),
		.hooks = t->socket ? "the daemon's" : trace_mode_name(t->m.tracer.mode),
		.actions = t->kill.actions,
		.acted = t->kill.acted,
		.nr_acted = t->kill.nr_acted,
		.daemon = t->socket ? &t->daemon : NULL,
		.mode = t->socket ? t->mode : NULL,
		.params = &t->m.cfg.params,
		.pool_trends = &t->m.pool_trends,
		/* attached: the daemon's own, which is what it acts on */
		.horizon_s = t->socket && t->daemon.horizon_s ? t->daemon.horizon_s : t->horizon_s,
		.sock_ages = &t->ages,
	};
}

/* A new frame from the latest sample, as the query asks: after a sample or a key. */
static int rebuild(struct top *t)
{
	struct top_input in = input_of(t);

	top_model_free(&t->model);
	return top_model_build(&in, &t->query, &t->model);
}

/* The screen's detail pane: the frame on screen is built from the latest sample. */
static void detail_of(void *ctx, const struct top_model *m, const struct top_line *l,
		      struct top_detail *out)
{
	struct top_input in = input_of(ctx);

	top_detail_build(&in, m, l, out);
}

/* Batch frames: the detail of every process named or heading to a class,
 * and of every cgroup with a budget (attached), after the table, so
 * scripts see the evidence the screen shows. */
static void batch_details(struct top *t)
{
	struct top_input in = input_of(t);
	struct top_detail d;

	for (size_t i = 0; i < t->model.nr_lines; i++) {
		const struct top_line *l = &t->model.lines[i];
		const struct top_stats *s = top_line_stats(&t->model, l);

		if (l->kind == TOP_LINE_GROUP ? !t->model.groups[l->index].budget
					      : s->class == LEAK_NONE && s->pending == LEAK_NONE)
			continue;
		top_detail_build(&in, &t->model, l, &d);
		top_text_detail(stdout, &d, t->utf8);
	}
}

/* Like top -b: every cgroup with its processes, one frame per refresh. */
static int run_batch(struct top *t)
{
	uint32_t frames = t->env->frames ? t->env->frames : 1;
	uint64_t next = monotonic_ms();
	int err;

	t->query.expand_all = true;
	for (uint32_t i = 0; i < frames && !exiting; i++) {
		if (i)
			while (sleep_until(next) == -EINTR && !exiting)
				;
		if (exiting)
			break;
		err = sample(t);
		if (!err)
			err = rebuild(t);
		if (err) {
			pr_warn("failed to sample: %s\n", strerror(-err));
			return EXIT_RUNTIME;
		}
		top_text_frame(stdout, &t->model, BATCH_POOLS, t->utf8);
		batch_details(t);
		if (fflush(stdout))
			return EXIT_RUNTIME;
		next += t->env->delay_s * 1000ull;
	}
	return 0;
}

/* ---- what keys ask for ------------------------------------------------------------------- */

static void set_expanded(struct top *t, const struct group_key *k, bool on)
{
	size_t i = 0;

	while (i < t->query.nr_expanded && group_key_cmp(&t->expanded[i], k))
		i++;
	if (i < t->query.nr_expanded && !on) {
		t->expanded[i] = t->expanded[--t->query.nr_expanded];
	} else if (i == t->query.nr_expanded && on) {
		if (t->query.nr_expanded == MAX_EXPANDED) /* forget the oldest */
			memmove(t->expanded, t->expanded + 1, --t->query.nr_expanded * sizeof(*k));
		t->expanded[t->query.nr_expanded++] = *k;
	}
}

static void apply(struct top *t, const struct tui_command *cmd)
{
	switch (cmd->kind) {
	case TUI_CMD_SORT:
		t->query.sort = cmd->column;
		t->query.reverse = cmd->reverse;
		break;
	case TUI_CMD_FILTER:
		memcpy(t->query.filter, cmd->filter, sizeof(t->query.filter));
		break;
	case TUI_CMD_FLAT:
		t->query.flat = !t->query.flat;
		break;
	case TUI_CMD_EXPAND:
	case TUI_CMD_COLLAPSE:
		set_expanded(t, &cmd->group, cmd->kind == TUI_CMD_EXPAND);
		break;
	case TUI_CMD_KILL_ASK:
		top_kill_ask(&t->kill, t->tui, &t->model, cmd);
		break;
	case TUI_CMD_KILL:
		top_kill_confirm(&t->kill, t->tui, cmd->signal);
		break;
	case TUI_CMD_KILL_CANCEL:
		top_kill_cancel(&t->kill);
		tui_status(t->tui, "nothing was signalled");
		break;
	default:
		break;
	}
}

/* ---- the screen -------------------------------------------------------------------------- */

static int redraw(struct top *t)
{
	int err = rebuild(t);

	if (!err)
		tui_draw(t->tui, &t->model);
	return err;
}

static int sample_and_draw(struct top *t)
{
	int err = sample(t);

	return err ? err : redraw(t);
}

/* Until q, a signal or --frames: sample and draw each delay, keys in between.
 * Returns 0 or -errno. */
static int screen_loop(struct top *t)
{
	uint64_t delay = t->env->delay_s * 1000ull, next = monotonic_ms(), now;
	uint32_t frames = 0;
	struct tui_command cmd;
	int err, key;

	while (!exiting) {
		now = monotonic_ms();
		if (now >= next) {
			if (t->env->frames && frames++ == t->env->frames)
				break;
			err = sample_and_draw(t);
			if (err)
				return err;
			next = next + delay > now ? next + delay : now + delay;
			continue;
		}
		key = tui_next_key(t->tui, (int)MIN(next - now, KEY_WAIT_MAX_MS));
		if (key == TUI_NO_KEY)
			continue;
		cmd = tui_handle_key(t->tui, key);
		if (cmd.kind == TUI_CMD_QUIT)
			break;
		apply(t, &cmd);
		err = redraw(t);
		if (err)
			return err;
	}
	return 0;
}

/* NO_COLOR (no-color.org): present and not empty turns colours off. */
static bool colour_wanted(void)
{
	const char *no_color = getenv("NO_COLOR");

	return !no_color || !*no_color;
}

/* Every way out (q, signals, --frames, errors) restores the terminal before
 * anything is printed. */
static int run_screen(struct top *t)
{
	const char *term = getenv("TERM");
	int err;

	t->tui = tui_init(colour_wanted(), t->utf8);
	if (!t->tui) {
		pr_warn("failed to drive the terminal (TERM=%s): use --batch\n", term ? term : "");
		return EXIT_USAGE;
	}
	tui_set_detail(t->tui, detail_of, t);
	held_stderr_start(&t->held);
	err = screen_loop(t);
	tui_fini(t->tui);
	t->tui = NULL;
	held_stderr_replay(&t->held);
	if (err) {
		pr_warn("failed to sample: %s\n", strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

/* ---- the command ------------------------------------------------------------------------- */

/*
 * Does a portwarden run answer on the socket (--socket, or the default)?
 * Then top reads it instead of loading programs. No daemon: silently (-v
 * says so) standalone; a socket not trusted or an error: a warning, then
 * standalone.
 */
static bool attach(struct top *t, const struct env *env)
{
	const char *path = env->metrics_socket ? env->metrics_socket : METRICS_SOCKET_DEFAULT;
	struct daemon_reply r;

	if (env->standalone || daemon_attach(path, "/suspects", ATTACH_TIMEOUT_S, &r,
					     "sampling here"))
		return false;
	daemon_reply_free(&r);
	t->socket = path;
	return true;
}

static int top_open(struct top *t, const struct env *env)
{
	struct monitor_config cfg = {
		.mode = env->mode,
		.interval_ms = env->delay_s * 1000,
		.params = classify_defaults,
	};
	struct cgroup_mounts mounts;
	struct daemon_config defaults;

	config_defaults(&defaults);
	t->horizon_s = defaults.policy.horizon_s;
	t->env = env;
	held_stderr_init(&t->held);
	t->query.sort = TOP_COL_PORTS;
	t->query.expanded = t->expanded;
	if (cgroup_find_mounts(&mounts)) {
		pr_warn("no cgroup2 mount found in /proc/self/mountinfo\n");
		return EXIT_USAGE;
	}
	t->resolver = cgroup_resolver_new(&mounts);
	if (!t->resolver)
		return EXIT_RUNTIME;
	if (t->socket)
		return monitor_open_attached(&t->m, &cfg) ? EXIT_RUNTIME : 0;
	return monitor_open_status(monitor_open(&t->m, &cfg));
}

static void top_close(struct top *t)
{
	top_kill_cancel(&t->kill);
	top_model_free(&t->model);
	labels_free(&t->labels);
	monitor_close(&t->m);
	daemon_state_free(&t->daemon);
	sock_ages_free(&t->ages);
	cgroup_resolver_free(t->resolver);
	free(t);
}

/* Set before the screen starts, so that ncurses keeps our handlers: they
 * only set a flag, and the loop restores the terminal. */
static void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The user's character set (LC_CTYPE only: numbers keep their '.'), so that
 * ncurses draws the charts' blocks; ASCII charts when it is not UTF-8. */
static bool utf8_locale(void)
{
	return setlocale(LC_CTYPE, "") && !strcmp(nl_langinfo(CODESET), "UTF-8");
}

int top_run(const struct env *env)
{
	struct top *t;
	int status;

	log_init(env->verbose ? LOG_DEBUG : LOG_INFO);
	if (!env->batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		pr_warn("top needs a terminal on stdin and stdout: use --batch for plain-text "
			"frames\n");
		return EXIT_USAGE;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return EXIT_RUNTIME;
	t->utf8 = utf8_locale();
	status = attach(t, env) ? 0 : preflight_check();
	if (status) {
		free(t);
		return status;
	}
	catch_signals();
	status = top_open(t, env);
	if (!status)
		status = env->batch ? run_batch(t) : run_screen(t);
	top_close(t);
	return status;
}
