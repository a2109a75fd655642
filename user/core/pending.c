// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The class a growing entity is heading to, before the classifier names it.
#include <string.h>
#include "core/pending.h"

/* From the latest sample back to where its held ports last dropped. */
static uint32_t growth_seconds(const struct series *s)
{
	size_t first = s->nr - 1;

	while (first > 0 && state_ports_held(&s->samples[first - 1].held) <=
				    state_ports_held(&s->samples[first].held))
		first--;
	return (uint32_t)((s->samples[s->nr - 1].t_ms - s->samples[first].t_ms) / 1000);
}

bool pending_class(const struct series *s, const struct verdict *v, const struct classify_params *p,
		   struct pending *out)
{
	struct classify_params fit = *p;
	struct verdict now;
	uint64_t span_ms;

	memset(out, 0, sizeof(*out));
	if (v->class != LEAK_NONE || s->nr < PENDING_MIN_SAMPLES)
		return false;
	/* the classifier's criteria over the samples there are (its window, or
	 * all of them while it is not full), without the hysteresis */
	span_ms = s->samples[s->nr - 1].t_ms - s->samples[0].t_ms;
	if (span_ms < fit.window_ms)
		fit.window_ms = (uint32_t)span_ms;
	fit.breaches_to_enter = 1;
	classify(s, &fit, NULL, &now);
	/* only growth is pending: churn and listeners are advice, and flat */
	if (!class_actionable(now.class) || now.class == LEAK_HOG)
		return false;
	out->heading = now.class;
	out->evidence_s = growth_seconds(s);
	return true;
}
