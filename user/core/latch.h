/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The latch on an entity's class: a class named early (a fast leak, one named
 * under pressure or with its cgroup) stays, because a quarantine stops the
 * growth, and with it the verdict, while a leaker still holding what it took
 * is still the leaker. The latch drops once it gave back half of those ports.
 */
#ifndef PW_LATCH_H
#define PW_LATCH_H

#include <stdint.h>
#include "core/classify.h"
#include "core/history.h"

/* Latch @class on @e, holding @held ports; a latched entity keeps its first. */
void entity_latch(struct entity *e, enum leak_class class, uint32_t held);

/* Drop @e's latch once it holds less than half the ports it was latched with. */
void entity_latch_update(const struct history *h, struct entity *e);

/* Ports @e took at its latest sample: TIME_WAIT and passive sockets excluded. */
uint32_t entity_ports_held(const struct history *h, const struct entity *e);

#endif /* PW_LATCH_H */
