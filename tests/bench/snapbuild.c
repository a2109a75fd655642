// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Snapshot build benchmark: snapshot_build() over a synthetic busy host, no
// kernel involved (what `portwarden snapshot` and the daemon's every sample
// spend after the iterators have run).
//
// usage: snapbuild [--sockets N] [--builds B]
//
// The host: N sockets (default 100000) in 10 netns, held by 1000 processes
// in 100 cgroups, to 50 destinations; a tenth UDP, a fifth TIME_WAIT (known
// closers), a tenth bound but unconnected, the rest established and held.
// Builds the snapshot B times (default 3), freeing it in between, and prints
// one line:
//   sockets=N first_ms=X warm_ms=Y warm_cpu_ms=Z
// where first_ms is the first build (it also faults in fresh memory, most of
// its time on some VMs) and warm_ms the last one, when malloc reuses memory
// it already has, as in a daemon that rebuilds every interval; warm_cpu_ms
// counts only this thread's CPU time. Exits 1 if the snapshot does not count
// what was put in (tests/unit/test_snapshot.c checks the same shape small).
//
// Links libportwarden.a (the Makefile's bench rule for this program).
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#include "bench.h"
#include "core/snapshot.h"

#define PROG	 "snapbuild"
#define NETNS0	 4026531840u
#define NR_NETNS 10
#define NR_PROCS 1000
#define NR_CGRPS 100

static struct inventory inv;

static void add(const struct pw_sock *r)
{
	if (inventory_add_sock(&inv, r))
		die(PROG, "inventory_add_sock");
}

/* Socket @i's owner: one of NR_PROCS processes. */
static void set_owner(struct pw_sock *r, uint32_t i)
{
	r->tgid = 1000 + i % NR_PROCS;
	r->flags |= PW_SOCKF_OWNER_KNOWN;
	snprintf(r->comm, sizeof(r->comm), "p%u", r->tgid);
}

/* What iter/task_file writes for socket @r, socket @i's holder. */
static const struct pw_sock *held(struct pw_sock r, uint32_t i)
{
	static struct pw_sock f;

	f = r;
	f.source = PW_SOCK_FILE;
	f.fd = 3;
	set_owner(&f, i);
	return &f;
}

/* What the iterators write for socket @i: its table record and, unless
 * TIME_WAIT, its holder's file record. */
static void add_socket(uint32_t i)
{
	struct pw_sock r;

	memset(&r, 0, sizeof(r));
	r.key = i + 1;
	r.netns = NETNS0 + i % NR_NETNS;
	r.cgroup_id = 10 + i % NR_CGRPS;
	r.saddr[0] = 10;
	r.saddr[3] = 9;
	r.daddr[0] = 10;
	r.daddr[3] = (uint8_t)(i % 50);
	r.sport = (uint16_t)(32768 + i / 10 % 28000);
	r.dport = 443;
	r.family = AF_INET;
	r.protocol = IPPROTO_TCP;
	r.state = TCP_ESTABLISHED;
	r.source = PW_SOCK_TCP;
	switch (i % 10) {
	case 0:
		r.protocol = IPPROTO_UDP;
		r.source = PW_SOCK_UDP;
		break;
	case 1:
	case 2: /* closed, the closer known; nobody holds it */
		r.state = TCP_TIME_WAIT;
		set_owner(&r, i);
		add(&r);
		return;
	case 3: /* bound, never connected: only its holder's file shows it */
		r.state = TCP_CLOSE;
		r.flags = PW_SOCKF_BIND_BUCKET;
		add(held(r, i));
		return;
	}
	add(&r);
	add(held(r, i));
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"sockets", required_argument, NULL, 's'},
						 {"builds", required_argument, NULL, 'b'},
						 {NULL, 0, NULL, 0}};
	long sockets = 100000, builds = 3;
	long long t0, c0, first_ns = 0, warm_ns = 0, warm_cpu_ns = 0;
	struct snapshot snap = {0};
	uint32_t tw;
	int c;

	while ((c = getopt_long(argc, argv, "s:b:", longopts, NULL)) != -1) {
		if (c == 's')
			sockets = parse_num(PROG, "--sockets", optarg, NR_PROCS, 10000000);
		else if (c == 'b')
			builds = parse_num(PROG, "--builds", optarg, 1, 1000);
		else
			exit(2);
	}
	inventory_init(&inv);
	for (uint32_t ns = 0; ns < NR_NETNS; ns++) {
		struct netns_ports *n = inventory_add_netns(&inv, NETNS0 + ns);

		if (!n)
			die(PROG, "inventory_add_netns");
		n->known = true;
		n->low = 32768;
		n->high = 60999;
	}
	for (uint32_t i = 0; i < (uint32_t)sockets; i++)
		add_socket(i);
	for (long b = 0; b < builds; b++) {
		if (b)
			snapshot_free(&snap);
		t0 = now_ns();
		c0 = cpu_ns();
		if (snapshot_build(&inv, &snap))
			die(PROG, "snapshot_build");
		warm_cpu_ns = cpu_ns() - c0;
		warm_ns = now_ns() - t0;
		if (!b)
			first_ns = warm_ns;
	}
	/* i % 10 == 1 or 2 are in TIME_WAIT */
	tw = (uint32_t)(sockets / 10 * 2 + (sockets % 10 > 1) + (sockets % 10 > 2));
	if (snap.nr_sockets != (size_t)sockets || snap.total.n[PS_TIME_WAIT] != tw ||
	    snap.nr_processes != NR_PROCS || snap.nr_groups != NR_CGRPS) {
		fprintf(stderr, "%s: snapshot counts %zu sockets, %u TIME-WAIT, %zu processes, %zu groups\n",
			PROG, snap.nr_sockets, snap.total.n[PS_TIME_WAIT], snap.nr_processes, snap.nr_groups);
		return 1;
	}
	printf("sockets=%ld first_ms=%.1f warm_ms=%.1f warm_cpu_ms=%.1f\n", sockets, first_ns / 1e6,
	       warm_ns / 1e6, warm_cpu_ns / 1e6);
	snapshot_free(&snap);
	inventory_free(&inv);
	return 0;
}
