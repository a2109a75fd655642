/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The lifeline (config lifeline): a pool this full is kept for protected
 * processes. The pure decision: which pools are engaged now, from their
 * fill, the lifeline and whether each was engaged at the previous sample
 * (a small hysteresis, so a pool hovering at the line does not flap). The
 * kernel refuses (bpf/budget.bpf.c); guard/lifeline.c applies this.
 */
#ifndef PW_LIFELINE_CORE_H
#define PW_LIFELINE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include "core/snapshot.h"

/* An engaged pool is released only this far below the lifeline (2 points) */
#define LIFELINE_RELEASE_BELOW 0.02
/* Pools engaged at once; past it, the fullest are kept and the rest counted */
#define LIFELINE_POOLS_MAX 256

/* Does a pool @fill full hold the lifeline @lifeline (0: off), @engaged
 * before? At or past the line it engages; engaged, it holds until the fill
 * drops LIFELINE_RELEASE_BELOW under it. Unknown capacity (fill 0): never. */
bool lifeline_holds(double fill, double lifeline, bool engaged);

/* Same pool: kind, netns, family, and for tcp-connect the addresses and port. */
bool lifeline_same_pool(const struct snap_pool *a, const struct snap_pool *b);

struct lifeline_pool {
	struct snap_pool pool;
	double fill;	  /* at the latest sample; 0 when the pool is gone */
	uint64_t refused; /* the kernel's count of refusals in it, as last read */
	bool refusing;	  /* that count grew at the latest sample */
};

struct lifeline_state {
	struct lifeline_pool items[LIFELINE_POOLS_MAX]; /* engaged */
	size_t nr;
	size_t over; /* engaged too, past LIFELINE_POOLS_MAX: not kept for anyone */
};

/* What changed from one sample to the next, for the log. */
struct lifeline_changes {
	struct lifeline_pool engaged[LIFELINE_POOLS_MAX];
	size_t nr_engaged;
	struct lifeline_pool released[LIFELINE_POOLS_MAX];
	size_t nr_released;
};

/*
 * From @prev (the previous sample's engaged pools) and this sample's
 * @pools (sorted by fill, descending, as snapshot_build leaves them): the
 * pools engaged now in @next, and what engaged or was released in @ch. A
 * pool gone from the snapshot is released (fill 0).
 */
void lifeline_update(const struct lifeline_state *prev, const struct snap_pool *pools,
		     size_t nr_pools, double lifeline, struct lifeline_state *next,
		     struct lifeline_changes *ch);

/*
 * Protection passes from a protected process to the processes it starts (a
 * login shell sshd forks, its PAM helpers), except from those that start
 * everything: init (pid 1), systemd, container runtimes, dbus. Their
 * children would be the whole host, a hog included. Those are protected
 * themselves only.
 */
bool lifeline_inherits(uint32_t tgid, const char *exe);

struct lifeline_proc {
	uint32_t tgid, ppid;
	bool matched;	/* policy_protected(), or portwarden itself */
	bool inherits;	/* lifeline_inherits() */
	bool protect;	/* out: protected */
	bool pass_on;	/* out: and its children, from fork on */
};

/* Which of @procs (@n, any order; sorted by tgid on return) are protected:
 * matched ones, and descendants of a matched one that passes protection on
 * (the nearest matched ancestor decides). */
void lifeline_protect_tree(struct lifeline_proc *procs, size_t n);

#endif /* PW_LIFELINE_CORE_H */
