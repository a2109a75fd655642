// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Open-addressing hash indexes over caller-owned arrays, and sets of 64-bit keys.
#include <errno.h>
#include <stdlib.h>
#include "idmap.h"

#define MIN_SLOTS 16

int idmap_init(struct idmap *m, size_t max_entries)
{
	size_t n = MIN_SLOTS;

	/* at most half full, so linear probing stays short */
	while (n < max_entries * 2)
		n *= 2;
	m->slots = calloc(n, sizeof(*m->slots));
	m->mask = n - 1;
	return m->slots ? 0 : -ENOMEM;
}

void idmap_free(struct idmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
}

uint32_t *idmap_slot(const struct idmap *m, uint64_t hash, idmap_eq_fn eq, const void *ctx,
		     const void *key)
{
	size_t i = hash & m->mask;

	while (m->slots[i] && !eq(ctx, m->slots[i] - 1, key))
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

/* The splitmix64 finaliser: sequential ids and ports spread over all slots. */
uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* FNV-1a, chained from @h, then mixed: addresses differ mostly in a few bytes. */
uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return hash_u64(h);
}

int keyset_init(struct keyset *ks, size_t max_keys)
{
	ks->nr = 0;
	ks->keys = calloc(max_keys ? max_keys : 1, sizeof(*ks->keys));
	if (!ks->keys)
		return -ENOMEM;
	if (idmap_init(&ks->map, max_keys)) {
		free(ks->keys);
		ks->keys = NULL;
		return -ENOMEM;
	}
	return 0;
}

void keyset_free(struct keyset *ks)
{
	free(ks->keys);
	ks->keys = NULL;
	ks->nr = 0;
	idmap_free(&ks->map);
}

static bool key_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct keyset *ks = ctx;

	return ks->keys[idx] == *(const uint64_t *)key;
}

bool keyset_add(struct keyset *ks, uint64_t key)
{
	uint32_t *slot = idmap_slot(&ks->map, hash_u64(key), key_eq, ks, &key);

	if (*slot)
		return false;
	ks->keys[ks->nr] = key;
	*slot = (uint32_t)++ks->nr;
	return true;
}

bool keyset_has(const struct keyset *ks, uint64_t key)
{
	return *idmap_slot(&ks->map, hash_u64(key), key_eq, ks, &key) != 0;
}
