// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the sock_diag reply parser (kernel/sockdiag.c, sockdiag_parse). The
// first byte picks the query (bit 0: UDP, bit 1: seq 0, else seq 7), the rest
// is the datagram. Any datagram gives MORE, DONE, a -errno, -EBADMSG or
// -ENOMEM, never a read past its end (ASan sees the exact-size copy), and
// only records of the query's netns and protocol.
#include <errno.h>
#include <netinet/in.h>
#include "core/inventory.h"
#include "fuzz.h"
#include "kernel/sockdiag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockdiag_query q = {.seq = 7, .netns = 4026531840u, .protocol = IPPROTO_TCP};
	struct inventory inv;
	void *buf;
	int ret;

	uint8_t opts = 0;

	fuzz_take(&data, &size, &opts, 1); /* first byte: the query, the rest the datagram */
	if (opts & 1)
		q.protocol = IPPROTO_UDP;
	if (opts & 2)
		q.seq = 0;
	buf = malloc(size ? size : 1); /* exactly @size: a read past it is an ASan report */
	if (!buf)
		abort();
	memcpy(buf, data, size);
	inventory_init(&inv);
	ret = sockdiag_parse(buf, size, &q, &inv);
	FUZZ_ASSERT(ret == SOCKDIAG_MORE || ret == SOCKDIAG_DONE || ret < 0, NULL, 0);
	for (size_t i = 0; i < inv.nr_socks; i++) {
		FUZZ_ASSERT(inv.socks[i].netns == q.netns, NULL, 0);
		FUZZ_ASSERT(inv.socks[i].protocol == q.protocol, NULL, 0);
	}
	inventory_free(&inv);
	free(buf);
	return 0;
}
