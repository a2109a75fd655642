// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Kernel side of the event path: port allocation outcomes into a ring buffer,
// and the activity counters and closers table the guard reads (see
// "activity" below for why they are not an object of their own).
//
// Four groups of programs, one section each below; the loader
// (user/kernel/loader.c) picks which load, by mode and by what the kernel takes:
//  - state: the TCP state tracepoint, in tp_btf and classic flavours (one is
//    loaded). It sees TCP connect and listen outcomes, io_uring included, and
//    costs nothing on unrelated syscalls. With it where the kernel allows,
//    cgroup/post_bind4/6: bind() successes with their port.
//  - port requests (without fexit, not in syscall mode): cgroup/bind4/6,
//    connect4/6 and sock_release, and the sock_send_length tracepoint, for
//    bind(0) and UDP autobind failures, which no state change shows.
//  - syscall: enter/exit tracepoints for the failures only a syscall's return
//    shows (bind EADDRINUSE, UDP autobind EAGAIN). Attaching any syscall
//    tracepoint sends every syscall on the host through the slow path.
//  - fexit: the port allocators' returns (inet_csk_get_port,
//    udp_lib_get_port), with cgroup/bind4/6 markers: every outcome, no
//    syscall cost, where the kernel allows fexit.
// The quarantine hook, an actuator, is an object of its own (quarantine.bpf.c).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "portwarden.h"
#include "core_fixes.bpf.h"
#include "common.bpf.h"
#include "closers.bpf.h"

#define S_IFMT	      00170000
#define S_IFSOCK      0140000

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Load-time filters, set by userspace before load. */
const volatile __u32 targ_tgid = 0;	    /* 0: every process */
const volatile __u64 targ_cgroup_id = 0;    /* 0: every cgroup; else this subtree */
const volatile __s32 targ_cgroup_level = 0; /* depth of targ_cgroup_id below the root */
const volatile __u8 targ_failed_only = 0;   /* 1: only failed port allocations */
const volatile __u8 targ_accounting = 0;    /* 1: count activity, record who closes sockets */

/* Events that did not fit in the ring buffer; userspace reports them. */
__u64 lost_events = 0;
__u64 activity_dropped = 0; /* counts an activity entry could not be made for */
__u64 activity_inserts = 0; /* entries made: less those present, the LRU evicted */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Who started a TCP connect, recorded in process context at CLOSE->SYN_SENT
 * because the outcome (SYN_SENT->ESTABLISHED) often runs in softirq, where
 * the current task is unrelated. Keyed by socket address, deleted at the
 * outcome; LRU so sockets we never see finish cannot fill it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct pw_owner);
} connect_owners SEC(".maps");

/* A socket syscall in flight, from enter to exit, keyed by pid_tgid. */
struct pending_call {
	__u64 sk;
	struct sockaddr_in6 uaddr; /* the caller's sockaddr (bind: local, else remote); v4 fits */
	__u8 op;		   /* enum pw_op */
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pending_call);
} pending_calls SEC(".maps");

/*
 * The activity counters stay in this object, not one of their own: they are
 * bumped by the event path's own programs, in the runs that already look at
 * the socket. A counters object would attach a second program to
 * inet_sock_set_state (~10 runs per TCP connection), to the cgroup hooks and
 * to the send tracepoint, paying each run's dispatch and socket reads twice,
 * and a second program on the state tracepoint is already state_rescue's
 * job: its recursion guard is what tells missed runs apart. So is the
 * closers table written here (closed_by_current); its one definition is in
 * closers.bpf.c, shared with the iterators.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH); /* processes come and go: old keys age out */
	__uint(max_entries, PW_ACTIVITY_MAX);
	__type(key, struct pw_activity_key);
	__type(value, struct pw_activity);
} activity SEC(".maps");

static __always_inline void count_key(const struct pw_activity_key *key, int counter)
{
	static const struct pw_activity zero = {};
	struct pw_activity *a;

	if (!targ_accounting || counter < 0 || counter >= PW_CNT_NR)
		return;
	a = bpf_map_lookup_elem(&activity, key);
	if (!a) {
		if (!bpf_map_update_elem(&activity, key, &zero, BPF_NOEXIST))
			__sync_fetch_and_add(&activity_inserts, 1);
		a = bpf_map_lookup_elem(&activity, key);
	}
	if (a)
		__sync_fetch_and_add(&a->n[counter], 1);
	else
		__sync_fetch_and_add(&activity_dropped, 1); /* shown, not silently dropped */
}

/*
 * Socket reads on the hot path. In the tp_btf program @tp is the socket as a
 * tcp_sock BTF pointer (bpf_skc_to_tcp_sock()) and @sk a BTF pointer too:
 * their fields load directly, where BPF_CORE_READ makes a
 * bpf_probe_read_kernel() call per field (2.2% of the churn loop's CPU,
 * BENCHMARKS.md). Other programs pass NULL, a constant that compiles the
 * direct loads away.
 */
static __always_inline __u64 sk_cgroup_id(const struct sock *sk, const struct tcp_sock *tp)
{
	return tp ? sock_cgroup_id_btf(sk) : sock_cgroup_id_raw(sk);
}

/* Count for the socket's cgroup; @tgid and @cgroup1_id are 0 outside
 * process context, @tp as for sk_cgroup_id(). */
static __always_inline void count(const struct sock *sk, const struct tcp_sock *tp, __u32 tgid,
				  __u64 cgroup1_id, int counter)
{
	struct pw_activity_key key = {.tgid = tgid};

	if (!targ_accounting)
		return;
	key.cgroup_id = sk_cgroup_id(sk, tp);
	key.cgroup1_id = key.cgroup_id == 1 ? cgroup1_id : 0;
	count_key(&key, counter);
}

/* Count for @o in cgroup @cgroup_id, from a hook that knows them. */
static __always_inline void count_as(__u64 cgroup_id, const struct pw_owner *o, int counter)
{
	struct pw_activity_key key = {.cgroup_id = cgroup_id, .tgid = o->tgid};

	key.cgroup1_id = cgroup_id == 1 ? o->cgroup1_id : 0;
	count_key(&key, counter);
}

/* Count for the socket's cgroup and the current process, whose v1 cgroup is
 * looked up only when the socket sits in the cgroup2 root. */
static __always_inline void count_current(const struct sock *sk, const struct tcp_sock *tp,
					  const bool btf, int counter)
{
	struct pw_activity_key key = {};

	if (!targ_accounting)
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.cgroup_id = sk_cgroup_id(sk, tp);
	key.cgroup1_id = key.cgroup_id == 1 ? current_cgroup1_id(btf) : 0;
	count_key(&key, counter);
}

/* The local port in host order. Read inet_sport, not skc_num: at X->CLOSE
 * inet_put_port() has already zeroed skc_num. */
static __always_inline __u16 local_port(const struct sock *sk, const struct tcp_sock *tp)
{
	if (tp)
		return bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	return bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
}

/* @btf is a constant at each call site: the classic tracepoint and syscall
 * programs have no BTF socket pointer, and clang drops the helper there. */
static __always_inline __u64 sock_cookie(const struct sock *sk, const bool btf)
{
	return btf ? bpf_get_socket_cookie((void *)sk) : 0;
}

static __always_inline int failure_counter(int err)
{
	if (err == EADDRNOTAVAIL)
		return PW_CNT_FAIL_EADDRNOTAVAIL;
	if (err == EADDRINUSE)
		return PW_CNT_FAIL_EADDRINUSE;
	return err == EAGAIN ? PW_CNT_FAIL_EAGAIN : -1;
}

/* How an event came about; passed from the hooks to emit(). */
struct outcome {
	/* the address the caller passed, when the socket has none yet */
	const struct sockaddr_in6 *uaddr;
	__s32 err;
	__u16 sport;
	__u8 op;
	__u8 source;
	__u8 flags;
};

/* Does the socket's cgroup lie in the subtree the user asked for? */
static __always_inline bool cgroup_wanted(struct cgroup *cg)
{
	if (!targ_cgroup_id)
		return true;
	if (!cg || BPF_CORE_READ(cg, level) < targ_cgroup_level)
		return false;
	return cgroup_ancestor_id(cg, targ_cgroup_level) == targ_cgroup_id;
}

static __always_inline bool wanted(__u32 tgid, struct cgroup *cg, __u8 flags)
{
	if (targ_failed_only && !(flags & PW_EVF_ALLOC_FAILED))
		return false;
	if (targ_tgid && tgid != targ_tgid)
		return false;
	return cgroup_wanted(cg);
}

static __always_inline void read_addrs(struct pw_event *e, const struct sock *sk)
{
	if (e->family == AF_INET) {
		bpf_core_read(e->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->daddr, 4, &sk->__sk_common.skc_daddr);
	} else if (e->family == AF_INET6) {
		bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* A failed bind() or autobind leaves the socket without addresses: show the
 * one the caller asked for (bind: local; connect, sendto: remote). */
static __always_inline void apply_uaddr(struct pw_event *e, const struct sockaddr_in6 *ua,
					bool local)
{
	__u8 *addr = local ? e->saddr : e->daddr;
	__u16 port = bpf_ntohs(ua->sin6_port);

	if (ua->sin6_family == AF_INET)
		__builtin_memcpy(addr, &((const struct sockaddr_in *)ua)->sin_addr, 4);
	else if (ua->sin6_family == AF_INET6 && e->family == AF_INET6)
		__builtin_memcpy(addr, &ua->sin6_addr, 16);
	else
		return;
	if (local)
		e->sport = port;
	else
		e->dport = port;
}

/*
 * Reserve one event and fill what every emitter knows: the time, the
 * outcome @oc and the owner @o (NULL: unknown). The socket's part is the
 * caller's. NULL when the ring is full (counted). Every event of this object
 * starts here.
 */
static __always_inline struct pw_event *event_start(const struct pw_owner *o,
						    const struct outcome *oc)
{
	struct pw_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->sport = oc->sport;
	e->op = oc->op;
	e->source = oc->source;
	e->err = oc->err;
	e->flags = oc->flags;
	if (o) {
		e->flags |= PW_EVF_OWNER_KNOWN;
		e->tgid = o->tgid;
		e->pid = o->pid;
		e->cgroup1_id = o->cgroup1_id;
		__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	}
	return e;
}

/* Filter, then reserve and fill one event: the filter runs first so that
 * unwanted events cost no ring-buffer space and no cookie. @btf: @sk is a
 * BTF pointer, which the cookie helper needs. */
static __always_inline void emit(const struct sock *sk, const bool btf, const struct pw_owner *o,
				 const struct outcome *oc)
{
	struct cgroup *cg = sock_cgroup(sk);
	struct pw_event *e;

	if (!wanted(o ? o->tgid : 0, cg, oc->flags))
		return;
	e = event_start(o, oc);
	if (!e)
		return;
	e->cookie = sock_cookie(sk, btf);
	e->cgroup_id = cg ? BPF_CORE_READ(cg, kn, id) : 1;
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	read_addrs(e, sk);
	if (oc->uaddr && (oc->flags & PW_EVF_ALLOC_FAILED || oc->err))
		apply_uaddr(e, oc->uaddr, oc->op == PW_OP_BIND);
	bpf_ringbuf_submit(e, 0);
}

/* CLOSE->SYN_SENT runs in the connecting task: remember it for the outcome. */
static __always_inline void connect_started(const struct sock *sk, const struct tcp_sock *tp,
					    const bool btf)
{
	__u64 key = (__u64)sk;
	struct pw_owner o;

	/* only successes need the owner later: --failed (and the daemon) skip the map */
	if (!targ_failed_only) {
		current_owner(&o, btf);
		bpf_map_update_elem(&connect_owners, &key, &o, BPF_ANY);
	}
	/* a bound socket's port was counted when bind() took it */
	if (local_port(sk, tp) == 0)
		count_current(sk, tp, btf, PW_CNT_OPENS);
}

/*
 * SYN_SENT->CLOSE with no local port is tcp_v4/v6_connect() failing
 * inet_hash_connect(): EADDRNOTAVAIL, in the caller's context. With a port,
 * the connection was refused or timed out later (sk_err says which); a
 * connect aborted by close() has no error and no outcome to report.
 */
static __always_inline void connect_finished(const struct sock *sk, const struct tcp_sock *tp,
					     const bool btf, int newstate)
{
	__u64 key = (__u64)sk;
	struct outcome oc = {.op = PW_OP_CONNECT, .source = PW_SRC_STATE};
	struct pw_owner *o = targ_failed_only ? NULL : bpf_map_lookup_elem(&connect_owners, &key);
	struct pw_owner cur;

	oc.sport = local_port(sk, tp);
	if (newstate == TCP_ESTABLISHED) {
		emit(sk, btf, o, &oc);
	} else if (oc.sport == 0) {
		current_owner(&cur, btf);
		oc.err = EADDRNOTAVAIL;
		oc.flags = PW_EVF_ALLOC_FAILED;
		emit(sk, btf, &cur, &oc);
		count(sk, tp, cur.tgid, cur.cgroup1_id, PW_CNT_FAIL_EADDRNOTAVAIL);
	} else {
		oc.err = BPF_CORE_READ(sk, sk_err);
		if (oc.err)
			emit(sk, btf, o, &oc);
		count(sk, tp, o ? o->tgid : 0, o ? o->cgroup1_id : 0, PW_CNT_CLOSES);
	}
	if (o)
		bpf_map_delete_elem(&connect_owners, &key);
}

/* CLOSE->LISTEN and LISTEN->CLOSE run in the listen()ing task. listen() on an
 * unbound socket enters LISTEN before get_port() picks a port, so a failed
 * autobind shows as LISTEN->CLOSE with no port (EADDRINUSE). A successful
 * autobind shows only in syscall mode (listen exit). */
static __always_inline void listen_changed(const struct sock *sk, const struct tcp_sock *tp,
					   const bool btf, int newstate)
{
	struct outcome oc = {.op = PW_OP_LISTEN, .source = PW_SRC_STATE};
	struct pw_owner cur;

	oc.sport = local_port(sk, tp);
	if (newstate == TCP_LISTEN && oc.sport == 0)
		return;
	if (newstate == TCP_CLOSE) {
		if (oc.sport != 0)
			return; /* a listener closing, not a failed listen() */
		oc.err = EADDRINUSE;
		oc.flags = PW_EVF_ALLOC_FAILED;
	}
	current_owner(&cur, btf);
	emit(sk, btf, &cur, &oc);
	if (oc.err)
		count(sk, tp, cur.tgid, cur.cgroup1_id, PW_CNT_FAIL_EADDRINUSE);
}

/* close() or shutdown() of a connected socket, in the closing task: count
 * the port's release and, for an active close, remember who closed it, for
 * the TIME_WAIT or orphan it leaves behind. */
static __always_inline void closed_by_current(const struct sock *sk, const struct tcp_sock *tp,
					      const bool btf, bool active)
{
	bool releases_port = port_taker(sk, tp) == PORT_BY_CONNECT;
	struct pw_closer c = {};
	__u64 cookie;

	if (!targ_accounting)
		return;
	if (releases_port)
		count_current(sk, tp, btf, PW_CNT_CLOSES);
	/* Only an active close leaves a TIME_WAIT socket to attribute.
	 * Generating the cookie before tcp_time_wait() makes the kernel copy
	 * it into the TIME_WAIT socket (inet_twsk_alloc). */
	cookie = active ? sock_cookie(sk, btf) : 0;
	if (!cookie)
		return;
	c.cgroup_id = sk_cgroup_id(sk, tp);
	current_task(&c.owner);
	c.owner.cgroup1_id = c.cgroup_id == 1 ? current_cgroup1_id(btf) : 0;
	closer_record(cookie, &c);
}

/* The transitions any hook acts on; every other one returns at once, before
 * touching the socket: this tracepoint fires ~10 times per connection. */
static __always_inline bool transition_wanted(int oldstate, int newstate)
{
	/* a connect that succeeded is reported only when successes are */
	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED)
		return !targ_failed_only;
	return oldstate == TCP_SYN_SENT || newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK ||
	       (oldstate == TCP_CLOSE && (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN)) ||
	       (oldstate == TCP_LISTEN && newstate == TCP_CLOSE);
}

/* @btf: @sk is a BTF pointer (tp_btf), else a raw address (classic
 * tracepoint); a constant at both call sites. */
static __always_inline void handle_state(const struct sock *sk, int oldstate, int newstate,
					 const bool btf)
{
	const struct tcp_sock *tp = NULL;

	if (!transition_wanted(oldstate, newstate))
		return;
	/* MPTCP and SCTP fire this tracepoint too */
	if (btf) {
		tp = bpf_skc_to_tcp_sock((void *)sk); /* NULL unless a TCP socket */
		if (!tp)
			return;
	} else if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP) {
		return;
	}

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
		connect_started(sk, tp, btf);
	else if (oldstate == TCP_SYN_SENT)
		connect_finished(sk, tp, btf, newstate);
	else if (oldstate == TCP_CLOSE || oldstate == TCP_LISTEN)
		listen_changed(sk, tp, btf, newstate);
	else
		closed_by_current(sk, tp, btf, newstate == TCP_FIN_WAIT1);
}

/*
 * Runs the kernel skips. A tracing program is not re-entered on a CPU where
 * it is already running: a state change in softirq (or in a task that
 * preempted ours, where tracepoints are preemptible) while state_btf works on
 * another socket is dropped and counted in its recursion_misses. Dropping
 * the close of an active closer loses the owner of its TIME_WAIT socket
 * (seen in Debian's 7.x kernels under qemu). A second program on the same
 * tracepoint has a recursion guard of its own: state_btf marks the CPU while
 * it works, and state_rescue handles only what arrives meanwhile, which is
 * exactly what state_btf missed. Runs both miss stay lost, and are counted:
 * state_btf's misses minus rescued_runs.
 *
 * The rescue costs a second dispatch on every state change (its own runs:
 * ~350 of ~2270 ns of BPF per loopback connection, BENCHMARKS.md section
 * 1), for misses many hosts never have: `run` attaches it only once
 * state_btf has missed a run
 * (user/kernel/loader.c, tracer_rescue_on_miss()); the other commands from
 * the start. Until it is, state_btf leaves the busy flag alone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} state_busy SEC(".maps");

/* Runs of state_btf that state_rescue stood in for (handled, or not wanted). */
__u64 rescued_runs = 0;
/* state_rescue is attached (or about to be): set by userspace first */
bool rescue_armed = false;

static __always_inline __u32 *busy_flag(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&state_busy, &zero);
}

/* TP_PROTO(const struct sock *sk, const int oldstate, const int newstate) */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	__u32 *busy = rescue_armed ? busy_flag() : NULL;

	/* the kernel's guard covers the whole run, the early return included:
	 * so does the flag, or a hit then would be missed and not rescued */
	if (busy)
		*busy = 1;
	if (transition_wanted(oldstate, newstate))
		handle_state(sk, oldstate, newstate, true);
	if (busy)
		*busy = 0;
	return 0;
}

/* What state_btf could not run for: it was busy on this CPU. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_rescue, const struct sock *sk, const int oldstate, const int newstate)
{
	__u32 *busy = busy_flag();

	if (!busy || !*busy)
		return 0;
	/* every run state_btf missed, wanted or not: its recursion_misses
	 * count them all, and what is left after this is what was lost */
	__sync_fetch_and_add(&rescued_runs, 1);
	if (transition_wanted(oldstate, newstate))
		handle_state(sk, oldstate, newstate, true);
	return 0;
}

/* Fallback for kernels without tp_btf: no socket cookie there. */
SEC("tracepoint/sock/inet_sock_set_state")
int state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	handle_state((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate, false);
	return 0;
}

/* An event from a cgroup hook, which cannot reach struct sock: filled from
 * the hook's context, @family, @o and @oc. NULL when the ring is full
 * (counted). */
static __always_inline struct pw_event *hook_event(struct bpf_sock *ctx, int family,
						   const struct pw_owner *o, const struct outcome *oc)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pw_event *e = event_start(o, oc);

	if (!e)
		return NULL;
	e->cookie = bpf_get_socket_cookie(ctx);
	e->netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	e->family = family;
	e->protocol = ctx->protocol;
	return e;
}

/* bind() succeeded with a port: the cgroup hook runs in the binding task after
 * get_port(). The port is taken: counted as an open. */
static __always_inline int bind_succeeded(struct bpf_sock *ctx, const int family)
{
	struct outcome oc = {.op = PW_OP_BIND, .source = PW_SRC_CGROUP};
	struct pw_owner o;
	struct pw_event *e;

	if (ctx->protocol != IPPROTO_TCP && ctx->protocol != IPPROTO_UDP)
		return 1;
	current_owner(&o, false);
	if (targ_tgid && o.tgid != targ_tgid)
		return 1; /* the cgroup filter is the attach point */
	count_as(bpf_get_current_cgroup_id(), &o, PW_CNT_OPENS);
	if (targ_failed_only)
		return 1;
	oc.sport = ctx->src_port;
	e = hook_event(ctx, family, &o, &oc);
	if (!e)
		return 1;
	e->cgroup_id = bpf_get_current_cgroup_id();
	/* Context fields load one by one at constant offsets, and post_bind4
	 * may not touch src_ip6: @family is a constant that prunes the other. */
	if (family == AF_INET) {
		((__u32 *)e->saddr)[0] = ctx->src_ip4;
	} else {
		((__u32 *)e->saddr)[0] = ctx->src_ip6[0];
		((__u32 *)e->saddr)[1] = ctx->src_ip6[1];
		((__u32 *)e->saddr)[2] = ctx->src_ip6[2];
		((__u32 *)e->saddr)[3] = ctx->src_ip6[3];
	}
	bpf_ringbuf_submit(e, 0);
	return 1;
}

SEC("cgroup/post_bind4")
int post_bind4(struct bpf_sock *ctx)
{
	return bind_succeeded(ctx, AF_INET);
}

SEC("cgroup/post_bind6")
int post_bind6(struct bpf_sock *ctx)
{
	return bind_succeeded(ctx, AF_INET6);
}

/* ---- port requests: bind(0) and UDP autobind without fexit ----------- */
/*
 * Where fexit is refused, nothing returns the allocators' verdict without a
 * syscall tracepoint, whose tax every syscall on the host pays. The cgroup
 * hooks see the request instead: bind4/6 the port asked for, connect4/6 an
 * unbound UDP socket about to autobind; post_bind sees a bind's success.
 * A socket released still without a port after asking for one got none: the
 * failure, inferred at close (source "release"; the errno is the one the
 * allocator gives, since the hooks cannot see the return value). UDP sends
 * autobind before any cgroup hook runs; the sock_send_length tracepoint
 * (6.4+) returns their verdict exactly (source "send"). Loaded only where
 * neither fexit nor syscall mode sees these outcomes.
 */
struct port_request {
	struct pw_owner owner;	/* who asked */
	__u64 cgroup_id;	/* ... and in which cgroup2 */
	__u8 addr[PW_ADDR_LEN]; /* bind: the local address; connect: the remote one */
	__u16 port;		/* the port asked for (bind) or connected to, host order */
	__u8 op;		/* enum pw_op; 0: none, the socket was only seen sending */
	__u8 has_port;		/* bind() or a send got it a port (counted as an open) */
	__u8 pad[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct port_request);
} port_requests SEC(".maps");

#define IP_BIND_ADDRESS_NO_PORT 24
#define SOL_IP			0

/* Note what @ctx asks for in the socket's storage. */
static __always_inline void request_port(struct bpf_sock_addr *ctx, __u8 op, bool v4)
{
	struct port_request *r = bpf_sk_storage_get(&port_requests, ctx->sk, 0,
						     BPF_SK_STORAGE_GET_F_CREATE);

	if (!r)
		return;
	current_owner(&r->owner, false);
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->op = op;
	r->port = bpf_ntohs(ctx->user_port);
	/* context fields load one by one at constant offsets, and the v4
	 * hooks may not touch user_ip6: @v4 is a constant at each caller */
	if (v4) {
		((__u32 *)r->addr)[0] = ctx->user_ip4;
	} else {
		((__u32 *)r->addr)[0] = ctx->user_ip6[0];
		((__u32 *)r->addr)[1] = ctx->user_ip6[1];
		((__u32 *)r->addr)[2] = ctx->user_ip6[2];
		((__u32 *)r->addr)[3] = ctx->user_ip6[3];
	}
	if (op == PW_OP_CONNECT)
		count_as(r->cgroup_id, &r->owner, PW_CNT_OPENS);
}

/* bind(): any port; the release hook tells a bind(0) that got none. With
 * IP_BIND_ADDRESS_NO_PORT, bind(ip, 0) takes no port (connect() will). */
static __always_inline int bind_requested(struct bpf_sock_addr *ctx, bool v4)
{
	int no_port = 0;

	if (ctx->protocol != IPPROTO_TCP && ctx->protocol != IPPROTO_UDP)
		return 1;
	if (ctx->user_port == 0 && ctx->protocol == IPPROTO_TCP &&
	    bpf_getsockopt(ctx, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &no_port, sizeof(no_port)) == 0 &&
	    no_port)
		return 1;
	request_port(ctx, PW_OP_BIND, v4);
	return 1;
}

/* connect() on an unbound UDP socket: inet_dgram_connect() autobinds next. */
static __always_inline int connect_requested(struct bpf_sock_addr *ctx, bool v4)
{
	struct bpf_sock *sk = ctx->sk;

	if (ctx->protocol == IPPROTO_UDP && sk && sk->src_port == 0)
		request_port(ctx, PW_OP_CONNECT, v4);
	return 1;
}

SEC("cgroup/bind4")
int bind4_request(struct bpf_sock_addr *ctx)
{
	return bind_requested(ctx, true);
}

SEC("cgroup/bind6")
int bind6_request(struct bpf_sock_addr *ctx)
{
	return bind_requested(ctx, false);
}

SEC("cgroup/connect4")
int connect4_request(struct bpf_sock_addr *ctx)
{
	return connect_requested(ctx, true);
}

SEC("cgroup/connect6")
int connect6_request(struct bpf_sock_addr *ctx)
{
	return connect_requested(ctx, false);
}

/* bind() got its port: the post_bind hook runs only on success. */
static __always_inline int bind_got_port(struct bpf_sock *ctx)
{
	struct port_request *r = bpf_sk_storage_get(&port_requests, ctx, 0, 0);

	if (r)
		r->has_port = 1;
	return 1;
}

SEC("cgroup/post_bind4")
int post_bind4_note(struct bpf_sock *ctx)
{
	return bind_got_port(ctx);
}

SEC("cgroup/post_bind6")
int post_bind6_note(struct bpf_sock *ctx)
{
	return bind_got_port(ctx);
}

/* A request that ended without a port: the failure the caller got. */
static __always_inline void request_failed(struct bpf_sock *ctx, const struct port_request *r)
{
	struct outcome oc = {.op = r->op, .source = PW_SRC_RELEASE, .flags = PW_EVF_ALLOC_FAILED};
	struct pw_event *e;
	__u8 op = r->op;

	count_as(r->cgroup_id, &r->owner, op == PW_OP_BIND ? PW_CNT_FAIL_EADDRINUSE
							    : PW_CNT_FAIL_EAGAIN);
	if (targ_tgid && r->owner.tgid != targ_tgid)
		return;
	oc.err = op == PW_OP_BIND ? EADDRINUSE : EAGAIN;
	e = hook_event(ctx, ctx->family, &r->owner, &oc);
	if (!e)
		return;
	e->cgroup_id = r->cgroup_id;
	__builtin_memcpy(op == PW_OP_BIND ? e->saddr : e->daddr, r->addr, PW_ADDR_LEN);
	if (op == PW_OP_CONNECT)
		e->dport = r->port;
	bpf_ringbuf_submit(e, 0);
}

/*
 * close() of a user socket (inet_release(), before the protocol lets go of
 * the port). This hook may not read the local port, so the socket's storage
 * says whether it got one: from bind() (post_bind), a UDP send, or a UDP
 * connect (connected, the state is ESTABLISHED; a failed autobind leaves it
 * CLOSE). Counts the release of the ports bind() took and of UDP ports (the
 * state hook counts connect()'s TCP ports); reports a request that got none.
 */
SEC("cgroup/sock_release")
int sock_released(struct bpf_sock *ctx)
{
	struct port_request *r;
	struct pw_owner cur;
	bool udp = ctx->protocol == IPPROTO_UDP;

	if (!udp && ctx->protocol != IPPROTO_TCP)
		return 1;
	r = bpf_sk_storage_get(&port_requests, ctx, 0, 0);
	if (!r && !udp)
		return 1;
	if ((r && r->has_port) || (udp && ctx->state == TCP_ESTABLISHED)) {
		current_owner(&cur, false);
		count_as(bpf_get_current_cgroup_id(), &cur, PW_CNT_CLOSES);
	} else if (r && (r->op == PW_OP_CONNECT || (r->op == PW_OP_BIND && !r->port))) {
		/* an explicit port's conflict is not exhaustion */
		request_failed(ctx, r);
	}
	return 1;
}

/* TP_PROTO(struct sock *sk, int ret, int flags): every sendmsg's result.
 * UDP only: an unbound socket's EAGAIN is inet_autobind() finding no port,
 * and its first successful send took one (or found it taken). */
SEC("tp_btf/sock_send_length")
int BPF_PROG(udp_sent, struct sock *sk, int ret, int flags)
{
	struct outcome oc = {.op = PW_OP_AUTOBIND, .source = PW_SRC_SEND};
	struct port_request *r;
	struct pw_owner cur;

	if (sk->sk_protocol != IPPROTO_UDP)
		return 0;
	if (ret == -EAGAIN && sk->__sk_common.skc_num == 0) {
		current_owner(&cur, true);
		oc.err = EAGAIN;
		oc.flags = PW_EVF_ALLOC_FAILED;
		emit(sk, true, &cur, &oc);
		count_current(sk, NULL, true, PW_CNT_FAIL_EAGAIN);
		return 0;
	}
	if (ret < 0 || !targ_accounting)
		return 0;
	r = bpf_sk_storage_get(&port_requests, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!r || r->has_port)
		return 0;
	r->has_port = 1;
	/* a connect()'s port was counted then, as TCP's are */
	if (r->op != PW_OP_CONNECT)
		count_current(sk, NULL, true, PW_CNT_OPENS);
	return 0;
}

/* ---- syscall mode ---------------------------------------------------- */

/* The struct sock behind file descriptor @fd of the current task, or NULL
 * when the fd is not an inet socket. */
static __always_inline struct sock *sock_from_fd(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_core_read(&file, sizeof(file), &fds[fd]);
	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return (family == AF_INET || family == AF_INET6) ? sk : NULL;
}

static __always_inline bool sock_unbound(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_num) == 0;
}

/* Remember the call until its exit; @uaddr is the caller's sockaddr or NULL. */
static __always_inline void call_started(const struct sock *sk, __u8 op, const void *uaddr)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct pending_call call = {.sk = (__u64)sk, .op = op};

	if (uaddr)
		bpf_probe_read_user(&call.uaddr, sizeof(call.uaddr), uaddr);
	bpf_map_update_elem(&pending_calls, &key, &call, BPF_ANY);
}

/* connect/sendto/sendmsg/sendmmsg: only an unbound UDP socket autobinds. */
static __always_inline void udp_call_started(int fd, __u8 op, const void *uaddr)
{
	struct sock *sk = sock_from_fd(fd);

	if (sk && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_UDP && sock_unbound(sk))
		call_started(sk, op, uaddr);
}

/* The destination of sendmsg()/sendmmsg(): msg_name of the (first) msghdr,
 * which leads struct mmsghdr too. */
static __always_inline const void *msghdr_name(const void *umsg)
{
	void *name = NULL;

	bpf_probe_read_user(&name, sizeof(name), umsg + offsetof(struct user_msghdr, msg_name));
	return name;
}

/*
 * What a finished call reports, if anything. Successful TCP connects and
 * failed listens come from the state tracepoint and successful binds from the
 * cgroup hook, so they are not repeated here.
 */
static __always_inline bool call_outcome(const struct pending_call *call, const struct sock *sk,
					 long ret, struct outcome *oc)
{
	if (call->op == PW_OP_BIND) {
		if (ret != -EADDRINUSE)
			return false;
		oc->err = EADDRINUSE;
		/* EADDRINUSE for an explicit port is a conflict, not exhaustion */
		oc->flags = call->uaddr.sin6_port == 0 ? PW_EVF_ALLOC_FAILED : 0;
		return true;
	}
	if (call->op == PW_OP_LISTEN)
		return ret == 0; /* the autobound port is known only now */
	if (BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP) {
		/* connect() on a bound socket: its 4-tuple is taken, the
		 * bind-before-connect failure (no state change shows it) */
		if (ret != -EADDRNOTAVAIL)
			return false;
		oc->err = EADDRNOTAVAIL;
		oc->flags = PW_EVF_ALLOC_FAILED;
		return true;
	}
	if (!sock_unbound(sk))
		return true; /* the UDP socket got a port: autobind succeeded */
	if (ret != -EAGAIN)
		return false;
	/* still unbound after EAGAIN: inet_autobind() found no port (a
	 * would-block EAGAIN needs a bound socket) */
	oc->err = EAGAIN;
	oc->flags = PW_EVF_ALLOC_FAILED;
	return true;
}

/* A syscall returned: report what only its return value shows. */
static __always_inline void call_finished(long ret)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct pending_call *call = bpf_map_lookup_elem(&pending_calls, &key);
	struct outcome oc = {.source = PW_SRC_SYSCALL};
	const struct sock *sk;
	struct pw_owner cur;

	if (!call)
		return;
	sk = (const struct sock *)call->sk;
	oc.op = call->op;
	oc.sport = local_port(sk, NULL);
	oc.uaddr = &call->uaddr;
	if (call_outcome(call, sk, ret, &oc)) {
		current_owner(&cur, false);
		emit(sk, false, &cur, &oc);
		/* explicit-port conflicts are not allocation failures */
		if (!oc.err)
			count(sk, NULL, cur.tgid, cur.cgroup1_id, PW_CNT_OPENS);
		else if (oc.flags & PW_EVF_ALLOC_FAILED)
			count(sk, NULL, cur.tgid, cur.cgroup1_id, failure_counter(oc.err));
	}
	bpf_map_delete_elem(&pending_calls, &key);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int sys_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	struct sock *sk = sock_from_fd((int)ctx->args[0]);
	__u8 proto;

	if (!sk)
		return 0;
	proto = BPF_CORE_READ(sk, sk_protocol);
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		call_started(sk, PW_OP_BIND, (const void *)ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_listen")
int sys_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	struct sock *sk = sock_from_fd((int)ctx->args[0]);

	if (sk && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP && sock_unbound(sk))
		call_started(sk, PW_OP_LISTEN, NULL);
	return 0;
}

/* UDP: autobind. TCP: only a bound socket, whose failure no state change
 * shows; an unbound one fails in the state tracepoint. */
SEC("tracepoint/syscalls/sys_enter_connect")
int sys_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	struct sock *sk = sock_from_fd((int)ctx->args[0]);
	__u8 proto;

	if (!sk)
		return 0;
	proto = BPF_CORE_READ(sk, sk_protocol);
	if ((proto == IPPROTO_UDP && sock_unbound(sk)) ||
	    (proto == IPPROTO_TCP && !sock_unbound(sk)))
		call_started(sk, PW_OP_CONNECT, (const void *)ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int sys_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	udp_call_started((int)ctx->args[0], PW_OP_AUTOBIND, (const void *)ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int sys_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	udp_call_started((int)ctx->args[0], PW_OP_AUTOBIND,
			 msghdr_name((const void *)ctx->args[1]));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int sys_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	udp_call_started((int)ctx->args[0], PW_OP_AUTOBIND,
			 msghdr_name((const void *)ctx->args[1]));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_bind")
int sys_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	call_finished(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_listen")
int sys_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	call_finished(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int sys_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	call_finished(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int sys_exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	call_finished(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int sys_exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	call_finished(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_sendmmsg")
int sys_exit_sendmmsg(struct trace_event_raw_sys_exit *ctx)
{
	call_finished(ctx->ret);
	return 0;
}

/* ---- fexit mode ------------------------------------------------------ */
/*
 * The port allocators' return values, in the caller's context, with no
 * syscall tracepoint: bind(0) and UDP autobind failures at no cost to
 * unrelated syscalls. Loaded only where the kernel allows fexit.
 * udp_lib_get_port() serves both bind() and autobind (sendmsg/connect), so
 * a cgroup bind hook marks "this thread is binding this socket" first.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);   /* pid_tgid */
	__type(value, __u64); /* cookie of the socket being bound */
} binding SEC(".maps");

static __always_inline int mark_binding(struct bpf_sock_addr *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 cookie = bpf_get_socket_cookie(ctx);

	bpf_map_update_elem(&binding, &id, &cookie, BPF_ANY);
	return 1; /* allow the bind: we only watch */
}

SEC("cgroup/bind4")
int bind4_mark(struct bpf_sock_addr *ctx)
{
	return mark_binding(ctx);
}

SEC("cgroup/bind6")
int bind6_mark(struct bpf_sock_addr *ctx)
{
	return mark_binding(ctx);
}

/* Was @sk's allocation called from bind() (marked) rather than autobind? */
static __always_inline bool in_bind(const struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *cookie = bpf_map_lookup_elem(&binding, &id);
	bool match = cookie && *cookie == bpf_get_socket_cookie((void *)sk);

	if (cookie)
		bpf_map_delete_elem(&binding, &id);
	return match;
}

static __always_inline void allocator_outcome(const struct sock *sk, struct outcome *oc)
{
	struct pw_owner cur;

	current_owner(&cur, true);
	emit(sk, true, &cur, oc);
	if (!oc->err)
		count(sk, NULL, cur.tgid, cur.cgroup1_id, PW_CNT_OPENS);
	else
		count(sk, NULL, cur.tgid, cur.cgroup1_id, failure_counter(oc->err));
}

/* TCP bind(0) and listen() autobind. An explicit port's conflict is not
 * exhaustion; listen()'s failure and bind()'s success have other hooks. */
SEC("fexit/inet_csk_get_port")
int BPF_PROG(tcp_get_port_exit, struct sock *sk, unsigned short snum, int ret)
{
	struct outcome oc = {.source = PW_SRC_FEXIT};
	bool listening = BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_LISTEN;

	if (snum != 0 || (listening && ret) || (!listening && !ret))
		return 0;
	oc.op = listening ? PW_OP_LISTEN : PW_OP_BIND;
	if (ret) {
		oc.err = EADDRINUSE;
		oc.flags = PW_EVF_ALLOC_FAILED;
	} else {
		oc.sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	}
	allocator_outcome(sk, &oc);
	return 0;
}

/* UDP bind(0) (EADDRINUSE) and autobind (sendmsg/connect: EAGAIN). */
SEC("fexit/udp_lib_get_port")
int BPF_PROG(udp_get_port_exit, struct sock *sk, unsigned short snum, unsigned int hash2_nulladdr,
	     int ret)
{
	struct outcome oc = {.source = PW_SRC_FEXIT};
	bool binding_now = in_bind(sk);

	if (snum != 0 || (binding_now && !ret))
		return 0; /* explicit ports, and bind successes (cgroup hook) */
	oc.op = binding_now ? PW_OP_BIND : PW_OP_AUTOBIND;
	if (ret) {
		oc.err = binding_now ? EADDRINUSE : EAGAIN;
		oc.flags = PW_EVF_ALLOC_FAILED;
	} else {
		oc.sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	}
	allocator_outcome(sk, &oc);
	return 0;
}
