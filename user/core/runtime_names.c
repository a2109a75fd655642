// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Pod and container names from a runtime's OCI config.json annotations, checked.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "core/runtime_names.h"

struct annotation_keys {
	const char *pod_namespace, *pod, *container;
};

/* containerd: pkg/cri/annotations; CRI-O: k8s.io/cri-api's well-known labels it copies */
static const struct annotation_keys containerd_keys = {
	"io.kubernetes.cri.sandbox-namespace",
	"io.kubernetes.cri.sandbox-name",
	"io.kubernetes.cri.container-name",
};
static const struct annotation_keys crio_keys = {
	"io.kubernetes.pod.namespace",
	"io.kubernetes.pod.name",
	"io.kubernetes.container.name",
};

bool runtime_names_take(char *dst, size_t size, const char *value, size_t len)
{
	dst[0] = '\0';
	if (!value || len >= size || memchr(value, '\0', len))
		return false;
	memcpy(dst, value, len);
	dst[len] = '\0';
	return true;
}

/* One annotation into @dst; a present but unusable one marks @out refused. */
static void take_annotation(struct json_object *ann, const char *key, char *dst, size_t size,
			    struct container_names *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(ann, key, &v))
		return; /* absent: nothing to say */
	if (!json_object_is_type(v, json_type_string) ||
	    !runtime_names_take(dst, size, json_object_get_string(v),
				(size_t)json_object_get_string_len(v)))
		out->refused = true;
}

static const struct annotation_keys *keys_of(enum container_runtime runtime)
{
	switch (runtime) {
	case CONTAINER_CONTAINERD:
		return &containerd_keys;
	case CONTAINER_CRIO:
		return &crio_keys;
	default:
		return NULL;
	}
}

/* Parse @text whole, or NULL: trailing bytes after the object are refused too. */
static struct json_object *parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(RUNTIME_NAMES_DEPTH_MAX);
	struct json_object *root;

	if (!tok)
		return NULL;
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (root && (json_tokener_get_error(tok) != json_tokener_success ||
		     json_tokener_get_parse_end(tok) != len)) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

int runtime_names_from_json(enum container_runtime runtime, const char *text, size_t len,
			    struct container_names *out)
{
	const struct annotation_keys *keys = keys_of(runtime);
	struct json_object *root, *ann;

	memset(out, 0, sizeof(*out));
	if (!keys)
		return -EOPNOTSUPP;
	if (len > RUNTIME_NAMES_FILE_MAX)
		return -EFBIG;
	root = parse(text, len);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EINVAL;
	}
	if (json_object_object_get_ex(root, "annotations", &ann)) {
		if (json_object_is_type(ann, json_type_object)) {
			take_annotation(ann, keys->pod_namespace, out->pod_namespace,
					sizeof(out->pod_namespace), out);
			take_annotation(ann, keys->pod, out->pod, sizeof(out->pod), out);
			take_annotation(ann, keys->container, out->container,
					sizeof(out->container), out);
		} else {
			out->refused = true;
		}
	}
	json_object_put(root);
	return 0;
}

/* The first name of @entry into @out; false if @entry is not container @id. */
static bool podman_entry(struct json_object *entry, const char *id, struct container_names *out)
{
	struct json_object *v, *names;

	if (!json_object_is_type(entry, json_type_object) ||
	    !json_object_object_get_ex(entry, "id", &v) ||
	    !json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), id))
		return false;
	if (!json_object_object_get_ex(entry, "names", &names))
		return true;
	if (!json_object_is_type(names, json_type_array)) {
		out->refused = true;
		return true;
	}
	if (json_object_array_length(names) > 0) {
		v = json_object_array_get_idx(names, 0);
		if (!json_object_is_type(v, json_type_string) ||
		    !runtime_names_take(out->container, sizeof(out->container),
					json_object_get_string(v),
					(size_t)json_object_get_string_len(v)))
			out->refused = true;
	}
	return true;
}

int runtime_names_podman_from_json(const char *text, size_t len, const char *id,
				   struct container_names *out)
{
	struct json_object *root;
	int err = -ENOENT;

	memset(out, 0, sizeof(*out));
	if (len > RUNTIME_NAMES_FILE_MAX)
		return -EFBIG;
	root = parse(text, len);
	if (!root || !json_object_is_type(root, json_type_array)) {
		json_object_put(root);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_object_array_length(root); i++) {
		if (podman_entry(json_object_array_get_idx(root, i), id, out)) {
			err = 0;
			break;
		}
	}
	json_object_put(root);
	return err;
}

void runtime_names_label(const struct container_names *n, char *buf, size_t size)
{
	if (n->pod[0])
		snprintf(buf, size, "%s/%s/%s", n->pod_namespace, n->pod, n->container);
	else
		snprintf(buf, size, "%s", n->container);
}

void runtime_names_shown(const struct container_names *n, char *buf, size_t size)
{
	char raw[RUNTIME_NAMES_LABEL_SIZE];

	runtime_names_label(n, raw, sizeof(raw));
	escape_terminal(buf, size, raw, SIZE_MAX);
}
