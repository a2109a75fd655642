// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Churn benchmark: a loopback connect/accept/close loop, reporting operations per second.
//
// usage: churn [--duration SEC] [--port N]
//
// One process, one CPU: each operation is socket(), connect() to our own
// listener on 127.0.0.1:PORT, accept(), then close() of the client and of the
// accepted socket: about ten TCP state changes, which is what a tracer of
// inet_sock_set_state pays for. Run it in a private network namespace with
// net.ipv4.tcp_max_tw_buckets = 0 there, so closed connections leave no
// TIME_WAIT behind and the loop never runs out of ports (the state changes
// are the same). Prints one line:
//   ops=N seconds=S ops_per_s=R cpu_seconds=C cpu_ns_per_op=P
// cpu_* count only this process's CPU time (user + system, softirq work done
// in its context included), so other load on the machine inflates them less.
#include <getopt.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

#define PROG	    "churn"
#define CLOCK_EVERY 64 /* operations between clock reads */

struct opts {
	long duration_s;
	long port;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {{"duration", required_argument, NULL, 'd'},
						 {"port", required_argument, NULL, 'p'},
						 {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.duration_s = 5, .port = 5000};
	while ((c = getopt_long(argc, argv, "d:p:", longopts, NULL)) != -1) {
		if (c == 'd')
			o->duration_s = parse_num(PROG, "--duration", optarg, 1, 3600);
		else if (c == 'p')
			o->port = parse_num(PROG, "--port", optarg, 1, 65535);
		else
			exit(2);
	}
}

static int listen_on(int port)
{
	struct sockaddr_in a = loopback(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die(PROG, "listener socket");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128))
		die(PROG, "listener bind/listen");
	return fd;
}

/* One connect/accept/close; the client closes first. */
static void one_op(int lfd, const struct sockaddr_in *dst)
{
	int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), afd;

	if (cfd < 0)
		die(PROG, "socket");
	if (connect(cfd, (const struct sockaddr *)dst, sizeof(*dst)))
		die(PROG, "connect (TIME_WAIT left? set tcp_max_tw_buckets=0 in the netns)");
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (afd < 0)
		die(PROG, "accept");
	close(cfd);
	close(afd);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_in dst;
	long long start, end, now, cpu0, cpu;
	long ops = 0;
	int lfd;

	parse_args(argc, argv, &o);
	dst = loopback((int)o.port);
	lfd = listen_on((int)o.port);
	cpu0 = cpu_ns();
	start = now_ns();
	end = start + o.duration_s * NSEC_PER_SEC;
	do {
		for (int i = 0; i < CLOCK_EVERY; i++)
			one_op(lfd, &dst);
		ops += CLOCK_EVERY;
		now = now_ns();
	} while (now < end);
	cpu = cpu_ns() - cpu0;
	printf("ops=%ld seconds=%.3f ops_per_s=%.0f cpu_seconds=%.3f cpu_ns_per_op=%.1f\n", ops,
	       (double)(now - start) / 1e9, (double)ops * 1e9 / (double)(now - start),
	       (double)cpu / 1e9, (double)cpu / (double)ops);
	close(lfd);
	return 0;
}
