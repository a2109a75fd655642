/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * What holds local ports right now: an immutable snapshot built from one
 * inventory, per socket, per process, per cgroup and per port pool. Pure:
 * no I/O, so that `snapshot`, `report`, `top` and the daemon render or
 * classify the same thing, and tests can build one from synthetic records.
 */
#ifndef PW_SNAPSHOT_H
#define PW_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/inventory.h"
#include "core/order.h"

/* The states ports are held in, as users read them (ss names in comments). */
enum port_state {
	PS_LISTEN = 0,	/* LISTEN */
	PS_SYN_SENT,	/* SYN-SENT */
	PS_ESTABLISHED, /* ESTAB, SYN-RECV */
	PS_CLOSE_WAIT,	/* CLOSE-WAIT: the peer closed, the application never did */
	PS_FIN_WAIT,	/* FIN-WAIT-1, FIN-WAIT-2 (full or TIME_WAIT substate), CLOSING */
	PS_TIME_WAIT,	/* TIME-WAIT */
	PS_LAST_ACK,	/* LAST-ACK */
	PS_BOUND,	/* TCP bound by bind() but neither listening nor connected */
	PS_UDP,		/* any UDP socket with a local port */
	PS_COUNT,
};

const char *port_state_name(enum port_state s); /* "LISTEN", ..., "UDP" */

/* Where ports are allocated from: exhaustion happens per pool. */
enum pool_kind {
	POOL_TCP_CONNECT = 0, /* (netns, local IP, remote IP, remote port): connect() autobind */
	POOL_TCP_BIND,	      /* (netns): bind(port 0) and listen() autobind */
	POOL_UDP,	      /* (netns): UDP autobind and bind(port 0) */
};

const char *pool_kind_name(enum pool_kind k); /* "tcp-connect", "tcp-bind", "udp" */

/* The group a socket is accounted to: its cgroup2 cgroup, or on hybrid hosts
 * (socket in the v2 root) its owner's v1 memory cgroup. */
struct group_key {
	uint64_t cgroup_id;  /* cgroup2 id; 1 = root */
	uint64_t cgroup1_id; /* v1 memory cgroup id when cgroup_id == 1, else 0 */
};

/* Orders groups by cgroup2 id, then v1 id. */
static inline int group_key_cmp(const struct group_key *a, const struct group_key *b)
{
	int c = cmp_u64(a->cgroup_id, b->cgroup_id);

	return c ? c : cmp_u64(a->cgroup1_id, b->cgroup1_id);
}

/* group_key_cmp() for qsort() over an array of struct group_key. */
static inline int group_key_order(const void *a, const void *b)
{
	return group_key_cmp(a, b);
}

static inline bool group_key_same(const struct group_key *a, const struct group_key *b)
{
	return a->cgroup_id == b->cgroup_id && a->cgroup1_id == b->cgroup1_id;
}

/*
 * What a snapshot keeps of a socket's record: struct pw_sock without the
 * holder's fd, tgid and comm (snapshot.processes has them) or the cgroup
 * ids (snap_socket.group). A daemon keeps one per socket between samples:
 * 56 bytes where the record is 104 (a snap_socket: 88, was 136; 4.8 MB
 * less at 100k sockets).
 */
struct snap_sock {
	uint64_t key; /* PW_KEY_INODE | inode, or the socket cookie (sockets.h) */
	uint32_t netns;
	uint8_t saddr[PW_ADDR_LEN];
	uint8_t daddr[PW_ADDR_LEN];
	uint16_t sport, dport, family;
	uint8_t protocol, state, substate, source, flags;
};

/* One socket holding a local port, merged from every iterator that saw it
 * (the flags next to the state: 88 bytes, not 96). */
struct snap_socket {
	struct snap_sock sock; /* the table iterator's view (state, addrs) when there is one */
	enum port_state state;
	bool bind_bucket;	  /* its port was taken by bind()/listen() (PW_SOCKF_BIND_BUCKET) */
	bool bind_before_connect; /* connected (SYN_SENT, ESTABLISHED, CLOSE_WAIT) on a bind-taken port */
	bool passive;		  /* a server's side: on its listener's port (see state_counts) */
	struct group_key group;
	uint32_t nr_holders;   /* processes holding it through a file descriptor */
	uint32_t first_holder; /* into snapshot.processes; UINT32_MAX: TIME_WAIT, orphans */
};

struct state_counts {
	uint32_t n[PS_COUNT];
	uint32_t total;
	uint32_t bind_before_connect;
	/* not TIME_WAIT, on a port a socket listens on in the same netns: a
	 * server's accepted connections, which take no ephemeral port */
	uint32_t passive;
	/* in n[PS_FIN_WAIT], not passive: orphaned FIN_WAIT2 sockets the kernel
	 * keeps as timewait socks (state TIME_WAIT, substate FIN_WAIT2) */
	uint32_t tw_fin_wait;
};

/* Ports held against a pool: TIME_WAIT and a server's accepted sockets
 * (which share its listener's port) take none of their own. */
static inline uint32_t state_ports_held(const struct state_counts *c)
{
	return c->total - c->n[PS_TIME_WAIT] - c->passive;
}

/* Ports a budget counts (bpf/budget.bpf.c): state_ports_held() but for the
 * FIN_WAIT2 timewait socks. The kernel gives a socket's port back to its
 * budget when the socket enters CLOSE, which an orphan in FIN_WAIT2 does as
 * it becomes a timewait sock; like a TIME_WAIT one, that sock still holds the
 * port but counts against no budget. Reconciling against state_ports_held()
 * instead would put those ports back on the budget, where nothing takes them
 * off when the socks expire. */
static inline uint32_t state_budget_held(const struct state_counts *c)
{
	return state_ports_held(c) - c->tw_fin_wait;
}

/* A process holding sockets (or, for TIME_WAIT and orphans, the process that
 * closed them: its tgid may be gone). */
struct snap_process {
	uint32_t tgid;
	uint64_t start_time; /* clock ticks after boot (/proc/PID/stat field 22), 0 if unknown */
	char comm[PW_COMM_LEN];
	struct group_key group;
	struct state_counts held;
};

struct snap_group {
	struct group_key key;
	struct state_counts held;
	uint32_t nr_processes;
};

struct snap_pool {
	enum pool_kind kind;
	uint32_t netns;
	uint16_t family;
	uint8_t laddr[PW_ADDR_LEN]; /* POOL_TCP_CONNECT only */
	uint8_t raddr[PW_ADDR_LEN]; /* POOL_TCP_CONNECT only */
	uint16_t rport;			 /* POOL_TCP_CONNECT only */
	uint32_t used;			 /* ports of the range taken in this pool */
	uint32_t capacity;		 /* range - reserved (- bind-taken, for tcp-connect) */
	bool capacity_known;		 /* false when the netns settings could not be read */
	double growth_per_s;		 /* ports/s since the last snapshot, smoothed
					  * (pool_trend.h); 0 from snapshot_build */
					 /* the biggest holders, by ports used in this pool */
#define SNAP_POOL_TOP 3
	struct {
		struct group_key group;
		uint32_t tgid; /* 0: several or unknown */
		uint32_t used;
	} top[SNAP_POOL_TOP];
	uint32_t nr_top;
};

struct snapshot {
	uint64_t taken_ns;
	int64_t time_s; /* read back from a document (snapshot_json.h): its "time",
			 * UTC seconds; 0 otherwise */
	struct snap_socket *sockets;
	size_t nr_sockets;
	struct snap_process *processes; /* sorted by held.total, descending, then tgid */
	size_t nr_processes;
	struct snap_group *groups; /* sorted by held.total, descending */
	size_t nr_groups;
	struct snap_pool *pools; /* sorted by fill ratio, descending */
	size_t nr_pools;
	struct state_counts total;
};

/* Build @snap from @inv. Returns 0 or -ENOMEM. */
int snapshot_build(const struct inventory *inv, struct snapshot *snap);
/* The same, freeing @inv's socket records (not its netns settings) as soon
 * as they are read: a daemon's peak at 100k sockets is then the records or
 * the pools' working arrays, not both. @inv has no records afterwards,
 * whatever the result. */
int snapshot_build_consume(struct inventory *inv, struct snapshot *snap);
void snapshot_free(struct snapshot *snap);

/* @tgid's entry in @snap, or NULL when it holds no socket there. */
const struct snap_process *snapshot_find_process(const struct snapshot *snap, uint32_t tgid);

/* used / capacity in [0, 1+]; 0 when the capacity is unknown or zero. */
double snap_pool_fill(const struct snap_pool *p);

#endif /* PW_SNAPSHOT_H */
