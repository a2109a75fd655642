// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The snapshot command: collect the inventory once, aggregate, label, render.
#include <string.h>
#include "cmd/preflight.h"
#include "cmd/snapshot.h"
#include "core/log.h"
#include "core/snapshot.h"
#include "host/cgroups.h"
#include "host/labels.h"
#include "kernel/collector.h"
#include "views/snapshot_view.h"

/* Collect and aggregate into @snap. Returns 0 or an exit status. */
static int take_snapshot(struct snapshot *snap)
{
	struct collector c;
	struct inventory inv;
	int err;

	if (collector_open(&c, -1))
		return EXIT_RUNTIME;
	inventory_init(&inv);
	err = collector_run(&c, &inv);
	if (err)
		pr_warn("failed to collect sockets: %s\n", strerror(-err));
	else if (c.netns_failed)
		pr_warn("%llu network namespaces vanished or could not be entered\n",
			(unsigned long long)c.netns_failed);
	collector_close(&c);
	if (!err)
		err = snapshot_build_consume(&inv, snap);
	inventory_free(&inv);
	return err ? EXIT_RUNTIME : 0;
}

static int render(const struct env *env, const struct snapshot *snap)
{
	struct cgroup_mounts mounts;
	struct cgroup_resolver *r;
	struct labels labels;
	int err = 0;

	if (cgroup_find_mounts(&mounts)) {
		pr_warn("no cgroup2 mount found in /proc/self/mountinfo\n");
		return EXIT_USAGE;
	}
	r = cgroup_resolver_new(&mounts);
	if (!r || labels_build(&labels, snap, r)) {
		cgroup_resolver_free(r);
		return EXIT_RUNTIME;
	}
	if (env->json)
		err = snapshot_view_json(stdout, snap, &labels);
	else
		snapshot_view_text(stdout, snap, &labels, env->limit);
	labels_free(&labels);
	cgroup_resolver_free(r);
	return fflush(stdout) || err ? EXIT_RUNTIME : 0;
}

int snapshot_run(const struct env *env)
{
	struct snapshot snap = {0};
	int status;

	log_init(env->verbose ? LOG_DEBUG : LOG_INFO);
	status = preflight_check();
	if (!status)
		status = take_snapshot(&snap);
	if (!status)
		status = render(env, &snap);
	snapshot_free(&snap);
	return status;
}
