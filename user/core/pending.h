/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The class a growing entity is heading to before the classifier settles
 * it: its window may not be full yet, or its hysteresis not passed, while a
 * pool drains. Judged by the classifier itself with its own criteria, over
 * the samples there are and without hysteresis, so "leak? 12s" on top's
 * screen is what the classifier names once the window and the breaches are
 * in. Pure: series in, state out.
 */
#ifndef PW_PENDING_H
#define PW_PENDING_H

#include <stdbool.h>
#include <stdint.h>
#include "core/classify.h"

/* Samples needed before anything is said (classify_fit's shortest window):
 * fewer say nothing about a trend. */
#define PENDING_MIN_SAMPLES 4

struct pending {
	enum leak_class heading; /* LEAK_NONE: nothing pending */
	uint32_t evidence_s;	 /* how long its held ports have grown without a drop */
};

/*
 * @s (oldest first) of an entity whose verdict is @v, judged with @p:
 * pending when no class is in force and the samples so far, on their own,
 * show an actionable one. Returns whether it is pending.
 */
bool pending_class(const struct series *s, const struct verdict *v, const struct classify_params *p,
		   struct pending *out);

#endif /* PW_PENDING_H */
