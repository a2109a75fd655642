// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The socket inventory's growing arrays: sockets and the netns they live in.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

/* Makes room for one more element; doubling keeps appending amortised O(1). */
static int grow(void **arr, size_t nr, size_t *cap, size_t first, size_t size)
{
	size_t new_cap = *cap ? *cap * 2 : first;
	void *p;

	if (nr < *cap)
		return 0;
	p = reallocarray(*arr, new_cap, size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = new_cap;
	return 0;
}

int inventory_reserve(struct inventory *inv, size_t more)
{
	size_t cap = inv->cap_socks ? inv->cap_socks : FIRST_SOCKS;
	struct pw_sock *p;

	if (more > SIZE_MAX / 2 - inv->nr_socks)
		return -ENOMEM;
	if (inv->nr_socks + more <= inv->cap_socks)
		return 0;
	/* doubling keeps filling amortised O(1) */
	while (cap < inv->nr_socks + more)
		cap *= 2;
	p = reallocarray(inv->socks, cap, sizeof(*p));
	if (!p)
		return -ENOMEM;
	inv->socks = p;
	inv->cap_socks = cap;
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
	struct netns_ports *n = find_netns(inv, inum);
	void *arr = inv->netns;
	int err;

	if (n)
		return n;
	err = grow(&arr, inv->nr_netns, &inv->cap_netns, FIRST_NETNS, sizeof(*n));
	inv->netns = arr;
	if (err)
		return NULL;
	n = &inv->netns[inv->nr_netns++];
	memset(n, 0, sizeof(*n));
	n->inum = inum;
	return n;
}

const struct netns_ports *inventory_find_netns(const struct inventory *inv, uint32_t inum)
{
	return find_netns(inv, inum);
}
