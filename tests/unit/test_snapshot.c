// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for snapshot_build(): merging, states, charging, groups and pools, from fake records.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "core/snapshot.h"
#include "host/sysctl.h"
#include "unit.h"
#include "../bench/busy_host.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define NS1  4026531840u /* range LOW..HIGH, nothing reserved unless a test says so */
#define NS2  4026532100u /* range LOW..LOW + 3 */
#define NS3  4026532200u /* no settings */
#define NS4  4026532300u /* no settings */
#define LOW  40000
#define HIGH 40009
#define CG_A 1000
#define CG_B 2000
#define CG_C 3000
#define CG_D 4000
#define NONE UINT32_MAX

/* Every test starts from setup(), which frees what the previous one left, failed or not. */
static struct {
	struct inventory inv;
	struct snapshot snap;
} fx;

static void teardown(void)
{
	snapshot_free(&fx.snap);
	inventory_free(&fx.inv);
}

static void set_range(uint32_t inum, uint16_t low, uint16_t high)
{
	struct netns_ports *n = inventory_add_netns(&fx.inv, inum);

	n->known = true;
	n->low = low;
	n->high = high;
}

static void setup(void)
{
	teardown();
	inventory_init(&fx.inv);
	set_range(NS1, LOW, HIGH);
	set_range(NS2, LOW, LOW + 3);
}

static void ip4(uint8_t addr[PW_ADDR_LEN], uint8_t last)
{
	memset(addr, 0, PW_ADDR_LEN);
	addr[0] = 10;
	addr[3] = last;
}

/* What iter/tcp writes: 10.0.0.9:sport -> 10.0.0.1:80 in NS1, cgroup CG_A, closer unknown. */
static struct pw_sock tcp(uint64_t cookie, uint8_t state, uint16_t sport)
{
	struct pw_sock r;

	memset(&r, 0, sizeof(r));
	r.key = cookie;
	r.cgroup_id = CG_A;
	r.netns = NS1;
	ip4(r.saddr, 9);
	ip4(r.daddr, 1);
	r.sport = sport;
	r.dport = 80;
	r.family = AF_INET;
	r.protocol = IPPROTO_TCP;
	r.state = state;
	r.source = PW_SOCK_TCP;
	return r;
}

/* What iter/udp writes for an unconnected socket. */
static struct pw_sock udp(uint64_t cookie, uint16_t sport)
{
	struct pw_sock r = tcp(cookie, TCP_CLOSE, sport);

	r.protocol = IPPROTO_UDP;
	r.source = PW_SOCK_UDP;
	memset(r.daddr, 0, sizeof(r.daddr));
	r.dport = 0;
	return r;
}

static void set_comm(struct pw_sock *r, uint32_t tgid)
{
	snprintf(r->comm, sizeof(r->comm), "p%u", tgid);
}

/* What iter/task_file writes for process @tgid holding socket @r. */
static struct pw_sock held_by(struct pw_sock r, uint32_t tgid)
{
	r.source = PW_SOCK_FILE;
	r.tgid = tgid;
	r.fd = 3;
	r.flags = (r.flags & PW_SOCKF_BIND_BUCKET) | PW_SOCKF_OWNER_KNOWN;
	set_comm(&r, tgid);
	return r;
}

/* What iter/tcp writes when the closers map knows who closed @r. */
static struct pw_sock closed_by(struct pw_sock r, uint32_t tgid)
{
	r.tgid = tgid;
	r.flags |= PW_SOCKF_OWNER_KNOWN;
	set_comm(&r, tgid);
	return r;
}

static struct pw_sock with_bind_bucket(struct pw_sock r)
{
	r.flags |= PW_SOCKF_BIND_BUCKET;
	return r;
}

static struct pw_sock with_cgroups(struct pw_sock r, uint64_t cgroup_id, uint64_t cgroup1_id)
{
	r.cgroup_id = cgroup_id;
	r.cgroup1_id = cgroup1_id;
	return r;
}

static struct pw_sock to(struct pw_sock r, uint8_t daddr_last, uint16_t dport)
{
	ip4(r.daddr, daddr_last);
	r.dport = dport;
	return r;
}

static struct pw_sock in_netns(struct pw_sock r, uint32_t netns)
{
	r.netns = netns;
	return r;
}

static void add(struct pw_sock r)
{
	ASSERT_EQ_INT(inventory_add_sock(&fx.inv, &r), 0);
}

/* A socket as both the table iterator and its one holder see it. */
static void add_held(struct pw_sock r, uint32_t tgid)
{
	add(r);
	add(held_by(r, tgid));
}

static int build(void)
{
	return snapshot_build(&fx.inv, &fx.snap);
}

/*
 * Finders for what a test expects to exist: a missing one fails the test and
 * yields an all-zero entry, so the assertions after it do not crash the run.
 */
static const void *found(const void *entry, const char *what, unsigned long long id)
{
	static const union {
		struct snap_socket socket;
		struct snap_process process;
		struct snap_group group;
		struct snap_pool pool;
	} missing;

	if (entry)
		return entry;
	unit_fail(__FILE__, __LINE__, "no %s %llu in the snapshot", what, id);
	return &missing;
}

static const struct snap_socket *socket_at(uint16_t sport)
{
	for (size_t i = 0; i < fx.snap.nr_sockets; i++) {
		if (fx.snap.sockets[i].sock.sport == sport)
			return &fx.snap.sockets[i];
	}
	return found(NULL, "socket on port", sport);
}

static const struct snap_process *find_process(uint32_t tgid)
{
	for (size_t i = 0; i < fx.snap.nr_processes; i++) {
		if (fx.snap.processes[i].tgid == tgid)
			return &fx.snap.processes[i];
	}
	return NULL;
}

static const struct snap_process *process(uint32_t tgid)
{
	return found(find_process(tgid), "process", tgid);
}

static const struct snap_group *group(uint64_t cgroup_id, uint64_t cgroup1_id)
{
	for (size_t i = 0; i < fx.snap.nr_groups; i++) {
		const struct group_key *k = &fx.snap.groups[i].key;

		if (k->cgroup_id == cgroup_id && k->cgroup1_id == cgroup1_id)
			return &fx.snap.groups[i];
	}
	return found(NULL, "group of cgroup", cgroup_id);
}

static const struct snap_pool *find_pool(enum pool_kind kind, uint32_t netns)
{
	for (size_t i = 0; i < fx.snap.nr_pools; i++) {
		if (fx.snap.pools[i].kind == kind && fx.snap.pools[i].netns == netns)
			return &fx.snap.pools[i];
	}
	return NULL;
}

static const struct snap_pool *pool(enum pool_kind kind, uint32_t netns)
{
	return found(find_pool(kind, netns), pool_kind_name(kind), netns);
}

/* The connect pool of 10.0.0.@laddr -> 10.0.0.@raddr:@rport in @netns. */
static const struct snap_pool *connect_pool(uint32_t netns, uint8_t laddr, uint8_t raddr,
					    uint16_t rport)
{
	uint8_t l[PW_ADDR_LEN], r[PW_ADDR_LEN];

	ip4(l, laddr);
	ip4(r, raddr);
	for (size_t i = 0; i < fx.snap.nr_pools; i++) {
		const struct snap_pool *p = &fx.snap.pools[i];

		if (p->kind == POOL_TCP_CONNECT && p->netns == netns && p->rport == rport &&
		    !memcmp(p->laddr, l, sizeof(l)) && !memcmp(p->raddr, r, sizeof(r)))
			return p;
	}
	return found(NULL, "connect pool to port", rport);
}

static const char *holder_comm(const struct snap_socket *s)
{
	return s->first_holder == NONE ? NULL : fx.snap.processes[s->first_holder].comm;
}

UNIT_TEST(empty_inventory)
{
	setup();
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_sockets, 0);
	ASSERT_EQ_INT(fx.snap.nr_processes, 0);
	ASSERT_EQ_INT(fx.snap.nr_groups, 0);
	ASSERT_EQ_INT(fx.snap.nr_pools, 0);
	ASSERT_EQ_INT(fx.snap.total.total, 0);
}

/* The table iterator's view wins for state and addresses; the file record adds the holder. */
UNIT_TEST(merges_file_and_tcp_by_key)
{
	struct pw_sock table = to(tcp(7, TCP_ESTABLISHED, 40001), 2, 443);
	struct pw_sock file = held_by(tcp(7, TCP_SYN_SENT, 40001), 100);
	const struct snap_socket *s;

	setup();
	add(file);
	add(table);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_sockets, 1);
	s = &fx.snap.sockets[0];
	ASSERT_EQ_INT(s->sock.source, PW_SOCK_TCP);
	ASSERT_EQ_INT(s->state, PS_ESTABLISHED);
	ASSERT_EQ_INT(s->sock.dport, 443);
	ASSERT_EQ_INT(s->nr_holders, 1);
	ASSERT_EQ_STR(holder_comm(s), "p100");
	ASSERT_EQ_INT(fx.snap.nr_processes, 1);
	ASSERT_EQ_INT(fx.snap.processes[0].held.n[PS_ESTABLISHED], 1);
	ASSERT_EQ_INT(fx.snap.total.total, 1);
}

/* After fork both processes hold the socket; one of them by two fds. */
UNIT_TEST(holders_across_fork)
{
	struct pw_sock t = tcp(7, TCP_CLOSE_WAIT, 40001), second_fd = held_by(t, 100);
	const struct snap_group *g;

	setup();
	second_fd.fd = 4;
	add(held_by(t, 100));
	add(held_by(t, 101));
	add(second_fd);
	add(t);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_sockets, 1);
	ASSERT_EQ_INT(fx.snap.sockets[0].nr_holders, 2);
	ASSERT_EQ_INT(fx.snap.nr_processes, 2);
	ASSERT_EQ_INT(process(100)->held.total, 1);
	ASSERT_EQ_INT(process(100)->held.n[PS_CLOSE_WAIT], 1);
	ASSERT_EQ_INT(process(101)->held.total, 1);
	g = group(CG_A, 0);
	ASSERT_EQ_INT(g->held.total, 1);
	ASSERT_EQ_INT(g->nr_processes, 2);
	ASSERT_EQ_INT(fx.snap.total.total, 1);
}

/* Without a cookie records cannot be matched: each is a socket of its own. */
UNIT_TEST(key_zero_never_merges)
{
	struct pw_sock t = tcp(0, TCP_ESTABLISHED, 40001);

	setup();
	add(held_by(t, 100));
	add(held_by(t, 100));
	add(t);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_sockets, 3);
	ASSERT_EQ_INT(process(100)->held.total, 2);
	ASSERT_EQ_INT(fx.snap.total.total, 3);
}

UNIT_TEST(sockets_without_port_are_dropped)
{
	struct pw_sock unbound = tcp(7, TCP_CLOSE, 0);

	setup();
	add(held_by(unbound, 100));
	add(udp(8, 0));
	add(held_by(udp(8, 0), 100));
	add_held(tcp(9, TCP_ESTABLISHED, 40001), 200);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_sockets, 1);
	ASSERT_EQ_INT(fx.snap.sockets[0].sock.sport, 40001);
	ASSERT_EQ_INT(fx.snap.nr_processes, 1); /* 100 holds no port */
	ASSERT_TRUE(find_process(100) == NULL);
	ASSERT_TRUE(find_pool(POOL_UDP, NS1) == NULL);
}

struct state_case {
	const char *name;
	bool table; /* seen by iter/tcp or iter/udp too, not only through a file */
	uint8_t protocol;
	uint8_t state;
	uint8_t substate;
	enum port_state want;
};

static const struct state_case state_cases[] = {
	{"bound, only in files", false, IPPROTO_TCP, TCP_CLOSE, 0, PS_BOUND},
	{"listen", true, IPPROTO_TCP, TCP_LISTEN, 0, PS_LISTEN},
	{"syn-sent", true, IPPROTO_TCP, TCP_SYN_SENT, 0, PS_SYN_SENT},
	{"established", true, IPPROTO_TCP, TCP_ESTABLISHED, 0, PS_ESTABLISHED},
	{"syn-recv", true, IPPROTO_TCP, TCP_SYN_RECV, 0, PS_ESTABLISHED},
	{"close-wait", true, IPPROTO_TCP, TCP_CLOSE_WAIT, 0, PS_CLOSE_WAIT},
	{"fin-wait-1", true, IPPROTO_TCP, TCP_FIN_WAIT1, 0, PS_FIN_WAIT},
	{"fin-wait-2 full socket", true, IPPROTO_TCP, TCP_FIN_WAIT2, 0, PS_FIN_WAIT},
	{"closing", true, IPPROTO_TCP, TCP_CLOSING, 0, PS_FIN_WAIT},
	{"time-wait", true, IPPROTO_TCP, TCP_TIME_WAIT, TCP_TIME_WAIT, PS_TIME_WAIT},
	{"fin-wait-2 timewait sock", true, IPPROTO_TCP, TCP_TIME_WAIT, TCP_FIN_WAIT2, PS_FIN_WAIT},
	{"last-ack", true, IPPROTO_TCP, TCP_LAST_ACK, 0, PS_LAST_ACK},
	{"udp unconnected", true, IPPROTO_UDP, TCP_CLOSE, 0, PS_UDP},
	{"udp connected", true, IPPROTO_UDP, TCP_ESTABLISHED, 0, PS_UDP},
	{"udp only in files", false, IPPROTO_UDP, TCP_CLOSE, 0, PS_UDP},
};

static void check_state_case(const struct state_case *t)
{
	struct pw_sock r = t->protocol == IPPROTO_UDP ? udp(7, 40001) : tcp(7, t->state, 40001);

	UNIT_ROW(t->name);
	setup();
	r.state = t->state;
	r.substate = t->substate;
	if (t->table)
		add(r);
	add(held_by(r, 100));
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_sockets, 1);
	ASSERT_EQ_INT(fx.snap.sockets[0].state, t->want);
	ASSERT_EQ_INT(fx.snap.total.n[t->want], 1);
	ASSERT_EQ_INT(process(100)->held.n[t->want], 1);
}

UNIT_TEST(state_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_cases); i++)
		check_state_case(&state_cases[i]);
}

/* Nobody holds a TIME_WAIT sock: it is charged to who closed it, when that is known. */
UNIT_TEST(time_wait_with_closer)
{
	struct pw_sock tw = closed_by(tcp(7, TCP_TIME_WAIT, 40001), 200);
	const struct snap_process *p;

	setup();
	tw.substate = TCP_TIME_WAIT;
	add(tw);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.sockets[0].nr_holders, 0);
	ASSERT_EQ_INT(fx.snap.sockets[0].first_holder, NONE);
	p = process(200);
	ASSERT_EQ_STR(p->comm, "p200");
	ASSERT_EQ_INT(p->held.n[PS_TIME_WAIT], 1);
	ASSERT_EQ_INT(group(CG_A, 0)->nr_processes, 1);
	ASSERT_EQ_INT(group(CG_A, 0)->held.n[PS_TIME_WAIT], 1);
}

/*
 * A budget's count (state_budget_held) leaves out what the kernel's count
 * gave back: TIME_WAIT and FIN_WAIT2 timewait socks (the orphan entered
 * CLOSE); a full FIN_WAIT2 socket still counts. A server's accepted socket,
 * even as a FIN_WAIT2 timewait sock, is left out once (passive), not twice.
 */
UNIT_TEST(budget_held_leaves_out_timewait_socks)
{
	struct pw_sock full = tcp(1, TCP_FIN_WAIT2, 40001), orphan = tcp(2, TCP_TIME_WAIT, 40002);
	struct pw_sock tw = tcp(3, TCP_TIME_WAIT, 40003), est = tcp(4, TCP_ESTABLISHED, 40004);
	struct pw_sock lis = tcp(5, TCP_LISTEN, 5000), served = tcp(6, TCP_TIME_WAIT, 5000);
	const struct state_counts *c;

	setup();
	orphan.substate = TCP_FIN_WAIT2;
	tw.substate = TCP_TIME_WAIT;
	served.substate = TCP_FIN_WAIT2;
	add(full);
	add(held_by(full, 100));
	add(orphan);
	add(tw);
	add(est);
	add(held_by(est, 100));
	add(lis);
	add(held_by(lis, 100));
	add(served);
	ASSERT_EQ_INT(build(), 0);
	c = &group(CG_A, 0)->held;
	ASSERT_EQ_INT(c->n[PS_FIN_WAIT], 3);
	ASSERT_EQ_INT(c->passive, 1);
	ASSERT_EQ_INT(c->tw_fin_wait, 1);
	ASSERT_EQ_INT(state_ports_held(c), 4); /* full, orphan, est, lis */
	ASSERT_EQ_INT(state_budget_held(c), 3); /* full, est, lis */
}

UNIT_TEST(time_wait_without_closer)
{
	struct pw_sock tw = tcp(7, TCP_TIME_WAIT, 40001);

	setup();
	tw.substate = TCP_TIME_WAIT;
	tw.cgroup_id = 0; /* timewait socks have no cgroup of their own */
	add(tw);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_processes, 0);
	ASSERT_EQ_INT(fx.snap.total.n[PS_TIME_WAIT], 1);
	ASSERT_EQ_INT(group(0, 0)->held.total, 1);
	ASSERT_EQ_INT(group(0, 0)->nr_processes, 0);
	ASSERT_EQ_INT(pool(POOL_TCP_BIND, NS1)->used, 1);
	ASSERT_EQ_INT(connect_pool(NS1, 9, 1, 80)->used, 1);
}

/* Where the bind-bucket flag is, for bind_before_connect rows. */
enum flag_on { FLAG_NONE, FLAG_FILE, FLAG_TABLE };

struct bbc_case {
	const char *name;
	uint8_t state;
	enum flag_on flag;
	bool listener; /* a socket listens on the same port */
	bool want;
};

static const struct bbc_case bbc_cases[] = {
	{"bind(0) then connect", TCP_ESTABLISHED, FLAG_FILE, false, true},
	{"flag seen by iter/tcp only", TCP_ESTABLISHED, FLAG_TABLE, false, true},
	{"connecting", TCP_SYN_SENT, FLAG_FILE, false, true},
	{"close-wait", TCP_CLOSE_WAIT, FLAG_TABLE, false, true},
	{"connect() chose the port", TCP_ESTABLISHED, FLAG_NONE, false, false},
	{"listener", TCP_LISTEN, FLAG_TABLE, false, false},
	{"accepted from a listener", TCP_ESTABLISHED, FLAG_TABLE, true, false},
	{"syn-recv", TCP_SYN_RECV, FLAG_TABLE, false, false},
	{"fin-wait-1", TCP_FIN_WAIT1, FLAG_TABLE, false, false},
};

static void check_bbc_case(const struct bbc_case *t)
{
	struct pw_sock r = tcp(7, t->state, 40005), file = held_by(r, 100);
	uint32_t want = t->want ? 1 : 0;

	UNIT_ROW(t->name);
	setup();
	if (t->flag == FLAG_TABLE)
		r = with_bind_bucket(r);
	if (t->flag == FLAG_FILE)
		file = with_bind_bucket(file);
	add(r);
	add(file);
	if (t->listener)
		add_held(with_bind_bucket(tcp(8, TCP_LISTEN, 40005)), 100);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.sockets[0].bind_bucket, t->flag != FLAG_NONE);
	ASSERT_EQ_INT(fx.snap.sockets[0].bind_before_connect, t->want);
	ASSERT_EQ_INT(fx.snap.total.bind_before_connect, want);
	ASSERT_EQ_INT(process(100)->held.bind_before_connect, want);
	ASSERT_EQ_INT(group(CG_A, 0)->held.bind_before_connect, want);
}

UNIT_TEST(bind_before_connect_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(bbc_cases); i++)
		check_bbc_case(&bbc_cases[i]);
}

struct group_case {
	const char *name;
	bool table, file; /* which iterators saw the socket */
	uint64_t table_cg, table_cg1, file_cg, file_cg1;
	uint64_t want_cg, want_cg1;
};

static const struct group_case group_cases[] = {
	{"cgroup2 socket", true, true, 300, 0, 300, 50, 300, 0},
	{"root socket, holder's v1 cgroup", true, true, 1, 0, 1, 50, 1, 50},
	{"root time-wait, closer's v1 cgroup", true, false, 1, 70, 0, 0, 1, 70},
	{"holder's v1 before closer's", true, true, 1, 70, 1, 50, 1, 50},
	{"table cgroup before file's", true, true, 300, 0, 400, 0, 300, 0},
	{"table cgroup unknown", true, true, 0, 0, 400, 0, 400, 0},
	{"only in files, root", false, true, 0, 0, 1, 60, 1, 60},
	{"nothing known", true, false, 0, 0, 0, 0, 0, 0},
};

static void check_group_case(const struct group_case *t)
{
	struct pw_sock r = tcp(7, TCP_ESTABLISHED, 40001);
	const struct group_key *k;

	UNIT_ROW(t->name);
	setup();
	if (t->table)
		add(closed_by(with_cgroups(r, t->table_cg, t->table_cg1), 200));
	if (t->file)
		add(held_by(with_cgroups(r, t->file_cg, t->file_cg1), 100));
	ASSERT_EQ_INT(build(), 0);
	k = &fx.snap.sockets[0].group;
	ASSERT_EQ_INT(k->cgroup_id, t->want_cg);
	ASSERT_EQ_INT(k->cgroup1_id, t->want_cg1);
	ASSERT_EQ_INT(fx.snap.nr_groups, 1);
	ASSERT_EQ_INT(fx.snap.groups[0].held.total, 1);
	ASSERT_EQ_INT(fx.snap.groups[0].nr_processes, 1);
	ASSERT_EQ_INT(fx.snap.processes[0].group.cgroup_id, t->want_cg);
	ASSERT_EQ_INT(fx.snap.processes[0].group.cgroup1_id, t->want_cg1);
}

UNIT_TEST(group_key_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(group_cases); i++)
		check_group_case(&group_cases[i]);
}

/* Hybrid host: forks moved to two v1 cgroups share a socket in the v2 root. */
UNIT_TEST(hybrid_forks_in_two_v1_cgroups)
{
	struct pw_sock r = with_cgroups(tcp(7, TCP_ESTABLISHED, 40001), 1, 0);

	setup();
	add(r);
	add(held_by(with_cgroups(r, 1, 50), 100));
	add(held_by(with_cgroups(r, 1, 60), 101));
	add_held(with_cgroups(tcp(8, TCP_ESTABLISHED, 40002), 1, 0), 102);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(socket_at(40001)->group.cgroup1_id, 50); /* its first holder's */
	ASSERT_EQ_INT(socket_at(40002)->group.cgroup1_id, 0);
	ASSERT_EQ_INT(process(101)->group.cgroup1_id, 60);
	ASSERT_EQ_INT(fx.snap.nr_groups, 3);
	ASSERT_EQ_INT(group(1, 50)->held.total, 1);
	ASSERT_EQ_INT(group(1, 50)->nr_processes, 1);
	ASSERT_EQ_INT(group(1, 60)->held.total, 0);
	ASSERT_EQ_INT(group(1, 60)->nr_processes, 1);
	ASSERT_EQ_INT(group(1, 0)->held.total, 1);
}

/*
 * NS1 is 40000-40009 with 40003-40004 reserved: 8 ports for autobind. A bind(0)
 * socket, a listener and a bind-before-connect socket take 40001, 40002 and
 * 40008 from every connect pool, timewait socks on those ports included.
 */
UNIT_TEST(pool_capacity_reserved_and_bind_taken)
{
	const struct snap_pool *bind, *conn;
	struct netns_ports *n;
	struct pw_sock tw = tcp(5, TCP_TIME_WAIT, 40007);

	setup();
	n = inventory_add_netns(&fx.inv, NS1);
	ASSERT_EQ_INT(parse_reserved_ports("40003-40004\n", n->reserved), 0);
	add(held_by(with_bind_bucket(tcp(1, TCP_CLOSE, 40001)), 100));
	add_held(with_bind_bucket(tcp(2, TCP_LISTEN, 40002)), 100);
	add_held(tcp(3, TCP_ESTABLISHED, 40005), 100);
	add_held(tcp(4, TCP_SYN_SENT, 40006), 100);
	add(tw);
	/* explicitly bound to a reserved port: in no pool's count */
	add_held(with_bind_bucket(tcp(6, TCP_ESTABLISHED, 40003)), 100);
	add_held(with_bind_bucket(tcp(7, TCP_ESTABLISHED, 40008)), 100);
	add(tcp(8, TCP_TIME_WAIT, 40002)); /* an accepted connection's remains */
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_pools, 2);
	bind = pool(POOL_TCP_BIND, NS1);
	ASSERT_TRUE(bind->capacity_known);
	ASSERT_EQ_INT(bind->capacity, 8);
	ASSERT_EQ_INT(bind->used, 6);
	conn = connect_pool(NS1, 9, 1, 80);
	ASSERT_TRUE(conn->capacity_known);
	ASSERT_EQ_INT(conn->capacity, 5);
	ASSERT_EQ_INT(conn->used, 3);
}

UNIT_TEST(out_of_range_ports_not_counted)
{
	const struct snap_pool *p;

	setup();
	add_held(with_bind_bucket(tcp(1, TCP_LISTEN, 80)), 100);
	add_held(tcp(2, TCP_ESTABLISHED, LOW - 1), 100);
	add_held(tcp(3, TCP_ESTABLISHED, HIGH + 1), 100);
	add_held(tcp(4, TCP_ESTABLISHED, LOW), 100);
	add_held(udp(5, 53), 100);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.total.total, 5);
	ASSERT_EQ_INT(pool(POOL_TCP_BIND, NS1)->used, 1);
	ASSERT_EQ_INT(pool(POOL_TCP_BIND, NS1)->capacity, 10);
	p = connect_pool(NS1, 9, 1, 80);
	ASSERT_EQ_INT(p->used, 1);
	ASSERT_EQ_INT(p->capacity, 10); /* port 80 is bind-taken, but outside the range */
	ASSERT_EQ_INT(pool(POOL_UDP, NS1)->used, 0);
	ASSERT_TRUE(pool(POOL_UDP, NS1)->capacity_known);
}

/* One source port serves many destinations; each destination is a pool of its own. */
UNIT_TEST(connect_pools_split_per_destination)
{
	struct pw_sock other_laddr = tcp(5, TCP_ESTABLISHED, 40000);

	setup();
	ip4(other_laddr.saddr, 8);
	add_held(tcp(1, TCP_ESTABLISHED, 40000), 100);
	add_held(tcp(2, TCP_ESTABLISHED, 40001), 100);
	add_held(to(tcp(3, TCP_ESTABLISHED, 40000), 1, 81), 100);
	add_held(to(tcp(4, TCP_ESTABLISHED, 40000), 2, 80), 100);
	add_held(other_laddr, 100);
	add_held(in_netns(tcp(6, TCP_ESTABLISHED, 40000), NS3), 100);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_pools, 7);
	ASSERT_EQ_INT(connect_pool(NS1, 9, 1, 80)->used, 2);
	ASSERT_EQ_INT(connect_pool(NS1, 9, 1, 81)->used, 1);
	ASSERT_EQ_INT(connect_pool(NS1, 9, 2, 80)->used, 1);
	ASSERT_EQ_INT(connect_pool(NS1, 8, 1, 80)->used, 1);
	ASSERT_EQ_INT(connect_pool(NS3, 9, 1, 80)->used, 1);
	ASSERT_EQ_INT(pool(POOL_TCP_BIND, NS1)->used, 2);
	ASSERT_EQ_INT(pool(POOL_TCP_BIND, NS3)->used, 1);
}

/* Listening, merely bound and UDP sockets take no port from a destination's pool. */
UNIT_TEST(connect_pools_take_only_connections)
{
	setup();
	add_held(tcp(1, TCP_LISTEN, 40000), 100);
	add(held_by(tcp(2, TCP_CLOSE, 40001), 100));
	add_held(to(udp(3, 40002), 1, 80), 100);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_pools, 2);
	ASSERT_EQ_INT(pool(POOL_TCP_BIND, NS1)->used, 2);
	ASSERT_EQ_INT(pool(POOL_UDP, NS1)->used, 1);
	ASSERT_TRUE(find_pool(POOL_TCP_CONNECT, NS1) == NULL);
}

/* UDP shares nothing: every socket holds its port, whatever it is connected to. */
UNIT_TEST(udp_pools_per_netns)
{
	const struct snap_pool *p;

	setup();
	add_held(udp(1, 40000), 100);
	add_held(to(udp(2, 40001), 1, 53), 100);
	add_held(udp(3, 40001), 101); /* SO_REUSEPORT: the same port again */
	add_held(in_netns(udp(4, 5353), NS3), 100);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_pools, 2);
	ASSERT_EQ_INT(fx.snap.total.n[PS_UDP], 4);
	p = pool(POOL_UDP, NS1);
	ASSERT_EQ_INT(p->used, 2);
	ASSERT_EQ_INT(p->capacity, 10);
	p = pool(POOL_UDP, NS3);
	ASSERT_TRUE(!p->capacity_known);
	ASSERT_EQ_INT(p->capacity, 0);
	ASSERT_EQ_INT(p->used, 1); /* range unknown: every port counts */
}

static void check_top(const struct snap_pool *p, uint32_t i, uint64_t cgroup_id, uint32_t tgid,
		      uint32_t used)
{
	ASSERT_TRUE(i < p->nr_top);
	ASSERT_EQ_INT(p->top[i].group.cgroup_id, cgroup_id);
	ASSERT_EQ_INT(p->top[i].tgid, tgid);
	ASSERT_EQ_INT(p->top[i].used, used);
}

/*
 * A: 3 ports of process 100. B: 2 ports of processes 200 and 201. C: 1 port
 * shared by forks 300 and 301. D: 2 ports of 400, one held, one it closed.
 */
UNIT_TEST(top_holders)
{
	struct pw_sock forked = with_cgroups(tcp(6, TCP_ESTABLISHED, 40005), CG_C, 0);
	const struct snap_pool *p;

	setup();
	add_held(tcp(1, TCP_ESTABLISHED, 40000), 100);
	add_held(tcp(2, TCP_ESTABLISHED, 40001), 100);
	add_held(tcp(3, TCP_ESTABLISHED, 40002), 100);
	add_held(with_cgroups(tcp(4, TCP_ESTABLISHED, 40003), CG_B, 0), 200);
	add_held(with_cgroups(tcp(5, TCP_ESTABLISHED, 40004), CG_B, 0), 201);
	add(forked);
	add(held_by(forked, 300));
	add(held_by(forked, 301));
	add_held(with_cgroups(tcp(7, TCP_ESTABLISHED, 40006), CG_D, 0), 400);
	add(closed_by(with_cgroups(tcp(8, TCP_TIME_WAIT, 40007), CG_D, 0), 400));
	ASSERT_EQ_INT(build(), 0);
	p = pool(POOL_TCP_BIND, NS1);
	ASSERT_EQ_INT(p->used, 8);
	ASSERT_EQ_INT(p->nr_top, SNAP_POOL_TOP);
	check_top(p, 0, CG_A, 100, 3);
	check_top(p, 1, CG_B, 0, 2);
	check_top(p, 2, CG_D, 400, 2);
	p = connect_pool(NS1, 9, 1, 80);
	ASSERT_EQ_INT(p->used, 8);
	check_top(p, 0, CG_A, 100, 3);
	check_top(p, 2, CG_D, 400, 2);
}

UNIT_TEST(top_holders_fewer_than_room)
{
	const struct snap_pool *p;

	setup();
	add_held(with_cgroups(udp(1, 40000), CG_B, 0), 200);
	ASSERT_EQ_INT(build(), 0);
	p = pool(POOL_UDP, NS1);
	ASSERT_EQ_INT(p->nr_top, 1);
	check_top(p, 0, CG_B, 200, 1);
}

/* 300 and 200 hold two sockets each, 100 one; 300's group has the lower id. */
UNIT_TEST(processes_and_groups_sorted)
{
	const struct snapshot *s = &fx.snap;

	setup();
	add_held(tcp(1, TCP_ESTABLISHED, 40000), 100);
	add_held(with_cgroups(tcp(2, TCP_ESTABLISHED, 40001), CG_B, 0), 300);
	add_held(with_cgroups(tcp(3, TCP_ESTABLISHED, 40002), CG_B, 0), 300);
	add_held(with_cgroups(tcp(4, TCP_ESTABLISHED, 40003), CG_C, 0), 200);
	add_held(with_cgroups(tcp(5, TCP_ESTABLISHED, 40004), CG_C, 0), 200);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(s->nr_processes, 3);
	ASSERT_EQ_INT(s->processes[0].tgid, 200);
	ASSERT_EQ_INT(s->processes[1].tgid, 300);
	ASSERT_EQ_INT(s->processes[2].tgid, 100);
	/* sockets still point at their holders after the sort */
	ASSERT_EQ_STR(holder_comm(socket_at(40000)), "p100");
	ASSERT_EQ_STR(holder_comm(socket_at(40001)), "p300");
	ASSERT_EQ_STR(holder_comm(socket_at(40004)), "p200");
	ASSERT_EQ_INT(s->nr_groups, 3);
	ASSERT_EQ_INT(s->groups[0].key.cgroup_id, CG_B);
	ASSERT_EQ_INT(s->groups[1].key.cgroup_id, CG_C);
	ASSERT_EQ_INT(s->groups[2].key.cgroup_id, CG_A);
}

struct pool_order {
	enum pool_kind kind;
	uint32_t netns;
};

/*
 * NS2 (4 ports): 3 connections, 1 UDP socket. NS1 (10 ports): 5 connections.
 * NS3 and NS4 (unknown): a UDP socket each, added NS4 first.
 */
UNIT_TEST(pools_sorted_by_fill_kind_netns)
{
	static const struct pool_order want[] = {
		{POOL_TCP_CONNECT, NS2}, {POOL_TCP_BIND, NS2}, {POOL_TCP_CONNECT, NS1},
		{POOL_TCP_BIND, NS1},	 {POOL_UDP, NS2},      {POOL_UDP, NS3},
		{POOL_UDP, NS4},
	};
	uint64_t cookie = 1;

	setup();
	add_held(in_netns(udp(cookie++, 40000), NS4), 100);
	add_held(in_netns(udp(cookie++, 40000), NS3), 100);
	for (uint16_t port = 40000; port < 40005; port++)
		add_held(tcp(cookie++, TCP_ESTABLISHED, port), 100);
	for (uint16_t port = 40000; port < 40003; port++)
		add_held(in_netns(tcp(cookie++, TCP_ESTABLISHED, port), NS2), 100);
	add_held(in_netns(udp(cookie++, 40000), NS2), 100);
	ASSERT_EQ_INT(build(), 0);
	ASSERT_EQ_INT(fx.snap.nr_pools, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ASSERT_EQ_INT(fx.snap.pools[i].kind, want[i].kind);
		ASSERT_EQ_INT(fx.snap.pools[i].netns, want[i].netns);
	}
}

struct fill_case {
	const char *name;
	uint32_t used, capacity;
	bool known;
	double want;
};

static const struct fill_case fill_cases[] = {
	{"half", 5, 10, true, 0.5},   {"full", 10, 10, true, 1.0},    {"over", 12, 10, true, 1.2},
	{"unknown", 5, 10, false, 0}, {"no capacity", 5, 0, true, 0},
};

UNIT_TEST(pool_fill_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(fill_cases); i++) {
		const struct fill_case *t = &fill_cases[i];
		struct snap_pool p = {
			.used = t->used, .capacity = t->capacity, .capacity_known = t->known};

		UNIT_ROW(t->name);
		ASSERT_TRUE(snap_pool_fill(&p) == t->want);
	}
}

/* The names README ("States") documents, in enum order: JSON keys and column heads. */
static const char *const documented_states[] = {
	"LISTEN",    "SYN-SENT", "ESTAB", "CLOSE-WAIT", "FIN-WAIT",
	"TIME-WAIT", "LAST-ACK", "BOUND", "UDP",
};

UNIT_TEST(names)
{
	ASSERT_EQ_INT(ARRAY_SIZE(documented_states), PS_COUNT);
	for (int s = 0; s < PS_COUNT; s++) {
		UNIT_ROW(documented_states[s]);
		ASSERT_EQ_STR(port_state_name((enum port_state)s), documented_states[s]);
		for (int t = 0; t < s; t++)
			ASSERT_TRUE(strcmp(port_state_name((enum port_state)s),
					   port_state_name((enum port_state)t)) != 0);
	}
	UNIT_ROW("");
	ASSERT_EQ_STR(port_state_name(PS_COUNT), "?");
	ASSERT_EQ_STR(port_state_name((enum port_state)(PS_COUNT + 7)), "?");
	ASSERT_EQ_STR(pool_kind_name(POOL_TCP_CONNECT), "tcp-connect");
	ASSERT_EQ_STR(pool_kind_name(POOL_TCP_BIND), "tcp-bind");
	ASSERT_EQ_STR(pool_kind_name(POOL_UDP), "udp");
}

/* The host tests/bench/snapbuild.c times at 100k sockets, in miniature. */
#define BUSY_SOCKETS 2000

/* Every socket counted once, in its state, process and group; a rebuild
 * (as the daemon does every interval) counts the same. Timing: make bench. */
UNIT_TEST(busy_host_counts)
{
	setup();
	ASSERT_EQ_INT(busy_host_netns(&fx.inv), 0);
	for (uint32_t i = 0; i < BUSY_SOCKETS; i++)
		ASSERT_EQ_INT(busy_host_add(&fx.inv, i), 0);
	for (int b = 0; b < 2; b++) {
		snapshot_free(&fx.snap);
		ASSERT_EQ_INT(build(), 0);
		ASSERT_EQ_INT(fx.snap.nr_sockets, BUSY_SOCKETS);
		ASSERT_EQ_INT(fx.snap.total.total, BUSY_SOCKETS);
		ASSERT_EQ_INT(fx.snap.total.n[PS_UDP], BUSY_SOCKETS / 10);
		ASSERT_EQ_INT(fx.snap.total.n[PS_TIME_WAIT], BUSY_SOCKETS / 5);
		ASSERT_EQ_INT(fx.snap.total.n[PS_BOUND], BUSY_SOCKETS / 10);
		ASSERT_EQ_INT(fx.snap.total.n[PS_ESTABLISHED], BUSY_SOCKETS * 6 / 10);
		ASSERT_EQ_INT(fx.snap.nr_processes, BUSY_PROCS);
		ASSERT_EQ_INT(fx.snap.nr_groups, BUSY_GROUPS);
		for (size_t g = 0; g < fx.snap.nr_groups; g++)
			ASSERT_EQ_INT(fx.snap.groups[g].held.total, BUSY_SOCKETS / BUSY_GROUPS);
		for (size_t p = 0; p < fx.snap.nr_processes; p++)
			ASSERT_EQ_INT(fx.snap.processes[p].held.total, BUSY_SOCKETS / BUSY_PROCS);
	}
}

/* The daemon's build frees the records half-way: the snapshot must be the
 * one the plain build gives, and the inventory keeps its netns settings. */
UNIT_TEST(consuming_build_is_the_same)
{
	struct snapshot plain;
	size_t nr_netns;

	setup();
	ASSERT_EQ_INT(busy_host_netns(&fx.inv), 0);
	for (uint32_t i = 0; i < BUSY_SOCKETS; i++)
		ASSERT_EQ_INT(busy_host_add(&fx.inv, i), 0);
	nr_netns = fx.inv.nr_netns;
	ASSERT_EQ_INT(snapshot_build(&fx.inv, &plain), 0);
	ASSERT_EQ_INT(snapshot_build_consume(&fx.inv, &fx.snap), 0);
	ASSERT_TRUE(fx.inv.socks == NULL);
	ASSERT_EQ_INT(fx.inv.nr_socks, 0);
	ASSERT_EQ_INT(fx.inv.nr_netns, nr_netns);
	ASSERT_EQ_INT(fx.snap.nr_sockets, plain.nr_sockets);
	ASSERT_EQ_INT(fx.snap.nr_processes, plain.nr_processes);
	ASSERT_EQ_INT(fx.snap.nr_groups, plain.nr_groups);
	ASSERT_EQ_INT(fx.snap.nr_pools, plain.nr_pools);
	ASSERT_TRUE(!memcmp(fx.snap.sockets, plain.sockets, plain.nr_sockets * sizeof(*plain.sockets)));
	ASSERT_TRUE(!memcmp(fx.snap.processes, plain.processes,
			    plain.nr_processes * sizeof(*plain.processes)));
	ASSERT_TRUE(!memcmp(fx.snap.groups, plain.groups, plain.nr_groups * sizeof(*plain.groups)));
	ASSERT_TRUE(!memcmp(fx.snap.pools, plain.pools, plain.nr_pools * sizeof(*plain.pools)));
	ASSERT_TRUE(!memcmp(&fx.snap.total, &plain.total, sizeof(plain.total)));
	snapshot_free(&plain);
}

int main(void)
{
	RUN(empty_inventory);
	RUN(merges_file_and_tcp_by_key);
	RUN(holders_across_fork);
	RUN(key_zero_never_merges);
	RUN(sockets_without_port_are_dropped);
	RUN(state_table);
	RUN(time_wait_with_closer);
	RUN(time_wait_without_closer);
	RUN(budget_held_leaves_out_timewait_socks);
	RUN(bind_before_connect_table);
	RUN(group_key_table);
	RUN(hybrid_forks_in_two_v1_cgroups);
	RUN(pool_capacity_reserved_and_bind_taken);
	RUN(out_of_range_ports_not_counted);
	RUN(connect_pools_split_per_destination);
	RUN(connect_pools_take_only_connections);
	RUN(udp_pools_per_netns);
	RUN(top_holders);
	RUN(top_holders_fewer_than_room);
	RUN(processes_and_groups_sorted);
	RUN(pools_sorted_by_fill_kind_netns);
	RUN(pool_fill_table);
	RUN(names);
	RUN(busy_host_counts);
	RUN(consuming_build_is_the_same);
	teardown();
	return UNIT_MAIN_END();
}
