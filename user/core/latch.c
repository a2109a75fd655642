// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The latch on a class named early: kept until the leaker gives back half.
#include "core/latch.h"

uint32_t entity_ports_held(const struct history *h, const struct entity *e)
{
	return e->nr ? state_ports_held(&history_latest(h, e)->held) : 0;
}

void entity_latch(struct entity *e, enum leak_class class, uint32_t held)
{
	if (e->urgent_latched)
		return;
	e->urgent_latched = class;
	e->urgent_held = held;
}

void entity_latch_update(const struct history *h, struct entity *e)
{
	if (e->urgent_latched && entity_ports_held(h, e) < e->urgent_held / 2)
		e->urgent_latched = LEAK_NONE; /* it gave back what it took */
}
