/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* `portwarden report`: watch for a while, then write a leak report. */
#ifndef PW_REPORT_CMD_H
#define PW_REPORT_CMD_H

#include "cmd/cli.h"

/* Returns the process exit status: 0, EXIT_RUNTIME or EXIT_USAGE. */
int report_run(const struct env *env);

#endif /* PW_REPORT_CMD_H */
