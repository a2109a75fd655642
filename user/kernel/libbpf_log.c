// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// libbpf's messages, routed through our log level.
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "core/log.h"
#include "kernel/libbpf_log.h"

/* libbpf is chatty about probes that are expected to fail while we pick a
 * load configuration, so its warnings are demoted to debug. */
__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!log_enabled(LOG_DEBUG))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void libbpf_log_route(void)
{
	libbpf_set_print(libbpf_print);
}
