// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Cgroup mounts from mountinfo, --cgroup paths to ids, and ids back to paths.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "core/log.h"
#include "host/cgroups.h"
#include "host/procfs.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define FILEID_KERNFS	    0xfe /* file handle type of kernfs: the handle is the 64-bit id */
#define CACHE_SLOTS	    1024

/* mountinfo escapes space, tab, newline and backslash as \ooo (octal). */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Is @opt one of the comma-separated @options? */
static int has_option(const char *options, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = options; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, opt, n) && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
			return 1;
	}
	return 0;
}

/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS" */
static void parse_mountinfo_line(char *line, struct cgroup_mounts *m)
{
	char *fields[5], *sep = strstr(line, " - ");
	char *fstype, *superopts, *save = NULL, *tok = strtok_r(line, " ", &save);
	int i;

	if (!sep)
		return;
	*sep = '\0';
	for (i = 0; i < 5 && tok; i++, tok = strtok_r(NULL, " ", &save))
		fields[i] = tok;
	if (i < 5)
		return;
	fstype = strtok_r(sep + 3, " ", &save);
	strtok_r(NULL, " ", &save); /* source */
	superopts = strtok_r(NULL, " \n", &save);
	if (!fstype)
		return;
	if (!strcmp(fstype, "cgroup2") && !strncmp(fields[3], "/..", 3))
		m->v2_above_namespace = true;
	if (strcmp(fields[3], "/"))
		return; /* not a hierarchy root */
	unescape_octal(fields[4]);
	if (!strcmp(fstype, "cgroup2") && !m->v2[0])
		snprintf(m->v2, sizeof(m->v2), "%s", fields[4]);
	else if (!strcmp(fstype, "cgroup") && superopts && has_option(superopts, "memory") &&
		 !m->v1_memory[0])
		snprintf(m->v1_memory, sizeof(m->v1_memory), "%s", fields[4]);
}

int cgroup_parse_mountinfo(FILE *mountinfo, struct cgroup_mounts *m)
{
	char line[2 * PATH_MAX];

	memset(m, 0, sizeof(*m));
	while (fgets(line, sizeof(line), mountinfo))
		parse_mountinfo_line(line, m);
	return m->v2[0] ? 0 : -ENOENT;
}

static int read_mounts(struct cgroup_mounts *m)
{
	FILE *f = procfs_fopen("self/mountinfo");
	int err;

	if (!f)
		return -errno;
	err = cgroup_parse_mountinfo(f, m);
	fclose(f);
	return err;
}

/* Join PID 1's cgroup namespace. Test only: PORTWARDEN_TEST_CGROUPNS_PID
 * names another process's (a test cannot open this machine's PID 1). */
static int join_host_cgroupns(char *path, size_t len)
{
	const char *pid = getenv("PORTWARDEN_TEST_CGROUPNS_PID");
	int fd, err = 0;

	snprintf(path, len, "/proc/%s/ns/cgroup", pid && *pid ? pid : "1");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWCGROUP))
		err = -errno;
	close(fd);
	return err;
}

int cgroup_find_mounts(struct cgroup_mounts *m)
{
	char ns[64];
	int err = read_mounts(m);

	if (err != -ENOENT || !m->v2_above_namespace)
		return err;
	err = join_host_cgroupns(ns, sizeof(ns));
	if (err) {
		pr_warn("the host's cgroup2 mount lies outside this cgroup namespace (a pod's?) "
			"and joining %s failed: %s; run with hostPID and CAP_SYS_ADMIN\n",
			ns, strerror(-err));
		return -ENOENT;
	}
	pr_debug("joined the cgroup namespace of %s: the host's paths\n", ns);
	return read_mounts(m);
}

/* @abs relative to @mount ("/" for the mount itself), or -EINVAL if outside it. */
static int relative_to(const char *mount, const char *abs, char *out, size_t len)
{
	size_t n = strlen(mount);

	if (strncmp(abs, mount, n) || (abs[n] != '/' && abs[n] != '\0'))
		return -EINVAL;
	snprintf(out, len, "%s", abs[n] ? abs + n : "/");
	return 0;
}

static int path_level(const char *rel)
{
	int level = 0;

	for (const char *p = rel; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			level++;
	return level;
}

static int is_cgroup2_dir(const char *dir, struct stat *st)
{
	struct statfs fs;

	return statfs(dir, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC && stat(dir, st) == 0 &&
	       S_ISDIR(st->st_mode);
}

int cgroup_target_resolve(const struct cgroup_mounts *m, const char *arg, struct cgroup_target *t)
{
	char joined[PATH_MAX], *real;
	struct stat st;

	memset(t, 0, sizeof(*t));
	if (snprintf(joined, sizeof(joined), "%s/%s", m->v2, arg) >= (int)sizeof(joined))
		return -ENAMETOOLONG;
	real = realpath(arg, NULL);
	if (!real || !is_cgroup2_dir(real, &st)) {
		free(real);
		real = realpath(joined, NULL);
	}
	if (!real || !is_cgroup2_dir(real, &st) ||
	    relative_to(m->v2, real, t->path, sizeof(t->path))) {
		free(real);
		return -ENOENT;
	}
	snprintf(t->dir, sizeof(t->dir), "%s", real);
	free(real);
	t->id = st.st_ino; /* a cgroup2 directory's inode number is its cgroup id */
	t->level = path_level(t->path);
	return 0;
}

struct cache_slot {
	uint64_t id;
	int hierarchy; /* 0: v2, 1: v1 memory */
	char *path;
};

struct cgroup_resolver {
	struct cgroup_mounts mounts;
	int mount_fd[2]; /* v2, v1 memory; -1 when absent */
	struct cache_slot cache[CACHE_SLOTS];
};

struct cgroup_resolver *cgroup_resolver_new(const struct cgroup_mounts *m)
{
	struct cgroup_resolver *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->mounts = *m;
	r->mount_fd[0] = m->v2[0] ? open(m->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	r->mount_fd[1] =
		m->v1_memory[0] ? open(m->v1_memory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	return r;
}

void cgroup_resolver_free(struct cgroup_resolver *r)
{
	if (!r)
		return;
	for (int i = 0; i < 2; i++)
		if (r->mount_fd[i] >= 0)
			close(r->mount_fd[i]);
	for (int i = 0; i < CACHE_SLOTS; i++)
		free(r->cache[i].path);
	free(r);
}

/* The name of the directory with inode @ino in directory @parent_fd, into
 * @name. 0, or -ENOENT when none has it (renamed or removed meanwhile). */
static int name_in_parent(int parent_fd, ino_t ino, char name[NAME_MAX + 1])
{
	int fd = openat(parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *d;
	int err = -ENOENT;
	DIR *dir;

	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		err = -errno;
		close(fd);
		return err;
	}
	errno = 0;
	while ((d = readdir(dir)))
		if (d->d_ino == ino && strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			snprintf(name, NAME_MAX + 1, "%s", d->d_name);
			err = 0;
			break;
		}
	if (err && errno)
		err = -errno;
	closedir(dir);
	return err;
}

/* Prepend "/@name" to the path being built backwards in @buf (its tail
 * from *@at). -ENAMETOOLONG past PW_CGROUP_PATH_MAX. */
static int prepend(char *buf, size_t *at, const char *name)
{
	size_t n = strlen(name);

	if (n + 1 > *at)
		return -ENAMETOOLONG;
	*at -= n;
	memcpy(buf + *at, name, n);
	buf[--*at] = '/';
	return 0;
}

/*
 * The path of the directory open at @fd relative to the mount open at
 * @mount_fd, found by walking up: each level's name is the entry of its
 * parent with its inode number. For paths the kernel will not give back
 * (readlink of the fd fails with ENAMETOOLONG past PATH_MAX). A rename
 * during the walk may give a path that never existed; a removal fails it.
 */
static int walk_up(int mount_fd, int fd, char **out)
{
	char *buf = malloc(PW_CGROUP_PATH_MAX), name[NAME_MAX + 1];
	size_t at = PW_CGROUP_PATH_MAX - 1;
	struct stat root, st;
	int cur = dup(fd), parent, err = 0;

	if (!buf || cur < 0 || fstat(mount_fd, &root)) {
		err = !buf ? -ENOMEM : -errno;
		goto out;
	}
	buf[at] = '\0';
	while (!err) {
		if (fstat(cur, &st)) {
			err = -errno;
			break;
		}
		if (st.st_ino == root.st_ino && st.st_dev == root.st_dev)
			break; /* at the mount */
		parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0) {
			err = -errno;
			break;
		}
		err = name_in_parent(parent, st.st_ino, name);
		if (!err)
			err = prepend(buf, &at, name);
		close(cur);
		cur = parent;
	}
	if (!err && !(*out = strdup(buf[at] ? buf + at : "/")))
		err = -ENOMEM;
out:
	if (cur >= 0)
		close(cur);
	free(buf);
	return err;
}

/* Open the cgroup by its id (kernfs file handles are the id) and read back
 * the path: O(1), no tree walk; walk_up() when it is too long to read back.
 * -ENOENT when the cgroup is gone. */
static int path_by_id(struct cgroup_resolver *r, int hierarchy, uint64_t id, char **out)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} handle = {.fh = {.handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS}};
	const char *mount = hierarchy ? r->mounts.v1_memory : r->mounts.v2;
	char abs[PATH_MAX], rel[PATH_MAX];
	int fd, err;

	memcpy(handle.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(r->mount_fd[hierarchy], &handle.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ESTALE ? -ENOENT : -errno;
	err = procfs_fd_path(fd, abs, sizeof(abs));
	if (!err)
		err = relative_to(mount, abs, rel, sizeof(rel));
	if (!err && !(*out = strdup(rel)))
		err = -ENOMEM;
	else if (err == -ENAMETOOLONG)
		err = walk_up(r->mount_fd[hierarchy], fd, out);
	close(fd);
	return err;
}

/* The path of cgroup @id, or NULL with *@err set (-ENOENT: gone). */
static const char *cached_path(struct cgroup_resolver *r, int hierarchy, uint64_t id, int *err)
{
	struct cache_slot *slot = &r->cache[(id * 2 + hierarchy) % CACHE_SLOTS];
	char *path = NULL;

	*err = 0;
	if (id == CGROUP_ROOT_ID)
		return "/";
	if (slot->path && slot->id == id && slot->hierarchy == hierarchy)
		return slot->path;
	*err = r->mount_fd[hierarchy] < 0 ? -EBADF : path_by_id(r, hierarchy, id, &path);
	if (*err)
		return NULL; /* not cached: the cgroup may appear later */
	free(slot->path);
	slot->path = path;
	slot->id = id;
	slot->hierarchy = hierarchy;
	return slot->path;
}

/* @out names @path (copied), or says why it is unnamed. */
static void place_set(struct cgroup_place *out, const char *path, int err, uint64_t id)
{
	char text[64];

	out->err = err;
	if (!err) {
		out->owned = strdup(path);
		if (!out->owned)
			err = out->err = -ENOMEM;
	}
	if (err) {
		/* gone: a cgroup removed since; else alive but unnamed (too long, EMFILE, ...) */
		snprintf(text, sizeof(text),
			 err == -ENOENT ? "(deleted cgroup %llu)" : "(unnamed cgroup %llu)",
			 (unsigned long long)id);
		out->owned = strdup(text);
	}
	out->path = out->owned ? out->owned : "(unnamed cgroup)";
}

void cgroup_resolver_place(struct cgroup_resolver *r, uint64_t cgroup_id, uint64_t cgroup1_id,
			   pid_t tgid, struct cgroup_place *out)
{
	char v1[PATH_MAX];
	const char *path;
	int err;

	out->owned = NULL;
	out->hierarchy = "v2";
	if (cgroup_id == 0) {
		/* TIME_WAIT and orphans nobody was seen closing have no cgroup left */
		place_set(out, "(no owner)", 0, 0);
		out->hierarchy = "unknown";
		return;
	}
	if (cgroup_id != CGROUP_ROOT_ID || !r->mounts.v1_memory[0]) {
		path = cached_path(r, 0, cgroup_id, &err);
		place_set(out, path, err, cgroup_id);
		return;
	}
	/* Hybrid host, socket in the v2 root: the container shows in v1. */
	out->hierarchy = "v1:memory";
	path = cgroup1_id ? cached_path(r, 1, cgroup1_id, &err) : NULL;
	if (path) {
		place_set(out, path, 0, cgroup1_id);
		return;
	}
	if (tgid > 0 && procfs_pid_cgroup(tgid, "memory", v1, sizeof(v1)) == 0) {
		place_set(out, v1, 0, cgroup1_id);
		return;
	}
	out->hierarchy = "v2";
	place_set(out, "/", 0, cgroup_id);
}

int cgroup_populated(const char *mount, const char *rel)
{
	char path[2 * PATH_MAX], line[64];
	int populated = -ENOENT;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s%s/cgroup.events", mount, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "populated ", 10))
			populated = line[10] == '1';
	fclose(f);
	return populated;
}
