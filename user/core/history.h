/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Per-entity (cgroup or process) sample history and the verdict carried
 * between classifications. */
#ifndef PW_HISTORY_H
#define PW_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/activity.h"
#include "core/classify.h"
#include "core/idmap.h"
#include "core/snapshot.h"

enum entity_kind { ENTITY_GROUP = 1, ENTITY_PROCESS = 2 };

struct entity_key {
	uint32_t kind;		/* enum entity_kind */
	uint32_t tgid;		/* ENTITY_PROCESS */
	struct group_key group; /* ENTITY_GROUP; the process's group for ENTITY_PROCESS */
	uint64_t retired_start; /* ENTITY_PROCESS: 0 for the process now under tgid; the
				 * start of an earlier one whose pid was reused */
};

struct entity {
	struct entity_key key;
	uint64_t start_time;			 /* processes: the start of the one it
						  * describes (clock ticks after boot) */
	char comm[PW_COMM_LEN];			 /* processes */
	struct failure_counts failures_by_errno; /* cumulative, as of the last sample */
	struct sample *ring;			 /* the last ring_cap samples */
	size_t head, nr;
	struct verdict verdict;
	struct verdict urgent;		/* the same series under classify_urgent: fast leaks */
	enum leak_class urgent_latched; /* a class named early (fast, under pressure, with its
					 * cgroup, a hog), kept while it holds its ports */
	uint32_t urgent_held;		/* ports it held when that class was first named */
	enum leak_class worst;		/* the first non-NONE class it entered, kept for reports */
	uint32_t peak_held;		/* sockets, TIME_WAIT included */
	uint64_t last_seen_ms;
};

struct history {
	struct entity *items;
	size_t nr, cap; /* cap grows with nr, up to index_cap */
	size_t ring_cap;
	struct idmap index;
	size_t index_cap; /* the most entities kept */
};

/* Keep @ring_cap samples per entity, at most @max_entities entities. */
int history_init(struct history *h, size_t ring_cap, size_t max_entities);
void history_free(struct history *h);

/* The entity for @key, or NULL when there is none. */
struct entity *history_find(const struct history *h, const struct entity_key *key);
/* The current process entity of @tgid, or NULL (a scan: for the few judged each step). */
struct entity *history_find_process(const struct history *h, uint32_t tgid);

/* The entity for @key, created if new; NULL when full or out of memory.
 * Creating one may move the others: earlier pointers are then stale. */
struct entity *history_get(struct history *h, const struct entity_key *key);
void history_push(struct history *h, struct entity *e, const struct sample *s);
/* Give every entity a ring of @ring_cap samples, keeping the newest ones.
 * 0, or -ENOMEM with nothing changed. */
int history_resize(struct history *h, size_t ring_cap);

/* @e's newest sample; @e must have one (e->nr > 0). */
static inline const struct sample *history_latest(const struct history *h, const struct entity *e)
{
	return &e->ring[(e->head + h->ring_cap - 1) % h->ring_cap];
}

/*
 * Process entity @e is of the process that started at @start_time (clock
 * ticks after boot; 0: unknown, nothing changes). A pid reused in the same
 * group is a new process, and neither may be judged by the other's ports:
 * the old one's entity is retired (its key gets retired_start; it is never
 * sampled again and expires like any exited process's, its class and
 * samples kept for reports) and @e starts afresh. Returns @e, which may have
 * moved (as with history_get); *@reused says whether the pid was reused.
 */
struct entity *history_claim(struct history *h, struct entity *e, uint64_t start_time,
			     bool *reused);

/* Not an earlier process of a reused pid (history_claim)? */
static inline bool entity_current(const struct entity *e)
{
	return e->key.retired_start == 0;
}

/* Copy @e's samples, oldest first, into @buf (room for h->ring_cap). */
struct series history_series(const struct history *h, const struct entity *e, struct sample *buf);

/* Forget entities not seen since @before_ms (processes that exited). */
int history_expire(struct history *h, uint64_t before_ms);

#endif /* PW_HISTORY_H */
