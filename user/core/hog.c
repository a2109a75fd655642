// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The flat hog: full pools that keep failing for others, and who holds them.
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "core/hog.h"
#include "core/pool_trend.h"

#define ERR_EADDRINUSE	  98
#define ERR_EADDRNOTAVAIL 99
#define ERR_EAGAIN	  11

bool hog_event_in_pool(const struct pw_event *e, const struct snap_pool *p)
{
	if (e->netns != p->netns)
		return false;
	switch (p->kind) {
	case POOL_TCP_CONNECT:
		return e->protocol == IPPROTO_TCP && e->err == ERR_EADDRNOTAVAIL &&
		       e->dport == p->rport && !memcmp(e->daddr, p->raddr, sizeof(p->raddr));
	case POOL_TCP_BIND:
		return e->protocol == IPPROTO_TCP && e->err == ERR_EADDRINUSE;
	case POOL_UDP:
		return e->protocol == IPPROTO_UDP && (e->err == ERR_EAGAIN || e->err == ERR_EADDRINUSE);
	}
	return false;
}

uint32_t hog_holder(const struct snap_pool *p)
{
	if (!p->nr_top || !p->used || !p->top[0].tgid)
		return 0;
	return (double)p->top[0].used >= HOG_SHARE_MIN * p->used ? p->top[0].tgid : 0;
}

bool hog_spell_long(const struct hog_pool *hp, uint64_t now_ms, uint64_t hog_ms)
{
	return hog_ms && hp->failing_since_ms && now_ms >= hp->failing_since_ms + hog_ms &&
	       now_ms < hp->last_failure_ms + HOG_QUIET_MS;
}

static struct hog_pool *find_or_add(struct hog_watch *w, const struct snap_pool *p)
{
	for (size_t i = 0; i < w->nr; i++)
		if (pool_same(&w->items[i].pool, p))
			return &w->items[i];
	if (w->nr == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct hog_pool *items = reallocarray(w->items, cap, sizeof(*items));

		if (!items)
			return NULL;
		w->items = items;
		w->cap = cap;
	}
	memset(&w->items[w->nr], 0, sizeof(w->items[0]));
	return &w->items[w->nr++];
}

/* Failures newer than @since_ns in pool @hp, by anyone but its dominant holder. */
static void count_failures(struct hog_pool *hp, const struct pw_event *fails, size_t nr,
			   uint64_t since_ns, uint64_t now_ms)
{
	uint32_t holder = hog_holder(&hp->pool);

	for (size_t i = 0; i < nr; i++) {
		const struct pw_event *e = &fails[i];

		if (e->ts_ns <= since_ns || e->tgid == holder || !hog_event_in_pool(e, &hp->pool))
			continue;
		if (!hp->failing_since_ms || now_ms >= hp->last_failure_ms + HOG_QUIET_MS)
			hp->failing_since_ms = now_ms; /* a new spell */
		hp->last_failure_ms = now_ms;
	}
}

static void forget_unseen(struct hog_watch *w)
{
	size_t out = 0;

	for (size_t i = 0; i < w->nr; i++)
		if (w->items[i].seen)
			w->items[out++] = w->items[i];
	w->nr = out;
}

int hog_watch_update(struct hog_watch *w, const struct snapshot *s, const struct pw_event *fails,
		     size_t nr_fails, uint64_t now_ms, double fill_threshold)
{
	uint64_t newest = w->events_until_ns;

	for (size_t i = 0; i < w->nr; i++)
		w->items[i].seen = false;
	for (size_t i = 0; i < s->nr_pools; i++) {
		const struct snap_pool *p = &s->pools[i];
		struct hog_pool *hp;

		if (!p->capacity_known || snap_pool_fill(p) < fill_threshold)
			continue;
		hp = find_or_add(w, p);
		if (!hp)
			return -ENOMEM;
		hp->pool = *p;
		hp->seen = true;
		count_failures(hp, fails, nr_fails, w->events_until_ns, now_ms);
	}
	forget_unseen(w);
	for (size_t i = 0; i < nr_fails; i++)
		if (fails[i].ts_ns > newest)
			newest = fails[i].ts_ns;
	w->events_until_ns = newest;
	return 0;
}

void hog_watch_refused(struct hog_watch *w, const struct snap_pool *p, uint64_t now_ms)
{
	for (size_t i = 0; i < w->nr; i++) {
		struct hog_pool *hp = &w->items[i];

		if (!pool_same(&hp->pool, p))
			continue;
		if (!hp->failing_since_ms || now_ms >= hp->last_failure_ms + HOG_QUIET_MS)
			hp->failing_since_ms = now_ms; /* a new spell */
		hp->last_failure_ms = now_ms;
	}
}

void hog_watch_free(struct hog_watch *w)
{
	free(w->items);
	memset(w, 0, sizeof(*w));
}
