// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Shared JSON fragments for the snapshot, report, event and audit documents.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include "views/view_json.h"

void view_format_ip(uint16_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void view_format_time_us(const struct timespec *t, char *buf, size_t len)
{
	char date[24];
	struct tm tm;

	gmtime_r(&t->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ldZ", date, t->tv_nsec / 1000);
}

void view_json_header(struct json_writer *w, int version, const char *type)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm t;

	gmtime_r(&now, &t);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &t);
	json_field_int(w, "version", version);
	json_field_str(w, "type", type);
	json_field_str(w, "time", ts);
}

void view_json_cgroup(struct json_writer *w, const struct group_label *g)
{
	json_field_str(w, "cgroup", g->place.path);
	json_field_str(w, "cgroup_hierarchy", g->place.hierarchy);
}

static void container_id_field(struct json_writer *w, const char *key, const char *id, size_t len,
			       bool omit_empty)
{
	if (!omit_empty || id[0])
		json_field_strn(w, key, id, len);
}

void view_json_container(struct json_writer *w, const struct container_id *c, bool omit_empty)
{
	json_key(w, "container");
	if (c->runtime == CONTAINER_NONE && !c->pod_uid[0]) {
		json_null(w);
		return;
	}
	json_object_begin(w);
	json_field_str(w, "runtime", container_runtime_name(c->runtime));
	container_id_field(w, "id", c->id, sizeof(c->id), omit_empty);
	container_id_field(w, "pod_uid", c->pod_uid, sizeof(c->pod_uid), omit_empty);
	container_id_field(w, "unit", c->unit, sizeof(c->unit), omit_empty);
	/* the runtime's names (host/runtime_names.h): pod specs' text, escaped by json */
	container_id_field(w, "pod_namespace", c->names.pod_namespace,
			   sizeof(c->names.pod_namespace), omit_empty);
	container_id_field(w, "pod", c->names.pod, sizeof(c->names.pod), omit_empty);
	container_id_field(w, "container", c->names.container, sizeof(c->names.container),
			   omit_empty);
	if (c->names.refused)
		json_field_bool(w, "names_refused", true);
	json_object_end(w);
}

void view_json_states(struct json_writer *w, const struct state_counts *c)
{
	json_key(w, "states");
	json_object_begin(w);
	for (int i = 0; i < PS_COUNT; i++)
		json_field_uint(w, port_state_name(i), c->n[i]);
	json_object_end(w);
	json_field_uint(w, "bind_before_connect", c->bind_before_connect);
	json_field_uint(w, "passive", c->passive);
}

void view_json_counts(struct json_writer *w, const struct state_counts *c)
{
	json_field_uint(w, "sockets", c->total);
	view_json_states(w, c);
}

void view_json_pool_begin(struct json_writer *w, const struct snap_pool *p)
{
	char ip[INET6_ADDRSTRLEN];

	json_object_begin(w);
	json_field_str(w, "kind", pool_kind_name(p->kind));
	json_field_uint(w, "netns", p->netns);
	if (p->kind == POOL_TCP_CONNECT) {
		json_field_str(w, "family", p->family == AF_INET6 ? "ipv6" : "ipv4");
		view_format_ip(p->family, p->laddr, ip, sizeof(ip));
		json_field_str(w, "local", ip);
		view_format_ip(p->family, p->raddr, ip, sizeof(ip));
		json_field_str(w, "remote", ip);
		json_field_uint(w, "remote_port", p->rport);
	}
	json_field_uint(w, "used", p->used);
	if (p->capacity_known) {
		json_field_uint(w, "capacity", p->capacity);
		json_field_double(w, "fill", snap_pool_fill(p), 4);
	} else {
		json_field_null(w, "capacity");
		json_field_null(w, "fill");
	}
}

void view_json_refusal_pool(struct json_writer *w, const struct refusal_pool *p)
{
	char ip[INET6_ADDRSTRLEN], name[160];

	json_object_begin(w);
	json_field_str(w, "kind", pool_kind_name(p->kind));
	if (p->netns)
		json_field_uint(w, "netns", p->netns);
	else
		json_field_null(w, "netns");
	json_field_uint(w, "netns_cookie", p->netns_cookie);
	if (p->kind == POOL_TCP_CONNECT) {
		json_field_str(w, "family", p->family == AF_INET6 ? "ipv6" : "ipv4");
		view_format_ip(p->family, p->raddr, ip, sizeof(ip));
		json_field_str(w, "remote", ip);
		json_field_uint(w, "remote_port", p->rport);
	}
	refusal_pool_name(p, name, sizeof(name));
	json_field_str(w, "name", name);
	json_object_end(w);
}
