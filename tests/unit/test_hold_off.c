// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the guard's fail-closed rule: no action on a live cgroup it could not name.
#include <errno.h>
#include <string.h>
#include "guard/targets.h"
#include "unit.h"

static struct decision decided(enum action a)
{
	struct decision d = {.action = a, .reason = "pool full", .scope = SCOPE_PROCESS};

	snprintf(d.detail, sizeof(d.detail), "pool 90%% full");
	return d;
}

/* Every acting step is held off while the cgroup is alive and unnamed, and
 * the alert says why; a named cgroup, or one that is gone, is left alone. */
UNIT_TEST(holds_off_acting_on_an_unnamed_live_cgroup)
{
	static const struct {
		const char *row;
		enum action action;
		int cgroup_err;
		enum action want;
	} rows[] = {
		{"quarantine, too long", ACTION_QUARANTINE, -ENAMETOOLONG, ACTION_ALERT},
		{"sigterm, too long", ACTION_TERM, -ENAMETOOLONG, ACTION_ALERT},
		{"sigkill, too long", ACTION_KILL, -ENAMETOOLONG, ACTION_ALERT},
		{"sigkill, out of fds", ACTION_KILL, -EMFILE, ACTION_ALERT},
		{"quarantine, out of memory", ACTION_QUARANTINE, -ENOMEM, ACTION_ALERT},
		{"named", ACTION_KILL, 0, ACTION_KILL},
		{"gone: the socket's cgroup was removed", ACTION_TERM, -ENOENT, ACTION_TERM},
		{"alert stays", ACTION_ALERT, -ENAMETOOLONG, ACTION_ALERT},
		{"none stays", ACTION_NONE, -EMFILE, ACTION_NONE},
		{"a release only undoes", ACTION_RELEASE, -ENAMETOOLONG, ACTION_RELEASE},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		static struct candidate c; /* 64 KiB of path: not on the stack each row */
		struct decision d = decided(rows[i].action);
		bool held;

		UNIT_ROW(rows[i].row);
		memset(&c, 0, sizeof(c));
		c.cgroup_err = rows[i].cgroup_err;
		snprintf(c.cgroup, sizeof(c.cgroup), "(unnamed cgroup 42)");
		held = guard_hold_off(&c, &d);
		ASSERT_EQ_INT(d.action, rows[i].want);
		ASSERT_EQ_INT(held, rows[i].want != rows[i].action);
		if (held) {
			ASSERT_EQ_STR(d.reason, "cgroup unnamed");
			ASSERT_TRUE(strstr(d.detail, strerror(-rows[i].cgroup_err)) != NULL);
			ASSERT_TRUE(strstr(d.detail, "held off") != NULL);
		} else {
			ASSERT_EQ_STR(d.reason, "pool full");
		}
	}
}

int main(void)
{
	RUN(holds_off_acting_on_an_unnamed_live_cgroup);
	return UNIT_MAIN_END();
}
