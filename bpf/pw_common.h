/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * What every record shared by the BPF programs and userspace builds on: the
 * lengths of a task name and of an address, and the task that owns (or
 * closed) a socket. Defined here once; portwarden.h, sockets.h and the user
 * headers use these names. Same rules as the ABI headers: fixed-width types
 * only, no pointers, largest fields first, sizes asserted; compiles on its
 * own in a userspace build and after vmlinux.h in a BPF build.
 */
#ifndef PW_COMMON_H
#define PW_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PW_COMM_LEN 16 /* the kernel's TASK_COMM_LEN, NUL included */
#define PW_ADDR_LEN 16 /* room for an IPv6 address; IPv4 uses the first 4 bytes */

/* A task, as a BPF program saw it in process context. */
struct pw_owner {
	__u64 cgroup1_id; /* v1 memory cgroup of the task, 0 if unknown */
	__u32 tgid;	  /* process id (init pid namespace) */
	__u32 pid;	  /* thread id (init pid namespace) */
	char comm[PW_COMM_LEN];
};

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct pw_owner) == 32, "struct pw_owner layout changed");
#endif

#endif /* PW_COMMON_H */
