/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Port budgets (ports_max): the pure decisions. The kernel refuses
 * (bpf/budget.bpf.c); these say which cgroup gets which budget and when
 * the kernel's count is to be corrected from the snapshot's.
 */
#ifndef PW_BUDGET_CORE_H
#define PW_BUDGET_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/config.h"

/* The budget of the cgroup2 cgroup at @path ("/a/b"): its policy's
 * ports_max (first matching [cgroup] override, else [policy]); 0: none.
 * The root ("/") never gets one: that is the whole host. */
uint32_t budget_for(const struct daemon_config *c, const char *path);

/* Is a cgroup holding @held ports at its budget @max (0: none)? */
bool budget_reached(int64_t held, uint32_t max);

/*
 * Correct the kernel's count to the snapshot's? Only when the kernel's count
 * read before the snapshot (@before) and after it (@after) agree, so that
 * sockets made or closed while the snapshot was taken are not taken for
 * drift, and differ from the snapshot's (@snap).
 */
bool budget_needs_correction(int64_t before, int64_t after, uint32_t snap);

#endif /* PW_BUDGET_CORE_H */
