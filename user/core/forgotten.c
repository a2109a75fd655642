// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Entities the history forgot, while their failures stay on the counters.
#include <string.h>
#include "core/forgotten.h"

static uint64_t key_of(const struct entity_key *k, uint64_t failures)
{
	return hash_bytes(hash_bytes(0, k, sizeof(*k)), &failures, sizeof(failures));
}

/* Without the memory to keep one, it comes back once and is forgotten again. */
void forgotten_note(struct forgotten *f, const struct entity_key *k, uint64_t failures)
{
	keyset_add(&f->next, key_of(k, failures));
}

bool forgotten_still(struct forgotten *f, const struct entity_key *k, uint64_t failures)
{
	uint64_t key = key_of(k, failures);

	if (!keyset_has(&f->now, key))
		return false;
	keyset_add(&f->next, key);
	return true;
}

void forgotten_turn(struct forgotten *f)
{
	keyset_free(&f->now);
	f->now = f->next;
	memset(&f->next, 0, sizeof(f->next));
}

void forgotten_free(struct forgotten *f)
{
	keyset_free(&f->now);
	keyset_free(&f->next);
}
