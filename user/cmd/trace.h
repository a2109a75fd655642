/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* `portwarden trace`: stream port allocation outcomes until interrupted. */
#ifndef PW_TRACE_H
#define PW_TRACE_H

#include "cmd/cli.h"

/* Returns the process exit status: 0, EXIT_RUNTIME or EXIT_USAGE. */
int trace_run(const struct env *env);

#endif /* PW_TRACE_H */
