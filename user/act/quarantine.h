/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The quarantine hook (bpf/quarantine.bpf.c): new TCP/UDP sockets refused
 * for the cgroups and processes in its maps. Its own BPF object, loaded
 * apart from the event path: the loader knows nothing of it.
 */
#ifndef PW_QUARANTINE_H
#define PW_QUARANTINE_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/loader.h"

struct quarantine_bpf;
struct bpf_link;

struct quarantine {
	struct quarantine_bpf *skel; /* NULL: not loaded (refused here) */
	struct bpf_link *link;	     /* while armed */
	int cgroup_fd;		     /* where it attaches */
};

/*
 * Load the hook, not attached, for the cgroup2 directory @cgroup_dir (the
 * mount's root: every process of the host). Records the verdict (-v,
 * `portwarden probe`) and says when the kernel refuses it (or
 * PORTWARDEN_TEST_REFUSE=quarantine plays one that does). 0 or -errno; on
 * failure @q holds nothing and quarantine_close() is still safe.
 */
int quarantine_open(struct quarantine *q, const char *cgroup_dir);
void quarantine_close(struct quarantine *q);

/*
 * Refuse (@on) or allow again new sockets of a cgroup2 cgroup or a process.
 * The hook runs on every socket() of the host, so it is attached only while
 * something is quarantined. 0 or -errno; -ENOTSUP when not loaded.
 */
int quarantine_cgroup(struct quarantine *q, uint64_t cgroup_id, bool on);
int quarantine_process(struct quarantine *q, uint32_t tgid, bool on);
/* Lift every quarantine this process placed, and detach the hook. */
void quarantine_lift_all(struct quarantine *q);

/* The hook's run time and runs (kernel/loader.h), up to @max; how many
 * (0: not loaded). */
size_t quarantine_prog_stats(const struct quarantine *q, struct tracer_prog_stat *out,
			     size_t max);

#endif /* PW_QUARANTINE_H */
