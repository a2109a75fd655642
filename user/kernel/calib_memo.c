// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Calibration's verdicts remembered for the boot, in a root-owned file.
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/idmap.h"
#include "core/log.h"
#include "core/replace_file.h"
#include "kernel/calib_memo.h"

#define MEMO_MAX     4096 /* bytes: more is not ours */
#define LINE_MAX_LEN 256  /* a line: key, forms and errnos of a few parts */

static int read_boot_id(char *buf, size_t len)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -EIO;
}

bool calib_memo_init(struct calib_memo *m, const char *path, const char *object, const void *elf,
		     size_t size)
{
	char boot[64];

	m->path = NULL;
	if (read_boot_id(boot, sizeof(boot)))
		return false;
	if (snprintf(m->key, sizeof(m->key), "v1 %s %s %016llx", boot, object,
		     (unsigned long long)hash_bytes(0, elf, size)) >= (int)sizeof(m->key))
		return false;
	m->path = path;
	return true;
}

int calib_memo_format(const char *key, const struct calib_part *parts, size_t nr, char *buf,
		      size_t len)
{
	size_t at;
	int n = snprintf(buf, len, "%s ", key);

	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	at = (size_t)n;
	for (size_t i = 0; i < nr; i++) {
		if (parts[i].form != FORM_FAST && parts[i].form != FORM_SAFE)
			return -EINVAL;
		if (at + 1 >= len)
			return -ENOSPC;
		buf[at++] = parts[i].form == FORM_FAST ? 'f' : 's';
	}
	for (size_t i = 0; i < nr; i++) {
		n = snprintf(buf + at, len - at, "%c%d", i ? ',' : ' ', -parts[i].fast_err);
		if (n < 0 || (size_t)n >= len - at)
			return -ENOSPC;
		at += (size_t)n;
	}
	if (at + 1 >= len)
		return -ENOSPC;
	buf[at++] = '\n';
	buf[at] = '\0';
	return (int)at;
}

/* @line (no newline) after @key: "fss 13,0,0" into @forms and @errs. */
static bool parse_line(const char *rest, struct calib_part *parts, size_t nr, enum part_form *forms,
		       int *errs)
{
	const char *p = rest;
	char *end;

	for (size_t i = 0; i < nr; i++, p++) {
		if (*p != 'f' && !(*p == 's' && parts[i].has_safe))
			return false;
		forms[i] = *p == 'f' ? FORM_FAST : FORM_SAFE;
	}
	for (size_t i = 0; i < nr; i++) {
		long v;

		if (*p++ != (i ? ',' : ' '))
			return false;
		if (*p < '0' || *p > '9')
			return false;
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || v > 4095)
			return false;
		errs[i] = -(int)v;
		p = end;
	}
	return *p == '\0';
}

bool calib_memo_parse(const char *text, const char *key, struct calib_part *parts, size_t nr)
{
	size_t klen = strlen(key);
	enum part_form forms[nr ? nr : 1];
	int errs[nr ? nr : 1];

	for (const char *line = text; *line; line += strcspn(line, "\n"), line += *line == '\n') {
		char buf[LINE_MAX_LEN];
		size_t len = strcspn(line, "\n");

		if (len >= sizeof(buf) || len <= klen || strncmp(line, key, klen) ||
		    line[klen] != ' ')
			continue;
		memcpy(buf, line + klen + 1, len - klen - 1);
		buf[len - klen - 1] = '\0';
		if (!parse_line(buf, parts, nr, forms, errs))
			return false;
		for (size_t i = 0; i < nr; i++) {
			parts[i].form = forms[i];
			parts[i].fast_err = errs[i];
		}
		return true;
	}
	return false;
}

/* Is @path's directory owned by root (or us), not writable by group or
 * others, and not a link? Then nobody else can put or swap a file there. */
static bool dir_trusted(const char *path, bool make)
{
	char copy[PATH_MAX];
	const char *dir;
	struct stat st;
	int fd;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return false;
	dir = dirname(copy);
	if (make && mkdir(dir, 0755) && errno != EEXIST)
		return false;
	fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		pr_debug("calibration memo: %s may be written by others: not used\n", dir);
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* The file's text (at most MEMO_MAX bytes) into @buf; false when there is
 * none, or it is not a regular file of root's (or ours) that only its
 * owner may write. */
static bool read_memo(const char *path, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd;

	if (!dir_trusted(path, false))
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_size >= (off_t)len) {
		close(fd);
		return false;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

bool calib_memo_recall(const struct calib_memo *m, struct calib_part *parts, size_t nr)
{
	char text[MEMO_MAX];

	return m->path && read_memo(m->path, text, sizeof(text)) &&
	       calib_memo_parse(text, m->key, parts, nr);
}

/* Into @f, the lines of @old that are of this boot (@key's first two
 * words) and of another object or build, each whole. */
static void copy_others(FILE *f, const char *old, const char *key)
{
	size_t boot_len = strcspn(key + 3, " ") + 3; /* "v1 BOOT_ID" */

	for (const char *line = old; *line; line += strcspn(line, "\n"), line += *line == '\n') {
		size_t len = strcspn(line, "\n");

		if (len < LINE_MAX_LEN && line[len] == '\n' && !strncmp(line, key, boot_len) &&
		    line[boot_len] == ' ' && strncmp(line, key, strlen(key)))
			fwrite(line, 1, len + 1, f);
	}
}

void calib_memo_keep(const struct calib_memo *m, const struct calib_part *parts, size_t nr)
{
	char old[MEMO_MAX] = "", line[LINE_MAX_LEN];
	struct replace_file rf;
	int n = calib_memo_format(m->key, parts, nr, line, sizeof(line));

	if (n < 0 || !m->path || !dir_trusted(m->path, true))
		return;
	read_memo(m->path, old, sizeof(old) - LINE_MAX_LEN);
	if (replace_file_begin(&rf, m->path))
		return;
	copy_others(rf.f, old, m->key);
	fputs(line, rf.f);
	if (replace_file_commit(&rf))
		pr_debug("calibration memo: %s could not be written\n", m->path);
}
