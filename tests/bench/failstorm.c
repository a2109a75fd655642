// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Event-rate benchmark: failed connect()s at a paced rate, each one port event for a tracer.
//
// usage: failstorm [--workers N] [--rate R] [--duration SEC] [--port N]
//
// Run it in a private network namespace whose ip_local_port_range holds one
// port. It listens on 127.0.0.1:PORT and takes that one port with a held
// connection; after that every connect() to 127.0.0.1:PORT fails in
// inet_hash_connect() with EADDRNOTAVAIL, which the TCP state tracepoint
// shows as SYN_SENT -> CLOSE with no local port: one "failed allocation"
// event per call, and no packet is sent. A failed connect() leaves the
// socket unconnected, so each worker retries on one socket: one syscall per
// event. N workers (processes) share R events per second (0: as fast as
// they can), paced in 1 ms steps. Prints one line:
//   failures=N seconds=S rate=R other=K
// where other counts calls that did not fail with EADDRNOTAVAIL (want 0).
#include <getopt.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

#define PROG	    "failstorm"
#define MAX_WORKERS 64
#define STEP_NS	    1000000LL /* pacing step */

struct opts {
	long workers;
	long rate; /* events per second, all workers together; 0: unpaced */
	long duration_s;
	long port;
};

struct tally {
	long failures;
	long other;
};

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {{"workers", required_argument, NULL, 'w'},
						 {"rate", required_argument, NULL, 'r'},
						 {"duration", required_argument, NULL, 'd'},
						 {"port", required_argument, NULL, 'p'},
						 {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.workers = 2, .duration_s = 5, .port = 5000};
	while ((c = getopt_long(argc, argv, "w:r:d:p:", longopts, NULL)) != -1) {
		if (c == 'w')
			o->workers = parse_num(PROG, "--workers", optarg, 1, MAX_WORKERS);
		else if (c == 'r')
			o->rate = parse_num(PROG, "--rate", optarg, 0, 100000000);
		else if (c == 'd')
			o->duration_s = parse_num(PROG, "--duration", optarg, 1, 3600);
		else if (c == 'p')
			o->port = parse_num(PROG, "--port", optarg, 1, 65535);
		else
			exit(2);
	}
}

static int tcp_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die(PROG, "socket");
	return fd;
}

/* Listener, one held connection on the netns's only port, and a check that
 * the next connect() fails as the benchmark needs. */
static void exhaust(const struct sockaddr_in *dst)
{
	int one = 1, lfd = tcp_socket(), cfd = tcp_socket(), probe = tcp_socket();

	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (const struct sockaddr *)dst, sizeof(*dst)) || listen(lfd, 16))
		die(PROG, "listener");
	if (connect(cfd, (const struct sockaddr *)dst, sizeof(*dst)))
		die(PROG, "holding connect");
	if (connect(probe, (const struct sockaddr *)dst, sizeof(*dst)) == 0 ||
	    errno != EADDRNOTAVAIL) {
		fprintf(stderr,
			"%s: the second connect() did not fail with EADDRNOTAVAIL: "
			"set ip_local_port_range to one port in this netns\n",
			PROG);
		exit(1);
	}
	close(probe);
	/* lfd and cfd stay open (and are inherited): they hold the port */
}

/* One worker: @rate events per second (0: unpaced) until @end. */
static struct tally storm(const struct sockaddr_in *dst, long rate, long long end)
{
	long per_step = rate > 0 ? (rate * STEP_NS + NSEC_PER_SEC - 1) / NSEC_PER_SEC : 256;
	long long start = now_ns(), due = start;
	struct tally t = {0};
	int fd = tcp_socket();

	while (now_ns() < end) {
		for (long i = 0; i < per_step; i++) {
			if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) == 0 ||
			    errno != EADDRNOTAVAIL)
				t.other++;
			else
				t.failures++;
		}
		if (rate > 0) {
			due = start + (long long)((double)t.failures * NSEC_PER_SEC / (double)rate);
			sleep_until_ns(due);
		}
	}
	return t;
}

/* Fork the workers; each writes its tally to @wfd. */
static void spawn(const struct opts *o, const struct sockaddr_in *dst, long long end, int wfd)
{
	for (long w = 0; w < o->workers; w++) {
		pid_t pid = fork();
		struct tally t;

		if (pid < 0)
			die(PROG, "fork");
		if (pid > 0)
			continue;
		t = storm(dst, o->rate / o->workers, end);
		if (write(wfd, &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_in dst;
	struct tally sum = {0}, t;
	long long start, end;
	int pfd[2];

	parse_args(argc, argv, &o);
	dst = loopback((int)o.port);
	exhaust(&dst);
	if (pipe(pfd))
		die(PROG, "pipe");
	start = now_ns();
	end = start + o.duration_s * NSEC_PER_SEC;
	spawn(&o, &dst, end, pfd[1]);
	close(pfd[1]);
	while (read(pfd[0], &t, sizeof(t)) == sizeof(t)) {
		sum.failures += t.failures;
		sum.other += t.other;
	}
	while (wait(NULL) > 0)
		;
	printf("failures=%ld seconds=%.3f rate=%.0f other=%ld\n", sum.failures,
	       (double)(now_ns() - start) / 1e9,
	       (double)sum.failures * 1e9 / (double)(now_ns() - start), sum.other);
	return sum.other ? 1 : 0;
}
