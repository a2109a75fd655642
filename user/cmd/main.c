// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Entry point: parse the command line and hand over to the chosen command.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cli.h"
#include "cmd/probe.h"
#include "cmd/report.h"
#include "cmd/run.h"
#include "cmd/snapshot.h"
#include "cmd/top.h"
#include "cmd/trace.h"
#include "core/log.h"
#include "kernel/calibrate.h"
#include "kernel/libbpf_log.h"

/*
 * What a command wrote to stdout must have arrived: `portwarden snapshot >
 * /dev/full` or a full disk is a failure (exit 1 with a message), not a
 * success with nothing written. Commands stop early on their own flush
 * errors; this catches the rest, help text included. A reader that went away
 * (EPIPE) is trace's normal end, which it clears.
 */
static int check_stdout(int status)
{
	errno = 0;
	if (!fflush(stdout) && !ferror(stdout))
		return status;
	if (errno)
		pr_warn("cannot write to standard output: %s\n", strerror(errno));
	else
		pr_warn("cannot write to standard output\n");
	return status ? status : EXIT_RUNTIME;
}

static int run_command(struct env *env, int argc, char **argv)
{
	int status = cli_parse(argc, argv, env);

	if (status)
		return status < 0 ? EXIT_SUCCESS : status;
	libbpf_log_route();
	if (!calib_env_valid())
		return EXIT_USAGE;
	switch (env->command) {
	case CMD_TRACE:
		return trace_run(env);
	case CMD_SNAPSHOT:
		return snapshot_run(env);
	case CMD_REPORT:
		return report_run(env);
	case CMD_RUN:
		return run_main(env);
	case CMD_TOP:
		return top_run(env);
	case CMD_PROBE:
		return probe_run(env);
	default:
		return EXIT_USAGE;
	}
}

int main(int argc, char **argv)
{
	struct env env;

	return check_stdout(run_command(&env, argc, argv));
}
