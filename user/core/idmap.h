/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Open-addressing hash indexes: an idmap finds entries the caller keeps in its
 * own array, by index; a keyset is a set of 64-bit keys built on one.
 *
 * The caller counts its entries and makes room before adding one:
 *
 *	if (idmap_reserve(&m, nr + 1))
 *		return -ENOMEM;
 *	slot = idmap_slot(&m, hash, eq, ctx, key);
 *	if (!*slot) {
 *		append the entry as index nr;
 *		*slot = ++nr;
 *	}
 *
 * A map zeroed or freed is empty and valid; tables grow with their entries,
 * so they cost memory in proportion to what they hold.
 */
#ifndef PW_IDMAP_H
#define PW_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDMAP_NONE UINT32_MAX

struct idmap_slot {
	uint32_t idx1; /* entry index + 1; 0: empty */
	uint32_t
		hash; /* low bits of the entry's hash: skips most eq calls, rehashes without them */
};

struct idmap {
	struct idmap_slot *slots;
	size_t mask; /* number of slots - 1 */
};

/* Is entry @idx of the caller's array (@ctx) equal to @key? */
typedef bool (*idmap_eq_fn)(const void *ctx, uint32_t idx, const void *key);

/* Room for @nr entries in all, rehashing if needed. 0 or -ENOMEM. */
int idmap_reserve(struct idmap *m, size_t nr);
/* An empty map with room for @max_entries. 0 or -ENOMEM. */
int idmap_init(struct idmap *m, size_t max_entries);
void idmap_free(struct idmap *m);

/*
 * The index + 1 of the entry equal to @key, in its slot; or the empty slot
 * where it belongs, for the caller to store the new entry's index + 1 in.
 */
uint32_t *idmap_slot(struct idmap *m, uint64_t hash, idmap_eq_fn eq, const void *ctx,
		     const void *key);
/* The index of the entry equal to @key, or IDMAP_NONE. */
uint32_t idmap_find(const struct idmap *m, uint64_t hash, idmap_eq_fn eq, const void *ctx,
		    const void *key);

uint64_t hash_u64(uint64_t x);
uint64_t hash_bytes(uint64_t h, const void *data, size_t len);

struct keyset {
	uint64_t *keys;
	size_t nr, cap;
	struct idmap map;
};

/* Adds @key to a keyset (zeroed when empty): 1 if it is new, 0 if it was there, or -ENOMEM. */
int keyset_add(struct keyset *ks, uint64_t key);
bool keyset_has(const struct keyset *ks, uint64_t key);
void keyset_free(struct keyset *ks);

#endif /* PW_IDMAP_H */
