// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Builds a snapshot: merges iterator records into sockets and charges them to processes and groups.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "core/clock.h"
#include "core/idmap.h"
#include "core/snapshot.h"
#include "core/snapshot_build.h"

/* A process charged with a socket: it holds an fd to it, or closed it. */
/* a daemon keeps one per socket between samples (snapshot.h) */
_Static_assert(sizeof(struct snap_socket) == 88, "struct snap_socket grew");

struct holding {
	uint32_t sock, proc;
};

static const char *const state_names[PS_COUNT] = {
	[PS_LISTEN] = "LISTEN",		[PS_SYN_SENT] = "SYN-SENT", [PS_ESTABLISHED] = "ESTAB",
	[PS_CLOSE_WAIT] = "CLOSE-WAIT", [PS_FIN_WAIT] = "FIN-WAIT", [PS_TIME_WAIT] = "TIME-WAIT",
	[PS_LAST_ACK] = "LAST-ACK",	[PS_BOUND] = "BOUND",	    [PS_UDP] = "UDP",
};

const char *port_state_name(enum port_state s)
{
	return (unsigned int)s < PS_COUNT ? state_names[s] : "?";
}

/* calloc(0) may return NULL, which would read as a failure. */
static void *alloc_array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

static const struct pw_sock *record(const struct snap_build *b, uint32_t i)
{
	return i == SNAP_NONE ? NULL : &b->inv->socks[i];
}

/* The record a socket is seen through: the table iterator's when there is one. */
static const struct pw_sock *view(const struct snap_build *b, const struct sock_build *sb)
{
	return record(b, sb->table != SNAP_NONE ? sb->table : sb->file);
}

static bool key_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct snap_build *b = ctx;

	return view(b, &b->per_sock[idx])->key == *(const uint64_t *)key;
}

/* The socket @r is a view of: one per nonzero key (sockets.h), one per record without one. */
static int merged_for(struct snap_build *b, struct idmap *by_key, const struct pw_sock *r,
		      uint32_t *sock)
{
	uint32_t *slot = NULL;

	if (r->key) {
		if (idmap_reserve(by_key, b->nr_merged + 1))
			return -ENOMEM;
		slot = idmap_slot(by_key, hash_u64(r->key), key_eq, b, &r->key);
		if (*slot) {
			*sock = *slot - 1;
			return 0;
		}
	}
	*sock = (uint32_t)b->nr_merged++;
	b->per_sock[*sock] = (struct sock_build){.table = SNAP_NONE, .file = SNAP_NONE};
	if (slot)
		*slot = *sock + 1;
	return 0;
}

static void note_record(struct sock_build *sb, const struct pw_sock *r, uint32_t i)
{
	if (r->source == PW_SOCK_FILE) {
		if (sb->nr_files++ == 0)
			sb->file = i;
	} else if (sb->table == SNAP_NONE) {
		sb->table = i;
	}
	if (r->flags & PW_SOCKF_BIND_BUCKET)
		sb->bind_bucket = true;
}

static bool known_source(uint8_t source)
{
	return source == PW_SOCK_FILE || source == PW_SOCK_TCP || source == PW_SOCK_UDP;
}

static int merge_records(struct snap_build *b)
{
	size_t nr = b->inv->nr_socks;
	struct idmap by_key = {0};
	int err = 0;

	b->per_sock = alloc_array(nr, sizeof(*b->per_sock));
	b->rec_sock = alloc_array(nr, sizeof(*b->rec_sock));
	/* most sockets are seen twice, by their table's iterator and a holder's fd */
	if (!b->per_sock || !b->rec_sock || idmap_reserve(&by_key, nr / 2))
		return -ENOMEM;
	for (size_t i = 0; i < nr && !err; i++) {
		const struct pw_sock *r = &b->inv->socks[i];
		uint32_t m = SNAP_NONE;

		if (known_source(r->source))
			err = merged_for(b, &by_key, r, &m);
		if (m != SNAP_NONE)
			note_record(&b->per_sock[m], r, (uint32_t)i);
		b->rec_sock[i] = m;
	}
	idmap_free(&by_key);
	return err;
}

static enum port_state tcp_port_state(uint8_t state, uint8_t substate)
{
	switch (state) {
	case TCP_LISTEN:
		return PS_LISTEN;
	case TCP_SYN_SENT:
		return PS_SYN_SENT;
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		return PS_ESTABLISHED;
	case TCP_CLOSE_WAIT:
		return PS_CLOSE_WAIT;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
		return PS_FIN_WAIT;
	case TCP_TIME_WAIT:
		/* an orphaned FIN_WAIT2 lives on as a timewait sock; ss calls it FIN-WAIT-2 */
		return substate == TCP_FIN_WAIT2 ? PS_FIN_WAIT : PS_TIME_WAIT;
	case TCP_LAST_ACK:
		return PS_LAST_ACK;
	default:
		/* TCP_CLOSE with a port: bound, in no table; newer kernels' BOUND_INACTIVE too */
		return PS_BOUND;
	}
}

/* The socket's cgroup2; in the v2 root (hybrid hosts) its holder's or closer's v1 cgroup. */
static struct group_key socket_group(const struct pw_sock *table, const struct pw_sock *file)
{
	struct group_key k = {0, 0};

	if (table && table->cgroup_id)
		k.cgroup_id = table->cgroup_id;
	else if (file)
		k.cgroup_id = file->cgroup_id;
	if (k.cgroup_id != 1)
		return k;
	if (file && file->cgroup1_id)
		k.cgroup1_id = file->cgroup1_id;
	else if (table)
		k.cgroup1_id = table->cgroup1_id;
	return k;
}

static void init_socket(const struct snap_build *b, struct snap_socket *s,
			const struct sock_build *sb)
{
	const struct pw_sock *table = record(b, sb->table), *file = record(b, sb->file);
	const struct pw_sock *r = table ? table : file;

	memset(s, 0, sizeof(*s));
	/* field by field: the padding stays zero, so snapshots compare with memcmp */
	s->sock.key = r->key;
	s->sock.netns = r->netns;
	s->sock.sport = r->sport;
	s->sock.dport = r->dport;
	s->sock.family = r->family;
	s->sock.protocol = r->protocol;
	s->sock.state = r->state;
	s->sock.substate = r->substate;
	s->sock.source = r->source;
	s->sock.flags = r->flags;
	memcpy(s->sock.saddr, r->saddr, sizeof(s->sock.saddr));
	memcpy(s->sock.daddr, r->daddr, sizeof(s->sock.daddr));
	if (s->sock.protocol == IPPROTO_UDP)
		s->state = PS_UDP;
	else
		s->state = tcp_port_state(s->sock.state, s->sock.substate);
	s->group = socket_group(table, file);
	s->first_holder = SNAP_NONE;
	s->bind_bucket = sb->bind_bucket;
}

/* Keeps the sockets that hold a port, in merge order, and points records at them. */
static int keep_sockets(struct snap_build *b)
{
	struct snapshot *snap = b->snap;
	uint32_t *kept = alloc_array(b->nr_merged, sizeof(*kept));

	snap->sockets = alloc_array(b->nr_merged, sizeof(*snap->sockets));
	if (!kept || !snap->sockets) {
		free(kept);
		return -ENOMEM;
	}
	for (size_t m = 0; m < b->nr_merged; m++) {
		struct sock_build sb = b->per_sock[m];

		kept[m] = SNAP_NONE;
		if (view(b, &sb)->sport == 0)
			continue;
		kept[m] = (uint32_t)snap->nr_sockets;
		b->per_sock[snap->nr_sockets] = sb;
		init_socket(b, &snap->sockets[snap->nr_sockets++], &sb);
	}
	for (size_t i = 0; i < b->inv->nr_socks; i++) {
		if (b->rec_sock[i] != SNAP_NONE)
			b->rec_sock[i] = kept[b->rec_sock[i]];
	}
	free(kept);
	return 0;
}

static uint64_t port_key(const struct snap_sock *r)
{
	return (uint64_t)r->netns << 16 | r->sport;
}

static bool connected_on_bound_port(const struct snap_socket *s)
{
	uint8_t st = s->sock.state;

	return s->sock.protocol == IPPROTO_TCP && s->bind_bucket &&
	       (st == TCP_SYN_SENT || st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT);
}

/*
 * Accepted connections share their listener's bind bucket, so the flag alone
 * would call every server a bind-before-connect client: a port some socket
 * listens on in the same netns is a server's, not a leak.
 */
static int mark_bind_before_connect(struct snapshot *snap)
{
	struct keyset listening = {0};
	int err = 0;

	for (size_t i = 0; i < snap->nr_sockets && err >= 0; i++) {
		if (snap->sockets[i].state == PS_LISTEN)
			err = keyset_add(&listening, port_key(&snap->sockets[i].sock));
	}
	for (size_t i = 0; i < snap->nr_sockets && err >= 0; i++) {
		struct snap_socket *s = &snap->sockets[i];

		bool on_listener = s->sock.protocol == IPPROTO_TCP && s->state != PS_LISTEN &&
				   keyset_has(&listening, port_key(&s->sock));

		s->bind_before_connect = connected_on_bound_port(s) && !on_listener;
		s->passive = on_listener && s->state != PS_TIME_WAIT;
	}
	keyset_free(&listening);
	return err < 0 ? err : 0;
}

static bool process_tgid_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct snapshot *snap = ctx;

	return snap->processes[idx].tgid == *(const uint32_t *)key;
}

/* The process of @r->tgid; a new one takes its name and @group from @r. */
static int process_for(struct snap_build *b, struct idmap *by_tgid, const struct pw_sock *r,
		       const struct group_key *group, uint32_t *proc)
{
	struct snapshot *snap = b->snap;
	struct snap_process *p;
	uint32_t *slot;

	if (idmap_reserve(by_tgid, snap->nr_processes + 1))
		return -ENOMEM;
	slot = idmap_slot(by_tgid, hash_u64(r->tgid), process_tgid_eq, snap, &r->tgid);
	if (*slot) {
		*proc = *slot - 1;
		return 0;
	}
	p = array_grow(snap->processes, &b->cap_processes, snap->nr_processes + 1, 64, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snap->processes = p;
	p = &p[snap->nr_processes];
	memset(p, 0, sizeof(*p));
	p->tgid = r->tgid;
	p->start_time = start_ticks_of_ns(r->start_ns);
	memcpy(p->comm, r->comm, sizeof(p->comm) - 1);
	p->group = *group;
	*proc = (uint32_t)snap->nr_processes++;
	*slot = *proc + 1;
	return 0;
}

static bool holding_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct holding *h = &((const struct snap_build *)ctx)->holdings[idx], *k = key;

	return h->sock == k->sock && h->proc == k->proc;
}

/*
 * Charges socket @s to process @p once, however many fds @p has for it. Only
 * sockets seen through several fds can repeat, so only those are looked up.
 */
static int add_holding(struct snap_build *b, struct idmap *pairs, uint32_t s, uint32_t p)
{
	struct holding h = {s, p};
	uint32_t *slot;

	if (b->per_sock[s].nr_files > 1) {
		if (idmap_reserve(pairs, b->nr_holdings + 1))
			return -ENOMEM;
		slot = idmap_slot(pairs, hash_u64((uint64_t)s << 32 | p), holding_eq, b, &h);
		if (*slot)
			return 0;
		*slot = (uint32_t)b->nr_holdings + 1;
	}
	b->holdings[b->nr_holdings++] = h;
	return 1;
}

static int charge_holders(struct snap_build *b, struct idmap *by_tgid, struct idmap *pairs)
{
	for (size_t i = 0; i < b->inv->nr_socks; i++) {
		const struct pw_sock *r = &b->inv->socks[i];
		uint32_t s = b->rec_sock[i], p;
		struct snap_socket *sk;
		struct group_key group;
		int added;

		if (r->source != PW_SOCK_FILE || s == SNAP_NONE)
			continue;
		sk = &b->snap->sockets[s];
		/* a holder's own v1 cgroup: forks may have moved apart */
		group = sk->group;
		if (group.cgroup_id == 1 && r->cgroup1_id)
			group.cgroup1_id = r->cgroup1_id;
		if (process_for(b, by_tgid, r, &group, &p))
			return -ENOMEM;
		added = add_holding(b, pairs, s, p);
		if (added < 0)
			return added;
		if (!added)
			continue;
		b->per_sock[s].owner = sk->nr_holders ? 0 : r->tgid;
		if (sk->nr_holders++ == 0)
			sk->first_holder = p;
	}
	return 0;
}

/* TIME_WAIT and orphans have no holder left: charge who closed them, if known. */
static int charge_closers(struct snap_build *b, struct idmap *by_tgid, struct idmap *pairs)
{
	for (size_t s = 0; s < b->snap->nr_sockets; s++) {
		const struct pw_sock *table = record(b, b->per_sock[s].table);
		struct snap_socket *sk = &b->snap->sockets[s];
		uint32_t p;

		if (sk->nr_holders || !table || !(table->flags & PW_SOCKF_OWNER_KNOWN) ||
		    !table->tgid)
			continue;
		if (process_for(b, by_tgid, table, &sk->group, &p) ||
		    add_holding(b, pairs, (uint32_t)s, p) < 0)
			return -ENOMEM;
		b->per_sock[s].owner = table->tgid;
	}
	return 0;
}

static int find_holders(struct snap_build *b)
{
	struct idmap by_tgid = {0}, pairs = {0};
	int err = -ENOMEM;

	b->holdings = alloc_array(b->inv->nr_socks, sizeof(*b->holdings));
	if (b->holdings) {
		err = charge_holders(b, &by_tgid, &pairs);
		if (!err)
			err = charge_closers(b, &by_tgid, &pairs);
	}
	idmap_free(&by_tgid);
	idmap_free(&pairs);
	return err;
}

static bool group_key_eq(const void *ctx, uint32_t idx, const void *key)
{
	const struct snapshot *snap = ctx;

	return group_key_cmp(&snap->groups[idx].key, key) == 0;
}

static int group_for(struct snap_build *b, struct idmap *by_key, const struct group_key *key,
		     uint32_t *group)
{
	struct snapshot *snap = b->snap;
	uint64_t hash = hash_u64(key->cgroup_id ^ hash_u64(key->cgroup1_id));
	struct snap_group *g;
	uint32_t *slot;

	if (idmap_reserve(by_key, snap->nr_groups + 1))
		return -ENOMEM;
	slot = idmap_slot(by_key, hash, group_key_eq, snap, key);
	if (*slot) {
		*group = *slot - 1;
		return 0;
	}
	g = array_grow(snap->groups, &b->cap_groups, snap->nr_groups + 1, 64, sizeof(*g));
	if (!g)
		return -ENOMEM;
	snap->groups = g;
	memset(&g[snap->nr_groups], 0, sizeof(*g));
	g[snap->nr_groups].key = *key;
	*group = (uint32_t)snap->nr_groups++;
	*slot = *group + 1;
	return 0;
}

static void count_socket(struct state_counts *c, const struct snap_socket *s)
{
	c->n[s->state]++;
	c->total++;
	if (s->bind_before_connect)
		c->bind_before_connect++;
	if (s->passive)
		c->passive++;
	else if (s->state == PS_FIN_WAIT && s->sock.state == TCP_TIME_WAIT)
		c->tw_fin_wait++;
}

/* Every socket once in its group and the total, and once per process charged with it. */
static int count_sockets(struct snap_build *b, struct idmap *by_key)
{
	struct snapshot *snap = b->snap;

	for (size_t s = 0; s < snap->nr_sockets; s++) {
		const struct snap_socket *sk = &snap->sockets[s];
		uint32_t *g = &b->per_sock[s].group;

		if (group_for(b, by_key, &sk->group, g))
			return -ENOMEM;
		count_socket(&snap->groups[*g].held, sk);
		count_socket(&snap->total, sk);
	}
	for (size_t h = 0; h < b->nr_holdings; h++)
		count_socket(&snap->processes[b->holdings[h].proc].held,
			     &snap->sockets[b->holdings[h].sock]);
	return 0;
}

/* A process's group exists even when none of its sockets are grouped there. */
static int count_processes(struct snap_build *b, struct idmap *by_key)
{
	for (size_t p = 0; p < b->snap->nr_processes; p++) {
		uint32_t g;

		if (group_for(b, by_key, &b->snap->processes[p].group, &g))
			return -ENOMEM;
		b->snap->groups[g].nr_processes++;
	}
	return 0;
}

static int count_groups(struct snap_build *b)
{
	struct idmap by_key = {0};
	int err = count_sockets(b, &by_key);

	if (!err)
		err = count_processes(b, &by_key);
	idmap_free(&by_key);
	return err;
}

static int process_order(const void *a, const void *b, void *ctx)
{
	const struct snap_process *procs = ctx;
	const struct snap_process *x = &procs[*(const uint32_t *)a],
				  *y = &procs[*(const uint32_t *)b];
	int c = cmp_u64(y->held.total, x->held.total);

	return c ? c : cmp_u64(x->tgid, y->tgid);
}

/* Sorts the processes, keeping each socket's first_holder pointing at the same one. */
static int sort_processes(struct snapshot *snap)
{
	size_t n = snap->nr_processes;
	uint32_t *order = alloc_array(n, sizeof(*order)), *rank = alloc_array(n, sizeof(*rank));
	struct snap_process *sorted = alloc_array(n, sizeof(*sorted));
	int err = -ENOMEM;

	if (order && rank && sorted) {
		for (size_t i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		qsort_r(order, n, sizeof(*order), process_order, snap->processes);
		for (size_t i = 0; i < n; i++) {
			sorted[i] = snap->processes[order[i]];
			rank[order[i]] = (uint32_t)i;
		}
		for (size_t s = 0; s < snap->nr_sockets; s++) {
			if (snap->sockets[s].first_holder != SNAP_NONE)
				snap->sockets[s].first_holder = rank[snap->sockets[s].first_holder];
		}
		free(snap->processes);
		snap->processes = sorted;
		sorted = NULL;
		err = 0;
	}
	free(order);
	free(rank);
	free(sorted);
	return err;
}

static int group_order(const void *a, const void *b)
{
	const struct snap_group *x = a, *y = b;
	int c = cmp_u64(y->held.total, x->held.total);

	return c ? c : group_key_cmp(&x->key, &y->key);
}

static void build_free(struct snap_build *b)
{
	free(b->rec_sock);
	free(b->per_sock);
	free(b->holdings);
}

/*
 * The records are read until every socket has its holders; what follows
 * (groups, pools, sorting) works on the snapshot alone. @consume (NULL, or
 * @inv itself) has its records freed there, so that they and the pools'
 * working arrays are not in memory at once.
 */
static int build(const struct inventory *inv, struct inventory *consume, struct snapshot *snap)
{
	struct snap_build b = {.inv = inv, .snap = snap};
	int err;

	memset(snap, 0, sizeof(*snap));
	snap->taken_ns = inv->taken_ns;
	err = merge_records(&b);
	if (!err)
		err = keep_sockets(&b);
	if (!err)
		err = mark_bind_before_connect(snap);
	if (!err)
		err = find_holders(&b);
	if (consume) {
		free(consume->socks);
		consume->socks = NULL;
		consume->nr_socks = consume->cap_socks = 0;
		free(b.rec_sock);
		b.rec_sock = NULL;
	}
	if (!err)
		err = count_groups(&b);
	if (!err)
		err = snapshot_build_pools(&b);
	if (!err)
		err = sort_processes(snap);
	if (!err && snap->nr_groups)
		qsort(snap->groups, snap->nr_groups, sizeof(*snap->groups), group_order);
	build_free(&b);
	if (err)
		snapshot_free(snap);
	return err;
}

int snapshot_build(const struct inventory *inv, struct snapshot *snap)
{
	return build(inv, NULL, snap);
}

int snapshot_build_consume(struct inventory *inv, struct snapshot *snap)
{
	return build(inv, inv, snap);
}

void snapshot_free(struct snapshot *snap)
{
	free(snap->sockets);
	free(snap->processes);
	free(snap->groups);
	free(snap->pools);
	memset(snap, 0, sizeof(*snap));
}

const struct snap_process *snapshot_find_process(const struct snapshot *snap, uint32_t tgid)
{
	for (size_t i = 0; i < snap->nr_processes; i++)
		if (snap->processes[i].tgid == tgid)
			return &snap->processes[i];
	return NULL;
}
