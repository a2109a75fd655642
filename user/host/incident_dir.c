// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// run's incident directory: safe creation, exclusive files, retention.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host/incident_dir.h"

#define INCIDENT_PREFIX "incident-"

/* mkdir -p, 0750 for what it creates: the reports name other users'
 * processes and cgroups. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

int incident_dir_open(struct incident_dir *d, const char *path)
{
	struct stat st;
	int err = make_dirs(path);

	d->fd = -1;
	d->path = path;
	if (err)
		return err;
	/* O_NOFOLLOW: a link planted as the last component is refused (ELOOP
	 * on Linux; ENOTDIR from O_DIRECTORY on some) */
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd < 0) {
		err = -errno;
		if (err == -ENOTDIR && !lstat(path, &st) && S_ISLNK(st.st_mode))
			err = -ELOOP;
		return err;
	}
	if (fstat(d->fd, &st)) {
		err = -errno;
	} else if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		err = -EPERM; /* someone else could plant or swap files in it */
	}
	if (err) {
		close(d->fd);
		d->fd = -1;
	}
	d->open = !err;
	return err;
}

const char *incident_dir_strerror(int err)
{
	switch (err) {
	case -ELOOP:
		return "it is a symbolic link";
	case -EPERM:
		return "others can write to it (it must be ours, not group- or world-writable)";
	case -ENOTDIR:
		return "not a directory";
	default:
		return strerror(-err);
	}
}

int incident_file_create(const struct incident_dir *d, const char *name, FILE **f)
{
	int fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0)
		return -errno;
	*f = fdopen(fd, "w");
	if (!*f) {
		int err = -errno;

		close(fd);
		unlinkat(d->fd, name, 0);
		return err;
	}
	return 0;
}

void incident_file_remove(const struct incident_dir *d, const char *name)
{
	unlinkat(d->fd, name, 0);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Length of @name's stem: up to its last '.'. */
static size_t stem_len(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? (size_t)(dot - name) : strlen(name);
}

/* The "incident-*" names in @d, sorted: a new array of new strings. */
static int list_incidents(const struct incident_dir *d, char ***names, size_t *nr)
{
	int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*nr = 0;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, INCIDENT_PREFIX, strlen(INCIDENT_PREFIX)) ||
		    de->d_type == DT_DIR)
			continue;
		if (*nr == cap) {
			char **more = reallocarray(*names, cap = cap ? cap * 2 : 64, sizeof(*more));

			if (!more)
				break;
			*names = more;
		}
		if (!((*names)[*nr] = strdup(de->d_name)))
			break;
		(*nr)++;
	}
	closedir(dir);
	qsort(*names, *nr, sizeof(**names), cmp_name);
	return 0;
}

int incident_dir_trim(const struct incident_dir *d, uint32_t keep)
{
	char **names;
	size_t nr, stems = 0, drop, removed = 0;
	int err;

	if (!d->open)
		return 0;
	err = list_incidents(d, &names, &nr);
	if (err)
		return err;
	for (size_t i = 0; i < nr; i++)
		if (!i || stem_len(names[i]) != stem_len(names[i - 1]) ||
		    strncmp(names[i], names[i - 1], stem_len(names[i])))
			stems++;
	drop = stems > keep ? stems - keep : 0;
	for (size_t i = 0, s = 0; i < nr; i++) {
		if (i && (stem_len(names[i]) != stem_len(names[i - 1]) ||
			  strncmp(names[i], names[i - 1], stem_len(names[i]))))
			s++;
		if (s < drop && !unlinkat(d->fd, names[i], 0))
			removed++;
	}
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	return (int)removed;
}

void incident_dir_close(struct incident_dir *d)
{
	if (d->open)
		close(d->fd);
	d->fd = -1;
	d->open = false;
}
