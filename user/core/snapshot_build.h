/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* What snapshot.c hands snapshot_pools.c while a snapshot is being built. */
#ifndef PW_SNAPSHOT_BUILD_H
#define PW_SNAPSHOT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/snapshot.h"

#define SNAP_NONE UINT32_MAX

/* What the build knows about a socket beyond its struct snap_socket. */
struct sock_build {
	uint32_t table;	   /* record of the TCP or UDP iterator, or SNAP_NONE */
	uint32_t file;	   /* first iter/task_file record, or SNAP_NONE */
	uint32_t nr_files; /* iter/task_file records: one per fd, in any process */
	uint32_t owner;	   /* the one tgid its port is charged to; 0 if several or none */
	uint32_t group;	   /* index into snap->groups */
	bool bind_bucket;
};

struct holding;

struct snap_build {
	const struct inventory *inv;
	struct snapshot *snap;
	size_t cap_processes, cap_groups, cap_pools;
	uint32_t *rec_sock; /* per record: its socket, or SNAP_NONE once dropped */
	struct sock_build
		*per_sock; /* parallel to snap->sockets (to the merged sockets, at first) */
	size_t nr_merged;
	struct holding *holdings; /* (socket, process) pairs, each once */
	size_t nr_holdings;
};

/* Builds snap->pools from the charged and grouped sockets, and sorts them. */
int snapshot_build_pools(struct snap_build *b);

#endif /* PW_SNAPSHOT_BUILD_H */
