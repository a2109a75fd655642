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
	ASSERT_EQ_INT(budget_for(&cfg, "/leak-1").max, 50);
	ASSERT_EQ_INT(budget_for(&cfg, "/big").max, 4000);
	ASSERT_EQ_INT(budget_for(&cfg, "/other").max, 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/").max, 0); /* never the whole host */
	ASSERT_EQ_INT(budget_for(&cfg, "").max, 0);
	ASSERT_EQ_INT(budget_for(&cfg, NULL).max, 0);
	/* a site-wide budget from [policy] reaches every cgroup but the root */
	ASSERT_EQ_INT(parse("[policy]\nports_max = 300\n[cgroup \"/srv\"]\nports_max = 0\n"), 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/x").max, 300);
	ASSERT_EQ_INT(budget_for(&cfg, "/srv").max, 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/").max, 0);
	/* a reload: the new file alone decides */
	ASSERT_EQ_INT(parse("[cgroup \"/big\"]\nports_max = 10\n"), 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/leak-1").max, 0);
	ASSERT_EQ_INT(budget_for(&cfg, "/big").max, 10);
}

/* enforce = no opts a workload out of enforcement: its budget counts only */
static void test_count_only(void)
{
	ASSERT_EQ_INT(parse("[cgroup \"/optout\"]\nports_max = 20\nenforce = no\n"
			    "[cgroup \"/capped\"]\nports_max = 20\n"
			    "[cgroup \"/free\"]\nenforce = no\n"),
		      0);
	ASSERT_EQ_INT(budget_for(&cfg, "/optout").max, 20);
	ASSERT_TRUE(budget_for(&cfg, "/optout").count_only);
	ASSERT_EQ_INT(budget_for(&cfg, "/capped").max, 20);
	ASSERT_TRUE(!budget_for(&cfg, "/capped").count_only);
	/* no budget: nothing to count */
	ASSERT_EQ_INT(budget_for(&cfg, "/free").max, 0);
	ASSERT_TRUE(!budget_for(&cfg, "/free").count_only);
	/* opt-in: enforce = no in [policy], yes in one cgroup */
	ASSERT_EQ_INT(parse("[policy]\nports_max = 100\nenforce = no\n"
			    "[cgroup \"/in\"]\nenforce = yes\n"),
		      0);
	ASSERT_TRUE(budget_for(&cfg, "/x").count_only);
	ASSERT_EQ_INT(budget_for(&cfg, "/in").max, 100);
	ASSERT_TRUE(!budget_for(&cfg, "/in").count_only);
}

static void test_reached(void)
{
	ASSERT_TRUE(!budget_reached(49, 50));
	ASSERT_TRUE(budget_reached(50, 50));
	ASSERT_TRUE(budget_reached(51, 50));
	ASSERT_TRUE(!budget_reached(1000, 0));
	ASSERT_TRUE(!budget_reached(-3, 1));
}

/* a sample: kernel counts @b then @a (changes @cb, @ca), snapshot @s */
static struct budget_sample sample(int64_t b, uint64_t cb, int64_t a, uint64_t ca, uint32_t s)
{
	return (struct budget_sample){{b, cb}, {a, ca}, s};
}

static void test_correction(void)
{
	struct budget_sample steady = sample(7, 3, 7, 3, 7), drift = sample(9, 3, 9, 3, 7);
	struct budget_sample busy = sample(8, 3, 9, 4, 7), snap_moved = sample(9, 3, 9, 3, 8);
	struct budget_sample low = sample(-1, 3, -1, 3, 0);
	/* 20 sockets closed and 20 opened between the samples: the same value,
	 * not the same count */
	struct budget_sample round = sample(9, 43, 9, 43, 7);
	/* ... or between the reads around one snapshot */
	struct budget_sample within = sample(9, 3, 9, 43, 7);

	ASSERT_TRUE(!budget_needs_correction(&steady, &steady));
	ASSERT_TRUE(budget_needs_correction(&drift, &drift)); /* drifted up, twice */
	ASSERT_TRUE(budget_needs_correction(&low, &low));
	ASSERT_TRUE(!budget_needs_correction(&steady, &drift)); /* once: maybe churn */
	ASSERT_TRUE(!budget_needs_correction(&drift, &busy));	/* busy: next sample */
	ASSERT_TRUE(!budget_needs_correction(&busy, &drift));
	/* the snapshot moved (a socket opened and another closed in between) */
	ASSERT_TRUE(!budget_needs_correction(&snap_moved, &drift));
	/* the count went and came back: not still, whatever the values say */
	ASSERT_TRUE(!budget_needs_correction(&drift, &round));
	ASSERT_TRUE(!budget_needs_correction(&drift, &within));
	ASSERT_TRUE(!budget_needs_correction(&within, &drift));
	/* still again from there: two more samples */
	ASSERT_TRUE(budget_needs_correction(&round, &round));
}

int main(void)
{
	RUN(test_key);
	RUN(test_which_cgroup);
	RUN(test_count_only);
	RUN(test_reached);
	RUN(test_correction);
	return UNIT_MAIN_END();
}
