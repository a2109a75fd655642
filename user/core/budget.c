// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Port budgets: which cgroup gets which, and when a count is corrected.
#include <string.h>
#include "core/budget.h"

struct budget budget_for(const struct daemon_config *c, const char *path)
{
	const struct policy_params *p;

	if (!path || !path[0] || !strcmp(path, "/"))
		return (struct budget){0};
	p = config_policy_for(c, path);
	return (struct budget){.max = p->ports_max, .count_only = p->ports_max && !p->enforce};
}

bool budget_reached(int64_t held, uint32_t max)
{
	return max && held >= (int64_t)max;
}

bool budget_needs_correction(const struct budget_sample *prev, const struct budget_sample *now)
{
	bool still = prev->before.changes == prev->after.changes &&
		     prev->after.changes == now->before.changes &&
		     now->before.changes == now->after.changes &&
		     prev->before.held == now->after.held;

	return still && prev->snap == now->snap && now->after.held != (int64_t)now->snap;
}
