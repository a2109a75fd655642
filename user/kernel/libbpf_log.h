/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* libbpf's messages, routed through our log level. */
#ifndef PW_LIBBPF_LOG_H
#define PW_LIBBPF_LOG_H

/* From now on libbpf prints only under LOG_DEBUG (-v). */
void libbpf_log_route(void);

#endif /* PW_LIBBPF_LOG_H */
