// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The lifeline each step: protect, engage, release, log.
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/lifeline.h"
#include "core/log.h"
#include "guard/guard.h"
#include "guard/lifeline.h"
#include "host/netns.h"
#include "host/netns_cookie.h"
#include "host/procfs.h"

#define PF_KTHREAD 0x00200000

void lifeline_pool_name(const struct snap_pool *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	if (p->kind != POOL_TCP_CONNECT) {
		snprintf(buf, len, "%s pool in netns %u", pool_kind_name(p->kind), p->netns);
		return;
	}
	inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->raddr, addr, sizeof(addr));
	snprintf(buf, len, "%s pool in netns %u to %s%s%s:%u", pool_kind_name(p->kind), p->netns,
		 p->family == AF_INET6 ? "[" : "", addr, p->family == AF_INET6 ? "]" : "",
		 p->rport);
}

static void log_change(struct guard *g, const struct lifeline_pool *lp, bool engaged)
{
	char name[128], detail[256];
	struct audit_record r = {.event = "lifeline",
				 .action = engaged ? "engaged" : "released",
				 .ports_held = -1,
				 .exited = -1,
				 .pool = &lp->pool,
				 .reason = engaged ? "pool past the lifeline" : "pool back under it",
				 .dry_run = g->ef.dry_run,
				 .detail = detail};

	lifeline_pool_name(&lp->pool, name, sizeof(name));
	snprintf(detail, sizeof(detail), "%s %.1f%% full, lifeline %.0f%%: %s", name,
		 100.0 * lp->fill, 100.0 * g->cfg.policy.lifeline,
		 !engaged	  ? "new ports for everyone again"
		 : g->ef.dry_run ? "new ports would be kept for protected processes (dry run)"
				  : "new ports kept for protected processes");
	audit_write(&g->audit, &r);
}

int guard_netns_path(const struct guard *g, uint32_t inum, char *path, size_t len)
{
	struct netns_ref named[64];
	size_t n;

	procfs_path(path, len, "self/ns/net");
	if (netns_inum_of(path) == inum)
		return 0;
	for (size_t i = 0; i < g->m.snap.nr_sockets; i++) {
		const struct snap_socket *s = &g->m.snap.sockets[i];
		char rel[32];

		if (s->sock.netns != inum || s->first_holder >= g->m.snap.nr_processes)
			continue;
		snprintf(rel, sizeof(rel), "%u/ns/net",
			 g->m.snap.processes[s->first_holder].tgid);
		procfs_path(path, len, rel);
		if (netns_inum_of(path) == inum)
			return 0;
	}
	n = netns_add_named(named, 0, sizeof(named) / sizeof(named[0]));
	for (size_t i = 0; i < n; i++)
		if (named[i].inum == inum)
			return snprintf(path, len, "%s", named[i].path) < (int)len ? 0 : -ENAMETOOLONG;
	return -ENOENT;
}

/* The hooks' key for @p; -errno when its netns cannot be entered. */
static int key_of(struct guard *g, const struct snap_pool *p, struct lifeline_key *k)
{
	char path[PATH_MAX];
	int err = guard_netns_path(g, p->netns, path, sizeof(path));

	memset(k, 0, sizeof(*k));
	if (!err)
		err = netns_cookie_of(path, &k->netns_cookie);
	if (err)
		return err;
	k->kind = (uint8_t)p->kind;
	if (p->kind == POOL_TCP_CONNECT) {
		k->family = p->family;
		k->rport = p->rport;
		memcpy(k->raddr, p->raddr, sizeof(k->raddr));
	}
	return 0;
}

/* A cgroup2 directory's id, as bpf_get_current_cgroup_id() gives it. */
static uint64_t cgroup_id(const struct guard *g, const char *path)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	char full[PATH_MAX];
	uint64_t id;
	int mount_id;

	if (snprintf(full, sizeof(full), "%s%s", g->mounts.v2, path) >= (int)sizeof(full))
		return 0;
	h.fh.handle_bytes = sizeof(uint64_t);
	if (name_to_handle_at(AT_FDCWD, full, &h.fh, &mount_id, 0) ||
	    h.fh.handle_bytes != sizeof(uint64_t))
		return 0;
	memcpy(&id, h.fh.f_handle, sizeof(id));
	return id;
}

/* One process from /proc: matched by the protections? */
static bool read_proc(struct guard *g, pid_t pid, struct lifeline_proc *out)
{
	char exe[PATH_MAX] = "", cgroup[PATH_MAX] = "";
	struct proc_stat st;
	uint64_t id;

	if (procfs_pid_stat(pid, &st) || (st.flags & PF_KTHREAD))
		return false;
	procfs_pid_exe(pid, exe, sizeof(exe));
	procfs_pid_cgroup(pid, "", cgroup, sizeof(cgroup));
	*out = (struct lifeline_proc){.tgid = (uint32_t)pid, .ppid = (uint32_t)st.ppid};
	out->matched = pid == getpid() || policy_protected(&g->cfg.protect, st.comm, exe, cgroup);
	out->inherits = lifeline_inherits((uint32_t)pid, exe);
	/* protected by its cgroup: so is whoever joins that cgroup later */
	if (out->matched && cgroup[0] && strcmp(cgroup, "/") &&
	    policy_protected(&g->cfg.protect, "", "", cgroup) && (id = cgroup_id(g, cgroup)) &&
	    lifeline_protect_cgroup(&g->budget, id))
		g->lifeline_full++;
	return true;
}

/*
 * Every process the protections match, portwarden, and the descendants of
 * those that pass protection on, into the kernel's map, before a pool is
 * engaged (children forked later are added by the kernel). Gone ones are
 * pruned. Runs only while some pool is engaged: a walk of /proc.
 */
static void protect(struct guard *g)
{
	struct lifeline_proc *procs = NULL;
	size_t nr = 0, cap = 0;
	char root[PATH_MAX];
	DIR *d = procfs_path(root, sizeof(root), "") ? NULL : opendir(root);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (nr == cap) {
			struct lifeline_proc *more = realloc(procs, (cap = cap ? 2 * cap : 512) *
								   sizeof(*procs));

			if (!more)
				break;
			procs = more;
		}
		nr += read_proc(g, (pid_t)atoi(de->d_name), &procs[nr]);
	}
	if (d)
		closedir(d);
	lifeline_protect_tree(procs, nr);
	for (size_t i = 0; i < nr; i++)
		if (procs[i].protect &&
		    lifeline_protect_tgid(&g->budget, procs[i].tgid, procs[i].pass_on))
			g->lifeline_full++;
	free(procs);
	lifeline_prune(&g->budget);
}

/* Nothing lost silently: pools past the cap, protections the maps could not
 * hold, said when their counts grow. */
static void warn_losses(struct guard *g, size_t over)
{
	uint64_t full = g->lifeline_full + lifeline_inherit_full(&g->budget);

	if (over && over != g->lifeline_over_said)
		pr_warn("lifeline: %zu more pools past the lifeline than the %d that can be kept: "
			"they are not\n",
			over, LIFELINE_POOLS_MAX);
	g->lifeline_over_said = over;
	if (full > g->lifeline_full_said)
		pr_warn("lifeline: %llu protected processes or cgroups could not be recorded (map "
			"full): they are refused like the rest\n",
			(unsigned long long)(full - g->lifeline_full_said));
	g->lifeline_full_said = full;
}

static bool newly(const struct lifeline_changes *ch, const struct snap_pool *p)
{
	for (size_t i = 0; i < ch->nr_engaged; i++)
		if (lifeline_same_pool(&ch->engaged[i].pool, p))
			return true;
	return false;
}

void lifeline_step(struct guard *g)
{
	static struct lifeline_state next; /* 40 KiB: off the stack */
	static struct lifeline_changes ch;
	static struct lifeline_key keys[LIFELINE_POOLS_MAX];
	static size_t idx[LIFELINE_POOLS_MAX]; /* keys[j] is next.items[idx[j]]'s */
	double line = g->budget.skel ? g->cfg.policy.lifeline : 0;
	size_t n = 0;

	if (!g->budget.skel && !g->lifeline.nr)
		return;
	lifeline_update(&g->lifeline, g->m.snap.pools, g->m.snap.nr_pools, line, &next, &ch);
	if (next.nr)
		protect(g);
	for (size_t i = 0; i < next.nr; i++) {
		int err = key_of(g, &next.items[i].pool, &keys[n]);

		if (!err)
			idx[n++] = i;
		else if (newly(&ch, &next.items[i].pool)) /* once per engagement */
			pr_warn("lifeline: no way into netns %u (%s): its pool is not kept\n",
				next.items[i].pool.netns, strerror(-err));
	}
	if (g->budget.skel && (n || g->lifeline.nr) && lifeline_engage(&g->budget, keys, n))
		pr_warn("lifeline: failed to update the engaged pools: %s\n", strerror(errno));
	/* others refused there since the last step: the hog rule's failures */
	for (size_t j = 0; g->budget.skel && j < n; j++) {
		struct lifeline_pool *lp = &next.items[idx[j]];
		uint64_t refused = lifeline_refused(&g->budget, &keys[j]);

		lp->refusing = refused > lp->refused;
		lp->refused = refused;
	}
	for (size_t i = 0; i < ch.nr_engaged; i++)
		log_change(g, &ch.engaged[i], true);
	for (size_t i = 0; i < ch.nr_released; i++)
		log_change(g, &ch.released[i], false);
	warn_losses(g, next.over);
	g->lifeline = next;
}
