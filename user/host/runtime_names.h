/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Names of a container from its runtime's state on this node (no runtime API,
 * no Kubernetes client): containerd's and CRI-O's OCI bundle config.json,
 * podman's containers.json (core/runtime_names.h parses them). Files are
 * opened without following a final symbolic link, regular files only, never
 * blocking, at most RUNTIME_NAMES_FILE_MAX bytes. Results are cached per
 * container id while the file they came from is unchanged (checked by a stat
 * at most once per RUNTIME_NAMES_RECHECK_MS); an entry goes when its file does
 * (the container is gone) or, the cache being full, when it is the least
 * recently used. One thread only.
 */
#ifndef PW_HOST_RUNTIME_NAMES_H
#define PW_HOST_RUNTIME_NAMES_H

#include <stdint.h>
#include "core/container.h"

/* The containerd bundle of container ID: PREFIX/ID/config.json (root's k8s.io namespace). */
#define RUNTIME_NAMES_CONTAINERD_DIR "/run/containerd/io.containerd.runtime.v2.task/k8s.io"
/* CRI-O's runroot (containers/storage's default): PREFIX/ID/userdata/config.json */
#define RUNTIME_NAMES_CRIO_DIR "/run/containers/storage/overlay-containers"
/* podman's (root) graphroot record of its containers */
#define RUNTIME_NAMES_PODMAN_FILE "/var/lib/containers/storage/overlay-containers/containers.json"

/* A cached entry is trusted this long before its file is stat'ed again (a
 * removed container keeps its names at most this long). */
#define RUNTIME_NAMES_RECHECK_MS 1000

/* Change that (0: stat on every lookup; for tests). */
void runtime_names_set_recheck_ms(uint64_t ms);

/* Read every path above under @root ("" is the real root; tests point it at fixtures).
 * Empties the cache. */
void runtime_names_set_root(const char *root);

/*
 * Fill @c->names for @c's runtime and id. Returns 0 when the runtime's file was
 * read (names possibly ""), -ENOENT when it is not there (not such a container,
 * or gone), -EOPNOTSUPP for a runtime without one (docker, systemd, none), else
 * -errno of the open or read (-ELOOP, -ENOTREG_FILE, -EFBIG, -EINVAL: bad JSON).
 * @c->names is left "" on any error.
 */
int runtime_names_lookup(struct container_id *c);

struct runtime_names_stats {
	unsigned long reads;   /* files read and parsed */
	unsigned long hits;    /* lookups answered from the cache */
	unsigned long refused; /* files refused: a link, not regular, too big, bad JSON */
	unsigned long evicted; /* entries dropped: their file went, or the cache was full */
};
void runtime_names_stats(struct runtime_names_stats *out);

#endif /* PW_HOST_RUNTIME_NAMES_H */
