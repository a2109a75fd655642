// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The TCP and UDP tables of one netns from NETLINK_SOCK_DIAG, as inventory records.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <bpf/bpf.h>
#include "core/log.h"
#include "kernel/sockdiag.h"

/*
 * idiag_states bit of TCP sockets that are bound but neither listening nor
 * connecting (only the bind hash holds them). Added in: 91051f003948 ("tcp:
 * Dump bound-only sockets in inet_diag.", Linux 6.8). Older kernels test
 * idiag_states only against the states they know, so the extra bit costs
 * nothing there. The kernel reports these sockets in state TCP_CLOSE.
 */
#define PW_TCP_BOUND_INACTIVE 13
/* Every state a table socket can be in: ESTABLISHED (1) to CLOSING (11).
 * SYN_RECV also asks for request sockets, which the parser skips. */
#define ALL_STATES ((1U << (TCP_CLOSING + 1)) - (1U << TCP_ESTABLISHED))
/* Only TIME_WAIT sockets have this timer; their idiag_state is the substate. */
#define TW_TIMER 3
#define RECV_BUF (64 * 1024) /* dump datagrams are at most 32 KiB */

/* The attributes we read; everything else is only walked over. */
struct diag_attrs {
	uint64_t cgroup_id;
	int has_shutdown; /* only full sockets carry INET_DIAG_SHUTDOWN */
};

/* Walk the attributes after the inet_diag_msg. -EBADMSG if one overruns the message. */
static int parse_attrs(const unsigned char *p, size_t len, struct diag_attrs *out)
{
	struct nlattr nla;
	size_t step;

	memset(out, 0, sizeof(*out));
	while (len >= NLA_HDRLEN) {
		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return -EBADMSG;
		switch (nla.nla_type & NLA_TYPE_MASK) {
		case INET_DIAG_SHUTDOWN:
			out->has_shutdown = 1;
			break;
		case INET_DIAG_CGROUP_ID:
			/* sent unconditionally for full sockets since "inet_diag: add
			 * cgroup id attribute" (Linux 5.8): no idiag_ext bit asks for it */
			if (nla.nla_len >= NLA_HDRLEN + sizeof(uint64_t))
				memcpy(&out->cgroup_id, p + NLA_HDRLEN, sizeof(uint64_t));
			break;
		}
		step = NLA_ALIGN((size_t)nla.nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

/* The key rule of sockets.h: the file's inode, else the cookie. */
static uint64_t diag_key(const struct inet_diag_msg *m)
{
	if (m->idiag_inode)
		return PW_KEY_INODE | m->idiag_inode;
	return (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0];
}

/* State, substate and flags, from how inet_diag fills each kind of socket. */
static void fill_state(struct pw_sock *s, const struct inet_diag_msg *m)
{
	s->state = m->idiag_state;
	if (s->protocol != IPPROTO_TCP)
		return;
	/* inet_twsk_diag_fill() reports tw_substate (TIME_WAIT or FIN_WAIT2)
	 * as the state; iter/tcp sees TIME_WAIT with that substate */
	if (m->idiag_timer == TW_TIMER || m->idiag_state == TCP_TIME_WAIT) {
		s->state = TCP_TIME_WAIT;
		s->substate = m->idiag_state;
	}
	/* a listener's port, and a bound-inactive socket's (TCP_CLOSE: nothing
	 * else in the TCP tables is), can only come from bind() */
	if (s->state == TCP_LISTEN || s->state == TCP_CLOSE)
		s->flags |= PW_SOCKF_BIND_BUCKET;
}

/* One socket message into @s. 1: a record; 0: skip it; -EBADMSG. */
static int parse_sock(const unsigned char *payload, size_t len, const struct sockdiag_query *q,
		      struct pw_sock *s)
{
	size_t head = NLMSG_ALIGN(sizeof(struct inet_diag_msg));
	struct diag_attrs attrs = {0};
	struct inet_diag_msg m;

	if (len < sizeof(m))
		return -EBADMSG;
	memcpy(&m, payload, sizeof(m));
	if (len > head && parse_attrs(payload + head, len - head, &attrs))
		return -EBADMSG;
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return 0;
	/* inet_req_diag_fill(): a SYN_RECV minisock, no attributes but a mark */
	if (q->protocol == IPPROTO_TCP && m.idiag_state == TCP_SYN_RECV && !attrs.has_shutdown)
		return 0;
	memset(s, 0, sizeof(*s));
	s->key = diag_key(&m);
	s->cgroup_id = attrs.cgroup_id; /* 0: TIME_WAIT, or a kernel before 5.8 */
	s->netns = q->netns;
	s->family = m.idiag_family;
	s->protocol = q->protocol;
	s->source = q->protocol == IPPROTO_TCP ? PW_SOCK_TCP : PW_SOCK_UDP;
	s->sport = ntohs(m.id.idiag_sport);
	s->dport = ntohs(m.id.idiag_dport);
	memcpy(s->saddr, m.id.idiag_src, m.idiag_family == AF_INET ? 4 : 16);
	memcpy(s->daddr, m.id.idiag_dst, m.idiag_family == AF_INET ? 4 : 16);
	fill_state(s, &m);
	return 1;
}

/* NLMSG_ERROR's or NLMSG_DONE's error: 0 (an ACK, or a clean end) or -errno. */
static int carried_error(const unsigned char *payload, size_t len, int *err)
{
	int e;

	if (len < sizeof(e))
		return -EBADMSG;
	memcpy(&e, payload, sizeof(e));
	*err = e > 0 ? -e : e; /* NLMSG_ERROR holds -errno; be lenient about the sign */
	return 0;
}

/* One netlink message: a record, an end, or something to skip. */
static int parse_msg(const struct nlmsghdr *h, const unsigned char *payload,
		     const struct sockdiag_query *q, struct inventory *inv)
{
	size_t len = h->nlmsg_len - NLMSG_HDRLEN;
	struct pw_sock s;
	int err;

	if (h->nlmsg_seq != q->seq)
		return SOCKDIAG_MORE; /* left over from an earlier request */
	switch (h->nlmsg_type) {
	case NLMSG_DONE:
		/* netlink_dump() puts the dump's errno there; very old kernels put nothing */
		if (len == 0)
			return SOCKDIAG_DONE;
		if (carried_error(payload, len, &err))
			return -EBADMSG;
		return err ? err : SOCKDIAG_DONE;
	case NLMSG_ERROR:
		if (carried_error(payload, len, &err))
			return -EBADMSG;
		return err ? err : SOCKDIAG_DONE;
	case SOCK_DIAG_BY_FAMILY:
		err = parse_sock(payload, len, q, &s);
		if (err <= 0)
			return err;
		return inventory_add_sock(inv, &s);
	default:
		return SOCKDIAG_MORE; /* NLMSG_NOOP and the like */
	}
}

int sockdiag_parse(const void *buf, size_t len, const struct sockdiag_query *q,
		   struct inventory *inv)
{
	const unsigned char *p = buf;
	struct nlmsghdr h;
	size_t step;
	int ret;

	while (len > 0) {
		if (len < NLMSG_HDRLEN)
			return -EBADMSG;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return -EBADMSG; /* cut short, or a length that lies */
		ret = parse_msg(&h, p + NLMSG_HDRLEN, q, inv);
		if (ret)
			return ret;
		step = NLMSG_ALIGN((size_t)h.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return SOCKDIAG_MORE;
}

/* Ask for one dump: SOCK_DIAG_BY_FAMILY with NLM_F_DUMP. */
static int send_request(int fd, const struct sockdiag_query *q, uint8_t family, uint32_t states)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = q->seq},
		.req = {.sdiag_family = family,
			.sdiag_protocol = q->protocol,
			.idiag_states = states},
	};
	ssize_t n;

	do
		n = sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(msg) ? 0 : -EIO;
}

/* Read datagrams until the dump ends. 0 or -errno. */
static int recv_dump(int fd, const struct sockdiag_query *q, struct inventory *inv, void *buf)
{
	for (;;) {
		struct sockaddr_nl from = {0};
		struct iovec iov = {.iov_base = buf, .iov_len = RECV_BUF};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1};
		ssize_t n = recvmsg(fd, &mh, 0);
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (from.nl_pid != 0)
			continue; /* only the kernel answers dumps */
		ret = sockdiag_parse(buf, (size_t)n, q, inv);
		if (ret)
			return ret == SOCKDIAG_DONE ? 0 : ret;
	}
}

/*
 * One table of one family. A dump that fails leaves no records: the caller
 * may skip a refused one and carry on. A kernel that refused the
 * bound-inactive bit with EINVAL (none is known to) is asked again without.
 */
static int dump_one(int fd, struct sockdiag_query *q, uint8_t family, struct inventory *inv,
		    void *buf)
{
	uint32_t states = ALL_STATES;
	size_t start = inv->nr_socks;
	int err;

	if (q->protocol == IPPROTO_TCP)
		states |= 1U << PW_TCP_BOUND_INACTIVE;
	for (;;) {
		q->seq++;
		err = send_request(fd, q, family, states);
		if (!err)
			err = recv_dump(fd, q, inv, buf);
		if (err)
			inv->nr_socks = start;
		if (err != -EINVAL || !(states & (1U << PW_TCP_BOUND_INACTIVE)))
			return err;
		states &= ~(1U << PW_TCP_BOUND_INACTIVE);
	}
}

/* The closer of a record keyed by cookie, as iter/tcp's fill_closer() does it. */
static int fill_closer(int map_fd, struct pw_sock *s)
{
	uint32_t index = (uint32_t)(s->key & (PW_CLOSERS_MAX - 1));
	struct pw_closer_slot slot, again;

	if ((s->key & PW_KEY_INODE) || bpf_map_lookup_elem(map_fd, &index, &slot) ||
	    slot.cookie != s->key)
		return 0;
	/* A writer clears the cookie before it rewrites the slot, and cookies are
	 * never reused: still ours after the copy means the copy is whole. */
	if (bpf_map_lookup_elem(map_fd, &index, &again) || again.cookie != s->key)
		return 0;
	s->flags |= PW_SOCKF_OWNER_KNOWN;
	s->tgid = slot.closer.owner.tgid;
	s->cgroup1_id = slot.closer.owner.cgroup1_id;
	if (!s->cgroup_id)
		s->cgroup_id = slot.closer.cgroup_id;
	memcpy(s->comm, slot.closer.owner.comm, sizeof(s->comm));
	return 1;
}

static size_t fill_closers(int map_fd, struct inventory *inv, size_t from)
{
	size_t found = 0;

	for (size_t i = from; i < inv->nr_socks; i++)
		found += fill_closer(map_fd, &inv->socks[i]);
	return found;
}

static const struct {
	uint8_t protocol, family;
	unsigned int bit;
} dumps[] = {
	{IPPROTO_TCP, AF_INET, SOCKDIAG_TCP4},
	{IPPROTO_TCP, AF_INET6, SOCKDIAG_TCP6},
	{IPPROTO_UDP, AF_INET, SOCKDIAG_UDP4},
	{IPPROTO_UDP, AF_INET6, SOCKDIAG_UDP6},
};

/* Every dump in turn; ENOENT/EINVAL (no IPv6, no udp_diag) skips one. */
static int dump_all(int fd, uint32_t netns, struct inventory *inv, struct sockdiag_stats *st)
{
	struct sockdiag_query q = {.netns = netns};
	void *buf = malloc(RECV_BUF);
	int err = buf ? 0 : -ENOMEM;

	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]) && !err; i++) {
		q.protocol = dumps[i].protocol;
		err = dump_one(fd, &q, dumps[i].family, inv, buf);
		if (err == -ENOENT || err == -EINVAL) {
			pr_debug("the kernel cannot dump protocol %u family %u: %s\n",
				 dumps[i].protocol, dumps[i].family, strerror(-err));
			st->unsupported |= dumps[i].bit;
			err = 0;
		}
	}
	free(buf);
	if (!err && st->unsupported == SOCKDIAG_ALL)
		err = -EOPNOTSUPP;
	return err;
}

int sockdiag_dump(struct inventory *inv, uint32_t netns, int closers_fd,
		  struct sockdiag_stats *stats)
{
	struct sockdiag_stats st = {0};
	size_t start = inv->nr_socks;
	int fd, err;

	/* a socket answers for the netns of the thread that made it */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	err = dump_all(fd, netns, inv, &st);
	close(fd);
	if (err)
		inv->nr_socks = start; /* all of the netns or nothing */
	st.records = inv->nr_socks - start;
	if (!err && closers_fd >= 0)
		st.closers = fill_closers(closers_fd, inv, start);
	if (stats)
		*stats = st;
	return err;
}
