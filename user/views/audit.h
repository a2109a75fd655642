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
#include <sys/types.h>
#include "core/policy.h"
#include "core/reclaim_pick.h"
#include "core/refusals.h"
#include "core/snapshot.h"

/* One record. Strings may be NULL (written as null). */
struct audit_record {
	const char *event;        /* "suspect", "action", "result", "config", "start", "stop" */
	const char *action;       /* "would_kill", "quarantine", "term", "kill", "release", ... */
	uint32_t pid;             /* 0: none */
	/* with the pid, which process: its start, in clock ticks after boot
	 * (/proc/PID/stat field 22); 0: unknown */
	uint64_t start_time;
	const char *comm;
	const char *cgroup;
	const char *cls;          /* leak class name */
	int32_t ports_held;       /* -1: unknown */
	const struct snap_pool *pool;
	/* the pool a refuse / would_refuse record's calls were to take a port
	 * from (written as "pool" when pool is NULL) */
	const struct refusal_pool *refused_in;
	const char *reason;
	const char *detail;
	const char *scope;        /* "process" or "cgroup" */
	bool dry_run;
	const struct state_counts *states; /* evidence: the suspect's sockets by state */
	int exited;               /* result: 1 exited, 0 alive, -1 not applicable */
	const struct container_names *names; /* its container's (runtime's), or NULL */
	const char *incident;		     /* result: the incident report's HTML file, or NULL */
	const struct reclaim_counts *reclaim; /* a reclaim (or would_reclaim) action, or NULL */
};

#define AUDIT_LAST_ACTION_MAX 192
#define AUDIT_RECENT 32 /* action and result records kept for run's /suspects */

struct audit {
	int fd;           /* -1: stderr only */
	/* the latest "action" and "result" records as JSON (no newline), oldest
	 * first from recent_head; kept whatever the file did with them */
	char *recent[AUDIT_RECENT];
	size_t recent_head, nr_recent;
	const char *path;
	/* records the file refused (disk full, EIO), for the exit summary */
	unsigned long long write_errors;
	unsigned long long errors_warned; /* of those, already in a warning */
	uint64_t warned_ms;               /* when the last warning was */
	int last_error;                   /* -errno of the last refusal */
	/* stderr is the journal (host/journal_stream.h): records go there as
	 * structured entries (views/journal.h) instead of the stderr line */
	bool journal;
	/* the latest "action" record, "term pid 42 leaker" (escaped), "" none */
	char last_action[AUDIT_LAST_ACTION_MAX];
};

/*
 * Open @path for appending (NULL: no file). The file must be a regular file
 * and not a symbolic link (O_NOFOLLOW): a FIFO would block the daemon, a
 * device (/dev/full) would swallow the records, and a link planted in a
 * shared directory would make root append to its target. Created 0640 (less
 * the umask): the records name other users' processes and cgroups, so not
 * world-readable; group-readable as Debian's logs are (root:adm 0640).
 * Returns 0 or -errno (regular_file_strerror tells the reason).
 */
int audit_open(struct audit *a, const char *path);
/* Reopen the file (SIGHUP, after log rotation). When the new file cannot be
 * opened, the old one is kept and a warning says why; returns that -errno. */
int audit_reopen(struct audit *a);
/* Close the file; free the records kept. */
void audit_close(struct audit *a);

/* The @i-th (0: oldest) of the a->nr_recent records kept, NULL when none. */
const char *audit_recent(const struct audit *a, size_t i);

/* The stderr line (or the journal entry), and the JSON line appended with
 * one write(). A refused write is counted; a warning says so at once, then
 * at most once a minute. A journal entry journald refuses goes to stderr. */
void audit_write(struct audit *a, const struct audit_record *r);

/* Render one record as a JSON line into @out (for tests and the file).
 * Returns 0, or -EIO when a write failed (json_finish). */
int audit_format_json(FILE *out, const struct audit_record *r, const char *ts);

#endif /* PW_AUDIT_H */
