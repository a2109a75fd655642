/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Open-addressing hash indexes: an idmap finds entries the caller keeps in its
 * own array (so entries keep their index and the map stores 32-bit slots), a
 * keyset is a set of 64-bit keys built on one. Both are sized once, for the
 * most entries they will ever hold, and never rehash.
 */
#ifndef PW_IDMAP_H
#define PW_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap {
	uint32_t *slots; /* entry index + 1; 0: empty */
	size_t mask;
};

/* Is entry @idx of the caller's array (@ctx) equal to @key? */
typedef bool (*idmap_eq_fn)(const void *ctx, uint32_t idx, const void *key);

/* Returns 0 or -ENOMEM. Inserting more than @max_entries is a bug: probes would not end. */
int idmap_init(struct idmap *m, size_t max_entries);
void idmap_free(struct idmap *m);

/*
 * The slot of the entry equal to @key, or the empty slot where it belongs: if
 * *slot is 0, the caller appends the entry and stores its index + 1 there.
 */
uint32_t *idmap_slot(const struct idmap *m, uint64_t hash, idmap_eq_fn eq, const void *ctx,
		     const void *key);

uint64_t hash_u64(uint64_t x);
uint64_t hash_bytes(uint64_t h, const void *data, size_t len);

struct keyset {
	uint64_t *keys;
	size_t nr;
	struct idmap map;
};

int keyset_init(struct keyset *ks, size_t max_keys);
void keyset_free(struct keyset *ks);
/* Adds @key; true if it was not there yet. */
bool keyset_add(struct keyset *ks, uint64_t key);
bool keyset_has(const struct keyset *ks, uint64_t key);

#endif /* PW_IDMAP_H */
