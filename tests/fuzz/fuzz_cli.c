// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the command line (cmd/cli.c, argp): the input split at NUL bytes is
// argv after "portwarden". Any argv gives 0 (parsed), -1 (help or version
// shown) or an exit status, never a crash; a parse that succeeds names a
// command. argp's output goes to /dev/null.
#include <fcntl.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "fuzz.h"

#define MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int devnull = open("/dev/null", O_WRONLY);

	(void)argc;
	(void)argv;
	/* argp prints help and errors; keep stdout quiet, stderr for libFuzzer */
	if (devnull >= 0)
		dup2(devnull, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 2];
	struct env env;
	int argc = 1, ret;
	FILE *saved_err = stderr;
	FILE *quiet = fopen("/dev/null", "w");

	if (!copy || !quiet)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = "portwarden";
	for (size_t i = 0; i <= size && argc <= MAX_ARGS;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;
	memset(&env, 0, sizeof(env));
	stderr = quiet; /* argp writes its complaints to stderr */
	ret = cli_parse(argc, argv, &env);
	stderr = saved_err;
	fclose(quiet);
	FUZZ_ASSERT(ret == 0 || ret == -1 || ret == EXIT_USAGE || ret == EXIT_RUNTIME, NULL, 0);
	FUZZ_ASSERT(ret != 0 || env.command != CMD_NONE, NULL, 0);
	free(copy);
	return 0;
}
