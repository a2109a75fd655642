// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The guard's step and its watch between steps.
#include <string.h>
#include "core/latch.h"
#include "core/log.h"
#include "guard/budgets.h"
#include "guard/guard.h"
#include "guard/judge.h"
#include "guard/lifeline.h"
#include "guard/results.h"
#include "kernel/counters.h"

/* Out-of-step snapshots for surges: at most one per this many ms. */
#define SURGE_CHECK_MIN_MS 500

/* Evictions last as long as short-lived processes keep filling the map,
 * one more at nearly every step: said when they start, then at most this often. */
#define EVICTIONS_SAID_MS (10 * 60 * 1000ull)

/*
 * The activity map is an LRU hash: when full, the least recently counted
 * processes' entries are evicted (their counts start again, so a surge of
 * theirs is seen later). Nobody deletes entries, so those made and no
 * longer there were evicted (entries made counted before the map is read,
 * so that those made meanwhile are not taken for evicted). Call it only
 * after a step read the map. And a count with no entry to go to is dropped
 * (activity_dropped), said whenever it grows: that is a count lost.
 */
static void warn_activity(struct guard *g)
{
	uint64_t dropped = tracer_activity_dropped(&g->m.tracer);
	uint64_t made = g->activity_inserts;
	uint64_t evicted = made > g->m.activity.nr ? made - g->m.activity.nr : 0;
	uint64_t evicted_now = said_every_due(&g->evictions_said, evicted,
					      g->m.now_ms - g->m.start_ms, EVICTIONS_SAID_MS);

	if (evicted_now)
		pr_warn("activity map full (%u processes): %llu evicted, their counts start again, "
			"%llu in total (said at most every %llu minutes)\n",
			tracer_activity_capacity(&g->m.tracer), (unsigned long long)evicted_now,
			(unsigned long long)evicted, EVICTIONS_SAID_MS / 60000);
	if (dropped > g->dropped_reported)
		pr_warn("dropped %llu activity counts (no map entry for them), %llu in total\n",
			(unsigned long long)(dropped - g->dropped_reported),
			(unsigned long long)dropped);
	g->dropped_reported = dropped;
}

/* Nothing is dropped silently: failure events the ring could not hold are
 * reported (decisions use the in-kernel counters, which lose nothing). */
static void warn_lost(struct guard *g)
{
	uint64_t lost = tracer_lost_events(&g->m.tracer);
	uint64_t missed = tracer_missed_runs(&g->m.tracer);

	if (lost > g->lost_reported)
		pr_warn("lost %llu failure events (ring buffer full), %llu in total\n",
			(unsigned long long)(lost - g->lost_reported), (unsigned long long)lost);
	g->lost_reported = lost;
	/* a skipped state hook run may be a close whose TIME_WAIT then has no owner */
	if (missed > g->missed_reported)
		pr_warn("the kernel skipped %llu runs of our programs (one was already running on "
			"that CPU), %llu in total\n",
			(unsigned long long)(missed - g->missed_reported), (unsigned long long)missed);
	g->missed_reported = missed;
	if (tracer_rescue_on_miss(&g->m.tracer) == 1)
		pr_info("the state hook missed a run on a CPU where it was busy: its rescue program "
			"now runs beside it, for what it misses from here on\n");
}

/*
 * Is @e worth a judgement this step? Anything with a class (now, ever, fast
 * or latched) or a surge; and a process growing past the classifier's floor
 * with the ports to matter: under pressure it may be named on a shorter
 * window, or with its cgroup (candidate_heed_pressure, _heed_group), which
 * only a judgement can find out. Others cost no /proc reads, and neither
 * does the retired entity of a process whose pid was reused: it is gone.
 */
static bool worth_judging(struct guard *g, const struct entity *e)
{
	if (e->key.kind != ENTITY_PROCESS || !e->key.tgid || !entity_current(e))
		return false;
	if (e->verdict.class != LEAK_NONE || e->worst != LEAK_NONE ||
	    e->urgent.class != LEAK_NONE || e->urgent_latched != LEAK_NONE ||
	    guard_surging(g, e->key.tgid))
		return true;
	return e->verdict.growth_per_s >= g->m.cfg.params.min_growth_per_s &&
	       entity_ports_held(&g->m.history, e) >= g->m.cfg.params.min_growth_ports;
}

/* Full pools that failed for others for hog_time (a pool past the lifeline
 * whose new ports it refused counts: those refusals show no failure event):
 * their dominant holder,
 * unless it is giving its ports back, is named a hog and judged. The name is
 * latched like any class named early (candidates.h): a quarantine does not
 * end the spell, and it holds until the hog gives back half its ports. */
static void judge_hogs(struct guard *g)
{
	if (hog_watch_update(&g->hogs, &g->m.snap, g->m.recent, g->m.nr_recent, g->m.now_ms,
			     g->cfg.policy.fill_threshold))
		return;
	for (size_t i = 0; i < g->lifeline.nr; i++)
		if (g->lifeline.items[i].refusing)
			hog_watch_refused(&g->hogs, &g->lifeline.items[i].pool, g->m.now_ms);
	for (size_t i = 0; i < g->hogs.nr; i++) {
		const struct hog_pool *hp = &g->hogs.items[i];
		uint32_t holder = hog_holder(&hp->pool);
		struct entity *e = holder ? history_find_process(&g->m.history, holder) : NULL;

		if (!e || !hog_spell_long(hp, g->m.now_ms, g->cfg.policy.hog_s * 1000ull) ||
		    e->verdict.growth_per_s <= -g->m.cfg.params.min_growth_per_s)
			continue;
		entity_latch(e, LEAK_HOG, entity_ports_held(&g->m.history, e));
		guard_judge(g, e);
	}
}

/*
 * A step (or a surge's snapshot) that could not sample (EMFILE, ENOMEM, a
 * /proc read failing): nothing is judged on it, so nothing is acted on. Said
 * once when the spell starts, and once when it ends, with how many samples
 * it lost. Returns @err.
 */
static int note_sample(struct guard *g, int err)
{
	if (err) {
		if (!g->failed_samples++) {
			g->first_sample_err = err;
			pr_warn("failed to sample: %s; judging nothing until sampling works "
				"again\n",
				strerror(-err));
		}
	} else if (g->failed_samples) {
		pr_warn("sampling works again: %llu samples lost (first error: %s)\n",
			(unsigned long long)g->failed_samples, strerror(-g->first_sample_err));
		g->failed_samples = 0;
	}
	return err;
}

void guard_step(struct guard *g)
{
	g->activity_inserts = tracer_activity_inserts(&g->m.tracer); /* before the map's read */
	budgets_before(g);
	if (note_sample(g, monitor_step(&g->m))) {
		warn_lost(g);
		return;
	}
	budgets_step(g);
	refusals_step(g);
	lifeline_step(g);
	for (size_t i = 0; i < g->m.history.nr; i++) {
		struct entity *e = &g->m.history.items[i];

		if (worth_judging(g, e))
			guard_judge(g, e);
	}
	judge_hogs(g);
	guard_report_results(g);
	warn_lost(g);
	warn_activity(g);
}

/* Does a surge that just tripped belong to a process in --cgroup's subtree? */
static bool fresh_surge_in_scope(struct guard *g)
{
	for (size_t i = 0; i < g->surges.nr; i++) {
		const struct surge_entry *s = &g->surges.items[i];
		struct cgroup_place place;
		bool in;

		if (!s->fresh)
			continue;
		cgroup_resolver_place(g->resolver, s->cgroup_id, s->cgroup1_id, (pid_t)s->tgid,
				      &place);
		in = !place.err && guard_in_scope(g, place.path, !strcmp(place.hierarchy, "v2"));
		cgroup_place_release(&place);
		if (in)
			return true;
	}
	return false;
}

/* Between steps: read the counters (cheap at any socket count). A process
 * that just began to surge is judged at once on a fresh snapshot instead
 * of at the next step; later steps judge it while the surge lasts. At most
 * one such snapshot per SURGE_CHECK_MIN_MS, whatever the counters say. */
void guard_watch(struct guard *g)
{
	uint64_t now = monotonic_ms();

	if (activity_read(tracer_activity_fd(&g->m.tracer), &g->watched))
		return;
	if (surge_table_update(&g->surges, &g->cfg.surge, &g->watched, now) <= 0 ||
	    now - g->surge_check_ms < SURGE_CHECK_MIN_MS || !fresh_surge_in_scope(g))
		return;
	g->surge_check_ms = now;
	if (note_sample(g, monitor_refresh(&g->m)))
		return;
	for (size_t i = 0; i < g->m.history.nr; i++) {
		struct entity *e = &g->m.history.items[i];

		if (e->key.kind == ENTITY_PROCESS && e->key.tgid && entity_current(e) &&
		    guard_surging(g, e->key.tgid))
			guard_judge(g, e);
	}
}

int guard_reconfigure(struct guard *g, const struct daemon_config *fresh)
{
	/* a longer window or a shorter interval needs more samples per entity */
	int err = monitor_reconfigure(&g->m, fresh->interval_ms, &fresh->classify);

	if (!err)
		g->cfg = *fresh;
	return err;
}

void guard_free(struct guard *g)
{
	quarantine_close(&g->quarantine);
	reclaimer_close(&g->reclaimer);
	budget_close(&g->budget);
	refusals_free(&g->refusals);
	monitor_close(&g->m);
	hog_watch_free(&g->hogs);
	activity_free(&g->watched);
	surge_table_free(&g->surges);
	metrics_totals_free(&g->failure_totals);
	cgroup_resolver_free(g->resolver);
	audit_close(&g->audit);
	incident_dir_close(&g->incidents);
	for (size_t i = 0; i < TARGETS_MAX; i++)
		if (g->targets.items[i].in_use)
			targets_drop(&g->targets.items[i]);
}
