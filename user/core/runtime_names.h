/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Pod namespace, pod name and container name from a container runtime's OCI
 * bundle config.json (its "annotations"), pure: host/runtime_names.h reads the
 * file. The runtime writes the file, but the values come from pod specs, so
 * each one is checked: a string, no NUL in it, no longer than its field.
 */
#ifndef PW_RUNTIME_NAMES_H
#define PW_RUNTIME_NAMES_H

#include <stddef.h>
#include "core/container.h"
#include "core/escape.h"

/* The biggest config.json read: real ones are a few KiB (tens with many mounts). */
#define RUNTIME_NAMES_FILE_MAX (1u << 20)

/* json-c's nesting limit for the parse: an OCI spec nests about 6 deep. */
#define RUNTIME_NAMES_DEPTH_MAX 32

/*
 * Fill @out from the annotations of @text (@len bytes) that @runtime writes:
 * containerd's CRI plugin io.kubernetes.cri.{sandbox-namespace,sandbox-name,
 * container-name}, CRI-O's io.kubernetes.{pod.namespace,pod.name,container.name},
 * (podman 4 writes no name into the bundle: runtime_names_podman_from_json()).
 * Returns 0 (@out zeroed, then filled; fields possibly still "", refused set
 * when a value was refused), -EINVAL for text that is not a JSON object or
 * nests deeper than RUNTIME_NAMES_DEPTH_MAX, -EFBIG above RUNTIME_NAMES_FILE_MAX,
 * -EOPNOTSUPP for a runtime without annotations of its own.
 */
int runtime_names_from_json(enum container_runtime runtime, const char *text, size_t len,
			    struct container_names *out);

/*
 * Fill @out->container from @text, containers/storage's containers.json (a
 * JSON array of {"id": ..., "names": [NAME, ...]}, podman's own record of its
 * containers): the first name of the entry whose id is @id. Returns 0 when
 * found, -ENOENT when @id is not there, -EINVAL/-EFBIG as above.
 */
int runtime_names_podman_from_json(const char *text, size_t len, const char *id,
				   struct container_names *out);

/*
 * Copy @value (@len bytes) into @dst (@size bytes) if it fits whole with its
 * NUL and holds no NUL itself; else leave @dst "" and return false. A cut name
 * could match a config rule meant for another one, so it is refused, not cut.
 */
bool runtime_names_take(char *dst, size_t size, const char *value, size_t len);

/* Room for runtime_names_label(): namespace, pod, container, two '/' and a NUL. */
#define RUNTIME_NAMES_LABEL_SIZE (CONTAINER_NS_MAX + 2 * CONTAINER_NAME_MAX + 3)

/*
 * "NAMESPACE/POD/CONTAINER" (Kubernetes), else "CONTAINER" (podman) into @buf
 * of RUNTIME_NAMES_LABEL_SIZE bytes; "" when there are no names. Raw: escape it.
 */
void runtime_names_label(const struct container_names *n, char *buf, size_t size);

/* Room for runtime_names_shown(). */
#define RUNTIME_NAMES_SHOWN_SIZE ESCAPE_TERMINAL_BUF_SIZE(RUNTIME_NAMES_LABEL_SIZE)

/* runtime_names_label() escaped for a terminal or a log line (any pod may
 * choose its name), into @buf of RUNTIME_NAMES_SHOWN_SIZE bytes. */
void runtime_names_shown(const struct container_names *n, char *buf, size_t size);

#endif /* PW_RUNTIME_NAMES_H */
