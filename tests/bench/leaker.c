// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Detection benchmark workload: a paced port leaker, and the sink that keeps its connections.
//
// usage: leaker sink [--port N] [--procs P]
//        leaker leak [--port N] [--rate R]
//
// sink: listens on 127.0.0.1:PORT and accepts and keeps every connection,
//	 so the leaker's sockets stay ESTABLISHED (the far end of a leak). P
//	 processes accept from the one listener, each up to its descriptor
//	 limit, so the sink can keep more connections than one process may.
//	 Prints "listening" once ready.
// leak: connects to 127.0.0.1:PORT R times per second and never closes a
//	 socket: each success holds one port of the (netns, 127.0.0.1,
//	 127.0.0.1:PORT) pool. Failures (socket() refused by a quarantine,
//	 EADDRNOTAVAIL once the pool is full, EMFILE at the descriptor limit)
//	 are counted and the pace goes on, as a real leaker keeps trying. It
//	 first prints "nofile=N start=WALL" (its descriptor limit, and
//	 CLOCK_REALTIME seconds just before the first connect), then once a
//	 second "t=SEC held=N failed=N last_errno=E".
// Both run until a signal ends them.
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

#define PROG	  "leaker"
#define MAX_FDS	  1000000 /* as many as the limits allow */
#define FD_MARGIN 16	  /* descriptors a sink process keeps free */

struct opts {
	const char *mode;
	long port;
	long rate;
	long procs;
};

struct progress {
	long held, failed;
	int last_errno;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {{"port", required_argument, NULL, 'p'},
						 {"rate", required_argument, NULL, 'r'},
						 {"procs", required_argument, NULL, 'P'},
						 {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.port = 5000, .rate = 100, .procs = 2};
	while ((c = getopt_long(argc, argv, "p:r:P:", longopts, NULL)) != -1) {
		if (c == 'p')
			o->port = parse_num(PROG, "--port", optarg, 1, 65535);
		else if (c == 'r')
			o->rate = parse_num(PROG, "--rate", optarg, 1, 1000000);
		else if (c == 'P')
			o->procs = parse_num(PROG, "--procs", optarg, 1, 64);
		else
			exit(2);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s sink|leak [--port N] [--rate R] [--procs P]\n", PROG);
		exit(2);
	}
	o->mode = argv[optind];
}

/* Accept and keep connections until @max are kept, then idle. */
static void acceptor(int lfd, long max)
{
	for (long kept = 0; kept < max;) {
		if (accept4(lfd, NULL, NULL, SOCK_CLOEXEC) >= 0)
			kept++;
		else if (errno != EINTR && errno != ECONNABORTED)
			die(PROG, "accept");
	}
	for (;;)
		pause();
}

/* The extra acceptors are our children and die with us (PR_SET_PDEATHSIG). */
static void sink(int port, long procs)
{
	struct sockaddr_in a = loopback(port);
	long max = (long)want_nofile(MAX_FDS) - FD_MARGIN;
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4096))
		die(PROG, "sink listener");
	for (long i = 1; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die(PROG, "fork");
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1) /* the parent died before prctl */
				_exit(1);
			acceptor(lfd, max);
		}
	}
	printf("listening\n");
	fflush(stdout);
	acceptor(lfd, max);
}

/* One try; the socket is kept on success, closed on failure. */
static void try_leak(const struct sockaddr_in *dst, struct progress *p)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) == 0) {
		p->held++;
		return;
	}
	p->failed++;
	p->last_errno = errno;
	if (fd >= 0)
		close(fd);
}

static void leak(int port, long rate)
{
	struct sockaddr_in dst = loopback(port);
	struct progress p = {0};
	rlim_t nofile = want_nofile(MAX_FDS);
	long long start, next_report;
	long tries = 0;

	printf("nofile=%llu start=%.6f\n", (unsigned long long)nofile, wall_s());
	fflush(stdout);
	start = now_ns();
	next_report = start + NSEC_PER_SEC;
	for (;;) {
		sleep_until_ns(start + (long long)((double)tries * NSEC_PER_SEC / (double)rate));
		try_leak(&dst, &p);
		tries++;
		if (now_ns() >= next_report) {
			printf("t=%.0f held=%ld failed=%ld last_errno=%d\n",
			       (double)(next_report - start) / 1e9, p.held, p.failed, p.last_errno);
			fflush(stdout);
			next_report += NSEC_PER_SEC;
		}
	}
}

int main(int argc, char **argv)
{
	struct opts o;

	parse_args(argc, argv, &o);
	if (!strcmp(o.mode, "sink"))
		sink((int)o.port, o.procs);
	else if (!strcmp(o.mode, "leak"))
		leak((int)o.port, o.rate);
	fprintf(stderr, "%s: unknown mode '%s'\n", PROG, o.mode);
	return 2;
}
