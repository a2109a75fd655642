/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Rendering one port event as an aligned text line or a JSON object. */
#ifndef PW_EVENT_FORMAT_H
#define PW_EVENT_FORMAT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "core/container.h"
#include "host/cgroups.h"
#include "portwarden.h"

/* An event with what userspace resolved for it. */
struct event_view {
	const struct pw_event *ev;
	const struct cgroup_place *place;
	const struct container_id *container;
	struct timespec wall; /* CLOCK_REALTIME of the event */
};

void event_format_text_header(FILE *out);
void event_format_text(FILE *out, const struct event_view *v);
/* One JSON line. Returns 0, or -EIO when a write failed (json_finish). */
int event_format_json(FILE *out, const struct event_view *v);
/* {"type":@type,"count":N,"total":N}: events the trace lost ("lost") or
 * never had ("missed"), one line. Returns as event_format_json. */
int event_format_loss_json(FILE *out, const char *type, uint64_t count, uint64_t total);

const char *event_op_name(unsigned int op);
const char *event_source_name(unsigned int source);
/* "ok" for 0, else the errno's symbolic name ("EADDRNOTAVAIL"). */
const char *event_result_name(int err, char *buf, size_t len);

#endif /* PW_EVENT_FORMAT_H */
