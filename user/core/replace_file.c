// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Atomic replacement of a file through an exclusive temporary beside it.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/replace_file.h"

/* Tries at a fresh name: each clash is a file someone made with the same
 * 64 random bits, so running out means someone is guessing, not chance. */
#define NAME_TRIES 16

static unsigned long long random_bits(void)
{
	unsigned long long v;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == sizeof(v))
		return v;
	/* no entropy yet (early boot): a guessable name is only a denial of
	 * service, since O_EXCL refuses anything already there */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_nsec * 2654435761u ^ (unsigned long long)getpid() << 32;
}

/* Create the temporary file exclusively; 0666 less the umask, as fopen would. */
static int create_tmp(struct replace_file *rf)
{
	for (int i = 0; i < NAME_TRIES; i++) {
		int fd, n = snprintf(rf->tmp, sizeof(rf->tmp), "%s.tmp.%016llx", rf->path,
				     random_bits());

		if (n < 0 || (size_t)n >= sizeof(rf->tmp))
			return -ENAMETOOLONG;
		fd = open(rf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
			  0666);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int replace_file_begin(struct replace_file *rf, const char *path)
{
	struct stat st;
	int fd;

	rf->path = path;
	rf->tmp[0] = '\0';
	rf->f = NULL;
	/* lstat: a link to a directory is a link, and rename replaces it */
	if (!lstat(path, &st) && S_ISDIR(st.st_mode))
		return -EISDIR;
	fd = create_tmp(rf);
	if (fd < 0) {
		rf->tmp[0] = '\0';
		return fd;
	}
	rf->f = fdopen(fd, "w");
	if (!rf->f) {
		int err = -errno;

		close(fd);
		unlink(rf->tmp);
		rf->tmp[0] = '\0';
		return err;
	}
	return 0;
}

int replace_file_commit(struct replace_file *rf)
{
	int err = 0;

	if (!rf->f)
		return -EBADF;
	/* fsync before rename: after a crash, the old file or the whole new one */
	errno = 0;
	if (fflush(rf->f) || ferror(rf->f))
		err = errno ? -errno : -EIO;
	else if (fsync(fileno(rf->f)))
		err = -errno;
	if (fclose(rf->f) && !err)
		err = -errno;
	rf->f = NULL;
	if (!err && rename(rf->tmp, rf->path))
		err = -errno;
	if (err)
		unlink(rf->tmp);
	rf->tmp[0] = '\0';
	return err;
}

void replace_file_abort(struct replace_file *rf)
{
	if (rf->f)
		fclose(rf->f);
	rf->f = NULL;
	if (rf->tmp[0])
		unlink(rf->tmp);
	rf->tmp[0] = '\0';
}
