/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* `portwarden top`: the live view, on a terminal or as plain-text batch frames. */
#ifndef PW_TOP_CMD_H
#define PW_TOP_CMD_H

#include "cmd/cli.h"

/* Runs until q, SIGINT, SIGTERM or SIGHUP, or --frames frames. Returns the
 * exit status: 0, EXIT_RUNTIME, or EXIT_USAGE (no terminal without --batch). */
int top_run(const struct env *env);

#endif /* PW_TOP_CMD_H */
