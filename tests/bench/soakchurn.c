// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The soak's benign churner (tests/bench/soak.sh): paced port churn of three kinds
// until SIGTERM, counting everything it did and everything refused to it.
//
// usage: soakchurn [--rate R] [--port N] [--report SEC]
//
// One round is three operations, each a port taken and given back:
//   tcp   socket(), connect() to our own listener on 127.0.0.1:PORT, accept(),
//         close() of both, the server's end first (an ephemeral port for the
//         client)
//   bind  a TCP socket bound to 127.0.0.1:0, then closed
//   udp   a UDP socket connect()ed to 127.0.0.1:PORT (autobind), then closed
// --rate R paces it at R rounds a second (0: as fast as it goes). Run it in a
// network namespace with net.ipv4.tcp_max_tw_buckets = 0, so the closed
// connections leave no TIME_WAIT and the pool never runs out.
//
// A benign process must never be touched by `portwarden run`: a socket()
// refused with EPERM (the quarantine) or any other failure is counted, not
// fatal, and shown with the last one's operation and errno; so are rounds
// that took over a second (a connect() whose SYN went unanswered). Lines on
// stdout, every --report s and, with rounds_per_s, on SIGTERM or SIGINT
// (then exit status 0):
//   progress|exit t=S rounds=N tcp=N bind=N udp=N errors=N eperm=N slow=N
//       max_round_ms=M [last_error=OP:ERRNO] [rounds_per_s=R]
#include <getopt.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

#define PROG	 "soakchurn"
#define BATCH	 16 /* rounds between clock reads */

struct opts {
	long rate;
	long port;
	long report_s;
};

struct counts {
	long rounds, tcp, bind, udp, errors, eperm;
	long slow;		/* rounds that took over a second (a stalled connect) */
	long long max_round_ns; /* the longest round */
	const char *last_op;	/* the last failure: where and why */
	int last_errno;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {{"rate", required_argument, NULL, 'r'},
						 {"port", required_argument, NULL, 'p'},
						 {"report", required_argument, NULL, 'R'},
						 {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.rate = 0, .port = 5000, .report_s = 10};
	while ((c = getopt_long(argc, argv, "r:p:R:", longopts, NULL)) != -1) {
		if (c == 'r')
			o->rate = parse_num(PROG, "--rate", optarg, 0, 10000000);
		else if (c == 'p')
			o->port = parse_num(PROG, "--port", optarg, 1, 65535);
		else if (c == 'R')
			o->report_s = parse_num(PROG, "--report", optarg, 1, 3600);
		else
			exit(2);
	}
}

static void failed(struct counts *n, const char *op)
{
	n->errors++;
	n->last_op = op;
	n->last_errno = errno;
}

/* A refused socket() is the quarantine's mark: counted apart. */
static int new_socket(int type, struct counts *n)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		failed(n, type == SOCK_STREAM ? "socket-tcp" : "socket-udp");
		if (errno == EPERM)
			n->eperm++;
	}
	return fd;
}

static void op_tcp(int lfd, const struct sockaddr_in *dst, struct counts *n)
{
	int cfd = new_socket(SOCK_STREAM, n), afd;

	if (cfd < 0)
		return;
	if (connect(cfd, (const struct sockaddr *)dst, sizeof(*dst))) {
		failed(n, "connect-tcp");
		close(cfd);
		return;
	}
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (afd < 0) {
		failed(n, "accept");
		close(cfd);
		return;
	}
	/* the server closes first: without TIME_WAIT, a client that closed
	 * first could pick its port again while the server's end of the old
	 * connection still waits for a last ACK (a SYN that end answers with
	 * a challenge ACK: a reset, or a stall); the other way the client's
	 * end waits, holding its port, and no new connect can take it */
	close(afd);
	close(cfd);
	n->tcp++;
}

static void op_bind(struct counts *n)
{
	struct sockaddr_in any = loopback(0);
	int fd = new_socket(SOCK_STREAM, n);

	if (fd < 0)
		return;
	if (bind(fd, (struct sockaddr *)&any, sizeof(any)))
		failed(n, "bind");
	else
		n->bind++;
	close(fd);
}

static void op_udp(const struct sockaddr_in *dst, struct counts *n)
{
	int fd = new_socket(SOCK_DGRAM, n);

	if (fd < 0)
		return;
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)))
		failed(n, "connect-udp");
	else
		n->udp++;
	close(fd);
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

static void print_counts(const char *what, const struct counts *n, double secs)
{
	printf("%s t=%.1f rounds=%ld tcp=%ld bind=%ld udp=%ld errors=%ld eperm=%ld slow=%ld "
	       "max_round_ms=%.0f",
	       what, secs, n->rounds, n->tcp, n->bind, n->udp, n->errors, n->eperm, n->slow,
	       (double)n->max_round_ns / 1e6);
	if (n->last_op)
		printf(" last_error=%s:%s", n->last_op, strerrorname_np(n->last_errno));
	if (!strcmp(what, "exit"))
		printf(" rounds_per_s=%.0f", secs > 0 ? (double)n->rounds / secs : 0.0);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_stop};
	struct counts n = {0};
	struct sockaddr_in dst;
	long long start, now, next_report;
	struct opts o;
	int lfd;

	parse_args(argc, argv, &o);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	dst = loopback((int)o.port);
	lfd = listen_on((int)o.port);
	start = now_ns();
	next_report = start + o.report_s * NSEC_PER_SEC;
	while (!stop) {
		for (int i = 0; i < BATCH; i++) {
			long long t0 = now_ns(), took;

			op_tcp(lfd, &dst, &n);
			op_bind(&n);
			op_udp(&dst, &n);
			took = now_ns() - t0;
			if (took > n.max_round_ns)
				n.max_round_ns = took;
			n.slow += took > NSEC_PER_SEC;
		}
		n.rounds += BATCH;
		now = now_ns();
		if (now >= next_report) {
			print_counts("progress", &n, (double)(now - start) / 1e9);
			next_report += o.report_s * NSEC_PER_SEC;
		}
		/* paced: the time round N is due; a late loop catches up */
		if (o.rate)
			sleep_until_ns(start + n.rounds * NSEC_PER_SEC / o.rate);
	}
	print_counts("exit", &n, (double)(now_ns() - start) / 1e9);
	close(lfd);
	return 0;
}
