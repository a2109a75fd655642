// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The reclaim rung's choice: which of a target's sockets are dead weight.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include "core/reclaim_pick.h"

/* Is @s a socket @mode destroys (CLOSE_WAIT), or may (ESTABLISHED, once
 * idle)? Only full TCP sockets with a key the iterator can match. */
static bool dead_weight(const struct snap_socket *s, enum reclaim_mode mode)
{
	if (mode == RECLAIM_NO || s->sock.protocol != IPPROTO_TCP || !s->sock.key)
		return false;
	if (s->state == PS_CLOSE_WAIT && s->sock.state == TCP_CLOSE_WAIT)
		return true;
	/* an idle server side frees no port: its clients' business */
	return mode == RECLAIM_IDLE && s->state == PS_ESTABLISHED &&
	       s->sock.state == TCP_ESTABLISHED && !s->passive;
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
		if (s->state == PS_ESTABLISHED)
			continue; /* counted by reclaim_keep_idle() */
		counts->picked++;
		counts->picked_by[s->state]++;
	}
	return n;
}

size_t reclaim_keep_idle(struct reclaim_pick *picks, size_t n, uint32_t min_jiffies,
			 struct reclaim_counts *counts)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		const struct reclaim_pick *p = &picks[i];
		bool established = p->tcp_state == TCP_ESTABLISHED;

		if (established && !(min_jiffies && p->idle_known && p->idle_jiffies >= min_jiffies)) {
			counts->spared_recent++;
			continue;
		}
		if (established) {
			counts->picked++;
			counts->picked_by[PS_ESTABLISHED]++;
		}
		picks[kept++] = *p;
	}
	return kept;
}

uint32_t reclaim_idle_jiffies(uint32_t idle_s, uint64_t tick_ns)
{
	uint64_t j;

	if (!tick_ns)
		return 0;
	j = ((uint64_t)idle_s * 1000000000ull + tick_ns - 1) / tick_ns;
	return j > UINT32_MAX ? UINT32_MAX : (uint32_t)j;
}

bool reclaim_rung_skipped(enum leak_class cls, const struct reclaim_counts *counts)
{
	return cls != LEAK_CLOSE_WAIT && !counts->picked;
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
