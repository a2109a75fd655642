/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The detail of one row of top, in words: its sockets by state and the
 * ages of its oldest and newest, the remote it connects to most, the pools
 * it holds ports in with their forecasts, its failures, and the
 * classifier's evidence: slope, how long it grew, whether it released, and
 * what is still missing before it is named. Pure: built from the frame's
 * input, as text already escaped, for the screen's pane and batch frames
 * alike.
 */
#ifndef PW_TOP_DETAIL_H
#define PW_TOP_DETAIL_H

#include <stddef.h>
#include "core/top_model.h"

#define TOP_DETAIL_LINES 16 /* the most a row can have: identity, sockets, ages, budget (3), remote, pools, failures, missing, evidence, daemon */
#define TOP_DETAIL_LEN	 256
#define TOP_DETAIL_HELD	 120 /* samples charted: 2 minutes at 1 s */

struct top_detail {
	char lines[TOP_DETAIL_LINES][TOP_DETAIL_LEN];
	size_t nr;
	/* its ports held (TIME_WAIT excluded) at its latest samples, oldest
	 * first, for the view's chart; fewer than 2: no chart */
	float held[TOP_DETAIL_HELD];
	uint32_t nr_held;
	uint32_t held_peak; /* the most of them */
	uint32_t held_s;    /* from the first of them to the last */
};

/* The detail of line @l of @m, built from @in (the input @m was built from). */
void top_detail_build(const struct top_input *in, const struct top_model *m,
		      const struct top_line *l, struct top_detail *out);

#endif /* PW_TOP_DETAIL_H */
