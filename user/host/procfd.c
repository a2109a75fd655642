// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Socket holders from /proc/PID/fd, and their join with the socket table records.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/idmap.h"
#include "core/log.h"
#include "host/procfd.h"
#include "host/procfs.h"

/* What every record of one process shares, read when its first socket shows up. */
struct holder {
	pid_t pid;
	int known;
	uint32_t netns;
	uint64_t cgroup1_id;
	uint64_t start_ns;
	char comm[PW_COMM_LEN];
};

/* One v1 memory cgroup path and its inode: neighbours in /proc often share one. */
struct cg1_cache {
	const char *mount;
	char path[PATH_MAX];
	uint64_t ino;
};

/* Decimal digits at @s up to @stop, no sign, no overflow of @max. 0 or -EINVAL. */
static int parse_decimal(const char *s, char stop, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == stop)
		return -EINVAL;
	for (; *s != stop; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* "PREFIX[N]" (a socket:[N] or net:[N] link) into N. 0 or -EINVAL. */
static int parse_bracketed(const char *link, const char *prefix, uint64_t max, uint64_t *out)
{
	size_t n = strlen(prefix);
	const char *digits = link + n + 1;

	if (strncmp(link, prefix, n) || link[n] != '[')
		return -EINVAL;
	/* the first ']' ends the number and the link */
	if (!strchr(digits, ']') || strchr(digits, ']')[1] != '\0')
		return -EINVAL;
	return parse_decimal(digits, ']', max, out);
}

static int read_link_at(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t n = readlinkat(dirfd, name, buf, len - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The inode of @mount/@path, the kernfs id the iterator records (0 if unknown). */
static uint64_t cgroup1_ino(struct cg1_cache *c, pid_t pid)
{
	char path[PATH_MAX], abs[2 * PATH_MAX];
	struct stat st;

	if (!c->mount || !c->mount[0] || procfs_pid_cgroup(pid, "memory", path, sizeof(path)))
		return 0;
	if (c->ino && !strcmp(path, c->path))
		return c->ino;
	snprintf(abs, sizeof(abs), "%s%s", c->mount, path);
	if (stat(abs, &st))
		return 0;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->ino = st.st_ino;
	return c->ino;
}

/* comm and start from stat, netns from ns/net, the v1 memory cgroup; each 0/"" when unreadable. */
static void holder_read(struct holder *h, int pid_fd, struct cg1_cache *cg)
{
	char buf[1024], link[64];
	struct proc_stat ps;
	uint64_t inum;
	ssize_t n;
	int fd = openat(pid_fd, "stat", O_RDONLY | O_CLOEXEC);

	h->known = 1;
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (!procfs_parse_stat(buf, &ps)) {
				memcpy(h->comm, ps.comm, sizeof(h->comm));
				h->start_ns = start_ns_of_ticks(ps.start_time);
			}
		}
	}
	if (!read_link_at(pid_fd, "ns/net", link, sizeof(link)) &&
	    !parse_bracketed(link, "net:", UINT32_MAX, &inum))
		h->netns = (uint32_t)inum;
	h->cgroup1_id = cgroup1_ino(cg, h->pid);
}

/* The record of fd @name if it is a socket. 1: filled; 0: not a socket; -errno. */
static int fd_record(int fd_dir, const char *name, struct pw_sock *s)
{
	char link[64];
	uint64_t fd, ino;

	if (parse_decimal(name, '\0', INT_MAX, &fd))
		return 0; /* "." and ".." */
	if (read_link_at(fd_dir, name, link, sizeof(link)))
		return 0; /* closed since readdir() */
	if (parse_bracketed(link, "socket:", UINT32_MAX, &ino) || !ino)
		return 0;
	memset(s, 0, sizeof(*s));
	s->key = PW_KEY_INODE | ino;
	s->fd = (uint32_t)fd;
	s->source = PW_SOCK_FILE;
	s->flags = PW_SOCKF_OWNER_KNOWN;
	return 1;
}

/* Every socket fd in the open directory @d of process @h. 0 or -ENOMEM. */
static int scan_fds(DIR *d, int pid_fd, struct holder *h, struct cg1_cache *cg,
		    struct inventory *inv)
{
	struct dirent *de;
	struct pw_sock s;

	while ((de = readdir(d))) {
		if (fd_record(dirfd(d), de->d_name, &s) <= 0)
			continue;
		if (!h->known)
			holder_read(h, pid_fd, cg);
		s.tgid = (uint32_t)h->pid;
		s.netns = h->netns;
		s.cgroup1_id = h->cgroup1_id;
		s.start_ns = h->start_ns;
		memcpy(s.comm, h->comm, sizeof(s.comm));
		if (inventory_add_sock(inv, &s))
			return -ENOMEM;
	}
	return 0;
}

/* One process, its /proc directory opened once and read with *at() calls. */
static int scan_pid(struct inventory *inv, pid_t pid, struct cg1_cache *cg)
{
	struct holder h = {.pid = pid};
	char rel[32], path[PATH_MAX];
	int pid_fd, fd_fd, err;
	DIR *d;

	snprintf(rel, sizeof(rel), "%d", (int)pid);
	err = procfs_path(path, sizeof(path), rel);
	if (err)
		return err;
	pid_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pid_fd < 0)
		return -errno;
	fd_fd = openat(pid_fd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd_fd >= 0 ? fdopendir(fd_fd) : NULL;
	if (!d) {
		err = -errno;
		if (fd_fd >= 0)
			close(fd_fd);
		close(pid_fd);
		return err;
	}
	err = scan_fds(d, pid_fd, &h, cg, inv);
	closedir(d);
	close(pid_fd);
	return err;
}

int procfd_scan_pid(struct inventory *inv, pid_t pid, const char *memory_mount)
{
	struct cg1_cache cg = {.mount = memory_mount};

	return scan_pid(inv, pid, &cg);
}

int procfd_scan(struct inventory *inv, const char *memory_mount)
{
	struct cg1_cache cg = {.mount = memory_mount};
	char root[PATH_MAX];
	struct dirent *de;
	uint64_t pid;
	int err = procfs_path(root, sizeof(root), "");
	DIR *d;

	if (err)
		return err;
	d = opendir(root);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		if (parse_decimal(de->d_name, '\0', INT_MAX, &pid))
			continue; /* self, sys, ... */
		err = scan_pid(inv, (pid_t)pid, &cg);
		if (err && err != -ENOMEM) {
			pr_debug("skipping pid %llu: %s\n", (unsigned long long)pid,
				 strerror(-err));
			err = 0;
		}
	}
	closedir(d);
	return err;
}

static bool key_is(const void *ctx, uint32_t idx, const void *key)
{
	const struct pw_sock *socks = ctx;

	return socks[idx].key == *(const uint64_t *)key;
}

/* A hash index from key to the first table record with it. 0 or -ENOMEM. */
static int index_tables(const struct inventory *inv, struct idmap *m)
{
	size_t nr = 0;

	for (size_t i = 0; i < inv->nr_socks; i++)
		nr += inv->socks[i].source != PW_SOCK_FILE;
	if (idmap_init(m, nr))
		return -ENOMEM;
	for (size_t i = 0; i < inv->nr_socks; i++) {
		const struct pw_sock *s = &inv->socks[i];
		uint32_t *slot;

		if (s->source == PW_SOCK_FILE)
			continue;
		slot = idmap_slot(m, hash_u64(s->key), key_is, inv->socks, &s->key);
		if (!*slot)
			*slot = (uint32_t)i + 1;
	}
	return 0;
}

/* The socket's side of a file record, from its table record. */
static void copy_socket_fields(struct pw_sock *f, const struct pw_sock *t)
{
	f->cgroup_id = t->cgroup_id;
	f->netns = t->netns; /* the socket's netns, as iter/task_file records it */
	memcpy(f->saddr, t->saddr, sizeof(f->saddr));
	memcpy(f->daddr, t->daddr, sizeof(f->daddr));
	f->sport = t->sport;
	f->dport = t->dport;
	f->family = t->family;
	f->protocol = t->protocol;
	f->state = t->state;
	f->substate = t->substate;
	f->flags = (f->flags & ~PW_SOCKF_BIND_BUCKET) | (t->flags & PW_SOCKF_BIND_BUCKET);
}

int procfd_complete(struct inventory *inv)
{
	struct idmap m;
	size_t kept = 0;
	int dropped;

	if (index_tables(inv, &m))
		return -ENOMEM;
	/* all lookups first: the compaction below moves table records */
	for (size_t i = 0; i < inv->nr_socks; i++) {
		struct pw_sock *s = &inv->socks[i];
		uint32_t t;

		if (s->source != PW_SOCK_FILE)
			continue;
		t = idmap_find(&m, hash_u64(s->key), key_is, inv->socks, &s->key);
		if (t == IDMAP_NONE)
			s->source = 0; /* no enum pw_sock_source: dropped below */
		else
			copy_socket_fields(s, &inv->socks[t]);
	}
	idmap_free(&m);
	for (size_t i = 0; i < inv->nr_socks; i++)
		if (inv->socks[i].source)
			inv->socks[kept++] = inv->socks[i];
	dropped = (int)(inv->nr_socks - kept);
	inv->nr_socks = kept;
	return dropped;
}
