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

/*
 * A process's start as /proc/PID/stat gives it (field 22: clock ticks of
 * sysconf(_SC_CLK_TCK) after boot) from the kernel's start_boottime in ns,
 * and back: the kernel divides by NSEC_PER_SEC / USER_HZ (nsec_to_clock_t).
 * 0 (unknown) stays 0.
 */
uint64_t start_ticks_of_ns(uint64_t ns);
uint64_t start_ns_of_ticks(uint64_t ticks);

#endif /* PW_CLOCK_H */
