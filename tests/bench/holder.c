// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Scale benchmark workload: N established loopback connections held across G child cgroups.
//
// usage: holder --conns N --groups G --cgroup-base DIR [--port-base P]
//
// Forks G children. Child i creates DIR/gI (a cgroup2 directory), moves
// itself there, listens on 127.0.0.1:(P + i) and opens its share of the N
// connections to that listener, accepting each: both ends stay open, so N
// connections are 2N sockets, all ESTABLISHED. Each child has its own
// destination, so the connections spread over G port pools and never run
// out of ports. When every child is done the parent prints
// "ready sockets=2N" and waits; SIGTERM or SIGINT (or a child that died)
// makes it SIGKILL its children (by pid), reap them and exit. The caller
// removes the cgroups.
#include <getopt.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

#define PROG	   "holder"
#define MAX_GROUPS 1000

struct opts {
	long conns;
	long groups;
	const char *cgroup_base;
	long port_base;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {{"conns", required_argument, NULL, 'n'},
						 {"groups", required_argument, NULL, 'g'},
						 {"cgroup-base", required_argument, NULL, 'c'},
						 {"port-base", required_argument, NULL, 'p'},
						 {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.conns = 5000, .groups = 100, .port_base = 6000};
	while ((c = getopt_long(argc, argv, "n:g:c:p:", longopts, NULL)) != -1) {
		if (c == 'n')
			o->conns = parse_num(PROG, "--conns", optarg, 1, 10000000);
		else if (c == 'g')
			o->groups = parse_num(PROG, "--groups", optarg, 1, MAX_GROUPS);
		else if (c == 'c')
			o->cgroup_base = optarg;
		else if (c == 'p')
			o->port_base =
				parse_num(PROG, "--port-base", optarg, 1, 65535 - MAX_GROUPS);
		else
			exit(2);
	}
	if (!o->cgroup_base) {
		fprintf(stderr, "%s: --cgroup-base DIR is required\n", PROG);
		exit(2);
	}
}

/* mkdir DIR/gI and move this process there. */
static void join_cgroup(const char *base, long i)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/g%ld", base, i);
	if (mkdir(path, 0755) && errno != EEXIST)
		die(PROG, "mkdir cgroup");
	snprintf(path, sizeof(path), "%s/g%ld/cgroup.procs", base, i);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		die(PROG, "join cgroup");
}

static int listen_on(int port)
{
	struct sockaddr_in a = loopback(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128))
		die(PROG, "listener");
	return fd;
}

/* Child @i: @n connections to its own listener, then a byte on @ready. */
static void child(const struct opts *o, long i, long n, int ready)
{
	struct sockaddr_in dst = loopback((int)(o->port_base + i));
	int lfd;

	if (want_nofile((rlim_t)(2 * n + 64)) < (rlim_t)(2 * n + 64)) {
		fprintf(stderr, "%s: RLIMIT_NOFILE too low for %ld sockets: use more --groups\n",
			PROG, 2 * n);
		_exit(1);
	}
	join_cgroup(o->cgroup_base, i);
	lfd = listen_on((int)(o->port_base + i));
	for (long k = 0; k < n; k++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)))
			die(PROG, "connect");
		if (accept4(lfd, NULL, NULL, SOCK_CLOEXEC) < 0)
			die(PROG, "accept");
	}
	if (write(ready, "x", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static void reap_all(const pid_t *pids, long n)
{
	for (long i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
}

int main(int argc, char **argv)
{
	static pid_t pids[MAX_GROUPS];
	struct sigaction sa = {.sa_handler = on_signal};
	struct opts o;
	long ready = 0;
	int pfd[2];
	char c;

	parse_args(argc, argv, &o);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL); /* a child that died ends the wait for it */
	if (pipe(pfd))
		die(PROG, "pipe");
	for (long i = 0; i < o.groups && !stop; i++) {
		long n = o.conns / o.groups + (i < o.conns % o.groups);

		pids[i] = fork();
		if (pids[i] < 0) {
			reap_all(pids, i);
			die(PROG, "fork");
		}
		if (pids[i] == 0) {
			close(pfd[0]);
			child(&o, i, n, pfd[1]);
		}
	}
	close(pfd[1]);
	while (!stop && ready < o.groups && read(pfd[0], &c, 1) == 1)
		ready++;
	if (ready == o.groups) {
		printf("ready sockets=%ld\n", 2 * o.conns);
		fflush(stdout);
	}
	while (!stop && ready == o.groups)
		pause();
	reap_all(pids, o.groups);
	return ready == o.groups ? 0 : 1;
}
