/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * A growing total said in the log when it starts to grow, then at most once
 * a period, with what it grew by since: for conditions that can last for
 * good (the activity map full on a host whose short-lived processes connect
 * makes evictions at every step) and would otherwise fill the journal with
 * one line a step. Pure.
 */
#ifndef PW_SAID_EVERY_H
#define PW_SAID_EVERY_H

#include <stdbool.h>
#include <stdint.h>

struct said_every {
	uint64_t said;	/* the total when last said */
	uint64_t at_ms; /* when */
	bool ever;	/* said at all */
};

/* @total at @now_ms: how much it grew since it was last said, if that is to
 * be said now (the first growth, or @period_ms after the last saying), else
 * 0. A total that fell (a counter reset) counts from there. */
uint64_t said_every_due(struct said_every *s, uint64_t total, uint64_t now_ms, uint64_t period_ms);

#endif /* PW_SAID_EVERY_H */
