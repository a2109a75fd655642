// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// libsystemd's notify, watchdog and journal calls, behind our own names.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include "host/systemd.h"

int systemd_notify(const char *state)
{
	/* 0: keep NOTIFY_SOCKET, later notifications need it */
	return sd_notify(0, state);
}

uint64_t systemd_watchdog_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

int systemd_journal_sendv(const struct iovec *iov, int n)
{
	return sd_journal_sendv(iov, n);
}
