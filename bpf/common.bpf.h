/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * What every BPF object reads the same way: who owns a socket (its cgroup2
 * id, the task's v1 cgroup, the current task), and who took its port.
 * BPF-only (include after vmlinux.h); no maps, so an object gets only the
 * maps it defines or includes itself.
 *
 * The *_btf readers take BTF pointers (tracing and iterator programs) and
 * follow them with direct loads, a few instructions each, where
 * BPF_CORE_READ makes a bpf_probe_read_kernel() call per field; the others
 * take raw addresses (classic tracepoints, cgroup programs).
 */
#ifndef COMMON_BPF_H
#define COMMON_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "core_fixes.bpf.h"
#include "pw_common.h"

#define AF_INET	      2
#define AF_INET6      10
#define EAGAIN	      11
#define EEXIST	      17
#define EADDRINUSE    98
#define EADDRNOTAVAIL 99

/* The cgroup2 id of the cgroup @sk was created in; 1 for the root. */
static __always_inline __u64 sock_cgroup_id_raw(const struct sock *sk)
{
	struct cgroup *cg = sock_cgroup(sk);

	return cg ? BPF_CORE_READ(cg, kn, id) : 1;
}

/* The same through a BTF pointer. Since 5.15 (8520e224f547) the cgroup is a
 * plain pointer; before, sock_cgroup() decodes the old union. */
static __always_inline __u64 sock_cgroup_id_btf(const struct sock *sk)
{
	struct cgroup *cg;

	if (!bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return sock_cgroup_id_raw(sk);
	cg = sk->sk_cgrp_data.cgroup;
	return cg ? cg->kn->id : 1;
}

/* The memory controller's index in css_set->subsys[]; -1 if there is none. */
static __always_inline int memory_cgroup_index(void)
{
	int memory_id;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return -1;
	memory_id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	return memory_id >= 0 && memory_id < 16 ? memory_id : -1;
}

/* The v1 memory cgroup id of @task, 0 when unknown; probe reads, so any
 * program type may call it. On hybrid hosts processes often sit in the
 * cgroup2 root, and their container shows only in v1. */
static __always_inline __u64 task_cgroup1_id(struct task_struct *task)
{
	struct cgroup_subsys_state *css = NULL;
	int memory_id = memory_cgroup_index();
	struct css_set *cset;

	if (memory_id < 0)
		return 0;
	cset = BPF_CORE_READ(task, cgroups);
	bpf_core_read(&css, sizeof(css), &cset->subsys[memory_id]);
	return css ? BPF_CORE_READ(css, cgroup, kn, id) : 0;
}

/* The same through a BTF pointer. */
static __always_inline __u64 task_cgroup1_id_btf(struct task_struct *task)
{
	int memory_id = memory_cgroup_index();
	struct cgroup_subsys_state *css;

	if (memory_id < 0)
		return 0;
	css = task->cgroups->subsys[memory_id];
	return css ? css->cgroup->kn->id : 0;
}

/* The v1 memory cgroup of the current task; @btf (a constant at each call
 * site): the program may take the task's BTF pointer, which kernels before
 * 5.11 do not hand out. */
static __always_inline __u64 current_cgroup1_id(const bool btf)
{
	if (!btf || !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf))
		return task_cgroup1_id((struct task_struct *)bpf_get_current_task());
	return task_cgroup1_id_btf(bpf_get_current_task_btf());
}

/* The current task's ids and name; its v1 cgroup is the caller's to fill
 * (it costs a walk, and is wanted only for sockets in the cgroup2 root). */
static __always_inline void current_task(struct pw_owner *o)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	o->tgid = pid_tgid >> 32;
	o->pid = (__u32)pid_tgid;
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/* The current task with its v1 cgroup; @btf as for current_cgroup1_id(). */
static __always_inline void current_owner(struct pw_owner *o, const bool btf)
{
	current_task(o);
	o->cgroup1_id = current_cgroup1_id(btf);
}

/* Who took a TCP socket's local port, told by its bind bucket. */
enum port_taker {
	PORT_NO_BUCKET = -1, /* no port, or after X->CLOSE dropped the bucket */
	PORT_BY_BIND = 0,    /* bind() or listen() (and sockets accepted from them) */
	PORT_BY_CONNECT = 1, /* connect()'s autobind */
};

/*
 * __inet_hash_connect() creates its bind buckets with fastreuse -1, and never
 * reuses a bucket bind() made (fastreuse 0 or 1, whatever SO_REUSEADDR and
 * SO_REUSEPORT say). @tp: the socket as a BTF tcp_sock pointer, whose fields
 * load directly; NULL: @sk is read by probe reads (any program type).
 */
static __always_inline enum port_taker port_taker(const struct sock *sk, const struct tcp_sock *tp)
{
	struct inet_bind_bucket *tb;

	if (tp) {
		tb = tp->inet_conn.icsk_bind_hash;
		return !tb ? PORT_NO_BUCKET : tb->fastreuse < 0 ? PORT_BY_CONNECT : PORT_BY_BIND;
	}
	tb = BPF_CORE_READ((struct inet_connection_sock *)sk, icsk_bind_hash);
	return !tb ? PORT_NO_BUCKET : BPF_CORE_READ(tb, fastreuse) < 0 ? PORT_BY_CONNECT : PORT_BY_BIND;
}

#endif /* COMMON_BPF_H */
