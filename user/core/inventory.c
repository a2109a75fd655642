// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The socket inventory's growing arrays: sockets and the netns they live in.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "core/inventory.h"

#define FIRST_SOCKS 256
#define FIRST_NETNS 8

void inventory_init(struct inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
}

void inventory_free(struct inventory *inv)
{
	free(inv->socks);
	free(inv->netns);
	inventory_init(inv);
}

int inventory_reserve(struct inventory *inv, size_t more)
{
	struct pw_sock *p;

	size_t need, first = FIRST_SOCKS;

	if (more > SIZE_MAX / 2 - inv->nr_socks)
		return -ENOMEM;
	need = inv->nr_socks + more;
	/* a first reservation is taken as sized (a daemon asks for about its
	 * last sample): doubling up from 256 would round 100k records to 131k */
	if (!inv->cap_socks && need > first)
		first = need;
	p = array_grow(inv->socks, &inv->cap_socks, need, first, sizeof(*p));
	if (!p)
		return -ENOMEM;
	inv->socks = p;
	return 0;
}

int inventory_add_sock(struct inventory *inv, const struct pw_sock *s)
{
	int err = inventory_reserve(inv, 1);

	if (err)
		return err;
	inv->socks[inv->nr_socks++] = *s;
	return 0;
}

static struct netns_ports *find_netns(const struct inventory *inv, uint32_t inum)
{
	for (size_t i = 0; i < inv->nr_netns; i++) {
		if (inv->netns[i].inum == inum)
			return &inv->netns[i];
	}
	return NULL;
}

/*
 * Adding a netns twice returns the first entry, so a collector that meets the
 * same netns through several processes keeps one set of settings. The pointer
 * is valid until the next call: the array may move.
 */
struct netns_ports *inventory_add_netns(struct inventory *inv, uint32_t inum)
{
	struct netns_ports *n = find_netns(inv, inum), *arr;

	if (n)
		return n;
	arr = array_grow(inv->netns, &inv->cap_netns, inv->nr_netns + 1, FIRST_NETNS, sizeof(*n));
	if (!arr)
		return NULL;
	inv->netns = arr;
	n = &inv->netns[inv->nr_netns++];
	memset(n, 0, sizeof(*n));
	n->inum = inum;
	return n;
}

const struct netns_ports *inventory_find_netns(const struct inventory *inv, uint32_t inum)
{
	return find_netns(inv, inum);
}
