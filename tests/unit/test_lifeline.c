// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the lifeline's pure decision: the lifeline key, which pools
// engage and release (hysteresis), pools gone, the cap.
#include <stdio.h>
#include <string.h>
#include "core/config.h"
#include "core/lifeline.h"
#include "unit.h"

static struct daemon_config cfg;
static char err[512];

static int parse(const char *text)
{
	err[0] = '\0';
	return config_parse(text, "test.conf", &cfg, err, sizeof(err));
}

static void test_key(void)
{
	ASSERT_EQ_INT(parse(""), 0);
	ASSERT_TRUE(cfg.policy.lifeline > 0.9499 && cfg.policy.lifeline < 0.9501); /* default 95% */
	ASSERT_EQ_INT(parse("[policy]\nlifeline = 80%\n"), 0);
	ASSERT_TRUE(cfg.policy.lifeline > 0.7999 && cfg.policy.lifeline < 0.8001);
	ASSERT_EQ_INT(parse("[policy]\nlifeline = no\n"), 0);
	ASSERT_TRUE(cfg.policy.lifeline == 0);
	ASSERT_EQ_INT(parse("[policy]\nlifeline = 0\n"), -22);
	ASSERT_EQ_INT(parse("[policy]\nlifeline = 120%\n"), -22);
	ASSERT_TRUE(strstr(err, "lifeline") != NULL);
	/* a pool is the netns's: no workload sets its own */
	ASSERT_EQ_INT(parse("[cgroup \"/a\"]\nlifeline = 90%\n"), -22);
	ASSERT_TRUE(strstr(err, "[policy] only") != NULL);
}

static void test_holds(void)
{
	ASSERT_TRUE(!lifeline_holds(0.94, 0.95, false));
	ASSERT_TRUE(lifeline_holds(0.95, 0.95, false));
	ASSERT_TRUE(lifeline_holds(1.0, 0.95, false));
	/* engaged: held down to 2 points below, released under */
	ASSERT_TRUE(lifeline_holds(0.94, 0.95, true));
	ASSERT_TRUE(lifeline_holds(0.93, 0.95, true));
	ASSERT_TRUE(!lifeline_holds(0.92, 0.95, true));
	ASSERT_TRUE(!lifeline_holds(1.0, 0, false)); /* off */
	ASSERT_TRUE(!lifeline_holds(0, 0.5, true));  /* capacity unknown */
}

static struct snap_pool pool(enum pool_kind kind, uint32_t netns, uint16_t rport, uint32_t used)
{
	struct snap_pool p = {.kind = kind, .netns = netns, .family = 2, .rport = rport,
			      .used = used, .capacity = 100, .capacity_known = true};

	if (kind == POOL_TCP_CONNECT)
		p.raddr[0] = 127, p.raddr[3] = 1;
	return p;
}

static void test_update(void)
{
	struct lifeline_state a = {0}, b;
	struct lifeline_changes ch;
	struct snap_pool pools[3] = {pool(POOL_TCP_CONNECT, 7, 5001, 85),
				     pool(POOL_TCP_CONNECT, 7, 5002, 50), pool(POOL_UDP, 7, 0, 10)};

	lifeline_update(&a, pools, 3, 0.8, &b, &ch);
	ASSERT_EQ_INT(b.nr, 1);
	ASSERT_EQ_INT(ch.nr_engaged, 1);
	ASSERT_EQ_INT(ch.nr_released, 0);
	ASSERT_EQ_INT(b.items[0].pool.rport, 5001);
	/* still engaged at 79%: no new record */
	pools[0].used = 79;
	lifeline_update(&b, pools, 3, 0.8, &a, &ch);
	ASSERT_EQ_INT(a.nr, 1);
	ASSERT_EQ_INT(ch.nr_engaged + ch.nr_released, 0);
	/* released at 77% */
	pools[0].used = 77;
	lifeline_update(&a, pools, 3, 0.8, &b, &ch);
	ASSERT_EQ_INT(b.nr, 0);
	ASSERT_EQ_INT(ch.nr_released, 1);
	ASSERT_EQ_INT(ch.released[0].pool.rport, 5001);
	/* 79% again: not engaged (it was released) */
	pools[0].used = 79;
	lifeline_update(&b, pools, 3, 0.8, &a, &ch);
	ASSERT_EQ_INT(a.nr, 0);
	/* another destination is another pool; the same port elsewhere too */
	pools[1].used = 90;
	pools[2].used = 95;
	lifeline_update(&a, pools, 3, 0.8, &b, &ch);
	ASSERT_EQ_INT(b.nr, 2);
	ASSERT_EQ_INT(ch.nr_engaged, 2);
	/* a pool gone from the snapshot (its sockets closed) is released */
	lifeline_update(&b, pools, 1, 0.8, &a, &ch);
	ASSERT_EQ_INT(a.nr, 0);
	ASSERT_EQ_INT(ch.nr_released, 2);
	ASSERT_TRUE(ch.released[0].fill == 0 || ch.released[1].fill == 0);
	/* lifeline off: nothing engages */
	lifeline_update(&a, pools, 3, 0, &b, &ch);
	ASSERT_EQ_INT(b.nr + ch.nr_engaged, 0);
}

static void test_same_pool(void)
{
	struct snap_pool x = pool(POOL_TCP_CONNECT, 7, 5001, 1), y = x;

	ASSERT_TRUE(lifeline_same_pool(&x, &y));
	y.laddr[0] = 10;
	ASSERT_TRUE(!lifeline_same_pool(&x, &y));
	y = x;
	y.netns = 8;
	ASSERT_TRUE(!lifeline_same_pool(&x, &y));
	x = pool(POOL_UDP, 7, 0, 1), y = x;
	y.raddr[0] = 1; /* ignored: netns-wide */
	ASSERT_TRUE(lifeline_same_pool(&x, &y));
	y.kind = POOL_TCP_BIND;
	ASSERT_TRUE(!lifeline_same_pool(&x, &y));
}

static void test_cap(void)
{
	static struct snap_pool many[LIFELINE_POOLS_MAX + 3];
	static struct lifeline_state none, s;
	static struct lifeline_changes ch;

	for (size_t i = 0; i < LIFELINE_POOLS_MAX + 3; i++)
		many[i] = pool(POOL_TCP_CONNECT, 7, (uint16_t)(1000 + i), 99);
	lifeline_update(&none, many, LIFELINE_POOLS_MAX + 3, 0.9, &s, &ch);
	ASSERT_EQ_INT(s.nr, LIFELINE_POOLS_MAX);
	ASSERT_EQ_INT(s.over, 3); /* counted, for the warning */
}

static void test_inherits(void)
{
	ASSERT_TRUE(lifeline_inherits(900, "/usr/sbin/sshd"));
	ASSERT_TRUE(lifeline_inherits(900, "/tmp/protected-portleak"));
	ASSERT_TRUE(!lifeline_inherits(1, "/usr/sbin/sshd")); /* init, whatever it runs */
	ASSERT_TRUE(!lifeline_inherits(900, "/lib/systemd/systemd"));
	ASSERT_TRUE(!lifeline_inherits(900, "/usr/bin/containerd-shim-runc-v2"));
	ASSERT_TRUE(!lifeline_inherits(900, "/usr/bin/dockerd"));
}

static const struct lifeline_proc *get(const struct lifeline_proc *p, size_t n, uint32_t tgid)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].tgid == tgid)
			return &p[i];
	return NULL;
}

static void test_tree(void)
{
	/* init 1 -> sshd 10 -> sshd 11 -> bash 12 -> ssh 13; init -> hog 20 -> 21;
	 * init -> containerd 30 -> app 31; a ppid loop 40 <-> 41 */
	struct lifeline_proc p[] = {
		{41, 40, false, true}, {13, 12, false, true}, {1, 0, true, false},
		{10, 1, true, true},   {11, 10, true, true},  {12, 11, false, true},
		{20, 1, false, true},  {21, 20, false, true}, {30, 1, true, false},
		{31, 30, false, true}, {40, 41, false, true},
	};
	size_t n = sizeof(p) / sizeof(p[0]);

	lifeline_protect_tree(p, n);
	ASSERT_TRUE(get(p, n, 1)->protect && !get(p, n, 1)->pass_on);
	ASSERT_TRUE(get(p, n, 10)->protect && get(p, n, 10)->pass_on);
	ASSERT_TRUE(get(p, n, 12)->protect && get(p, n, 12)->pass_on); /* the login shell */
	ASSERT_TRUE(get(p, n, 13)->protect);
	ASSERT_TRUE(!get(p, n, 20)->protect); /* init's child */
	ASSERT_TRUE(!get(p, n, 21)->protect);
	ASSERT_TRUE(get(p, n, 30)->protect && !get(p, n, 30)->pass_on);
	ASSERT_TRUE(!get(p, n, 31)->protect); /* a container's process */
	ASSERT_TRUE(!get(p, n, 40)->protect && !get(p, n, 41)->protect);
}

int main(void)
{
	RUN(test_key);
	RUN(test_holds);
	RUN(test_update);
	RUN(test_same_pool);
	RUN(test_cap);
	RUN(test_inherits);
	RUN(test_tree);
	return UNIT_MAIN_END();
}
