/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The texts of a netns's port sysctls (ip_local_port_range,
 * ip_local_reserved_ports) and of /proc/net/sockstat{,6}, parsed. */
#ifndef PW_SYSCTL_H
#define PW_SYSCTL_H

#include <stdint.h>
#include "core/inventory.h"

/* Add the counts in the text of sockstat or sockstat6 to @out. Returns 0,
 * or -EINVAL when a TCP or UDP line cannot be read. */
int parse_sockstat(const char *text, struct sockstat *out);

/* Parse "32768\t60999" / "32768 60999". Returns 0 or -EINVAL. */
int parse_port_range(const char *text, uint16_t *low, uint16_t *high);
/* Parse "1000,2000-2010" (or "" for none) into @bitmap. Returns 0 or -EINVAL. */
int parse_reserved_ports(const char *text, uint8_t bitmap[PORT_BITMAP_BYTES]);

#endif /* PW_SYSCTL_H */
