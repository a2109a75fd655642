/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * run's one-line status for the service manager (systemctl status shows it
 * as "Status:"): the mode, what the kernel refused, what it did.
 */
#ifndef PW_DAEMON_STATUS_H
#define PW_DAEMON_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAEMON_STATUS_MAX 256

struct daemon_status {
	bool dry_run;
	const char *refused;	 /* "iter/udp, quarantine hook", "" or NULL: nothing */
	uint64_t quarantined;	 /* quarantines placed */
	uint64_t signalled;	 /* SIGTERMs and SIGKILLs (and cgroup.kill) carried out */
	const char *last_action; /* "term pid 42 leaker" (escaped), NULL: none yet */
};

/* "enforcing; refused: iter/udp; quarantined 2, signalled 1, last action:
 * term pid 42 leaker", cut to @len - 1 bytes. */
void daemon_status_format(char *buf, size_t len, const struct daemon_status *s);

#endif /* PW_DAEMON_STATUS_H */
