/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Cgroup mounts, and cgroup ids to paths (v2 first, v1 memory on hybrid hosts). */
#ifndef PW_CGROUPS_H
#define PW_CGROUPS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "core/labels.h"

#define CGROUP_ROOT_ID 1 /* kernfs id of every hierarchy's root */

struct cgroup_mounts {
	char v2[PATH_MAX];	  /* cgroup2 mount point, "" if none */
	char v1_memory[PATH_MAX]; /* cgroup v1 memory controller mount point, "" if none */
	bool v2_above_namespace;  /* a cgroup2 mount whose root ("/../..") lies above
				   * our cgroup namespace's: we run in a pod's own */
};

/* Find the mounts in a mountinfo stream; only mounts of a hierarchy's root
 * count (containers often bind-mount a sub-directory). Returns 0 or -ENOENT
 * when there is no cgroup2 mount. */
int cgroup_parse_mountinfo(FILE *mountinfo, struct cgroup_mounts *m);

/*
 * The same, from /proc/self/mountinfo. In a cgroup namespace of its own (a
 * pod on a cgroup v2 node: the kubelet's runtime makes one) the host's
 * hierarchy, bind-mounted in, shows with a root above the namespace's and
 * /proc/PID/cgroup paths start with "/..": portwarden then joins the cgroup
 * namespace of PID 1 (the host's init, with hostPID; needs CAP_SYS_ADMIN)
 * and reads again, so that every path is the host's. When it cannot, it
 * says why and returns -ENOENT.
 */
int cgroup_find_mounts(struct cgroup_mounts *m);

/* A --cgroup argument: a directory on the cgroup2 mount, given as a
 * filesystem path or relative to the mount ("/kubepods.slice"). */
struct cgroup_target {
	uint64_t id;
	int level;	     /* depth below the root: 0 for the root itself */
	char path[PATH_MAX]; /* relative to the mount, "/" for the root */
	char dir[PATH_MAX];  /* filesystem path, to attach cgroup programs to */
};

/* Returns 0, or -ENOENT when @arg is no cgroup2 directory. */
int cgroup_target_resolve(const struct cgroup_mounts *m, const char *arg, struct cgroup_target *t);

struct cgroup_resolver;

struct cgroup_resolver *cgroup_resolver_new(const struct cgroup_mounts *m);
void cgroup_resolver_free(struct cgroup_resolver *r);

/*
 * Place a socket: its cgroup2 id when that is not the root; else (a process
 * left in the v2 root on a hybrid host) the owner's v1 memory cgroup, from
 * @cgroup1_id or, failing that, /proc/@tgid/cgroup. Ids are cached; a
 * cgroup removed since shows as "(deleted cgroup ID)" (err -ENOENT), one
 * that could not be named as "(unnamed cgroup ID)" (err: why). Paths longer
 * than PATH_MAX are found by walking up from the cgroup's directory, up to
 * PW_CGROUP_PATH_MAX. @out is overwritten; cgroup_place_release() frees it.
 */
void cgroup_resolver_place(struct cgroup_resolver *r, uint64_t cgroup_id, uint64_t cgroup1_id,
			   pid_t tgid, struct cgroup_place *out);

/* Does cgroup2 cgroup @rel ("/a/b") under @mount still hold processes
 * ("populated" in cgroup.events)? 1, 0, or -errno. */
int cgroup_populated(const char *mount, const char *rel);

#endif /* PW_CGROUPS_H */
