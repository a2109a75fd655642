// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the names read from container runtimes' JSON (core/runtime_names.c)
// and their views: whatever the file holds (a pod spec's values, a corrupt
// file), every name is a terminated string within its cap, and the JSON of
// the container and its text label stay valid.
#include <errno.h>
#include "core/runtime_names.h"
#include "fuzz.h"
#include "views/json.h"
#include "views/view_json.h"

#define ID "c0ffee0000000000c0ffee0000000000c0ffee0000000000c0ffee0000000000"

static void check_names(const struct container_names *n, const char *in, size_t size)
{
	char label[RUNTIME_NAMES_LABEL_SIZE];

	FUZZ_ASSERT(memchr(n->pod_namespace, '\0', sizeof(n->pod_namespace)), in, size);
	FUZZ_ASSERT(memchr(n->pod, '\0', sizeof(n->pod)), in, size);
	FUZZ_ASSERT(memchr(n->container, '\0', sizeof(n->container)), in, size);
	runtime_names_label(n, label, sizeof(label));
	FUZZ_ASSERT(strlen(label) < sizeof(label), in, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first byte picks the runtime, the rest is the file */
	static const enum container_runtime runtimes[] = {CONTAINER_CONTAINERD, CONTAINER_CRIO,
							  CONTAINER_PODMAN};
	struct container_id c = {.id = ID};
	struct json_writer w;
	struct fuzz_out o;
	const char *text;
	char *copy, *out;
	int err;

	if (!size || size > RUNTIME_NAMES_FILE_MAX)
		return 0;
	c.runtime = runtimes[data[0] % 3];
	copy = fuzz_strdup(data + 1, size - 1); /* json-c reads no further than the length */
	text = copy;
	if (c.runtime == CONTAINER_PODMAN)
		err = runtime_names_podman_from_json(text, size - 1, ID, &c.names);
	else
		err = runtime_names_from_json(c.runtime, text, size - 1, &c.names);
	FUZZ_ASSERT(err == 0 || err == -EINVAL || err == -ENOENT, copy, size - 1);
	check_names(&c.names, copy, size - 1);
	json_init(&w, fuzz_out_begin(&o));
	json_object_begin(&w);
	view_json_container(&w, &c, data[0] & 4);
	json_object_end(&w);
	FUZZ_ASSERT(json_finish(&w) == 0, NULL, 0);
	out = fuzz_out_end(&o);
	fuzz_check_json(out, o.len, 0);
	free(out);
	free(copy);
	return 0;
}
