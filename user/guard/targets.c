// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The processes and cgroups the guard judged: their ladders and pending results.
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "act/actuator.h"
#include "guard/targets.h"

struct tracked *targets_find(struct targets *ts, uint32_t tgid, uint64_t start)
{
	for (size_t i = 0; i < TARGETS_MAX; i++) {
		struct tracked *t = &ts->items[i];

		if (t->in_use && t->tgid == tgid && t->start_time == start)
			return t;
	}
	return NULL;
}

struct tracked *targets_get(struct targets *ts, uint32_t tgid, uint64_t start)
{
	struct tracked *t = targets_find(ts, tgid, start);

	for (size_t i = 0; !t && i < TARGETS_MAX; i++) {
		if (ts->items[i].in_use)
			continue;
		t = &ts->items[i];
		memset(t, 0, sizeof(*t));
		t->pidfd = -1;
		t->in_use = true;
		t->tgid = tgid;
		t->start_time = start;
	}
	return t;
}

void targets_drop(struct tracked *t)
{
	free(t->cgroup);
	t->cgroup = NULL;
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
	t->in_use = false;
}

void tracked_watch_exit(struct tracked *t, const struct candidate *c)
{
	struct target tg;

	if (t->pidfd >= 0 || !c->tgid)
		return;
	if (target_open((pid_t)c->tgid, c->start_time, &tg) == ACT_OK)
		t->pidfd = tg.pidfd; /* ours now: tg goes out of scope unclosed */
}

bool guard_hold_off(const struct candidate *c, struct decision *dec)
{
	bool acts = dec->action == ACTION_QUARANTINE || dec->action == ACTION_RECLAIM ||
		    dec->action == ACTION_TERM ||
		    dec->action == ACTION_KILL; /* a release only undoes */

	if (!acts || !c->cgroup_err || c->cgroup_err == -ENOENT)
		return false;
	dec->action = ACTION_ALERT;
	dec->reason = "cgroup unnamed";
	snprintf(dec->detail, sizeof(dec->detail),
		 "its cgroup could not be named (%s): no rule can be checked, held off",
		 strerror(-c->cgroup_err));
	return true;
}
