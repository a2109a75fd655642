// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Port budgets: which cgroup gets which, and when a count is corrected.
#include <string.h>
#include "core/budget.h"

uint32_t budget_for(const struct daemon_config *c, const char *path)
{
	if (!path || !path[0] || !strcmp(path, "/"))
		return 0;
	return config_policy_for(c, path)->ports_max;
}

bool budget_reached(int64_t held, uint32_t max)
{
	return max && held >= (int64_t)max;
}

bool budget_needs_correction(const struct budget_sample *prev, const struct budget_sample *now)
{
	return now->before == now->after && prev->before == prev->after &&
	       prev->after == now->after && prev->snap == now->snap &&
	       now->after != (int64_t)now->snap;
}
