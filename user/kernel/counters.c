// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Copy the activity map into userspace: the only place that walks its keys.
#include <errno.h>
#include <bpf/bpf.h>
#include "kernel/counters.h"

/* Entries a batch lookup copies at once: 64 calls for a full map. */
#define BATCH 256

static int append(struct activity_table *t, const struct pw_activity_key *key,
		  const struct pw_activity *val)
{
	int err;

	if (t->nr == t->cap && (err = activity_grow(t)))
		return err;
	t->items[t->nr].key = *key;
	t->items[t->nr].val = *val;
	t->nr++;
	return 0;
}

/*
 * The map a batch at a time (BPF_MAP_LOOKUP_BATCH, 5.6+ for hash maps; the
 * ring buffer already needs 5.8): the daemon reads it every watch (200 ms)
 * and every step, and once short-lived processes filled it (16384 entries)
 * a walk key by key cost 32768 system calls a read, a third of a CPU.
 * 0, -ENOMEM, or 1: a batch failed (not supported here, or a hash bucket
 * past BATCH entries), walk instead.
 */
static int read_batches(int map_fd, struct activity_table *t)
{
	struct pw_activity_key keys[BATCH];
	struct pw_activity vals[BATCH];
	__u64 token; /* the kernel's cursor (a bucket index for hash maps) */
	void *in = NULL;

	for (size_t read = 0; read < 2 * PW_ACTIVITY_MAX;) {
		__u32 n = BATCH;
		int ret = bpf_map_lookup_batch(map_fd, in, &token, keys, vals, &n, NULL), err;

		if (ret && ret != -ENOENT)
			return 1;
		for (__u32 i = 0; i < n; i++)
			if ((err = append(t, &keys[i], &vals[i])))
				return err;
		if (ret == -ENOENT || n == 0)
			return 0; /* that was the last batch */
		read += n;
		in = &token;
	}
	return 0;
}

/* Key by key: an evicted key makes get_next_key start over, so it is bounded. */
int activity_read_walk(int map_fd, struct activity_table *t)
{
	struct pw_activity_key key, next;
	struct pw_activity_key *prev = NULL;
	struct pw_activity val;
	int err;

	t->nr = 0;
	for (size_t steps = 0; steps < 2 * PW_ACTIVITY_MAX; steps++) {
		if (bpf_map_get_next_key(map_fd, prev, &next))
			break;
		if (bpf_map_lookup_elem(map_fd, &next, &val) == 0 && (err = append(t, &next, &val)))
			return err;
		key = next;
		prev = &key;
	}
	return 0;
}

/* Counters are cumulative and never deleted by us, so a read that races
 * with inserts may miss a brand-new key this time; it is seen next time,
 * and no count is lost. */
int activity_read(int map_fd, struct activity_table *t)
{
	int err;

	t->nr = 0;
	err = read_batches(map_fd, t);
	if (err == 1)
		err = activity_read_walk(map_fd, t);
	return err ? err : activity_index(t);
}
