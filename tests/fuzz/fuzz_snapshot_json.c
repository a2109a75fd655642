// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the reading back of run's documents (core/snapshot_json.c): any
// bytes as /snapshot and /suspects. A document is read or refused, never
// half; what is read holds only what a snapshot may (at most SNAP_POOL_TOP
// holders a pool), and renders again as valid JSON through the snapshot view.
#include "core/labels.h"
#include "core/snapshot_json.h"
#include "fuzz.h"
#include "views/snapshot_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot snap;
	struct daemon_state d;
	static struct group_label no_labels[1]; /* every cgroup "?": the view's own */
	struct labels labels = {no_labels, 0};
	struct fuzz_out o;
	char err[128], *text;
	int rc;

	rc = snapshot_from_json((const char *)data, size, &snap, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || (rc < 0 && err[0] && !snap.groups && !snap.nr_processes), data,
		    size);
	if (!rc) {
		for (size_t i = 0; i < snap.nr_pools; i++)
			FUZZ_ASSERT(snap.pools[i].nr_top <= SNAP_POOL_TOP, data, size);
		FUZZ_ASSERT(snapshot_view_json(fuzz_out_begin(&o), &snap, &labels) == 0, data,
			    size);
		text = fuzz_out_end(&o);
		fuzz_check_json(text, o.len, 0);
		free(text);
		snapshot_free(&snap);
	}
	rc = suspects_from_json((const char *)data, size, &d, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || (rc < 0 && !d.items && !d.nr && !d.budgets && !d.nr_budgets &&
				!d.lifeline_refusals && !d.nr_lifeline_refusals),
		    data, size);
	FUZZ_ASSERT(rc || d.budgets_served || (!d.nr_budgets && !d.nr_lifeline_refusals), data,
		    size);
	for (size_t i = 0; !rc && i < d.nr; i++)
		FUZZ_ASSERT(memchr(d.items[i].last_action, 0, sizeof(d.items[i].last_action)), data,
			    size);
	daemon_state_free(&d);
	return 0;
}
