// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The snapshot command: run's latest, or collect the inventory once, aggregate, label, render.
#include <string.h>
#include <time.h>
#include "cmd/preflight.h"
#include "cmd/snapshot.h"
#include "core/log.h"
#include "core/snapshot.h"
#include "core/snapshot_json.h"
#include "host/cgroups.h"
#include "host/labels.h"
#include "kernel/collector.h"
#include "serve/daemon_client.h"
#include "serve/metrics_server.h"
#include "views/snapshot_view.h"

#define ATTACH_TIMEOUT_S 5 /* /snapshot is published at each sample: no wait */
/* A daemon whose last sample is older than this (stalled, or sampling
 * seldom) is not asked for "now": the sockets are walked here. */
#define STALE_S	     5
#define NOT_ATTACHED (-1)

/* Collect and aggregate into @snap. Returns 0 or an exit status. */
static int take_snapshot(struct snapshot *snap)
{
	struct collector c;
	struct inventory inv;
	int err;

	if (collector_open(&c, -1, false))
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

/* The daemon's document as it sent it (--json: its time is its sample's),
 * or its tables. */
static int render_attached(const struct env *env, const struct daemon_reply *r,
			   const struct snapshot *snap)
{
	if (!env->json)
		return render(env, snap);
	if (fwrite(r->body, 1, r->len, stdout) != r->len)
		return EXIT_RUNTIME;
	return fflush(stdout) ? EXIT_RUNTIME : 0;
}

/*
 * A running `portwarden run` took a snapshot at its last sample: shown at
 * once, with no programs loaded and no walk. Returns an exit status, or
 * NOT_ATTACHED to walk here: no daemon (silently; -v says so), one that
 * cannot be trusted or did not answer, a document we cannot read, or a
 * sample older than STALE_S (a warning or -v says which).
 */
static int attached(const struct env *env)
{
	const char *path = env->metrics_socket ? env->metrics_socket : METRICS_SOCKET_DEFAULT;
	struct snapshot snap;
	struct daemon_reply r;
	char why[128], at[16];
	int64_t age;
	int status;

	if (env->standalone ||
	    daemon_attach(path, "/snapshot", ATTACH_TIMEOUT_S, &r, "walking the sockets here"))
		return NOT_ATTACHED;
	if (snapshot_from_json(r.body, r.len, &snap, why, sizeof(why))) {
		pr_warn("portwarden run at %s sent a snapshot we cannot read (%s); walking the "
			"sockets here\n",
			path, why);
		daemon_reply_free(&r);
		return NOT_ATTACHED;
	}
	age = (int64_t)time(NULL) - snap.time_s;
	if (age > STALE_S) {
		pr_info("portwarden run at %s last sampled %lld s ago: walking the sockets here\n",
			path, (long long)age);
		status = NOT_ATTACHED;
	} else {
		strftime(at, sizeof(at), "%H:%M:%S", gmtime(&(time_t){snap.time_s}));
		pr_info("Snapshot of %s UTC from portwarden run at %s, its last sample "
			"(--standalone walks the sockets here instead).\n",
			at, path);
		status = render_attached(env, &r, &snap);
	}
	snapshot_free(&snap);
	daemon_reply_free(&r);
	return status;
}

int snapshot_run(const struct env *env)
{
	struct snapshot snap = {0};
	int status;

	log_init(env->verbose ? LOG_DEBUG : LOG_INFO);
	status = attached(env);
	if (status != NOT_ATTACHED)
		return status;
	status = preflight_check();
	if (!status)
		status = take_snapshot(&snap);
	if (!status)
		status = render(env, &snap);
	snapshot_free(&snap);
	return status;
}
