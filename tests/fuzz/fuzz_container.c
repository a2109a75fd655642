// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes container recognition from cgroup paths (core/container.c) and the
// label views built on it (views/view_json.c): every field stays a
// terminated string of the form its runtime promises, and the JSON of the
// label (path and container) is valid whatever the path holds.
#include <limits.h>
#include "core/container.h"
#include "core/labels.h"
#include "fuzz.h"
#include "views/json.h"
#include "views/view_json.h"

static int all_lower_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct group_label g;
	struct json_writer w;
	struct fuzz_out o;
	char *path, *text;

	if (size > PW_CGROUP_PATH_MAX)
		return 0;
	path = fuzz_strdup(data, size);
	memset(&g, 0, sizeof(g));
	g.place.path = path;
	g.place.hierarchy = size & 1 ? "v2" : "v1:memory";
	FUZZ_ASSERT(container_from_cgroup_path(path, &g.container) == 0, path, size);
	FUZZ_ASSERT(memchr(g.container.id, '\0', sizeof(g.container.id)), path, size);
	FUZZ_ASSERT(memchr(g.container.pod_uid, '\0', sizeof(g.container.pod_uid)), path, size);
	FUZZ_ASSERT(memchr(g.container.unit, '\0', sizeof(g.container.unit)), path, size);
	FUZZ_ASSERT(all_lower_hex(g.container.id), path, size);
	FUZZ_ASSERT(g.container.runtime == CONTAINER_NONE || g.container.id[0] ||
			    g.container.unit[0],
		    path, size);
	FUZZ_ASSERT(container_runtime_name(g.container.runtime) != NULL, path, size);

	json_init(&w, fuzz_out_begin(&o));
	json_object_begin(&w);
	view_json_cgroup(&w, &g);
	view_json_container(&w, &g.container, size & 2);
	json_object_end(&w);
	FUZZ_ASSERT(json_finish(&w) == 0, NULL, 0);
	text = fuzz_out_end(&o);
	fuzz_check_json(text, o.len, 0);
	free(text);
	free(path);
	return 0;
}
