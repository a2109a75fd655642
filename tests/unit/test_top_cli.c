// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for `portwarden top`'s options: defaults, every option, bad input exits 2.
#include "cli_parse.h"
#include "cmd/cli.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

UNIT_TEST(top_defaults)
{
	struct env env;

	ASSERT_EQ_INT(PARSE(&env, "top"), 0);
	ASSERT_EQ_INT(env.command, CMD_TOP);
	ASSERT_EQ_INT(env.delay_s, 1);
	ASSERT_TRUE(!env.batch && !env.verbose);
	ASSERT_EQ_INT(env.frames, 0); /* the command picks: 1 in batch, else no end */
	ASSERT_EQ_INT(env.mode, MODE_AUTO);
}

UNIT_TEST(top_all_options)
{
	struct env env;

	ASSERT_EQ_INT(PARSE(&env, "top", "-d", "5", "--batch", "-n", "3", "--mode", "state", "-v"),
		      0);
	ASSERT_EQ_INT(env.delay_s, 5);
	ASSERT_TRUE(env.batch && env.verbose);
	ASSERT_EQ_INT(env.frames, 3);
	ASSERT_EQ_INT(env.mode, MODE_STATE);
	ASSERT_EQ_INT(PARSE(&env, "top", "--delay=60", "-b", "--frames=1000000"), 0);
	ASSERT_EQ_INT(env.delay_s, 60);
	ASSERT_TRUE(env.batch);
	ASSERT_EQ_INT(env.frames, 1000000);
}

UNIT_TEST(top_bad_input_exits_2)
{
	static const char *const bad[][3] = {
		{"-d", "0", NULL},     {"-d", "61", NULL},	  {"-d", "1s", NULL},
		{"-d", "-1", NULL},    {"-n", "0", NULL},	  {"-n", "1000001", NULL},
		{"-n", "x", NULL},     {"--mode", "bogus", NULL}, {"--json", NULL, NULL},
		{"extra", NULL, NULL},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *argv[] = {"portwarden", "top", (char *)bad[i][0], (char *)bad[i][1], NULL};
		struct env env;
		char row[64];

		snprintf(row, sizeof(row), "%s %s", bad[i][0], bad[i][1] ? bad[i][1] : "");
		UNIT_ROW(row);
		ASSERT_EQ_INT(quiet_parse(&env, bad[i][1] ? 4 : 3, argv), EXIT_USAGE);
	}
}

UNIT_TEST(top_help_exits_zero)
{
	struct env env;

	ASSERT_EQ_INT(PARSE(&env, "top", "--help"), -1);
}

int main(void)
{
	RUN(top_defaults);
	RUN(top_all_options);
	RUN(top_bad_input_exits_2);
	RUN(top_help_exits_zero);
	return UNIT_MAIN_END();
}
