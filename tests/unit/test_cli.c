// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for command-line parsing: good input fills struct env, bad input exits 2.
#include <errno.h>
#include "cli_parse.h"
#include "cmd/cli.h"
#include "unit.h"

UNIT_TEST(trace_defaults)
{
	struct env env;

	ASSERT_EQ_INT(PARSE(&env, "trace"), 0);
	ASSERT_EQ_INT(env.command, CMD_TRACE);
	ASSERT_EQ_INT(env.mode, MODE_AUTO);
	ASSERT_TRUE(!env.json && !env.failed_only && !env.verbose);
	ASSERT_EQ_INT(env.pid, 0);
	ASSERT_TRUE(env.cgroup_path == NULL);
}

UNIT_TEST(trace_all_options)
{
	struct env env;

	ASSERT_EQ_INT(PARSE(&env, "trace", "--json", "--failed", "--pid", "42", "--cgroup",
			    "/sys/fs/cgroup/x", "--mode", "syscall", "-v"),
		      0);
	ASSERT_TRUE(env.json && env.failed_only && env.verbose);
	ASSERT_EQ_INT(env.pid, 42);
	ASSERT_EQ_STR(env.cgroup_path, "/sys/fs/cgroup/x");
	ASSERT_EQ_INT(env.mode, MODE_SYSCALL);
	ASSERT_EQ_INT(PARSE(&env, "trace", "-p", "7", "-c", "/a", "--mode=state"), 0);
	ASSERT_EQ_INT(env.pid, 7);
	ASSERT_EQ_STR(env.cgroup_path, "/a");
	ASSERT_EQ_INT(env.mode, MODE_STATE);
}

UNIT_TEST(help_and_version_exit_zero)
{
	struct env env;

	ASSERT_EQ_INT(PARSE(&env, "--help"), -1);
	ASSERT_EQ_INT(PARSE(&env, "--version"), -1);
	ASSERT_EQ_INT(PARSE(&env, "trace", "--help"), -1);
	ASSERT_EQ_INT(PARSE(&env, "trace", "--version"), -1);
}

UNIT_TEST(bad_input_exits_2)
{
	static const char *const cases[][3] = {
		{"bogus", NULL, NULL},
		{"trace", "--pid", "abc"},
		{"trace", "--pid", "0"},
		{"trace", "--pid", "-1"},
		{"trace", "--pid", "99999999999"},
		{"trace", "--pid", "12x"},
		{"trace", "--pid", ""},
		{"trace", "--mode", "fast"},
		{"trace", "--cgroup", ""},
		{"trace", "extra", NULL},
		{"trace", "--nope", NULL},
		{"trace", "--pid", NULL},
	};
	struct env env;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[5] = {"portwarden"}, row[128] = "";
		int argc = 1;

		for (int j = 0; j < 3 && cases[i][j]; j++) {
			argv[argc++] = (char *)cases[i][j];
			strncat(row, cases[i][j], sizeof(row) - strlen(row) - 2);
			strcat(row, " ");
		}
		UNIT_ROW(row);
		ASSERT_EQ_INT(quiet_parse(&env, argc, argv), EXIT_USAGE);
	}
}

UNIT_TEST(no_command_exits_2)
{
	struct env env;
	char *argv[] = {"portwarden", NULL};

	ASSERT_EQ_INT(quiet_parse(&env, 1, argv), EXIT_USAGE);
}

UNIT_TEST(parse_u32_checks_range_and_syntax)
{
	static const struct {
		const char *in;
		int ret;
		uint32_t out;
	} cases[] = {
		{"0", 0, 0},
		{"1", 0, 1},
		{"4294967295", 0, 4294967295u},
		{"4294967296", -ERANGE, 0},
		{"", -EINVAL, 0},
		{" 1", -EINVAL, 0},
		/* strtoull skips any leading isspace(), not just ' ' */
		{"\t1", -EINVAL, 0},
		{"\n1", -EINVAL, 0},
		{"\v1", -EINVAL, 0},
		{"\f1", -EINVAL, 0},
		{"\r1", -EINVAL, 0},
		{"\t-1", -EINVAL, 0},
		{"1 ", -EINVAL, 0},
		{"1\t", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"0x10", -EINVAL, 0},
		{"99999999999999999999", -ERANGE, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t v = 0;

		UNIT_ROW(cases[i].in);
		ASSERT_EQ_INT(cli_parse_u32(cases[i].in, 0, UINT32_MAX, &v), cases[i].ret);
		if (!cases[i].ret)
			ASSERT_EQ_INT(v, cases[i].out);
	}
	ASSERT_EQ_INT(cli_parse_u32("5", 10, 20, &(uint32_t){0}), -ERANGE);
	ASSERT_EQ_INT(cli_parse_u32("25", 10, 20, &(uint32_t){0}), -ERANGE);
	ASSERT_EQ_INT(cli_parse_u32(NULL, 0, 1, &(uint32_t){0}), -EINVAL);
}

/* Every numeric option refuses what strtoull would quietly skip or negate:
 * `--pid "<TAB>42"` is bad input, not pid 42. */
UNIT_TEST(numeric_options_refuse_space_and_sign)
{
	static const char *const opts[][2] = {
		{"trace", "--pid"},	   {"snapshot", "--limit"}, {"report", "--duration"},
		{"report", "--interval"}, {"top", "--delay"},	    {"top", "--frames"},
	};
	static const char *const bad[] = {"\t42", " 42", "\n42", "+42", "-42", "\t+42"};
	struct env env;
	char row[64];

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		UNIT_ROW(opts[i][1]);
		ASSERT_EQ_INT(PARSE(&env, (char *)opts[i][0], (char *)opts[i][1], "42"), 0);
		for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			snprintf(row, sizeof(row), "%s '%s'", opts[i][1], bad[j]);
			UNIT_ROW(row);
			ASSERT_EQ_INT(PARSE(&env, (char *)opts[i][0], (char *)opts[i][1],
					    (char *)bad[j]),
				      EXIT_USAGE);
		}
	}
}

/* Every mode by its README name: the name trace_mode_name() gives is the one
 * `--mode` takes, and it selects that mode. */
UNIT_TEST(mode_names_round_trip)
{
	static const struct {
		enum trace_mode mode;
		const char *name;
	} modes[] = {
		{MODE_AUTO, "auto"},
		{MODE_STATE, "state"},
		{MODE_SYSCALL, "syscall"},
		{MODE_FEXIT, "fexit"},
	};
	static const char *const bad[] = {"fast", "Syscall", "", "auto ", "?"};
	struct env env;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		UNIT_ROW(modes[i].name);
		ASSERT_EQ_STR(trace_mode_name(modes[i].mode), modes[i].name);
		/* after another mode, so that the default cannot pass for "auto" */
		ASSERT_EQ_INT(PARSE(&env, "trace", "--mode", i ? "auto" : "state", "--mode",
				    (char *)trace_mode_name(modes[i].mode)),
			      0);
		ASSERT_EQ_INT(env.mode, modes[i].mode);
	}
	UNIT_ROW("");
	/* the table above is every mode */
	ASSERT_EQ_STR(trace_mode_name((enum trace_mode)(MODE_FEXIT + 1)), "?");
	ASSERT_EQ_STR(trace_mode_name((enum trace_mode)99), "?");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		UNIT_ROW(bad[i]);
		ASSERT_EQ_INT(PARSE(&env, "trace", "--mode", (char *)bad[i]), EXIT_USAGE);
	}
}

UNIT_TEST(run_metrics_options)
{
	struct env env;

	ASSERT_EQ_INT(PARSE(&env, "run"), 0);
	ASSERT_TRUE(!env.metrics_socket && !env.no_socket && !env.metrics_listen);
	ASSERT_EQ_INT(PARSE(&env, "run", "--socket", "/tmp/x.sock", "--metrics-listen",
			    "[::1]:9477"),
		      0);
	ASSERT_EQ_STR(env.metrics_socket, "/tmp/x.sock");
	ASSERT_EQ_STR(env.metrics_listen, "[::1]:9477");
	ASSERT_EQ_INT(PARSE(&env, "run", "--no-socket", "--metrics-listen", "127.0.0.1:9477"), 0);
	ASSERT_TRUE(env.no_socket);
	ASSERT_EQ_INT(PARSE(&env, "run", "--socket", ""), EXIT_USAGE);
	ASSERT_EQ_INT(PARSE(&env, "run", "--socket", "rel.sock"), EXIT_USAGE);
	ASSERT_EQ_INT(PARSE(&env, "run", "--metrics-listen", "9477"), EXIT_USAGE);
	ASSERT_EQ_INT(PARSE(&env, "run", "--metrics-listen", "localhost:9477"), EXIT_USAGE);
	ASSERT_EQ_INT(PARSE(&env, "run", "--metrics-listen", "127.0.0.1:0"), EXIT_USAGE);
	ASSERT_EQ_INT(PARSE(&env, "run", "--metrics-listen", "::1:9477"), EXIT_USAGE);
}

int main(void)
{
	RUN(trace_defaults);
	RUN(trace_all_options);
	RUN(help_and_version_exit_zero);
	RUN(bad_input_exits_2);
	RUN(no_command_exits_2);
	RUN(parse_u32_checks_range_and_syntax);
	RUN(numeric_options_refuse_space_and_sign);
	RUN(mode_names_round_trip);
	RUN(run_metrics_options);
	return UNIT_MAIN_END();
}
