// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// A workload that leaks sockets until local ports run out, giving tests known failures to trace.

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct opts {
	const char *mode;
	const char *addr;	/* --addr, IPv4 or IPv6 literal */
	long port;		/* --port, the destination (and listener) port */
	long bind_port;		/* --bind-port, the local port of tcp-bound-connect */
	long count;		/* --count, tries until the first failure; 0: no limit */
	long fail_extra;	/* --fail-extra, tries after the first failure */
	long hold;		/* --hold, seconds to keep the sockets after reporting */
	const char *comm;	/* --comm, NULL: keep the name */
	bool want_listener;	/* --listen */
};

/* Everything one run accumulates; sockets stay open until the process exits. */
struct run {
	struct sockaddr_storage dst;	/* ADDR:PORT */
	struct sockaddr_storage any;	/* ADDR:0, for bind0 */
	struct sockaddr_storage local;	/* ADDR:BINDPORT, for tcp-bound-connect */
	socklen_t addrlen;
	int family;
	int listener;			/* -1 when there is none */
	long ok, failed;
	int first_errno;
	int *ports;			/* local port of every successful try */
	size_t nports, cap;
};

struct mode {
	const char *name;
	int (*attempt)(struct run *r);	/* one try: 0, or the errno it failed with */
	bool own_listener;		/* the mode always needs a listener on ADDR:PORT */
	long default_count;		/* 0: until the first failure */
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
		   "MODE: tcp-connect bind0 listen0 udp-sendto udp-connect tcp-ok\n"
		   "      tcp-bound-connect\n");
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

static const struct mode modes[] = {
	{ "tcp-connect", try_tcp_connect, false, 0 },
	{ "bind0", try_bind0, false, 0 },
	{ "listen0", try_listen0, false, 0 },
	{ "udp-sendto", try_udp_sendto, false, 0 },
	{ "udp-connect", try_udp_connect, false, 0 },
	{ "tcp-ok", try_tcp_ok, true, 3 },
	{ "tcp-bound-connect", try_tcp_bound_connect, false, 0 },
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
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "fail-extra", required_argument, NULL, 'f' },
		{ "hold", required_argument, NULL, 'H' },
		{ "comm", required_argument, NULL, 'n' },
		{ "listen", no_argument, NULL, 'l' },
		{ "bind-port", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
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
		fprintf(stderr, "portleak: failure %ld: errno %d, first was %d\n",
			r->failed + 1, err, r->first_errno);
	r->failed++;
}

/* Tries until the first failure (or COUNT tries), then exactly FAIL_EXTRA more. */
static void run_mode(struct run *r, const struct mode *m, const struct opts *o)
{
	long tries = o->count >= 0 ? o->count : m->default_count;

	for (long i = 0; (tries == 0 || i < tries) && !r->failed; i++)
		record(r, m->attempt(r));
	for (long i = 0; r->failed && i < o->fail_extra; i++)
		record(r, m->attempt(r));
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
	printf("{\"mode\":\"%s\",\"pid\":%d,\"ok\":%ld,\"failed\":%ld,\"errno\":%d,\"errname\":",
	       m->name, getpid(), r->ok, r->failed, r->failed ? r->first_errno : 0);
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
	struct opts o = { .addr = "127.0.0.1", .port = 5001, .bind_port = 45000,
			  .count = -1, .fail_extra = 2 };
	struct run r = { .listener = -1 };
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
	run_mode(&r, m, &o);
	print_result(&r, m);
	for (unsigned int left = o.hold; left;)
		left = sleep(left);
	return 0;
}
