// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the sock_diag reply parser, on hand-built netlink messages, and one live dump.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include "kernel/sockdiag.h"
#include "unit.h"

#define SEQ   7
#define NETNS 4026531840u

/* A reply datagram under construction. */
struct nlbuf {
	unsigned char data[8192];
	size_t len;
	size_t last; /* offset of the last message, which attributes extend */
};

/* What one socket message says. */
struct spec {
	uint8_t family, state, timer;
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t inode;
	uint64_t cookie;
	int full;	    /* a full socket: carries INET_DIAG_SHUTDOWN */
	uint64_t cgroup_id; /* 0: no INET_DIAG_CGROUP_ID attribute */
};

static const struct sockdiag_query tcp_query = {
	.seq = SEQ, .netns = NETNS, .protocol = IPPROTO_TCP};
static const struct sockdiag_query udp_query = {
	.seq = SEQ, .netns = NETNS, .protocol = IPPROTO_UDP};

static void put_msg(struct nlbuf *b, uint16_t type, uint32_t seq, const void *payload, size_t len)
{
	struct nlmsghdr h = {.nlmsg_len = NLMSG_LENGTH(len),
			     .nlmsg_type = type,
			     .nlmsg_flags = NLM_F_MULTI,
			     .nlmsg_seq = seq};

	b->len = NLMSG_ALIGN(b->len);
	b->last = b->len;
	memcpy(b->data + b->len, &h, sizeof(h));
	memcpy(b->data + b->len + NLMSG_HDRLEN, payload, len);
	b->len += h.nlmsg_len;
}

/* Append an attribute to the last message and grow its nlmsg_len. */
static void put_attr(struct nlbuf *b, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type};
	struct nlmsghdr h;

	b->len = NLMSG_ALIGN(b->len);
	memcpy(b->data + b->len, &a, sizeof(a));
	memcpy(b->data + b->len + NLA_HDRLEN, data, len);
	b->len += NLA_ALIGN(a.nla_len);
	memcpy(&h, b->data + b->last, sizeof(h));
	h.nlmsg_len = (uint32_t)(b->len - b->last);
	memcpy(b->data + b->last, &h, sizeof(h));
}

static void put_sock(struct nlbuf *b, uint32_t seq, const struct spec *s)
{
	struct inet_diag_msg m = {.idiag_family = s->family,
				  .idiag_state = s->state,
				  .idiag_timer = s->timer,
				  .idiag_inode = s->inode};
	uint8_t shutdown = 0;

	m.id.idiag_sport = htons(s->sport);
	m.id.idiag_dport = htons(s->dport);
	m.id.idiag_cookie[0] = (uint32_t)s->cookie;
	m.id.idiag_cookie[1] = (uint32_t)(s->cookie >> 32);
	inet_pton(s->family, s->src, m.id.idiag_src);
	inet_pton(s->family, s->dst, m.id.idiag_dst);
	put_msg(b, SOCK_DIAG_BY_FAMILY, seq, &m, sizeof(m));
	if (s->full)
		put_attr(b, INET_DIAG_SHUTDOWN, &shutdown, 1);
	if (s->cgroup_id)
		put_attr(b, INET_DIAG_CGROUP_ID, &s->cgroup_id, sizeof(s->cgroup_id));
}

static void put_done(struct nlbuf *b, uint32_t seq, int err)
{
	put_msg(b, NLMSG_DONE, seq, &err, sizeof(err));
}

static void put_error(struct nlbuf *b, uint32_t seq, int err)
{
	struct nlmsgerr e = {.error = err};

	put_msg(b, NLMSG_ERROR, seq, &e, sizeof(e));
}

static int parse(const struct nlbuf *b, const struct sockdiag_query *q, struct inventory *inv)
{
	return sockdiag_parse(b->data, b->len, q, inv);
}

static const struct spec v4_estab = {.family = AF_INET,
				     .state = TCP_ESTABLISHED,
				     .src = "10.0.0.1",
				     .dst = "10.0.0.2",
				     .sport = 40000,
				     .dport = 443,
				     .inode = 1234,
				     .cookie = 0x55,
				     .full = 1,
				     .cgroup_id = 0x100000007ULL};

UNIT_TEST(ipv4_established_with_cgroup)
{
	unsigned char v4[4] = {10, 0, 0, 1}, zero[12] = {0};
	struct nlbuf b = {0};
	struct inventory inv;
	struct pw_sock *s;

	inventory_init(&inv);
	put_sock(&b, SEQ, &v4_estab);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), SOCKDIAG_MORE);
	ASSERT_EQ_INT(inv.nr_socks, 1);
	s = &inv.socks[0];
	ASSERT_TRUE(s->key == (PW_KEY_INODE | 1234)); /* the inode wins over the cookie */
	ASSERT_TRUE(s->cgroup_id == 0x100000007ULL);
	ASSERT_EQ_INT(s->source, PW_SOCK_TCP);
	ASSERT_EQ_INT(s->protocol, IPPROTO_TCP);
	ASSERT_EQ_INT(s->family, AF_INET);
	ASSERT_EQ_INT(s->netns, NETNS);
	ASSERT_EQ_INT(s->sport, 40000);
	ASSERT_EQ_INT(s->dport, 443);
	ASSERT_EQ_INT(s->state, TCP_ESTABLISHED);
	ASSERT_EQ_INT(s->substate, 0);
	ASSERT_EQ_INT(s->flags, 0); /* sock_diag cannot tell a bind() port */
	ASSERT_EQ_INT(s->tgid, 0);
	ASSERT_TRUE(!memcmp(s->saddr, v4, 4) && !memcmp(s->saddr + 4, zero, 12));
	ASSERT_TRUE(s->daddr[3] == 2 && !memcmp(s->daddr + 4, zero, 12));
	inventory_free(&inv);
}

UNIT_TEST(ipv6_listener_is_a_bind_port)
{
	static const struct spec listen6 = {.family = AF_INET6,
					    .state = TCP_LISTEN,
					    .src = "2001:db8::1",
					    .dst = "::",
					    .sport = 8080,
					    .inode = 99,
					    .full = 1,
					    .cgroup_id = 1};
	struct in6_addr want;
	struct nlbuf b = {0};
	struct inventory inv;
	struct pw_sock *s;

	inventory_init(&inv);
	put_sock(&b, SEQ, &listen6);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), SOCKDIAG_MORE);
	ASSERT_EQ_INT(inv.nr_socks, 1);
	s = &inv.socks[0];
	inet_pton(AF_INET6, "2001:db8::1", &want);
	ASSERT_TRUE(!memcmp(s->saddr, &want, 16));
	ASSERT_EQ_INT(s->family, AF_INET6);
	ASSERT_EQ_INT(s->state, TCP_LISTEN);
	ASSERT_EQ_INT(s->sport, 8080);
	ASSERT_EQ_INT(s->cgroup_id, 1);
	ASSERT_EQ_INT(s->flags, PW_SOCKF_BIND_BUCKET);
	inventory_free(&inv);
}

/* inet_twsk_diag_fill() puts tw_substate in idiag_state and timer 3. */
UNIT_TEST(time_wait_substates_and_cookie_keys)
{
	static const struct spec tw = {.family = AF_INET,
				       .state = TCP_TIME_WAIT,
				       .timer = 3,
				       .src = "127.0.0.1",
				       .dst = "127.0.0.1",
				       .sport = 50000,
				       .dport = 5000,
				       .cookie = 0x100000002ULL};
	static const struct spec tw_fin2 = {.family = AF_INET6,
					    .state = TCP_FIN_WAIT2,
					    .timer = 3,
					    .src = "::1",
					    .dst = "::1",
					    .sport = 50001,
					    .dport = 5001,
					    .cookie = 0x42};
	static const struct spec full_fin2 = {.family = AF_INET,
					      .state = TCP_FIN_WAIT2,
					      .timer = 2,
					      .src = "127.0.0.1",
					      .dst = "127.0.0.1",
					      .sport = 50002,
					      .dport = 5000,
					      .cookie = 0x43,
					      .full = 1,
					      .cgroup_id = 9};
	struct nlbuf b = {0};
	struct inventory inv;

	inventory_init(&inv);
	put_sock(&b, SEQ, &tw);
	put_sock(&b, SEQ, &tw_fin2);
	put_sock(&b, SEQ, &full_fin2);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), SOCKDIAG_MORE);
	ASSERT_EQ_INT(inv.nr_socks, 3);
	ASSERT_TRUE(inv.socks[0].key == 0x100000002ULL); /* cookie[1] is the high half */
	ASSERT_EQ_INT(inv.socks[0].state, TCP_TIME_WAIT);
	ASSERT_EQ_INT(inv.socks[0].substate, TCP_TIME_WAIT);
	ASSERT_EQ_INT(inv.socks[0].cgroup_id, 0); /* no attributes for tw sockets */
	ASSERT_TRUE(inv.socks[1].key == 0x42);
	ASSERT_EQ_INT(inv.socks[1].state, TCP_TIME_WAIT);
	ASSERT_EQ_INT(inv.socks[1].substate, TCP_FIN_WAIT2);
	/* an orphan in FIN_WAIT2 that is still a full socket stays one */
	ASSERT_TRUE(inv.socks[2].key == 0x43);
	ASSERT_EQ_INT(inv.socks[2].state, TCP_FIN_WAIT2);
	ASSERT_EQ_INT(inv.socks[2].substate, 0);
	ASSERT_EQ_INT(inv.socks[2].cgroup_id, 9);
	inventory_free(&inv);
}

UNIT_TEST(cgroup_attribute_absent_or_short)
{
	static const struct spec no_cg = {.family = AF_INET,
					  .state = TCP_ESTABLISHED,
					  .src = "1.2.3.4",
					  .dst = "5.6.7.8",
					  .sport = 1,
					  .dport = 2,
					  .inode = 77,
					  .full = 1};
	uint32_t short_id = 5;
	struct nlbuf b = {0};
	struct inventory inv;

	inventory_init(&inv);
	put_sock(&b, SEQ, &no_cg);
	put_sock(&b, SEQ, &no_cg);
	put_attr(&b, INET_DIAG_CGROUP_ID, &short_id, sizeof(short_id));
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), SOCKDIAG_MORE);
	ASSERT_EQ_INT(inv.nr_socks, 2);
	ASSERT_EQ_INT(inv.socks[0].cgroup_id, 0);
	ASSERT_EQ_INT(inv.socks[1].cgroup_id, 0);
	inventory_free(&inv);
}

/* Bound-inactive sockets come in state TCP_CLOSE; UDP uses CLOSE for unconnected. */
UNIT_TEST(close_state_by_protocol)
{
	static const struct spec closed = {.family = AF_INET,
					   .state = TCP_CLOSE,
					   .src = "127.0.0.1",
					   .dst = "0.0.0.0",
					   .sport = 6000,
					   .inode = 31,
					   .full = 1,
					   .cgroup_id = 1};
	struct nlbuf b = {0};
	struct inventory inv;

	inventory_init(&inv);
	put_sock(&b, SEQ, &closed);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), SOCKDIAG_MORE);
	ASSERT_EQ_INT(parse(&b, &udp_query, &inv), SOCKDIAG_MORE);
	ASSERT_EQ_INT(inv.nr_socks, 2);
	ASSERT_EQ_INT(inv.socks[0].flags, PW_SOCKF_BIND_BUCKET);
	ASSERT_EQ_INT(inv.socks[0].source, PW_SOCK_TCP);
	ASSERT_EQ_INT(inv.socks[1].source, PW_SOCK_UDP);
	ASSERT_EQ_INT(inv.socks[1].protocol, IPPROTO_UDP);
	ASSERT_EQ_INT(inv.socks[1].state, TCP_CLOSE);
	ASSERT_EQ_INT(inv.socks[1].flags, 0);
	inventory_free(&inv);
}

/* Request minisocks (no attributes) are skipped, a full SYN_RECV socket is not. */
UNIT_TEST(request_sockets_are_skipped)
{
	static const struct spec req = {.family = AF_INET,
					.state = TCP_SYN_RECV,
					.timer = 1,
					.src = "127.0.0.1",
					.dst = "127.0.0.1",
					.sport = 5000,
					.dport = 40000,
					.cookie = 0x90};
	static const struct spec fastopen = {.family = AF_INET,
					     .state = TCP_SYN_RECV,
					     .timer = 1,
					     .src = "127.0.0.1",
					     .dst = "127.0.0.1",
					     .sport = 5000,
					     .dport = 40001,
					     .cookie = 0x91,
					     .full = 1,
					     .cgroup_id = 3};
	struct nlbuf b = {0};
	struct inventory inv;

	inventory_init(&inv);
	put_sock(&b, SEQ, &req);
	put_sock(&b, SEQ, &fastopen);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), SOCKDIAG_MORE);
	ASSERT_EQ_INT(inv.nr_socks, 1);
	ASSERT_TRUE(inv.socks[0].key == 0x91);
	inventory_free(&inv);
}

/* A dump spans datagrams: records until NLMSG_DONE, skipping stale and foreign messages. */
UNIT_TEST(multipart_dump)
{
	static const struct spec unix_sock = {
		.family = AF_UNIX, .state = 1, .src = "", .dst = "", .inode = 5, .full = 1};
	struct nlbuf first = {0}, second = {0};
	struct inventory inv;
	uint32_t noop = 0;

	inventory_init(&inv);
	put_sock(&first, SEQ, &v4_estab);
	put_sock(&first, SEQ - 1, &v4_estab); /* a reply to an earlier request */
	put_msg(&first, NLMSG_NOOP, SEQ, &noop, sizeof(noop));
	put_sock(&first, SEQ, &unix_sock);
	put_sock(&first, SEQ, &v4_estab);
	put_sock(&second, SEQ, &v4_estab);
	put_done(&second, SEQ, 0);
	put_sock(&second, SEQ, &v4_estab); /* nothing after DONE counts */
	ASSERT_EQ_INT(parse(&first, &tcp_query, &inv), SOCKDIAG_MORE);
	ASSERT_EQ_INT(inv.nr_socks, 2);
	ASSERT_EQ_INT(parse(&second, &tcp_query, &inv), SOCKDIAG_DONE);
	ASSERT_EQ_INT(inv.nr_socks, 3);
	inventory_free(&inv);
}

UNIT_TEST(done_and_error_messages)
{
	struct inventory inv;
	struct nlbuf b;

	inventory_init(&inv);
	memset(&b, 0, sizeof(b));
	put_done(&b, SEQ, -ENOENT); /* no udp_diag: the dump's error rides on DONE */
	ASSERT_EQ_INT(parse(&b, &udp_query, &inv), -ENOENT);
	memset(&b, 0, sizeof(b));
	put_msg(&b, NLMSG_DONE, SEQ, &b, 0); /* old kernels: an empty DONE */
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), SOCKDIAG_DONE);
	memset(&b, 0, sizeof(b));
	put_error(&b, SEQ, -ENOENT); /* no IPv6 */
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), -ENOENT);
	memset(&b, 0, sizeof(b));
	put_error(&b, SEQ, -EINVAL);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), -EINVAL);
	memset(&b, 0, sizeof(b));
	put_error(&b, SEQ, 0); /* an ACK ends it too */
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), SOCKDIAG_DONE);
	memset(&b, 0, sizeof(b));
	put_sock(&b, SEQ, &v4_estab);
	put_error(&b, SEQ, -ENOBUFS);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), -ENOBUFS);
	ASSERT_EQ_INT(inv.nr_socks, 1); /* the caller decides what to keep */
	inventory_free(&inv);
}

/* Lengths that overrun the datagram, or messages too short for what they claim. */
UNIT_TEST(malformed_messages)
{
	struct inventory inv;
	struct nlmsghdr h;
	struct nlbuf b;
	uint16_t bad_len = 200;

	inventory_init(&inv);
	memset(&b, 0, sizeof(b));
	put_sock(&b, SEQ, &v4_estab);
	put_sock(&b, SEQ, &v4_estab);
	ASSERT_EQ_INT(sockdiag_parse(b.data, b.len - 1, &tcp_query, &inv), -EBADMSG);
	ASSERT_EQ_INT(inv.nr_socks, 1); /* the first, whole message */
	ASSERT_EQ_INT(sockdiag_parse(b.data, 10, &tcp_query, &inv), -EBADMSG);
	/* nlmsg_len below the header */
	memcpy(&h, b.data, sizeof(h));
	h.nlmsg_len = 8;
	memcpy(b.data, &h, sizeof(h));
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), -EBADMSG);
	/* a socket message shorter than struct inet_diag_msg */
	memset(&b, 0, sizeof(b));
	put_msg(&b, SOCK_DIAG_BY_FAMILY, SEQ, &v4_estab, 20);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), -EBADMSG);
	/* an attribute longer than its message */
	memset(&b, 0, sizeof(b));
	put_sock(&b, SEQ, &v4_estab);
	memcpy(b.data + b.len - 12, &bad_len, sizeof(bad_len)); /* the cgroup attribute's nla_len */
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), -EBADMSG);
	/* an NLMSG_ERROR too short for its error */
	memset(&b, 0, sizeof(b));
	put_msg(&b, NLMSG_ERROR, SEQ, &bad_len, 2);
	ASSERT_EQ_INT(parse(&b, &tcp_query, &inv), -EBADMSG);
	ASSERT_EQ_INT(inv.nr_socks, 1);
	inventory_free(&inv);
}

/* Every prefix of a reply, in a buffer of exactly that size (so a sanitizer
 * or valgrind sees any overread), and at an odd address. */
UNIT_TEST(every_prefix_is_safe)
{
	struct nlbuf b = {0};
	struct inventory inv;
	size_t whole = 0;

	put_sock(&b, SEQ, &v4_estab);
	put_sock(&b, SEQ,
		 &(struct spec){.family = AF_INET6,
				.state = TCP_TIME_WAIT,
				.timer = 3,
				.src = "::1",
				.dst = "::1",
				.sport = 1,
				.dport = 2,
				.cookie = 3});
	put_done(&b, SEQ, 0);
	for (size_t len = 0; len <= b.len; len++) {
		unsigned char *copy = malloc(len + 1);
		int ret;

		ASSERT_TRUE(copy != NULL);
		memcpy(copy + 1, b.data, len);
		inventory_init(&inv);
		ret = sockdiag_parse(copy + 1, len, &tcp_query, &inv);
		free(copy);
		ASSERT_TRUE(ret == SOCKDIAG_MORE || ret == SOCKDIAG_DONE || ret == -EBADMSG);
		ASSERT_TRUE(ret != SOCKDIAG_DONE || len == b.len);
		whole = ret == SOCKDIAG_DONE ? inv.nr_socks : whole;
		inventory_free(&inv);
	}
	ASSERT_EQ_INT(whole, 2);
}

/* The socket's inode, as the kernel reports it in idiag_inode. */
static uint64_t sock_key(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : PW_KEY_INODE | st.st_ino;
}

static const struct pw_sock *find_key(const struct inventory *inv, uint64_t key)
{
	for (size_t i = 0; i < inv->nr_socks; i++)
		if (inv->socks[i].key == key)
			return &inv->socks[i];
	return NULL;
}

/* A real dump of our own netns (no privileges needed) finds our sockets. */
UNIT_TEST(live_dump_finds_our_sockets)
{
	struct sockaddr_in lo = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	const struct pw_sock *t, *u;
	struct sockdiag_stats st;
	struct inventory inv;
	int err;

	if (tcp < 0 || udp < 0 || bind(tcp, (struct sockaddr *)&lo, sizeof(lo)) || listen(tcp, 1) ||
	    bind(udp, (struct sockaddr *)&lo, sizeof(lo)))
		SKIP_TEST("no loopback sockets here");
	inventory_init(&inv);
	err = sockdiag_dump(&inv, NETNS, -1, &st);
	if (err == -EPROTONOSUPPORT || err == -EAFNOSUPPORT || err == -EPERM)
		SKIP_TEST("no NETLINK_SOCK_DIAG here");
	ASSERT_EQ_INT(err, 0);
	ASSERT_EQ_INT(st.records, inv.nr_socks);
	t = find_key(&inv, sock_key(tcp));
	u = find_key(&inv, sock_key(udp));
	ASSERT_TRUE(t != NULL && u != NULL);
	ASSERT_EQ_INT(t->state, TCP_LISTEN);
	ASSERT_EQ_INT(t->source, PW_SOCK_TCP);
	ASSERT_EQ_INT(t->netns, NETNS);
	ASSERT_EQ_INT(u->state, TCP_CLOSE);
	ASSERT_EQ_INT(u->source, PW_SOCK_UDP);
	ASSERT_TRUE(t->sport != 0 && u->sport != 0);
	inventory_free(&inv);
	close(tcp);
	close(udp);
}

int main(void)
{
	RUN(ipv4_established_with_cgroup);
	RUN(ipv6_listener_is_a_bind_port);
	RUN(time_wait_substates_and_cookie_keys);
	RUN(cgroup_attribute_absent_or_short);
	RUN(close_state_by_protocol);
	RUN(request_sockets_are_skipped);
	RUN(multipart_dump);
	RUN(done_and_error_messages);
	RUN(malformed_messages);
	RUN(every_prefix_is_safe);
	RUN(live_dump_finds_our_sockets);
	return UNIT_MAIN_END();
}
