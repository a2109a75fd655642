// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the /proc/sys and /proc/net parsers (host/sysctl.c): port range,
// reserved ports, sockstat. The first byte picks one; the rest is the file.
#include <errno.h>
#include "fuzz.h"
#include "host/sysctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t bitmap[PORT_BITMAP_BYTES];
	struct sockstat st = {0};
	uint16_t low = 0, high = 0;
	char *text;
	int which, ret;

	if (!size)
		return 0;
	which = data[0] % 3;
	text = fuzz_strdup(data + 1, size - 1);
	switch (which) {
	case 0:
		ret = parse_port_range(text, &low, &high);
		FUZZ_ASSERT(ret == 0 || ret == -EINVAL, text, size - 1);
		break;
	case 1:
		memset(bitmap, 0, sizeof(bitmap));
		ret = parse_reserved_ports(text, bitmap);
		FUZZ_ASSERT(ret == 0 || ret == -EINVAL, text, size - 1);
		break;
	default:
		ret = parse_sockstat(text, &st);
		FUZZ_ASSERT(ret == 0 || ret == -EINVAL, text, size - 1);
		break;
	}
	free(text);
	return 0;
}
