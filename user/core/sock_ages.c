// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// When each socket held through a file was first seen (sock_ages.h says why not born).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sock_ages.h"

static bool key_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct sock_seen *items = ctx;

	return items[idx].key == *(const uint64_t *)key;
}

const struct sock_seen *sock_ages_find(const struct sock_ages *a, uint64_t key)
{
	uint32_t i = idmap_find(&a->map, hash_u64(key), key_eq, a->items, &key);

	return i == IDMAP_NONE ? NULL : &a->items[i];
}

/* Only a file's socket has a key that lasts (its inode): a table-only one,
 * TIME_WAIT or an orphan, is keyed by a cookie and held by no process. */
static bool held_through_file(const struct snap_socket *k)
{
	return k->nr_holders && (k->sock.key & PW_KEY_INODE);
}

/* Append @k to the new set @n (sized for every socket of the snapshot). */
static void add(struct sock_ages *n, const struct sock_ages *old, const struct snap_socket *k,
		uint64_t t_ms)
{
	uint64_t key = k->sock.key;
	uint32_t *slot = idmap_slot(&n->map, hash_u64(key), key_eq, n->items, &key);
	const struct sock_seen *was;

	if (*slot)
		return; /* one socket, twice: the snapshot merges them, but be sure */
	was = sock_ages_find(old, key);
	if (was)
		n->items[n->nr] = *was;
	else
		n->items[n->nr] = (struct sock_seen){
			.key = key,
			.seen_ms = t_ms,
			.after_ms = old->started ? old->last_ms : SOCK_SEEN_BEFORE,
		};
	*slot = (uint32_t)++n->nr;
}

int sock_ages_update(struct sock_ages *a, const struct snapshot *s, uint64_t t_ms)
{
	struct sock_ages n = {.last_ms = t_ms, .started = true};
	size_t want = 0;

	for (size_t i = 0; i < s->nr_sockets; i++)
		want += held_through_file(&s->sockets[i]);
	n.cap = want ? want : 1;
	n.items = malloc(n.cap * sizeof(*n.items));
	if (!n.items || idmap_init(&n.map, n.cap)) {
		free(n.items);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nr_sockets; i++)
		if (held_through_file(&s->sockets[i]))
			add(&n, a, &s->sockets[i], t_ms);
	sock_ages_free(a);
	*a = n;
	return 0;
}

void sock_ages_free(struct sock_ages *a)
{
	free(a->items);
	idmap_free(&a->map);
	memset(a, 0, sizeof(*a));
}

/* "41s", "12m03s", "3h07m", "2d04h": two units at most, like top's forecasts. */
static void duration(char *buf, size_t len, uint64_t s)
{
	if (s < 60)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
}

const char *sock_age_format(char *buf, size_t len, uint64_t lower_ms, uint64_t upper_ms)
{
	char d[32];

	if (upper_ms == UINT64_MAX) {
		duration(d, sizeof(d), lower_ms / 1000);
		snprintf(buf, len, ">=%s", d);
	} else if (lower_ms < 1000) {
		/* seen first in the latest snapshot: younger than the interval
		 * since the one before (rounded: a 1 s interval lasts 1003 ms) */
		uint64_t s = (upper_ms + 500) / 1000;

		duration(d, sizeof(d), s ? s : 1);
		snprintf(buf, len, "<%s", d);
	} else {
		duration(d, sizeof(d), lower_ms / 1000);
		snprintf(buf, len, "%s", d);
	}
	return buf;
}
