// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Text and JSON renderings of a port event; untrusted names are escaped here.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include "core/escape.h"
#include "views/event_format.h"

#define ADDR_PORT_LEN (INET6_ADDRSTRLEN + 8)

const char *event_op_name(unsigned int op)
{
	switch (op) {
	case PW_OP_CONNECT:
		return "connect";
	case PW_OP_BIND:
		return "bind";
	case PW_OP_LISTEN:
		return "listen";
	case PW_OP_AUTOBIND:
		return "autobind";
	default:
		return "unknown";
	}
}

const char *event_source_name(unsigned int source)
{
	switch (source) {
	case PW_SRC_STATE:
		return "state";
	case PW_SRC_CGROUP:
		return "cgroup";
	case PW_SRC_SYSCALL:
		return "syscall";
	case PW_SRC_FEXIT:
		return "fexit";
	case PW_SRC_RELEASE:
		return "release";
	case PW_SRC_SEND:
		return "send";
	default:
		return "unknown";
	}
}

const char *event_result_name(int err, char *buf, size_t len)
{
	const char *name;

	if (err == 0)
		return "ok";
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

static const char *proto_name(unsigned int protocol)
{
	return protocol == IPPROTO_TCP ? "tcp" : protocol == IPPROTO_UDP ? "udp" : "other";
}

static void format_addr(const struct pw_event *e, const __u8 *addr, char *buf, size_t len)
{
	int af = e->family == AF_INET6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(af, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* "1.2.3.4:80" or "[::1]:80", as ss prints them. */
static void format_addr_port(const struct pw_event *e, const __u8 *addr, unsigned int port,
			     char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	format_addr(e, addr, ip, sizeof(ip));
	snprintf(buf, len, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

void event_format_text_header(FILE *out)
{
	fprintf(out, "%-12s %-7s %-16s %-8s %-5s %-22s %-22s %-13s %s\n", "TIME", "PID", "COMM",
		"OP", "PROTO", "LOCAL", "REMOTE", "RESULT", "CGROUP");
}

void event_format_text(FILE *out, const struct event_view *v)
{
	const struct pw_event *e = v->ev;
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)], pid[16], tm[16], errbuf[16];
	char local[ADDR_PORT_LEN], remote[ADDR_PORT_LEN];
	char cgroup[ESCAPE_TERMINAL_BUF_SIZE(sizeof(v->place->path))];
	struct tm t;

	localtime_r(&v->wall.tv_sec, &t);
	strftime(tm, sizeof(tm), "%H:%M:%S", &t);
	if (e->flags & PW_EVF_OWNER_KNOWN) {
		snprintf(pid, sizeof(pid), "%u", e->tgid);
		escape_terminal(comm, sizeof(comm), e->comm, sizeof(e->comm));
	} else {
		snprintf(pid, sizeof(pid), "?");
		snprintf(comm, sizeof(comm), "?");
	}
	format_addr_port(e, e->saddr, e->sport, local, sizeof(local));
	format_addr_port(e, e->daddr, e->dport, remote, sizeof(remote));
	escape_terminal(cgroup, sizeof(cgroup), v->place->path, sizeof(v->place->path));
	fprintf(out, "%s.%03ld %-7s %-16s %-8s %-5s %-22s %-22s %-13s %s\n", tm,
		v->wall.tv_nsec / 1000000, pid, comm, event_op_name(e->op), proto_name(e->protocol),
		local, remote, event_result_name(e->err, errbuf, sizeof(errbuf)), cgroup);
}

static void json_key_string(FILE *out, const char *key, const char *val, size_t len)
{
	fprintf(out, ",\"%s\":", key);
	json_write_string(out, val, len);
}

static void json_container(FILE *out, const struct container_id *c)
{
	if (c->runtime == CONTAINER_NONE && !c->pod_uid[0]) {
		fputs(",\"container\":null", out);
		return;
	}
	fprintf(out, ",\"container\":{\"runtime\":\"%s\"", container_runtime_name(c->runtime));
	if (c->id[0])
		json_key_string(out, "id", c->id, sizeof(c->id));
	if (c->pod_uid[0])
		json_key_string(out, "pod_uid", c->pod_uid, sizeof(c->pod_uid));
	if (c->unit[0])
		json_key_string(out, "unit", c->unit, sizeof(c->unit));
	fputc('}', out);
}

static void json_owner(FILE *out, const struct pw_event *e)
{
	if (!(e->flags & PW_EVF_OWNER_KNOWN)) {
		fputs(",\"pid\":null,\"tid\":null,\"comm\":null", out);
		return;
	}
	fprintf(out, ",\"pid\":%u,\"tid\":%u", e->tgid, e->pid);
	json_key_string(out, "comm", e->comm, sizeof(e->comm));
}

static void json_endpoints(FILE *out, const struct pw_event *e)
{
	char addr[INET6_ADDRSTRLEN];

	format_addr(e, e->saddr, addr, sizeof(addr));
	fprintf(out, ",\"saddr\":\"%s\",\"sport\":%u", addr, e->sport);
	format_addr(e, e->daddr, addr, sizeof(addr));
	fprintf(out, ",\"daddr\":\"%s\",\"dport\":%u", addr, e->dport);
}

void event_format_json(FILE *out, const struct event_view *v)
{
	const struct pw_event *e = v->ev;
	char ts[32], errbuf[16];
	struct tm t;

	gmtime_r(&v->wall.tv_sec, &t);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &t);
	fprintf(out, "{\"type\":\"event\",\"ts\":\"%s.%06ldZ\",\"op\":\"%s\",\"proto\":\"%s\"", ts,
		v->wall.tv_nsec / 1000, event_op_name(e->op), proto_name(e->protocol));
	fprintf(out, ",\"family\":\"%s\"", e->family == AF_INET6 ? "ipv6" : "ipv4");
	json_owner(out, e);
	json_key_string(out, "cgroup", v->place->path, sizeof(v->place->path));
	fprintf(out, ",\"cgroup_hierarchy\":\"%s\",\"cgroup_id\":%llu", v->place->hierarchy,
		(unsigned long long)e->cgroup_id);
	json_container(out, v->container);
	fprintf(out, ",\"netns\":%u,\"cookie\":%llu", e->netns, (unsigned long long)e->cookie);
	json_endpoints(out, e);
	fprintf(out, ",\"errno\":%d,\"result\":\"%s\",\"alloc_failed\":%s,\"source\":\"%s\"}\n",
		e->err, event_result_name(e->err, errbuf, sizeof(errbuf)),
		(e->flags & PW_EVF_ALLOC_FAILED) ? "true" : "false", event_source_name(e->source));
}
