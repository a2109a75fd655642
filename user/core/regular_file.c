// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Open a path only if it is a regular file, without ever blocking.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/regular_file.h"

int regular_file_open(const char *path, int flags, mode_t mode)
{
	struct stat st;
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode);

	if (fd < 0) {
		int err = -errno;

		/* a refused link may also say EACCES (O_CREAT in a sticky
		 * directory): name the reason the caller asked for */
		if ((flags & O_NOFOLLOW) && !lstat(path, &st) && S_ISLNK(st.st_mode))
			return -ELOOP;
		return err;
	}
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOTREG_FILE;
	}
	return fd;
}

const char *regular_file_strerror(int err)
{
	/* ENXIO: a FIFO with no reader or a device with nothing behind it */
	if (err == -ENOTREG_FILE || err == -ENXIO)
		return "not a regular file (a FIFO, device or directory is refused)";
	if (err == -ELOOP)
		return "a symbolic link (not followed)";
	return strerror(-err);
}
