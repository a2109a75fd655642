/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * `report`, `top` and `snapshot` attach to a running `portwarden run`: one GET on its
 * unix socket (libcurl, CURLOPT_UNIX_SOCKET_PATH) instead of loading a
 * second set of BPF programs.
 *
 * Trust: these commands run as root and print what the socket says, so a
 * socket another user could have planted is not asked: the socket must be
 * a socket (not a link) owned by root (or by us) and not writable by group
 * or others, in a directory (not a link) owned by root (or by us) that
 * group and others cannot write to. The directory is opened once and the
 * socket reached through that descriptor (/proc/self/fd/N/NAME), so a
 * directory swapped after the checks is not the one connected to.
 */
#ifndef PW_DAEMON_CLIENT_H
#define PW_DAEMON_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define DAEMON_REPLY_MAX (64u << 20) /* a bigger answer is refused */

struct daemon_reply {
	long status; /* HTTP status */
	char *body;  /* NUL-terminated, malloc'ed */
	size_t len;
	uint64_t covered_ms; /* Portwarden-Covered-Seconds, when sent */
};

/*
 * GET @target ("/suspects", "/report?seconds=5") on the daemon's socket
 * @path, within @timeout_s. Returns 0 (any HTTP status: see r->status),
 * -ENOENT when no daemon answers there (no socket, nobody listening),
 * -EPERM when the socket is not trusted (@why says why), or another -errno
 * (@why says what failed). Free r with daemon_reply_free.
 */
int daemon_get(const char *path, const char *target, long timeout_s, struct daemon_reply *r,
	       char *why, size_t why_len);
void daemon_reply_free(struct daemon_reply *r);

/*
 * daemon_get() for a command that does the work itself when no daemon
 * helps: 0 with @r holding an HTTP 200 answer; else -errno with nothing to
 * free, after saying why as every attaching command says it: with no
 * daemon, only under -v; a socket not trusted, a failed request or another
 * status, a warning. @instead ends each line: what the command does then
 * ("watching here").
 */
int daemon_attach(const char *path, const char *target, long timeout_s, struct daemon_reply *r,
		  const char *instead);

/* The trust check alone, on an open directory @dir_fd and @name in it. */
int daemon_socket_trusted(int dir_fd, const char *name, char *why, size_t why_len);

#endif /* PW_DAEMON_CLIENT_H */
