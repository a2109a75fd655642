// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Logging to stderr with a level.
#include <stdarg.h>
#include <stdio.h>
#include "core/log.h"

static enum log_level max_level = LOG_WARN;
static bool priorities;

const char *log_priority_prefix(enum log_level level)
{
	/* syslog's numbers, as sd-daemon.h's SD_ERR, SD_WARNING, SD_INFO, SD_DEBUG
	 * (syslog.h's own LOG_* names clash with ours) */
	static const char *const prefix[] = {"<3>", "<4>", "<6>", "<7>"};

	if (!priorities || (unsigned)level > LOG_DEBUG)
		return "";
	return prefix[level];
}

void log_use_priorities(bool on)
{
	priorities = on;
}

__attribute__((format(printf, 2, 0)))
static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > max_level)
		return;
	fputs(log_priority_prefix(level), stderr);
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

void log_init(enum log_level level)
{
	max_level = level;
}

bool log_enabled(enum log_level level)
{
	return level <= max_level;
}
