/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Who owns a socket: the task's v1 cgroup and the map of who closed a TCP
 * socket. BPF-only; shared by portwarden.bpf.c (writes closers) and
 * sockets.bpf.c (reads them), whose loaders share the map's fd.
 */
#ifndef OWNER_BPF_H
#define OWNER_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include "sockets.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PW_CLOSERS_MAX);
	__type(key, __u64); /* socket cookie */
	__type(value, struct pw_closer);
} closers SEC(".maps");

/* The v1 memory cgroup of @task: on hybrid hosts processes often sit in the
 * cgroup2 root, and their container shows only in v1. 0 when unknown. */
static __always_inline __u64 task_cgroup1_id(struct task_struct *task)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cset;
	int memory_id;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	memory_id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (memory_id < 0 || memory_id >= 16)
		return 0;
	cset = BPF_CORE_READ(task, cgroups);
	bpf_core_read(&css, sizeof(css), &cset->subsys[memory_id]);
	return css ? BPF_CORE_READ(css, cgroup, kn, id) : 0;
}

#endif /* OWNER_BPF_H */
