// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Incident reports: the report of the time around one target's actions.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/log.h"
#include "guard/incident.h"
#include "guard/served.h"
#include "host/labels.h"
#include "views/report_html.h"
#include "views/report_view.h"

#define INCIDENT_ACTIONS 4 /* quarantine, reclaim, SIGTERM, SIGKILL */

/* The actions taken on @t, in the samples' clock; the last carries @outcome. */
static size_t collect_actions(const struct guard *g, const struct tracked *t, const char *outcome,
			      struct report_action *a)
{
	const struct {
		uint64_t ms;
		enum action what;
	} steps[INCIDENT_ACTIONS] = {
		{t->quarantined_at_ms, ACTION_QUARANTINE},
		{t->th.reclaimed ? t->th.reclaimed_ms : 0, ACTION_RECLAIM},
		{t->th.term_ms, ACTION_TERM},
		{t->th.last == ACTION_KILL ? t->th.last_ms : 0, ACTION_KILL},
	};
	const struct entity *e = t->tgid ? history_find_process(&g->m.history, t->tgid) : NULL;
	struct group_key group = e ? e->key.group : (struct group_key){.cgroup_id = t->start_time};
	size_t n = 0;

	for (size_t i = 0; i < INCIDENT_ACTIONS; i++) {
		if (!steps[i].ms || steps[i].ms < g->m.start_ms)
			continue;
		a[n] = (struct report_action){
			.t_ms = steps[i].ms - g->m.start_ms,
			.tgid = t->tgid,
			.group = group,
			.action = action_name(steps[i].what),
		};
		memcpy(a[n].comm, t->comm, sizeof(a[n].comm));
		n++;
	}
	if (n)
		a[n - 1].outcome = outcome;
	return n;
}

/* The target's container first: on a busy host it would sit among the
 * others, ordered by what they hold now, after its processes were killed. */
static void target_first(const struct guard *g, const struct tracked *t, struct report *r)
{
	const struct entity *e = t->tgid ? history_find_process(&g->m.history, t->tgid) : NULL;
	uint64_t id = e ? e->key.group.cgroup_id : t->start_time;

	for (size_t i = 0; i < r->nr_containers; i++) {
		struct report_container c = r->containers[i];

		if (c.key.cgroup_id != id || (e && !group_key_same(&c.key, &e->key.group)))
			continue;
		memmove(r->containers + 1, r->containers, i * sizeof(c));
		r->containers[0] = c;
		return;
	}
}

/* From the first action less the incident window, as far as the history goes. */
static uint64_t covered_ms(const struct guard *g, const struct report_action *a, size_t n)
{
	uint64_t held = g->m.now_ms - g->m.start_ms;
	uint64_t from = n ? a[0].t_ms : held, window = g->cfg.incident_window_s * 1000ull;
	uint64_t want = held - from + window;

	return want < held ? want : held;
}

/* "incident-20261203T102953.123Z-pid42-kill": time first, so names sort by age. */
static void incident_stem(const struct tracked *t, char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;
	char ts[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
	if (t->tgid)
		snprintf(buf, len, "incident-%s.%03ldZ-pid%u-%s", ts, now.tv_nsec / 1000000,
			 t->tgid, action_name(t->result_of));
	else
		snprintf(buf, len, "incident-%s.%03ldZ-cgroup%llu-%s", ts, now.tv_nsec / 1000000,
			 (unsigned long long)t->start_time, action_name(t->result_of));
}

/* One file of the incident: HTML or JSON. 0 or -errno, nothing left on error. */
static int write_one(struct guard *g, const char *name, const struct report *r,
		     const struct labels *l, const char *title, bool html)
{
	FILE *f;
	int err = incident_file_create(&g->incidents, name, &f);

	if (err)
		return err;
	err = html ? report_view_html(f, r, l, title) : report_view_json(f, r, l);
	if (fclose(f) && !err)
		err = -EIO;
	if (err)
		incident_file_remove(&g->incidents, name);
	return err;
}

int guard_write_incident(struct guard *g, const struct tracked *t, const char *outcome, char *path,
			 size_t path_len)
{
	struct report_action actions[INCIDENT_ACTIONS];
	char stem[128], name[160], title[96];
	struct report r;
	struct labels l;
	size_t n;
	int err;

	if (!g->incidents.open)
		return -ENOENT;
	n = collect_actions(g, t, outcome, actions);
	err = guard_build_report(g, covered_ms(g, actions, n), &r);
	if (err)
		goto out;
	r.actions = actions;
	r.nr_actions = n;
	target_first(g, t, &r);
	err = labels_build_report(&l, &r, g->resolver);
	if (err) {
		report_free(&r);
		goto out;
	}
	incident_stem(t, stem, sizeof(stem));
	if (t->tgid)
		snprintf(title, sizeof(title), "incident: %s of pid %u", action_name(t->result_of),
			 t->tgid);
	else
		snprintf(title, sizeof(title), "incident: %s of cgroup %llu",
			 action_name(t->result_of), (unsigned long long)t->start_time);
	snprintf(name, sizeof(name), "%s.json", stem);
	err = write_one(g, name, &r, &l, title, false);
	snprintf(name, sizeof(name), "%s.html", stem);
	if (!err && (err = write_one(g, name, &r, &l, title, true))) {
		snprintf(name, sizeof(name), "%s.json", stem);
		incident_file_remove(&g->incidents, name);
	}
	labels_free(&l);
	report_free(&r);
	if (!err) {
		snprintf(path, path_len, "%s/%s.html", g->incidents.path, stem);
		err = incident_dir_trim(&g->incidents, g->cfg.incidents_keep);
		if (err < 0)
			pr_warn("incidents: cannot trim %s: %s\n", g->incidents.path,
				strerror(-err));
		return 0;
	}
out:
	g->incident_errors++;
	pr_warn("incidents: cannot write the report of %s %llu to %s: %s\n",
		t->tgid ? "pid" : "cgroup", (unsigned long long)(t->tgid ? t->tgid : t->start_time),
		g->incidents.path, strerror(-err));
	return err;
}
