/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Who holds which socket, without BPF: /proc/PID/fd links to "socket:[INODE]"
 * as PW_SOCK_FILE records like iter/task_file's, and the join that gives
 * them the socket's fields from the table records (sockdiag.h).
 *
 * What the pair loses against iter/task_file:
 *  - /proc does not say what a socket is: procfd_complete() takes it from
 *    the table record of the same key and drops file records without one.
 *    Those are unix, netlink and other non-inet sockets (the iterator never
 *    wrote them), but also TCP sockets never bound (no port, no table),
 *    unbound UDP sockets, and, on kernels before 6.8 whose sock_diag cannot
 *    dump them, bound-but-inactive TCP sockets: a port they hold is missed.
 *  - PW_SOCKF_BIND_BUCKET, as the table record has it (see sockdiag.h).
 *  - cgroup1_id: only where the memory controller is mounted as cgroup v1
 *    (the inode number of its directory, as the iterator's kernfs id);
 *    on a cgroup2-only host the iterator records the memory controller's
 *    v2 cgroup, and we leave 0.
 *  - A snapshot of /proc is not atomic: a process that starts, exits or
 *    closes a socket during the walk may be seen in part. The iterator is
 *    not atomic across tasks either, but is much faster.
 */
#ifndef PW_PROCFD_H
#define PW_PROCFD_H

#include <sys/types.h>
#include "core/inventory.h"

/*
 * Append a PW_SOCK_FILE record for every socket file descriptor of every
 * process under the procfs root (procfs_set_root()): key PW_KEY_INODE |
 * inode, tgid, fd, comm, netns (the holder's, /proc/PID/ns/net, until
 * procfd_complete() sets the socket's) and cgroup1_id (0 when
 * @memory_mount, the v1 memory controller's mount point, is NULL or "").
 * Only thread-group leaders are listed in /proc, so threads sharing a file
 * table are seen once, as the iterator sees them. Processes that exit or
 * hide their fds mid-walk are skipped. Returns 0, -ENOMEM (records added
 * so far stay), or -errno when the procfs root cannot be read.
 * O(processes + fds), a readlink per fd.
 */
int procfd_scan(struct inventory *inv, const char *memory_mount);

/* The same for one process. Returns 0, -ENOMEM, or -errno (-ENOENT: gone). */
int procfd_scan_pid(struct inventory *inv, pid_t pid, const char *memory_mount);

/*
 * Once the table records (PW_SOCK_TCP/UDP) are in @inv: give each file
 * record the socket's protocol, family, addresses, ports, state, substate,
 * cgroup_id, netns and PW_SOCKF_BIND_BUCKET from the table record with its
 * key, and drop the file records that have none, keeping the order of the
 * rest. Returns how many were dropped, or -ENOMEM with @inv unchanged.
 * O(records), one hash index of the table records.
 */
int procfd_complete(struct inventory *inv);

#endif /* PW_PROCFD_H */
