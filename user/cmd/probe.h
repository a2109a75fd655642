/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The probe command: what this kernel lets portwarden load. */
#ifndef PW_PROBE_CMD_H
#define PW_PROBE_CMD_H

#include "cmd/cli.h"

int probe_run(const struct env *env);

#endif /* PW_PROBE_CMD_H */
