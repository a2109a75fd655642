// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// A growing total said when it starts, then at most once a period.
#include "core/said_every.h"

uint64_t said_every_due(struct said_every *s, uint64_t total, uint64_t now_ms, uint64_t period_ms)
{
	uint64_t grown;

	if (total < s->said)
		s->said = total;
	if (total == s->said)
		return 0;
	if (s->ever && now_ms - s->at_ms < period_ms)
		return 0;
	grown = total - s->said;
	s->said = total;
	s->at_ms = now_ms;
	s->ever = true;
	return grown;
}
