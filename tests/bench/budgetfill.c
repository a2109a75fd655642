// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Budget benchmark workload: take ports one by one until the first refusal.
//
// usage: budgetfill [--kind tcp|bind0|udp] [--port N] [--max M] [--after K]
//
// Takes local ports one at a time and holds every one it gets, as fast as it
// can, until an attempt fails (or M attempts succeed): tcp, connect() of a
// fresh socket to 127.0.0.1:PORT (someone must listen and accept there, in
// another cgroup); bind0, bind() of a fresh TCP socket to 127.0.0.1 port 0;
// udp, connect() of a fresh UDP socket to 127.0.0.1:PORT (no listener
// needed). With `ports_max = N` enforced on its cgroup, the first failure
// must be attempt N + 1, with the errno of an exhausted pool. Then K more
// attempts (closed at once on failure), which must fail too. Prints one line:
//   kind=K successes=S first_failure=A errno=NAME refuse_us=R refused_call_us=C
//   refused_again_us=G alloc_us_median=M alloc_us_max=X after_failed=F/K
// first_failure: the attempt number (from 1) of the first failure, 0 if none;
// refuse_us: from the return of the last successful attempt to the return
// of the failed one (its socket() included): how long a budget, once
// reached, takes to bite; refused_call_us: the failed attempt alone;
// refused_again_us: the median of the K after it; alloc_us_*: successful
// attempts (socket() + the call), for scale.
#include <getopt.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

#define PROG "budgetfill"

enum kind { KIND_TCP, KIND_BIND0, KIND_UDP };

struct opts {
	enum kind kind;
	long port;
	long max;
	long after;
};

static enum kind parse_kind(const char *s)
{
	if (!strcmp(s, "tcp"))
		return KIND_TCP;
	if (!strcmp(s, "bind0"))
		return KIND_BIND0;
	if (!strcmp(s, "udp"))
		return KIND_UDP;
	fprintf(stderr, "%s: bad --kind: '%s' (want tcp, bind0 or udp)\n", PROG, s);
	exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {{"kind", required_argument, NULL, 'k'},
						 {"port", required_argument, NULL, 'p'},
						 {"max", required_argument, NULL, 'm'},
						 {"after", required_argument, NULL, 'a'},
						 {NULL, 0, NULL, 0}};
	int c;

	*o = (struct opts){.kind = KIND_TCP, .port = 5000, .max = 10000, .after = 3};
	while ((c = getopt_long(argc, argv, "k:p:m:a:", longopts, NULL)) != -1) {
		if (c == 'k')
			o->kind = parse_kind(optarg);
		else if (c == 'p')
			o->port = parse_num(PROG, "--port", optarg, 1, 65535);
		else if (c == 'm')
			o->max = parse_num(PROG, "--max", optarg, 1, 100000);
		else if (c == 'a')
			o->after = parse_num(PROG, "--after", optarg, 0, 100);
		else
			exit(2);
	}
	if (optind != argc) {
		fprintf(stderr, "usage: %s [--kind tcp|bind0|udp] [--port N] [--max M] [--after K]\n",
			PROG);
		exit(2);
	}
}

/* One attempt: a fresh socket taking one local port. The descriptor on
 * success; -1 with errno set (and nothing left open) on failure. */
static int take_port(enum kind kind, const struct sockaddr_in *dst)
{
	struct sockaddr_in any = loopback(0);
	int fd = socket(AF_INET, (kind == KIND_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int rc, saved;

	if (fd < 0)
		return -1;
	if (kind == KIND_BIND0)
		rc = bind(fd, (const struct sockaddr *)&any, sizeof(any));
	else
		rc = connect(fd, (const struct sockaddr *)dst, sizeof(*dst));
	if (rc == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static const char *kind_name(enum kind k)
{
	return k == KIND_TCP ? "tcp" : k == KIND_BIND0 ? "bind0" : "udp";
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_in dst;
	long long *took, again[100], t0, t1, last_ok = 0, fail_start = 0, fail_end = 0;
	long n = 0, after_failed = 0;
	int fd, err = 0;

	parse_args(argc, argv, &o);
	dst = loopback((int)o.port);
	if ((long)want_nofile((rlim_t)o.max + 64) < o.max + 16) {
		fprintf(stderr, "%s: descriptor limit too low for --max %ld\n", PROG, o.max);
		return 1;
	}
	took = calloc((size_t)o.max, sizeof(*took));
	if (!took)
		die(PROG, "calloc");
	for (; n < o.max; n++) {
		t0 = now_ns();
		fd = take_port(o.kind, &dst);
		t1 = now_ns();
		if (fd < 0) {
			err = errno;
			fail_start = t0;
			fail_end = t1;
			break;
		}
		took[n] = t1 - t0;
		last_ok = t1;
	}
	for (long i = 0; err && i < o.after; i++) {
		t0 = now_ns();
		fd = take_port(o.kind, &dst);
		again[i] = now_ns() - t0;
		if (fd < 0)
			after_failed++;
	}
	qsort(again, (size_t)(err ? o.after : 0), sizeof(*again), cmp_ll);
	qsort(took, (size_t)n, sizeof(*took), cmp_ll);
	printf("kind=%s successes=%ld first_failure=%ld errno=%s refuse_us=%.1f refused_call_us=%.1f "
	       "refused_again_us=%.1f alloc_us_median=%.1f alloc_us_max=%.1f after_failed=%ld/%ld\n",
	       kind_name(o.kind), n, err ? n + 1 : 0, err ? strerrorname_np(err) : "none",
	       err && n ? (double)(fail_end - last_ok) / 1e3 : -1.0,
	       err ? (double)(fail_end - fail_start) / 1e3 : -1.0,
	       err && o.after ? (double)again[o.after / 2] / 1e3 : -1.0,
	       n ? (double)took[n / 2] / 1e3 : -1.0, n ? (double)took[n - 1] / 1e3 : -1.0,
	       after_failed, err ? o.after : 0);
	free(took);
	return 0;
}
