// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Syscall tax benchmark: a getppid() loop, reporting nanoseconds per call.
//
// usage: sysloop [--duration SEC]
//
// getppid() does almost nothing in the kernel, so what it costs is the
// syscall entry and exit path: exactly what an attached syscall tracepoint
// slows down for every process (SYSCALL_WORK_SYSCALL_TRACEPOINT sends every
// syscall through the slow path), and what a TCP state tracepoint does not
// touch. Prints one line:
//   calls=N seconds=S ns_per_call=X cpu_ns_per_call=Y
// where cpu_ns_per_call counts only this thread's CPU time (less sensitive
// to other load on the machine than the wall-clock figure).
#include <getopt.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bench.h"

#define PROG	    "sysloop"
#define CLOCK_EVERY 4096 /* calls between clock reads */

static long parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {{"duration", required_argument, NULL, 'd'},
						 {NULL, 0, NULL, 0}};
	long duration_s = 2;
	int c;

	while ((c = getopt_long(argc, argv, "d:", longopts, NULL)) != -1) {
		if (c != 'd')
			exit(2);
		duration_s = parse_num(PROG, "--duration", optarg, 1, 3600);
	}
	return duration_s;
}

int main(int argc, char **argv)
{
	long long start, end, now, cpu0;
	long calls = 0;

	cpu0 = cpu_ns();
	start = now_ns();
	end = start + parse_args(argc, argv) * NSEC_PER_SEC;
	do {
		/* the raw syscall: glibc may not cache getppid, but be explicit */
		for (int i = 0; i < CLOCK_EVERY; i++)
			syscall(SYS_getppid);
		calls += CLOCK_EVERY;
		now = now_ns();
	} while (now < end);
	printf("calls=%ld seconds=%.3f ns_per_call=%.1f cpu_ns_per_call=%.1f\n", calls,
	       (double)(now - start) / 1e9, (double)(now - start) / (double)calls,
	       (double)(cpu_ns() - cpu0) / (double)calls);
	return 0;
}
