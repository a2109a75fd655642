// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Socket inventory: BPF iterators that write one struct pw_sock per socket.
//
// iter/task_file sees every socket a process holds, bound-but-idle ones
// included (they sit only in the bind hash, which no table walk shows).
// iter/tcp sees the listening and established hashes of one netns, TIME_WAIT
// and orphans included; iter/udp the UDP table of one netns. Userspace joins
// the three by key: the socket's inode number, or its cookie (sockets.h).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sockets.h"
#include "core_fixes.bpf.h"
#include "common.bpf.h"
#include "closers.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Each iterator comes in two forms, chosen at load by trying (user/kernel/calibrate.c).
 *
 * Fast: context pointers, and what we reach from them, are BTF pointers, and
 * most verifiers let us load their fields directly (vmlinux.h marks every
 * struct preserve_access_index, so the offsets stay CO-RE relocated). A
 * direct load is one instruction where BPF_CORE_READ is a helper call; at
 * 100k sockets the probe reads were 11% of a snapshot (BENCHMARKS.md).
 *
 * Safe: every pointer we walk is followed by a probe read, and helpers get
 * only the context's own pointers. Verifiers differ on walked pointers: some
 * builds mark them untrusted (sock->sk after bpf_sock_from_file(), skc_net),
 * and helpers that take sockets refuse those. Only loading tells which.
 */
const volatile bool safe_files = false;
const volatile bool safe_tcp = false;
const volatile bool safe_udp = false;

/* The inode number of @sock's file as a key (sockets.h), 0 if it has none. */
static __always_inline __u64 file_key(struct file *file, bool safe)
{
	__u64 ino;

	if (!file)
		return 0;
	ino = safe ? BPF_CORE_READ(file, f_inode, i_ino) : file->f_inode->i_ino;
	return ino ? PW_KEY_INODE | ino : 0;
}

/* The key of a socket found in a table: its file's, else its cookie. */
static __always_inline __u64 table_key(struct sock_common *skc, struct sock *sk, bool safe)
{
	struct socket *sock = NULL;
	__u64 key = 0;

	if (sk)
		sock = safe ? BPF_CORE_READ(sk, sk_socket) : sk->sk_socket;
	if (sock)
		key = file_key(safe ? BPF_CORE_READ(sock, file) : sock->file, safe);
	return key ? key : bpf_get_socket_cookie((void *)skc);
}

/* Addresses, ports, family and netns from the part every socket kind shares. */
static __always_inline void fill_common(struct pw_sock *r, struct sock_common *skc)
{
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

/* The same by probe reads. */
static __always_inline void fill_common_safe(struct pw_sock *r, struct sock_common *skc)
{
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

/* Was this TCP socket's port taken by bind() or listen() rather than by
 * connect()? @tp as for port_taker(): NULL reads @sk by probe reads. */
static __always_inline bool bind_created(struct sock *sk, struct tcp_sock *tp)
{
	return port_taker(sk, tp) == PORT_BY_BIND;
}

static __always_inline void fill_closer(struct pw_sock *r)
{
	struct pw_closer c;

	if ((r->key & PW_KEY_INODE) || !closer_lookup(r->key, &c))
		return;
	r->flags |= PW_SOCKF_OWNER_KNOWN;
	r->tgid = c.owner.tgid;
	r->cgroup1_id = c.owner.cgroup1_id;
	if (!r->cgroup_id)
		r->cgroup_id = c.cgroup_id;
	__builtin_memcpy(r->comm, c.owner.comm, sizeof(r->comm));
}

/* The socket behind a file, TCP or UDP; NULL for any other file. */
static __always_inline struct sock *inet_sock_of(struct file *file, __u8 *protocol)
{
	struct socket *sock = bpf_sock_from_file(file);
	struct sock *sk;

	if (!sock)
		return NULL;
	sk = safe_files ? BPF_CORE_READ(sock, sk) : sock->sk;
	if (!sk)
		return NULL;
	*protocol = safe_files ? BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) : sk->sk_protocol;
	return *protocol == IPPROTO_TCP || *protocol == IPPROTO_UDP ? sk : NULL;
}

SEC("iter/task_file")
int sock_files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct pw_sock r = {};
	struct tcp_sock *tp;
	struct sock *sk;

	if (!task || !file)
		return 0;
	sk = inet_sock_of(file, &r.protocol);
	if (!sk)
		return 0;
	if (safe_files)
		fill_common_safe(&r, &sk->__sk_common);
	else
		fill_common(&r, &sk->__sk_common);
	if (r.family != AF_INET && r.family != AF_INET6)
		return 0;
	r.key = file_key(file, safe_files);
	r.source = PW_SOCK_FILE;
	r.flags = PW_SOCKF_OWNER_KNOWN;
	if (r.protocol == IPPROTO_TCP) {
		if (safe_files) {
			if (bind_created(sk, NULL))
				r.flags |= PW_SOCKF_BIND_BUCKET;
		} else {
			/* a struct sock pointer may not be read past its end: ask for the tcp_sock */
			tp = bpf_skc_to_tcp_sock(sk);
			if (tp && bind_created((struct sock *)tp, tp))
				r.flags |= PW_SOCKF_BIND_BUCKET;
		}
	}
	r.cgroup_id = safe_files ? sock_cgroup_id_raw(sk) : sock_cgroup_id_btf(sk);
	r.cgroup1_id = safe_files ? task_cgroup1_id(task) : task_cgroup1_id_btf(task);
	r.tgid = task->tgid;
	/* the leader's: a thread's own start is not its process's; a probe
	 * read in both forms, the leader pointer being untrusted in the fast */
	r.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
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
	struct tcp_sock *tp = NULL;

	if (!skc)
		return 0;
	/* request sockets hold their listener's port, already counted */
	if (skc->skc_state == TCP_NEW_SYN_RECV)
		return 0;
	if (safe_tcp)
		fill_common_safe(&r, skc);
	else
		fill_common(&r, skc);
	r.protocol = IPPROTO_TCP;
	r.source = PW_SOCK_TCP;
	if (r.state == TCP_TIME_WAIT) {
		tw = bpf_skc_to_tcp_timewait_sock(skc);
		if (tw)
			r.substate = safe_tcp ? BPF_CORE_READ(tw, tw_sk.tw_substate) : tw->tw_sk.tw_substate;
	} else {
		tp = bpf_skc_to_tcp_sock(skc);
		if (!tp)
			return 0;
		if (safe_tcp) {
			r.cgroup_id = sock_cgroup_id_raw((struct sock *)tp);
			if (bind_created((struct sock *)tp, NULL))
				r.flags |= PW_SOCKF_BIND_BUCKET;
		} else {
			r.cgroup_id = sock_cgroup_id_btf((struct sock *)tp);
			if (bind_created((struct sock *)tp, tp))
				r.flags |= PW_SOCKF_BIND_BUCKET;
		}
	}
	r.key = table_key(skc, (struct sock *)tp, safe_tcp);
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
	if (safe_udp) {
		fill_common_safe(&r, &sk->__sk_common);
		r.cgroup_id = sock_cgroup_id_raw(sk);
	} else {
		fill_common(&r, &sk->__sk_common);
		r.cgroup_id = sock_cgroup_id_btf(sk);
	}
	r.key = table_key(&sk->__sk_common, sk, safe_udp);
	r.protocol = IPPROTO_UDP;
	r.source = PW_SOCK_UDP;
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
