// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Test only, LD_PRELOADed: every $PW_MALLINFO_PERIOD seconds (default 5),
// one line of glibc's allocator figures (mallinfo2, all arenas) appended
// to the file $PW_MALLINFO_FILE, for the soak (tests/bench/soak.sh): what
// VmRSS alone cannot tell, memory the program holds (in use) from memory
// the allocator holds for it (free in the heap), and the heap from mmaps.
//
// Line: "SECONDS ARENA HBLKHD UORDBLKS FORDBLKS KEEPCOST", bytes, SECONDS
// on CLOCK_MONOTONIC; arena = heap bytes from sbrk (and thread arenas),
// hblkhd = bytes in mmapped chunks, uordblks = in use in the heap,
// fordblks = free in the heap, keepcost = the top chunk (trimmable).
//
// The sampling thread blocks every signal, so that the program's signals
// still go to its own threads, and allocates nothing itself unless told to
// leak (it would get an arena of its own): it writes from a stack buffer.
//
// $PW_MALLINFO_LEAK=N: the soak check's own test: the thread also leaks N
// bytes each period (malloc'd, written, never freed), a leak the program's
// RSS must show.
#include <fcntl.h>
#include <malloc.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int out_fd = -1;
static unsigned period = 5;
static size_t leak;

static void *sampler(void *arg)
{
	char line[160];

	(void)arg;
	for (;;) {
		struct mallinfo2 mi = mallinfo2();
		struct timespec ts;
		int n;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		n = snprintf(line, sizeof(line), "%lld %zu %zu %zu %zu %zu\n", (long long)ts.tv_sec,
			     mi.arena, mi.hblkhd, mi.uordblks, mi.fordblks, mi.keepcost);
		if (n > 0 && write(out_fd, line, (size_t)n) < 0)
			return NULL;
		if (leak) {
			char *p = malloc(leak);

			if (p)
				memset(p, 0x5a, leak); /* touched: resident */
		}
		sleep(period);
	}
}

__attribute__((constructor)) static void start(void)
{
	const char *file = getenv("PW_MALLINFO_FILE"), *p = getenv("PW_MALLINFO_PERIOD");
	const char *l = getenv("PW_MALLINFO_LEAK");
	sigset_t all, old;
	pthread_t t;

	if (!file)
		return;
	if (p && atoi(p) > 0)
		period = (unsigned)atoi(p);
	if (l && atol(l) > 0)
		leak = (size_t)atol(l);
	out_fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (out_fd < 0)
		return;
	/* the thread starts with every signal blocked: none is delivered to it */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, NULL, sampler, NULL) == 0)
		pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
