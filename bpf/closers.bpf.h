/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The table of who closed a TCP socket: written by the state hook
 * (trace.bpf.c), read by the TCP iterator (sockets.bpf.c). BPF-only.
 *
 * Defined once, in closers.bpf.c; here only declared (extern), as the
 * kernel's selftests linked_maps1.c/linked_maps2.c do. The Makefile links
 * closers.bpf.o into each unit that uses it (bpftool gen object, libbpf's
 * static linker), which checks that every declaration matches the
 * definition. Each loaded object still has its own instance: userspace makes
 * the reader's share the writer's (bpf_map__reuse_fd, user/kernel/collector.c).
 * Pinning was the other way to share it: it needs bpffs, leaves the map
 * behind after a crash, and two portwardens running at once would share one
 * table.
 */
#ifndef CLOSERS_BPF_H
#define CLOSERS_BPF_H

#include <bpf/bpf_helpers.h>
#include "sockets.h"

/* Keeps the compiler from moving memory accesses across it. */
#define compiler_barrier() asm volatile("" ::: "memory")

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
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_CLOSERS_MAX);
	__type(key, __u32);
	__type(value, struct pw_closer_slot);
} closers_map_t;

extern closers_map_t closers SEC(".maps");

static __always_inline struct pw_closer_slot *closer_slot_of(__u64 cookie)
{
	__u32 index = cookie & (PW_CLOSERS_MAX - 1);

	return bpf_map_lookup_elem(&closers, &index);
}

/* Record @c for @cookie. Two closes on other CPUs may race for one slot
 * (cookies PW_CLOSERS_MAX apart at the same moment); the cookie is cleared
 * first and set last, so a reader sees a whole record or none. */
static __always_inline void closer_record(__u64 cookie, const struct pw_closer *c)
{
	struct pw_closer_slot *slot = closer_slot_of(cookie);

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
	struct pw_closer_slot *slot = closer_slot_of(cookie);

	if (!slot || *(volatile __u64 *)&slot->cookie != cookie)
		return false;
	__builtin_memcpy(out, &slot->closer, sizeof(*out));
	compiler_barrier();
	return *(volatile __u64 *)&slot->cookie == cookie;
}

#endif /* CLOSERS_BPF_H */
