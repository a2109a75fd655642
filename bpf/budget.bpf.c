// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Port budgets (config ports_max): a cgroup at its budget gets the errno the
// kernel gives for an exhausted pool, before a port is taken.
//
// Held ports are counted per cgroup2 id, for the cgroups userspace put in
// budget_max only: +1 where a socket takes a local port (post_bind for any
// explicit or port-0 bind, CLOSE->SYN_SENT for TCP connect's autobind, the
// connect and sendmsg hooks for UDP's), -1 where it gives it back (->CLOSE
// for TCP, the socket's release for UDP and for TCP sockets that never left
// CLOSE). budget_owner remembers, by socket cookie, which cgroup a socket
// was counted for, so each socket counts once and is given back once, whoever closes it. TIME_WAIT
// and accepted sockets are not counted (the snapshot's state_ports_held()
// leaves them out too). Userspace reconciles the count each sample.
//
// Refused: connect() on an unbound socket (TCP: EADDRNOTAVAIL, UDP: EAGAIN),
// bind(port 0) (EADDRINUSE) and a UDP send that just autobound (EAGAIN).
// Never refused: bind() to a fixed port.
// Without `run --enforce` (enforce false) or without bpf_set_retval (5.18)
// nothing is refused: what would have been is counted (dry_run 1).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BUDGET_SOCK_STREAM  1
#define BUDGET_SOCK_DGRAM   2
#define BUDGET_TCP_CLOSE    7
#define BUDGET_TCP_SYN_SENT 2

/* set before load: false on kernels without bpf_set_retval (the verifier
 * then never sees the call) */
const volatile bool use_retval = true;
/* run --enforce: refuse; else count only */
bool enforce = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);   /* cgroup2 id */
	__type(value, __u32); /* ports_max */
} budget_max SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);   /* cgroup2 id */
	__type(value, __s64); /* ports held */
} budget_held SEC(".maps");

struct budget_refusal_key {
	__u64 cgroup_id;
	__u32 err;     /* positive errno */
	__u32 dry_run; /* 1: counted, not refused */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct budget_refusal_key);
	__type(value, __u64);
} budget_refusals SEC(".maps");

/* socket cookie -> the cgroup2 id it was counted for. A hash, not socket
 * storage: Debian's 7.3 kernel gave no storage to these hooks
 * (bpf_sk_storage_get returned NULL for every socket). Full, a socket goes
 * uncounted until the reconcile. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, __u64);
} budget_owner SEC(".maps");

static void count_refusal(__u64 cgroup_id, __u32 err, __u32 dry)
{
	struct budget_refusal_key k = {.cgroup_id = cgroup_id, .err = err, .dry_run = dry};
	__u64 one = 1, *n = bpf_map_lookup_elem(&budget_refusals, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&budget_refusals, &k, &one, BPF_NOEXIST);
}

/* 1: let the call go on; 0: refuse it with @err (when enforcing). */
static int check(__u32 err)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	__u32 *max = bpf_map_lookup_elem(&budget_max, &cgroup_id);
	__s64 *held;

	if (!max)
		return 1;
	held = bpf_map_lookup_elem(&budget_held, &cgroup_id);
	if (!held || *held < (__s64)*max)
		return 1;
	if (!enforce || !use_retval) {
		count_refusal(cgroup_id, err, 1);
		return 1;
	}
	count_refusal(cgroup_id, err, 0);
	if (use_retval)
		bpf_set_retval(-(int)err);
	return 0;
}

static void add_held(__u64 cgroup_id, __s64 d)
{
	__s64 *held = bpf_map_lookup_elem(&budget_held, &cgroup_id);

	if (held)
		__sync_fetch_and_add(held, d);
	else if (d > 0)
		bpf_map_update_elem(&budget_held, &cgroup_id, &d, BPF_NOEXIST);
}

/* The socket @cookie took a port, in the current process's cgroup. */
static void take(__u64 cookie)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();

	if (!cookie || !bpf_map_lookup_elem(&budget_max, &cgroup_id))
		return;
	if (bpf_map_update_elem(&budget_owner, &cookie, &cgroup_id, BPF_NOEXIST))
		return; /* counted already (or the map is full) */
	add_held(cgroup_id, 1);
}

static void give_back(__u64 cookie)
{
	__u64 *owner = bpf_map_lookup_elem(&budget_owner, &cookie);

	if (!owner)
		return;
	add_held(*owner, -1);
	bpf_map_delete_elem(&budget_owner, &cookie);
}

static int connecting(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	if (!sk || sk->src_port) /* bound already: no port to take */
		return 1;
	if (ctx->type == BUDGET_SOCK_STREAM)
		return check(EADDRNOTAVAIL); /* counted at SYN_SENT */
	if (ctx->type != BUDGET_SOCK_DGRAM)
		return 1;
	if (!check(EAGAIN))
		return 0;
	take(bpf_get_socket_cookie(ctx)); /* UDP: the port is taken right after this hook */
	return 1;
}

SEC("cgroup/connect4")
int budget_connect4(struct bpf_sock_addr *ctx)
{
	return connecting(ctx);
}

SEC("cgroup/connect6")
int budget_connect6(struct bpf_sock_addr *ctx)
{
	return connecting(ctx);
}

/* bind(port 0) only: a fixed port (a server's) is never refused */
SEC("cgroup/bind4")
int budget_bind4(struct bpf_sock_addr *ctx)
{
	return ctx->user_port ? 1 : check(EADDRINUSE);
}

SEC("cgroup/bind6")
int budget_bind6(struct bpf_sock_addr *ctx)
{
	return ctx->user_port ? 1 : check(EADDRINUSE);
}

SEC("cgroup/post_bind4")
int budget_post_bind4(struct bpf_sock *ctx)
{
	take(bpf_get_socket_cookie(ctx));
	return 1;
}

SEC("cgroup/post_bind6")
int budget_post_bind6(struct bpf_sock *ctx)
{
	take(bpf_get_socket_cookie(ctx));
	return 1;
}

/* An unconnected UDP send: the kernel ran the autobind just before this
 * hook, so a socket not yet counted took its port now. It is counted
 * (it holds the port until it closes); over budget, the send is refused
 * with EAGAIN, as when the pool is empty. */
static int sending(struct bpf_sock_addr *ctx)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	int ok;

	if (!ctx->sk || ctx->type != BUDGET_SOCK_DGRAM ||
	    bpf_map_lookup_elem(&budget_owner, &cookie))
		return 1;
	ok = check(EAGAIN);
	take(cookie);
	return ok;
}

SEC("cgroup/sendmsg4")
int budget_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sending(ctx);
}

SEC("cgroup/sendmsg6")
int budget_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sending(ctx);
}

/* UDP gives its port back at close; so does a TCP socket still in CLOSE
 * (bound, never connected, or its connect failed) */
SEC("cgroup/sock_release")
int budget_release(struct bpf_sock *ctx)
{
	if (ctx->type == BUDGET_SOCK_DGRAM || ctx->state == BUDGET_TCP_CLOSE)
		give_back(bpf_get_socket_cookie(ctx));
	return 1;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(budget_state, struct sock *sk, int oldstate, int newstate)
{
	if (oldstate == BUDGET_TCP_CLOSE && newstate == BUDGET_TCP_SYN_SENT)
		take(bpf_get_socket_cookie(sk));
	else if (newstate == BUDGET_TCP_CLOSE)
		give_back(bpf_get_socket_cookie(sk));
	return 0;
}
