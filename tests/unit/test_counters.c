// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for reading the activity map (root: a real LRU hash map): the
// batch read and the key-by-key walk it falls back to see the same entries.
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/counters.h"
#include "unit.h"

/* An LRU hash like trace.bpf.c's activity map, with @n entries; -1: no BPF here. */
static int make_map(uint32_t max, uint32_t n)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "test_activity",
				sizeof(struct pw_activity_key), sizeof(struct pw_activity), max,
				NULL);

	for (uint32_t i = 0; fd >= 0 && i < n; i++) {
		struct pw_activity_key k = {.cgroup_id = 1000 + i % 7, .tgid = i};
		struct pw_activity v = {{i, 2 * (uint64_t)i, 0, 0, i % 3}};

		if (bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Every entry read back once, with its own counts. */
static void check_all(const struct activity_table *t, uint32_t n)
{
	uint64_t seen = 0;

	ASSERT_EQ_INT(t->nr, n);
	for (size_t i = 0; i < t->nr; i++) {
		const struct activity_entry *e = &t->items[i];

		ASSERT_EQ_INT(e->key.cgroup_id, 1000 + e->key.tgid % 7);
		ASSERT_EQ_INT(e->val.n[PW_CNT_OPENS], e->key.tgid);
		ASSERT_EQ_INT(e->val.n[PW_CNT_CLOSES], 2 * (uint64_t)e->key.tgid);
		seen += e->key.tgid;
	}
	ASSERT_EQ_INT(seen, (uint64_t)n * (n - 1) / 2);
}

UNIT_TEST(test_batches_and_walk_read_the_same)
{
	/* empty, one batch, several (BATCH is 256), a map near full (an LRU map
	 * may evict before it is full, when CPUs hold its free entries) */
	static const uint32_t sizes[][2] = {{64, 0}, {64, 10}, {4096, 1000}, {16384, 12000}};
	struct activity_table batch = {0}, walk = {0};
	struct pw_activity sum;

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		int fd = make_map(sizes[s][0], sizes[s][1]);
		char row[64];

		if (fd < 0)
			SKIP_TEST("cannot make an LRU hash map (root and BPF needed)");
		snprintf(row, sizeof(row), "%u entries", sizes[s][1]);
		UNIT_ROW(row);
		ASSERT_EQ_INT(activity_read(fd, &batch), 0);
		check_all(&batch, sizes[s][1]);
		ASSERT_EQ_INT(activity_read_walk(fd, &walk), 0);
		ASSERT_EQ_INT(activity_index(&walk), 0);
		check_all(&walk, sizes[s][1]);
		ASSERT_EQ_INT(batch.nr, walk.nr);
		if (batch.nr) /* an empty map leaves both tables without items */
			ASSERT_TRUE(!memcmp(batch.items, walk.items, batch.nr * sizeof(*batch.items)));
		/* indexed: a process's sum is its one entry */
		if (sizes[s][1])
			ASSERT_EQ_INT(activity_sum_process(&batch, sizes[s][1] - 1, &sum), 1);
		close(fd);
	}
	activity_free(&batch);
	activity_free(&walk);
}

int main(void)
{
	RUN(test_batches_and_walk_read_the_same);
	return UNIT_MAIN_END();
}
