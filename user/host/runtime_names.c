// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Read a container's names from its runtime's files, cached per container id.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/regular_file.h"
#include "core/runtime_names.h"
#include "host/runtime_names.h"

/* A node runs a few hundred containers at most; more just means re-reads. */
#define CACHE_SIZE 512

/* What a file was when it was read: a change means read it again. */
struct stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct entry {
	enum container_runtime runtime; /* CONTAINER_NONE: a free slot */
	char id[CONTAINER_ID_LEN + 1];
	struct stamp stamp;
	struct container_names names;
	int err;
	unsigned long used;  /* the lookup clock when last used, for eviction */
	uint64_t checked_ms; /* when its file was last stat'ed */
};

static const char *names_root = "";
static uint64_t recheck_ms = RUNTIME_NAMES_RECHECK_MS;
static struct entry cache[CACHE_SIZE];
static unsigned long clock_now;
static struct runtime_names_stats stats;

void runtime_names_set_root(const char *root)
{
	names_root = root ? root : "";
	memset(cache, 0, sizeof(cache));
}

void runtime_names_set_recheck_ms(uint64_t ms)
{
	recheck_ms = ms;
}

/* A coarse clock (vDSO, no syscall): trace looks names up for every event. */
static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

void runtime_names_stats(struct runtime_names_stats *out)
{
	*out = stats;
}

static int file_path(char *buf, size_t len, const struct container_id *c)
{
	int n;

	switch (c->runtime) {
	case CONTAINER_CONTAINERD:
		n = snprintf(buf, len, "%s" RUNTIME_NAMES_CONTAINERD_DIR "/%s/config.json",
			     names_root, c->id);
		break;
	case CONTAINER_CRIO:
		n = snprintf(buf, len, "%s" RUNTIME_NAMES_CRIO_DIR "/%s/userdata/config.json",
			     names_root, c->id);
		break;
	case CONTAINER_PODMAN:
		n = snprintf(buf, len, "%s" RUNTIME_NAMES_PODMAN_FILE, names_root);
		break;
	default:
		return -EOPNOTSUPP;
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool stamp_equal(const struct stamp *a, const struct stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static struct stamp stamp_of(const struct stat *st)
{
	return (struct stamp){st->st_dev, st->st_ino, st->st_size, st->st_mtim};
}

/* Read the whole of @path into a new buffer (*@text, *@len), stamped. */
static int read_file(const char *path, char **text, size_t *len, struct stamp *stamp)
{
	struct stat st;
	ssize_t n = 0;
	size_t got = 0;
	char *buf;
	int fd = regular_file_open(path, O_RDONLY | O_NOFOLLOW, 0);

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || st.st_size > (off_t)RUNTIME_NAMES_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	*stamp = stamp_of(&st);
	/* one byte more than the limit tells a file that grew past it */
	buf = malloc(RUNTIME_NAMES_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got <= RUNTIME_NAMES_FILE_MAX &&
	       (n = read(fd, buf + got, RUNTIME_NAMES_FILE_MAX + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (n < 0 || got > RUNTIME_NAMES_FILE_MAX) {
		free(buf);
		return n < 0 ? -EIO : -EFBIG;
	}
	*text = buf;
	*len = got;
	return 0;
}

static int parse(const struct container_id *c, const char *text, size_t len,
		 struct container_names *out)
{
	if (c->runtime == CONTAINER_PODMAN)
		return runtime_names_podman_from_json(text, len, c->id, out);
	return runtime_names_from_json(c->runtime, text, len, out);
}

static struct entry *find(const struct container_id *c)
{
	for (size_t i = 0; i < CACHE_SIZE; i++)
		if (cache[i].runtime == c->runtime && !strcmp(cache[i].id, c->id))
			return &cache[i];
	return NULL;
}

/* A free slot, else the least recently used one. */
static struct entry *victim(void)
{
	struct entry *v = &cache[0];

	for (size_t i = 0; i < CACHE_SIZE; i++) {
		if (cache[i].runtime == CONTAINER_NONE)
			return &cache[i];
		if (cache[i].used < v->used)
			v = &cache[i];
	}
	stats.evicted++;
	return v;
}

static void evict(struct entry *e)
{
	memset(e, 0, sizeof(*e));
	stats.evicted++;
}

/* Read and parse @c's file into a cache entry. */
static int fill(struct container_id *c, const char *path)
{
	struct stamp stamp;
	struct entry *e;
	char *text;
	size_t len;
	int err = read_file(path, &text, &len, &stamp);

	if (err) {
		if (err != -ENOENT)
			stats.refused++;
		return err;
	}
	stats.reads++;
	err = parse(c, text, len, &c->names);
	free(text);
	if (err == -EINVAL || err == -EFBIG)
		stats.refused++;
	if (err && err != -ENOENT)
		memset(&c->names, 0, sizeof(c->names));
	e = victim();
	*e = (struct entry){.runtime = c->runtime,
			    .stamp = stamp,
			    .names = c->names,
			    .err = err,
			    .used = clock_now,
			    .checked_ms = now_ms()};
	memcpy(e->id, c->id, sizeof(e->id));
	return err;
}

int runtime_names_lookup(struct container_id *c)
{
	char path[PATH_MAX];
	struct entry *e;
	struct stat st;
	int err;

	memset(&c->names, 0, sizeof(c->names));
	if (!c->id[0])
		return -EOPNOTSUPP;
	err = file_path(path, sizeof(path), c);
	if (err)
		return err;
	clock_now++;
	e = find(c);
	if (e && recheck_ms && now_ms() - e->checked_ms < recheck_ms) {
		e->used = clock_now;
		stats.hits++;
		c->names = e->names;
		return e->err;
	}
	if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW)) {
		err = -errno;
		if (e && err == -ENOENT)
			evict(e); /* the container is gone */
		return err;
	}
	if (e && S_ISREG(st.st_mode)) {
		struct stamp now = stamp_of(&st);

		if (stamp_equal(&now, &e->stamp)) {
			e->used = clock_now;
			e->checked_ms = now_ms();
			stats.hits++;
			c->names = e->names;
			return e->err;
		}
	}
	if (e)
		evict(e);
	return fill(c, path);
}
