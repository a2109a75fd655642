// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for reclaim_pick(): which of a target's sockets the reclaim rung destroys.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include "core/reclaim_pick.h"
#include "unit.h"

#define NETNS 4026532000u

static const struct group_key app = {.cgroup_id = 77};
static const struct group_key other = {.cgroup_id = 88};

/* Processes: 0 = pid 100 in /app, 1 = pid 101 in /app, 2 = pid 200 elsewhere. */
static struct snap_process procs[] = {
	{.tgid = 100, .group = {.cgroup_id = 77}},
	{.tgid = 101, .group = {.cgroup_id = 77}},
	{.tgid = 200, .group = {.cgroup_id = 88}},
};

static struct snap_socket sock(uint64_t ino, uint8_t tcp_state, enum port_state st, uint32_t holder,
			       uint32_t nr_holders, bool passive)
{
	struct snap_socket s;

	memset(&s, 0, sizeof(s));
	s.sock.key = PW_KEY_INODE | ino;
	s.sock.protocol = IPPROTO_TCP;
	s.sock.state = tcp_state;
	s.sock.netns = NETNS;
	s.state = st;
	s.first_holder = holder;
	s.nr_holders = nr_holders;
	s.group = procs[holder].group;
	s.passive = passive;
	return s;
}

static void make_snapshot(struct snapshot *snap, struct snap_socket *socks)
{
	size_t n = 0;

	socks[n++] = sock(1, TCP_CLOSE_WAIT, PS_CLOSE_WAIT, 0, 1, false); /* pid 100's */
	socks[n++] = sock(2, TCP_CLOSE_WAIT, PS_CLOSE_WAIT, 0, 1, true);  /* a server's side */
	socks[n++] = sock(3, TCP_ESTABLISHED, PS_ESTABLISHED, 0, 1, false); /* alive: never */
	socks[n++] = sock(4, TCP_CLOSE_WAIT, PS_CLOSE_WAIT, 0, 2, false); /* shared */
	socks[n++] = sock(5, TCP_CLOSE_WAIT, PS_CLOSE_WAIT, 1, 1, false); /* pid 101's */
	socks[n++] = sock(6, TCP_CLOSE_WAIT, PS_CLOSE_WAIT, 2, 1, false); /* elsewhere */
	socks[n] = sock(7, TCP_CLOSE_WAIT, PS_CLOSE_WAIT, 0, 1, false);
	socks[n++].sock.protocol = IPPROTO_UDP; /* not TCP: never */
	memset(snap, 0, sizeof(*snap));
	snap->sockets = socks;
	snap->nr_sockets = n;
	snap->processes = procs;
	snap->nr_processes = sizeof(procs) / sizeof(procs[0]);
}

UNIT_TEST(test_process_scope)
{
	struct snap_socket socks[8];
	struct reclaim_pick picks[8];
	struct reclaim_counts rc = {0};
	struct snapshot snap;
	size_t n;

	make_snapshot(&snap, socks);
	n = reclaim_pick(&snap, RECLAIM_CLOSE_WAIT, 100, NULL, picks, 8, &rc);
	ASSERT_EQ_INT(n, 2);
	ASSERT_TRUE(picks[0].key == (PW_KEY_INODE | 1) && picks[0].holds_port);
	ASSERT_TRUE(picks[1].key == (PW_KEY_INODE | 2) && !picks[1].holds_port);
	ASSERT_EQ_INT(picks[0].tcp_state, TCP_CLOSE_WAIT);
	ASSERT_EQ_INT(picks[0].tgid, 100);
	ASSERT_TRUE(picks[0].netns == NETNS);
	ASSERT_EQ_INT(rc.picked, 2);
	ASSERT_EQ_INT(rc.picked_by[PS_CLOSE_WAIT], 2);
	ASSERT_EQ_INT(rc.skipped_shared, 1);
}

UNIT_TEST(test_cgroup_scope)
{
	struct snap_socket socks[8];
	struct reclaim_pick picks[8];
	struct reclaim_counts rc = {0};
	struct snapshot snap;
	size_t n;

	make_snapshot(&snap, socks);
	n = reclaim_pick(&snap, RECLAIM_CLOSE_WAIT, 100, &app, picks, 8, &rc);
	ASSERT_EQ_INT(n, 3); /* 1, 2 and pid 101's 5; not the shared 4, not 6 */
	ASSERT_TRUE(picks[2].key == (PW_KEY_INODE | 5) && picks[2].tgid == 101);
	ASSERT_EQ_INT(rc.skipped_shared, 1);
	memset(&rc, 0, sizeof(rc));
	ASSERT_EQ_INT(reclaim_pick(&snap, RECLAIM_CLOSE_WAIT, 0, &other, picks, 8, &rc), 1);
}

UNIT_TEST(test_off_and_cap)
{
	struct snap_socket socks[8];
	struct reclaim_pick picks[8];
	struct reclaim_counts rc = {0};
	struct snapshot snap;
	char text[64];

	make_snapshot(&snap, socks);
	ASSERT_EQ_INT(reclaim_pick(&snap, RECLAIM_NO, 100, NULL, picks, 8, &rc), 0);
	ASSERT_EQ_INT(rc.picked + rc.skipped_shared, 0);
	ASSERT_EQ_INT(reclaim_pick(&snap, RECLAIM_CLOSE_WAIT, 100, NULL, picks, 1, &rc), 1);
	ASSERT_EQ_INT(rc.picked, 1);
	reclaim_states_text(rc.picked_by, text, sizeof(text));
	ASSERT_EQ_STR(text, "CLOSE-WAIT 1");
	memset(&rc, 0, sizeof(rc));
	reclaim_states_text(rc.picked_by, text, sizeof(text));
	ASSERT_EQ_STR(text, "none");
}

int main(void)
{
	RUN(test_process_scope);
	RUN(test_cgroup_scope);
	RUN(test_off_and_cap);
	return UNIT_MAIN_END();
}
