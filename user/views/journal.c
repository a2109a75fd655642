// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Audit records as journal fields.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/escape.h"
#include "core/snapshot.h"
#include "views/journal.h"

/* "FIELD=value" appended to @e's buffer (NUL-terminated there for
 * journal_entry_get, the NUL not in the iovec). */
__attribute__((format(printf, 3, 4)))
static void add(struct journal_entry *e, const char *field, const char *fmt, ...)
{
	size_t room = sizeof(e->buf) - e->used;
	char *at = e->buf + e->used;
	va_list ap;
	int n, v;

	if (e->n >= JOURNAL_FIELDS_MAX)
		return;
	n = snprintf(at, room, "%s=", field);
	if (n < 0 || (size_t)n >= room)
		return;
	va_start(ap, fmt);
	v = vsnprintf(at + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if (v < 0 || (size_t)(n + v) >= room)
		return;
	e->iov[e->n].iov_base = at;
	e->iov[e->n].iov_len = (size_t)(n + v);
	e->n++;
	e->used += (size_t)(n + v) + 1;
}

/* A name from outside, escaped; left out when absent or empty. */
static void add_name(struct journal_entry *e, const char *field, const char *v, size_t max)
{
	char esc[ESCAPE_TERMINAL_BUF_SIZE(4096)];

	if (!v || !v[0])
		return;
	escape_terminal(esc, sizeof(esc), v, max < 4096 ? max : 4096);
	add(e, field, "%s", esc);
}

static void add_pool(struct journal_entry *e, const struct snap_pool *p)
{
	if (!p)
		return;
	add(e, "PORTWARDEN_POOL_KIND", "%s", pool_kind_name(p->kind));
	add(e, "PORTWARDEN_POOL_NETNS", "%u", p->netns);
	add(e, "PORTWARDEN_POOL_USED", "%u", p->used);
	if (p->capacity_known)
		add(e, "PORTWARDEN_POOL_CAPACITY", "%u", p->capacity);
}

void journal_entry_build(struct journal_entry *e, const struct audit_record *r,
			 const char *message, int priority)
{
	e->n = 0;
	e->used = 0;
	add(e, "MESSAGE", "%s", message);
	add(e, "PRIORITY", "%d", priority);
	add(e, "SYSLOG_IDENTIFIER", "%s", "portwarden");
	add_name(e, "PORTWARDEN_EVENT", r->event, SIZE_MAX);
	add_name(e, "PORTWARDEN_ACTION", r->action, SIZE_MAX);
	/* _PID is journald's own (the sender): the target has its own field */
	if (r->pid)
		add(e, "PORTWARDEN_TARGET_PID", "%u", r->pid);
	if (r->pid && r->start_time) /* with the pid, which process */
		add(e, "PORTWARDEN_TARGET_START_TIME", "%llu", (unsigned long long)r->start_time);
	add_name(e, "PORTWARDEN_COMM", r->comm, PW_COMM_LEN);
	add_name(e, "PORTWARDEN_CGROUP", r->cgroup, SIZE_MAX);
	if (r->names) {
		add_name(e, "PORTWARDEN_POD_NAMESPACE", r->names->pod_namespace,
			 sizeof(r->names->pod_namespace));
		add_name(e, "PORTWARDEN_POD", r->names->pod, sizeof(r->names->pod));
		add_name(e, "PORTWARDEN_CONTAINER", r->names->container,
			 sizeof(r->names->container));
	}
	add_name(e, "PORTWARDEN_CLASS", r->cls, SIZE_MAX);
	if (r->ports_held >= 0)
		add(e, "PORTWARDEN_PORTS_HELD", "%d", r->ports_held);
	add_pool(e, r->pool);
	add_name(e, "PORTWARDEN_REASON", r->reason, SIZE_MAX);
	add_name(e, "PORTWARDEN_DETAIL", r->detail, SIZE_MAX);
	add_name(e, "PORTWARDEN_SCOPE", r->scope, SIZE_MAX);
	add(e, "PORTWARDEN_DRY_RUN", "%d", r->dry_run);
	if (r->exited >= 0)
		add(e, "PORTWARDEN_EXITED", "%d", r->exited);
}

const char *journal_entry_get(const struct journal_entry *e, const char *field)
{
	size_t len = strlen(field);

	for (int i = 0; i < e->n; i++) {
		const char *f = e->iov[i].iov_base;

		if (!strncmp(f, field, len) && f[len] == '=')
			return f + len + 1;
	}
	return NULL;
}
