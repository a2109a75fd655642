// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Logging to stderr with a level, and the hook that routes libbpf's messages here.
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

static enum log_level max_level = LOG_WARN;

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > max_level)
		return;
	fputs("portwarden: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* libbpf is chatty about probes that are expected to fail while we pick a
 * load configuration, so its warnings are demoted to debug. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (max_level < LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_init(enum log_level level)
{
	max_level = level;
	libbpf_set_print(libbpf_print);
}
