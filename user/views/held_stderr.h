/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* While a full-screen view is up, messages (warnings, libbpf's) would
 * scribble over it: stderr goes to a memory file, whose tail is printed once
 * the terminal is restored. */
#ifndef PW_HELD_STDERR_H
#define PW_HELD_STDERR_H

#define HELD_STDERR_MAX (64 * 1024) /* the tail replayed */

struct held_stderr {
	int saved; /* the real stderr, or -1 */
	int log;   /* the memory file, or -1 */
};

void held_stderr_init(struct held_stderr *h);
/* From now on stderr is held; when that fails, messages show on the screen:
 * better than lost. */
void held_stderr_start(struct held_stderr *h);
/* Restore stderr and print the tail of what was held. */
void held_stderr_replay(struct held_stderr *h);

#endif /* PW_HELD_STDERR_H */
