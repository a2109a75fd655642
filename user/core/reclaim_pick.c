// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The reclaim rung's choice: which of a target's sockets are dead weight.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include "core/reclaim_pick.h"

/* Is @s a socket @mode destroys? Only full TCP sockets the table walk saw. */
static bool dead_weight(const struct snap_socket *s, enum reclaim_mode mode)
{
	return mode == RECLAIM_CLOSE_WAIT && s->state == PS_CLOSE_WAIT &&
	       s->sock.protocol == IPPROTO_TCP && s->sock.state == TCP_CLOSE_WAIT && s->sock.key;
}

/* Does the target hold @s (alone: 1; with others: -1; not: 0)? */
static int held_by_target(const struct snapshot *snap, const struct snap_socket *s, uint32_t tgid,
			  const struct group_key *group)
{
	const struct snap_process *p;

	if (!s->nr_holders || s->first_holder >= snap->nr_processes)
		return 0;
	p = &snap->processes[s->first_holder];
	if (group ? !group_key_same(&s->group, group) : p->tgid != tgid)
		return 0;
	if (s->nr_holders > 1 || (group && !group_key_same(&p->group, group)))
		return -1;
	return 1;
}

size_t reclaim_pick(const struct snapshot *snap, enum reclaim_mode mode, uint32_t tgid,
		    const struct group_key *group, struct reclaim_pick *out, size_t max,
		    struct reclaim_counts *counts)
{
	size_t n = 0;

	for (size_t i = 0; i < snap->nr_sockets; i++) {
		const struct snap_socket *s = &snap->sockets[i];
		int held;

		if (!dead_weight(s, mode))
			continue;
		held = held_by_target(snap, s, tgid, group);
		if (held < 0)
			counts->skipped_shared++;
		if (held <= 0 || n >= max)
			continue;
		out[n++] = (struct reclaim_pick){
			.key = s->sock.key,
			.netns = s->sock.netns,
			.tgid = snap->processes[s->first_holder].tgid,
			.tcp_state = s->sock.state,
			.holds_port = !s->passive,
		};
		counts->picked++;
		counts->picked_by[s->state]++;
	}
	return n;
}

void reclaim_states_text(const uint32_t *by, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < PS_COUNT && used < len; i++) {
		int m;

		if (!by[i])
			continue;
		m = snprintf(buf + used, len - used, "%s%s %u", used ? ", " : "",
			     port_state_name(i), by[i]);
		if (m < 0)
			break;
		used += (size_t)m;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}
