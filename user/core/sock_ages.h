/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * When each socket held through a file was first seen, snapshot after
 * snapshot: the ages top's detail pane shows. The kernel keeps no birth
 * time for a socket that a reader could take: the sockfs inode's times are
 * never set (stat of a socket says 0, 1970), struct sock has no creation
 * stamp, and TCP's timestamps are of the latest activity. So an age here is
 * from the snapshot that first held the socket, within one sampling
 * interval, and a socket that was there at the first snapshot is at least
 * as old as the watch, no more is known. Pure: fed snapshots and times.
 */
#ifndef PW_SOCK_AGES_H
#define PW_SOCK_AGES_H

#include <stddef.h>
#include <stdint.h>
#include "core/idmap.h"
#include "core/snapshot.h"

/* sock_seen.after_ms of a socket the first snapshot already held */
#define SOCK_SEEN_BEFORE UINT64_MAX

/* One socket: born after @after_ms and at or before @seen_ms (monitor clock). */
struct sock_seen {
	uint64_t key;	   /* pw_sock.key: PW_KEY_INODE | inode */
	uint64_t seen_ms;  /* the snapshot that first held it */
	uint64_t after_ms; /* the snapshot before that one; SOCK_SEEN_BEFORE: none */
};

struct sock_ages {
	struct sock_seen *items; /* the sockets of the latest snapshot, held through files */
	size_t nr, cap;
	struct idmap map;
	uint64_t last_ms; /* t_ms of the latest update */
	bool started;	  /* an update was made */
};

/*
 * Fold snapshot @s, taken at @t_ms, into @a: its sockets held through a
 * file keep their first sighting, new ones are seen now, those it lacks are
 * forgotten. 0, or -ENOMEM with @a as it was.
 */
int sock_ages_update(struct sock_ages *a, const struct snapshot *s, uint64_t t_ms);

/* When socket @key was first seen, NULL when the latest update lacked it. */
const struct sock_seen *sock_ages_find(const struct sock_ages *a, uint64_t key);

void sock_ages_free(struct sock_ages *a);

/*
 * An age that lies in [@lower_ms, @upper_ms) (UINT64_MAX: no upper bound),
 * at the second resolution its sightings have: "12m03s", "<1s" (seen for
 * the first time in the latest snapshot), ">=41s" (no upper bound). Returns
 * @buf.
 */
const char *sock_age_format(char *buf, size_t len, uint64_t lower_ms, uint64_t upper_ms);

#endif /* PW_SOCK_AGES_H */
