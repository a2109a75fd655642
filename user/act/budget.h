/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The port budget hooks (bpf/budget.bpf.c): a cgroup holding its ports_max
 * is refused new local ports in the kernel. Its own BPF object, loaded only
 * when the configuration names a budget, attached while a cgroup has one.
 */
#ifndef PW_BUDGET_H
#define PW_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/budget.h"
#include "kernel/loader.h"

struct budget_bpf;
struct bpf_link;

#define BUDGET_LINKS 13 /* 0-7 cgroup hooks, 8-9 fork and exit tracepoints, then: */
/* budget_create, budget_release and budget_state: only while a cgroup has a budget */
#define BUDGET_ONLY_LINK 10
#define BUDGET_ONLY_LINKS 3

struct budget_hooks {
	struct budget_bpf *skel;	      /* NULL: not loaded */
	struct bpf_link *links[BUDGET_LINKS]; /* while armed */
	bool armed;
	bool can_refuse; /* bpf_set_retval (5.18+): else count only */
	bool lifeline;	 /* configured: attached even without a budget */
	int cgroup_fd;
};

/* The pool as the hooks key it: mirrors struct pw_lifeline_key
 * (bpf/lifeline.h). Engaged pools (the lifeline) and refusals use it. */
struct lifeline_key {
	uint64_t netns_cookie;
	uint8_t raddr[16];
	uint16_t rport;
	uint16_t family;
	uint8_t kind; /* enum pool_kind */
	uint8_t pad[3];
};

struct budget_refusal {
	uint64_t cgroup_id;
	struct lifeline_key pool; /* the pool the refused call would have taken a port from */
	uint32_t err;	/* positive errno */
	bool dry_run;	/* counted, not refused */
	bool lifeline;	/* refused by the lifeline, not a budget */
	uint64_t count; /* since load */
};

/* Load for the cgroup2 directory @cgroup_dir. 0 or -errno (then nothing is
 * held and budget_close() is still safe); said when refused. */
int budget_open(struct budget_hooks *b, const char *cgroup_dir);
void budget_close(struct budget_hooks *b);

/* Refuse for real (run --enforce) or count only. */
void budget_enforce(struct budget_hooks *b, bool on);

/* Give @cgroup_id the budget @bu (max 0: none). 0 or -errno. */
int budget_set(struct budget_hooks *b, uint64_t cgroup_id, struct budget bu);
/* The budget @cgroup_id has now (max 0: none). */
struct budget budget_of(const struct budget_hooks *b, uint64_t cgroup_id);
/* The kernel's count for @cgroup_id (0 when it has none). */
int64_t budget_held(const struct budget_hooks *b, uint64_t cgroup_id);
/* ... and how many times the hooks changed it (see struct pw_budget_count). */
struct budget_count budget_count(const struct budget_hooks *b, uint64_t cgroup_id);
/* Overwrite it (the reconcile). */
int budget_correct(struct budget_hooks *b, uint64_t cgroup_id, int64_t held);
/* The cgroups with a budget, up to @max ids; how many. */
size_t budget_cgroups(const struct budget_hooks *b, uint64_t *ids, size_t max);
/* Attach while some cgroup has a budget, detach when none has. */
int budget_arm(struct budget_hooks *b);
/* Refusal counts, up to @max; how many. */
size_t budget_refusals(const struct budget_hooks *b, struct budget_refusal *out, size_t max);
/* Refusals the kernel could not count by key (its table was full), since load. */
uint64_t budget_refusals_unkeyed(const struct budget_hooks *b);

/* The lifeline (same object and hooks): pools engaged, as lifeline_key. */
/* Make @keys (@n) the engaged pools: others are released. 0 or -errno. */
int lifeline_engage(struct budget_hooks *b, const struct lifeline_key *keys, size_t n);
/* Refusals (would-be ones in a dry run) in the engaged pool @key so far. */
uint64_t lifeline_refused(const struct budget_hooks *b, const struct lifeline_key *key);
/* Protect @tgid (@inherit: its children too, from fork on). 0 or -errno
 * (-E2BIG: the map is full). */
int lifeline_protect_tgid(struct budget_hooks *b, uint32_t tgid, bool inherit);
/* Protect every process of the cgroup2 cgroup @cgroup_id. 0 or -errno. */
int lifeline_protect_cgroup(struct budget_hooks *b, uint64_t cgroup_id);
/* Forget protected processes that are gone (their exit was not seen). */
void lifeline_prune(struct budget_hooks *b);
/* Children not protected because the map was full, since load. */
uint64_t lifeline_inherit_full(const struct budget_hooks *b);

#endif /* PW_BUDGET_H */
