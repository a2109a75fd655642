/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The lifeline's ABI (bpf/budget.bpf.c, user/act/budget.c): engaged pools as
 * the hooks match them, protected processes. Fixed width, size asserted.
 */
#ifndef PW_LIFELINE_H
#define PW_LIFELINE_H

#include "pw_common.h"

#define PW_LIFELINE_POOLS  1024  /* engaged pools */
#define PW_PROTECTED_TGIDS 16384 /* protected processes (inherited ones included) */
#define PW_PROTECTED_CGRPS 1024  /* protected cgroup2 cgroups */

/* enum pool_kind (user/core/snapshot.h) */
#define PW_POOL_TCP_CONNECT 0
#define PW_POOL_TCP_BIND    1
#define PW_POOL_UDP	    2

/*
 * An engaged pool. tcp-connect: per destination (family, raddr, rport) in a
 * netns; the local address is not known before connect() picks it, so pools
 * to one destination from several local addresses share a key. tcp-bind
 * and udp: netns-wide (family 0, raddr and rport 0). The netns by its
 * cookie, as bpf_get_netns_cookie() gives it.
 */
struct pw_lifeline_key {
	__u64 netns_cookie;
	__u8 raddr[PW_ADDR_LEN]; /* IPv4: the first 4 bytes, network order */
	__u16 rport;		 /* host order */
	__u16 family;
	__u8 kind; /* PW_POOL_* */
	__u8 pad[3];
};

/* protected_tgids values */
#define PW_PROTECT_SELF	   1 /* protected, its children are not */
#define PW_PROTECT_INHERIT 2 /* protected, and so is each child it forks */

/* lifeline_stats indexes */
#define PW_LIFELINE_INHERIT_FULL 0 /* a child not protected: the map was full */
#define PW_REFUSAL_NO_SLOT	 1 /* a refusal not counted: budget_refusals was full */
#define PW_LIFELINE_STATS	 2

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct pw_lifeline_key) == 32, "struct pw_lifeline_key layout changed");
#endif

#endif /* PW_LIFELINE_H */
