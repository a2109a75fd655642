/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Fixed documents for the view tests: a snapshot, its labels and a report
 * built by hand (no kernel, no /proc), with every kind of pool, a docker
 * container, a systemd unit, a hostile cgroup path and a comm that fills
 * its field without a NUL. Also a way to render into a string.
 */
#ifndef PW_VIEW_FIXTURES_H
#define PW_VIEW_FIXTURES_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "core/labels.h"
#include "core/report.h"

#define FIX_DOCKER_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* quotes, a backslash, ESC, BEL, a newline, DEL and a byte that is no UTF-8 */
#define FIX_HOSTILE_PATH "/evil\"q\\b\x1b]0;x\x07\n\x7f\xff/\xc3\xa9t\xc3\xa9"

/* the groups, in snapshot order: docker, hostile (v1 on a hybrid host), unit */
static const struct group_key fix_docker = {.cgroup_id = 100};
static const struct group_key fix_hostile = {.cgroup_id = 1, .cgroup1_id = 7};
static const struct group_key fix_unit = {.cgroup_id = 200};
static const struct group_key fix_unknown = {.cgroup_id = 999}; /* in no label */

struct view_fixture {
	struct snap_pool pools[4];
	struct snap_group groups[3];
	struct snap_process processes[3];
	struct snapshot snap;
	struct group_label label_items[3];
	struct labels labels;
	struct report_container containers[2];
	struct report_process suspects[2];
	struct report_process victims[1];
	struct report report;
};

static inline struct state_counts fix_counts(uint32_t listen, uint32_t estab, uint32_t tw,
					     uint32_t udp, uint32_t bbc)
{
	struct state_counts c = {.bind_before_connect = bbc, .passive = listen ? 1 : 0};

	c.n[PS_LISTEN] = listen;
	c.n[PS_ESTABLISHED] = estab;
	c.n[PS_TIME_WAIT] = tw;
	c.n[PS_UDP] = udp;
	c.total = listen + estab + tw + udp;
	return c;
}

static inline void fix_label(struct group_label *g, const struct group_key *k, const char *path,
			     const char *hierarchy)
{
	memset(g, 0, sizeof(*g));
	g->key = *k;
	g->place.path = path; /* the fixtures' paths are literals, or outlive the view */
	g->place.hierarchy = hierarchy;
	container_from_cgroup_path(g->place.path, &g->container);
}

static inline void fix_build(struct view_fixture *f)
{
	struct snap_pool *p = f->pools;

	memset(f, 0, sizeof(*f));
	/* a tcp-connect pool, IPv4, nearly full, three holders (one of several pids) */
	p[0] = (struct snap_pool){.kind = POOL_TCP_CONNECT,
				  .netns = 4026531840u,
				  .family = AF_INET,
				  .rport = 5001,
				  .used = 27000,
				  .capacity = 28232,
				  .capacity_known = true,
				  .nr_top = 3};
	inet_pton(AF_INET, "10.0.0.1", p[0].laddr);
	inet_pton(AF_INET, "10.0.0.2", p[0].raddr);
	p[0].top[0].group = fix_docker;
	p[0].top[0].tgid = 4242;
	p[0].top[0].used = 26000;
	p[0].top[1].group = fix_hostile;
	p[0].top[1].used = 900;
	p[0].top[2].group = fix_unknown;
	p[0].top[2].tgid = 17;
	p[0].top[2].used = 100;
	/* IPv6 */
	p[1] = (struct snap_pool){.kind = POOL_TCP_CONNECT,
				  .netns = 4026532000u,
				  .family = AF_INET6,
				  .rport = 443,
				  .used = 3,
				  .capacity = 28232,
				  .capacity_known = true,
				  .nr_top = 1};
	inet_pton(AF_INET6, "fd00::1", p[1].laddr);
	inet_pton(AF_INET6, "2001:db8::2", p[1].raddr);
	p[1].top[0].group = fix_unit;
	p[1].top[0].tgid = 77;
	p[1].top[0].used = 3;
	/* the capacity unknown; no holder */
	p[2] = (struct snap_pool){.kind = POOL_TCP_BIND, .netns = 4026531840u, .used = 2};
	p[3] = (struct snap_pool){.kind = POOL_UDP,
				  .netns = 4026531840u,
				  .used = 1,
				  .capacity = 3,
				  .capacity_known = true,
				  .nr_top = 1};
	p[3].top[0].group = fix_docker;
	p[3].top[0].used = 1;

	f->groups[0] = (struct snap_group){fix_docker, fix_counts(1, 26000, 12, 1, 25), 2};
	f->groups[1] = (struct snap_group){fix_hostile, fix_counts(0, 900, 0, 0, 0), 1};
	f->groups[2] = (struct snap_group){fix_unit, fix_counts(0, 3, 0, 0, 0), 0};

	f->processes[0] = (struct snap_process){
		.tgid = 4242, .start_time = 3769719, .group = fix_docker,
		.held = fix_counts(1, 26000, 0, 0, 25)};
	memcpy(f->processes[0].comm, "portleak", 9);
	/* a comm with no NUL, a quote, a backslash and a tab */
	f->processes[1] = (struct snap_process){
		.tgid = 31337, .group = fix_hostile, .held = fix_counts(0, 900, 0, 0, 0)};
	memcpy(f->processes[1].comm, "ab\"cd\\ef\tgh12345", PW_COMM_LEN);
	f->processes[2] = (struct snap_process){
		.tgid = 5, .group = fix_unknown, .held = fix_counts(0, 0, 0, 1, 0)};
	memcpy(f->processes[2].comm, "udp", 4);

	f->snap = (struct snapshot){.processes = f->processes,
				    .nr_processes = 3,
				    .groups = f->groups,
				    .nr_groups = 3,
				    .pools = f->pools,
				    .nr_pools = 4,
				    .total = fix_counts(1, 26903, 12, 2, 25)};

	fix_label(&f->label_items[0], &fix_docker, "/system.slice/docker-" FIX_DOCKER_ID ".scope",
		  "v2");
	fix_label(&f->label_items[1], &fix_hostile, FIX_HOSTILE_PATH, "v1:memory");
	fix_label(&f->label_items[2], &fix_unit, "/system.slice/web.service", "v2");
	f->labels = (struct labels){f->label_items, 3};
	labels_sort(&f->labels);

	/* the report: the docker container leaks (two suspects), the unit is quiet */
	f->suspects[0] = (struct report_process){
		.tgid = 4242,
		.group = fix_docker,
		.class = LEAK_GROWTH,
		.verdict = {.growth_per_s = 250.5, .opens_per_s = 260.25, .closes_per_s = 9.75},
		.held_now = fix_counts(1, 26000, 0, 0, 25),
		.held_peak = 26001};
	memcpy(f->suspects[0].comm, "portleak", 9);
	f->suspects[1] =
		(struct report_process){.tgid = 31337,
					.group = fix_docker,
					.class = LEAK_CLOSE_WAIT,
					.verdict = {.growth_per_s = -0.125, .opens_per_s = 1.0 / 3},
					.held_now = fix_counts(0, 5, 0, 0, 0),
					.held_peak = 9,
					.failures = 2,
					.failures_by_errno = {.eagain = 2}};
	memcpy(f->suspects[1].comm, "ab\"cd\\ef\tgh12345", PW_COMM_LEN);
	f->victims[0] = (struct report_process){
		.tgid = 77,
		.group = fix_unit,
		.class = LEAK_NONE,
		.verdict = {.failures_per_s = 12.345},
		.held_now = fix_counts(0, 3, 0, 0, 0),
		.held_peak = 3,
		.failures = 40,
		.failures_by_errno = {.eaddrnotavail = 37, .eaddrinuse = 3}};
	memcpy(f->victims[0].comm, "curl", 5);
	f->containers[0] = (struct report_container){.key = fix_docker,
						     .class = LEAK_GROWTH,
						     .verdict = {.growth_per_s = 250.5,
								 .opens_per_s = 261,
								 .closes_per_s = 10.5,
								 .failures_per_s = 0.0005},
						     .held_now = fix_counts(1, 26000, 12, 1, 25),
						     .held_peak = 26100,
						     .failures = 2,
						     .failures_by_errno = {.eagain = 2},
						     .first_suspect = 0,
						     .nr_suspects = 2};
	f->containers[1] = (struct report_container){
		.key = fix_unit,
		.class = LEAK_NONE,
		.held_now = fix_counts(0, 3, 0, 0, 0),
		.held_peak = 3,
		.failures = 40,
		.failures_by_errno = {.eaddrnotavail = 37, .eaddrinuse = 3},
		.first_suspect = 2};
	f->report = (struct report){.duration_ms = 61500,
				    .interval_ms = 500,
				    .steps = 123,
				    .window_ms = 20000,
				    .breaches_to_enter = 2,
				    .lost_events = 4,
				    .missed_runs = 1,
				    .containers = f->containers,
				    .nr_containers = 2,
				    .suspects = f->suspects,
				    .nr_suspects = 2,
				    .victims = f->victims,
				    .nr_victims = 1,
				    .last = &f->snap};
}

/* A FILE writing into memory, and then what was written (free it):
 *	out = fix_text(&o, snapshot_view_json(fix_open(&o), ...));
 */
struct fix_out {
	char *buf;
	size_t len;
	FILE *f;
};

static inline FILE *fix_open(struct fix_out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f;
}

/* @ignored: the render call's result, so that one expression does it all. */
#define fix_text(o, ignored) ((void)(ignored), fix_close(o))

static inline char *fix_close(struct fix_out *o)
{
	fclose(o->f);
	return o->buf;
}

/* Whether @s holds a byte below 0x20 other than a newline, or DEL: what
 * escaping must leave none of. */
static inline bool fix_has_raw_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f)
			return true;
	return false;
}

/* @s with its "time":"...Z" value replaced by "T", which moves with the clock. */
static inline char *fix_mask_time(char *s)
{
	char *t = strstr(s, "\"time\":\""), *end;

	if (t && (end = strchr(t + 8, '"'))) {
		t[8] = 'T';
		memmove(t + 9, end, strlen(end) + 1);
	}
	return s;
}

#endif /* PW_VIEW_FIXTURES_H */
