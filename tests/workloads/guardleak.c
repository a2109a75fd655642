// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// A paced leaker for the `portwarden run` tests: it takes local ports and keeps them until it is
// stopped, and reports at once (before any SIGKILL can eat it) what it suffered on the way.

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Lines on stdout, each written whole with one write(2) (processes sharing
 * the file append, none is lost to a SIGKILL):
 *
 *	start pid=P mode=M                      a leaker (each child, with --children)
 *	parent pid=P children=N                 the parent of --children, which takes no port
 *	quarantined pid=P ports=N errno=EPERM   first socket() refused (the daemon's quarantine)
 *	failed pid=P ports=N errno=NAME         first failed port allocation (EADDRNOTAVAIL, ...)
 *	sigterm pid=P ignored                   each SIGTERM, with --ignore-term
 *	done pid=P ports=N                      --count reached; the ports are held
 *	sockerr pid=P checked=N aborted=A other=O active=K active_failed=F
 *	                                        on SIGUSR1: the pending error
 *	                                        (SO_ERROR) of each socket it holds:
 *	                                        A ECONNABORTED (destroyed under it);
 *	                                        of its K --active sockets, F whose
 *	                                        send failed (their error was taken
 *	                                        by the send, not left for SO_ERROR)
 *
 * N is the number of ports taken so far.
 */

struct opts {
	const char *mode;  /* tcp, udp, bind0 */
	const char *addr;  /* --addr, IPv4 literal */
	long port;	   /* --port: destination of tcp and udp */
	long rate;	   /* --rate: port allocations per second */
	long count;	   /* --count: stop taking ports after N (0: no limit) */
	long children;	   /* --children: fork N leakers, wait for them */
	const char *comm;  /* --comm */
	bool ignore_term;  /* --ignore-term */
	bool stop_on_fail; /* --stop-on-fail: after the first failure, only hold */
	long active;	   /* --active: keep the first N tcp sockets busy (a byte each 0.5 s) */
};

#define ACTIVE_MAX 64
#define ACTIVE_EVERY_NS 500000000LL

struct leak {
	struct sockaddr_in dst, any;
	long ports;
	bool quarantined, failed;
};

static const struct opts *o;
static char term_line[64];
static volatile sig_atomic_t check_errors; /* SIGUSR1 came */
static int max_fd = -1;			    /* the highest socket kept */
static int active_fds[ACTIVE_MAX];	    /* --active sockets; -1 once a send failed */
static long nr_active, active_failed;

static void die(const char *what)
{
	fprintf(stderr, "guardleak: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(FILE *f, int status)
{
	fprintf(f,
		"usage: guardleak tcp|udp|bind0 [--addr IP] [--port N] [--rate N] [--count N]\n"
		"                 [--children N] [--comm NAME] [--ignore-term] [--stop-on-fail]\n"
		"                 [--active N]\n"
		"tcp: connect() to ADDR:PORT; udp: sendto() ADDR:PORT from a new socket;\n"
		"bind0: bind() ADDR:0. Each socket is kept. --rate N per second (default 20),\n"
		"until killed or --count ports. --children N forks N such leakers and waits.\n"
		"--active N (tcp): the first N connections send a byte every 0.5 s; the rest idle.\n"
		"Lines on stdout: start, quarantined, failed, sigterm, done (see the source).\n");
	exit(status);
}

static long parse_long(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "guardleak: bad %s: '%s'\n", what, s);
		usage(stderr, 2);
	}
	return v;
}

/* One line, one write: never interleaved with another process's line. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(STDOUT_FILENO, buf, (size_t)n) != n)
		exit(1);
}

static void on_term(int sig)
{
	int saved = errno;

	(void)sig;
	if (write(STDOUT_FILENO, term_line, strlen(term_line)) < 0)
		saved = errno;
	errno = saved;
}

static void on_usr1(int sig)
{
	(void)sig;
	check_errors = 1;
}

/* Per process: --ignore-term reports each SIGTERM and carries on; SIGUSR1
 * asks for the sockets' errors (report_errors). */
static void setup_process(void)
{
	struct sigaction sa = {.sa_handler = on_term, .sa_flags = SA_RESTART};
	struct sigaction usr1 = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};

	if (sigaction(SIGUSR1, &usr1, NULL))
		die("sigaction");

	snprintf(term_line, sizeof(term_line), "sigterm pid=%d ignored\n", getpid());
	if (o->ignore_term && sigaction(SIGTERM, &sa, NULL))
		die("sigaction");
}

/* The port-taking call of the mode, on a fresh socket: 0 or an errno. */
static int take_port(struct leak *l, int fd)
{
	const struct sockaddr *dst = (const struct sockaddr *)&l->dst;
	int rc;

	if (!strcmp(o->mode, "tcp"))
		rc = connect(fd, dst, sizeof(l->dst));
	else if (!strcmp(o->mode, "udp"))
		rc = sendto(fd, "x", 1, 0, dst, sizeof(l->dst)) < 0 ? -1 : 0;
	else
		rc = bind(fd, (const struct sockaddr *)&l->any, sizeof(l->any));
	return rc ? errno : 0;
}

/* One try: a socket that got a port is kept open, on purpose. */
static void try_once(struct leak *l)
{
	int type = strcmp(o->mode, "udp") ? SOCK_STREAM : SOCK_DGRAM;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), err;

	if (fd < 0) {
		if (errno != EPERM)
			die("socket"); /* out of descriptors is not what is tested */
		if (!l->quarantined)
			say("quarantined pid=%d ports=%ld errno=EPERM\n", getpid(), l->ports);
		l->quarantined = true;
		return;
	}
	err = take_port(l, fd);
	if (!err) {
		l->ports++;
		if (fd > max_fd)
			max_fd = fd;
		if (nr_active < o->active)
			active_fds[nr_active++] = fd;
		return;
	}
	close(fd);
	if (!l->failed)
		say("failed pid=%d ports=%ld errno=%s\n", getpid(), l->ports, strerrorname_np(err));
	l->failed = true;
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

/* The sockets it holds and their pending errors: a socket destroyed under
 * it (portwarden's reclaim, `ss -K`) reports ECONNABORTED. */
static void report_errors(void)
{
	long checked = 0, aborted = 0, other = 0;

	for (int fd = 3; fd <= max_fd; fd++) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			continue;
		checked++;
		aborted += err == ECONNABORTED;
		other += err && err != ECONNABORTED;
	}
	say("sockerr pid=%d checked=%ld aborted=%ld other=%ld active=%ld active_failed=%ld\n",
	    getpid(), checked, aborted, other, nr_active, active_failed);
}

/* --active: a byte on each busy socket; one whose send fails (destroyed
 * under it: ECONNABORTED) is counted and left alone. */
static void send_active(void)
{
	for (long i = 0; i < nr_active; i++) {
		if (active_fds[i] < 0)
			continue;
		if (send(active_fds[i], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 || errno == EAGAIN)
			continue;
		say("active_failed pid=%d fd=%d errno=%s\n", getpid(), active_fds[i],
		    strerrorname_np(errno));
		active_fds[i] = -1;
		active_failed++;
	}
}

/* Sleep until @t_ns, keeping the --active sockets busy on the way; answers
 * SIGUSR1 at each wake-up. @next_send: when the next bytes are due. */
static void sleep_busy(long long t_ns, long long *next_send)
{
	while (nr_active && *next_send <= t_ns) {
		sleep_until(*next_send);
		send_active();
		*next_send += ACTIVE_EVERY_NS;
		if (check_errors) {
			check_errors = 0;
			report_errors();
		}
	}
	sleep_until(t_ns);
}

/* Takes ports at --rate until --count (or the first failure with
 * --stop-on-fail), then holds them until killed. */
static void leak(void)
{
	struct leak l = {0};
	long long start = now_ns(), next_send = start + ACTIVE_EVERY_NS;

	l.dst.sin_family = AF_INET;
	l.dst.sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->addr, &l.dst.sin_addr) != 1) {
		fprintf(stderr, "guardleak: bad --addr: '%s'\n", o->addr);
		exit(2);
	}
	l.any = l.dst;
	l.any.sin_port = 0;
	setup_process();
	say("start pid=%d mode=%s\n", getpid(), o->mode);
	for (long i = 0; (!o->count || l.ports < o->count) && !(o->stop_on_fail && l.failed); i++) {
		sleep_busy(start + i * NSEC_PER_SEC / o->rate, &next_send);
		try_once(&l);
		if (check_errors) {
			check_errors = 0;
			report_errors();
		}
	}
	if (!l.failed || !o->stop_on_fail)
		say("done pid=%d ports=%ld\n", getpid(), l.ports);
	for (;;) {
		if (nr_active)
			sleep_busy(next_send, &next_send);
		else
			pause();
		if (check_errors) {
			check_errors = 0;
			report_errors();
		}
	}
}

/* --children: the leak is spread over processes of one cgroup. */
static int fork_children(void)
{
	for (long i = 0; i < o->children; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			leak();
	}
	setup_process();
	say("parent pid=%d children=%ld\n", getpid(), o->children);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

/* Thousands of sockets: the soft limit (often 1024) would end the test first. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			fprintf(stderr, "guardleak: setrlimit: %s\n", strerror(errno));
	}
}

static void parse_args(int argc, char **argv, struct opts *out)
{
	static const struct option longopts[] = {{"addr", required_argument, NULL, 'a'},
						 {"port", required_argument, NULL, 'p'},
						 {"rate", required_argument, NULL, 'r'},
						 {"count", required_argument, NULL, 'c'},
						 {"children", required_argument, NULL, 'C'},
						 {"comm", required_argument, NULL, 'n'},
						 {"ignore-term", no_argument, NULL, 'T'},
						 {"stop-on-fail", no_argument, NULL, 'S'},
						 {"active", required_argument, NULL, 'A'},
						 {"help", no_argument, NULL, 'h'},
						 {}};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			out->addr = optarg;
			break;
		case 'p':
			out->port = parse_long(optarg, 1, 65535, "--port");
			break;
		case 'r':
			out->rate = parse_long(optarg, 1, 100000, "--rate");
			break;
		case 'c':
			out->count = parse_long(optarg, 0, LONG_MAX, "--count");
			break;
		case 'C':
			out->children = parse_long(optarg, 0, 64, "--children");
			break;
		case 'n':
			out->comm = optarg;
			break;
		case 'T':
			out->ignore_term = true;
			break;
		case 'S':
			out->stop_on_fail = true;
			break;
		case 'A':
			out->active = parse_long(optarg, 0, ACTIVE_MAX, "--active");
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
	out->mode = argv[optind];
	if (strcmp(out->mode, "tcp") && strcmp(out->mode, "udp") && strcmp(out->mode, "bind0")) {
		fprintf(stderr, "guardleak: bad MODE: '%s'\n", out->mode);
		usage(stderr, 2);
	}
}

int main(int argc, char **argv)
{
	static struct opts opts = {.addr = "127.0.0.1", .port = 5001, .rate = 20};

	parse_args(argc, argv, &opts);
	o = &opts;
	/* Before any socket or child exists, so that every one carries the name. */
	if (opts.comm && prctl(PR_SET_NAME, opts.comm))
		die("prctl PR_SET_NAME");
	raise_nofile();
	if (opts.children)
		return fork_children();
	leak();
	return 0;
}
