/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Helpers shared by the benchmark programs: clocks, checked number parsing,
 * loopback addresses, descriptor limits and fatal errors. Header-only: each
 * benchmark is one .c file built on its own.
 */
#ifndef PW_BENCH_H
#define PW_BENCH_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000LL

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* CPU time this thread used, user and system: unlike the monotonic clock it
 * does not count time other load on the machine took from us. */
static inline long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Wall clock in seconds, for lining our records up with the audit log's. */
static inline double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void sleep_until_ns(long long t_ns)
{
	struct timespec ts = {.tv_sec = t_ns / NSEC_PER_SEC, .tv_nsec = t_ns % NSEC_PER_SEC};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static inline void die(const char *prog, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

/* A decimal in [min, max], or exit 2 naming the option. */
static inline long parse_num(const char *prog, const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad %s: '%s' (want %ld..%ld)\n", prog, opt, s, min, max);
		exit(2);
	}
	return v;
}

/* 127.0.0.1:@port. */
static inline struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/*
 * Raise the descriptor limit toward @n and return what it is now. Going past
 * the hard limit needs CAP_SYS_RESOURCE (and fs.nr_open >= @n); without it
 * the soft limit goes up to the hard one and the caller decides whether
 * that is enough.
 */
static inline rlim_t want_nofile(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur >= n)
		return rl.rlim_cur;
	if (rl.rlim_max < n) {
		struct rlimit more = {.rlim_cur = n, .rlim_max = n};

		if (!setrlimit(RLIMIT_NOFILE, &more))
			return n;
	}
	rl.rlim_cur = rl.rlim_max < n ? rl.rlim_max : n;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

#endif /* PW_BENCH_H */
