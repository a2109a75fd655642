/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The socket inventory: every socket record the BPF iterators produced, and
 * the port settings of each network namespace they were found in. */
#ifndef PW_INVENTORY_H
#define PW_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sockets.h"

#define PORT_BITMAP_BYTES (65536 / 8)

/* A network namespace's local port settings (read inside that netns). */
struct netns_ports {
	uint32_t inum;
	bool known;			     /* false: settings could not be read */
	uint16_t low, high;		     /* net.ipv4.ip_local_port_range, inclusive */
	uint8_t reserved[PORT_BITMAP_BYTES]; /* net.ipv4.ip_local_reserved_ports */
};

struct inventory {
	struct pw_sock *socks; /* every record of every iterator, in no particular order */
	size_t nr_socks, cap_socks;
	struct netns_ports *netns;
	size_t nr_netns, cap_netns;
	uint64_t taken_ns; /* CLOCK_MONOTONIC when collection started */
};

void inventory_init(struct inventory *inv);
void inventory_free(struct inventory *inv);
/* Append a record / a netns; return 0 or -ENOMEM. */
int inventory_add_sock(struct inventory *inv, const struct pw_sock *s);
/*
 * Room for @more records past the last, for a reader to fill in place at
 * &socks[nr_socks] and then count in nr_socks. Bytes written past
 * nr_socks (a record not yet whole) are kept when the array moves. The
 * first reservation of an empty inventory gets exactly the room it asks
 * for (past 256); later ones double. Returns 0 or -ENOMEM.
 */
int inventory_reserve(struct inventory *inv, size_t more);
struct netns_ports *inventory_add_netns(struct inventory *inv, uint32_t inum);
const struct netns_ports *inventory_find_netns(const struct inventory *inv, uint32_t inum);

static inline bool port_reserved(const struct netns_ports *n, uint16_t port)
{
	return n->reserved[port / 8] & (1u << (port % 8));
}

/* Socket counts of one netns, from /proc/net/sockstat and sockstat6. */
struct sockstat {
	uint32_t tcp_inuse; /* hashed TCP sockets, IPv4 and IPv6: listening or connected */
	uint32_t tcp_tw;    /* TIME_WAIT sockets */
	uint32_t udp_inuse; /* bound UDP sockets, IPv4 and IPv6 */
};

#endif /* PW_INVENTORY_H */
