/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * run's metrics model, filled from the guard after each step: its pools,
 * cgroups, suspects, the totals it keeps over its life (failures, actions),
 * lost data and the cost of its BPF programs. views/metrics_text.c renders
 * it; cmd/run.c hands the text to serve/.
 */
#ifndef PW_GUARD_METRICS_H
#define PW_GUARD_METRICS_H

#include <stddef.h>
#include "guard/guard.h"

/* Count an action the guard took (or spared), by its outcome. */
void guard_count_action(struct guard *g, enum action a, enum metrics_outcome o);

/* The exposition text of the guard's latest step into a new buffer.
 * 0 or -ENOMEM. */
int guard_metrics_render(struct guard *g, const char *version, char **text, size_t *len);

#endif /* PW_GUARD_METRICS_H */
