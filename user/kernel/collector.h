/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Runs the socket iterators, in every network namespace, into an inventory. */
#ifndef PW_COLLECTOR_H
#define PW_COLLECTOR_H

#include "core/inventory.h"
#include "kernel/loader.h"

struct sockets_bpf;
struct bpf_link;

/*
 * Where the inventory comes from. The iterators are the fast and complete
 * source; a part the kernel refuses is replaced, slower and with less:
 * process files from /proc/PID/fd, tables from the socket diagnostics
 * (sock_diag, what `ss` uses). See README, "Kernel support".
 */
struct collector {
	struct sockets_bpf *skel;
	struct bpf_link *files, *tcp, *udp; /* NULL: refused, the fallback stands in */
	int closers_fd;			    /* TIME_WAIT owners for sock_diag records, or -1 */
	char memory_mount[4096];	    /* v1 memory cgroup mount for /proc records, or "" */
	uint64_t netns_failed;		    /* namespaces that could not be walked, last run */
	uint64_t tables_skipped; /* TCP/UDP tables not walked, last run: nothing to add */
	size_t last_records;	 /* records of the last run and some: the next one's first size */
};

/* Load the iterators, each in the form this kernel allows, and say what
 * stands in for any it refuses. @closers_fd: the closers map of a running
 * event path (TIME_WAIT owners), or -1 for a private, empty one.
 * @recalibrate: find the forms by loading even when they are remembered for
 * this boot (calib_memo.h), as `probe` does. Returns 0 or -errno. */
int collector_open(struct collector *c, int closers_fd, bool recalibrate);
void collector_close(struct collector *c);

/* Fill @inv (initialised by the caller) with every socket on the host.
 * Returns 0 or -errno; namespaces that vanish meanwhile are skipped. */
int collector_run(struct collector *c, struct inventory *inv);

/* The iterators' run time and runs (loader.h), up to @max; how many. */
size_t collector_prog_stats(const struct collector *c, struct tracer_prog_stat *out, size_t max);

#endif /* PW_COLLECTOR_H */
