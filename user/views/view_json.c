// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Shared JSON fragments for the snapshot, report and audit documents.
#include <arpa/inet.h>
#include <sys/socket.h>
#include "core/escape.h"
#include "views/view_json.h"

void view_format_ip(uint16_t family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void view_json_cgroup(FILE *out, const struct group_label *g)
{
	fputs("\"cgroup\":", out);
	json_write_string(out, g->place.path, SIZE_MAX);
	fprintf(out, ",\"cgroup_hierarchy\":\"%s\"", g->place.hierarchy);
}

void view_json_container(FILE *out, const struct container_id *c)
{
	if (c->runtime == CONTAINER_NONE && !c->pod_uid[0]) {
		fputs("\"container\":null", out);
		return;
	}
	fprintf(out, "\"container\":{\"runtime\":\"%s\",\"id\":", container_runtime_name(c->runtime));
	json_write_string(out, c->id, sizeof(c->id));
	fputs(",\"pod_uid\":", out);
	json_write_string(out, c->pod_uid, sizeof(c->pod_uid));
	fputs(",\"unit\":", out);
	json_write_string(out, c->unit, sizeof(c->unit));
	fputc('}', out);
}

void view_json_states(FILE *out, const struct state_counts *c)
{
	fputs("\"states\":{", out);
	for (int i = 0; i < PS_COUNT; i++)
		fprintf(out, "%s\"%s\":%u", i ? "," : "", port_state_name(i), c->n[i]);
	fprintf(out, "},\"bind_before_connect\":%u,\"passive\":%u", c->bind_before_connect,
		c->passive);
}

void view_json_counts(FILE *out, const struct state_counts *c)
{
	fprintf(out, "\"sockets\":%u,", c->total);
	view_json_states(out, c);
}

void view_json_pool_open(FILE *out, const struct snap_pool *p)
{
	char ip[INET6_ADDRSTRLEN];

	fprintf(out, "{\"kind\":\"%s\",\"netns\":%u", pool_kind_name(p->kind), p->netns);
	if (p->kind == POOL_TCP_CONNECT) {
		view_format_ip(p->family, p->laddr, ip, sizeof(ip));
		fprintf(out, ",\"family\":\"%s\",\"local\":\"%s\"",
			p->family == AF_INET6 ? "ipv6" : "ipv4", ip);
		view_format_ip(p->family, p->raddr, ip, sizeof(ip));
		fprintf(out, ",\"remote\":\"%s\",\"remote_port\":%u", ip, p->rport);
	}
	fprintf(out, ",\"used\":%u", p->used);
	if (p->capacity_known)
		fprintf(out, ",\"capacity\":%u,\"fill\":%.4f", p->capacity, snap_pool_fill(p));
	else
		fputs(",\"capacity\":null,\"fill\":null", out);
}
