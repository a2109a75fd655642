// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// A netns's cookie, from a socket made in it. The kernel has no other way to
// tell userspace a cookie than a socket's; a pool is known by its netns's
// inode number, the hooks by its cookie.
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include "host/netns.h"
#include "host/netns_cookie.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static int own_cookie(uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

int netns_cookie_of(const char *path, uint64_t *cookie)
{
	int err = netns_enter(path), left;

	if (err)
		return err;
	err = own_cookie(cookie);
	left = netns_leave();
	return err ? err : left;
}
