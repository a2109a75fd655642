/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The ABI of the reclaim iterator (bpf/reclaim.bpf.c, user/act/reclaim.c):
 * userspace puts the keys of the sockets to destroy in a map (a key as in
 * sockets.h: PW_KEY_INODE | inode, or the cookie), each with the TCP state
 * it must still be in; the iterator destroys those it meets and counts them.
 */
#ifndef PW_RECLAIM_ABI_H
#define PW_RECLAIM_ABI_H

#include "pw_common.h"

/* keys per iterator run; userspace runs it again for more */
#define PW_RECLAIM_KEYS_MAX 16384

/* pw_reclaim_want.state: the TCP state the socket must be in, and a flag */
#define PW_RECLAIM_STATE_MASK 0x0f
#define PW_RECLAIM_HOLDS_PORT 0x80 /* it holds a port of its own (not a server's side) */

/* pw_reclaim_want.seen: set by a survey walk that found the socket */
#define PW_RECLAIM_SEEN 1

/*
 * reclaim_keys' value. A survey walk (reclaim_survey set) destroys nothing:
 * it writes each socket's idle time. A reclaim walk destroys; an
 * ESTABLISHED socket only while it is still idle reclaim_idle_min jiffies.
 * Idle: nothing sent (tcp_sock.lsndtime) and nothing received
 * (icsk_ack.lrcvtime, tcp_info's last_data_recv) since; the ACKs and
 * keepalives a quiet connection still exchanges do not count.
 */
struct pw_reclaim_want {
	__u32 idle_jiffies; /* survey: out */
	__u8 state;	    /* PW_RECLAIM_STATE_MASK | PW_RECLAIM_HOLDS_PORT */
	__u8 seen;	    /* survey: out */
	__u8 pad[2];
};

/* reclaim_results' slots: 0..15 destroyed by TCP state, then these */
enum pw_reclaim_result {
	PW_RECLAIM_R_PORTS = 16,   /* destroyed sockets that held a port of their own */
	PW_RECLAIM_R_FAILED = 17,  /* bpf_sock_destroy() refused */
	PW_RECLAIM_R_CHANGED = 18, /* found, but no longer in the state asked for,
				    * or no longer idle */
	PW_RECLAIM_RESULTS = 20,
};

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct pw_reclaim_want) == 8, "struct pw_reclaim_want layout changed");
#endif

#endif /* PW_RECLAIM_ABI_H */
