/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The ABI of the socket inventory: records the BPF iterators write, and the
 * map of who closed a socket, shared by the state tracepoint (writer) and
 * the TCP iterator (reader). Same rules as portwarden.h: fixed width, no
 * pointers, largest fields first, size asserted.
 */
#ifndef PW_SOCKETS_H
#define PW_SOCKETS_H

#include "pw_common.h"

#define PW_CLOSERS_MAX 262144 /* default tcp_max_tw_buckets is ehash/2; room for orphans too */

/* Which iterator saw the socket. */
enum pw_sock_source {
	PW_SOCK_FILE = 1, /* iter/task_file: a process holds it through a file descriptor */
	PW_SOCK_TCP = 2,  /* iter/tcp: listening and established hash, TIME_WAIT included */
	PW_SOCK_UDP = 3,  /* iter/udp */
};

/* pw_sock.flags */
#define PW_SOCKF_BIND_BUCKET (1U << 0) /* its port was taken by bind()/listen(), not connect() */
#define PW_SOCKF_OWNER_KNOWN (1U << 1) /* tgid/comm: the holder (file) or the closer (tcp) */

/*
 * pw_sock.key: what the records of one socket from different sources share.
 * A socket that has a file (a sockfs inode: every socket a process made) is
 * keyed by that inode number with PW_KEY_INODE set; one without (TIME_WAIT,
 * orphans, kernel sockets) by its cookie. Cookies are made lazily, by the
 * first reader that asks (bpf_get_socket_cookie, SO_COOKIE, an `ss` dump):
 * a walk that read the cookie field saw 0 for a socket nobody had asked
 * about, and one that asked made a new one, so the two walks' records of one
 * socket did not meet. Inode numbers exist from socket() on, and the
 * kernel's socket diagnostics report them too (idiag_inode). Cookies count
 * up from 1 and never reach bit 63.
 */
#define PW_KEY_INODE (1ULL << 63)

/* One socket as an iterator saw it. Keep in sync with user/core/inventory.c. */
struct pw_sock {
	__u64 key; /* PW_KEY_INODE | inode, or the socket cookie (see above) */
	__u64 cgroup_id;  /* cgroup2 id of the socket; for TIME_WAIT, recorded at close */
	__u64 cgroup1_id; /* v1 memory cgroup of the holder or closer, 0 if unknown */
	__u64 start_ns;   /* PW_SOCK_FILE: when the holder started, ns after boot (its
			   * group leader's start_boottime): with tgid, its identity
			   * when a pid is reused; 0 if unknown */
	__u32 tgid;       /* holder (PW_SOCK_FILE) or closer (PW_SOCK_TCP), 0 if unknown */
	__u32 netns;      /* network namespace inode number */
	__u32 fd;         /* PW_SOCK_FILE: the file descriptor */
	__u16 sport; /* host order; 0: no local port */
	__u16 dport; /* host order */
	__u16 family;
	__u8 protocol;
	__u8 state;    /* the kernel's TCP state; UDP uses TCP_CLOSE/TCP_ESTABLISHED too */
	__u8 substate; /* TIME_WAIT sockets: TIME_WAIT or FIN_WAIT2 */
	__u8 source;   /* enum pw_sock_source */
	__u8 flags;    /* PW_SOCKF_* */
	__u8 pad;
	__u8 saddr[PW_ADDR_LEN];
	__u8 daddr[PW_ADDR_LEN];
	char comm[PW_COMM_LEN];
};

#define PW_SOCK_SIZE 104

/* Who closed a TCP socket, keyed by socket cookie: a TIME_WAIT socket has no
 * owner left in the kernel, but it keeps the cookie. */
struct pw_closer {
	__u64 cgroup_id; /* cgroup2 id of the socket */
	struct pw_owner owner;
};

/* One slot of the closers map (bpf/closers.bpf.h), as userspace reads it
 * too (sock_diag records keyed by cookie). */
struct pw_closer_slot {
	__u64 cookie; /* whose record the slot holds; 0 while it is being written */
	struct pw_closer closer;
};

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct pw_sock) == PW_SOCK_SIZE, "struct pw_sock layout changed");
_Static_assert(sizeof(struct pw_closer) == 40, "struct pw_closer layout changed");
_Static_assert(sizeof(struct pw_closer_slot) == 48, "struct pw_closer_slot layout changed");
#endif

#endif /* PW_SOCKETS_H */
