/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Test helper: run cli_parse() on a literal command line, silenced. */
#ifndef PW_TEST_CLI_PARSE_H
#define PW_TEST_CLI_PARSE_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "cmd/cli.h"

/* Parse with stdout and stderr silenced: help texts and argp's complaints
 * would otherwise interleave with the PASS/FAIL lines. */
static inline int quiet_parse(struct env *env, int argc, char **argv)
{
	int devnull = open("/dev/null", O_WRONLY), out = dup(1), err = dup(2), status;

	fflush(stdout);
	dup2(devnull, 1);
	dup2(devnull, 2);
	status = cli_parse(argc, argv, env);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(devnull);
	close(out);
	close(err);
	return status;
}

/* PARSE(&env, "trace", "--json"): the arguments after "portwarden". */
#define PARSE(env, ...)                                                               \
	({                                                                            \
		char *argv_[] = {"portwarden", __VA_ARGS__, NULL};                    \
		quiet_parse(env, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_); \
	})

#endif /* PW_TEST_CLI_PARSE_H */
