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

#define AF_INET 2
#define AF_INET6 10

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Addresses, ports, family and netns from the part every socket kind shares. */
static __always_inline void fill_common(struct pw_sock *r, const struct sock_common *skc)
{
	r->cookie = bpf_get_socket_cookie((void *)skc);
	r->family = BPF_CORE_READ(skc, skc_family);
	r->netns = BPF_CORE_READ(skc, skc_net.net, ns.inum);
	r->sport = BPF_CORE_READ(skc, skc_num);
	r->dport = bpf_ntohs(BPF_CORE_READ(skc, skc_dport));
	r->state = BPF_CORE_READ(skc, skc_state);
	if (r->family == AF_INET) {
		bpf_core_read(r->saddr, 4, &skc->skc_rcv_saddr);
		bpf_core_read(r->daddr, 4, &skc->skc_daddr);
	} else {
		bpf_core_read(r->saddr, 16, &skc->skc_v6_rcv_saddr);
		bpf_core_read(r->daddr, 16, &skc->skc_v6_daddr);
	}
}

static __always_inline __u64 cgroup_id_of(struct cgroup *cg)
{
	return cg ? BPF_CORE_READ(cg, kn, id) : 1;
}

/*
 * Was this TCP socket's port taken by bind() or listen() rather than by
 * connect()? __inet_hash_connect() creates its buckets with fastreuse -1;
 * bind-created buckets have 0 or 1, and connect() never reuses them.
 */
static __always_inline bool bind_created(const struct sock *sk)
{
	struct inet_bind_bucket *tb =
		BPF_CORE_READ((struct inet_connection_sock *)sk, icsk_bind_hash);

	return tb && BPF_CORE_READ(tb, fastreuse) >= 0;
}

static __always_inline void fill_closer(struct pw_sock *r)
{
	struct pw_closer *c = bpf_map_lookup_elem(&closers, &r->cookie);

	if (!c)
		return;
	r->flags |= PW_SOCKF_OWNER_KNOWN;
	r->tgid = c->tgid;
	r->cgroup1_id = c->cgroup1_id;
	if (!r->cgroup_id)
		r->cgroup_id = c->cgroup_id;
	__builtin_memcpy(r->comm, c->comm, sizeof(r->comm));
}

SEC("iter/task_file")
int sock_files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct pw_sock r = {};
	struct socket *sock;
	struct sock *sk;

	if (!task || !file)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk; /* a direct read keeps the BTF type the cookie helper needs */
	if (!sk)
		return 0;
	r.protocol = BPF_CORE_READ(sk, sk_protocol);
	if (r.protocol != IPPROTO_TCP && r.protocol != IPPROTO_UDP)
		return 0;
	fill_common(&r, &sk->__sk_common);
	if (r.family != AF_INET && r.family != AF_INET6)
		return 0;
	r.source = PW_SOCK_FILE;
	r.flags = PW_SOCKF_OWNER_KNOWN;
	if (r.protocol == IPPROTO_TCP && bind_created(sk))
		r.flags |= PW_SOCKF_BIND_BUCKET;
	r.cgroup_id = cgroup_id_of(sock_cgroup(sk));
	r.cgroup1_id = task_cgroup1_id(task);
	r.tgid = BPF_CORE_READ(task, tgid);
	r.fd = ctx->fd;
	bpf_probe_read_kernel_str(r.comm, sizeof(r.comm), task->comm);
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
	if (BPF_CORE_READ(skc, skc_state) == TCP_NEW_SYN_RECV)
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
		r.cgroup_id = cgroup_id_of(sock_cgroup((struct sock *)tp));
		if (bind_created((struct sock *)tp))
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
	r.cgroup_id = cgroup_id_of(sock_cgroup(sk));
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
