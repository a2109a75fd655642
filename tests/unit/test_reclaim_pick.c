// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for reclaim_pick(): which of a target's sockets the reclaim rung destroys.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include "core/clock.h"
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

/* reclaim = idle: pid 100's ESTABLISHED socket 3 becomes a candidate (not
 * yet picked: its idle time decides), the CLOSE_WAIT ones are picked as
 * before; a server's accepted ESTABLISHED side never (no port back). */
UNIT_TEST(test_idle_candidates)
{
	struct snap_socket socks[9];
	struct reclaim_pick picks[9];
	struct reclaim_counts rc = {0};
	struct snapshot snap;
	size_t n;

	make_snapshot(&snap, socks);
	socks[snap.nr_sockets++] = sock(8, TCP_ESTABLISHED, PS_ESTABLISHED, 0, 1, true);
	n = reclaim_pick(&snap, RECLAIM_IDLE, 100, NULL, picks, 9, &rc);
	ASSERT_EQ_INT(n, 3); /* 1, 2 (CLOSE_WAIT) and 3 (ESTABLISHED); not the passive 8 */
	ASSERT_TRUE(picks[2].key == (PW_KEY_INODE | 3) && picks[2].tcp_state == TCP_ESTABLISHED);
	ASSERT_TRUE(picks[2].holds_port && !picks[2].idle_known);
	ASSERT_EQ_INT(rc.picked, 2);
	ASSERT_EQ_INT(rc.picked_by[PS_ESTABLISHED], 0);
	/* close-wait never takes an ESTABLISHED one */
	memset(&rc, 0, sizeof(rc));
	ASSERT_EQ_INT(reclaim_pick(&snap, RECLAIM_CLOSE_WAIT, 100, NULL, picks, 9, &rc), 2);
}

static struct reclaim_pick est(uint64_t ino, bool known, uint32_t idle)
{
	return (struct reclaim_pick){.key = PW_KEY_INODE | ino, .tcp_state = TCP_ESTABLISHED,
				     .holds_port = true, .idle_known = known, .idle_jiffies = idle};
}

/* Only ESTABLISHED picks idle at least the threshold stay, with every
 * CLOSE_WAIT one; the rest are counted as spared, unknown ones too. */
UNIT_TEST(test_keep_idle)
{
	struct reclaim_pick picks[6] = {
		est(1, true, 500),  /* idle exactly the threshold: kept */
		est(2, true, 499),  /* active since: spared */
		{.key = PW_KEY_INODE | 3, .tcp_state = TCP_CLOSE_WAIT, .holds_port = true},
		est(4, false, 0),   /* the survey did not find it: spared */
		est(5, true, 9000), /* kept */
		est(6, true, 0),    /* sent just now: spared */
	};
	struct reclaim_counts rc = {.picked = 1};
	size_t n;

	rc.picked_by[PS_CLOSE_WAIT] = 1;
	n = reclaim_keep_idle(picks, 6, 500, &rc);
	ASSERT_EQ_INT(n, 3);
	ASSERT_TRUE(picks[0].key == (PW_KEY_INODE | 1));
	ASSERT_TRUE(picks[1].key == (PW_KEY_INODE | 3));
	ASSERT_TRUE(picks[2].key == (PW_KEY_INODE | 5));
	ASSERT_EQ_INT(rc.picked, 3);
	ASSERT_EQ_INT(rc.picked_by[PS_ESTABLISHED], 2);
	ASSERT_EQ_INT(rc.picked_by[PS_CLOSE_WAIT], 1);
	ASSERT_EQ_INT(rc.spared_recent, 3);
	/* a threshold of 0 (tick unknown) keeps no ESTABLISHED one */
	memset(&rc, 0, sizeof(rc));
	picks[0] = est(7, true, 100000);
	ASSERT_EQ_INT(reclaim_keep_idle(picks, 1, 0, &rc), 0);
	ASSERT_EQ_INT(rc.spared_recent, 1);
}

/* Seconds to jiffies: rounded up, for every usual HZ; 0 for an unknown tick. */
UNIT_TEST(test_idle_jiffies)
{
	ASSERT_EQ_INT(reclaim_idle_jiffies(2, 4000000), 500);	/* HZ 250 */
	ASSERT_EQ_INT(reclaim_idle_jiffies(2, 1000000), 2000);	/* HZ 1000 */
	ASSERT_EQ_INT(reclaim_idle_jiffies(600, 10000000), 60000); /* HZ 100 */
	ASSERT_EQ_INT(reclaim_idle_jiffies(1, 3333333), 301);	/* HZ 300: 300.00003 up */
	ASSERT_EQ_INT(reclaim_idle_jiffies(86400, 1000000), 86400000);
	ASSERT_EQ_INT(reclaim_idle_jiffies(10, 0), 0);
}

/* The tick the idle times are converted with: the kernel's TICK_NSEC,
 * (1e9 + HZ/2) / HZ, for one of the HZ an x86 or arm64 kernel is built with. */
UNIT_TEST(test_clock_tick)
{
	static const uint64_t hz[] = {100, 250, 300, 1000};
	uint64_t tick = clock_tick_ns();
	bool known = false;

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++)
		known |= tick == (1000000000 + hz[i] / 2) / hz[i];
	ASSERT_TRUE(known);
}

/* The rung is skipped only when reclaim = idle brought a connection leak
 * to it and nothing is idle; a CLOSE_WAIT target takes it as before. */
UNIT_TEST(test_rung_skipped)
{
	struct reclaim_counts none = {0}, some = {.picked = 1};

	ASSERT_TRUE(reclaim_rung_skipped(LEAK_GROWTH, &none));
	ASSERT_TRUE(reclaim_rung_skipped(LEAK_HOG, &none));
	ASSERT_TRUE(!reclaim_rung_skipped(LEAK_GROWTH, &some));
	ASSERT_TRUE(!reclaim_rung_skipped(LEAK_CLOSE_WAIT, &none));
	ASSERT_TRUE(!reclaim_rung_skipped(LEAK_CLOSE_WAIT, &some));
}

int main(void)
{
	RUN(test_process_scope);
	RUN(test_cgroup_scope);
	RUN(test_off_and_cap);
	RUN(test_idle_candidates);
	RUN(test_keep_idle);
	RUN(test_idle_jiffies);
	RUN(test_clock_tick);
	RUN(test_rung_skipped);
	return UNIT_MAIN_END();
}
