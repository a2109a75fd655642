// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// One row's detail in words: sockets, remote, pools, failures, the classifier's evidence.
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "core/escape.h"
#include "core/pending.h"
#include "core/top_detail.h"

static void __attribute__((format(printf, 2, 3))) add(struct top_detail *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nr == TOP_DETAIL_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(d->lines[d->nr++], TOP_DETAIL_LEN, fmt, ap);
	va_end(ap);
}

/* The history's entity behind line @l. */
static const struct entity *line_entity(const struct top_input *in, const struct top_model *m,
					const struct top_line *l)
{
	struct entity_key k = {.group = top_line_group(m, l)->key};

	if (l->kind == TOP_LINE_PROCESS) {
		k.kind = ENTITY_PROCESS;
		k.tgid = m->processes[l->index].tgid;
	} else {
		k.kind = ENTITY_GROUP;
	}
	return history_find(in->history, &k);
}

static void add_identity(struct top_detail *d, const struct top_model *m, const struct top_line *l)
{
	char path[ESCAPE_TERMINAL_BUF_SIZE(PATH_MAX)], comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)];
	const struct top_group *g = top_line_group(m, l);

	escape_terminal(path, sizeof(path), g->label->place.path, SIZE_MAX);
	if (l->kind == TOP_LINE_GROUP) {
		add(d, "cgroup %.200s, %u processes", path, g->nr_processes);
		return;
	}
	escape_terminal(comm, sizeof(comm), m->processes[l->index].comm, PW_COMM_LEN);
	add(d, "process %u %s in %.180s", m->processes[l->index].tgid, comm, path);
}

static void add_sockets(struct top_detail *d, const struct top_stats *s)
{
	add(d,
	    "sockets: %u holding a port: %u established, %u time-wait, %u close-wait, %u udp, "
	    "%u other",
	    s->ports, s->established, s->time_wait, s->close_wait, s->udp, s->other);
}

/* Is socket @k @l's (its process's, or any in its cgroup)? */
static bool socket_of(const struct snapshot *s, const struct snap_socket *k,
		      const struct top_model *m, const struct top_line *l)
{
	if (l->kind == TOP_LINE_GROUP)
		return group_key_same(&k->group, &top_line_group(m, l)->key);
	return k->first_holder < s->nr_processes &&
	       s->processes[k->first_holder].tgid == m->processes[l->index].tgid;
}

/* The first sightings of a row's sockets held through files: the oldest
 * and the newest, and how many. */
struct age_range {
	const struct sock_seen *oldest, *newest;
	uint32_t n;
};

static void age_range_add(struct age_range *r, const struct sock_seen *s)
{
	r->n++;
	/* of two seen first together, the one with no lower bound is the older */
	if (!r->oldest || s->seen_ms < r->oldest->seen_ms ||
	    (s->seen_ms == r->oldest->seen_ms && s->after_ms == SOCK_SEEN_BEFORE))
		r->oldest = s;
	if (!r->newest || s->seen_ms > r->newest->seen_ms)
		r->newest = s;
}

/* How long since @s was born, at @now_ms: at least since it was first
 * seen, at most since the snapshot before. */
static const char *age_of(char *buf, size_t len, const struct sock_seen *s, uint64_t now_ms)
{
	uint64_t lower = now_ms > s->seen_ms ? now_ms - s->seen_ms : 0;
	uint64_t upper = s->after_ms == SOCK_SEEN_BEFORE ? UINT64_MAX
			 : now_ms > s->after_ms		 ? now_ms - s->after_ms
							 : 0;

	return sock_age_format(buf, len, lower, upper);
}

/* The age of its oldest and newest sockets held through files (a linear
 * pass, like add_remote's). The kernel keeps no birth time (sock_ages.h):
 * an age runs from the snapshot that first held the socket. */
static void add_ages(struct top_detail *d, const struct top_input *in, const struct top_model *m,
		     const struct top_line *l)
{
	const struct snapshot *s = in->snap;
	struct age_range r = {0};
	char oldest[40], newest[40];

	if (!in->sock_ages)
		return;
	if (in->daemon && !s->nr_sockets) {
		add(d, "ages: unknown (the daemon's snapshot has no sockets)");
		return;
	}
	for (size_t i = 0; i < s->nr_sockets; i++) {
		const struct snap_socket *k = &s->sockets[i];
		const struct sock_seen *seen;

		if (!k->nr_holders || !socket_of(s, k, m, l))
			continue;
		seen = sock_ages_find(in->sock_ages, k->sock.key);
		if (seen)
			age_range_add(&r, seen);
	}
	if (!r.n) {
		add(d, "ages: no socket held through a file");
		return;
	}
	add(d, "ages: oldest %s%s, newest %s, of %u file-held sockets",
	    age_of(oldest, sizeof(oldest), r.oldest, in->sample_ms),
	    r.oldest->after_ms == SOCK_SEEN_BEFORE ? " (before top started)" : "",
	    age_of(newest, sizeof(newest), r.newest, in->sample_ms), r.n);
}

static bool same_remote(const struct snap_sock *a, const struct snap_sock *b)
{
	return a->family == b->family && a->dport == b->dport &&
	       !memcmp(a->daddr, b->daddr, sizeof(a->daddr));
}

/* Its share of pool @p as one of its top holders, 0 when it is not one. */
static uint32_t used_in_pool(const struct snap_pool *p, const struct top_model *m,
			     const struct top_line *l)
{
	const struct group_key *g = &top_line_group(m, l)->key;
	uint32_t tgid = l->kind == TOP_LINE_PROCESS ? m->processes[l->index].tgid : 0;

	for (uint32_t t = 0; t < p->nr_top; t++)
		if (group_key_same(&p->top[t].group, g) && (!tgid || p->top[t].tgid == tgid))
			return p->top[t].used;
	return 0;
}

/* "top remote: 10.0.0.9:5001, 80 sockets" ([addr]:port for IPv6). */
static void add_remote_line(struct top_detail *d, uint16_t family, const uint8_t *raddr,
			    uint16_t rport, uint32_t n, const char *what)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, raddr, addr, sizeof(addr));
	add(d, family == AF_INET6 ? "top remote: [%s]:%u, %u %s" : "top remote: %s:%u, %u %s",
	    addr, rport, n, what);
}

/* Without the sockets (attached: the daemon's snapshot has none), the
 * destination of the connect pool it holds most of: each such pool is one
 * remote ip:port. */
static void add_remote_of_pools(struct top_detail *d, const struct snapshot *s,
				const struct top_model *m, const struct top_line *l)
{
	const struct snap_pool *best = NULL;
	uint32_t best_n = 0;

	for (size_t i = 0; i < s->nr_pools; i++) {
		uint32_t n = s->pools[i].kind == POOL_TCP_CONNECT ? used_in_pool(&s->pools[i], m, l) : 0;

		if (n > best_n) {
			best = &s->pools[i];
			best_n = n;
		}
	}
	if (!best) {
		add(d, "top remote: none seen (no connect pool it is a top holder of)");
		return;
	}
	add_remote_line(d, best->family, best->raddr, best->rport, best_n, "ports (of its pools)");
}

/* The remote address its connected sockets go to most (a linear count: a
 * row's sockets are few next to a snapshot's, and this runs per frame). */
static void add_remote(struct top_detail *d, const struct snapshot *s, const struct top_model *m,
		       const struct top_line *l)
{
	const struct snap_sock *best = NULL;
	uint32_t best_n = 0, tried = 0;

	if (!s->nr_sockets) {
		add_remote_of_pools(d, s, m, l);
		return;
	}
	for (size_t i = 0; i < s->nr_sockets && tried < 64; i++) {
		const struct snap_socket *k = &s->sockets[i];
		uint32_t n = 0;

		if (!k->sock.dport || k->passive || !socket_of(s, k, m, l))
			continue;
		if (best && same_remote(best, &k->sock))
			continue;
		tried++; /* distinct candidates: bounded work on a huge table */
		for (size_t j = i; j < s->nr_sockets; j++)
			n += s->sockets[j].sock.dport && !s->sockets[j].passive &&
			     same_remote(&s->sockets[j].sock, &k->sock) &&
			     socket_of(s, &s->sockets[j], m, l);
		if (n > best_n) {
			best = &k->sock;
			best_n = n;
		}
	}
	if (!best) {
		add(d, "top remote: none seen (no outgoing connection in the latest snapshot)");
		return;
	}
	add_remote_line(d, best->family, best->daddr, best->dport, best_n, "sockets");
}

/* The pools it is among the top holders of, with their forecasts. */
static void add_pools(struct top_detail *d, const struct snapshot *s, const struct top_model *m,
		      const struct top_line *l)
{
	size_t shown = 0;

	for (size_t i = 0; i < s->nr_pools && shown < 3; i++) {
		const struct snap_pool *p = &s->pools[i];
		uint32_t used = used_in_pool(p, m, l);

		if (!used)
			continue;
		add(d, "pool: %s netns %u, %u of its %u used ports%s", pool_kind_name(p->kind),
		    p->netns, used, p->used, p->capacity_known ? "" : " (capacity unknown)");
		shown++;
	}
	if (!shown)
		add(d, "pools: not among the top holders of any");
}

static void add_failures(struct top_detail *d, const struct entity *e)
{
	const struct failure_counts *f = &e->failures_by_errno;

	add(d, "failures: EADDRNOTAVAIL %llu, EADDRINUSE %llu, EAGAIN %llu",
	    (unsigned long long)f->eaddrnotavail, (unsigned long long)f->eaddrinuse,
	    (unsigned long long)f->eagain);
}

/* What a row heading to a class lacks before the classifier names it: the
 * rest of its window, then the hysteresis's breaching checks. */
static void add_missing(struct top_detail *d, const struct top_input *in, const struct entity *e,
			const struct top_stats *st)
{
	const struct classify_params *p = in->params;
	const struct verdict *v = &e->verdict;
	size_t cap = in->history->ring_cap;
	const struct sample *first = &e->ring[(e->head + cap - e->nr) % cap];
	uint64_t have_ms = history_latest(in->history, e)->t_ms - first->t_ms;
	uint64_t window_left_s = have_ms < p->window_ms ? (p->window_ms - have_ms) / 1000 : 0;
	uint32_t breaches = v->breaching != LEAK_NONE && v->streak < p->breaches_to_enter
				    ? p->breaches_to_enter - v->streak
				    : p->breaches_to_enter;

	add(d,
	    "heading to %s: grew %u s without a drop; missing before it is named: %llu s of its "
	    "%u s window, then %u breaching checks",
	    leak_class_name(st->pending), st->pending_s, (unsigned long long)window_left_s,
	    p->window_ms / 1000, breaches);
}

/* The classifier's evidence, in words, and its class or what it still lacks. */
static void add_evidence(struct top_detail *d, const struct top_input *in, const struct entity *e,
			 const struct top_stats *st)
{
	const struct verdict *v = &e->verdict;
	uint32_t released = v->held_peak > v->held_now ? v->held_peak - v->held_now : 0;

	add(d, "evidence: slope %+.1f ports/s, %s (peak %u, now %u, TIME_WAIT excluded)",
	    v->growth_per_s, released ? "released some" : "released none", v->held_peak,
	    v->held_now);
	if (st->class != LEAK_NONE)
		add(d, "named: %s: %s", leak_class_name(st->class), leak_class_advice(st->class));
	else if (!in->params)
		add(d, "named: no class");
	else if (st->pending != LEAK_NONE)
		add_missing(d, in, e, st);
	else
		add(d, "named: no class: %s",
		    v->growth_per_s < in->params->min_growth_per_s
			    ? "not growing faster than the classifier's floor"
			    : "growing, but not steadily, or released");
}

/* Its held ports over its latest samples, for the chart of the selected row. */
static void add_held(struct top_detail *d, const struct top_input *in, const struct entity *e)
{
	size_t cap = in->history->ring_cap, n = e->nr < TOP_DETAIL_HELD ? e->nr : TOP_DETAIL_HELD;
	uint64_t first_ms = 0;

	for (size_t i = 0; i < n; i++) {
		const struct sample *s = &e->ring[(e->head + cap - n + i) % cap];
		uint32_t held = state_ports_held(&s->held);

		if (!i)
			first_ms = s->t_ms;
		d->held[d->nr_held++] = (float)held;
		d->held_peak = held > d->held_peak ? held : d->held_peak;
		d->held_s = (uint32_t)((s->t_ms - first_ms) / 1000);
	}
}

/* Attached: its cgroup's port budget (a process: its cgroup's), the kernel's
 * count against it and the refusals by errno since the daemon loaded its
 * hooks; and the lifeline's refusals in that cgroup. */
static void add_budget(struct top_detail *d, const struct top_input *in, const struct top_model *m,
		       const struct top_line *l)
{
	const struct top_group *g = top_line_group(m, l);
	const struct daemon_budget *b = g->budget;
	uint64_t lifeline = daemon_lifeline_refused(in->daemon, g->key.cgroup_id);
	const char *whose = l->kind == TOP_LINE_GROUP ? "budget" : "its cgroup's budget";

	if (b) { /* two lines: each fits 80 columns */
		add(d, "%s: ports_max %u, held %lld (the kernel's count)", whose, b->ports_max,
		    (long long)b->held);
		add(d, "%s %s %llu: %s %llu, %s %llu, %s %llu", whose,
		    b->dry_run ? "would have refused" : "refused", (unsigned long long)b->refused,
		    top_errno_name(TOP_EADDRNOTAVAIL),
		    (unsigned long long)b->refused_errno[DAEMON_EADDRNOTAVAIL],
		    top_errno_name(TOP_EADDRINUSE),
		    (unsigned long long)b->refused_errno[DAEMON_EADDRINUSE],
		    top_errno_name(TOP_EAGAIN),
		    (unsigned long long)b->refused_errno[DAEMON_EAGAIN]);
	}
	if (lifeline)
		add(d, "lifeline: %s %llu in its cgroup",
		    in->daemon->dry_run ? "would have refused" : "refused",
		    (unsigned long long)lifeline);
}

/* Attached: what the daemon holds about it, and its latest decision in its
 * words (for a protected process: the rule that protects it). */
static void add_daemon(struct top_detail *d, const struct top_input *in, const struct entity *e)
{
	char reason[ESCAPE_TERMINAL_BUF_SIZE(sizeof(((struct daemon_suspect *)0)->reason))];
	char detail[ESCAPE_TERMINAL_BUF_SIZE(sizeof(((struct daemon_suspect *)0)->detail))];
	const struct daemon_suspect *ds;

	if (!in->daemon)
		return;
	ds = daemon_state_find(in->daemon, e->key.kind == ENTITY_PROCESS ? e->key.tgid : 0,
			       e->start_time, e->key.group.cgroup_id);
	if (!ds) {
		add(d, "daemon: no ladder for it");
		return;
	}
	add(d, "daemon: class %s, last action %s", leak_class_name(ds->class),
	    ds->last_action[0] ? ds->last_action : "none");
	if (!ds->reason[0])
		return;
	/* the daemon's words carry the process's comm, exe and cgroup */
	escape_terminal(reason, sizeof(reason), ds->reason, SIZE_MAX);
	escape_terminal(detail, sizeof(detail), ds->detail, SIZE_MAX);
	add(d, "daemon decided: %.40s: %.200s", reason, detail);
}

void top_detail_build(const struct top_input *in, const struct top_model *m,
		      const struct top_line *l, struct top_detail *out)
{
	const struct top_stats *st = top_line_stats(m, l);
	const struct entity *e = line_entity(in, m, l);

	memset(out, 0, sizeof(*out));
	add_identity(out, m, l);
	add_sockets(out, st);
	add_ages(out, in, m, l);
	add_budget(out, in, m, l);
	add_remote(out, in->snap, m, l);
	add_pools(out, in->snap, m, l);
	if (e) {
		add_held(out, in, e);
		add_failures(out, e);
		add_evidence(out, in, e, st);
		add_daemon(out, in, e);
	} else {
		add(out, "evidence: none of its own (a cgroup seen through its processes)");
	}
}
