/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The socket inventory without BPF: the TCP and UDP tables of one network
 * namespace from the kernel's socket diagnostics (NETLINK_SOCK_DIAG, what
 * `ss` reads), as PW_SOCK_TCP / PW_SOCK_UDP records like the iterators'.
 *
 * What a record loses against iter/tcp and iter/udp:
 *  - PW_SOCKF_BIND_BUCKET: sock_diag does not say whether a port came from
 *    bind() or connect(). It is set for LISTEN and bound-inactive sockets
 *    (their port can only come from bind()) and clear on every other
 *    record, so a connected socket that bound its port first reads as an
 *    ephemeral one.
 *  - Nothing, for TIME_WAIT sockets, as long as the caller passes the
 *    closers map: the kernel sends no attributes for them (no cgroup_id),
 *    and iter/tcp has only the closer's cgroup too. Without the map their
 *    cgroup_id and closer stay 0.
 *  - cgroup_id on kernels before 5.8, which lack INET_DIAG_CGROUP_ID: 0.
 *  - Bound-but-inactive TCP sockets (bound, neither listening nor
 *    connecting: only the bind hash holds them) before Linux 6.8, which
 *    cannot dump them; procfd_complete() then drops their file records.
 */
#ifndef PW_SOCKDIAG_H
#define PW_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include "core/inventory.h"

/* One dump: which table, and what its records are stamped with. */
struct sockdiag_query {
	uint32_t seq;	  /* the request's sequence number: other replies are skipped */
	uint32_t netns;	  /* copied into every record */
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP: the replies do not say */
};

/* sockdiag_parse() results besides -errno. */
enum {
	SOCKDIAG_MORE = 0, /* the dump goes on in the next datagram */
	SOCKDIAG_DONE = 1, /* NLMSG_DONE (or an ACK) ended it */
};

/*
 * Append a record for every socket message of a dump reply in @buf (one
 * datagram: any number of netlink messages). Never reads past @len.
 * Messages of another sequence number, family or type are skipped, and so
 * are request sockets (SYN_RECV minisocks: their listener holds the port,
 * as iter/tcp skips them). Returns SOCKDIAG_MORE, SOCKDIAG_DONE, the
 * kernel's -errno (NLMSG_ERROR, or an error carried by NLMSG_DONE),
 * -EBADMSG for a truncated or malformed message, or -ENOMEM. Records of
 * the messages before an error stay in @inv. O(len).
 */
int sockdiag_parse(const void *buf, size_t len, const struct sockdiag_query *q,
		   struct inventory *inv);

/* Which dumps the kernel refused (ENOENT or EINVAL: IPv6 or udp_diag not built). */
#define SOCKDIAG_TCP4 (1U << 0)
#define SOCKDIAG_TCP6 (1U << 1)
#define SOCKDIAG_UDP4 (1U << 2)
#define SOCKDIAG_UDP6 (1U << 3)
#define SOCKDIAG_ALL  (SOCKDIAG_TCP4 | SOCKDIAG_TCP6 | SOCKDIAG_UDP4 | SOCKDIAG_UDP6)

struct sockdiag_stats {
	size_t records;		  /* appended to the inventory */
	size_t closers;		  /* records keyed by cookie that got their closer */
	unsigned int unsupported; /* SOCKDIAG_* dumps refused: their records are missing */
};

/*
 * Dump the TCP (every state, TIME_WAIT and bound-inactive included) and UDP
 * sockets, IPv4 and IPv6, of the calling thread's network namespace into
 * @inv, stamped with @netns. @closers_fd >= 0: the BPF closers map
 * (bpf/closers.bpf.h), to name who closed each record keyed by cookie.
 * @stats may be NULL. A dump the kernel refuses is skipped and named in
 * @stats. Returns 0, or -errno and @inv as it was: -EOPNOTSUPP when every
 * dump was refused, -ENOMEM, socket errors, -EBADMSG, -EMSGSIZE. O(sockets), one netlink round trip per 32 KiB or so,
 * and two map lookups per cookie-keyed record.
 */
int sockdiag_dump(struct inventory *inv, uint32_t netns, int closers_fd,
		  struct sockdiag_stats *stats);

#endif /* PW_SOCKDIAG_H */
