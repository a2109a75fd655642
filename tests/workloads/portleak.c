// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// A workload that leaks sockets until local ports run out, giving tests known failures to trace,
// and, paced with --rate and --duration, the leak, churn and server patterns reports classify.

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char *mode;
	const char *addr;   /* --addr, IPv4 or IPv6 literal */
	long port;	    /* --port, the destination (and listener) port */
	long bind_port;	    /* --bind-port, the local port of tcp-bound-connect */
	long count;	    /* --count, tries until the first failure; 0: no limit */
	long fail_extra;    /* --fail-extra, tries after the first failure */
	long hold;	    /* --hold, seconds to keep the sockets after reporting */
	const char *comm;   /* --comm, NULL: keep the name */
	bool want_listener; /* --listen */
	long rate;	    /* --rate, tries per second; 0: back to back */
	long duration;	    /* --duration, seconds of tries, failed or not; 0: see run_mode */
	long delay;	    /* --delay, seconds between the listener and the first try */
	bool accept;	    /* --accept, accept and keep every connection to our listener */
};

/* Everything one run accumulates; sockets stay open until the process exits. */
struct run {
	struct sockaddr_storage dst;   /* ADDR:PORT */
	struct sockaddr_storage any;   /* ADDR:0, for bind0 */
	struct sockaddr_storage local; /* ADDR:BINDPORT, for tcp-bound-connect */
	socklen_t addrlen;
	int family;
	int listener; /* -1 when there is none */
	bool accept;  /* keep what the listener accepts (--accept) */
	long ok, failed;
	long accepted; /* connections accepted (--accept, sink, accept-close) */
	int first_errno;
	int *ports; /* local port of every successful try */
	size_t nports, cap;
};

/* What a try returns when it did nothing: a server that had no client yet. */
#define TRY_IDLE (-1)

struct mode {
	const char *name;
	int (*attempt)(struct run *r); /* one try: 0, the errno it failed with, or TRY_IDLE;
					 * NULL: no tries (the listener is all) */
	bool own_listener;	       /* the mode always needs a listener on ADDR:PORT */
	long default_count;	       /* 0: until the first failure */
};

static void die(const char *what)
{
	fprintf(stderr, "portleak: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(FILE *f, int status)
{
	fprintf(f, "usage: portleak MODE [--addr IP] [--port N] [--count N] [--fail-extra N]\n"
		   "                     [--hold SEC] [--comm NAME] [--listen] [--bind-port N]\n"
		   "                     [--rate N] [--duration SEC] [--delay SEC] [--accept]\n"
		   "MODE: tcp-connect bind0 listen0 udp-sendto udp-connect tcp-ok\n"
		   "      tcp-bound-connect bind0-connect tcp-churn listen sink accept-close\n"
		   "Tries run until the first failure (or --count tries), then --fail-extra\n"
		   "more; with --duration, for SEC seconds (or --count tries), failed or not.\n"
		   "--rate spreads them at N per second. Then the sockets are held --hold SEC.\n");
	exit(status);
}

static void bad_arg(const char *what, const char *value)
{
	fprintf(stderr, "portleak: bad %s: '%s'\n", what, value);
	usage(stderr, 2);
}

static long parse_long(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		bad_arg(what, s);
	return v;
}

/* Records the local port the kernel picked, which tests compare with the range. */
static void note_port(struct run *r, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname");
	if (r->nports == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->ports = realloc(r->ports, r->cap * sizeof(*r->ports));
		if (!r->ports)
			die("realloc");
	}
	/* sin_port and sin6_port sit at the same offset. */
	r->ports[r->nports++] = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int new_socket(const struct run *r, int type)
{
	int fd = socket(r->family, type | SOCK_CLOEXEC, 0);

	/* Running out of descriptors is not the failure under test: give up loudly. */
	if (fd < 0)
		die("socket");
	return fd;
}

/*
 * Ends one try given the result of its socket call: a socket that got a port
 * is kept open (leaked on purpose); a failed one is closed, as it holds nothing.
 */
static int settle(struct run *r, int fd, int rc)
{
	int err = errno;

	if (rc == 0) {
		note_port(r, fd);
		return 0;
	}
	close(fd);
	return err;
}

static int try_tcp_connect(struct run *r)
{
	int fd = new_socket(r, SOCK_STREAM);

	return settle(r, fd, connect(fd, (struct sockaddr *)&r->dst, r->addrlen));
}

static int try_bind0(struct run *r)
{
	int fd = new_socket(r, SOCK_STREAM);

	return settle(r, fd, bind(fd, (struct sockaddr *)&r->any, r->addrlen));
}

/* listen() on an unbound socket makes the kernel pick a port itself. */
static int try_listen0(struct run *r)
{
	int fd = new_socket(r, SOCK_STREAM);

	return settle(r, fd, listen(fd, 1));
}

/* The first sendto() on an unbound UDP socket autobinds it. */
static int try_udp_sendto(struct run *r)
{
	int fd = new_socket(r, SOCK_DGRAM);
	ssize_t n = sendto(fd, "x", 1, 0, (struct sockaddr *)&r->dst, r->addrlen);

	return settle(r, fd, n < 0 ? -1 : 0);
}

static int try_udp_connect(struct run *r)
{
	int fd = new_socket(r, SOCK_DGRAM);

	return settle(r, fd, connect(fd, (struct sockaddr *)&r->dst, r->addrlen));
}

/*
 * Bind-before-connect: every socket binds ADDR:BINDPORT (SO_REUSEADDR lets
 * them share it) before connecting to ADDR:PORT. The first connect gets the
 * 4-tuple; every later one finds it taken and fails with EADDRNOTAVAIL.
 */
static int try_tcp_bound_connect(struct run *r)
{
	int fd = new_socket(r, SOCK_STREAM);
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt SO_REUSEADDR");
	/* A failed bind is reported as this try's errno, not as the 4-tuple failure. */
	if (bind(fd, (struct sockaddr *)&r->local, r->addrlen))
		return settle(r, fd, -1);
	return settle(r, fd, connect(fd, (struct sockaddr *)&r->dst, r->addrlen));
}

/*
 * One complete, clean connection to our own listener. The server side closes
 * first so TIME_WAIT lands on the listener's port, not on an ephemeral one.
 */
static int try_tcp_ok(struct run *r)
{
	int fd = new_socket(r, SOCK_STREAM);
	int peer, err;

	if (connect(fd, (struct sockaddr *)&r->dst, r->addrlen)) {
		err = errno;
		close(fd);
		return err;
	}
	note_port(r, fd);
	peer = accept(r->listener, NULL, NULL);
	if (peer < 0)
		die("accept");
	close(peer);
	close(fd);
	return 0;
}

/* bind(ADDR:0), then connect(): the port is bind()'s, taken before connect() needs one. */
static int try_bind0_connect(struct run *r)
{
	int fd = new_socket(r, SOCK_STREAM);

	if (bind(fd, (struct sockaddr *)&r->any, r->addrlen))
		return settle(r, fd, -1);
	return settle(r, fd, connect(fd, (struct sockaddr *)&r->dst, r->addrlen));
}

/* Accepts one connection, waiting up to @timeout_ms for it; -1 when none came. */
static int accept_one(struct run *r, int timeout_ms)
{
	struct pollfd p = {.fd = r->listener, .events = POLLIN};
	int fd;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	fd = accept4(r->listener, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		die("accept");
	r->accepted++;
	return fd;
}

/* --accept: takes every connection waiting on our listener and keeps it open. */
static void keep_accepted(struct run *r)
{
	while (accept_one(r, 0) >= 0)
		;
}

/*
 * Churn: connect, exchange nothing, close. The client closes first, so its
 * ephemeral port goes to TIME_WAIT; then our listener's side (with --listen)
 * is closed too. Without a listener of our own, the peer is someone else's.
 */
static int try_tcp_churn(struct run *r)
{
	int fd = new_socket(r, SOCK_STREAM);
	int peer = -1, err;

	if (connect(fd, (struct sockaddr *)&r->dst, r->addrlen)) {
		err = errno;
		close(fd);
		return err;
	}
	note_port(r, fd);
	if (r->listener >= 0) {
		peer = accept_one(r, 5000);
		if (peer < 0) {
			fprintf(stderr, "portleak: tcp-churn: nothing to accept within 5 s\n");
			exit(1);
		}
	}
	close(fd);
	if (peer >= 0)
		close(peer);
	return 0;
}

/* A server that keeps every connection it accepts open (the far end of a leak). */
static int try_sink(struct run *r)
{
	return accept_one(r, 100) < 0 ? TRY_IDLE : 0;
}

/*
 * A server that closes each connection at once: clients that never close()
 * theirs are left in CLOSE_WAIT.
 */
static int try_accept_close(struct run *r)
{
	int fd = accept_one(r, 100);

	if (fd < 0)
		return TRY_IDLE;
	close(fd);
	return 0;
}

static const struct mode modes[] = {
	{"tcp-connect", try_tcp_connect, false, 0},
	{"bind0", try_bind0, false, 0},
	{"listen0", try_listen0, false, 0},
	{"udp-sendto", try_udp_sendto, false, 0},
	{"udp-connect", try_udp_connect, false, 0},
	{"tcp-ok", try_tcp_ok, true, 3},
	{"tcp-bound-connect", try_tcp_bound_connect, false, 0},
	{"bind0-connect", try_bind0_connect, false, 0},
	{"tcp-churn", try_tcp_churn, false, 0},
	{"listen", NULL, true, 0},
	{"sink", try_sink, true, 0},
	{"accept-close", try_accept_close, true, 0},
};

static const struct mode *find_mode(const char *name)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, name))
			return &modes[i];
	return NULL;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {{"addr", required_argument, NULL, 'a'},
						 {"port", required_argument, NULL, 'p'},
						 {"count", required_argument, NULL, 'c'},
						 {"fail-extra", required_argument, NULL, 'f'},
						 {"hold", required_argument, NULL, 'H'},
						 {"comm", required_argument, NULL, 'n'},
						 {"listen", no_argument, NULL, 'l'},
						 {"bind-port", required_argument, NULL, 'b'},
						 {"rate", required_argument, NULL, 'r'},
						 {"duration", required_argument, NULL, 'd'},
						 {"delay", required_argument, NULL, 'D'},
						 {"accept", no_argument, NULL, 'A'},
						 {"help", no_argument, NULL, 'h'},
						 {}};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->addr = optarg;
			break;
		case 'p':
			o->port = parse_long(optarg, 1, 65535, "--port");
			break;
		case 'c':
			o->count = parse_long(optarg, 0, LONG_MAX, "--count");
			break;
		case 'f':
			o->fail_extra = parse_long(optarg, 0, INT_MAX, "--fail-extra");
			break;
		case 'H':
			o->hold = parse_long(optarg, 0, INT_MAX, "--hold");
			break;
		case 'n':
			o->comm = optarg;
			break;
		case 'l':
			o->want_listener = true;
			break;
		case 'b':
			o->bind_port = parse_long(optarg, 1, 65535, "--bind-port");
			break;
		case 'r':
			o->rate = parse_long(optarg, 1, 1000000, "--rate");
			break;
		case 'd':
			o->duration = parse_long(optarg, 1, INT_MAX, "--duration");
			break;
		case 'D':
			o->delay = parse_long(optarg, 0, INT_MAX, "--delay");
			break;
		case 'A':
			o->accept = true;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc - 1)
		usage(stderr, 2);
	o->mode = argv[optind];
}

/* Fills the destination, wildcard-port and bind addresses from --addr/--port/--bind-port. */
static void resolve_addr(const struct opts *o, struct run *r)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&r->dst;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&r->dst;

	if (inet_pton(AF_INET, o->addr, &in->sin_addr) == 1) {
		in->sin_family = r->family = AF_INET;
		in->sin_port = htons(o->port);
		r->addrlen = sizeof(*in);
	} else if (inet_pton(AF_INET6, o->addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = r->family = AF_INET6;
		in6->sin6_port = htons(o->port);
		r->addrlen = sizeof(*in6);
	} else {
		bad_arg("--addr", o->addr);
	}
	r->any = r->dst;
	((struct sockaddr_in *)&r->any)->sin_port = 0;
	r->local = r->dst;
	((struct sockaddr_in *)&r->local)->sin_port = htons(o->bind_port);
}

/* Tests make thousands of sockets; the soft limit (often 1024) would end them first. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			fprintf(stderr, "portleak: setrlimit: %s\n", strerror(errno));
	}
}

/* Binds ADDR:PORT explicitly, so the listener itself never takes an ephemeral port. */
static void start_listener(struct run *r)
{
	int one = 1;

	r->listener = new_socket(r, SOCK_STREAM);
	if (setsockopt(r->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt SO_REUSEADDR");
	if (bind(r->listener, (struct sockaddr *)&r->dst, r->addrlen))
		die("listener bind");
	/* The kernel caps this at net.core.somaxconn; nothing is ever accepted. */
	if (listen(r->listener, INT_MAX))
		die("listener listen");
}

static void record(struct run *r, int err)
{
	if (!err) {
		r->ok++;
		return;
	}
	if (!r->failed)
		r->first_errno = err;
	else if (err != r->first_errno)
		fprintf(stderr, "portleak: failure %ld: errno %d, first was %d\n", r->failed + 1,
			err, r->first_errno);
	r->failed++;
}

#define NSEC_PER_SEC 1000000000LL

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void sleep_until(long long t_ns)
{
	struct timespec ts = {.tv_sec = t_ns / NSEC_PER_SEC, .tv_nsec = t_ns % NSEC_PER_SEC};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* --rate: try @i is due @i / RATE seconds after @start; late tries catch up at once. */
static void pace(const struct opts *o, long long start, long i)
{
	if (o->rate > 0)
		sleep_until(start + i * NSEC_PER_SEC / o->rate);
}

/* One try, recorded; false when it was idle (a server with no client). */
static bool try_once(struct run *r, const struct mode *m)
{
	int err = m->attempt(r);

	if (err == TRY_IDLE)
		return false;
	record(r, err);
	if (r->accept && r->listener >= 0)
		keep_accepted(r);
	return true;
}

/* --accept: the last connections may reach the accept queue after their connect() returned. */
static void accept_stragglers(struct run *r)
{
	int fd = 0;

	while (r->accept && r->listener >= 0 && r->accepted < r->ok && fd >= 0) {
		fd = accept_one(r, 1000);
		if (fd >= 0)
			keep_accepted(r);
	}
}

/*
 * Without --duration: tries until the first failure (or COUNT tries), then
 * exactly FAIL_EXTRA more. With it: tries for DURATION seconds (or until
 * COUNT tries), failed or not. Idle tries of a server count for neither.
 */
static void run_mode(struct run *r, const struct mode *m, const struct opts *o)
{
	long tries = o->count >= 0 ? o->count : m->default_count;
	long long start = now_ns(), end = start + o->duration * NSEC_PER_SEC;
	long i = 0;

	if (!m->attempt)
		return;
	while ((tries == 0 || i < tries) && (o->duration ? now_ns() < end : !r->failed)) {
		pace(o, start, i);
		if (o->duration && now_ns() >= end)
			break;
		if (try_once(r, m))
			i++;
	}
	for (i = 0; !o->duration && r->failed && i < o->fail_extra; i++)
		try_once(r, m);
	accept_stragglers(r);
}

/* comm may hold any byte but NUL; escape what JSON forbids raw. */
static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_result(const struct run *r, const struct mode *m)
{
	char comm[17] = "";
	const char *errname = r->failed ? strerrorname_np(r->first_errno) : NULL;

	prctl(PR_GET_NAME, comm);
	printf("{\"mode\":\"%s\",\"pid\":%d,\"ok\":%ld,\"failed\":%ld,\"accepted\":%ld,"
	       "\"errno\":%d,\"errname\":",
	       m->name, getpid(), r->ok, r->failed, r->accepted, r->failed ? r->first_errno : 0);
	if (errname)
		printf("\"%s\"", errname);
	else
		printf("null");
	printf(",\"comm\":");
	print_json_string(comm);
	printf(",\"ports\":[");
	for (size_t i = 0; i < r->nports; i++)
		printf("%s%d", i ? "," : "", r->ports[i]);
	printf("]}\n");
	/* The tracer tests read this line while we still hold the sockets. */
	fflush(stdout);
}

int main(int argc, char **argv)
{
	/* count -1: not given, the mode's default applies. */
	struct opts o = {.addr = "127.0.0.1",
			 .port = 5001,
			 .bind_port = 45000,
			 .count = -1,
			 .fail_extra = 2};
	struct run r = {.listener = -1};
	const struct mode *m;

	parse_args(argc, argv, &o);
	/* Before any socket exists, so every event carries the new name. */
	if (o.comm && prctl(PR_SET_NAME, o.comm))
		die("prctl PR_SET_NAME");
	m = find_mode(o.mode);
	if (!m)
		bad_arg("MODE", o.mode);
	resolve_addr(&o, &r);
	raise_nofile();
	if (m->own_listener || o.want_listener)
		start_listener(&r);
	r.accept = o.accept;
	for (unsigned int left = o.delay; left;)
		left = sleep(left);
	run_mode(&r, m, &o);
	print_result(&r, m);
	for (unsigned int left = o.hold; left;)
		left = sleep(left);
	return 0;
}
