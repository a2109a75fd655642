/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The result of each signal the guard sent, logged once it is due: whether
 * the target exited, what it still holds, how full its pool is now. */
#ifndef PW_RESULTS_H
#define PW_RESULTS_H

#include "guard/guard.h"

/* Report due results, and forget targets that left the history (the
 * breakers keep their own memory of workloads). */
void guard_report_results(struct guard *g);

#endif /* PW_RESULTS_H */
