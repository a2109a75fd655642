// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The hooks' refusals over time, summed over a report's window.
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "core/order.h"
#include "core/refusals.h"
#include "core/snapshot.h"

static bool same_pool(const struct refusal_pool *a, const struct refusal_pool *b)
{
	return a->netns_cookie == b->netns_cookie && a->netns == b->netns &&
	       a->family == b->family && a->rport == b->rport && a->kind == b->kind &&
	       !memcmp(a->raddr, b->raddr, sizeof(a->raddr));
}

/* field by field: the structs' padding is not the keys' business */
bool refusal_key_equal(const struct refusal_key *a, const struct refusal_key *b)
{
	return a->cgroup_id == b->cgroup_id && a->err == b->err && a->dry_run == b->dry_run &&
	       a->lifeline == b->lifeline && same_pool(&a->pool, &b->pool);
}

int refusal_log_init(struct refusal_log *log, size_t cap)
{
	memset(log, 0, sizeof(*log));
	log->items = calloc(cap ? cap : 1, sizeof(*log->items));
	if (!log->items)
		return -ENOMEM;
	log->cap = cap ? cap : 1;
	return 0;
}

void refusal_log_free(struct refusal_log *log)
{
	free(log->items);
	memset(log, 0, sizeof(*log));
}

void refusal_log_add(struct refusal_log *log, uint64_t t_ms, const struct refusal_key *k,
		     uint64_t n)
{
	struct refusal_entry *e;

	if (!log->cap || !n)
		return;
	e = &log->items[log->head];
	if (log->nr == log->cap) { /* full: the oldest goes, counted */
		log->dropped += e->c.count;
		log->dropped_until_ms = e->t_ms;
	} else {
		log->nr++;
	}
	*e = (struct refusal_entry){.t_ms = t_ms, .c = {.key = *k, .count = n}};
	log->head = (log->head + 1) % log->cap;
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct refusal_count *a = pa, *b = pb;

	return cmp_u64(b->count, a->count) ?: cmp_u64(a->key.cgroup_id, b->key.cgroup_id)
		?: cmp_u64(a->key.err, b->key.err) ?: cmp_u64(a->key.pool.kind, b->key.pool.kind)
		?: cmp_u64(a->key.pool.netns, b->key.pool.netns)
		?: cmp_u64(a->key.pool.rport, b->key.pool.rport)
		?: memcmp(a->key.pool.raddr, b->key.pool.raddr, sizeof(a->key.pool.raddr))
		?: cmp_u64(a->key.lifeline, b->key.lifeline)
		?: cmp_u64(a->key.dry_run, b->key.dry_run);
}

static void add_row(struct refusal_summary *s, const struct refusal_count *c)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (refusal_key_equal(&s->rows[i].key, &c->key))
			break;
	if (i == s->nr)
		s->rows[s->nr++] = (struct refusal_count){.key = c->key};
	s->rows[i].count += c->count;
	*(c->key.dry_run ? &s->would_refuse : &s->refused) += c->count;
}

int refusals_since(const struct refusal_log *log, uint64_t since_ms, struct refusal_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->rows = calloc(log->nr + 1, sizeof(*out->rows));
	if (!out->rows)
		return -ENOMEM;
	for (size_t i = 0; i < log->nr; i++) {
		const struct refusal_entry *e =
			&log->items[(log->head + log->cap - log->nr + i) % log->cap];

		if (e->t_ms >= since_ms)
			add_row(out, &e->c);
	}
	/* the window reaches back to entries that were overwritten */
	if (log->dropped && log->dropped_until_ms >= since_ms)
		out->dropped = log->dropped;
	qsort(out->rows, out->nr, sizeof(*out->rows), cmp_row);
	return 0;
}

void refusal_summary_free(struct refusal_summary *s)
{
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

void refusal_pool_name(const struct refusal_pool *p, char *buf, size_t len)
{
	char netns[48], addr[INET6_ADDRSTRLEN] = "?";
	bool v6 = p->family == AF_INET6;

	if (p->netns)
		snprintf(netns, sizeof(netns), "netns %u", p->netns);
	else
		snprintf(netns, sizeof(netns), "netns cookie %llu",
			 (unsigned long long)p->netns_cookie);
	if (p->kind != POOL_TCP_CONNECT) {
		snprintf(buf, len, "%s pool in %s", pool_kind_name(p->kind), netns);
		return;
	}
	inet_ntop(v6 ? AF_INET6 : AF_INET, p->raddr, addr, sizeof(addr));
	snprintf(buf, len, "%s pool in %s to %s%s%s:%u", pool_kind_name(p->kind), netns,
		 v6 ? "[" : "", addr, v6 ? "]" : "", p->rport);
}
