/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * An audit record as one structured journal entry: MESSAGE= (the readable
 * line, escaped as on stderr), PRIORITY=, and PORTWARDEN_* fields a reader
 * can filter on (journalctl PORTWARDEN_EVENT=action PORTWARDEN_CLASS=fast).
 * Names a process or a pod spec chose (comm, cgroup, pod, detail) are
 * escaped like the log: journalctl prints fields raw in -o verbose and cat.
 */
#ifndef PW_JOURNAL_H
#define PW_JOURNAL_H

#include <sys/uio.h>
#include "views/audit.h"

#define JOURNAL_FIELDS_MAX  24
#define JOURNAL_ENTRY_BYTES 32768 /* an escaped PATH_MAX cgroup fits, with the rest */

struct journal_entry {
	struct iovec iov[JOURNAL_FIELDS_MAX];
	int n;
	size_t used;
	char buf[JOURNAL_ENTRY_BYTES];
};

/* Fill @e from @r, @message (already escaped) and @priority (syslog's 0-7).
 * A field that does not fit whole is left out (and the entry still goes). */
void journal_entry_build(struct journal_entry *e, const struct audit_record *r, const char *message,
			 int priority);

/* The value of @field ("PORTWARDEN_COMM") in @e, NUL-terminated; NULL when
 * absent. For tests. */
const char *journal_entry_get(const struct journal_entry *e, const char *field);

#endif /* PW_JOURNAL_H */
