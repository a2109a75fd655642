// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Socket inventory: BPF iterators that write one struct pw_sock per socket.
//
// iter/task_file sees every socket a process holds, bound-but-idle ones
// included (they sit only in the bind hash, which no table walk shows).
// iter/tcp sees the listening and established hashes of one netns, TIME_WAIT
// and orphans included; iter/udp the UDP table of one netns. Userspace joins
// the three by socket cookie.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sockets.h"
#include "core_fixes.bpf.h"
#include "owner.bpf.h"

#define AF_INET	 2
#define AF_INET6 10

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Iterator context pointers, and what we reach from them, are BTF pointers:
 * the verifier lets us load their fields directly (vmlinux.h marks every
 * struct preserve_access_index, so the offsets stay CO-RE relocated). A
 * direct load is one instruction where BPF_CORE_READ is a helper call; at
 * 100k sockets the probe reads were 11% of a snapshot (BENCHMARKS.md).
 */

/* Addresses, ports, family and netns from the part every socket kind shares. */
static __always_inline void fill_common(struct pw_sock *r, struct sock_common *skc)
{
	r->cookie = bpf_get_socket_cookie((void *)skc);
	r->family = skc->skc_family;
	r->netns = skc->skc_net.net->ns.inum;
	r->sport = skc->skc_num;
	r->dport = bpf_ntohs(skc->skc_dport);
	r->state = skc->skc_state;
	if (r->family == AF_INET) {
		__builtin_memcpy(r->saddr, &skc->skc_rcv_saddr, 4);
		__builtin_memcpy(r->daddr, &skc->skc_daddr, 4);
	} else {
		__builtin_memcpy(r->saddr, &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(r->daddr, &skc->skc_v6_daddr, 16);
	}
}

/*
 * Was this TCP socket's port taken by bind() or listen() rather than by
 * connect()? __inet_hash_connect() creates its buckets with fastreuse -1;
 * bind-created buckets have 0 or 1, and connect() never reuses them.
 */
static __always_inline bool bind_created(struct tcp_sock *tp)
{
	struct inet_bind_bucket *tb = tp->inet_conn.icsk_bind_hash;

	return tb && tb->fastreuse >= 0;
}

static __always_inline void fill_closer(struct pw_sock *r)
{
	struct pw_closer c;

	if (!closer_lookup(r->cookie, &c))
		return;
	r->flags |= PW_SOCKF_OWNER_KNOWN;
	r->tgid = c.tgid;
	r->cgroup1_id = c.cgroup1_id;
	if (!r->cgroup_id)
		r->cgroup_id = c.cgroup_id;
	__builtin_memcpy(r->comm, c.comm, sizeof(r->comm));
}

SEC("iter/task_file")
int sock_files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct pw_sock r = {};
	struct socket *sock;
	struct tcp_sock *tp;
	struct sock *sk;

	if (!task || !file)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk)
		return 0;
	r.protocol = sk->sk_protocol;
	if (r.protocol != IPPROTO_TCP && r.protocol != IPPROTO_UDP)
		return 0;
	fill_common(&r, &sk->__sk_common);
	if (r.family != AF_INET && r.family != AF_INET6)
		return 0;
	r.source = PW_SOCK_FILE;
	r.flags = PW_SOCKF_OWNER_KNOWN;
	if (r.protocol == IPPROTO_TCP) {
		/* a struct sock pointer may not be read past its end: ask for the tcp_sock */
		tp = bpf_skc_to_tcp_sock(sk);
		if (tp && bind_created(tp))
			r.flags |= PW_SOCKF_BIND_BUCKET;
	}
	r.cgroup_id = sock_cgroup_id_btf(sk);
	r.cgroup1_id = task_cgroup1_id_btf(task);
	r.tgid = task->tgid;
	r.fd = ctx->fd;
	__builtin_memcpy(r.comm, task->comm, sizeof(r.comm));
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

SEC("iter/tcp")
int tcp_socks(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_timewait_sock *tw;
	struct pw_sock r = {};
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	/* request sockets hold their listener's port, already counted */
	if (skc->skc_state == TCP_NEW_SYN_RECV)
		return 0;
	fill_common(&r, skc);
	r.protocol = IPPROTO_TCP;
	r.source = PW_SOCK_TCP;
	if (r.state == TCP_TIME_WAIT) {
		tw = bpf_skc_to_tcp_timewait_sock(skc);
		if (tw)
			r.substate = tw->tw_sk.tw_substate;
	} else {
		tp = bpf_skc_to_tcp_sock(skc);
		if (!tp)
			return 0;
		r.cgroup_id = sock_cgroup_id_btf((struct sock *)tp);
		if (bind_created(tp))
			r.flags |= PW_SOCKF_BIND_BUCKET;
	}
	fill_closer(&r);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

SEC("iter/udp")
int udp_socks(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;
	struct pw_sock r = {};
	struct sock *sk;

	if (!udp)
		return 0;
	sk = (struct sock *)udp;
	fill_common(&r, &sk->__sk_common);
	r.protocol = IPPROTO_UDP;
	r.source = PW_SOCK_UDP;
	r.cgroup_id = sock_cgroup_id_btf(sk);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
