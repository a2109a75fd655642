// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Text and JSON renderings of a port event; untrusted names are escaped here.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "core/escape.h"
#include "core/runtime_names.h"
#include "views/event_format.h"
#include "views/view_json.h"

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

/* "1.2.3.4:80" or "[::1]:80", as ss prints them. */
static void format_addr_port(const struct pw_event *e, const __u8 *addr, unsigned int port,
			     char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	view_format_ip(e->family, addr, ip, sizeof(ip));
	snprintf(buf, len, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

void event_format_text_header(FILE *out)
{
	fprintf(out, "%-12s %-7s %-16s %-8s %-5s %-22s %-22s %-13s %s\n", "TIME", "PID", "COMM",
		"OP", "PROTO", "LOCAL", "REMOTE", "RESULT", "CGROUP");
}

/* " (NAMESPACE/POD/CONTAINER)" or " (NAME)" after the cgroup, escaped; "" without names. */
static void names_text(char *buf, size_t size, const struct container_names *n)
{
	char esc[RUNTIME_NAMES_SHOWN_SIZE];

	runtime_names_shown(n, esc, sizeof(esc));
	if (esc[0])
		snprintf(buf, size, " (%s)", esc);
}

void event_format_text(FILE *out, const struct event_view *v)
{
	const struct pw_event *e = v->ev;
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)], pid[16], tm[16], errbuf[16];
	char local[ADDR_PORT_LEN], remote[ADDR_PORT_LEN];
	char names[ESCAPE_TERMINAL_BUF_SIZE(RUNTIME_NAMES_LABEL_SIZE) + 3] = "";
	size_t cgroup_len = strlen(v->place->path);
	char *cgroup = malloc(ESCAPE_TERMINAL_BUF_SIZE(cgroup_len)); /* paths have no bound */
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
	if (cgroup)
		escape_terminal(cgroup, ESCAPE_TERMINAL_BUF_SIZE(cgroup_len), v->place->path,
				cgroup_len);
	if (v->container)
		names_text(names, sizeof(names), &v->container->names);
	fprintf(out, "%s.%03ld %-7s %-16s %-8s %-5s %-22s %-22s %-13s %s%s\n", tm,
		v->wall.tv_nsec / 1000000, pid, comm, event_op_name(e->op), proto_name(e->protocol),
		local, remote, event_result_name(e->err, errbuf, sizeof(errbuf)),
		cgroup ? cgroup : "(out of memory)", names);
	free(cgroup);
}

static void json_owner(struct json_writer *w, const struct pw_event *e)
{
	if (!(e->flags & PW_EVF_OWNER_KNOWN)) {
		json_field_null(w, "pid");
		json_field_null(w, "tid");
		json_field_null(w, "comm");
		return;
	}
	json_field_uint(w, "pid", e->tgid);
	json_field_uint(w, "tid", e->pid);
	json_field_strn(w, "comm", e->comm, sizeof(e->comm));
}

static void json_endpoint(struct json_writer *w, const struct pw_event *e, const char *addr_key,
			  const __u8 *addr, const char *port_key, unsigned int port)
{
	char ip[INET6_ADDRSTRLEN];

	view_format_ip(e->family, addr, ip, sizeof(ip));
	json_field_str(w, addr_key, ip);
	json_field_uint(w, port_key, port);
}

int event_format_json(FILE *out, const struct event_view *v)
{
	const struct pw_event *e = v->ev;
	char ts[VIEW_TIME_US_LEN], errbuf[16];
	struct json_writer w;

	view_format_time_us(&v->wall, ts, sizeof(ts));
	json_init(&w, out);
	json_object_begin(&w);
	json_field_str(&w, "type", "event");
	json_field_str(&w, "ts", ts);
	json_field_str(&w, "op", event_op_name(e->op));
	json_field_str(&w, "proto", proto_name(e->protocol));
	json_field_str(&w, "family", e->family == AF_INET6 ? "ipv6" : "ipv4");
	json_owner(&w, e);
	json_field_str(&w, "cgroup", v->place->path);
	json_field_str(&w, "cgroup_hierarchy", v->place->hierarchy);
	json_field_uint(&w, "cgroup_id", e->cgroup_id);
	view_json_container(&w, v->container, true);
	json_field_uint(&w, "netns", e->netns);
	json_field_uint(&w, "cookie", e->cookie);
	json_endpoint(&w, e, "saddr", e->saddr, "sport", e->sport);
	json_endpoint(&w, e, "daddr", e->daddr, "dport", e->dport);
	json_field_int(&w, "errno", e->err);
	json_field_str(&w, "result", event_result_name(e->err, errbuf, sizeof(errbuf)));
	json_field_bool(&w, "alloc_failed", e->flags & PW_EVF_ALLOC_FAILED);
	json_field_str(&w, "source", event_source_name(e->source));
	json_object_end(&w);
	return json_finish(&w);
}

int event_format_loss_json(FILE *out, const char *type, uint64_t count, uint64_t total)
{
	struct json_writer w;

	json_init(&w, out);
	json_object_begin(&w);
	json_field_str(&w, "type", type);
	json_field_uint(&w, "count", count);
	json_field_uint(&w, "total", total);
	json_object_end(&w);
	return json_finish(&w);
}
