// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The reclaim rung: an iter/tcp program that destroys the sockets whose keys
// userspace put in reclaim_keys (bpf_sock_destroy(), as `ss -K` does through
// sock_diag), so that their ports come back while the process lives on; or,
// first, a survey of how long those keys' connections have been idle.
//
// bpf_sock_destroy() is a kfunc of 6.5 (4ddbcb886268, "bpf: Add
// bpf_sock_destroy kfunc"), callable only from iter/tcp and iter/udp. A
// kernel without it refuses to load this object: user/act/reclaim.c then
// says reclaim is unavailable and the ladder has no such rung. An own object,
// so that the snapshot's iterators load on kernels that refuse this one.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sockets.h"
#include "pw_reclaim.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_RECLAIM_KEYS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* empty between reclaims */
	__type(key, __u64);		      /* the socket's key (sockets.h) */
	__type(value, struct pw_reclaim_want);
} reclaim_keys SEC(".maps");

/* Set by userspace before each walk (pw_reclaim.h). */
bool reclaim_survey = false;
__u32 reclaim_idle_min = 0; /* jiffies; 0: ESTABLISHED sockets are never destroyed */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_RECLAIM_RESULTS);
	__type(key, __u32);
	__type(value, __u64);
} reclaim_results SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&reclaim_results, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* The key the snapshot knows the socket by: its file's inode, else its
 * cookie. Probe reads: walked pointers may be untrusted on some builds. */
static __always_inline __u64 sock_key(struct sock_common *skc, struct tcp_sock *tp)
{
	struct socket *sock = BPF_CORE_READ(tp, inet_conn.icsk_inet.sk.sk_socket);
	__u64 ino = 0;

	if (sock)
		ino = BPF_CORE_READ(sock, file, f_inode, i_ino);
	return ino ? PW_KEY_INODE | ino : bpf_get_socket_cookie(skc);
}

/* Jiffies since @tp last sent or received data (u32 arithmetic, as the
 * kernel's tcp_jiffies32 stamps wrap). Probe reads, as for sock_key(). */
static __always_inline __u32 idle_jiffies(struct tcp_sock *tp)
{
	__u32 now = (__u32)bpf_jiffies64();
	__u32 sent = now - BPF_CORE_READ(tp, lsndtime);
	__u32 rcvd = now - BPF_CORE_READ(tp, inet_conn.icsk_ack.lrcvtime);

	return sent < rcvd ? sent : rcvd;
}

SEC("iter/tcp")
int reclaim_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct pw_reclaim_want *want;
	struct tcp_sock *tp;
	__u8 state;
	__u64 key;

	if (!skc)
		return 0;
	state = BPF_CORE_READ(skc, skc_state);
	/* only full sockets: bpf_sock_destroy() reads sk_protocol, which a
	 * TIME_WAIT or request sock does not have */
	if (state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	key = sock_key(skc, tp);
	want = bpf_map_lookup_elem(&reclaim_keys, &key);
	if (!want)
		return 0;
	if (reclaim_survey) {
		want->idle_jiffies = idle_jiffies(tp);
		want->seen = PW_RECLAIM_SEEN;
		return 0;
	}
	/* the snapshot is a moment old: a socket that moved on is spared,
	 * and so is an idle one that woke up since the survey */
	if ((want->state & PW_RECLAIM_STATE_MASK) != state ||
	    (state == TCP_ESTABLISHED &&
	     (!reclaim_idle_min || idle_jiffies(tp) < reclaim_idle_min))) {
		count(PW_RECLAIM_R_CHANGED);
		return 0;
	}
	if (bpf_sock_destroy(skc)) {
		count(PW_RECLAIM_R_FAILED);
		return 0;
	}
	count(state & PW_RECLAIM_STATE_MASK);
	if (want->state & PW_RECLAIM_HOLDS_PORT)
		count(PW_RECLAIM_R_PORTS);
	return 0;
}
