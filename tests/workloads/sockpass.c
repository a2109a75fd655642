// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Ports taken and given back the unusual ways, for the port budget's count
// (tests/e2e/test-budget.sh): TCP sockets passed to another process over a
// unix socket (SCM_RIGHTS) and closed there, and TCP connects and closes
// through io_uring (liburing).
//
// Each mode takes --reset: SO_LINGER 0 before each close (RST: the socket
// is gone at once instead of waiting in FIN_WAIT2 for a peer that never closes).
//	sockpass recv --unix PATH [--connect-port P | --send-port P] [--hold-ms MS]
//		      [--linger-ms MS]
//		listens on PATH, takes the sockets one sender passes, (connects
//		them to 127.0.0.1:P, or sends a UDP datagram there from each,)
//		holds them MS, closes them, lingers, exits
//	sockpass send --unix PATH --count N [--port P] [--udp] [--linger-ms MS]
//		makes N TCP (--udp: UDP) sockets, connects them to 127.0.0.1:P
//		(without --port: leaves them unbound), passes them to PATH,
//		closes its copies
//	sockpass uring --count N --port P [--hold-ms MS] [--linger-ms MS]
//		N sockets made (IORING_OP_SOCKET where the kernel has it, 5.19),
//		connected (IORING_OP_CONNECT) and, after MS, closed
//		(IORING_OP_CLOSE), all through one io_uring
//
// Lines on stdout, each written whole with one write(2):
//	ready pid=P                          recv listens
//	received pid=P count=N connected=K   recv has them
//	sent pid=P count=N connected=K       send passed them and closed its copies
//	connected pid=P count=N ok=K failed=F uring_socket=0|1
//	closed pid=P count=N                 the sockets are closed
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKS 4096
#define PER_MSG	  200 /* fds per SCM_RIGHTS message (the kernel takes 253) */

static struct {
	const char *unix_path;
	long count, port, connect_port, hold_ms, linger_ms;
	long send_port; /* recv --send-port: a UDP send from each socket (its autobind) */
	int udp;	/* send --udp: UDP sockets, unbound */
	int reset; /* --reset: SO_LINGER 0 before each close, so the socket leaves at once (RST) */
} o = {.count = 10};

static int socks[MAX_SOCKS];

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(STDOUT_FILENO, line, (size_t)n) != n)
		exit(1);
}

static void die(const char *what)
{
	fprintf(stderr, "sockpass: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static struct sockaddr_in loopback(long port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static struct sockaddr_un unix_addr(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	if (strlen(o.unix_path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "sockpass: --unix path too long\n");
		exit(2);
	}
	strcpy(a.sun_path, o.unix_path);
	return a;
}

/* Connect @n sockets to 127.0.0.1:@port; how many connected. */
static long connect_all(int *fds, long n, long port)
{
	struct sockaddr_in dst = loopback(port);
	long ok = 0;

	for (long i = 0; i < n; i++)
		ok += !connect(fds[i], (struct sockaddr *)&dst, sizeof(dst));
	return ok;
}

/* With --reset, a close sends RST and the socket is gone at once (CLOSE),
 * instead of waiting in FIN_WAIT2 for a peer that never closes. */
static void reset_all(int *fds, long n)
{
	struct linger l = {1, 0};

	for (long i = 0; o.reset && i < n; i++)
		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static void close_all(int *fds, long n)
{
	reset_all(fds, n);
	for (long i = 0; i < n; i++)
		close(fds[i]);
}

static int send_fds(int us, const int *fds, long n)
{
	char ctl[CMSG_SPACE(PER_MSG * sizeof(int))];
	char byte = 'x';
	struct iovec iov = {&byte, 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl};
	struct cmsghdr *c;

	m.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(us, &m, 0) == 1 ? 0 : -1;
}

/* The fds of one message, appended to socks[*n]; 0 at the end. */
static long recv_fds(int us, long *n)
{
	char ctl[CMSG_SPACE(PER_MSG * sizeof(int))];
	char byte;
	struct iovec iov = {&byte, 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			   .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t r = recvmsg(us, &m, MSG_CMSG_CLOEXEC);
	long got = 0;

	if (r <= 0)
		return 0;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		long k = (long)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		if (*n + k > MAX_SOCKS)
			k = MAX_SOCKS - *n;
		memcpy(&socks[*n], CMSG_DATA(c), k * sizeof(int));
		*n += k;
		got += k;
	}
	return got ? got : 1;
}

static int do_recv(void)
{
	struct sockaddr_un a = unix_addr();
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), us;
	long n = 0, ok = 0;

	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1))
		die("unix listen");
	say("ready pid=%d\n", getpid());
	us = accept(ls, NULL, NULL);
	if (us < 0)
		die("accept");
	while (recv_fds(us, &n))
		;
	close(us);
	if (o.connect_port)
		ok = connect_all(socks, n, o.connect_port);
	if (o.send_port) {
		struct sockaddr_in dst = loopback(o.send_port);

		for (long i = 0; i < n; i++)
			ok += sendto(socks[i], "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)) == 1;
	}
	say("received pid=%d count=%ld connected=%ld\n", getpid(), n, ok);
	sleep_ms(o.hold_ms);
	close_all(socks, n);
	say("closed pid=%d count=%ld\n", getpid(), n);
	sleep_ms(o.linger_ms);
	unlink(o.unix_path);
	return 0;
}

static int do_send(void)
{
	struct sockaddr_un a = unix_addr();
	long ok = 0;
	int us;

	for (long i = 0; i < o.count; i++)
		if ((socks[i] = socket(AF_INET, (o.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
				       0)) < 0)
			die("socket");
	if (o.port)
		ok = connect_all(socks, o.count, o.port);
	us = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (us < 0 || connect(us, (struct sockaddr *)&a, sizeof(a)))
		die("unix connect");
	for (long i = 0; i < o.count; i += PER_MSG)
		if (send_fds(us, &socks[i], o.count - i < PER_MSG ? o.count - i : PER_MSG))
			die("sendmsg");
	close(us);
	close_all(socks, o.count); /* the receiver's copies keep them open */
	say("sent pid=%d count=%ld connected=%ld\n", getpid(), o.count, ok);
	sleep_ms(o.linger_ms);
	return 0;
}

/* Submit what is queued and reap @n completions into @res (by user_data). */
static void run_ring(struct io_uring *ring, long n, int *res)
{
	struct io_uring_cqe *cqe;

	if (io_uring_submit(ring) < 0)
		die("io_uring_submit");
	for (long i = 0; i < n; i++) {
		int err = io_uring_wait_cqe(ring, &cqe);

		if (err) {
			errno = -err;
			die("io_uring_wait_cqe");
		}
		res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
}

/* Sockets through the ring when the kernel has IORING_OP_SOCKET, else socket(). */
static int make_sockets(struct io_uring *ring, long n)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	int through_ring = p && io_uring_opcode_supported(p, IORING_OP_SOCKET);

	io_uring_free_probe(p);
	for (long i = 0; i < n; i++) {
		if (!through_ring) {
			if ((socks[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
				die("socket");
			continue;
		}
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		io_uring_prep_socket(sqe, AF_INET, SOCK_STREAM, 0, 0);
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		run_ring(ring, 1, socks);
		if (socks[i] < 0) {
			errno = -socks[i];
			die("IORING_OP_SOCKET");
		}
	}
	return through_ring;
}

static int do_uring(void)
{
	static int res[MAX_SOCKS];
	struct sockaddr_in dst = loopback(o.port);
	struct io_uring ring;
	long ok = 0, failed = 0;
	int err = io_uring_queue_init(64, &ring, 0), via;

	if (err) {
		errno = -err;
		die("io_uring_queue_init");
	}
	via = make_sockets(&ring, o.count);
	for (long i = 0; i < o.count; i++) { /* one at a time: a queue of 64 */
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_connect(sqe, socks[i], (struct sockaddr *)&dst, sizeof(dst));
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		run_ring(&ring, 1, res);
		*(res[i] ? &failed : &ok) += 1;
	}
	say("connected pid=%d count=%ld ok=%ld failed=%ld uring_socket=%d\n", getpid(), o.count,
	    ok, failed, via);
	sleep_ms(o.hold_ms);
	reset_all(socks, o.count);
	for (long i = 0; i < o.count; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_close(sqe, socks[i]);
		io_uring_sqe_set_data64(sqe, (uint64_t)i);
		run_ring(&ring, 1, res);
		if (res[i])
			fprintf(stderr, "sockpass: IORING_OP_CLOSE: %s\n", strerror(-res[i]));
	}
	say("closed pid=%d count=%ld\n", getpid(), o.count);
	sleep_ms(o.linger_ms);
	io_uring_queue_exit(&ring);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"unix", required_argument, NULL, 'u'},	    {"count", required_argument, NULL, 'n'},
		{"port", required_argument, NULL, 'p'},	    {"connect-port", required_argument, NULL, 'c'},
		{"hold-ms", required_argument, NULL, 'h'},  {"linger-ms", required_argument, NULL, 'l'},
		{"reset", no_argument, NULL, 'r'},	    {"udp", no_argument, NULL, 'd'},
		{"send-port", required_argument, NULL, 's'}, {NULL, 0, NULL, 0},
	};
	const char *mode = argc > 1 ? argv[1] : "";
	int c;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': o.unix_path = optarg; break;
		case 'n': o.count = atol(optarg); break;
		case 'p': o.port = atol(optarg); break;
		case 'c': o.connect_port = atol(optarg); break;
		case 'h': o.hold_ms = atol(optarg); break;
		case 'l': o.linger_ms = atol(optarg); break;
		case 'r': o.reset = 1; break;
		case 'd': o.udp = 1; break;
		case 's': o.send_port = atol(optarg); break;
		default: return 2;
		}
	}
	if (o.count < 1 || o.count > MAX_SOCKS ||
	    (strcmp(mode, "uring") && !o.unix_path) || (!strcmp(mode, "uring") && !o.port)) {
		fprintf(stderr, "usage: sockpass recv|send|uring (see the source)\n");
		return 2;
	}
	if (!strcmp(mode, "recv"))
		return do_recv();
	if (!strcmp(mode, "send"))
		return do_send();
	if (!strcmp(mode, "uring"))
		return do_uring();
	fprintf(stderr, "sockpass: unknown mode '%s'\n", mode);
	return 2;
}
