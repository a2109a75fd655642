/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Every /proc read goes through here, so tests can point it at fixture trees. */
#ifndef PW_PROCFS_H
#define PW_PROCFS_H

#include <stdio.h>
#include <sys/types.h>

/* Use @root instead of /proc (tests point it at tests/fixtures/proc). */
void procfs_set_root(const char *root);

/* fopen() of @root/@relpath for reading, e.g. "self/mountinfo"; NULL with errno set. */
FILE *procfs_fopen(const char *relpath);

/* The line of /proc/@pid/cgroup for @controller ("" for the cgroup2 line "0::"),
 * path only, into @buf. Returns 0, -ENOENT when absent, or -errno. */
int procfs_pid_cgroup(pid_t pid, const char *controller, char *buf, size_t len);

/* The path an open file descriptor of ours refers to (readlink of
 * /proc/self/fd/@fd). Returns 0 or -errno. */
int procfs_fd_path(int fd, char *buf, size_t len);

#endif /* PW_PROCFS_H */
