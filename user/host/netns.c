// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Network namespace discovery, setns() in and out, and per-netns port sysctls.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host/netns.h"
#include "host/sysctl.h"
#include "host/procfs.h"

static const char *const named_dirs[] = {"/run/netns", "/var/run/docker/netns"};

static int home_fd = -1; /* our own netns, opened on first netns_enter() */

uint32_t netns_inum_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static int have_inum(const struct netns_ref *refs, size_t nr, uint32_t inum)
{
	for (size_t i = 0; i < nr; i++)
		if (refs[i].inum == inum)
			return 1;
	return 0;
}

size_t netns_add_named(struct netns_ref *refs, size_t nr, size_t max)
{
	for (size_t d = 0; d < sizeof(named_dirs) / sizeof(named_dirs[0]); d++) {
		DIR *dir = opendir(named_dirs[d]);
		struct dirent *de;

		while (dir && nr < max && (de = readdir(dir))) {
			struct netns_ref *r = &refs[nr];

			if (de->d_name[0] == '.')
				continue;
			snprintf(r->path, sizeof(r->path), "%s/%s", named_dirs[d], de->d_name);
			r->inum = netns_inum_of(r->path);
			if (r->inum && !have_inum(refs, nr, r->inum))
				nr++;
		}
		if (dir)
			closedir(dir);
	}
	return nr;
}

int netns_enter(const char *path)
{
	char home[64];
	int fd, err = 0;

	if (home_fd < 0) {
		procfs_path(home, sizeof(home), "thread-self/ns/net");
		home_fd = open(home, O_RDONLY | O_CLOEXEC);
		if (home_fd < 0)
			return -errno;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
	return err;
}

int netns_leave(void)
{
	if (home_fd < 0)
		return 0;
	return setns(home_fd, CLONE_NEWNET) ? -errno : 0;
}

static int read_sysctl(const char *name, char *buf, size_t len)
{
	FILE *f = procfs_fopen(name);
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0'; /* an empty reserved-ports list reads as nothing at all */
	fclose(f);
	return err;
}

int netns_read_ports(struct netns_ports *out)
{
	char buf[4096];
	int err;

	out->known = false;
	err = read_sysctl("sys/net/ipv4/ip_local_port_range", buf, sizeof(buf));
	if (!err)
		err = parse_port_range(buf, &out->low, &out->high);
	if (!err)
		err = read_sysctl("sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf));
	if (!err)
		err = parse_reserved_ports(buf, out->reserved);
	out->known = !err;
	return err;
}

/* Add the counts of one sockstat file; both are a few lines. */
static int read_sockstat_file(const char *name, struct sockstat *out)
{
	FILE *f = procfs_fopen(name);
	char buf[1024];
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return parse_sockstat(buf, out);
}

int netns_read_sockstat(struct sockstat *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = read_sockstat_file("thread-self/net/sockstat", out);
	if (!err) {
		err = read_sockstat_file("thread-self/net/sockstat6", out);
		if (err == -ENOENT)
			err = 0;
	}
	return err;
}
