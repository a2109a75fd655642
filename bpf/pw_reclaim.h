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

/* reclaim_keys' value: the TCP state the socket must be in, and a flag */
#define PW_RECLAIM_STATE_MASK 0x0f
#define PW_RECLAIM_HOLDS_PORT 0x80 /* it holds a port of its own (not a server's side) */

/* reclaim_results' slots: 0..15 destroyed by TCP state, then these */
enum pw_reclaim_result {
	PW_RECLAIM_R_PORTS = 16,   /* destroyed sockets that held a port of their own */
	PW_RECLAIM_R_FAILED = 17,  /* bpf_sock_destroy() refused */
	PW_RECLAIM_R_CHANGED = 18, /* found, but no longer in the state asked for */
	PW_RECLAIM_RESULTS = 20,
};

#endif /* PW_RECLAIM_ABI_H */
