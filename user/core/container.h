/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Mapping a cgroup path to the container, Kubernetes pod or systemd unit it belongs to. */
#ifndef PW_CONTAINER_H
#define PW_CONTAINER_H

#include <stdbool.h>

#define CONTAINER_ID_LEN      64  /* a full container id: lower-case hex */
#define CONTAINER_POD_UID_LEN 36  /* 8-4-4-4-12 with dashes */
#define CONTAINER_UNIT_MAX    255 /* systemd's longest unit name */
#define CONTAINER_NS_MAX      63  /* a Kubernetes namespace: a DNS label */
#define CONTAINER_NAME_MAX    253 /* a pod name (DNS subdomain); longer names are refused */

/*
 * What the container runtime calls the container (runtime_names.h, host/runtime_names.h):
 * from its own state on the node, never from the cgroup path. Raw bytes from a pod spec
 * or a podman command line: escape them before printing. "" when unknown.
 */
struct container_names {
	char pod_namespace[CONTAINER_NS_MAX + 1];
	char pod[CONTAINER_NAME_MAX + 1];
	char container[CONTAINER_NAME_MAX + 1];
	bool refused; /* a name was there but refused (too long, not a string, a NUL in it) */
};

enum container_runtime {
	CONTAINER_NONE = 0,
	CONTAINER_DOCKER,
	CONTAINER_CONTAINERD,
	CONTAINER_CRIO,
	CONTAINER_PODMAN,
	CONTAINER_SYSTEMD_UNIT,
};

/* Raw bytes taken from the path: escape them (escape.h) before printing. */
struct container_id {
	enum container_runtime runtime;
	char id[CONTAINER_ID_LEN + 1];		 /* full container id when known, else "" */
	char pod_uid[CONTAINER_POD_UID_LEN + 1]; /* Kubernetes pod UID, else "" */
	char unit[CONTAINER_UNIT_MAX + 1]; /* set only when runtime is CONTAINER_SYSTEMD_UNIT */
	struct container_names names;	   /* filled by host/runtime_names.h, not from the path */
};

/*
 * Parses @path, the third field of a /proc/PID/cgroup line without its newline, into @out.
 * Recognises docker, containerd, cri-o and podman scopes and cgroupfs directories, the
 * Kubernetes pod around them (systemd and cgroupfs drivers), and otherwise the innermost
 * systemd .service or .scope unit. The innermost container and pod win.
 *
 * A conmon scope (crio-conmon-<id>, libpod-conmon-<id>) holds the monitor of container
 * <id>, so it is reported as that container. A static pod's UID is the 32 hex digits
 * Kubernetes gave it, without dashes. A name with a container prefix but a malformed id is
 * not a container; if it ends in .scope it is reported as the systemd unit it still is.
 *
 * Returns 0 with @out zeroed and then filled (runtime CONTAINER_NONE when nothing is
 * recognised, pod_uid possibly still set), or -EINVAL if an argument is NULL.
 */
int container_from_cgroup_path(const char *path, struct container_id *out);

/* "docker", "containerd", "cri-o", "podman", "systemd" or "none"; "unknown" if invalid. */
const char *container_runtime_name(enum container_runtime r);

#endif /* PW_CONTAINER_H */
