/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Who owns a socket: its cgroup2 id, the task's v1 cgroup and the table of
 * who closed a TCP socket. BPF-only; shared by portwarden.bpf.c (writes
 * closers) and sockets.bpf.c (reads them), whose loaders share the map's fd.
 *
 * The *_btf readers take BTF pointers (tracing and iterator programs) and
 * follow them with direct loads, a few instructions each, where
 * BPF_CORE_READ makes a bpf_probe_read_kernel() call per field; the others
 * take raw addresses (classic tracepoints, cgroup programs).
 */
#ifndef OWNER_BPF_H
#define OWNER_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "core_fixes.bpf.h"
#include "sockets.h"

/* Keeps the compiler from moving memory accesses across it. */
#define compiler_barrier() asm volatile("" ::: "memory")

/* One slot of the closers table; @cookie says whose record it holds. */
struct closer_slot {
	__u64 cookie; /* 0 while the slot is being written */
	struct pw_closer closer;
};

/*
 * Who closed a TCP socket, for the TIME_WAIT socket it leaves: a table indexed
 * by the low bits of the socket cookie. Writing an array slot takes no lock,
 * where an LRU hash insert took two IRQ-disabling locks on every close (half
 * of the state hook's cost in the churn benchmark, BENCHMARKS.md). The kernel
 * hands cookies out in increasing order, and we ask for one at close, so a
 * slot is reused by a socket closed about PW_CLOSERS_MAX closes later: the
 * oldest record goes first, as in an LRU. A reader finding another cookie in
 * the slot knows no owner. userspace may shrink the table to one slot (no
 * event path running): every lookup then misses.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_CLOSERS_MAX);
	__type(key, __u32);
	__type(value, struct closer_slot);
} closers SEC(".maps");

static __always_inline struct closer_slot *closer_slot_of(__u64 cookie)
{
	__u32 index = cookie & (PW_CLOSERS_MAX - 1);

	return bpf_map_lookup_elem(&closers, &index);
}

/* Record @c for @cookie. Two closes on other CPUs may race for one slot
 * (cookies PW_CLOSERS_MAX apart at the same moment); the cookie is cleared
 * first and set last, so a reader sees a whole record or none. */
static __always_inline void closer_record(__u64 cookie, const struct pw_closer *c)
{
	struct closer_slot *slot = closer_slot_of(cookie);

	if (!slot)
		return;
	*(volatile __u64 *)&slot->cookie = 0;
	compiler_barrier();
	__builtin_memcpy(&slot->closer, c, sizeof(*c));
	compiler_barrier();
	*(volatile __u64 *)&slot->cookie = cookie;
}

/* Copy the record of @cookie into @out; false when the slot holds another
 * socket's record or was rewritten while we copied. */
static __always_inline bool closer_lookup(__u64 cookie, struct pw_closer *out)
{
	struct closer_slot *slot = closer_slot_of(cookie);

	if (!slot || *(volatile __u64 *)&slot->cookie != cookie)
		return false;
	__builtin_memcpy(out, &slot->closer, sizeof(*out));
	compiler_barrier();
	return *(volatile __u64 *)&slot->cookie == cookie;
}

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

#endif /* OWNER_BPF_H */
