/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The daemon's audit log: one JSON object per decision to --log FILE
 * (appended; local files need no port, so it works while ports are
 * exhausted) and a readable line on stderr. Schema in README.
 */
#ifndef PW_AUDIT_H
#define PW_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "core/policy.h"
#include "core/snapshot.h"

/* One record. Strings may be NULL (written as null). */
struct audit_record {
	const char *event;        /* "suspect", "action", "result", "config", "start", "stop" */
	const char *action;       /* "would_kill", "quarantine", "term", "kill", "release", ... */
	uint32_t pid;             /* 0: none */
	const char *comm;
	const char *cgroup;
	const char *cls;          /* leak class name */
	int32_t ports_held;       /* -1: unknown */
	const struct snap_pool *pool;
	const char *reason;
	const char *detail;
	const char *scope;        /* "process" or "cgroup" */
	bool dry_run;
	const struct state_counts *states; /* evidence: the suspect's sockets by state */
	int exited;               /* result: 1 exited, 0 alive, -1 not applicable */
};

struct audit {
	FILE *log;        /* NULL: stderr only */
	const char *path;
	unsigned int write_errors; /* records the file refused (warned about once) */
};

/* Open @path for appending (NULL: no file). Returns 0 or -errno. */
int audit_open(struct audit *a, const char *path);
/* Reopen the file (SIGHUP, after log rotation). */
int audit_reopen(struct audit *a);
void audit_close(struct audit *a);

void audit_write(struct audit *a, const struct audit_record *r);

/* Render one record as a JSON line into @out (for tests and the file).
 * Returns 0, or -EIO when a write failed (json_finish). */
int audit_format_json(FILE *out, const struct audit_record *r, const char *ts);

#endif /* PW_AUDIT_H */
