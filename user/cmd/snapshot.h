/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* `portwarden snapshot`: what holds local ports now, printed once. */
#ifndef PW_SNAPSHOT_CMD_H
#define PW_SNAPSHOT_CMD_H

#include "cmd/cli.h"

/* Returns the process exit status: 0, EXIT_RUNTIME or EXIT_USAGE. */
int snapshot_run(const struct env *env);

#endif /* PW_SNAPSHOT_CMD_H */
