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

int quarantine_fds(const struct quarantine *q, int *cgroups_fd, int *tgids_fd)
{
	if (!q->skel)
		return -ENOTSUP;
	*cgroups_fd = bpf_map__fd(q->skel->maps.quarantined_cgroups);
	*tgids_fd = bpf_map__fd(q->skel->maps.quarantined_tgids);
	return 0;
}

int quarantine_arm(struct quarantine *q, bool on)
{
	struct bpf_link *link;
	int err;

	if (!q->skel)
		return -ENOTSUP;
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
