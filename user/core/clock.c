// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The monotonic clock every loop paces itself by.
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include "core/clock.h"

uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int sleep_until(uint64_t deadline_ms)
{
	struct timespec ts = {.tv_sec = (time_t)(deadline_ms / 1000),
			      .tv_nsec = (long)(deadline_ms % 1000) * 1000000};

	/* clock_nanosleep returns the error instead of setting errno */
	return -clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

uint64_t clock_tick_ns(void)
{
	struct timespec res;
	uint64_t ns;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res))
		return 0;
	ns = (uint64_t)res.tv_sec * 1000000000 + (uint64_t)res.tv_nsec;
	/* CONFIG_HZ is 24 to 1200 on every architecture: anything else is not a tick */
	return ns >= 500000 && ns <= 50000000 ? ns : 0;
}

static uint64_t ns_per_user_tick(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? 1000000000 / (uint64_t)hz : 10000000; /* USER_HZ 100 */
}

uint64_t start_ticks_of_ns(uint64_t ns)
{
	return ns / ns_per_user_tick();
}

uint64_t start_ns_of_ticks(uint64_t ticks)
{
	return ticks * ns_per_user_tick();
}
