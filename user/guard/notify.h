/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * run under systemd (Type=notify, WatchdogSec=): READY=1 once the programs
 * are attached and the first sample is taken, STATUS= when it changes (at
 * most once a step), RELOADING=1 around a SIGHUP reload, STOPPING=1 at exit,
 * and WATCHDOG=1 from the guard's own loop, never from the HTTP thread: a
 * hung loop stops pinging and systemd restarts it, a slow scrape does not.
 * Without NOTIFY_SOCKET every call costs nothing.
 */
#ifndef PW_NOTIFY_H
#define PW_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include "core/daemon_status.h"

struct guard;

struct notifier {
	uint64_t watchdog_ms;		/* 0: no watchdog asked for */
	uint64_t next_ping_ms;		/* monotonic */
	bool ready;			/* READY=1 sent */
	bool reloading;			/* RELOADING=1 sent, READY=1 due */
	char status[DAEMON_STATUS_MAX]; /* the STATUS= last sent */
};

/* Read WATCHDOG_USEC; warn when @interval_ms is longer than half of it
 * (the loop then wakes between steps to ping). */
void notifier_init(struct notifier *n, uint32_t interval_ms);

/* After a step: READY=1 with the first, STATUS= when it changed. */
void notifier_stepped(struct notifier *n, const struct guard *g);

/* WATCHDOG=1 when due (every quarter of the watchdog, well within half);
 * call it from the guard loop only. */
void notifier_ping(struct notifier *n, uint64_t now_ms);

/* When the loop must wake for the next ping (UINT64_MAX: never). */
uint64_t notifier_wake_ms(const struct notifier *n);

/* Around a SIGHUP reload: RELOADING=1 with MONOTONIC_USEC=, then READY=1
 * (nothing before the first READY=1: that one waits for the first sample). */
void notifier_reloading(struct notifier *n);
void notifier_reloaded(struct notifier *n, const struct guard *g);

void notifier_stopping(struct notifier *n);

#endif /* PW_NOTIFY_H */
