// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Port pools of a snapshot: how full each allocator's share of the range is, and who fills it.
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "core/idmap.h"
#include "core/snapshot.h"
#include "core/snapshot_build.h"

/* A network namespace as its pools see it. */
struct pool_netns {
	uint32_t inum;
	const struct netns_ports *ports; /* NULL: settings unknown, so every port counts as used */
	uint32_t capacity;		 /* range - reserved */
	uint32_t bind_taken;		 /* ports of the range taken by bind()/listen() */
};

/* A socket whose port counts in a pool; collected socket by socket, then bucketed by pool. */
struct pool_member {
	uint32_t pool;
	uint32_t sock;
};

/* A member as its pool's count sorts it: by group, then port. */
struct pool_port {
	uint64_t key;	/* group index << 16 | port */
	uint32_t owner; /* the tgid its socket is charged to, 0 if several or none */
};

struct pool_build {
	struct snap_build *b;
	struct pool_netns *ns;
	size_t nr_ns, cap_ns;
	uint32_t last_ns; /* records come netns by netns: most lookups are the last one again */
	struct idmap ns_by_inum, pool_by_key;
	struct keyset bind_taken; /* netns << 16 | port of every bind()/listen() port */
	struct pool_member *members;
	size_t nr_members;
	uint32_t *first;   /* per pool: where its sockets start in by_pool; one more at the end */
	uint32_t *by_pool; /* the members' sockets, pool by pool */
	struct pool_port *ports;	 /* room for the biggest pool's members */
	uint8_t seen[PORT_BITMAP_BYTES]; /* ports already counted in the pool being walked */
};

const char *pool_kind_name(enum pool_kind k)
{
	switch (k) {
	case POOL_TCP_CONNECT:
		return "tcp-connect";
	case POOL_TCP_BIND:
		return "tcp-bind";
	case POOL_UDP:
		return "udp";
	}
	return "?";
}

double snap_pool_fill(const struct snap_pool *p)
{
	if (!p->capacity_known || !p->capacity)
		return 0;
	return (double)p->used / p->capacity;
}

/* Ports of [low, high] that autobind may hand out: the range less the reserved ones. */
static uint32_t range_capacity(const struct netns_ports *n)
{
	uint32_t port = n->low, reserved = 0;

	while (port <= n->high) {
		if (port % 8 == 0 && port + 7 <= n->high) {
			reserved += (uint32_t)__builtin_popcount(n->reserved[port / 8]);
			port += 8;
		} else {
			reserved += port_reserved(n, (uint16_t)port);
			port++;
		}
	}
	return (uint32_t)(n->high - n->low + 1) - reserved;
}

/* Autobind never hands out other ports, so they fill no pool; with the range unknown, any may. */
static bool in_pool_range(const struct pool_netns *ns, uint16_t port)
{
	const struct netns_ports *n = ns->ports;

	return !n || (port >= n->low && port <= n->high && !port_reserved(n, port));
}

static bool netns_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct pool_build *pb = ctx;

	return pb->ns[idx].inum == *(const uint32_t *)key;
}

/* The netns of a socket, its settings looked up the first time it is seen. */
static int netns_for(struct pool_build *pb, uint32_t inum, struct pool_netns **out)
{
	const struct netns_ports *n;
	struct pool_netns *ns;
	uint32_t *slot;

	if (pb->nr_ns && pb->ns[pb->last_ns].inum == inum) {
		*out = &pb->ns[pb->last_ns];
		return 0;
	}
	if (idmap_reserve(&pb->ns_by_inum, pb->nr_ns + 1))
		return -ENOMEM;
	slot = idmap_slot(&pb->ns_by_inum, hash_u64(inum), netns_eq, pb, &inum);
	if (*slot) {
		pb->last_ns = *slot - 1;
		*out = &pb->ns[pb->last_ns];
		return 0;
	}
	ns = array_grow(pb->ns, &pb->cap_ns, pb->nr_ns + 1, 64, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	pb->ns = ns;
	ns = &ns[pb->nr_ns];
	memset(ns, 0, sizeof(*ns));
	ns->inum = inum;
	n = inventory_find_netns(pb->b->inv, inum);
	if (n && n->known && n->low && n->low <= n->high) {
		ns->ports = n;
		ns->capacity = range_capacity(n);
	}
	*out = ns;
	pb->last_ns = (uint32_t)pb->nr_ns++;
	*slot = pb->last_ns + 1;
	return 0;
}

static uint64_t port_key(const struct snap_sock *r)
{
	return (uint64_t)r->netns << 16 | r->sport;
}

/* connect() skips every bind-created port of the netns, whatever the destination. */
static int find_bind_taken(struct pool_build *pb)
{
	const struct snapshot *snap = pb->b->snap;

	for (size_t s = 0; s < snap->nr_sockets; s++) {
		const struct snap_socket *sk = &snap->sockets[s];
		struct pool_netns *ns;
		int added;

		if (netns_for(pb, sk->sock.netns, &ns))
			return -ENOMEM;
		if (sk->sock.protocol != IPPROTO_TCP || !sk->bind_bucket)
			continue;
		added = keyset_add(&pb->bind_taken, port_key(&sk->sock));
		if (added < 0)
			return added;
		if (added && in_pool_range(ns, sk->sock.sport))
			ns->bind_taken++;
	}
	return 0;
}

static bool pool_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct snap_pool *a = &((const struct snapshot *)ctx)->pools[idx], *k = key;

	return a->kind == k->kind && a->netns == k->netns && a->family == k->family &&
	       a->rport == k->rport && !memcmp(a->laddr, k->laddr, sizeof(a->laddr)) &&
	       !memcmp(a->raddr, k->raddr, sizeof(a->raddr));
}

static uint64_t pool_hash(const struct snap_pool *k)
{
	uint64_t h = hash_u64((uint64_t)k->kind << 48 | (uint64_t)k->family << 32 | k->netns);

	h = hash_bytes(h ^ k->rport, k->laddr, sizeof(k->laddr));
	return hash_bytes(h, k->raddr, sizeof(k->raddr));
}

/* The pool @kind that socket @r allocates from, with its capacity. */
static struct snap_pool pool_key(enum pool_kind kind, const struct pool_netns *ns,
				 const struct snap_sock *r)
{
	struct snap_pool k;

	memset(&k, 0, sizeof(k));
	k.kind = kind;
	k.netns = ns->inum;
	k.capacity_known = ns->ports != NULL;
	k.capacity = ns->capacity;
	if (kind == POOL_TCP_CONNECT) {
		k.family = r->family;
		memcpy(k.laddr, r->saddr, sizeof(k.laddr));
		memcpy(k.raddr, r->daddr, sizeof(k.raddr));
		k.rport = r->dport;
		if (ns->ports)
			k.capacity -= ns->bind_taken;
	}
	return k;
}

/* The index of @key's pool, created on first use. */
static int pool_for(struct pool_build *pb, const struct snap_pool *key, uint32_t *pool)
{
	struct snapshot *snap = pb->b->snap;
	struct snap_pool *pools;
	uint32_t *slot;

	if (idmap_reserve(&pb->pool_by_key, snap->nr_pools + 1))
		return -ENOMEM;
	slot = idmap_slot(&pb->pool_by_key, pool_hash(key), pool_eq, snap, key);
	if (*slot) {
		*pool = *slot - 1;
		return 0;
	}
	pools = array_grow(snap->pools, &pb->b->cap_pools, snap->nr_pools + 1, 64, sizeof(*pools));
	if (!pools)
		return -ENOMEM;
	snap->pools = pools;
	*pool = (uint32_t)snap->nr_pools++;
	pools[*pool] = *key;
	*slot = *pool + 1;
	return 0;
}

/* Adds socket @s's port to its pool @kind: to be counted, if autobind could have chosen it. */
static int add_to_pool(struct pool_build *pb, enum pool_kind kind, const struct pool_netns *ns,
		       uint32_t s)
{
	const struct snap_sock *r = &pb->b->snap->sockets[s].sock;
	struct snap_pool key = pool_key(kind, ns, r);
	uint32_t pool;

	if (pool_for(pb, &key, &pool))
		return -ENOMEM;
	if (in_pool_range(ns, r->sport))
		pb->members[pb->nr_members++] = (struct pool_member){.pool = pool, .sock = s};
	return 0;
}

/*
 * A connection, or its remains, on a port connect() chose: it shares the port
 * by 4-tuple. A port bind() took (this socket's or another's) is no connect
 * pool's, even for timewait socks, which do not carry the bind-bucket flag.
 */
static bool in_connect_pool(const struct pool_build *pb, const struct snap_socket *sk)
{
	return sk->state != PS_LISTEN && sk->state != PS_BOUND &&
	       !keyset_has(&pb->bind_taken, port_key(&sk->sock));
}

static int collect_members(struct pool_build *pb)
{
	const struct snapshot *snap = pb->b->snap;
	int err = 0;

	for (uint32_t s = 0; s < snap->nr_sockets && !err; s++) {
		const struct snap_socket *sk = &snap->sockets[s];
		struct pool_netns *ns;

		if (netns_for(pb, sk->sock.netns, &ns))
			return -ENOMEM;
		if (sk->sock.protocol == IPPROTO_UDP) {
			err = add_to_pool(pb, POOL_UDP, ns, s);
			continue;
		}
		err = add_to_pool(pb, POOL_TCP_BIND, ns, s);
		if (!err && in_connect_pool(pb, sk))
			err = add_to_pool(pb, POOL_TCP_CONNECT, ns, s);
	}
	return err;
}

/* Does a holder of @used ports in group @g rank above top entry @i of @p? */
static bool ranks_above(const struct snap_pool *p, uint32_t i, uint32_t used,
			const struct group_key *g)
{
	if (used != p->top[i].used)
		return used > p->top[i].used;
	return group_key_cmp(g, &p->top[i].group) < 0;
}

static void offer_top(struct snap_pool *p, const struct group_key *g, uint32_t tgid, uint32_t used)
{
	uint32_t i = p->nr_top, keep;

	while (i > 0 && ranks_above(p, i - 1, used, g))
		i--;
	if (i >= SNAP_POOL_TOP)
		return;
	keep = p->nr_top < SNAP_POOL_TOP ? p->nr_top : SNAP_POOL_TOP - 1;
	memmove(&p->top[i + 1], &p->top[i], (keep - i) * sizeof(p->top[0]));
	p->top[i].group = *g;
	p->top[i].tgid = tgid;
	p->top[i].used = used;
	if (p->nr_top < SNAP_POOL_TOP)
		p->nr_top++;
}

/* Counts one pool from its members' ports, sorted by group, then port. */
static void count_pool(struct pool_build *pb, struct snap_pool *pool, const struct pool_port *e,
		       size_t n)
{
	const struct snap_group *groups = pb->b->snap->groups;
	size_t i, j;

	for (i = 0; i < n; i = j) {
		uint32_t tgid = e[i].owner, used = 0;

		for (j = i; j < n && e[j].key >> 16 == e[i].key >> 16; j++) {
			uint16_t port = (uint16_t)e[j].key;

			if (j == i || e[j].key != e[j - 1].key)
				used++;
			if (e[j].owner != tgid)
				tgid = 0;
			if (pb->seen[port / 8] & (1u << (port % 8)))
				continue;
			pb->seen[port / 8] |= (uint8_t)(1u << (port % 8));
			pool->used++;
		}
		offer_top(pool, &groups[e[i].key >> 16].key, tgid, used);
	}
	/* only this pool's ports are set: clearing their bytes empties the map for the next */
	for (i = 0; i < n; i++)
		pb->seen[(uint16_t)e[i].key / 8] = 0;
}

static int port_order(const void *a, const void *b)
{
	const struct pool_port *x = a, *y = b;

	return cmp_u64(x->key, y->key);
}

/* Puts the members' sockets pool by pool: a counting sort, linear and with small entries. */
static int bucket_members(struct pool_build *pb)
{
	size_t nr_pools = pb->b->snap->nr_pools, biggest = 0, p;

	pb->first = calloc(nr_pools + 1, sizeof(*pb->first));
	pb->by_pool = calloc(pb->nr_members ? pb->nr_members : 1, sizeof(*pb->by_pool));
	if (!pb->first || !pb->by_pool)
		return -ENOMEM;
	for (size_t i = 0; i < pb->nr_members; i++)
		pb->first[pb->members[i].pool + 1]++;
	for (p = 0; p < nr_pools; p++) {
		if (pb->first[p + 1] > biggest)
			biggest = pb->first[p + 1];
		pb->first[p + 1] += pb->first[p];
	}
	/* each pool's start moves up as it fills, to where the next one starts */
	for (size_t i = 0; i < pb->nr_members; i++)
		pb->by_pool[pb->first[pb->members[i].pool]++] = pb->members[i].sock;
	memmove(&pb->first[1], &pb->first[0], nr_pools * sizeof(*pb->first));
	pb->first[0] = 0;
	pb->ports = calloc(biggest ? biggest : 1, sizeof(*pb->ports));
	return pb->ports ? 0 : -ENOMEM;
}

static void count_pools(struct pool_build *pb)
{
	const struct snap_build *b = pb->b;

	for (size_t p = 0; p < b->snap->nr_pools; p++) {
		size_t n = pb->first[p + 1] - pb->first[p];

		for (size_t i = 0; i < n; i++) {
			uint32_t s = pb->by_pool[pb->first[p] + i];

			pb->ports[i].key = (uint64_t)b->per_sock[s].group << 16 |
					   b->snap->sockets[s].sock.sport;
			pb->ports[i].owner = b->per_sock[s].owner;
		}
		if (n > 1)
			qsort(pb->ports, n, sizeof(*pb->ports), port_order);
		count_pool(pb, &b->snap->pools[p], pb->ports, n);
	}
}

static int pool_order(const void *a, const void *b)
{
	const struct snap_pool *x = a, *y = b;
	double fx = snap_pool_fill(x), fy = snap_pool_fill(y);
	int c = (fy > fx) - (fy < fx);

	if (!c)
		c = cmp_u64(x->kind, y->kind);
	if (!c)
		c = cmp_u64(x->netns, y->netns);
	/* the rest only makes the order stable across runs */
	if (!c)
		c = cmp_u64(x->family, y->family);
	if (!c)
		c = memcmp(x->raddr, y->raddr, sizeof(x->raddr));
	if (!c)
		c = cmp_u64(x->rport, y->rport);
	return c ? c : memcmp(x->laddr, y->laddr, sizeof(x->laddr));
}

static void pools_free(struct pool_build *pb)
{
	free(pb->ns);
	free(pb->members);
	free(pb->first);
	free(pb->by_pool);
	free(pb->ports);
	idmap_free(&pb->ns_by_inum);
	idmap_free(&pb->pool_by_key);
	keyset_free(&pb->bind_taken);
	free(pb);
}

int snapshot_build_pools(struct snap_build *b)
{
	struct pool_build *pb = calloc(1, sizeof(*pb));
	struct snapshot *snap = b->snap;
	int err;

	if (!pb)
		return -ENOMEM;
	pb->b = b;
	/* every socket is in at most two pools */
	pb->members = calloc(snap->nr_sockets ? 2 * snap->nr_sockets : 1, sizeof(*pb->members));
	err = pb->members ? find_bind_taken(pb) : -ENOMEM;
	if (!err)
		err = collect_members(pb);
	if (!err)
		err = bucket_members(pb);
	if (!err) {
		count_pools(pb);
		if (snap->nr_pools)
			qsort(snap->pools, snap->nr_pools, sizeof(*snap->pools), pool_order);
	}
	pools_free(pb);
	return err;
}
