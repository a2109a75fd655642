// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The static test-VM binary has no libsystemd (Debian ships no libsystemd.a):
// this stands in for user/host/systemd.c there. The guest runs under no
// service manager: nothing to notify, no watchdog, no journald.
#include <errno.h>
#include "host/systemd.h"

int systemd_notify(const char *state)
{
	(void)state;
	return 0;
}

uint64_t systemd_watchdog_usec(void)
{
	return 0;
}

int systemd_journal_sendv(const struct iovec *iov, int n)
{
	(void)iov, (void)n;
	return -ENOSYS;
}
