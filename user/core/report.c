// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Build the leak report's model from per-entity histories: containers, suspects, victims.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/report.h"

/* The class a report gives @e: the first it entered; with @early (the
 * daemon's own report), else one named early and latched (a fast leak, a
 * hog), as the daemon judges it. */
static enum leak_class class_of(const struct entity *e, bool early)
{
	return e->worst != LEAK_NONE || !early ? e->worst : e->urgent_latched;
}

static struct report_process to_process(const struct history *h, const struct entity *e,
					bool early)
{
	const struct sample *s = history_latest(h, e);
	struct report_process p = {
		.tgid = e->key.tgid,
		.group = e->key.group,
		.class = class_of(e, early),
		.verdict = e->verdict,
		.held_now = s->held,
		.held_peak = e->peak_held,
		.failures = s->failures,
		.failures_by_errno = e->failures_by_errno,
		.entity = e,
	};

	memcpy(p.comm, e->comm, sizeof(p.comm));
	return p;
}

static int cmp_container(const void *pa, const void *pb)
{
	const struct report_container *a = pa, *b = pb;

	if ((a->class != LEAK_NONE) != (b->class != LEAK_NONE))
		return a->class != LEAK_NONE ? -1 : 1;
	if (a->held_now.total != b->held_now.total)
		return cmp_u64(b->held_now.total, a->held_now.total);
	return cmp_u64(a->key.cgroup_id, b->key.cgroup_id)
		       ?: cmp_u64(a->key.cgroup1_id, b->key.cgroup1_id);
}

static int cmp_victim(const void *pa, const void *pb)
{
	const struct report_process *a = pa, *b = pb;

	return cmp_u64(b->failures, a->failures) ?: cmp_u64(a->tgid, b->tgid);
}

/* Seen in the time the report covers (a sample at or after @since_ms)? */
static bool covered(const struct entity *e, uint64_t since_ms)
{
	return e->nr && e->last_seen_ms >= since_ms;
}

/* Suspects of container @c: its processes that entered a class. */
static void collect_suspects(const struct history *h, struct report *r, struct report_container *c,
			     uint64_t since_ms, bool early)
{
	c->first_suspect = r->nr_suspects;
	for (size_t i = 0; i < h->nr; i++) {
		const struct entity *e = &h->items[i];

		if (e->key.kind != ENTITY_PROCESS || class_of(e, early) == LEAK_NONE ||
		    !covered(e, since_ms) ||
		    memcmp(&e->key.group, &c->key, sizeof(c->key)))
			continue;
		r->suspects[r->nr_suspects++] = to_process(h, e, early);
	}
	c->nr_suspects = r->nr_suspects - c->first_suspect;
}

static void collect(const struct history *h, struct report *r, uint64_t since_ms, bool early)
{
	for (size_t i = 0; i < h->nr; i++) {
		const struct entity *e = &h->items[i];
		struct report_container *c;

		if (!covered(e, since_ms))
			continue;
		if (e->key.kind == ENTITY_PROCESS) {
			if (history_latest(h, e)->failures)
				r->victims[r->nr_victims++] = to_process(h, e, early);
			continue;
		}
		c = &r->containers[r->nr_containers++];
		c->key = e->key.group;
		c->class = class_of(e, early);
		c->verdict = e->verdict;
		c->held_now = history_latest(h, e)->held;
		c->held_peak = e->peak_held;
		c->failures = history_latest(h, e)->failures;
		c->failures_by_errno = e->failures_by_errno;
		c->entity = e;
	}
}

int report_build(const struct history *h, const struct snapshot *last, struct report *r)
{
	return report_build_since(h, last, 0, false, r);
}

int report_build_since(const struct history *h, const struct snapshot *last, uint64_t since_ms,
		       bool early, struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->last = last;
	r->history = h;
	r->since_ms = since_ms;
	r->containers = calloc(h->nr + 1, sizeof(*r->containers));
	r->suspects = calloc(h->nr + 1, sizeof(*r->suspects));
	r->victims = calloc(h->nr + 1, sizeof(*r->victims));
	if (!r->containers || !r->suspects || !r->victims) {
		report_free(r);
		return -ENOMEM;
	}
	collect(h, r, since_ms, early);
	qsort(r->containers, r->nr_containers, sizeof(*r->containers), cmp_container);
	qsort(r->victims, r->nr_victims, sizeof(*r->victims), cmp_victim);
	for (size_t i = 0; i < r->nr_containers; i++)
		collect_suspects(h, r, &r->containers[i], since_ms, early);
	return 0;
}

void report_free(struct report *r)
{
	free(r->containers);
	free(r->suspects);
	free(r->victims);
	refusal_summary_free(&r->refusals);
	memset(r, 0, sizeof(*r));
}
