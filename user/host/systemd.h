/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * systemd's side of a service, through libsystemd (sd_notify(3),
 * sd_watchdog_enabled(3), sd_journal_sendv(3)): the only file that links
 * it. Outside systemd (no NOTIFY_SOCKET, no WATCHDOG_USEC) each call is a
 * cheap no-op. The static test-VM build links tests/vm/no_systemd.c instead.
 */
#ifndef PW_SYSTEMD_H
#define PW_SYSTEMD_H

#include <stdint.h>
#include <sys/uio.h>

/* Send @state ("READY=1\nSTATUS=...") to the service manager. 1 sent, 0 no
 * manager listening (NOTIFY_SOCKET unset), -errno. */
int systemd_notify(const char *state);

/* The watchdog interval systemd asked for (WATCHDOG_USEC, when
 * WATCHDOG_PID is unset or ours) in microseconds; 0: no watchdog. */
uint64_t systemd_watchdog_usec(void);

/* One structured journal entry: @n "FIELD=value" items (values may hold any
 * byte). 0, or -errno (no journald: the caller logs it another way). */
int systemd_journal_sendv(const struct iovec *iov, int n);

#endif /* PW_SYSTEMD_H */
