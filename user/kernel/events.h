/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Reading events from the kernel's ring buffer. */
#ifndef PW_EVENTS_H
#define PW_EVENTS_H

#include <stdint.h>
#include "portwarden.h"

/* Called once per event; a non-zero return stops the current poll. */
typedef int (*event_fn)(void *ctx, const struct pw_event *e);

struct event_reader;

struct event_reader *event_reader_new(int ringbuf_fd, event_fn fn, void *ctx);
void event_reader_free(struct event_reader *r);

/* Wait up to @timeout_ms for events and hand each to the callback.
 * Returns the number handled, or -errno (-EINTR when a signal came). */
int event_reader_poll(struct event_reader *r, int timeout_ms);

/* Records shorter than struct pw_event (a BPF/user ABI mismatch). */
uint64_t event_reader_malformed(const struct event_reader *r);

#endif /* PW_EVENTS_H */
