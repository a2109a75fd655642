// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Sample rings per cgroup and process, found through a hash index.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "core/history.h"

static uint64_t hash_key(const struct entity_key *k)
{
	return hash_bytes(0, k, sizeof(*k));
}

static bool key_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct history *h = ctx;

	return !memcmp(&h->items[idx].key, key, sizeof(struct entity_key));
}

#define FIRST_ENTITIES 64

/* Tables grow with the host's cgroups and processes up to the limit: a
 * table sized for the limit up front cost an idle daemon a megabyte. */
int history_init(struct history *h, size_t ring_cap, size_t max_entities)
{
	memset(h, 0, sizeof(*h));
	h->ring_cap = ring_cap;
	h->index_cap = max_entities;
	return 0;
}

void history_free(struct history *h)
{
	for (size_t i = 0; i < h->nr; i++)
		free(h->items[i].ring);
	free(h->items);
	idmap_free(&h->index);
	memset(h, 0, sizeof(*h));
}

struct entity *history_find(const struct history *h, const struct entity_key *key)
{
	uint32_t i = idmap_find(&h->index, hash_key(key), key_eq, h, key);

	return i == IDMAP_NONE ? NULL : &h->items[i];
}

struct entity *history_find_process(const struct history *h, uint32_t tgid)
{
	for (size_t i = 0; i < h->nr; i++)
		if (h->items[i].key.kind == ENTITY_PROCESS && h->items[i].key.tgid == tgid &&
		    entity_current(&h->items[i]))
			return &h->items[i];
	return NULL;
}

/* Room for one more entity in the array (up to the limit). 0 or -ENOMEM. */
static int make_room(struct history *h)
{
	size_t cap = h->cap ? h->cap * 2 : FIRST_ENTITIES;
	struct entity *items;

	if (h->nr < h->cap)
		return 0;
	if (h->nr >= h->index_cap)
		return -ENOSPC;
	if (cap > h->index_cap)
		cap = h->index_cap;
	items = reallocarray(h->items, cap, sizeof(*items));
	if (!items)
		return -ENOMEM;
	h->items = items;
	h->cap = cap;
	return 0;
}

/* Entities move when the array grows: pointers last until the next call. */
struct entity *history_get(struct history *h, const struct entity_key *key)
{
	struct entity *e;
	uint32_t *slot;

	if (idmap_reserve(&h->index, h->nr + 1))
		return NULL;
	slot = idmap_slot(&h->index, hash_key(key), key_eq, h, key);
	if (*slot)
		return &h->items[*slot - 1];
	if (make_room(h))
		return NULL;
	e = &h->items[h->nr];
	memset(e, 0, sizeof(*e));
	e->ring = calloc(h->ring_cap, sizeof(*e->ring));
	if (!e->ring)
		return NULL;
	e->key = *key;
	*slot = (uint32_t)++h->nr;
	return e;
}

void history_push(struct history *h, struct entity *e, const struct sample *s)
{
	e->ring[e->head] = *s;
	e->head = (e->head + 1) % h->ring_cap;
	if (e->nr < h->ring_cap)
		e->nr++;
	e->last_seen_ms = s->t_ms;
	if (s->held.total > e->peak_held)
		e->peak_held = s->held.total;
}

/* @e, emptied for a new process: its key, its ring zeroed, @start_time. */
static void start_afresh(const struct history *h, struct entity *e, uint64_t start_time)
{
	struct entity fresh = {.key = e->key, .ring = e->ring, .start_time = start_time};

	memset(e->ring, 0, h->ring_cap * sizeof(*e->ring));
	*e = fresh;
}

struct entity *history_claim(struct history *h, struct entity *e, uint64_t start_time, bool *reused)
{
	size_t at = (size_t)(e - h->items);
	struct entity_key old_key = e->key;
	struct entity *old;
	struct sample *ring;

	*reused = e->start_time && start_time && e->start_time != start_time;
	if (!*reused) {
		if (start_time)
			e->start_time = start_time;
		return e;
	}
	old_key.retired_start = e->start_time;
	old = history_get(h, &old_key); /* NULL when full: the old one is lost */
	e = &h->items[at];
	if (old) {
		ring = old->ring; /* zeroed: the new process's */
		*old = *e;
		old->key = old_key;
		e->ring = ring;
	}
	start_afresh(h, e, start_time);
	return e;
}

/* @e's newest @n samples, oldest first, into @ring (index 0 on). */
static void copy_newest(const struct history *h, const struct entity *e, struct sample *ring,
			size_t n)
{
	size_t first = (e->head + h->ring_cap - n) % h->ring_cap;

	for (size_t i = 0; i < n; i++)
		ring[i] = e->ring[(first + i) % h->ring_cap];
}

int history_resize(struct history *h, size_t ring_cap)
{
	struct sample **rings;

	if (ring_cap == h->ring_cap)
		return 0;
	/* every new ring first: a failure half-way must leave the old ones whole */
	rings = calloc(h->nr ? h->nr : 1, sizeof(*rings));
	for (size_t i = 0; rings && i < h->nr; i++) {
		rings[i] = calloc(ring_cap, sizeof(**rings));
		if (!rings[i]) {
			while (i--)
				free(rings[i]);
			free(rings);
			rings = NULL;
		}
	}
	if (!rings)
		return -ENOMEM;
	for (size_t i = 0; i < h->nr; i++) {
		struct entity *e = &h->items[i];
		size_t n = e->nr < ring_cap ? e->nr : ring_cap;

		copy_newest(h, e, rings[i], n);
		free(e->ring);
		e->ring = rings[i];
		e->nr = n;
		e->head = n % ring_cap;
	}
	free(rings);
	h->ring_cap = ring_cap;
	return 0;
}

struct series history_series(const struct history *h, const struct entity *e, struct sample *buf)
{
	size_t first = (e->head + h->ring_cap - e->nr) % h->ring_cap;

	for (size_t i = 0; i < e->nr; i++)
		buf[i] = e->ring[(first + i) % h->ring_cap];
	return (struct series){.samples = buf, .nr = e->nr};
}

/* Compact the array and rebuild the index: open addressing has no cheap delete. */
int history_expire(struct history *h, uint64_t before_ms)
{
	size_t out = 0;

	for (size_t i = 0; i < h->nr; i++) {
		if (h->items[i].last_seen_ms < before_ms)
			free(h->items[i].ring);
		else
			h->items[out++] = h->items[i];
	}
	if (out == h->nr)
		return 0;
	h->nr = out;
	/* a burst of processes (240 bytes each) leaves no high-water mark */
	h->items = array_shrink(h->items, &h->cap, h->nr, FIRST_ENTITIES, sizeof(*h->items));
	idmap_free(&h->index);
	if (idmap_init(&h->index, h->nr))
		return -ENOMEM;
	for (size_t i = 0; i < h->nr; i++)
		*idmap_slot(&h->index, hash_key(&h->items[i].key), key_eq, h, &h->items[i].key) =
			(uint32_t)(i + 1);
	return 0;
}
