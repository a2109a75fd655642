/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Reading the kernel's cumulative activity counters (opens, closes, failures). */
#ifndef PW_COUNTERS_H
#define PW_COUNTERS_H

#include "core/activity.h"

/* Replace @t's contents with every entry of the map at @map_fd.
 * Returns 0 or -errno. */
int activity_read(int map_fd, struct activity_table *t);
/* What activity_read() falls back to where batch lookups fail: the map key
 * by key, not indexed (exposed for its test). 0 or -ENOMEM. */
int activity_read_walk(int map_fd, struct activity_table *t);

#endif /* PW_COUNTERS_H */
