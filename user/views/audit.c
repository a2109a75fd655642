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

static void json_str(FILE *out, const char *key, const char *val)
{
	fprintf(out, ",\"%s\":", key);
	if (val)
		json_write_string(out, val, SIZE_MAX);
	else
		fputs("null", out);
}

static void json_states(FILE *out, const struct state_counts *c)
{
	if (!c)
		return;
	fputc(',', out);
	view_json_states(out, c);
}

void audit_format_json(FILE *out, const struct audit_record *r, const char *ts)
{
	fprintf(out, "{\"ts\":\"%s\"", ts);
	json_str(out, "event", r->event);
	json_str(out, "action", r->action);
	if (r->pid)
		fprintf(out, ",\"pid\":%u", r->pid);
	else
		fputs(",\"pid\":null", out);
	json_str(out, "comm", r->comm);
	json_str(out, "cgroup", r->cgroup);
	json_str(out, "class", r->cls);
	if (r->ports_held >= 0)
		fprintf(out, ",\"ports_held\":%d", r->ports_held);
	else
		fputs(",\"ports_held\":null", out);
	if (r->pool) {
		fputs(",\"pool\":", out);
		view_json_pool_open(out, r->pool);
		fputc('}', out);
	} else {
		fputs(",\"pool\":null", out);
	}
	json_str(out, "reason", r->reason);
	json_str(out, "detail", r->detail);
	json_str(out, "scope", r->scope);
	fprintf(out, ",\"dry_run\":%s", r->dry_run ? "true" : "false");
	if (r->exited >= 0)
		fprintf(out, ",\"exited\":%s", r->exited ? "true" : "false");
	json_states(out, r->states);
	fputs("}\n", out);
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
	struct tm tm;
	char date[32], ts[48];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%s.%06dZ", date, (int)(now.tv_nsec / 1000));
	text_line(r);
	if (!a->log)
		return;
	audit_format_json(a->log, r, ts);
	fflush(a->log); /* a crash must not eat the evidence */
}
