// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The STATUS= line of run under systemd.
#include <stdio.h>
#include "core/daemon_status.h"

void daemon_status_format(char *buf, size_t len, const struct daemon_status *s)
{
	const char *mode = s->dry_run ? "dry run (--enforce acts)" : "enforcing";
	bool refused = s->refused && s->refused[0];

	if (!len)
		return;
	/* the counts only once there is something to count: a quiet guard
	 * reads "enforcing" */
	if (!s->last_action)
		snprintf(buf, len, "%s%s%s", mode, refused ? "; refused: " : "",
			 refused ? s->refused : "");
	else
		snprintf(buf, len, "%s%s%s; quarantined %llu, signalled %llu, last action: %s",
			 mode, refused ? "; refused: " : "", refused ? s->refused : "",
			 (unsigned long long)s->quarantined, (unsigned long long)s->signalled,
			 s->last_action);
}
