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
// (and FIN_WAIT2 timewait) socks and accepted sockets are not counted (the
// snapshot's state_budget_held() leaves them out too). Userspace reconciles
// the count each sample.
//
// Refused: connect() on an unbound socket (TCP: EADDRNOTAVAIL, UDP: EAGAIN),
// bind(port 0) (EADDRINUSE) and a UDP send that just autobound (EAGAIN).
// Never refused: bind() to a fixed port.
// Without `run --enforce` (enforce false) or without bpf_set_retval (5.18)
// nothing is refused: what would have been is counted (dry_run 1).
//
// The lifeline (config lifeline) uses the same hooks and refusals: in a pool
// userspace marked engaged (lifeline_engaged, by netns cookie and, for
// connect, destination), a process neither in protected_tgids nor in a
// protected_cgroups cgroup gets the same errnos (reason lifeline). A
// protected process's children are protected from fork on
// (sched_process_fork), between userspace's samples.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "common.bpf.h"
#include "refusal.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BUDGET_SOCK_STREAM  1
#define BUDGET_SOCK_DGRAM   2
#define BUDGET_TCP_CLOSE    7
#define BUDGET_TCP_SYN_SENT 2
#define BUDGET_TCP_LISTEN   10
#define BUDGET_IPPROTO_TCP  6
#define BUDGET_AF_INET      2
#define BUDGET_AF_INET6     10

/* set before load: false on kernels without bpf_set_retval (the verifier
 * then never sees the call) */
const volatile bool use_retval = true;
/* run --enforce: refuse; else count only */
bool enforce = false;
/* some cgroup has a budget: else the hooks are attached for the lifeline
 * alone, the counting is skipped, and budget_state is not attached
 * (user/act/budget.c) */
bool budgets = false;
/* some pool is in lifeline_engaged (userspace keeps it so): else the lifeline
 * skips its lookup, a netns cookie and a 32-byte key hashed on every
 * connect() and bind(0) of the host (BENCHMARKS.md, section 1) */
bool engaged_any = false;

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
	__type(value, struct pw_budget_count);
} budget_held SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_REFUSAL_KEYS);
	__type(key, struct pw_refusal_key);
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

/* socket cookie -> the cgroup2 id of the cgroup it was made in, for the
 * sockets made in a cgroup with a budget until they take a port: the hooks
 * that see a port taken (post_bind, UDP connect and send) run in the
 * process that takes it, which may be another cgroup's (a socket passed
 * over SCM_RIGHTS before it took one, a process moved); the snapshot counts
 * a socket for the cgroup it was made in. Full, or a socket made before the
 * hooks: the taker's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, __u64);
} budget_maker SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_LIFELINE_POOLS);
	__type(key, struct pw_lifeline_key);
	__type(value, __u64); /* refusals in it (dry run: would-be ones) */
} lifeline_engaged SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_PROTECTED_TGIDS);
	__type(key, __u32);  /* tgid */
	__type(value, __u8); /* PW_PROTECT_* */
} protected_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_PROTECTED_CGRPS);
	__type(key, __u64); /* cgroup2 id */
	__type(value, __u8);
} protected_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_LIFELINE_STATS);
	__type(key, __u32);
	__type(value, __u64);
} lifeline_stats SEC(".maps");

/* UDP sockets seen taking a port (bind, connect, or a first unconnected
 * send): a send on one of them takes no new port, so the lifeline lets it
 * go. Socket storage: it goes with the socket, so no release hook has to
 * clean it up (one program run less on every close of the host). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} udp_seen SEC(".maps");

/* Not seen before (and now it is). No storage (out of memory): not first,
 * the lifeline lets the send go, as for a socket it saw. */
static bool first_port(struct bpf_sock *sk)
{
	if (bpf_sk_storage_get(&udp_seen, sk, 0, 0))
		return false;
	return bpf_sk_storage_get(&udp_seen, sk, 0, BPF_SK_STORAGE_GET_F_CREATE) != NULL;
}

static void stat_add(__u32 i)
{
	__u64 *n = bpf_map_lookup_elem(&lifeline_stats, &i);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Full, the refusal is counted in a stat, not lost silently. */
static void count_refusal(const struct pw_lifeline_key *pool, __u32 err, __u32 dry, __u16 reason)
{
	struct pw_refusal_key k = {.cgroup_id = bpf_get_current_cgroup_id(),
				   .pool = *pool,
				   .err = err,
				   .dry_run = dry,
				   .reason = reason};
	__u64 one = 1, *n = bpf_map_lookup_elem(&budget_refusals, &k);
	long e;

	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	e = bpf_map_update_elem(&budget_refusals, &k, &one, BPF_NOEXIST);
	if (e == -EEXIST && (n = bpf_map_lookup_elem(&budget_refusals, &k)))
		__sync_fetch_and_add(n, 1); /* another CPU made it meanwhile */
	else if (e)
		stat_add(PW_REFUSAL_NO_SLOT);
}

/* Refuse with @err for @reason, or (dry run, or @count_only) count only.
 * 1: go on; 0: refused. */
static int refuse(const struct pw_lifeline_key *pool, __u32 err, __u16 reason, bool count_only)
{
	if (!enforce || !use_retval || count_only) {
		count_refusal(pool, err, 1, reason);
		return 1;
	}
	count_refusal(pool, err, 0, reason);
	if (use_retval)
		bpf_set_retval(-(int)err);
	return 0;
}

/* 1: let the call go on; 0: refuse it with @err (when enforcing). */
static int check(const struct pw_lifeline_key *pool, __u32 err)
{
	__u64 cgroup_id;
	__u32 *max, limit;
	struct pw_budget_count *held;

	if (!budgets)
		return 1;
	cgroup_id = bpf_get_current_cgroup_id();
	max = bpf_map_lookup_elem(&budget_max, &cgroup_id);
	if (!max)
		return 1;
	limit = *max & ~PW_BUDGET_COUNT_ONLY;
	held = bpf_map_lookup_elem(&budget_held, &cgroup_id);
	if (!held || held->held < (__s64)limit)
		return 1;
	return refuse(pool, err, PW_REASON_BUDGET, *max & PW_BUDGET_COUNT_ONLY);
}

/* The pool this call allocates from, as the lifeline keys it. @kind
 * PW_POOL_*: tcp-connect by destination (the netns's tcp-bind pool counts
 * connect()'s ports too, but connect() shares a port between destinations:
 * that pool full leaves others open); tcp-bind and udp are netns-wide.
 * Inlined so that each program reads only the user_ip4/user_ip6 fields its
 * attach type has. */
static __always_inline void pool_of(struct bpf_sock_addr *ctx, __u8 kind, bool v6,
				    struct pw_lifeline_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->netns_cookie = bpf_get_netns_cookie(ctx);
	k->kind = kind;
	if (kind == PW_POOL_TCP_CONNECT) {
		k->family = ctx->user_family;
		k->rport = bpf_ntohs((__u16)ctx->user_port);
		if (v6) {
			__u32 a[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
				      ctx->user_ip6[3]};

			__builtin_memcpy(k->raddr, a, sizeof(a));
		} else {
			__u32 a = ctx->user_ip4;

			__builtin_memcpy(k->raddr, &a, sizeof(a));
		}
	}
}

static bool is_protected(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 cgroup_id = bpf_get_current_cgroup_id();

	return bpf_map_lookup_elem(&protected_tgids, &tgid) ||
	       bpf_map_lookup_elem(&protected_cgroups, &cgroup_id);
}

/* The lifeline: 1 go on; 0 refused. The pool's count tells userspace that
 * others are refused there (the hog rule). */
static int lifeline(const struct pw_lifeline_key *pool, __u32 err)
{
	__u64 *refused;

	if (!engaged_any)
		return 1;
	refused = bpf_map_lookup_elem(&lifeline_engaged, pool);
	if (!refused || is_protected())
		return 1;
	__sync_fetch_and_add(refused, 1);
	return refuse(pool, err, PW_REASON_LIFELINE, false); /* enforce = no too: the lifeline keeps ports for others */
}

/* The budget, then the lifeline. 1: go on; 0: refused with @err. */
static __always_inline int check_all(struct bpf_sock_addr *ctx, __u32 err, __u8 kind, bool v6)
{
	struct pw_lifeline_key pool;

	if (!budgets && !engaged_any)
		return 1; /* the common case: nothing to check, no pool key to make */
	pool_of(ctx, kind, v6, &pool);
	return check(&pool, err) ? lifeline(&pool, err) : 0;
}

static void add_held(__u64 cgroup_id, __s64 d)
{
	struct pw_budget_count *c = bpf_map_lookup_elem(&budget_held, &cgroup_id);

	if (c) {
		__sync_fetch_and_add(&c->held, d);
		__sync_fetch_and_add(&c->changes, 1);
	} else if (d > 0) {
		struct pw_budget_count n = {.held = d, .changes = 1};

		bpf_map_update_elem(&budget_held, &cgroup_id, &n, BPF_NOEXIST);
	}
}

/*
 * The socket @cookie took a port: counted for @cgroup_id, the cgroup the
 * socket was made in (the one the snapshot counts it for), not the current
 * process's: a socket passed to another process (SCM_RIGHTS) before it took
 * its port, or whose process moved, stays its maker's cgroup's.
 */
static void take(__u64 cookie, __u64 cgroup_id)
{
	if (!budgets || !cookie)
		return;
	if (!bpf_map_lookup_elem(&budget_max, &cgroup_id))
		return;
	if (bpf_map_update_elem(&budget_owner, &cookie, &cgroup_id, BPF_NOEXIST))
		return; /* counted already (or the map is full) */
	add_held(cgroup_id, 1);
}

/* The cgroup the socket @cookie was made in (budget_maker, forgotten now:
 * the port is taken), else the current process's. */
static __u64 maker_of(__u64 cookie)
{
	__u64 *maker = bpf_map_lookup_elem(&budget_maker, &cookie), id;

	if (!maker)
		return bpf_get_current_cgroup_id();
	id = *maker;
	bpf_map_delete_elem(&budget_maker, &cookie);
	return id;
}

/* A socket made: its cgroup remembered when that has a budget. */
SEC("cgroup/sock_create")
int budget_create(struct bpf_sock *ctx)
{
	__u64 cgroup_id, cookie;

	if (!budgets)
		return 1;
	cgroup_id = bpf_get_current_cgroup_id();
	if (!bpf_map_lookup_elem(&budget_max, &cgroup_id))
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	bpf_map_update_elem(&budget_maker, &cookie, &cgroup_id, BPF_ANY);
	return 1;
}

static void give_back(__u64 cookie)
{
	__u64 *owner = bpf_map_lookup_elem(&budget_owner, &cookie);

	if (!owner)
		return;
	add_held(*owner, -1);
	bpf_map_delete_elem(&budget_owner, &cookie);
}

static __always_inline int connecting(struct bpf_sock_addr *ctx, bool v6)
{
	struct bpf_sock *sk = ctx->sk;
	__u64 cookie;

	if (!sk || sk->src_port) /* bound already: no port to take */
		return 1;
	if (ctx->type == BUDGET_SOCK_STREAM) /* counted at SYN_SENT */
		return check_all(ctx, EADDRNOTAVAIL, PW_POOL_TCP_CONNECT, v6);
	if (ctx->type != BUDGET_SOCK_DGRAM)
		return 1;
	if (!check_all(ctx, EAGAIN, PW_POOL_UDP, v6))
		return 0;
	first_port(sk); /* UDP: the port is taken right after this hook */
	if (budgets) {
		cookie = bpf_get_socket_cookie(ctx);
		take(cookie, maker_of(cookie));
	}
	return 1;
}

SEC("cgroup/connect4")
int budget_connect4(struct bpf_sock_addr *ctx)
{
	return connecting(ctx, false);
}

SEC("cgroup/connect6")
int budget_connect6(struct bpf_sock_addr *ctx)
{
	return connecting(ctx, true);
}

/* bind(port 0) only: a fixed port (a server's) is never refused */
static __always_inline int binding(struct bpf_sock_addr *ctx, bool v6)
{
	if (ctx->user_port)
		return 1;
	return check_all(ctx, EADDRINUSE,
			 ctx->type == BUDGET_SOCK_DGRAM ? PW_POOL_UDP : PW_POOL_TCP_BIND, v6);
}

SEC("cgroup/bind4")
int budget_bind4(struct bpf_sock_addr *ctx)
{
	return binding(ctx, false);
}

SEC("cgroup/bind6")
int budget_bind6(struct bpf_sock_addr *ctx)
{
	return binding(ctx, true);
}

/* bind() took a port (post_bind runs on success only) */
static __always_inline int bound(struct bpf_sock *ctx)
{
	__u64 cookie;

	if (ctx->type == BUDGET_SOCK_DGRAM)
		first_port(ctx);
	if (budgets) {
		cookie = bpf_get_socket_cookie(ctx);
		take(cookie, maker_of(cookie));
	}
	return 1;
}

SEC("cgroup/post_bind4")
int budget_post_bind4(struct bpf_sock *ctx)
{
	return bound(ctx);
}

SEC("cgroup/post_bind6")
int budget_post_bind6(struct bpf_sock *ctx)
{
	return bound(ctx);
}

/* An unconnected UDP send: the kernel ran the autobind just before this
 * hook, so a socket not yet counted took its port now. It is counted
 * (it holds the port until it closes); over budget, the send is refused
 * with EAGAIN, as when the pool is empty. */
static __always_inline int sending(struct bpf_sock_addr *ctx, bool v6)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct pw_lifeline_key pool;
	bool fresh, count;
	int ok;

	if (!ctx->sk || ctx->type != BUDGET_SOCK_DGRAM)
		return 1;
	fresh = first_port(ctx->sk);
	count = budgets && !bpf_map_lookup_elem(&budget_owner, &cookie);
	/* a socket that sent or bound before holds its port already: a busy
	 * server's sends stop here */
	if (!fresh && !count)
		return 1;
	pool_of(ctx, PW_POOL_UDP, v6, &pool);
	if (count) {
		ok = check(&pool, EAGAIN);
		take(cookie, maker_of(cookie));
		if (!ok)
			return 0;
	}
	return fresh ? lifeline(&pool, EAGAIN) : 1;
}

SEC("cgroup/sendmsg4")
int budget_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sending(ctx, false);
}

SEC("cgroup/sendmsg6")
int budget_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sending(ctx, true);
}

/* UDP gives its port back at close; so does a TCP socket still in CLOSE
 * (bound, never connected, or its connect failed). Budgets only: attached
 * while a cgroup has one (user/act/budget.c). */
SEC("cgroup/sock_release")
int budget_release(struct bpf_sock *ctx)
{
	__u64 cookie;

	/* A TCP socket past CLOSE (other than listening, whose port listen()
	 * may have taken unseen) has nothing here: its maker was forgotten at
	 * SYN_SENT or it was accepted (never made in a hook), and ->CLOSE
	 * gives its port back. Most closes of a host are these: two hash
	 * lookups saved on each (BENCHMARKS.md, section 8). A maker left from
	 * before the hooks were last detached is dropped then (budget.c). */
	if (ctx->protocol == BUDGET_IPPROTO_TCP && ctx->state != BUDGET_TCP_CLOSE &&
	    ctx->state != BUDGET_TCP_LISTEN)
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	bpf_map_delete_elem(&budget_maker, &cookie); /* a socket that never took a port */
	if (ctx->type == BUDGET_SOCK_DGRAM || ctx->state == BUDGET_TCP_CLOSE)
		give_back(cookie);
	return 1;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(budget_state, struct sock *sk, int oldstate, int newstate)
{
	if (!budgets)
		return 0;
	if (oldstate == BUDGET_TCP_CLOSE && newstate == BUDGET_TCP_SYN_SENT) {
		__u64 cookie = bpf_get_socket_cookie(sk);

		bpf_map_delete_elem(&budget_maker, &cookie); /* the socket tells its own */
		take(cookie, sock_cgroup_id_btf(sk));
	}
	else if (newstate == BUDGET_TCP_CLOSE)
		give_back(bpf_get_socket_cookie(sk));
	return 0;
}

/* A child of a protected process that passes protection on is protected from
 * its first instruction: a login shell sshd forks, its PAM helpers, the
 * lookups they make, before userspace's next sample sees them. Threads
 * share the tgid: nothing to add. Full, the child is counted. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(lifeline_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 *how = bpf_map_lookup_elem(&protected_tgids, &ptgid), inherit = PW_PROTECT_INHERIT;

	if (!how || *how != PW_PROTECT_INHERIT || ptgid == ctgid)
		return 0;
	if (bpf_map_update_elem(&protected_tgids, &ctgid, &inherit, BPF_ANY))
		stat_add(PW_LIFELINE_INHERIT_FULL);
	return 0;
}

/* Gone: its tgid may come back as anyone's */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(lifeline_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;

	if (p->pid == tgid)
		bpf_map_delete_elem(&protected_tgids, &tgid);
	return 0;
}
