/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* JSON fragments every view shares: one shape for a cgroup, a container, a
 * pool and socket counts, whichever document they appear in. */
#ifndef PW_VIEW_JSON_H
#define PW_VIEW_JSON_H

#include <stdio.h>
#include "core/snapshot.h"
#include "host/labels.h"

/* An address as text ("127.0.0.1", "::1"), for views. */
void view_format_ip(uint16_t family, const uint8_t *addr, char *buf, size_t len);

/* "cgroup":"...","cgroup_hierarchy":"..." (escaped). */
void view_json_cgroup(FILE *out, const struct group_label *g);
/* "container":null or {"runtime":..,"id":..,"pod_uid":..,"unit":..}. */
void view_json_container(FILE *out, const struct container_id *c);
/* "states":{...},"bind_before_connect":N,"passive":N */
void view_json_states(FILE *out, const struct state_counts *c);
/* "sockets":N, then view_json_states. */
void view_json_counts(FILE *out, const struct state_counts *c);
/* {"kind":..,"netns":.., the tcp-connect key, "used","capacity","fill" — left
 * open so that callers may add fields; they write the closing brace. */
void view_json_pool_open(FILE *out, const struct snap_pool *p);

#endif /* PW_VIEW_JSON_H */
