// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the pending class (core/pending.c): a process growing 30
// ports/s is "leak?" after a few seconds, long before the classifier's
// window and hysteresis name it; flat, released, too short or already
// classed series are not pending; the evidence counts from the last drop.
#include <string.h>
#include "core/pending.h"
#include "unit.h"

#define MAX_SAMPLES 64

static struct sample samples[MAX_SAMPLES];

/* @nr samples a second apart, held ESTABLISHED ports from @held[]. */
static struct series series_of(const uint32_t *held, size_t nr)
{
	memset(samples, 0, sizeof(samples));
	for (size_t i = 0; i < nr; i++) {
		samples[i].t_ms = 1000 * (i + 1);
		samples[i].held.n[PS_ESTABLISHED] = held[i];
		samples[i].held.total = held[i];
		samples[i].opens = held[i];
	}
	return (struct series){samples, nr};
}

/* 30 ports a second from @start for @nr samples. */
static struct series growing(uint32_t start, size_t nr)
{
	uint32_t held[MAX_SAMPLES];

	for (size_t i = 0; i < nr; i++)
		held[i] = start + 30 * (uint32_t)i;
	return series_of(held, nr);
}

UNIT_TEST(growing_is_pending_before_the_window_fills)
{
	struct series s = growing(100, 11); /* 10 s: a third of the 30 s window */
	struct verdict v = {0}, classified;
	struct pending p;

	/* the classifier itself names nothing yet */
	classify(&s, &classify_defaults, NULL, &classified);
	ASSERT_EQ_INT(classified.class, LEAK_NONE);
	ASSERT_TRUE(pending_class(&s, &v, &classify_defaults, &p));
	ASSERT_EQ_INT(p.heading, LEAK_GROWTH);
	ASSERT_EQ_INT(p.evidence_s, 10);
}

UNIT_TEST(too_few_samples_say_nothing)
{
	struct series s = growing(100, PENDING_MIN_SAMPLES - 1);
	struct verdict v = {0};
	struct pending p = {.heading = LEAK_UDP};

	ASSERT_TRUE(!pending_class(&s, &v, &classify_defaults, &p));
	ASSERT_EQ_INT(p.heading, LEAK_NONE);
}

UNIT_TEST(flat_is_not_pending)
{
	static const uint32_t held[] = {500, 500, 501, 500, 500, 501, 500, 500, 500, 500};
	struct series s = series_of(held, sizeof(held) / sizeof(held[0]));
	struct verdict v = {0};
	struct pending p;

	ASSERT_TRUE(!pending_class(&s, &v, &classify_defaults, &p));
}

/* Grew, then gave most of it back: a pool, not a leak. */
UNIT_TEST(released_is_not_pending)
{
	static const uint32_t held[] = {100, 130, 160, 190, 220, 250, 280, 120, 110, 100};
	struct series s = series_of(held, sizeof(held) / sizeof(held[0]));
	struct verdict v = {0};
	struct pending p;

	ASSERT_TRUE(!pending_class(&s, &v, &classify_defaults, &p));
}

UNIT_TEST(a_class_in_force_is_not_pending)
{
	struct series s = growing(100, 11);
	struct verdict v = {.class = LEAK_GROWTH};
	struct pending p;

	ASSERT_TRUE(!pending_class(&s, &v, &classify_defaults, &p));
}

/* The seconds of evidence start at the last drop, not at the first sample. */
UNIT_TEST(evidence_counts_from_the_last_drop)
{
	static const uint32_t held[] = {100, 120, 110, 140, 170, 200, 230, 260, 290, 320, 350};
	struct series s = series_of(held, sizeof(held) / sizeof(held[0]));
	struct verdict v = {0};
	struct pending p;

	ASSERT_TRUE(pending_class(&s, &v, &classify_defaults, &p));
	ASSERT_EQ_INT(p.evidence_s, 8);
}

int main(void)
{
	RUN(growing_is_pending_before_the_window_fills);
	RUN(too_few_samples_say_nothing);
	RUN(flat_is_not_pending);
	RUN(released_is_not_pending);
	RUN(a_class_in_force_is_not_pending);
	RUN(evidence_counts_from_the_last_drop);
	return UNIT_MAIN_END();
}
