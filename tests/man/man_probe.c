// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// What tests/man/test-man.sh checks the man pages against, from the code itself:
//   man_probe help [COMMAND] --help   what `portwarden [COMMAND] --help` prints
//                                     (the same cli_parse() main() calls)
//   man_probe parse FILE              exit 0 when FILE is a valid configuration
//   man_probe defaults FILE           exit 0 when FILE parses to exactly the
//                                     built-in configuration (config_defaults)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cli.h"
#include "core/config.h"

static int help(int argc, char **argv)
{
	struct env env;

	argv[0] = "portwarden";
	return cli_parse(argc, argv, &env) < 0 ? 0 : 1; /* -1: help was printed */
}

/* One part of the configuration: equal, or say which differs. */
static int same(const char *name, const void *a, const void *b, size_t len)
{
	if (!memcmp(a, b, len))
		return 1;
	fprintf(stderr, "%s differs from the built-in default\n", name);
	return 0;
}

static int load(const char *path, struct daemon_config *c)
{
	char err[512];

	if (!config_load(path, c, err, sizeof(err)))
		return 0;
	fprintf(stderr, "%s\n", err);
	return 1;
}

/* config_parse() starts from config_defaults() (zeroed, then set), so the
 * parts compare byte for byte, padding included. */
static int defaults(const char *path)
{
	static struct daemon_config got, want; /* large: not on the stack */
	int ok = 1;

	if (load(path, &got))
		return 1;
	config_defaults(&want);
	ok &= same("[daemon] interval", &got.interval_ms, &want.interval_ms, sizeof(got.interval_ms));
	ok &= same("[daemon] watch", &got.watch_ms, &want.watch_ms, sizeof(got.watch_ms));
	ok &= same("[daemon] surge_time", &got.surge, &want.surge, sizeof(got.surge));
	ok &= same("[daemon] window", &got.classify, &want.classify, sizeof(got.classify));
	ok &= same("[policy]", &got.policy, &want.policy, sizeof(got.policy));
	ok &= same("[breakers]", &got.breakers, &want.breakers, sizeof(got.breakers));
	ok &= same("[protect]", &got.protect, &want.protect, sizeof(got.protect));
	ok &= same("overrides", &got.nr_overrides, &want.nr_overrides, sizeof(got.nr_overrides));
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct daemon_config c;

	if (argc >= 2 && !strcmp(argv[1], "help"))
		return help(argc - 1, argv + 1);
	if (argc == 3 && !strcmp(argv[1], "parse"))
		return load(argv[2], &c);
	if (argc == 3 && !strcmp(argv[1], "defaults"))
		return defaults(argv[2]);
	fprintf(stderr, "usage: man_probe help [COMMAND] --help | parse FILE | defaults FILE\n");
	return 2;
}
