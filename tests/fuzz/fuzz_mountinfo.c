// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the mountinfo parser (host/cgroups.c, cgroup_parse_mountinfo): any
// text gives mount points that are NUL-terminated strings (octal escapes
// undone), or -ENOENT.
#include <errno.h>
#include "fuzz.h"
#include "host/cgroups.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cgroup_mounts m;
	FILE *f;
	int ret;

	f = fmemopen(size ? (void *)data : (void *)"", size ? size : 1, "r");
	if (!f)
		return 0;
	memset(&m, 0x5a, sizeof(m));
	ret = cgroup_parse_mountinfo(f, &m);
	fclose(f);
	FUZZ_ASSERT(ret == 0 || ret == -ENOENT, data, size);
	FUZZ_ASSERT(memchr(m.v2, '\0', sizeof(m.v2)) != NULL, data, size);
	FUZZ_ASSERT(memchr(m.v1_memory, '\0', sizeof(m.v1_memory)) != NULL, data, size);
	FUZZ_ASSERT(ret != 0 || m.v2[0], data, size);
	return 0;
}
