/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The guard's side of the lifeline (config lifeline, core/lifeline.h): each
 * step, the pools past it are engaged in the kernel (act/budget.h) after
 * the protected processes are written there; engagements and releases are
 * logged.
 */
#ifndef PW_GUARD_LIFELINE_H
#define PW_GUARD_LIFELINE_H

#include <stddef.h>
#include <stdint.h>
#include "core/snapshot.h"

struct guard;

/* "tcp-connect pool in netns N to 127.0.0.1:5001" */
void lifeline_pool_name(const struct snap_pool *p, char *buf, size_t len);

/* A path into the netns @inum: ours, a socket holder's (in the latest
 * snapshot), or a named one. 0 or -ENOENT (-ENAMETOOLONG). */
int guard_netns_path(const struct guard *g, uint32_t inum, char *path, size_t len);

/* After budgets_step(): engage and release pools. */
void lifeline_step(struct guard *g);

#endif /* PW_GUARD_LIFELINE_H */
