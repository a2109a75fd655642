/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Network namespaces: finding them, stepping into one, and reading its port settings. */
#ifndef PW_NETNS_H
#define PW_NETNS_H

#include <stdint.h>
#include "core/inventory.h"

/* A network namespace we can enter, by a path to its nsfs file. */
struct netns_ref {
	uint32_t inum;
	char path[64 + 256]; /* /proc/PID/ns/net or /run/netns/NAME */
};

/* Inode number of the netns at @path, or 0. */
uint32_t netns_inum_of(const char *path);

/* Append to @refs (up to @max) the namespaces named under /run/netns and
 * /var/run/docker/netns, skipping inums already present. Returns the new count. */
size_t netns_add_named(struct netns_ref *refs, size_t nr, size_t max);

/* Move the calling thread into the netns at @path; returns 0 or -errno.
 * netns_leave() returns to the netns the process started in. */
int netns_enter(const char *path);
int netns_leave(void);

/* Read ip_local_port_range and ip_local_reserved_ports of the netns the
 * calling thread is in (network sysctls answer for the reader's netns). */
int netns_read_ports(struct netns_ports *out);

/* The socket counts of the calling thread's netns (sockstat and sockstat6;
 * a kernel without IPv6 has no sockstat6). Returns 0 or -errno. */
int netns_read_sockstat(struct sockstat *out);

#endif /* PW_NETNS_H */
