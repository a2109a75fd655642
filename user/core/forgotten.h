/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Entities the history forgot while the activity counters still show their
 * failures. The counters outlive the processes (until the map's LRU evicts
 * them), and a process known only from its failures is sampled when they
 * move; once forgotten, it looked new again at the next step, so every dead
 * victim came back, a history entry and a sample ring each, for as long as
 * the map held its entry. Remembered here: a hash of (entity key, failures
 * when forgotten), kept while each step still meets it. Pure.
 */
#ifndef PW_FORGOTTEN_H
#define PW_FORGOTTEN_H

#include <stdbool.h>
#include <stdint.h>
#include "core/history.h"
#include "core/idmap.h"

struct forgotten {
	struct keyset now;  /* what this step looks up */
	struct keyset next; /* what the next step will: met or newly forgotten */
};

/* @k is forgotten with @failures (cumulative) on its counters. */
void forgotten_note(struct forgotten *f, const struct entity_key *k, uint64_t failures);
/* Is @k, with @failures now, one forgotten with exactly those (so nothing
 * new happened to it)? Met: kept for the next step. */
bool forgotten_still(struct forgotten *f, const struct entity_key *k, uint64_t failures);
/* End of a step: what was not met is dropped (the map no longer holds it,
 * or the entity is back in the history). */
void forgotten_turn(struct forgotten *f);
void forgotten_free(struct forgotten *f);

#endif /* PW_FORGOTTEN_H */
