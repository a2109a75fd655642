// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Audit log records: JSON lines to a file, readable lines to stderr.
#include <errno.h>
#include <string.h>
#include <time.h>
#include "core/escape.h"
#include "core/log.h"
#include "views/audit.h"
#include "views/view_json.h"

int audit_open(struct audit *a, const char *path)
{
	a->path = path;
	a->log = NULL;
	a->write_errors = 0;
	if (!path)
		return 0;
	a->log = fopen(path, "ae");
	return a->log ? 0 : -errno;
}

int audit_reopen(struct audit *a)
{
	if (a->log)
		fclose(a->log);
	return audit_open(a, a->path);
}

void audit_close(struct audit *a)
{
	if (a->log)
		fclose(a->log);
	a->log = NULL;
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
	json_field_str(&w, "cgroup", r->cgroup);
	json_field_str(&w, "class", r->cls);
	if (r->ports_held >= 0)
		json_field_int(&w, "ports_held", r->ports_held);
	else
		json_field_null(&w, "ports_held");
	json_key(&w, "pool");
	if (r->pool) {
		view_json_pool_begin(&w, r->pool);
		json_object_end(&w);
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
	json_object_end(&w);
	return json_finish(&w);
}

/* The readable line: what happened to whom, and why. */
static void text_line(const struct audit_record *r)
{
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)] = "-", cgroup[ESCAPE_TERMINAL_BUF_SIZE(256)] = "-";
	char who[600] = "";

	if (r->comm)
		escape_terminal(comm, sizeof(comm), r->comm, PW_COMM_LEN);
	if (r->cgroup)
		escape_terminal(cgroup, sizeof(cgroup), r->cgroup, 256);
	if (r->pid)
		snprintf(who, sizeof(who), " pid %u %s in %s", r->pid, comm, cgroup);
	else if (r->cgroup)
		snprintf(who, sizeof(who), " cgroup %s", cgroup);
	pr_warn("%s%s%s%s: %s%s%s\n", r->event, r->action ? " " : "", r->action ? r->action : "",
		who, r->reason ? r->reason : "", r->detail ? ": " : "", r->detail ? r->detail : "");
}

void audit_write(struct audit *a, const struct audit_record *r)
{
	struct timespec now;
	char ts[VIEW_TIME_US_LEN];

	clock_gettime(CLOCK_REALTIME, &now);
	view_format_time_us(&now, ts, sizeof(ts));
	text_line(r);
	if (!a->log)
		return;
	/* fflush: a crash must not eat the evidence */
	if ((audit_format_json(a->log, r, ts) | fflush(a->log)) && !a->write_errors++)
		pr_warn("cannot write the audit log %s; records go to stderr only\n", a->path);
}
