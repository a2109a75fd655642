// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The tracing modes' names, as --mode takes them and verdicts show them.
#include <errno.h>
#include <string.h>
#include "kernel/modes.h"

static const char *const mode_names[] = {
	[MODE_AUTO] = "auto",
	[MODE_STATE] = "state",
	[MODE_SYSCALL] = "syscall",
	[MODE_FEXIT] = "fexit",
};

const char *trace_mode_name(enum trace_mode mode)
{
	if ((size_t)mode >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "?";
	return mode_names[mode];
}

int trace_mode_parse(const char *s, enum trace_mode *mode)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*mode = (enum trace_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}
