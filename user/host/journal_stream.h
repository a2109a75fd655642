/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Is stderr the journal? systemd sets JOURNAL_STREAM=DEV:INODE when it
 * connects a service's stderr to journald; a child whose stderr was
 * redirected since (a shell, a pipe) still inherits the variable, so it only
 * counts when stderr is that very socket (systemd.exec(5)).
 */
#ifndef PW_JOURNAL_STREAM_H
#define PW_JOURNAL_STREAM_H

#include <stdbool.h>
#include <sys/stat.h>

/* Does @env (JOURNAL_STREAM's value, NULL when unset) name @st's file? */
bool journal_stream_matches(const char *env, const struct stat *st);

/* Is @fd the stream JOURNAL_STREAM names? */
bool journal_stream_is(int fd);

/* Does journald's native socket (/run/systemd/journal/socket) exist?
 * sd_journal_sendv(3) returns 0 when it does not ("fail silently"): without
 * it, records go to the stream instead of vanishing. */
bool journal_native_available(void);

#endif /* PW_JOURNAL_STREAM_H */
