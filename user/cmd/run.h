/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* `portwarden run`: the daemon that guards the host's ports. */
#ifndef PW_RUN_H
#define PW_RUN_H

#include "cmd/cli.h"

/* Runs until SIGINT/SIGTERM; SIGHUP reloads the config and reopens the log.
 * Returns the process exit status: 0, EXIT_RUNTIME or EXIT_USAGE. */
int run_main(const struct env *env);

#endif /* PW_RUN_H */
