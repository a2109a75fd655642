// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The smallest fexit program on the port allocator: does this kernel let us
// load and attach fentry/fexit programs? Counts calls so the loader can also
// tell whether it fires.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 calls = 0;
__u64 failures = 0;

/* int inet_csk_get_port(struct sock *sk, unsigned short snum) */
SEC("fexit/inet_csk_get_port")
int BPF_PROG(get_port_exit, struct sock *sk, unsigned short snum, int ret)
{
	__sync_fetch_and_add(&calls, 1);
	if (ret)
		__sync_fetch_and_add(&failures, 1);
	return 0;
}
