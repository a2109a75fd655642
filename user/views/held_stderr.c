// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// stderr held in a memory file while a full-screen view is up.
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "views/held_stderr.h"

void held_stderr_init(struct held_stderr *h)
{
	h->saved = h->log = -1;
}

void held_stderr_start(struct held_stderr *h)
{
	int fd = memfd_create("portwarden-top-messages", MFD_CLOEXEC);

	fflush(stderr);
	h->saved = fd >= 0 ? dup(STDERR_FILENO) : -1;
	if (h->saved >= 0 && dup2(fd, STDERR_FILENO) >= 0) {
		h->log = fd;
		return;
	}
	if (h->saved >= 0)
		close(h->saved);
	if (fd >= 0)
		close(fd);
	h->saved = -1;
}

void held_stderr_replay(struct held_stderr *h)
{
	char buf[4096];
	off_t size;
	ssize_t n;

	if (h->log < 0)
		return;
	fflush(stderr);
	dup2(h->saved, STDERR_FILENO);
	close(h->saved);
	size = lseek(h->log, 0, SEEK_END);
	lseek(h->log, size > HELD_STDERR_MAX ? size - HELD_STDERR_MAX : 0, SEEK_SET);
	while ((n = read(h->log, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, (size_t)n) != n)
			break;
	close(h->log);
	h->log = h->saved = -1;
}
