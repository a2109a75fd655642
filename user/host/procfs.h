/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Every /proc read goes through here, so tests can point it at fixture trees. */
#ifndef PW_PROCFS_H
#define PW_PROCFS_H

#include <stdio.h>
#include <sys/types.h>
#include "pw_common.h"

/* Use @root instead of /proc (tests point it at tests/fixtures/proc). */
void procfs_set_root(const char *root);

/* @root/@relpath into @buf (for paths handed to open() or setns()).
 * Returns 0 or -ENAMETOOLONG. */
int procfs_path(char *buf, size_t len, const char *relpath);

/* fopen() of @root/@relpath for reading, e.g. "self/mountinfo"; NULL with errno set. */
FILE *procfs_fopen(const char *relpath);

/* The line of /proc/@pid/cgroup for @controller ("" for the cgroup2 line "0::"),
 * path only, into @buf. Returns 0, -ENOENT when absent, or -errno;
 * -ENAMETOOLONG for a path the kernel may have cut (PATH_MAX - 1 bytes or more). */
int procfs_pid_cgroup(pid_t pid, const char *controller, char *buf, size_t len);

/* The fields of /proc/PID/stat that identify a process. */
struct proc_stat {
	char comm[PW_COMM_LEN];
	char state;
	int ppid;
	unsigned long flags;     /* PF_* (PF_KTHREAD = 0x00200000) */
	unsigned long long start_time; /* clock ticks after boot: with the pid, an identity */
};

/* Parse one /proc/PID/stat line. comm may hold spaces and ')': fields are
 * read after the last ')'. Returns 0 or -EINVAL. */
int procfs_parse_stat(const char *line, struct proc_stat *out);
int procfs_pid_stat(pid_t pid, struct proc_stat *out);

/* The executable of @pid (readlink of /proc/PID/exe). Returns 0 or -errno;
 * kernel threads and exited processes have none. */
int procfs_pid_exe(pid_t pid, char *buf, size_t len);

/* The path an open file descriptor of ours refers to (readlink of
 * /proc/self/fd/@fd). Returns 0 or -errno. */
int procfs_fd_path(int fd, char *buf, size_t len);

#endif /* PW_PROCFS_H */
