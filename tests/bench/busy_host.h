/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * A synthetic busy host, as the socket iterators would write it into an
 * inventory: snapbuild.c times snapshot_build() over it at 100k sockets, and
 * tests/unit/test_snapshot.c checks what the snapshot counts at a small size.
 *
 * Socket i: in netns BUSY_NETNS0 + i % 10 (range 32768..60999), cgroup
 * 10 + i % 100, owned by process 1000 + i % 1000 ("p<tgid>"), from 10.0.0.9
 * to 10.0.0.(i % 50):443. By i % 10: 0 UDP, 1-2 TIME_WAIT (closer known, no
 * holder), 3 bound and never connected (only its holder's file shows it),
 * the rest established; UDP and established ones are seen by their table
 * and their holder's file.
 */
#ifndef PW_BUSY_HOST_H
#define PW_BUSY_HOST_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "core/inventory.h"

#define BUSY_NETNS0 4026531840u
#define BUSY_NETNS  10
#define BUSY_PROCS  1000
#define BUSY_GROUPS 100

/* The netns' port ranges. 0 or -ENOMEM. */
static inline int busy_host_netns(struct inventory *inv)
{
	for (uint32_t ns = 0; ns < BUSY_NETNS; ns++) {
		struct netns_ports *n = inventory_add_netns(inv, BUSY_NETNS0 + ns);

		if (!n)
			return -ENOMEM;
		n->known = true;
		n->low = 32768;
		n->high = 60999;
	}
	return 0;
}

static inline void busy_host_owner(struct pw_sock *r, uint32_t i)
{
	r->tgid = 1000 + i % BUSY_PROCS;
	r->flags |= PW_SOCKF_OWNER_KNOWN;
	snprintf(r->comm, sizeof(r->comm), "p%u", r->tgid);
}

/* Socket @i's records into @inv. 0 or what inventory_add_sock() returned. */
static inline int busy_host_add(struct inventory *inv, uint32_t i)
{
	struct pw_sock r, f;
	int err;

	memset(&r, 0, sizeof(r));
	r.key = i + 1;
	r.netns = BUSY_NETNS0 + i % BUSY_NETNS;
	r.cgroup_id = 10 + i % BUSY_GROUPS;
	r.saddr[0] = r.daddr[0] = 10;
	r.saddr[3] = 9;
	r.daddr[3] = (uint8_t)(i % 50);
	r.sport = (uint16_t)(32768 + i / 10 % 28000);
	r.dport = 443;
	r.family = AF_INET;
	r.protocol = IPPROTO_TCP;
	r.state = TCP_ESTABLISHED;
	r.source = PW_SOCK_TCP;
	switch (i % 10) {
	case 0:
		r.protocol = IPPROTO_UDP;
		r.source = PW_SOCK_UDP;
		break;
	case 1:
	case 2:
		r.state = TCP_TIME_WAIT;
		busy_host_owner(&r, i);
		return inventory_add_sock(inv, &r);
	case 3:
		r.state = TCP_CLOSE;
		r.flags = PW_SOCKF_BIND_BUCKET;
		break;
	}
	f = r;
	f.source = PW_SOCK_FILE;
	f.fd = 3;
	busy_host_owner(&f, i);
	if (i % 10 != 3 && (err = inventory_add_sock(inv, &r)))
		return err;
	return inventory_add_sock(inv, &f);
}

/* How many of the first @n sockets are in TIME_WAIT (i % 10 is 1 or 2). */
static inline uint32_t busy_host_time_wait(uint32_t n)
{
	return n / 10 * 2 + (n % 10 > 1) + (n % 10 > 2);
}

#endif /* PW_BUSY_HOST_H */
