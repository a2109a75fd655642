// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The fast-leak trigger: per-process net opens from the activity counters, with hysteresis.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/order.h"
#include "core/surge.h"

/*
 * Why a trigger, and why these numbers
 *
 * Snapshots cost a walk of every socket, so they come once per interval (1 s).
 * The urgent classifier needs a 6 s window of them and 3 breaching windows: a
 * leak of 1000 ports/s is named ~9 s in, a third of the default 28232-port
 * range gone. The counters cost one map read, so they are read every
 * watch interval (200 ms) and say within ~2 s which process is taking ports
 * fast; the daemon then takes a snapshot at once and judges on the held ports
 * it shows (classify_surge), not on the counters.
 *
 * min_rate 100/s: classify_urgent's rate; slower leaks leave the normal
 *	classifier time to name them.
 * trip_ms 2 s, with SURGE_MIN_READINGS readings: a connection pool opening
 *	its 500 connections at once breaches in one reading, a burst of a
 *	second (a process grabbing a small pool's 1000 ports and stopping) in
 *	about 6; neither lasts 2 s. What trips is a rise of 200 ports or more
 *	spread over 2 s; the snapshot and the pool forecast decide the rest.
 * gap_ms 400: a leaker descheduled for a reading or two (a busy host)
 *	keeps its streak; the average since the streak began must still reach
 *	min_rate, so gaps cannot add up to a surge.
 * clear_ms 1 s: a surge in force ends after a second without growth (a
 *	quarantine, an exhausted pool); the daemon's latch keeps what it named.
 */
#define SURGE_MIN_READINGS 3

const struct surge_params surge_defaults = {
	.min_rate = 100.0,
	.trip_ms = 2000,
	.gap_ms = 400,
	.clear_ms = 1000,
};

/* Has the streak lasted, and risen on average, enough to be a surge? */
static bool sustained(const struct surge_state *s, const struct surge_params *p, uint64_t now_ms,
		      int64_t net)
{
	uint64_t span = now_ms - s->since_ms;

	return s->breaches >= SURGE_MIN_READINGS && span >= p->trip_ms &&
	       (double)(net - s->since_net) * 1000.0 >= p->min_rate * (double)span;
}

bool surge_update(struct surge_state *s, const struct surge_params *p, uint64_t now_ms, int64_t net)
{
	bool trips = false, rising;

	if (!s->last_ms || now_ms <= s->last_ms) {
		if (!s->last_ms) { /* the first reading: nothing to compare yet */
			s->last_ms = now_ms;
			s->last_net = net;
		}
		return false;
	}
	rising =
		(double)(net - s->last_net) * 1000.0 >= p->min_rate * (double)(now_ms - s->last_ms);
	if (rising) {
		if (!s->since_ms) {
			s->since_ms = s->last_ms;
			s->since_net = s->last_net;
			s->breaches = 0;
		}
		s->breaches++;
		s->last_breach_ms = now_ms;
		if (!s->tripped && sustained(s, p, now_ms, net)) {
			s->tripped = trips = true;
			s->surge_ms = s->since_ms;
		}
	} else if (s->since_ms && now_ms - s->last_breach_ms > p->gap_ms) {
		s->since_ms = 0;
		s->breaches = 0;
	}
	if (s->tripped && now_ms - s->last_breach_ms >= p->clear_ms)
		s->tripped = false;
	s->last_ms = now_ms;
	s->last_net = net;
	return trips;
}

static int cmp_tgid(const void *a, const void *b)
{
	return cmp_u64(((const struct surge_entry *)a)->tgid,
		       ((const struct surge_entry *)b)->tgid);
}

/* One entry per process with its counters summed over its cgroups, sorted
 * by tgid; the net goes in st.last_net. The table's index is already in
 * that order (tgid, then cgroup): no sort here, at every watch, of a map
 * that short-lived processes fill. Entries of tgid 0 (softirq) are nobody's. */
static struct surge_entry *sum_by_tgid(const struct activity_table *a, size_t *nr)
{
	struct surge_entry *v = malloc((a->nr ? a->nr : 1) * sizeof(*v));
	size_t out = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < a->nr; i++) {
		const struct activity_entry *e = &a->items[a->by_tgid[i]];

		if (!e->key.tgid)
			continue;
		if (out && v[out - 1].tgid == e->key.tgid) {
			v[out - 1].st.last_net += surge_net(&e->val);
			continue;
		}
		memset(&v[out], 0, sizeof(v[out]));
		v[out].tgid = e->key.tgid;
		v[out].cgroup_id = e->key.cgroup_id; /* its first cgroup, by id */
		v[out].cgroup1_id = e->key.cgroup1_id;
		v[out++].st.last_net = surge_net(&e->val);
	}
	*nr = out;
	return v;
}

int surge_table_update(struct surge_table *t, const struct surge_params *p,
		       const struct activity_table *a, uint64_t now_ms)
{
	size_t nr, old = 0;
	struct surge_entry *now = sum_by_tgid(a, &nr);
	int trips = 0;

	if (!now)
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++) {
		int64_t net = now[i].st.last_net;

		while (old < t->nr && t->items[old].tgid < now[i].tgid)
			old++; /* gone from the map: forgotten */
		if (old < t->nr && t->items[old].tgid == now[i].tgid) {
			now[i].st = t->items[old].st;
			now[i].cgroup_id = t->items[old].cgroup_id;
			now[i].cgroup1_id = t->items[old].cgroup1_id;
		} else {
			memset(&now[i].st, 0, sizeof(now[i].st));
		}
		now[i].fresh = surge_update(&now[i].st, p, now_ms, net);
		trips += now[i].fresh;
	}
	free(t->items);
	t->items = now;
	t->nr = nr;
	return trips;
}

void surge_table_free(struct surge_table *t)
{
	free(t->items);
	memset(t, 0, sizeof(*t));
}

const struct surge_entry *surge_find(const struct surge_table *t, uint32_t tgid)
{
	struct surge_entry key = {.tgid = tgid};

	if (!t->nr)
		return NULL;
	return bsearch(&key, t->items, t->nr, sizeof(*t->items), cmp_tgid);
}
