// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Open-addressing hash indexes over caller-owned arrays, and sets of 64-bit keys.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/idmap.h"

#define MIN_SLOTS 16

static size_t nr_slots(const struct idmap *m)
{
	return m->slots ? m->mask + 1 : 0;
}

/* Where the entry equal to @key is, or the empty slot ending its probe sequence. */
static size_t probe(const struct idmap *m, uint64_t hash, idmap_eq_fn eq, const void *ctx,
		    const void *key)
{
	size_t i;

	for (i = hash & m->mask; m->slots[i].idx1; i = (i + 1) & m->mask) {
		const struct idmap_slot *s = &m->slots[i];

		if (s->hash == (uint32_t)hash && eq(ctx, s->idx1 - 1, key))
			break;
	}
	return i;
}

int idmap_reserve(struct idmap *m, size_t nr)
{
	size_t old = nr_slots(m), n = old ? old : MIN_SLOTS;
	struct idmap_slot *slots;

	/* at most half full, so that probes stay short */
	while (n < nr * 2)
		n *= 2;
	if (n == old)
		return 0;
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < old; i++) {
		size_t j = m->slots[i].hash & (n - 1);

		if (!m->slots[i].idx1)
			continue;
		while (slots[j].idx1)
			j = (j + 1) & (n - 1);
		slots[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->mask = n - 1;
	return 0;
}

int idmap_init(struct idmap *m, size_t max_entries)
{
	memset(m, 0, sizeof(*m));
	return idmap_reserve(m, max_entries);
}

void idmap_free(struct idmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

uint32_t *idmap_slot(struct idmap *m, uint64_t hash, idmap_eq_fn eq, const void *ctx,
		     const void *key)
{
	struct idmap_slot *s = &m->slots[probe(m, hash, eq, ctx, key)];

	s->hash = (uint32_t)hash; /* an empty slot stays empty until idx1 is stored */
	return &s->idx1;
}

uint32_t idmap_find(const struct idmap *m, uint64_t hash, idmap_eq_fn eq, const void *ctx,
		    const void *key)
{
	const struct idmap_slot *s;

	if (!m->slots)
		return IDMAP_NONE;
	s = &m->slots[probe(m, hash, eq, ctx, key)];
	return s->idx1 ? s->idx1 - 1 : IDMAP_NONE;
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

/* Chains hash_u64 over 8-byte words from @h; keys are a few words, not streams. */
uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t w;

	for (; len >= sizeof(w); p += sizeof(w), len -= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		h = hash_u64(h ^ w);
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		h = hash_u64(h ^ w ^ (uint64_t)len << 56);
	}
	return h;
}

static bool key_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct keyset *ks = ctx;

	return ks->keys[idx] == *(const uint64_t *)key;
}

int keyset_add(struct keyset *ks, uint64_t key)
{
	uint32_t *slot;

	if (ks->nr == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : MIN_SLOTS;
		uint64_t *keys = reallocarray(ks->keys, cap, sizeof(*keys));

		if (!keys)
			return -ENOMEM;
		ks->keys = keys;
		ks->cap = cap;
	}
	if (idmap_reserve(&ks->map, ks->nr + 1))
		return -ENOMEM;
	slot = idmap_slot(&ks->map, hash_u64(key), key_eq, ks, &key);
	if (*slot)
		return 0;
	ks->keys[ks->nr] = key;
	*slot = (uint32_t)++ks->nr;
	return 1;
}

bool keyset_has(const struct keyset *ks, uint64_t key)
{
	return idmap_find(&ks->map, hash_u64(key), key_eq, ks, &key) != IDMAP_NONE;
}

void keyset_free(struct keyset *ks)
{
	free(ks->keys);
	idmap_free(&ks->map);
	memset(ks, 0, sizeof(*ks));
}
