// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The quarantine (the guard's gentlest action): an actuator, not a tracer.
//
// New TCP/UDP sockets are refused (socket() fails with EPERM) for the
// cgroups and processes userspace put in the maps below: a leaker stays
// alive but takes no more ports. Process entries cover hybrid hosts, where
// everything sits in the cgroup2 root. Unix sockets are never refused
// (logging must go on). Loaded and attached by user/act/quarantine.c, only
// while something is quarantined: the hook runs on every socket() of the
// host.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64); /* cgroup2 id */
	__type(value, __u8);
} quarantined_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
} quarantined_tgids SEC(".maps");

SEC("cgroup/sock_create")
int quarantine(struct bpf_sock *ctx)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ctx->family != AF_INET && ctx->family != AF_INET6)
		return 1;
	if (bpf_map_lookup_elem(&quarantined_cgroups, &cgroup_id) ||
	    bpf_map_lookup_elem(&quarantined_tgids, &tgid))
		return 0; /* EPERM */
	return 1;
}
