// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for port budgets' pure decisions: ports_max in the config, which
// cgroup gets which budget (after a reload too), when a count is corrected.
#include <stdio.h>
#include <string.h>
#include "core/budget.h"
#include "core/config.h"
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
	ASSERT_EQ_INT(cfg.policy.ports_max, 0); /* no budget unless configured */
	ASSERT_EQ_INT(parse("[cgroup \"/leak*\"]\nports_max = 50\n"), 0);
	ASSERT_EQ_INT(parse("[policy]\nports_max = -1\n"), -22);
	ASSERT_TRUE(strstr(err, "ports_max") != NULL);
	ASSERT_EQ_INT(parse("[policy]\nports_max = 1000001\n"), -22);
	ASSERT_EQ_INT(parse("[cgroup \"/a\"]\nports_max = 5\nports_max = 6\n"), -22);
}

static void test_which_cgroup(void)
{
	ASSERT_EQ_INT(parse("[cgroup \"/leak*\"]\nports_max = 50\n"
			    "[cgroup \"/big\"]\nports_max = 4000\n"),
		      0);
	ASSERT_EQ_INT(budget_for(&cfg, "/leak-1"), 50);
	ASSERT_EQ_INT(budget_for(&cfg, "/big"), 4000);
	ASSERT_EQ_INT(budget_for(&cfg, "/other"), 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/"), 0); /* never the whole host */
	ASSERT_EQ_INT(budget_for(&cfg, ""), 0);
	ASSERT_EQ_INT(budget_for(&cfg, NULL), 0);
	/* a site-wide budget from [policy] reaches every cgroup but the root */
	ASSERT_EQ_INT(parse("[policy]\nports_max = 300\n[cgroup \"/srv\"]\nports_max = 0\n"), 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/x"), 300);
	ASSERT_EQ_INT(budget_for(&cfg, "/srv"), 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/"), 0);
	/* a reload: the new file alone decides */
	ASSERT_EQ_INT(parse("[cgroup \"/big\"]\nports_max = 10\n"), 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/leak-1"), 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/big"), 10);
}

static void test_reached(void)
{
	ASSERT_TRUE(!budget_reached(49, 50));
	ASSERT_TRUE(budget_reached(50, 50));
	ASSERT_TRUE(budget_reached(51, 50));
	ASSERT_TRUE(!budget_reached(1000, 0));
	ASSERT_TRUE(!budget_reached(-3, 1));
}

static void test_correction(void)
{
	struct budget_sample steady = {7, 7, 7}, drift = {9, 9, 7}, busy = {8, 9, 7};
	struct budget_sample snap_moved = {9, 9, 8}, low = {-1, -1, 0};

	ASSERT_TRUE(!budget_needs_correction(&steady, &steady));
	ASSERT_TRUE(budget_needs_correction(&drift, &drift)); /* drifted up, twice */
	ASSERT_TRUE(budget_needs_correction(&low, &low));
	ASSERT_TRUE(!budget_needs_correction(&steady, &drift)); /* once: maybe churn */
	ASSERT_TRUE(!budget_needs_correction(&drift, &busy));	/* busy: next sample */
	ASSERT_TRUE(!budget_needs_correction(&busy, &drift));
	/* the snapshot moved (a socket opened and another closed in between) */
	ASSERT_TRUE(!budget_needs_correction(&snap_moved, &drift));
}

int main(void)
{
	RUN(test_key);
	RUN(test_which_cgroup);
	RUN(test_reached);
	RUN(test_correction);
	return UNIT_MAIN_END();
}
