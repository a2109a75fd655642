// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Short-lived processes that each take a port once (tests/bench/soak.sh's
// warm-up): every one leaves its own (cgroup, process) entry in the
// daemon's activity map, as a host's short-lived connecting processes do,
// so that the map is full, and the daemon's copies of it at their largest,
// before the soak takes its RSS baseline.
//
// usage: forkconnect --count N [--rate R] [--port P]
//
// N processes, R a second (default 500), each a TCP connect() to
// 127.0.0.1:P (default 5999, where nothing should listen: refused at once)
// and exit. Run it in a network namespace of its own. On stdout at the end:
//   exit processes=N failed=M seconds=S
// (failed: children that could not be forked or did not exit 0).
#include <getopt.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

#define PROG "forkconnect"

struct opts {
	long count, rate, port;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {{"count", required_argument, NULL, 'n'},
						 {"rate", required_argument, NULL, 'r'},
						 {"port", required_argument, NULL, 'p'},
						 {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.count = -1, .rate = 500, .port = 5999};
	while ((c = getopt_long(argc, argv, "n:r:p:", longopts, NULL)) != -1) {
		if (c == 'n')
			o->count = parse_num(PROG, "--count", optarg, 1, 10000000);
		else if (c == 'r')
			o->rate = parse_num(PROG, "--rate", optarg, 1, 100000);
		else if (c == 'p')
			o->port = parse_num(PROG, "--port", optarg, 1, 65535);
		else
			exit(2);
	}
	if (o->count < 0 || optind != argc) {
		fprintf(stderr, "usage: " PROG " --count N [--rate R] [--port P]\n");
		exit(2);
	}
}

/* The child: one port taken (the connect's autobind), and gone. */
static void child(long port)
{
	struct sockaddr_in dst = loopback((int)port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		_exit(1);
	connect(fd, (struct sockaddr *)&dst, sizeof(dst)); /* refused: expected */
	_exit(0);
}

/* Reap what has exited; @block: wait for one. The failures among them. */
static long reap(int block, long *alive)
{
	long failed = 0;
	int status;

	while (*alive && waitpid(-1, &status, block ? 0 : WNOHANG) > 0) {
		(*alive)--;
		failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		block = 0;
	}
	return failed;
}

int main(int argc, char **argv)
{
	long long start = now_ns(), period = NSEC_PER_SEC;
	long failed = 0, alive = 0;
	struct opts o;

	parse_args(argc, argv, &o);
	period /= o.rate;
	for (long i = 0; i < o.count; i++) {
		pid_t pid;

		sleep_until_ns(start + i * period);
		pid = fork();
		if (pid < 0) {
			failed++;
			continue;
		}
		if (pid == 0)
			child(o.port);
		alive++;
		failed += reap(alive > 64, &alive); /* never more than 64 at once */
	}
	while (alive)
		failed += reap(1, &alive);
	printf("exit processes=%ld failed=%ld seconds=%.1f\n", o.count, failed,
	       (double)(now_ns() - start) / NSEC_PER_SEC);
	return 0;
}
