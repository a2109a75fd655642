// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The quarantine hook's life: load by trying, attach while it has work.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "act/quarantine.h"
#include "core/log.h"
#include "kernel/calibrate.h"
#include "quarantine.skel.h"

/* cgroup/sock_create: 610236587600 ("bpf: Add new cgroup attach type to
 * enable sock modifications"), v4.10. Whether this host lets one load is
 * found by loading it. */
int quarantine_open(struct quarantine *q, const char *cgroup_dir)
{
	int err = -EPERM;

	memset(q, 0, sizeof(*q));
	q->cgroup_fd = -1;
	if (!calib_test_refused("quarantine")) {
		q->skel = quarantine_bpf__open_and_load();
		err = q->skel ? 0 : -errno;
	}
	if (!err) {
		q->cgroup_fd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (q->cgroup_fd < 0) {
			err = -errno;
			pr_warn("failed to open cgroup %s: %s\n", cgroup_dir, strerror(-err));
		}
	}
	calib_note("quarantine", err ? "refused" : "yes",
		   err ? "no quarantine: actions go straight to signals" : "cgroup/sock_create");
	if (err) {
		pr_debug("quarantine hook not loaded: %s\n", strerror(-err));
		pr_warn("this kernel refused the quarantine hook (cgroup/sock_create): the guard "
			"goes straight to signals\n");
		quarantine_close(q);
	}
	return err;
}

void quarantine_close(struct quarantine *q)
{
	bpf_link__destroy(q->link); /* NULL is fine */
	/* the fd is opened only with a loaded hook (a zeroed @q holds fd 0) */
	if (q->skel && q->cgroup_fd >= 0)
		close(q->cgroup_fd);
	quarantine_bpf__destroy(q->skel);
	q->link = NULL;
	q->skel = NULL;
	q->cgroup_fd = -1;
}

static bool map_empty(const struct bpf_map *map)
{
	char key[8];

	return bpf_map__get_next_key(map, NULL, key, bpf_map__key_size(map)) != 0;
}

/* The hook runs on every socket() of the host: attached only while a map
 * has an entry. */
static int arm(struct quarantine *q, bool on)
{
	struct bpf_link *link;
	int err;

	if (!on) {
		bpf_link__destroy(q->link);
		q->link = NULL;
		return 0;
	}
	if (q->link)
		return 0;
	link = bpf_program__attach_cgroup(q->skel->progs.quarantine, q->cgroup_fd);
	err = libbpf_get_error(link);
	if (err)
		return err;
	q->link = link;
	return 0;
}

static int update(struct quarantine *q, const struct bpf_map *map, const void *key, bool on)
{
	__u8 one = 1;
	size_t size = bpf_map__key_size(map);

	if (on && bpf_map__update_elem(map, key, size, &one, sizeof(one), BPF_ANY))
		return -errno;
	if (!on && bpf_map__delete_elem(map, key, size, 0) && errno != ENOENT)
		return -errno;
	return arm(q, !map_empty(q->skel->maps.quarantined_cgroups) ||
			      !map_empty(q->skel->maps.quarantined_tgids));
}

int quarantine_cgroup(struct quarantine *q, uint64_t cgroup_id, bool on)
{
	return q->skel ? update(q, q->skel->maps.quarantined_cgroups, &cgroup_id, on) : -ENOTSUP;
}

int quarantine_process(struct quarantine *q, uint32_t tgid, bool on)
{
	return q->skel ? update(q, q->skel->maps.quarantined_tgids, &tgid, on) : -ENOTSUP;
}

/* Delete every key: always ask for the first one, as the last is gone. */
static void clear_map(const struct bpf_map *map)
{
	char key[8];
	size_t size = bpf_map__key_size(map);

	while (bpf_map__get_next_key(map, NULL, key, size) == 0)
		if (bpf_map__delete_elem(map, key, size, 0))
			break;
}

void quarantine_lift_all(struct quarantine *q)
{
	if (!q->skel)
		return;
	clear_map(q->skel->maps.quarantined_cgroups);
	clear_map(q->skel->maps.quarantined_tgids);
	arm(q, false);
}

size_t quarantine_prog_stats(const struct quarantine *q, struct tracer_prog_stat *out,
			     size_t max)
{
	return q && q->skel ? bpf_object_prog_stats(q->skel->obj, out, max) : 0;
}
