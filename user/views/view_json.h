/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* JSON fragments every view shares: one shape for a cgroup, a container, a
 * pool and socket counts, whichever document they appear in. Each writes
 * members into the object @w has open. */
#ifndef PW_VIEW_JSON_H
#define PW_VIEW_JSON_H

#include <stdbool.h>
#include <time.h>
#include "core/labels.h"
#include "core/refusals.h"
#include "core/snapshot.h"
#include "views/json.h"

/* An address as text ("127.0.0.1", "::1"), for views. */
void view_format_ip(uint16_t family, const uint8_t *addr, char *buf, size_t len);

/* "2023-11-14T22:13:20.123456Z": UTC to the microsecond, as events and the
 * audit log stamp themselves. */
#define VIEW_TIME_US_LEN 32
void view_format_time_us(const struct timespec *t, char *buf, size_t len);

/* A document's first members: "version":N,"type":"...","time":"<UTC now>Z" */
void view_json_header(struct json_writer *w, int version, const char *type);
/* "cgroup":"...","cgroup_hierarchy":"..." */
void view_json_cgroup(struct json_writer *w, const struct group_label *g);
/* "container":null or {"runtime":..,"id":..,"pod_uid":..,"unit":..}; with
 * @omit_empty (the event stream's form), ids that are "" are left out. */
void view_json_container(struct json_writer *w, const struct container_id *c, bool omit_empty);
/* "states":{...},"bind_before_connect":N,"passive":N */
void view_json_states(struct json_writer *w, const struct state_counts *c);
/* "sockets":N, then view_json_states. */
void view_json_counts(struct json_writer *w, const struct state_counts *c);
/* Opens a pool's object with {"kind":..,"netns":.., the tcp-connect key,
 * "used","capacity","fill"; the caller may add members, then closes it. */
void view_json_pool_begin(struct json_writer *w, const struct snap_pool *p);
/* A refused call's pool, whole: {"kind":..,"netns":N or null (not named:
 * then "netns_cookie" names it), the tcp-connect destination ("family",
 * "remote","remote_port": no "local", not picked yet), "name":..}. */
void view_json_refusal_pool(struct json_writer *w, const struct refusal_pool *p);

#endif /* PW_VIEW_JSON_H */
