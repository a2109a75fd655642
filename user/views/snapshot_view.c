// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Text tables and JSON for a snapshot: pools, cgroups, processes, by port state.
#include <arpa/inet.h>
#include <sys/socket.h>
#include "core/escape.h"
#include "views/snapshot_view.h"
#include "views/view_json.h"

#define PATH_ESC_LEN ESCAPE_TERMINAL_BUF_SIZE(PW_CGROUP_PATH_MAX) /* whole paths, escaped */

static const char *const short_state[PS_COUNT] = {
	[PS_LISTEN] = "LISTEN",	     [PS_SYN_SENT] = "SYNSENT", [PS_ESTABLISHED] = "ESTAB",
	[PS_CLOSE_WAIT] = "CLOSEWT", [PS_FIN_WAIT] = "FINWT",	[PS_TIME_WAIT] = "TIMEWT",
	[PS_LAST_ACK] = "LASTACK",   [PS_BOUND] = "BOUND",	[PS_UDP] = "UDP",
};

static size_t rows(size_t n, size_t limit)
{
	return limit && n > limit ? limit : n;
}

static void text_pool(FILE *out, const struct snapshot *s, const struct labels *l,
		      const struct snap_pool *p)
{
	char local[INET6_ADDRSTRLEN] = "*", remote[INET6_ADDRSTRLEN + 8] = "*", cap[16] = "?";
	char ip[INET6_ADDRSTRLEN], who[PATH_ESC_LEN] = "-";

	(void)s;
	if (p->kind == POOL_TCP_CONNECT) {
		view_format_ip(p->family, p->laddr, local, sizeof(local));
		view_format_ip(p->family, p->raddr, ip, sizeof(ip));
		snprintf(remote, sizeof(remote), p->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
			 p->rport);
	}
	if (p->capacity_known)
		snprintf(cap, sizeof(cap), "%u", p->capacity);
	if (p->nr_top)
		escape_terminal(who, sizeof(who), labels_find(l, &p->top[0].group)->place.path,
				SIZE_MAX);
	fprintf(out, "%-12s %-11u %-16s %-24s %6u/%-6s %6.1f%%  %s\n", pool_kind_name(p->kind),
		p->netns, local, remote, p->used, cap, 100.0 * snap_pool_fill(p), who);
}

static void text_counts(FILE *out, const struct state_counts *c)
{
	fprintf(out, "%6u", c->total);
	for (int i = 0; i < PS_COUNT; i++)
		fprintf(out, " %7u", c->n[i]);
	fprintf(out, " %5u", c->bind_before_connect);
}

static void text_counts_header(FILE *out, const char *first)
{
	fprintf(out, "%s%6s", first, "SOCKS");
	for (int i = 0; i < PS_COUNT; i++)
		fprintf(out, " %7s", short_state[i]);
	fprintf(out, " %5s", "BBC");
}

static void text_groups(FILE *out, const struct snapshot *s, const struct labels *l, size_t limit)
{
	char path[PATH_ESC_LEN];

	fprintf(out, "\nCGROUPS (%zu)\n", s->nr_groups);
	text_counts_header(out, "");
	fprintf(out, " %5s  %s\n", "PROCS", "CGROUP");
	for (size_t i = 0; i < rows(s->nr_groups, limit); i++) {
		const struct snap_group *g = &s->groups[i];

		escape_terminal(path, sizeof(path), labels_find(l, &g->key)->place.path, SIZE_MAX);
		text_counts(out, &g->held);
		fprintf(out, " %5u  %s\n", g->nr_processes, path);
	}
}

static void text_processes(FILE *out, const struct snapshot *s, const struct labels *l,
			   size_t limit)
{
	char path[PATH_ESC_LEN], comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)];

	fprintf(out, "\nPROCESSES (%zu)\n", s->nr_processes);
	fprintf(out, "%-8s %-16s ", "PID", "COMM");
	text_counts_header(out, "");
	fprintf(out, "  %s\n", "CGROUP");
	for (size_t i = 0; i < rows(s->nr_processes, limit); i++) {
		const struct snap_process *p = &s->processes[i];

		escape_terminal(comm, sizeof(comm), p->comm, sizeof(p->comm));
		escape_terminal(path, sizeof(path), labels_find(l, &p->group)->place.path,
				SIZE_MAX);
		fprintf(out, "%-8u %-16s ", p->tgid, comm);
		text_counts(out, &p->held);
		fprintf(out, "  %s\n", path);
	}
}

void snapshot_view_text(FILE *out, const struct snapshot *s, const struct labels *l, size_t limit)
{
	fprintf(out, "PORT POOLS (%zu, fullest first)\n", s->nr_pools);
	fprintf(out, "%-12s %-11s %-16s %-24s %13s %7s  %s\n", "KIND", "NETNS", "LOCAL", "REMOTE",
		"USED/CAP", "FILL", "TOP HOLDER");
	for (size_t i = 0; i < rows(s->nr_pools, limit); i++)
		text_pool(out, s, l, &s->pools[i]);
	text_groups(out, s, l, limit);
	text_processes(out, s, l, limit);
	if (limit && (s->nr_pools > limit || s->nr_groups > limit || s->nr_processes > limit))
		fprintf(out, "\n(first %zu rows of each table; --limit 0 shows all)\n", limit);
}

static void json_group_ref(struct json_writer *w, const struct labels *l, const struct group_key *k)
{
	view_json_cgroup(w, labels_find(l, k));
}

static void json_pool(struct json_writer *w, const struct labels *l, const struct snap_pool *p)
{
	view_json_pool_begin(w, p);
	json_key(w, "top");
	json_array_begin(w);
	for (uint32_t i = 0; i < p->nr_top; i++) {
		json_object_begin(w);
		json_group_ref(w, l, &p->top[i].group);
		if (p->top[i].tgid)
			json_field_uint(w, "pid", p->top[i].tgid);
		else
			json_field_null(w, "pid");
		json_field_uint(w, "ports", p->top[i].used);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

static void json_group(struct json_writer *w, const struct labels *l, const struct snap_group *g)
{
	json_object_begin(w);
	json_group_ref(w, l, &g->key);
	json_field_uint(w, "cgroup_id", g->key.cgroup_id);
	json_field_uint(w, "cgroup1_id", g->key.cgroup1_id);
	view_json_container(w, &labels_find(l, &g->key)->container, false);
	json_field_uint(w, "processes", g->nr_processes);
	view_json_counts(w, &g->held);
	json_object_end(w);
}

static void json_process(struct json_writer *w, const struct labels *l,
			 const struct snap_process *p)
{
	json_object_begin(w);
	json_field_uint(w, "pid", p->tgid);
	json_field_strn(w, "comm", p->comm, sizeof(p->comm));
	if (p->start_time)
		json_field_uint(w, "start_time", p->start_time);
	else
		json_field_null(w, "start_time");
	json_group_ref(w, l, &p->group);
	view_json_counts(w, &p->held);
	json_object_end(w);
}

int snapshot_view_json(FILE *out, const struct snapshot *s, const struct labels *l)
{
	struct json_writer w;

	json_init(&w, out);
	json_object_begin(&w);
	view_json_header(&w, SNAPSHOT_JSON_VERSION, "snapshot");
	json_key(&w, "total");
	json_object_begin(&w);
	view_json_counts(&w, &s->total);
	json_object_end(&w);
	json_break(&w);
	json_key(&w, "pools");
	json_array_begin_lines(&w);
	for (size_t i = 0; i < s->nr_pools; i++)
		json_pool(&w, l, &s->pools[i]);
	json_array_end(&w);
	json_break(&w);
	json_key(&w, "cgroups");
	json_array_begin_lines(&w);
	for (size_t i = 0; i < s->nr_groups; i++)
		json_group(&w, l, &s->groups[i]);
	json_array_end(&w);
	json_break(&w);
	json_key(&w, "processes");
	json_array_begin_lines(&w);
	for (size_t i = 0; i < s->nr_processes; i++)
		json_process(&w, l, &s->processes[i]);
	json_array_end(&w);
	json_object_end(&w);
	return json_finish(&w);
}
