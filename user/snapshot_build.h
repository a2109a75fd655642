/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* What snapshot.c hands snapshot_pools.c while a snapshot is being built. */
#ifndef PW_SNAPSHOT_BUILD_H
#define PW_SNAPSHOT_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

#define SNAP_NONE UINT32_MAX

struct merged;
struct holding;

struct snap_build {
	const struct inventory *inv;
	struct snapshot *snap;
	size_t cap_processes, cap_groups, cap_pools;
	uint32_t *rec_sock;    /* per record: its socket, or SNAP_NONE once dropped */
	struct merged *merged; /* per socket: the records that saw it */
	size_t nr_merged;
	struct holding *holdings; /* (socket, process) pairs, each once */
	size_t nr_holdings;
	uint32_t *owner;    /* per socket: the one tgid its port is charged to, 0 if several/none */
	uint32_t *group_of; /* per socket: index into snap->groups */
};

/* Room for @need elements in @arr (capacity *@cap): the new array, or NULL (@arr kept). */
void *snap_grow(void *arr, size_t *cap, size_t need, size_t size);

static inline int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

int group_key_cmp(const struct group_key *a, const struct group_key *b);

/* Builds snap->pools from the sockets, charged and grouped, and sorts them. */
int snapshot_build_pools(struct snap_build *b);

#endif /* PW_SNAPSHOT_BUILD_H */
