/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The monotonic clock every loop paces itself by. */
#ifndef PW_CLOCK_H
#define PW_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t monotonic_ms(void);

/* Sleep until monotonic @deadline_ms. Returns 0 once it is reached, -EINTR
 * when a signal came first: the caller decides whether to sleep on. */
int sleep_until(uint64_t deadline_ms);

/*
 * Nanoseconds per jiffy (the kernel's tick: 1/CONFIG_HZ), or 0 if unknown.
 * The coarse clocks advance once per tick, and their resolution is the
 * kernel's TICK_NSEC (include/vdso/jiffies.h): no kernel config file needed.
 */
uint64_t clock_tick_ns(void);

#endif /* PW_CLOCK_H */
