// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Syscall tax benchmark: a getppid() loop, reporting nanoseconds per call.
//
// usage: sysloop [--duration SEC] [--send]
//
// getppid() does almost nothing in the kernel, so what it costs is the
// syscall entry and exit path: exactly what an attached syscall tracepoint
// slows down for every process (SYSCALL_WORK_SYSCALL_TRACEPOINT sends every
// syscall through the slow path), and what a TCP state tracepoint does not
// touch. Prints one line:
//   calls=N seconds=S ns_per_call=X cpu_ns_per_call=Y
// where cpu_ns_per_call counts only this thread's CPU time (less sensitive
// to other load on the machine than the wall-clock figure).
//
// --send loops over 1-byte send()s on a UDP socket connected to one of our
// own on loopback instead: what a hook on every sendmsg (portwarden's
// sock_send_length program) adds to the cheapest real send. Once the
// receiver's buffer is full, datagrams are dropped and send() still succeeds.
#include <arpa/inet.h>
#include <getopt.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bench.h"

#define PROG	    "sysloop"
#define CLOCK_EVERY 4096 /* calls between clock reads */

static long parse_args(int argc, char **argv, bool *send)
{
	static const struct option longopts[] = {{"duration", required_argument, NULL, 'd'},
						 {"send", no_argument, NULL, 's'},
						 {NULL, 0, NULL, 0}};
	long duration_s = 2;
	int c;

	while ((c = getopt_long(argc, argv, "d:", longopts, NULL)) != -1) {
		if (c == 's')
			*send = true;
		else if (c == 'd')
			duration_s = parse_num(PROG, "--duration", optarg, 1, 3600);
		else
			exit(2);
	}
	return duration_s;
}

/* A UDP socket connected to another of ours on 127.0.0.1; -1 on failure. */
static int udp_pair(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);

	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(rx, (struct sockaddr *)&a, &len) ||
	    connect(tx, (struct sockaddr *)&a, sizeof(a))) {
		perror(PROG ": udp socket pair");
		return -1;
	}
	return tx; /* rx stays open until exit */
}

int main(int argc, char **argv)
{
	long long start, end, now, cpu0;
	long calls = 0, duration_s;
	bool send_mode = false;
	int tx = -1;

	duration_s = parse_args(argc, argv, &send_mode);
	if (send_mode && (tx = udp_pair()) < 0)
		return 1;
	cpu0 = cpu_ns();
	start = now_ns();
	end = start + duration_s * NSEC_PER_SEC;
	do {
		/* the raw syscall: glibc may not cache getppid, but be explicit */
		for (int i = 0; i < CLOCK_EVERY; i++) {
			if (tx < 0)
				syscall(SYS_getppid);
			else if (send(tx, "x", 1, 0) != 1) {
				perror(PROG ": send");
				return 1;
			}
		}
		calls += CLOCK_EVERY;
		now = now_ns();
	} while (now < end);
	printf("calls=%ld seconds=%.3f ns_per_call=%.1f cpu_ns_per_call=%.1f\n", calls,
	       (double)(now - start) / 1e9, (double)(now - start) / (double)calls,
	       (double)(cpu_ns() - cpu0) / (double)calls);
	return 0;
}
