// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// What run tells systemd, and when.
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/clock.h"
#include "core/log.h"
#include "guard/guard.h"
#include "guard/notify.h"
#include "host/systemd.h"
#include "kernel/calibrate.h"

void notifier_init(struct notifier *n, uint32_t interval_ms)
{
	memset(n, 0, sizeof(*n));
	n->watchdog_ms = systemd_watchdog_usec() / 1000;
	if (!n->watchdog_ms)
		return;
	/* a quarter: a ping late by a busy CPU still lands within half */
	if (n->watchdog_ms / 4 == 0)
		n->watchdog_ms = 4;
	n->next_ping_ms = monotonic_ms();
	if (interval_ms > n->watchdog_ms / 2)
		pr_warn("the sample interval (%u ms) is longer than half the watchdog (%llu ms): "
			"the loop wakes between samples to ping it\n",
			interval_ms, (unsigned long long)n->watchdog_ms);
	else
		pr_info("watchdog: %llu ms, pinged every %llu ms by the guard loop\n",
			(unsigned long long)n->watchdog_ms, (unsigned long long)n->watchdog_ms / 4);
}

/* "iter/udp, quarantine": every part the calibration found refused. */
static void refused_parts(char *buf, size_t len)
{
	const struct calib_verdict *v;
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; (v = calib_verdict_at(i)) && used < len; i++) {
		int w;

		if (strcmp(v->verdict, "refused"))
			continue;
		w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", v->what);
		if (w < 0)
			return;
		used += (size_t)w;
	}
}

static void compose(const struct guard *g, char *buf, size_t len)
{
	char refused[160];
	struct daemon_status s = {
		.dry_run = g->ef.dry_run,
		.refused = refused,
		.quarantined = g->actions[ACTION_QUARANTINE][OUTCOME_DONE],
		.signalled = g->actions[ACTION_TERM][OUTCOME_DONE] +
			     g->actions[ACTION_KILL][OUTCOME_DONE],
		.last_action = g->audit.last_action[0] ? g->audit.last_action : NULL,
	};

	refused_parts(refused, sizeof(refused));
	daemon_status_format(buf, len, &s);
}

static void send_state(const char *state)
{
	int err = systemd_notify(state);

	if (err < 0)
		pr_debug("sd_notify: %s\n", strerror(-err));
}

void notifier_stepped(struct notifier *n, const struct guard *g)
{
	char status[DAEMON_STATUS_MAX], msg[DAEMON_STATUS_MAX + 32];

	compose(g, status, sizeof(status));
	if (n->ready && !strcmp(status, n->status))
		return;
	snprintf(msg, sizeof(msg), "%sSTATUS=%s", n->ready ? "" : "READY=1\n", status);
	send_state(msg);
	memcpy(n->status, status, sizeof(status));
	n->ready = true;
}

void notifier_ping(struct notifier *n, uint64_t now_ms)
{
	if (!n->watchdog_ms || now_ms < n->next_ping_ms)
		return;
	send_state("WATCHDOG=1");
	n->next_ping_ms = now_ms + n->watchdog_ms / 4;
}

uint64_t notifier_wake_ms(const struct notifier *n)
{
	return n->watchdog_ms ? n->next_ping_ms : UINT64_MAX;
}

void notifier_reloading(struct notifier *n)
{
	struct timespec ts;
	char msg[64];

	if (!n->ready)
		return;
	n->reloading = true;
	/* MONOTONIC_USEC: what Type=notify-reload (systemd 253) matches the
	 * reload with; 252 ignores it */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull +
			 (unsigned long long)ts.tv_nsec / 1000);
	send_state(msg);
}

void notifier_reloaded(struct notifier *n, const struct guard *g)
{
	if (!n->reloading)
		return;
	n->reloading = false;
	n->ready = false; /* READY=1 again, with the status */
	notifier_stepped(n, g);
}

void notifier_stopping(struct notifier *n)
{
	(void)n;
	send_state("STOPPING=1\nSTATUS=stopping");
}
