/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The ABI shared by the BPF programs and userspace: every record that
 * crosses the ring buffer and every constant both sides need.
 *
 * Rules: fixed-width types only, no pointers, fields ordered from largest
 * to smallest, and a size assert below; the header must compile on its own
 * in a userspace build and after vmlinux.h in a BPF build.
 */
#ifndef PORTWARDEN_H
#define PORTWARDEN_H

#include "pw_common.h"

/* What the process was doing when the kernel allocated (or failed to allocate) a port. */
enum pw_op {
	PW_OP_CONNECT = 1,  /* connect(): TCP autobind, UDP autobind on connect */
	PW_OP_BIND = 2,	    /* bind() */
	PW_OP_LISTEN = 3,   /* listen() */
	PW_OP_AUTOBIND = 4, /* UDP sendto/sendmsg/sendmmsg on an unbound socket */
};

/* Which hook saw the event; tells the user how trustworthy the errno is. */
enum pw_source {
	PW_SRC_STATE = 1,   /* inet_sock_set_state tracepoint (errno inferred) */
	PW_SRC_CGROUP = 2,  /* cgroup socket hook */
	PW_SRC_SYSCALL = 3, /* syscall exit tracepoint (errno as returned) */
	PW_SRC_FEXIT = 4,   /* fexit on the kernel's port allocator */
	PW_SRC_RELEASE = 5, /* a port asked for and never got, seen at close (errno inferred) */
	PW_SRC_SEND = 6,    /* sock_send_length tracepoint (errno as returned) */
};

/* pw_event.flags */
#define PW_EVF_ALLOC_FAILED (1U << 0) /* the kernel could not find a free local port */
#define PW_EVF_OWNER_KNOWN  (1U << 1) /* tgid/pid/comm are the socket owner's, not unknown */

/* One connect/bind/listen/autobind outcome. Keep in sync with user/views/event_format.c. */
struct pw_event {
	__u64 ts_ns;	  /* CLOCK_MONOTONIC, from bpf_ktime_get_ns() */
	__u64 cookie;	  /* socket cookie, 0 where the hook cannot generate one */
	__u64 cgroup_id;  /* cgroup2 id of the socket, fixed at socket creation */
	__u64 cgroup1_id; /* v1 memory cgroup id of the owning task, 0 if unknown */
	__u32 tgid;	  /* process id (init pid namespace) */
	__u32 pid;	  /* thread id (init pid namespace) */
	__u32 netns;	  /* network namespace inode number */
	__s32 err;	  /* 0 on success, else a positive errno */
	__u8 saddr[PW_ADDR_LEN];
	__u8 daddr[PW_ADDR_LEN];
	__u16 sport;   /* host byte order; 0 when no port was allocated */
	__u16 dport;   /* host byte order */
	__u16 family;  /* AF_INET or AF_INET6 */
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 op;       /* enum pw_op */
	__u8 source;   /* enum pw_source */
	__u8 flags;    /* PW_EVF_* */
	__u8 pad[6];
	char comm[PW_COMM_LEN];
};

#define PW_EVENT_SIZE 112

/* In-kernel activity counters (map "activity"), per socket cgroup and
 * process. Cumulative: userspace takes differences between reads. */
struct pw_activity_key {
	__u64 cgroup_id;  /* cgroup2 id of the socket */
	__u64 cgroup1_id; /* v1 memory cgroup of the process when cgroup_id is the root, else 0 */
	__u32 tgid;       /* 0 where the kernel runs it outside the process (softirq) */
	__u32 pad;
};

enum pw_counter {
	PW_CNT_OPENS = 0,           /* connect() attempts and successful binds/autobinds */
	PW_CNT_CLOSES,              /* sockets closed that held a port */
	PW_CNT_FAIL_EADDRNOTAVAIL,  /* failed port allocations suffered, by errno */
	PW_CNT_FAIL_EADDRINUSE,
	PW_CNT_FAIL_EAGAIN,
	PW_CNT_NR,
};

struct pw_activity {
	__u64 n[PW_CNT_NR];
};

#define PW_ACTIVITY_MAX 16384

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct pw_event) == PW_EVENT_SIZE, "struct pw_event layout changed");
_Static_assert(sizeof(struct pw_activity_key) == 24, "struct pw_activity_key layout changed");
_Static_assert(sizeof(struct pw_activity) == 8 * PW_CNT_NR, "struct pw_activity layout changed");
#endif

#endif /* PORTWARDEN_H */
