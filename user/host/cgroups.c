// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Cgroup mounts from mountinfo, --cgroup paths to ids, and ids back to paths.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
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
	if (i < 5 || strcmp(fields[3], "/"))
		return; /* not a hierarchy root */
	fstype = strtok_r(sep + 3, " ", &save);
	strtok_r(NULL, " ", &save); /* source */
	superopts = strtok_r(NULL, " \n", &save);
	if (!fstype)
		return;
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

int cgroup_find_mounts(struct cgroup_mounts *m)
{
	FILE *f = procfs_fopen("self/mountinfo");
	int err;

	if (!f)
		return -errno;
	err = cgroup_parse_mountinfo(f, m);
	fclose(f);
	return err;
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

/* Open the cgroup by its id (kernfs file handles are the id) and read back
 * the path: O(1), no tree walk. */
static int path_by_id(struct cgroup_resolver *r, int hierarchy, uint64_t id, char *out, size_t len)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} handle = {.fh = {.handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS}};
	const char *mount = hierarchy ? r->mounts.v1_memory : r->mounts.v2;
	char abs[PATH_MAX];
	int fd, err;

	if (id == CGROUP_ROOT_ID)
		return snprintf(out, len, "/") < 0 ? -EINVAL : 0;
	memcpy(handle.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(r->mount_fd[hierarchy], &handle.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = procfs_fd_path(fd, abs, sizeof(abs));
	close(fd);
	return err ? err : relative_to(mount, abs, out, len);
}

static const char *cached_path(struct cgroup_resolver *r, int hierarchy, uint64_t id)
{
	struct cache_slot *slot = &r->cache[(id * 2 + hierarchy) % CACHE_SLOTS];
	char path[PATH_MAX];

	if (slot->path && slot->id == id && slot->hierarchy == hierarchy)
		return slot->path;
	if (r->mount_fd[hierarchy] < 0 || path_by_id(r, hierarchy, id, path, sizeof(path)))
		return NULL; /* not cached: the cgroup may appear later */
	free(slot->path);
	slot->path = strdup(path);
	slot->id = id;
	slot->hierarchy = hierarchy;
	return slot->path;
}

void cgroup_resolver_place(struct cgroup_resolver *r, uint64_t cgroup_id, uint64_t cgroup1_id,
			   pid_t tgid, struct cgroup_place *out)
{
	const char *path;

	out->hierarchy = "v2";
	if (cgroup_id == 0) {
		/* TIME_WAIT and orphans nobody was seen closing have no cgroup left */
		snprintf(out->path, sizeof(out->path), "(no owner)");
		out->hierarchy = "unknown";
		return;
	}
	if (cgroup_id != CGROUP_ROOT_ID || !r->mounts.v1_memory[0]) {
		path = cached_path(r, 0, cgroup_id);
		if (path)
			snprintf(out->path, sizeof(out->path), "%s", path);
		else
			snprintf(out->path, sizeof(out->path), "(deleted cgroup %llu)",
				 (unsigned long long)cgroup_id);
		return;
	}
	/* Hybrid host, socket in the v2 root: the container shows in v1. */
	out->hierarchy = "v1:memory";
	path = cgroup1_id ? cached_path(r, 1, cgroup1_id) : NULL;
	if (path) {
		snprintf(out->path, sizeof(out->path), "%s", path);
		return;
	}
	if (tgid > 0 && procfs_pid_cgroup(tgid, "memory", out->path, sizeof(out->path)) == 0)
		return;
	out->hierarchy = "v2";
	snprintf(out->path, sizeof(out->path), "/");
}

int cgroup_populated(const char *mount, const char *rel)
{
	char path[2 * PATH_MAX], line[64];
	int populated = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s/cgroup.events", mount, rel);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "populated ", 10))
			populated = line[10] == '1';
	fclose(f);
	return populated;
}
