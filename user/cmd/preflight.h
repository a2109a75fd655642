/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Checks every BPF command makes before loading anything, with clear messages. */
#ifndef PW_PREFLIGHT_H
#define PW_PREFLIGHT_H

/* Root and kernel BTF. Returns 0, or EXIT_USAGE after saying what is missing. */
int preflight_check(void);

#endif /* PW_PREFLIGHT_H */
