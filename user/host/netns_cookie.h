/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* A network namespace's cookie: how BPF hooks name it (bpf_get_netns_cookie). */
#ifndef PW_NETNS_COOKIE_H
#define PW_NETNS_COOKIE_H

#include <stdint.h>

/* The cookie of the netns at @path (a /proc/PID/ns/net): read with
 * SO_NETNS_COOKIE (5.14) on a socket made inside it. 0 or -errno. */
int netns_cookie_of(const char *path, uint64_t *cookie);

#endif /* PW_NETNS_COOKIE_H */
