// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Socket inventory collection: task files once, then TCP and UDP tables per netns.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "log.h"
#include "netns.h"
#include "procfs.h"
#include "sockets.skel.h"

#define MAX_NETNS  4096
#define READ_CHUNK (64 * 1024)

int collector_open(struct collector *c, int closers_fd)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->skel = sockets_bpf__open();
	if (!c->skel)
		return -errno;
	if (closers_fd >= 0)
		err = bpf_map__reuse_fd(c->skel->maps.closers, closers_fd);
	else /* private and empty: keep it from preallocating */
		err = bpf_map__set_max_entries(c->skel->maps.closers, 1);
	if (err)
		goto fail;
	err = sockets_bpf__load(c->skel);
	if (err)
		goto fail;
	c->files = bpf_program__attach_iter(c->skel->progs.sock_files, NULL);
	c->tcp = bpf_program__attach_iter(c->skel->progs.tcp_socks, NULL);
	c->udp = bpf_program__attach_iter(c->skel->progs.udp_socks, NULL);
	if (!c->files || !c->tcp || !c->udp) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	pr_warn("failed to load the socket iterators: %s\n", strerror(-err));
	collector_close(c);
	return err;
}

void collector_close(struct collector *c)
{
	bpf_link__destroy(c->udp);
	bpf_link__destroy(c->tcp);
	bpf_link__destroy(c->files);
	sockets_bpf__destroy(c->skel);
	memset(c, 0, sizeof(*c));
}

/* Read one iterator run to the end; records never straddle a run, but one
 * read() may end mid-record, so whole records are taken from a buffer. */
static int read_iter(struct bpf_link *link, struct inventory *inv)
{
	size_t len = 0, cap = READ_CHUNK, off;
	char *buf = malloc(cap);
	int fd = bpf_iter_create(bpf_link__fd(link)), err = 0;
	ssize_t n;

	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		for (off = 0; len - off >= sizeof(struct pw_sock) && !err;
		     off += sizeof(struct pw_sock))
			err = inventory_add_sock(inv, (const struct pw_sock *)(buf + off));
		memmove(buf, buf + off, len - off);
		len -= off;
	}
	if (n < 0 && !err)
		err = -errno;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

/* A path to enter each netns that holds sockets: a holder's /proc/PID/ns/net. */
static size_t netns_from_holders(const struct inventory *inv, struct netns_ref *refs, size_t nr)
{
	for (size_t i = 0; i < inv->nr_socks && nr < MAX_NETNS; i++) {
		const struct pw_sock *s = &inv->socks[i];
		char rel[32];
		int seen = nr && refs[nr - 1].inum == s->netns; /* records come grouped */

		for (size_t j = 0; j < nr && !seen; j++)
			seen = refs[j].inum == s->netns;
		if (seen)
			continue;
		snprintf(rel, sizeof(rel), "%u/ns/net", s->tgid);
		procfs_path(refs[nr].path, sizeof(refs[nr].path), rel);
		if (netns_inum_of(refs[nr].path) == s->netns) {
			refs[nr].inum = s->netns;
			nr++;
		}
	}
	return nr;
}

/* Walk one netns's tables and read its port settings from inside it. */
static int walk_netns(struct collector *c, const struct netns_ref *ref, bool home,
		      struct inventory *inv)
{
	struct netns_ports *ports;
	int err = home ? 0 : netns_enter(ref->path);

	if (err)
		return err;
	ports = inventory_add_netns(inv, ref->inum);
	if (!ports)
		err = -ENOMEM;
	else if (netns_read_ports(ports))
		pr_debug("cannot read port settings of netns %u\n", ref->inum);
	if (!err)
		err = read_iter(c->tcp, inv);
	if (!err)
		err = read_iter(c->udp, inv);
	if (!home && netns_leave()) {
		pr_warn("failed to return to our network namespace: %s\n", strerror(errno));
		return -EIO; /* everything after this would look at the wrong netns */
	}
	return err;
}

int collector_run(struct collector *c, struct inventory *inv)
{
	struct netns_ref *refs = calloc(MAX_NETNS, sizeof(*refs));
	struct timespec ts;
	size_t nr = 1;
	int err;

	if (!refs)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	inv->taken_ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	procfs_path(refs[0].path, sizeof(refs[0].path), "self/ns/net");
	refs[0].inum = netns_inum_of(refs[0].path);
	err = read_iter(c->files, inv);
	if (!err) {
		nr = netns_from_holders(inv, refs, nr);
		nr = netns_add_named(refs, nr, MAX_NETNS);
	}
	c->netns_failed = 0;
	for (size_t i = 0; i < nr && !err; i++) {
		err = walk_netns(c, &refs[i], i == 0, inv);
		if (err && err != -EIO && err != -ENOMEM) {
			pr_debug("skipping netns %u: %s\n", refs[i].inum, strerror(-err));
			c->netns_failed++;
			err = 0;
		}
	}
	free(refs);
	return err;
}
