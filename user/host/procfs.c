// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Reads of /proc files, with a root that tests can override.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "host/procfs.h"

static const char *proc_root = "/proc";

void procfs_set_root(const char *root)
{
	proc_root = root;
}

int procfs_path(char *buf, size_t len, const char *relpath)
{
	return snprintf(buf, len, "%s/%s", proc_root, relpath) >= (int)len ? -ENAMETOOLONG : 0;
}

FILE *procfs_fopen(const char *relpath)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", proc_root, relpath) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(path, "re");
}

/* Does "ID:CONTROLLERS:PATH" name @controller? "" matches the v2 line "0::". */
static const char *cgroup_line_path(char *line, const char *controller)
{
	char *controllers = strchr(line, ':');
	char *path = controllers ? strchr(controllers + 1, ':') : NULL;
	size_t want = strlen(controller);

	if (!path)
		return NULL;
	controllers++;
	*path++ = '\0';
	path[strcspn(path, "\n")] = '\0';
	if (!want)
		return *controllers ? NULL : path;
	/* controllers is a comma-separated list, e.g. "cpu,cpuacct" */
	for (char *c = controllers; c; c = strchr(c, ',')) {
		if (*c == ',')
			c++;
		if (!strncmp(c, controller, want) && (c[want] == ',' || c[want] == '\0'))
			return path;
	}
	return NULL;
}

int procfs_pid_cgroup(pid_t pid, const char *controller, char *buf, size_t len)
{
	char rel[64], line[PATH_MAX + 64];
	const char *path;
	int err = -ENOENT;
	FILE *f;

	snprintf(rel, sizeof(rel), "%d/cgroup", (int)pid);
	f = procfs_fopen(rel);
	if (!f)
		return -errno;
	errno = 0;
	while (fgets(line, sizeof(line), f)) {
		path = cgroup_line_path(line, controller);
		if (path) {
			err = snprintf(buf, len, "%s", path) >= (int)len ? -ENAMETOOLONG : 0;
			/* the kernel cuts a longer path to PATH_MAX - 1 bytes, silently */
			if (!err && strlen(path) >= PATH_MAX - 1)
				err = -ENAMETOOLONG;
			break;
		}
	}
	/* a read error is no absent line (older kernels fail the read with
	 * ENAMETOOLONG for a cgroup path of PATH_MAX or more) */
	if (err == -ENOENT && ferror(f))
		err = errno ? -errno : -EIO;
	fclose(f);
	return err;
}

int procfs_fd_path(int fd, char *buf, size_t len)
{
	char link[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/self/fd/%d", proc_root, fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int procfs_parse_stat(const char *line, struct proc_stat *out)
{
	const char *open = strchr(line, '('), *close = strrchr(line, ')');
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!open || !close || close < open)
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(out->comm))
		len = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, len);
	/* state ppid pgrp session tty_nr tpgid flags ... starttime (field 22) */
	if (sscanf(close + 1, " %c %d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &out->state, &out->ppid, &out->flags, &out->start_time) != 4)
		return -EINVAL;
	return 0;
}

int procfs_pid_stat(pid_t pid, struct proc_stat *out)
{
	char rel[32], line[1024];
	FILE *f;
	int err;

	snprintf(rel, sizeof(rel), "%d/stat", (int)pid);
	f = procfs_fopen(rel);
	if (!f)
		return -errno;
	err = fgets(line, sizeof(line), f) ? procfs_parse_stat(line, out) : -EIO;
	fclose(f);
	return err;
}

int procfs_pid_exe(pid_t pid, char *buf, size_t len)
{
	char link[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/%d/exe", proc_root, (int)pid);
	n = readlink(link, buf, len - 1);
	if (n < 0) {
		buf[0] = '\0';
		return -errno;
	}
	buf[n] = '\0';
	return 0;
}
