/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Leak classes: a pure decision over one entity's series of samples (a
 * process or a cgroup), with hysteresis carried in a verdict. No I/O, no
 * clocks: the same inputs always give the same verdict.
 */
#ifndef PW_CLASSIFY_H
#define PW_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/snapshot.h"

enum leak_class {
	LEAK_NONE = 0,
	LEAK_GROWTH,		  /* (a) held ports grow steadily and are not released */
	LEAK_BIND_BEFORE_CONNECT, /* (b) the growth is connected sockets on bind()-taken ports */
	LEAK_UDP,		  /* (c) UDP sockets never closed */
	LEAK_TIME_WAIT_CHURN, /* (d) high open/close rate, flat held count: advice, never a kill */
	LEAK_CLOSE_WAIT,      /* (e) the peer closed, the application never calls close() */
	LEAK_EPHEMERAL_LISTENER, /* (f) a listener inside the ephemeral port range */
	LEAK_HOG, /* (g) holds most of a full pool, flat, while others fail there
		   * (hog.h; never from the series: the daemon names it) */
};

const char *leak_class_name(enum leak_class c);	  /* "leak", "bind-before-connect", ... */
const char *leak_class_advice(enum leak_class c); /* the fix, in words, one sentence */

/* One sample of an entity, taken at @t_ms. Counters are cumulative since
 * portwarden started (they only grow); held counts are the snapshot's. */
struct sample {
	uint64_t t_ms;
	struct state_counts held;    /* sockets holding a local port, by state */
	uint32_t listeners_in_range; /* LISTEN sockets whose port is inside the ephemeral range */
	uint64_t opens;		     /* port allocations: connects, binds, autobinds */
	uint64_t closes;	     /* sockets that released their port or entered TIME_WAIT */
	uint64_t failures;	     /* failed port allocations suffered, every errno */
};

/* Samples, oldest first, at roughly regular intervals (gaps are allowed). */
struct series {
	const struct sample *samples;
	size_t nr;
};

struct classify_params {
	uint32_t window_ms;	    /* trends are judged over the last window_ms of samples */
	double min_growth_per_s;    /* slower held-port growth is no leak (slow leaks: see below) */
	uint32_t min_growth_ports;  /* ... nor a net rise of fewer ports over the window */
	double min_monotonic;	    /* share of sample steps that must not go down (0..1) */
	double max_release_ratio;   /* a drop of more than this share of the rise: released */
	double churn_opens_per_s;   /* open rate above which a flat held count is churn */
	uint32_t close_wait_min;    /* CLOSE_WAIT sockets from which a growing pile counts */
	uint32_t breaches_to_enter; /* consecutive breaching verdicts before a class is set */
	uint32_t clears_to_leave;   /* consecutive clear verdicts before it is cleared */
};

/* Defaults tuned for 1 s samples: see classify.c for the reasoning. */
extern const struct classify_params classify_defaults;

/* Fast leaks only (>= 100 ports/s over a few seconds): named within ~6 s,
 * at the price of calling a few seconds' steep warm-up a leak. The daemon
 * heeds it only when the pool would run out within a minute. */
extern const struct classify_params classify_urgent;

struct verdict {
	enum leak_class class;	   /* the class in force (after hysteresis) */
	enum leak_class breaching; /* what the latest window shows on its own */
	uint32_t streak;	   /* consecutive verdicts agreeing with @breaching */
	/* evidence, from the latest window */
	double growth_per_s; /* least-squares slope of held ports (TIME_WAIT excluded) */
	double opens_per_s, closes_per_s, failures_per_s;
	uint32_t held_now, held_peak; /* TIME_WAIT excluded */
	uint32_t time_wait_now;
	bool victim; /* it suffers allocation failures */
};

/*
 * @base fitted into @span_ms of watching at one sample every @interval_ms:
 * when the window and its hysteresis (window + breaches_to_enter samples)
 * take longer than the span, a shorter window (at least 4 samples, 2/5 of
 * the span) and fewer breaches (at least 2), so that a leak steady over the
 * span is named within it. The growth, monotony and release criteria stay.
 * Returns @base unchanged when it fits.
 */
struct classify_params classify_fit(const struct classify_params *base, uint64_t span_ms,
				    uint64_t interval_ms);

/*
 * Judge @s over the last params->window_ms. @prev is the previous verdict of
 * the same entity (zeroed for the first), @out the new one (may alias @prev).
 * A class is entered only after breaches_to_enter consecutive breaching
 * windows and left after clears_to_leave clear ones (hysteresis), so one
 * sample never flips it.
 */
void classify(const struct series *s, const struct classify_params *p, const struct verdict *prev,
	      struct verdict *out);

/*
 * A surge (surge.h: the activity counters show a process taking >= 100 ports/s
 * for seconds) confirmed, or not, by the held ports in the snapshots: judge
 * @s from its last sample at or before @since_ms (where the surge began) to
 * its end, with @p's growth criteria (classify_urgent's) but no spread rule
 * and no hysteresis (the counters' streak was the hysteresis). @out->class is
 * the leak class, or LEAK_NONE when the held ports do not show the growth.
 */
void classify_surge(const struct series *s, uint64_t since_ms, const struct classify_params *p,
		    struct verdict *out);

/* Is @c a class the daemon may act on (never churn or a listener)? */
bool class_actionable(enum leak_class c);

#endif /* PW_CLASSIFY_H */
