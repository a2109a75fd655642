// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for socket ages: when each socket held through a file was first seen.
#include <stdio.h>
#include <string.h>
#include "core/sock_ages.h"
#include "unit.h"

#define INO(n) (PW_KEY_INODE | (n))

static struct snap_socket socks[8];
static struct snapshot snap = {.sockets = socks};

/* The snapshot's sockets: @keys, each held by one process (@held 0: none). */
static void sockets(const uint64_t *keys, size_t n, uint32_t held)
{
	memset(socks, 0, sizeof(socks));
	for (size_t i = 0; i < n; i++) {
		socks[i].sock.key = keys[i];
		socks[i].nr_holders = held;
	}
	snap.nr_sockets = n;
}

/*
 * A socket keeps the time it was first seen while snapshots hold it; one the
 * first snapshot held has no lower bound on its birth; a socket a snapshot
 * lacks is forgotten, and seen anew if it comes back.
 */
UNIT_TEST(first_sighting_kept)
{
	struct sock_ages a = {0};
	const struct sock_seen *s;

	sockets((uint64_t[]){INO(10), INO(11)}, 2, 1);
	ASSERT_EQ_INT(sock_ages_update(&a, &snap, 1000), 0);
	s = sock_ages_find(&a, INO(10));
	ASSERT_TRUE(s && s->seen_ms == 1000 && s->after_ms == SOCK_SEEN_BEFORE);

	sockets((uint64_t[]){INO(10), INO(12)}, 2, 1);
	ASSERT_EQ_INT(sock_ages_update(&a, &snap, 2000), 0);
	s = sock_ages_find(&a, INO(10));
	ASSERT_TRUE(s && s->seen_ms == 1000 && s->after_ms == SOCK_SEEN_BEFORE);
	s = sock_ages_find(&a, INO(12));
	ASSERT_TRUE(s && s->seen_ms == 2000 && s->after_ms == 1000);
	ASSERT_TRUE(!sock_ages_find(&a, INO(11)));
	ASSERT_EQ_INT(a.nr, 2);

	sockets((uint64_t[]){INO(10), INO(11)}, 2, 1);
	ASSERT_EQ_INT(sock_ages_update(&a, &snap, 3000), 0);
	s = sock_ages_find(&a, INO(11));
	ASSERT_TRUE(s && s->seen_ms == 3000 && s->after_ms == 2000);
	sock_ages_free(&a);
}

/* Only sockets held through a file have a lasting key: TIME_WAIT and
 * orphans (cookie keys, no holder) get no age. */
UNIT_TEST(only_sockets_held_through_files)
{
	struct sock_ages a = {0};

	sockets((uint64_t[]){INO(10), 77}, 2, 1);
	socks[1].nr_holders = 0;
	ASSERT_EQ_INT(sock_ages_update(&a, &snap, 1000), 0);
	ASSERT_TRUE(sock_ages_find(&a, INO(10)) != NULL);
	ASSERT_TRUE(!sock_ages_find(&a, 77));
	sockets((uint64_t[]){INO(20)}, 1, 0);
	ASSERT_EQ_INT(sock_ages_update(&a, &snap, 2000), 0);
	ASSERT_TRUE(!sock_ages_find(&a, INO(20)));
	ASSERT_EQ_INT(a.nr, 0);
	/* an empty snapshot empties it */
	snap.nr_sockets = 0;
	ASSERT_EQ_INT(sock_ages_update(&a, &snap, 3000), 0);
	ASSERT_EQ_INT(a.nr, 0);
	sock_ages_free(&a);
}

/* Seconds resolution: "<1s" for a socket new in the latest snapshot, ">="
 * for one born before the first, two units at most. */
UNIT_TEST(age_format)
{
	char b[40];

	ASSERT_EQ_STR(sock_age_format(b, sizeof(b), 0, 1003), "<1s");
	ASSERT_EQ_STR(sock_age_format(b, sizeof(b), 0, 5000), "<5s");
	ASSERT_EQ_STR(sock_age_format(b, sizeof(b), 0, 200), "<1s");
	ASSERT_EQ_STR(sock_age_format(b, sizeof(b), 41999, 43000), "41s");
	ASSERT_EQ_STR(sock_age_format(b, sizeof(b), 723000, 724000), "12m03s");
	ASSERT_EQ_STR(sock_age_format(b, sizeof(b), 3 * 3600000 + 7 * 60000, UINT64_MAX),
		      ">=3h07m");
	ASSERT_EQ_STR(sock_age_format(b, sizeof(b), (2 * 86400 + 4 * 3600) * 1000ull, UINT64_MAX),
		      ">=2d04h");
	ASSERT_EQ_STR(sock_age_format(b, sizeof(b), 500, UINT64_MAX), ">=0s");
}

int main(void)
{
	RUN(first_sighting_kept);
	RUN(only_sockets_held_through_files);
	RUN(age_format);
	return UNIT_MAIN_END();
}
