// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Ring buffer consumption: validate each record and hand it to a callback.
#include <errno.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "kernel/events.h"

struct event_reader {
	struct ring_buffer *rb;
	event_fn fn;
	void *ctx;
	uint64_t malformed;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct event_reader *r = ctx;

	if (size < sizeof(struct pw_event)) {
		r->malformed++;
		return 0;
	}
	return r->fn(r->ctx, data);
}

struct event_reader *event_reader_new(int ringbuf_fd, event_fn fn, void *ctx)
{
	struct event_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->fn = fn;
	r->ctx = ctx;
	r->rb = ring_buffer__new(ringbuf_fd, on_sample, r, NULL);
	if (!r->rb) {
		free(r);
		return NULL;
	}
	return r;
}

void event_reader_free(struct event_reader *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	free(r);
}

int event_reader_poll(struct event_reader *r, int timeout_ms)
{
	return ring_buffer__poll(r->rb, timeout_ms);
}

uint64_t event_reader_malformed(const struct event_reader *r)
{
	return r->malformed;
}
