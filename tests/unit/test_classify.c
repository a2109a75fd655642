// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for classify(): synthetic 1 s series of leaks, pools, churn and steps.
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "core/classify.h"
#include "unit.h"

#define MAX_SAMPLES 600
#define P	    (&classify_defaults)
#define ENTER	    ((long)classify_defaults.breaches_to_enter)
#define LEAVE	    ((long)classify_defaults.clears_to_leave)
/* Index (= second) of the first judged window when samples start at t = 0. */
#define FIRST_JUDGED ((long)(classify_defaults.window_ms / 1000))

#define BIT(c) (1u << (c))
#define LEAKS \
	(BIT(LEAK_GROWTH) | BIT(LEAK_BIND_BEFORE_CONNECT) | BIT(LEAK_UDP) | BIT(LEAK_CLOSE_WAIT))

/* Fills the shape's counts at second @t; build() sets t_ms and held.total. */
typedef void (*shape_fn)(unsigned int t, struct sample *s);

static struct sample samples[MAX_SAMPLES];
static struct verdict verdicts[MAX_SAMPLES];

/* Deterministic noise in [-amp, amp]. */
static int noise(unsigned int t, int amp)
{
	uint32_t h = (t + 1) * 2654435761u;

	h ^= h >> 15;
	return (int)(h % (uint32_t)(2 * amp + 1)) - amp;
}

static void finish(struct sample *s, uint64_t t_ms)
{
	s->t_ms = t_ms;
	s->held.total = 0;
	for (int i = 0; i < PS_COUNT; i++)
		s->held.total += s->held.n[i];
}

static void build(size_t nr, shape_fn shape)
{
	memset(samples, 0, sizeof(samples));
	for (unsigned int t = 0; t < nr; t++) {
		shape(t, &samples[t]);
		finish(&samples[t], (uint64_t)t * 1000);
	}
}

/* classify() once per new sample over the growing series, as the monitor does. */
static void run(size_t nr, const struct classify_params *p)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	memset(verdicts, 0, sizeof(verdicts));
	for (size_t i = 0; i < nr; i++) {
		struct series s = {.samples = samples, .nr = i + 1};

		classify(&s, p, &v, &v); /* aliased, as the monitor calls it */
		verdicts[i] = v;
	}
}

static long first_class(size_t nr, enum leak_class c)
{
	for (size_t i = 0; i < nr; i++)
		if (verdicts[i].class == c)
			return (long)i;
	return -1;
}

static long first_breach(size_t nr, enum leak_class c)
{
	for (size_t i = 0; i < nr; i++)
		if (verdicts[i].breaching == c)
			return (long)i;
	return -1;
}

/* The longest run of consecutive windows breaching with a class in @classes. */
static long longest_breach(size_t nr, unsigned int classes)
{
	long best = 0;

	for (size_t i = 0; i < nr; i++)
		if ((classes & BIT(verdicts[i].breaching)) && (long)verdicts[i].streak > best)
			best = verdicts[i].streak;
	return best;
}

static int near(double a, double b, double tolerance)
{
	return a - b <= tolerance && b - a <= tolerance;
}

/* Shapes, one sample per second. */

static void steady_pool(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 500 + noise(t, 2);
	s->opens = s->closes = 2000 + 3 * t;
}

static void churn(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 20 + noise(t, 2);
	s->held.n[PS_TIME_WAIT] = 12000 + noise(t + 7, 50);
	s->opens = 200ull * t;
	s->closes = t > 0 ? 200ull * t - 20 : 0;
}

/* Churn seen only through the TIME_WAIT pile: the counters are not there. */
static void time_wait_pile(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 20 + noise(t, 2);
	s->held.n[PS_TIME_WAIT] = 6000 + noise(t, 30);
}

/* A TIME_WAIT pile big enough for churn, but smaller than a big flat pool: no churn. */
static void time_wait_below_held(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 5000 + noise(t, 2);
	s->held.n[PS_TIME_WAIT] = 4000 + noise(t, 30);
}

/* TIME_WAIT filling up at 100 closes/s while held stays flat. */
static void time_wait_growth(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 20;
	s->held.n[PS_TIME_WAIT] = t < 60 ? 100 * t : 6000;
	s->opens = s->closes = 100ull * t;
}

static void linear_leak(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + 50 * t + noise(t, 2);
	s->held.n[PS_TIME_WAIT] = 300; /* not held: must not count */
	s->opens = 50ull * t;
}

static void step(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = t < 30 ? 100 : 600;
}

static void slow_leak(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + t / 2; /* +1 port every 2 s */
}

static void slowest_leak(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + t / 3; /* +1 port every 3 s */
}

static void below_floor(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + t / 4; /* +1 port every 4 s: 7-8 per window */
}

/* A pool recycling every 10 s: 0 -> 300, then all released. */
static void sawtooth(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = (t % 10) * 300 / 9;
	s->opens = s->closes = 30ull * t;
}

/* Flat, +1000 within 5 s, held 10 s, back to flat. */
static void burst_release(unsigned int t, struct sample *s)
{
	uint32_t extra = 0;

	if (t >= 40 && t < 45)
		extra = (t - 39) * 200;
	else if (t >= 45 && t < 55)
		extra = 1000;
	s->held.n[PS_ESTABLISHED] = 100 + extra + noise(t, 2);
}

static void close_wait_pile(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + noise(t, 2);
	s->held.n[PS_CLOSE_WAIT] = 5 * t;
}

/* A CLOSE_WAIT pile growing at 0.5/s: below close_wait_min until t = 64. */
static void close_wait_slow(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100;
	s->held.n[PS_CLOSE_WAIT] = t / 2;
}

static void udp_growth(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 50 + noise(t, 2);
	s->held.n[PS_UDP] = 10 + 20 * t;
	s->opens = 20ull * t;
}

static void bind_before_connect(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + 20 * t;
	s->held.bind_before_connect = 20 * t;
}

/* bind(0) sockets never connected: same fix as bind-before-connect. */
static void bound_idle(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + noise(t, 2);
	s->held.n[PS_BOUND] = 20 * t;
}

/* Bind-taken sockets are a quarter of the growth: a plain leak. */
static void some_bind_before_connect(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + 20 * t;
	s->held.bind_before_connect = 5 * t;
}

/* Busy opens, flat held, but closes do not keep pace and no TIME_WAIT pile. */
static void opens_without_closes(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 20 + noise(t, 2);
	s->opens = 200ull * t;
	s->closes = 100ull * t;
}

static void listener(unsigned int t, struct sample *s)
{
	s->held.n[PS_LISTEN] = 1;
	s->held.n[PS_ESTABLISHED] = 100 + noise(t, 2);
	s->listeners_in_range = 1;
}

struct shape_case {
	const char *name;
	shape_fn shape;
	size_t nr;
	enum leak_class final; /* the class in force at the last verdict */
	unsigned int allowed;  /* classes allowed in force at any verdict */
	long breach;	       /* index of the first window breaching with @final; -1: any */
};

static const struct shape_case shape_cases[] = {
	{"steady pool of 500, noise +-2", steady_pool, 300, LEAK_NONE, BIT(LEAK_NONE), -1},
	{"churn 200/s, TIME_WAIT 12000, held 20", churn, 300, LEAK_TIME_WAIT_CHURN,
	 BIT(LEAK_NONE) | BIT(LEAK_TIME_WAIT_CHURN), 30},
	{"TIME_WAIT pile, no counters", time_wait_pile, 120, LEAK_TIME_WAIT_CHURN,
	 BIT(LEAK_NONE) | BIT(LEAK_TIME_WAIT_CHURN), 30},
	{"TIME_WAIT pile smaller than held, no counters", time_wait_below_held, 120, LEAK_NONE,
	 BIT(LEAK_NONE), -1},
	{"TIME_WAIT growth is not held growth", time_wait_growth, 150, LEAK_TIME_WAIT_CHURN,
	 BIT(LEAK_NONE) | BIT(LEAK_TIME_WAIT_CHURN), -1},
	{"linear leak +50/s", linear_leak, 120, LEAK_GROWTH, BIT(LEAK_NONE) | BIT(LEAK_GROWTH), 30},
	{"step 100 -> 600 at t=30", step, 200, LEAK_NONE, BIT(LEAK_NONE), -1},
	{"slow leak 0.5/s for 5 min", slow_leak, 300, LEAK_GROWTH,
	 BIT(LEAK_NONE) | BIT(LEAK_GROWTH), 30},
	{"slowest leak caught, 1 port per 3 s", slowest_leak, 300, LEAK_GROWTH,
	 BIT(LEAK_NONE) | BIT(LEAK_GROWTH), 30},
	{"1 port per 4 s is under the floor", below_floor, 300, LEAK_NONE, BIT(LEAK_NONE), -1},
	{"sawtooth 0 -> 300 every 10 s", sawtooth, 300, LEAK_NONE, BIT(LEAK_NONE), -1},
	{"burst +1000 in 5 s, held 10 s, released", burst_release, 200, LEAK_NONE, BIT(LEAK_NONE),
	 -1},
	{"CLOSE_WAIT pile +5/s", close_wait_pile, 120, LEAK_CLOSE_WAIT,
	 BIT(LEAK_NONE) | BIT(LEAK_CLOSE_WAIT), 30},
	/* breaches from t = 64, when the pile reaches close_wait_min, never "leak" first */
	{"CLOSE_WAIT pile counts from close_wait_min", close_wait_slow, 200, LEAK_CLOSE_WAIT,
	 BIT(LEAK_NONE) | BIT(LEAK_CLOSE_WAIT), 64},
	{"UDP sockets +20/s", udp_growth, 120, LEAK_UDP, BIT(LEAK_NONE) | BIT(LEAK_UDP), 30},
	{"bind-before-connect +20/s", bind_before_connect, 120, LEAK_BIND_BEFORE_CONNECT,
	 BIT(LEAK_NONE) | BIT(LEAK_BIND_BEFORE_CONNECT), 30},
	{"bound, never connected +20/s", bound_idle, 120, LEAK_BIND_BEFORE_CONNECT,
	 BIT(LEAK_NONE) | BIT(LEAK_BIND_BEFORE_CONNECT), 30},
	{"bind-taken quarter of the growth", some_bind_before_connect, 120, LEAK_GROWTH,
	 BIT(LEAK_NONE) | BIT(LEAK_GROWTH), 30},
	{"opens without closes is no churn", opens_without_closes, 120, LEAK_NONE, BIT(LEAK_NONE),
	 -1},
	{"listener in the ephemeral range", listener, 120, LEAK_EPHEMERAL_LISTENER,
	 BIT(LEAK_NONE) | BIT(LEAK_EPHEMERAL_LISTENER), 0},
};

static void check_shape(const struct shape_case *c)
{
	build(c->nr, c->shape);
	run(c->nr, P);
	for (size_t i = 0; i < c->nr; i++) {
		if (!(c->allowed & BIT(verdicts[i].class))) {
			unit_fail(__FILE__, __LINE__, "verdict %zu: class %s not allowed", i,
				  leak_class_name(verdicts[i].class));
			return;
		}
	}
	ASSERT_EQ_STR(leak_class_name(verdicts[c->nr - 1].class), leak_class_name(c->final));
	if (c->breach >= 0) {
		/* in force exactly breaches_to_enter verdicts after the first breach */
		ASSERT_EQ_INT(first_breach(c->nr, c->final), c->breach);
		ASSERT_EQ_INT(first_class(c->nr, c->final), c->breach + ENTER - 1);
	}
	if (!(c->allowed & LEAKS))
		ASSERT_TRUE(longest_breach(c->nr, LEAKS) < ENTER);
}

UNIT_TEST(test_shapes)
{
	for (size_t i = 0; i < sizeof(shape_cases) / sizeof(shape_cases[0]); i++) {
		UNIT_ROW(shape_cases[i].name);
		check_shape(&shape_cases[i]);
	}
}

/* The first judged window breaches; the class follows exactly breaches_to_enter verdicts in. */
UNIT_TEST(test_linear_leak_enters_after_breaches_to_enter)
{
	size_t nr = 120;

	build(nr, linear_leak);
	run(nr, P);
	ASSERT_EQ_INT(first_breach(nr, LEAK_GROWTH), FIRST_JUDGED);
	ASSERT_EQ_INT(FIRST_JUDGED, 30);
	for (long i = FIRST_JUDGED; i < FIRST_JUDGED + ENTER - 1; i++) {
		ASSERT_EQ_INT(verdicts[i].breaching, LEAK_GROWTH);
		ASSERT_EQ_INT(verdicts[i].class, LEAK_NONE);
	}
	ASSERT_EQ_INT(first_class(nr, LEAK_GROWTH), 44);
	ASSERT_EQ_INT(verdicts[44].streak, ENTER);
	/* evidence: TIME_WAIT excluded, slope and rates per second */
	ASSERT_TRUE(near(verdicts[44].growth_per_s, 50, 0.5));
	ASSERT_TRUE(near(verdicts[44].opens_per_s, 50, 1e-9));
	ASSERT_EQ_INT(verdicts[44].time_wait_now, 300);
	ASSERT_EQ_INT(verdicts[44].held_now, 100 + 50 * 44 + noise(44, 2));
	ASSERT_TRUE(verdicts[44].held_peak >= verdicts[44].held_now);
	ASSERT_TRUE(!verdicts[44].victim);
}

/* Flat at 100 for 60 s, then +500 spread evenly over @r seconds, then flat. */
static void build_ramp(size_t nr, unsigned int r)
{
	memset(samples, 0, sizeof(samples));
	for (unsigned int t = 0; t < nr; t++) {
		unsigned int in = t < 60 ? 0 : (t - 60 < r ? t - 60 + 1 : r);

		samples[t].held.n[PS_ESTABLISHED] = 100 + 500 * in / r;
		finish(&samples[t], (uint64_t)t * 1000);
	}
}

struct ramp_case {
	unsigned int seconds;
	long longest; /* longest run of breaching windows */
	bool leak;    /* called a leak at some verdict */
};

/*
 * Steps and ramps. A clean jump never breaches (it lands in one half of the
 * window). A jump spread over r seconds breaches while it straddles the
 * middle of the window: fewer than breaches_to_enter windows in a row for
 * every r below the 30 s window, so hysteresis keeps it from being called a
 * leak. Growth sustained for a full window or longer is a leak.
 */
static const struct ramp_case ramp_cases[] = {
	{1, 0, false},	 {2, 1, false},	  {3, 1, false},  {5, 2, false},
	{8, 3, false},	 {10, 3, false},  {15, 5, false}, {20, 7, false},
	{25, 10, false}, {29, 14, false}, {30, 15, true}, {40, 25, true},
};

UNIT_TEST(test_ramps)
{
	size_t nr = 200;

	for (size_t k = 0; k < sizeof(ramp_cases) / sizeof(ramp_cases[0]); k++) {
		const struct ramp_case *c = &ramp_cases[k];
		char row[64];

		snprintf(row, sizeof(row), "ramp of %u s", c->seconds);
		UNIT_ROW(row);
		build_ramp(nr, c->seconds);
		run(nr, P);
		ASSERT_EQ_INT(longest_breach(nr, LEAKS), c->longest);
		ASSERT_EQ_INT(c->longest < ENTER, !c->leak);
		ASSERT_EQ_INT(first_class(nr, LEAK_GROWTH) >= 0, c->leak);
		ASSERT_EQ_INT(verdicts[nr - 1].class, LEAK_NONE); /* cleared by the end */
		for (size_t i = 0; i < nr; i++)
			ASSERT_TRUE(verdicts[i].class == LEAK_NONE ||
				    verdicts[i].class == LEAK_GROWTH);
	}
}

/* A leak that stops: breaching clears soon, the class clears_to_leave clear verdicts later. */
UNIT_TEST(test_leak_that_stops_clears_after_clears_to_leave)
{
	size_t nr = 300, stop = 90;
	long clear;

	memset(samples, 0, sizeof(samples));
	for (unsigned int t = 0; t < nr; t++) {
		samples[t].held.n[PS_ESTABLISHED] = 100 + 50 * (t < stop ? t : stop);
		finish(&samples[t], (uint64_t)t * 1000);
	}
	run(nr, P);
	ASSERT_EQ_INT(verdicts[stop].class, LEAK_GROWTH);
	clear = -1;
	for (size_t i = stop; i < nr && clear < 0; i++)
		if (verdicts[i].breaching == LEAK_NONE)
			clear = (long)i;
	/* the late half of the window must hold a third of the rise: 8 s after the stop */
	ASSERT_EQ_INT(clear, (long)stop + 8);
	for (long i = clear; i < clear + LEAVE - 1; i++) {
		ASSERT_EQ_INT(verdicts[i].breaching, LEAK_NONE);
		ASSERT_EQ_INT(verdicts[i].class, LEAK_GROWTH);
	}
	ASSERT_EQ_INT(verdicts[clear + LEAVE - 1].class, LEAK_NONE);
	for (size_t i = (size_t)clear; i < nr; i++)
		ASSERT_EQ_INT(verdicts[i].breaching, LEAK_NONE);
}

static void leak_1_per_s(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + t; /* rises by 30 per window */
}

/* +2/s, but every fourth step goes down by 1: about 3 in 4 steps go up. */
static void leak_with_dips(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + 2 * t - (t % 4 == 3 ? 3 : 0);
}

/* +10/s, giving back 40 every 5 s: drops of 30 against a rise of 60 to 90. */
static void leak_with_partial_release(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + 10 * t - 40 * (t / 5);
}

enum knob { MIN_GROWTH_PER_S, MIN_GROWTH_PORTS, MIN_MONOTONIC, MAX_RELEASE_RATIO };

/* A shape that is a leak with @accept and no leak with @reject for one knob. */
struct threshold_case {
	const char *name;
	shape_fn shape;
	enum knob knob;
	double reject, accept;
};

static const struct threshold_case threshold_cases[] = {
	{"slope: +50/s", linear_leak, MIN_GROWTH_PER_S, 60, 40},
	{"net rise: +30 per window", leak_1_per_s, MIN_GROWTH_PORTS, 31, 30},
	{"monotonic: one step in four goes down", leak_with_dips, MIN_MONOTONIC, 0.8, 0.7},
	{"release: drops of 30 in a rise of 60-90", leak_with_partial_release, MAX_RELEASE_RATIO,
	 0.3, 0.8},
};

static struct classify_params with_knob(enum knob k, double value)
{
	struct classify_params p = classify_defaults;

	switch (k) {
	case MIN_GROWTH_PER_S:
		p.min_growth_per_s = value;
		break;
	case MIN_GROWTH_PORTS:
		p.min_growth_ports = (uint32_t)value;
		break;
	case MIN_MONOTONIC:
		p.min_monotonic = value;
		break;
	case MAX_RELEASE_RATIO:
		p.max_release_ratio = value;
		break;
	}
	return p;
}

/* Each criterion rejects a window on its own: the same shape flips with one knob. */
UNIT_TEST(test_each_criterion_decides)
{
	size_t nr = 120;

	for (size_t i = 0; i < sizeof(threshold_cases) / sizeof(threshold_cases[0]); i++) {
		const struct threshold_case *c = &threshold_cases[i];
		struct classify_params reject = with_knob(c->knob, c->reject);
		struct classify_params accept = with_knob(c->knob, c->accept);

		UNIT_ROW(c->name);
		build(nr, c->shape);
		run(nr, &accept);
		ASSERT_EQ_INT(first_breach(nr, LEAK_GROWTH), 30);
		ASSERT_EQ_INT(verdicts[nr - 1].class, LEAK_GROWTH);
		run(nr, &reject);
		ASSERT_EQ_INT(first_breach(nr, LEAK_GROWTH), -1);
		ASSERT_EQ_INT(first_class(nr, LEAK_GROWTH), -1);
	}
}

/* Churn with a pool resized by +200 at t = 60: no churn while held moves in the window. */
static void churn_with_resize(unsigned int t, struct sample *s)
{
	churn(t, s);
	if (t >= 60)
		s->held.n[PS_ESTABLISHED] += 200;
}

UNIT_TEST(test_churn_needs_flat_held)
{
	size_t nr = 150;

	build(nr, churn_with_resize);
	run(nr, P);
	ASSERT_EQ_INT(verdicts[59].breaching, LEAK_TIME_WAIT_CHURN);
	for (size_t i = 60; i < 90; i++) {
		ASSERT_TRUE(verdicts[i].growth_per_s >= classify_defaults.min_growth_per_s);
		ASSERT_EQ_INT(verdicts[i].breaching, LEAK_NONE);
	}
	ASSERT_EQ_INT(verdicts[100].breaching, LEAK_TIME_WAIT_CHURN);
	for (size_t i = 0; i < nr; i++)
		ASSERT_TRUE(!(LEAKS & BIT(verdicts[i].class)));
}

/* Builds a breaching leak window and a flat one, each a full window long. */
static void two_windows(struct sample *leak, struct sample *flat, size_t n)
{
	memset(leak, 0, n * sizeof(*leak));
	memset(flat, 0, n * sizeof(*flat));
	for (unsigned int t = 0; t < n; t++) {
		leak[t].held.n[PS_ESTABLISHED] = 100 + 50 * t;
		flat[t].held.n[PS_ESTABLISHED] = 100;
		finish(&leak[t], (uint64_t)t * 1000);
		finish(&flat[t], (uint64_t)t * 1000);
	}
}

/* Alternating breaching and clear windows never set a class; one clear window never clears it. */
UNIT_TEST(test_hysteresis_flapping_and_single_samples)
{
	static struct sample leak[40], flat[40];
	struct series sl = {leak, 40}, sf = {flat, 40};
	struct verdict v;

	two_windows(leak, flat, 40);
	memset(&v, 0, sizeof(v));
	for (int i = 0; i < 100; i++) {
		classify(i % 2 ? &sf : &sl, P, &v, &v);
		ASSERT_EQ_INT(v.class, LEAK_NONE);
		ASSERT_EQ_INT(v.streak, 1);
	}
	memset(&v, 0, sizeof(v));
	for (long i = 0; i < ENTER; i++) {
		ASSERT_EQ_INT(v.class, LEAK_NONE);
		classify(&sl, P, &v, &v);
	}
	ASSERT_EQ_INT(v.class, LEAK_GROWTH);
	classify(&sf, P, &v, &v);
	ASSERT_EQ_INT(v.breaching, LEAK_NONE);
	ASSERT_EQ_INT(v.class, LEAK_GROWTH);
	classify(&sl, P, &v, &v);
	ASSERT_EQ_INT(v.class, LEAK_GROWTH);
	ASSERT_EQ_INT(v.streak, 1);
}

/* A different breaching class replaces the one in force after breaches_to_enter in a row. */
UNIT_TEST(test_hysteresis_class_replaced)
{
	static struct sample cw[40];
	struct series s = {cw, 40};
	struct verdict prev = {.class = LEAK_GROWTH, .breaching = LEAK_GROWTH, .streak = 50};
	struct verdict v = prev, out;

	memset(cw, 0, sizeof(cw));
	for (unsigned int t = 0; t < 40; t++) {
		cw[t].held.n[PS_CLOSE_WAIT] = 40 + 5 * t;
		finish(&cw[t], 1000000000000ull + (uint64_t)t * 1000);
	}
	for (long i = 1; i < ENTER; i++) {
		classify(&s, P, &v, &out); /* not aliased */
		v = out;
		ASSERT_EQ_INT(v.breaching, LEAK_CLOSE_WAIT);
		ASSERT_EQ_INT(v.streak, i);
		ASSERT_EQ_INT(v.class, LEAK_GROWTH);
	}
	classify(&s, P, &v, &v);
	ASSERT_EQ_INT(v.class, LEAK_CLOSE_WAIT);
	ASSERT_EQ_INT(v.streak, ENTER);
}

/* Failures suffered make a victim while they are in the window; being one is not a class. */
UNIT_TEST(test_victim_flag)
{
	size_t nr = 200;

	memset(samples, 0, sizeof(samples));
	for (unsigned int t = 0; t < nr; t++) {
		unsigned int failing = t < 60 ? 0 : (t < 90 ? t - 60 : 30);

		samples[t].held.n[PS_ESTABLISHED] = 500 + noise(t, 2);
		samples[t].failures = 5ull * failing;
		finish(&samples[t], (uint64_t)t * 1000);
	}
	run(nr, P);
	for (size_t i = 0; i < nr; i++) {
		int want = i > 60 && i < 120;

		ASSERT_EQ_INT(verdicts[i].victim, want);
		ASSERT_EQ_INT(verdicts[i].class, LEAK_NONE);
	}
	ASSERT_TRUE(near(verdicts[90].failures_per_s, 5, 1e-9)); /* 150 over [60, 90] */
	ASSERT_TRUE(near(verdicts[100].failures_per_s, 100.0 / 30, 1e-9));
}

/* Missing samples, jittered and huge timestamps: slopes and rates use real time. */
UNIT_TEST(test_timestamp_gaps)
{
	size_t nr = 0;

	memset(samples, 0, sizeof(samples));
	for (unsigned int t = 0; t < 120; t++) {
		if (t >= 50 && t < 60)
			continue; /* the collector stalled for 10 s */
		samples[nr].held.n[PS_ESTABLISHED] = 100 + 50 * t;
		samples[nr].opens = 50ull * t;
		finish(&samples[nr], 5000000000000ull + (uint64_t)t * 1000 + (t * 37) % 200);
		nr++;
	}
	run(nr, P);
	/* index 55 is t = 65: its window spans the gap */
	ASSERT_TRUE(near(verdicts[55].growth_per_s, 50, 1.0));
	ASSERT_TRUE(near(verdicts[55].opens_per_s, 50, 1.0));
	ASSERT_EQ_INT(verdicts[nr - 1].class, LEAK_GROWTH);
	ASSERT_TRUE(longest_breach(nr, LEAKS) >= ENTER);

	/* a gap longer than the window: judged again once samples span 3/4 of a window */
	memset(samples, 0, sizeof(samples));
	for (unsigned int i = 0; i < 80; i++) {
		unsigned int t = i < 40 ? i : 200 + i;

		samples[i].held.n[PS_ESTABLISHED] = 100 + 50 * t;
		finish(&samples[i], (uint64_t)t * 1000);
	}
	run(80, P);
	ASSERT_EQ_INT(verdicts[40].breaching, LEAK_NONE); /* alone in its window */
	ASSERT_EQ_INT(verdicts[40].held_now, 100 + 50 * 240);
	ASSERT_TRUE(near(verdicts[40].growth_per_s, 0, 1e-9));
	ASSERT_EQ_INT(verdicts[62].breaching, LEAK_NONE);   /* t = 262: spans 22 s */
	ASSERT_EQ_INT(verdicts[63].breaching, LEAK_GROWTH); /* t = 263: spans 23 s */
}

/* Samples 15 s apart leave 3 in a 30 s window: too few to judge, whatever they show. */
UNIT_TEST(test_sparse_samples_not_judged)
{
	memset(samples, 0, sizeof(samples));
	for (unsigned int i = 0; i < 40; i++) {
		samples[i].held.n[PS_ESTABLISHED] = 100 + 750 * i;
		finish(&samples[i], (uint64_t)i * 15000);
	}
	run(40, P);
	ASSERT_EQ_INT(first_breach(40, LEAK_GROWTH), -1);
	ASSERT_TRUE(near(verdicts[39].growth_per_s, 50, 1e-9));
}

/* Judges one hand-made window of 31 samples, 1 s apart, from a zeroed verdict. */
static enum leak_class judge(const int *held, const struct classify_params *p)
{
	static struct sample w[31];
	struct series s = {w, 31};
	struct verdict v;

	memset(w, 0, sizeof(w));
	for (unsigned int t = 0; t < 31; t++) {
		w[t].held.n[PS_ESTABLISHED] = (uint32_t)held[t];
		finish(&w[t], (uint64_t)t * 1000);
	}
	memset(&v, 0, sizeof(v));
	classify(&s, p, &v, &v);
	return v.breaching;
}

/* The rise is counted from the window's low, and a release from any earlier high. */
UNIT_TEST(test_rise_and_release_definitions)
{
	struct classify_params p = classify_defaults;
	int held[31];

	/* a dip after the first sample: 105, 100, 101 ... 129; last - low 29, last - first 24 */
	held[0] = 105;
	for (int t = 1; t < 31; t++)
		held[t] = 100 + t - 1;
	p.min_growth_ports = 27;
	ASSERT_EQ_INT(judge(held, &p), LEAK_GROWTH);
	p.min_growth_ports = 30;
	ASSERT_EQ_INT(judge(held, &p), LEAK_NONE);

	/* a gradual release: 4 steps of -20 (80 from the high), then +10/s to 280 */
	for (int t = 0; t < 31; t++)
		held[t] = t <= 4 ? 100 - 20 * t : 20 + 10 * (t - 4);
	ASSERT_EQ_INT(judge(held, P), LEAK_NONE); /* 80 > 0.25 * 260 */
	p = classify_defaults;
	p.max_release_ratio = 0.35;
	ASSERT_EQ_INT(judge(held, &p), LEAK_GROWTH); /* 80 <= 0.35 * 260 */
}

/* Every sample at the same time: no division by zero, no trend, no class. */
UNIT_TEST(test_same_timestamps)
{
	memset(samples, 0, sizeof(samples));
	for (unsigned int t = 0; t < 50; t++) {
		samples[t].held.n[PS_ESTABLISHED] = 100 + 50 * t;
		samples[t].opens = samples[t].failures = 10ull * t;
		finish(&samples[t], 7000);
	}
	run(50, P);
	ASSERT_EQ_INT(verdicts[49].breaching, LEAK_NONE);
	ASSERT_EQ_INT(verdicts[49].class, LEAK_NONE);
	ASSERT_TRUE(near(verdicts[49].growth_per_s, 0, 1e-9));
	ASSERT_TRUE(near(verdicts[49].opens_per_s, 0, 1e-9));
	ASSERT_TRUE(!verdicts[49].victim);
}

UNIT_TEST(test_empty_and_one_sample)
{
	struct sample one;
	struct series empty = {NULL, 0}, single = {&one, 1};
	struct verdict v;

	memset(&v, 0, sizeof(v));
	classify(&empty, P, &v, &v);
	ASSERT_EQ_INT(v.class, LEAK_NONE);
	ASSERT_EQ_INT(v.breaching, LEAK_NONE);
	ASSERT_EQ_INT(v.held_now, 0);
	ASSERT_TRUE(near(v.growth_per_s, 0, 0));
	classify(NULL, P, &v, &v);
	ASSERT_EQ_INT(v.class, LEAK_NONE);

	memset(&one, 0, sizeof(one));
	one.held.n[PS_ESTABLISHED] = 700;
	one.held.n[PS_TIME_WAIT] = 40;
	one.opens = one.failures = 99;
	finish(&one, 123456);
	memset(&v, 0, sizeof(v));
	classify(&single, P, &v, &v);
	ASSERT_EQ_INT(v.class, LEAK_NONE);
	ASSERT_EQ_INT(v.breaching, LEAK_NONE);
	ASSERT_EQ_INT(v.streak, 1);
	ASSERT_EQ_INT(v.held_now, 700);
	ASSERT_EQ_INT(v.held_peak, 700);
	ASSERT_EQ_INT(v.time_wait_now, 40);
	ASSERT_TRUE(near(v.opens_per_s, 0, 0));
	ASSERT_TRUE(!v.victim);
}

struct name_case {
	enum leak_class c;
	const char *name;
	const char *advice_word; /* the fix the advice must name */
};

static const struct name_case name_cases[] = {
	{LEAK_NONE, "none", "nothing"},
	{LEAK_GROWTH, "leak", "close"},
	{LEAK_BIND_BEFORE_CONNECT, "bind-before-connect", "IP_BIND_ADDRESS_NO_PORT"},
	{LEAK_UDP, "udp-leak", "close each UDP socket"},
	{LEAK_TIME_WAIT_CHURN, "time-wait-churn", "never a reason to kill"},
	{LEAK_CLOSE_WAIT, "close-wait", "close()"},
	{LEAK_EPHEMERAL_LISTENER, "ephemeral-listener", "ip_local_reserved_ports"},
};

UNIT_TEST(test_names_and_advice)
{
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];

		UNIT_ROW(c->name);
		ASSERT_EQ_STR(leak_class_name(c->c), c->name);
		ASSERT_TRUE(strstr(leak_class_advice(c->c), c->advice_word) != NULL);
		ASSERT_TRUE(strchr(leak_class_advice(c->c), '\n') == NULL);
	}
	UNIT_ROW("out of range");
	ASSERT_EQ_STR(leak_class_name((enum leak_class)42), "unknown");
	ASSERT_TRUE(leak_class_advice((enum leak_class) - 1) != NULL);
}

/* Urgent shapes: a fast leak from t = 10, a single jump, a 3 s burst. */
static void fast_leak(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + (t >= 10 ? 1000 * (t - 10) : 0) + noise(t, 2);
}

static void big_jump(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = t < 10 ? 100 : 5100;
}

static void short_burst(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 100 + (t >= 10 ? 300 * (t < 13 ? t - 10 : 3) : 0);
}

/* classify_urgent names a 1000 ports/s leak within 9 samples of its start,
 * and never a jump or a 3 s burst. */
UNIT_TEST(test_urgent_fast_leaks_only)
{
	long first;

	build(40, fast_leak);
	run(40, &classify_urgent);
	first = first_class(40, LEAK_GROWTH);
	ASSERT_TRUE(first >= 10 && first <= 19);
	build(40, big_jump);
	run(40, &classify_urgent);
	ASSERT_EQ_INT(first_class(40, LEAK_GROWTH), -1);
	build(40, short_burst);
	run(40, &classify_urgent);
	ASSERT_EQ_INT(first_class(40, LEAK_GROWTH), -1);
	build(120, steady_pool);
	run(120, &classify_urgent);
	ASSERT_EQ_INT(first_class(120, LEAK_GROWTH), -1);
	build(120, churn);
	run(120, &classify_urgent);
	ASSERT_EQ_INT(first_class(120, LEAK_GROWTH), -1);
}

/* classify_surge over samples 0..@last, the surge begun at @since_s. */
static enum leak_class surge_class(size_t last, unsigned int since_s)
{
	struct series s = {.samples = samples, .nr = last + 1};
	struct verdict v;

	classify_surge(&s, (uint64_t)since_s * 1000, &classify_urgent, &v);
	return v.class;
}

static void fast_udp(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 50;
	s->held.n[PS_UDP] = t >= 10 ? 1000 * (t - 10) : 0;
}

static void fast_release(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = t < 13 ? 100 + 1000 * (t - 10) : 100;
}

/* The held-ports evidence of a surge: a fast rise since the surge began is
 * a leak (its class from what grows); flat, slow, released or too short a
 * history is not. The spread rule does not apply: the counters gave it. */
UNIT_TEST(test_surge_evidence)
{
	build(40, fast_leak);
	ASSERT_EQ_INT(surge_class(12, 10), LEAK_GROWTH); /* 2 s in, 2000 ports */
	ASSERT_EQ_INT(surge_class(12, 9), LEAK_GROWTH);	 /* from a sample before the surge */
	ASSERT_EQ_INT(surge_class(10, 10), LEAK_NONE);	 /* one sample: no evidence yet */
	ASSERT_EQ_INT(surge_class(9, 9), LEAK_NONE);
	build(40, fast_udp);
	ASSERT_EQ_INT(surge_class(13, 10), LEAK_UDP);
	build(40, fast_release);
	ASSERT_EQ_INT(surge_class(14, 10), LEAK_NONE); /* gave its ports back */
	build(120, steady_pool);
	ASSERT_EQ_INT(surge_class(60, 50), LEAK_NONE);
	build(120, churn);
	ASSERT_EQ_INT(surge_class(60, 50), LEAK_NONE);
	build(120, linear_leak);
	ASSERT_EQ_INT(surge_class(60, 50), LEAK_NONE); /* too slow for a surge */
	build(40, short_burst);
	ASSERT_EQ_INT(surge_class(13, 10), LEAK_GROWTH); /* 900 ports in 3 s: the counters decide */
}

static void leak_40_per_s(unsigned int t, struct sample *s)
{
	s->held.n[PS_ESTABLISHED] = 20 + 40 * t + noise(t, 2);
	s->opens = 40ull * t;
}

/* A 15 s report: the defaults (30 s window, 15 agreeing samples) cannot name
 * anything in it; fitted, a steady 40 ports/s leak is named within the 15 s,
 * while a steady pool and a step still are not. */
UNIT_TEST(test_fit_short_watch)
{
	struct classify_params fit = classify_fit(&classify_defaults, 15000, 1000);
	struct classify_params same = classify_fit(&classify_defaults, 60000, 1000);

	ASSERT_EQ_INT(same.window_ms, classify_defaults.window_ms);
	ASSERT_EQ_INT(same.breaches_to_enter, classify_defaults.breaches_to_enter);
	ASSERT_EQ_INT(fit.window_ms, 6000);
	ASSERT_EQ_INT(fit.breaches_to_enter, 8);
	ASSERT_TRUE(fit.window_ms + fit.breaches_to_enter * 1000 <= 15000);
	/* the growth criteria stay */
	ASSERT_TRUE(fit.min_growth_per_s == classify_defaults.min_growth_per_s);
	ASSERT_TRUE(fit.max_release_ratio == classify_defaults.max_release_ratio);

	build(16, leak_40_per_s);
	run(16, &classify_defaults);
	ASSERT_EQ_INT(first_class(16, LEAK_GROWTH), -1);
	run(16, &fit);
	ASSERT_TRUE(first_class(16, LEAK_GROWTH) >= 0 && first_class(16, LEAK_GROWTH) <= 15);
	ASSERT_TRUE(near(verdicts[15].growth_per_s, 40, 2));
	build(16, steady_pool);
	run(16, &fit);
	ASSERT_EQ_INT(first_breach(16, LEAK_GROWTH), -1);
	/* a tiny span still gets at least 4 samples and 2 agreeing verdicts */
	fit = classify_fit(&classify_defaults, 3000, 1000);
	ASSERT_EQ_INT(fit.window_ms, 4000);
	ASSERT_EQ_INT(fit.breaches_to_enter, 2);
}

int main(void)
{
	RUN(test_fit_short_watch);
	RUN(test_shapes);
	RUN(test_urgent_fast_leaks_only);
	RUN(test_surge_evidence);
	RUN(test_linear_leak_enters_after_breaches_to_enter);
	RUN(test_ramps);
	RUN(test_each_criterion_decides);
	RUN(test_rise_and_release_definitions);
	RUN(test_churn_needs_flat_held);
	RUN(test_leak_that_stops_clears_after_clears_to_leave);
	RUN(test_hysteresis_flapping_and_single_samples);
	RUN(test_hysteresis_class_replaced);
	RUN(test_victim_flag);
	RUN(test_timestamp_gaps);
	RUN(test_same_timestamps);
	RUN(test_sparse_samples_not_judged);
	RUN(test_empty_and_one_sample);
	RUN(test_names_and_advice);
	return UNIT_MAIN_END();
}
