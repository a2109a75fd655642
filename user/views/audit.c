// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Audit log records: JSON lines to a file, readable lines to stderr.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/escape.h"
#include "core/log.h"
#include "core/regular_file.h"
#include "core/runtime_names.h"
#include "host/systemd.h"
#include "views/audit.h"
#include "views/journal.h"
#include "views/view_json.h"

/* Warnings about refused records: the first at once, then one a minute
 * at most, so that a full disk cannot flood stderr (the journal). */
#define WARN_EVERY_MS 60000

static int open_log(const char *path)
{
	return regular_file_open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0640);
}

int audit_open(struct audit *a, const char *path)
{
	int fd;

	memset(a, 0, sizeof(*a));
	a->path = path;
	a->fd = -1;
	if (!path)
		return 0;
	fd = open_log(path);
	if (fd < 0)
		return fd;
	a->fd = fd;
	return 0;
}

int audit_reopen(struct audit *a)
{
	int fd;

	if (!a->path)
		return 0;
	fd = open_log(a->path);
	if (fd < 0) {
		pr_warn("cannot reopen the audit log %s: %s; %s\n", a->path, regular_file_strerror(fd),
			a->fd >= 0 ? "still writing to the file it had open"
				   : "records go to stderr only");
		return fd;
	}
	if (a->fd >= 0)
		close(a->fd);
	a->fd = fd;
	return 0;
}

void audit_close(struct audit *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	for (size_t i = 0; i < AUDIT_RECENT; i++) {
		free(a->recent[i]);
		a->recent[i] = NULL;
	}
	a->nr_recent = a->recent_head = 0;
}

const char *audit_recent(const struct audit *a, size_t i)
{
	if (i >= a->nr_recent)
		return NULL;
	return a->recent[(a->recent_head + AUDIT_RECENT - a->nr_recent + i) % AUDIT_RECENT];
}

/* The record @json (@len bytes, its newline included) kept for /suspects;
 * the oldest is dropped when the ring is full (a reader sees the count). */
static void keep_recent(struct audit *a, const char *json, size_t len)
{
	char *copy = len ? strndup(json, len - 1) : NULL;

	if (!copy)
		return;
	free(a->recent[a->recent_head]);
	a->recent[a->recent_head] = copy;
	a->recent_head = (a->recent_head + 1) % AUDIT_RECENT;
	if (a->nr_recent < AUDIT_RECENT)
		a->nr_recent++;
}

/* The container's names from its runtime, only when there are some: records of
 * processes outside containers keep their shape. */
static void json_names(struct json_writer *w, const struct container_names *n)
{
	if (!n || (!n->pod[0] && !n->container[0]))
		return;
	json_field_strn(w, "pod_namespace", n->pod_namespace, sizeof(n->pod_namespace));
	json_field_strn(w, "pod", n->pod, sizeof(n->pod));
	json_field_strn(w, "container", n->container, sizeof(n->container));
}

/* What a reclaim destroyed (a dry run: would destroy), by state, and what it spared. */
static void json_reclaim(struct json_writer *w, const struct reclaim_counts *rc, bool dry_run)
{
	const uint32_t *by = dry_run ? rc->picked_by : rc->destroyed_by;

	json_key(w, "reclaim");
	json_object_begin(w);
	json_field_uint(w, "sockets", dry_run ? rc->picked : rc->destroyed);
	json_key(w, "states");
	json_object_begin(w);
	for (int i = 0; i < PS_COUNT; i++)
		if (by[i])
			json_field_uint(w, port_state_name(i), by[i]);
	json_object_end(w);
	json_field_uint(w, "ports_back", rc->ports_back);
	json_field_uint(w, "skipped_shared", rc->skipped_shared);
	json_field_uint(w, "skipped_changed", rc->skipped_changed);
	json_field_uint(w, "failed", rc->failed);
	if (rc->idle_s) { /* reclaim = idle: the idle time used, and the connections it spared */
		json_field_uint(w, "idle_s", rc->idle_s);
		json_field_uint(w, "spared_recent", rc->spared_recent);
	}
	json_object_end(w);
}

int audit_format_json(FILE *out, const struct audit_record *r, const char *ts)
{
	struct json_writer w;

	json_init(&w, out);
	json_object_begin(&w);
	json_field_str(&w, "ts", ts);
	json_field_str(&w, "event", r->event);
	json_field_str(&w, "action", r->action);
	if (r->pid)
		json_field_uint(&w, "pid", r->pid);
	else
		json_field_null(&w, "pid");
	json_field_str(&w, "comm", r->comm);
	/* where the snapshot's processes[] has it */
	if (r->pid && r->start_time)
		json_field_uint(&w, "start_time", r->start_time);
	else
		json_field_null(&w, "start_time");
	json_field_str(&w, "cgroup", r->cgroup);
	json_names(&w, r->names);
	json_field_str(&w, "class", r->cls);
	if (r->ports_held >= 0)
		json_field_int(&w, "ports_held", r->ports_held);
	else
		json_field_null(&w, "ports_held");
	json_key(&w, "pool");
	if (r->pool) {
		view_json_pool_begin(&w, r->pool);
		json_object_end(&w);
	} else if (r->refused_in) {
		view_json_refusal_pool(&w, r->refused_in);
	} else {
		json_null(&w);
	}
	json_field_str(&w, "reason", r->reason);
	json_field_str(&w, "detail", r->detail);
	json_field_str(&w, "scope", r->scope);
	json_field_bool(&w, "dry_run", r->dry_run);
	if (r->exited >= 0)
		json_field_bool(&w, "exited", r->exited);
	if (r->states)
		view_json_states(&w, r->states);
	if (r->incident)
		json_field_str(&w, "incident", r->incident);
	if (r->reclaim)
		json_reclaim(&w, r->reclaim, r->dry_run);
	json_object_end(&w);
	return json_finish(&w);
}

/* The readable line: what happened to whom, and why; no newline. */
static void text_format(const struct audit_record *r, char *line, size_t len)
{
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)] = "-", cgroup[ESCAPE_TERMINAL_BUF_SIZE(256)] = "-";
	char esc[RUNTIME_NAMES_SHOWN_SIZE] = "";
	char names[sizeof(esc) + 3] = "";
	char who[600 + sizeof(names)] = "";
	char detail[ESCAPE_TERMINAL_BUF_SIZE(512)] = "";

	if (r->comm)
		escape_terminal(comm, sizeof(comm), r->comm, PW_COMM_LEN);
	if (r->cgroup)
		escape_terminal(cgroup, sizeof(cgroup), r->cgroup, 256);
	if (r->names)
		runtime_names_shown(r->names, esc, sizeof(esc));
	if (esc[0])
		snprintf(names, sizeof(names), " (%s)", esc);
	if (r->pid)
		snprintf(who, sizeof(who), " pid %u %s in %s%s", r->pid, comm, cgroup, names);
	else if (r->cgroup)
		snprintf(who, sizeof(who), " cgroup %s", cgroup);
	/* a detail quotes names a process or a pod spec chose (comm, cgroup, pod) */
	if (r->detail)
		escape_terminal(detail, sizeof(detail), r->detail, SIZE_MAX);
	/* "EVENT ACTION WHO: REASON: DETAIL", a part and its colon only where
	 * the record has it */
	snprintf(line, len, "%s%s%s%s%s%s%s%s", r->event, r->action ? " " : "",
		 r->action ? r->action : "", who, r->reason ? ": " : "", r->reason ? r->reason : "",
		 r->detail ? ": " : "", detail);
}

/* The journal's PRIORITY=: the daemon's own life (start, stop, config) is
 * news (info), the rest calls for a look (warning). */
static int record_priority(const struct audit_record *r)
{
	static const char *const news[] = {"start", "stop", "config"};

	for (size_t i = 0; r->event && i < sizeof(news) / sizeof(news[0]); i++)
		if (!strcmp(r->event, news[i]))
			return 6;
	return 4;
}

/* "term pid 42 leaker" or "kill cgroup /x": what STATUS= names. */
static void note_action(struct audit *a, const struct audit_record *r)
{
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)] = "";
	char cgroup[ESCAPE_TERMINAL_BUF_SIZE(64)] = "";

	if (!r->event || strcmp(r->event, "action"))
		return;
	escape_terminal(comm, sizeof(comm), r->comm, PW_COMM_LEN);
	escape_terminal(cgroup, sizeof(cgroup), r->cgroup, 64);
	if (r->pid)
		snprintf(a->last_action, sizeof(a->last_action), "%s pid %u %s",
			 r->action ? r->action : "?", r->pid, comm);
	else
		snprintf(a->last_action, sizeof(a->last_action), "%s cgroup %s",
			 r->action ? r->action : "?", cgroup);
}

/* To the journal when stderr is the journal and journald takes it, else
 * the stderr line (a warning, whatever the -v level: records are never
 * dropped). */
static void text_line(const struct audit *a, const struct audit_record *r)
{
	char line[ESCAPE_TERMINAL_BUF_SIZE(4096)];

	text_format(r, line, sizeof(line));
	if (a->journal) {
		struct journal_entry *e = malloc(sizeof(*e));
		int err = -ENOMEM;

		if (e) {
			journal_entry_build(e, r, line, record_priority(r));
			err = systemd_journal_sendv(e->iov, e->n);
			free(e);
		}
		if (!err)
			return;
	}
	pr_warn("%s\n", line);
}

/* The whole record in one write(2): O_APPEND keeps it in one piece next to
 * other writers, and no stdio buffer keeps a refused record around. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool kept(const struct audit_record *r)
{
	return r->event && (!strcmp(r->event, "action") || !strcmp(r->event, "result"));
}

static int append_json(struct audit *a, const struct audit_record *r, const char *ts)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int err;

	if (!mem)
		return -ENOMEM;
	err = audit_format_json(mem, r, ts);
	if (fclose(mem) && !err)
		err = -ENOMEM;
	if (!err && kept(r))
		keep_recent(a, buf, len);
	if (!err && a->fd >= 0)
		err = write_all(a->fd, buf, len);
	free(buf);
	return err;
}

static void count_refused(struct audit *a, int err)
{
	uint64_t now = monotonic_ms();

	a->write_errors++;
	a->last_error = err;
	if (a->errors_warned && now - a->warned_ms < WARN_EVERY_MS)
		return;
	pr_warn("cannot write the audit log %s: %s; %llu record%s lost (%llu in all), they "
		"are on stderr only\n",
		a->path, strerror(-err), a->write_errors - a->errors_warned,
		a->write_errors - a->errors_warned == 1 ? "" : "s", a->write_errors);
	a->errors_warned = a->write_errors;
	a->warned_ms = now;
}

void audit_write(struct audit *a, const struct audit_record *r)
{
	struct timespec now;
	char ts[VIEW_TIME_US_LEN];
	int err;

	clock_gettime(CLOCK_REALTIME, &now);
	view_format_time_us(&now, ts, sizeof(ts));
	note_action(a, r);
	text_line(a, r);
	if (a->fd < 0 && !kept(r))
		return;
	err = append_json(a, r, ts);
	if (err && a->fd >= 0)
		count_refused(a, err);
}
