/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The reclaim rung (bpf/reclaim.bpf.c): a target's dead sockets destroyed
 * in the kernel with bpf_sock_destroy() (6.5+), so that their ports come
 * back and the process lives; it sees ECONNABORTED on them. Its own BPF
 * object, loaded by trying: a kernel that refuses it has no such rung.
 */
#ifndef PW_RECLAIM_H_USER
#define PW_RECLAIM_H_USER

#include <stddef.h>
#include <stdint.h>
#include "core/reclaim_pick.h"

struct reclaim_bpf;
struct bpf_link;

struct reclaimer {
	struct reclaim_bpf *skel; /* NULL: refused here (no bpf_sock_destroy) */
	struct bpf_link *link;	  /* the iterator, attached once */
};

/*
 * Load the iterator. Records the verdict (-v, `portwarden probe`, the
 * systemd STATUS line's refused parts) and says once when the kernel
 * refuses it (or PORTWARDEN_TEST_REFUSE=reclaim plays one that does). 0 or
 * -errno; on failure @r holds nothing and reclaimer_close() is still safe.
 */
int reclaimer_open(struct reclaimer *r);
void reclaimer_close(struct reclaimer *r);

/*
 * The idle time of each of @picks (reclaim_pick()), read in the kernel by
 * the same walks, destroying nothing: picks[].idle_known/idle_jiffies. A
 * pick not found (gone, or its netns could not be entered) stays unknown.
 * Walks only when an ESTABLISHED pick needs it. 0 or -errno.
 */
int reclaimer_survey(struct reclaimer *r, struct reclaim_pick *picks, size_t nr);

/*
 * Destroy the @nr sockets of @picks (reclaim_pick(), reclaim_keep_idle()):
 * one walk of its netns's TCP table per netns (and per PW_RECLAIM_KEYS_MAX
 * sockets). An ESTABLISHED one only if it is still idle @idle_min_jiffies
 * (it may have woken since the survey; 0: never). Adds what the kernel did
 * to @counts (destroyed by state, ports back, changed, failed). 0, or
 * -errno when a walk could not be made at all.
 */
int reclaimer_run(struct reclaimer *r, struct reclaim_pick *picks, size_t nr,
		  uint32_t idle_min_jiffies, struct reclaim_counts *counts);

#endif /* PW_RECLAIM_H_USER */
