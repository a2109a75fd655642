// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// JOURNAL_STREAM against a descriptor's device and inode.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "host/journal_stream.h"

bool journal_stream_matches(const char *env, const struct stat *st)
{
	uintmax_t dev, ino;
	int end = 0;

	/* both decimal, as systemd writes them; anything else is not ours */
	if (!env || sscanf(env, "%ju:%ju%n", &dev, &ino, &end) != 2 || env[end])
		return false;
	return dev == (uintmax_t)st->st_dev && ino == (uintmax_t)st->st_ino;
}

bool journal_native_available(void)
{
	struct stat st;

	return !stat("/run/systemd/journal/socket", &st) && S_ISSOCK(st.st_mode);
}

bool journal_stream_is(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && journal_stream_matches(getenv("JOURNAL_STREAM"), &st);
}
