/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * CO-RE shims for kernel layout changes: each accessor reads a field whose
 * name or type moved between kernel versions, and names the commit that
 * moved it. BPF-only (include after vmlinux.h).
 */
#ifndef CORE_FIXES_BPF_H
#define CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/*
 * Before 5.15, sock_cgroup_data was a union whose u64 `val` held the cgroup
 * pointer, or classid/prioidx bits ("data mode", low bits set) once net_cls or
 * net_prio was used, in which case the socket reads as the root cgroup.
 * Changed in 8520e224f547 ("bpf, cgroups: Fix cgroup v2 fallback on v1/v2
 * mixed mode"), v5.15.
 */
struct sock_cgroup_data___o {
	__u64 val;
};

struct sock___o {
	struct sock_cgroup_data___o sk_cgrp_data;
};

/* The cgroup2 cgroup a socket was created in; NULL means the root. */
static __always_inline struct cgroup *sock_cgroup(const struct sock *sk)
{
	__u64 v;

	if (bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return BPF_CORE_READ(sk, sk_cgrp_data.cgroup);

	v = BPF_CORE_READ((struct sock___o *)sk, sk_cgrp_data.val);
	return (v & 3) ? NULL : (struct cgroup *)v;
}

/*
 * cgroup->ancestor_ids[] (ids) became cgroup->ancestors[] (pointers) in
 * 7f203bc89eb6 ("cgroup: Replace cgroup->ancestor_ids[] with ->ancestors[]"),
 * v6.1.
 */
struct cgroup___o {
	int level;
	__u64 ancestor_ids[];
};

/* Id of cg's ancestor at @level (cg itself when level == cg->level). */
static __always_inline __u64 cgroup_ancestor_id(const struct cgroup *cg, int level)
{
	struct cgroup *anc = NULL;
	__u64 id = 0;

	if (bpf_core_field_exists(cg->ancestors)) {
		bpf_core_read(&anc, sizeof(anc), &cg->ancestors[level]);
		return anc ? BPF_CORE_READ(anc, kn, id) : 0;
	}
	bpf_core_read(&id, sizeof(id), &((struct cgroup___o *)cg)->ancestor_ids[level]);
	return id;
}

#endif /* CORE_FIXES_BPF_H */
