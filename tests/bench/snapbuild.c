// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Snapshot build benchmark: snapshot_build() over a synthetic busy host, no
// kernel involved (what `portwarden snapshot` and the daemon's every sample
// spend after the iterators have run).
//
// usage: snapbuild [--sockets N] [--builds B]
//
// The host (busy_host.h): N sockets (default 100000) in 10 netns, held by
// 1000 processes in 100 cgroups, to 50 destinations; a tenth UDP, a fifth
// TIME_WAIT, a tenth bound but unconnected, the rest established. Builds
// the snapshot B times (default 3), freeing it in between, and prints one
// line:
//   sockets=N first_ms=X warm_ms=Y warm_cpu_ms=Z
// where first_ms is the first build (it also faults in fresh memory, most of
// its time on some VMs) and warm_ms the last one, when malloc reuses memory
// it already has, as in a daemon that rebuilds every interval; warm_cpu_ms
// counts only this thread's CPU time. Exits 1 if the snapshot does not count
// what was put in (tests/unit/test_snapshot.c checks the same host small).
//
// Links libportwarden.a (the Makefile's BENCH_LIB_BINS).
#include <getopt.h>
#include "bench.h"
#include "busy_host.h"
#include "core/snapshot.h"

#define PROG "snapbuild"

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"sockets", required_argument, NULL, 's'},
						 {"builds", required_argument, NULL, 'b'},
						 {NULL, 0, NULL, 0}};
	long sockets = 100000, builds = 3;
	long long t0, c0, first_ns = 0, warm_ns = 0, warm_cpu_ns = 0;
	struct snapshot snap = {0};
	struct inventory inv;
	int c;

	while ((c = getopt_long(argc, argv, "s:b:", longopts, NULL)) != -1) {
		if (c == 's')
			sockets = parse_num(PROG, "--sockets", optarg, BUSY_PROCS, 10000000);
		else if (c == 'b')
			builds = parse_num(PROG, "--builds", optarg, 1, 1000);
		else
			exit(2);
	}
	inventory_init(&inv);
	errno = -busy_host_netns(&inv);
	if (errno)
		die(PROG, "inventory_add_netns");
	for (uint32_t i = 0; i < (uint32_t)sockets; i++) {
		errno = -busy_host_add(&inv, i);
		if (errno)
			die(PROG, "inventory_add_sock");
	}
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
	if (snap.nr_sockets != (size_t)sockets ||
	    snap.total.n[PS_TIME_WAIT] != busy_host_time_wait((uint32_t)sockets) ||
	    snap.nr_processes != BUSY_PROCS || snap.nr_groups != BUSY_GROUPS) {
		fprintf(stderr,
			"%s: snapshot counts %zu sockets, %u TIME-WAIT, %zu processes, %zu "
			"groups\n",
			PROG, snap.nr_sockets, snap.total.n[PS_TIME_WAIT], snap.nr_processes,
			snap.nr_groups);
		return 1;
	}
	printf("sockets=%ld first_ms=%.1f warm_ms=%.1f warm_cpu_ms=%.1f\n", sockets, first_ns / 1e6,
	       warm_ns / 1e6, warm_cpu_ns / 1e6);
	snapshot_free(&snap);
	inventory_free(&inv);
	return 0;
}
