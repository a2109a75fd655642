// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Entry point: parse the command line and hand over to the chosen command.
#include <stdlib.h>
#include "cmd/cli.h"
#include "cmd/probe.h"
#include "cmd/report.h"
#include "cmd/run.h"
#include "cmd/snapshot.h"
#include "cmd/top.h"
#include "cmd/trace.h"
#include "kernel/calibrate.h"
#include "kernel/libbpf_log.h"

int main(int argc, char **argv)
{
	struct env env;
	int status = cli_parse(argc, argv, &env);

	if (status)
		return status < 0 ? EXIT_SUCCESS : status;
	libbpf_log_route();
	if (!calib_env_valid())
		return EXIT_USAGE;
	switch (env.command) {
	case CMD_TRACE:
		return trace_run(&env);
	case CMD_SNAPSHOT:
		return snapshot_run(&env);
	case CMD_REPORT:
		return report_run(&env);
	case CMD_RUN:
		return run_main(&env);
	case CMD_TOP:
		return top_run(&env);
	case CMD_PROBE:
		return probe_run(&env);
	default:
		return EXIT_USAGE;
	}
}
