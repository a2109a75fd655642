/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* One logging module: messages to stderr (kernel/libbpf_log.h routes libbpf's here). */
#ifndef PW_LOG_H
#define PW_LOG_H

#include <stdbool.h>

/* LOG_ERR is never dropped: the reason a command fails. */
enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above @level are dropped; LOG_DEBUG also shows libbpf's debug output. */
void log_init(enum log_level level);
bool log_enabled(enum log_level level);
/* Under systemd, stderr may be a journal stream (host/journal_stream.h):
 * then each message starts with its syslog priority, "<3>" to "<7>", which
 * journald takes off and keeps as PRIORITY= (sd-daemon.h's SD_ERR...). */
void log_use_priorities(bool on);
/* The "<N>" prefix of @level ("" when priorities are off). */
const char *log_priority_prefix(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* PW_LOG_H */
