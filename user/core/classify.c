// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Leak classes from one entity's samples: trend tests over a window, then hysteresis.
#include <string.h>
#include "core/classify.h"

/*
 * How a window is judged
 *
 * "Held" below is held.total minus held.n[PS_TIME_WAIT] and held.passive
 * (a server's accepted connections, on its listener's port: no ephemeral
 * port taken, so no port leak however many pile up). TIME_WAIT sockets
 * are what a process leaves behind when it closes, i.e. churn, not ports it
 * keeps. The window is the samples with t_ms >= t_last - window_ms. It is
 * judged for trends (leak or churn) only when the entity's history reaches
 * back a whole window_ms (a short history cannot tell a pool warming up
 * from a leak), the window's own samples span at least WINDOW_MIN_SPAN_PCT
 * percent of it (a gap in sampling leaves too little to see a trend) and it holds
 * at least TREND_MIN_SAMPLES samples.
 *
 * A window breaches as a leak when all of these hold:
 *  1. slope: the least-squares slope of held over time (seconds, real
 *     timestamps, so gaps are weighed correctly) >= min_growth_per_s;
 *  2. rise: held in the last sample minus the lowest held in the window
 *     (how far the count now stands above its low point) >= min_growth_ports;
 *  3. monotonic: the share of sample-to-sample steps that do not go down
 *     >= min_monotonic;
 *  4. no release: the largest drop from any sample to any later one (the
 *     maximum drawdown) <= max_release_ratio * rise;
 *  5. spread: the rise is spread over the window, not one event. The
 *     window is cut in two halves in time at its middle sample (the last one
 *     no later than the middle of its time span). The first half rises by
 *     middle - lowest held up to the middle, the second by last - middle;
 *     each must be at least a third of the rise.
 *
 * Why 5 exists: a step (held jumps once, from 100 to 600, and stays) passes
 * 1-4 in every window that contains the jump. In such a window the step is
 * monotonic (flat steps do not go down), releases nothing, rises by the
 * full jump, and its least-squares slope is 6 * H * k * (n - k) / (n^3 - n)
 * per sample for a jump after k of n samples: over 1.5 * H / n at the
 * middle and still 3 ports/s at the very edge for H = 500, n = 31. So 1-4
 * alone breach for as long as the jump is in the window, ~30 verdicts with
 * 1 s samples and a 30 s window, which only a breaches_to_enter above 30
 * would absorb. With 5, a jump within one sample step lands in one half
 * and never breaches. A jump spread over r samples (a burst, a pool warming
 * up) breaches only while it straddles the middle with a third of it on
 * each side: about r / 3 consecutive verdicts for r up to half the window,
 * 14 for r = 29 s. Hysteresis absorbs that: with breaches_to_enter = 15 no
 * growth shorter than the 30 s window is ever called a leak, and growth
 * lasting 30 s or more is (test_classify.c: test_ramps). Once the window has
 * slid past the jump, the window is flat and fails 1 and 2.
 *
 * Which leak, when a window breaches: see growth_class(). When it does not:
 * churn (flat held, busy opens and closes or a big TIME_WAIT pile), else an
 * ephemeral listener in the latest sample, else none.
 */

/* Fewest samples in a window judged for trends: two per half. */
#define TREND_MIN_SAMPLES 4
/* Least share of window_ms, in percent, a judged window's samples span (jitter, short gaps). */
#define WINDOW_MIN_SPAN_PCT 75
/* Each half of the window must contribute at least 1 / SPREAD_PARTS of the rise. */
#define SPREAD_PARTS 3
/* Churn: closes keep pace with opens when at least this share of them. */
#define CHURN_CLOSE_SHARE 0.8
/* Linux keeps a socket in TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN). */
#define TIME_WAIT_LIFETIME_S 60.0
/* Bind-taken ports (bind_before_connect + BOUND) account for the rise from this share. */
#define BIND_TAKEN_SHARE 0.5

/*
 * Defaults for 1 s samples.
 *
 * window_ms 30 s: 31 samples, enough for a slope that noise of a few ports
 *	cannot fake (a +-2 port jitter gives a slope of ~0.03/s), short enough
 *	that a leak is named within ~45 s of its start.
 * min_growth_per_s 0.25 and min_growth_ports 10: the floor is the rise; a
 *	steady leak must add 10 ports per 30 s window, so the slowest steady
 *	leak caught is 1 port every 3 s (0.33/s); +1 port every 2 s (0.5/s)
 *	rises by 15 per window and is caught 44 s after it starts. The slope
 *	threshold sits below 10/30 so that the floor decides for a steady
 *	leak; the slope still rejects a window whose rise sits at its edges.
 * min_monotonic 0.75: a real leak rarely steps down; a flat pool with noise
 *	steps down about half of the time.
 * max_release_ratio 0.25: giving back more than a quarter of the rise is a
 *	pool or a sawtooth (one recycling every 10 s gives back all of it), not
 *	a leak. A leak that also releases more than that per window is missed.
 * churn_opens_per_s 50: 50 connections/s leave ~3000 sockets in TIME_WAIT
 *	(60 s each), a tenth of the default 28232-port range for one
 *	destination; this is advice, never a kill, so it may speak early.
 * close_wait_min 32: a few dozen CLOSE_WAIT sockets come and go with a slow
 *	event loop; a pile of 32 that keeps growing does not.
 * breaches_to_enter 15: a class needs 15 breaching windows in a row (15 s
 *	at 1 s samples). A burst or ramp breaches for at most 14 windows in a
 *	row when it lasts less than the 30 s window (see above), so it stays
 *	out; a leak running from t = 0 is first judged at t = 30 s and named
 *	at t = 44 s (verdict index 44).
 * clears_to_leave 30: a full window of clear verdicts; a leak that pauses
 *	for less than that keeps its class, and its ports are still held.
 */
const struct classify_params classify_defaults = {
	.window_ms = 30000,
	.min_growth_per_s = 0.25,
	.min_growth_ports = 10,
	.min_monotonic = 0.75,
	.max_release_ratio = 0.25,
	.churn_opens_per_s = 50.0,
	.close_wait_min = 32,
	.breaches_to_enter = 15,
	.clears_to_leave = 30,
};

/*
 * Urgent: a leak that eats a pool in seconds (1000 ports/s exhausts the
 * default 28232-port range in 28 s) cannot wait 44 s. Only steep growth
 * counts (>= 100 ports/s and >= 300 ports over a 6 s window, 7 samples at
 * 1 s, and still the 4 a window needs when a host busy with tens of
 * thousands of sockets stretches the steps); the spread rule still rejects
 * a one-sample jump, and 3 breaching windows in a row are needed, so a burst
 * shorter than ~6 s stays out. It is named ~8 s after it starts: at 1000
 * ports/s, ~8000 ports (28% of the default range). What it risks: a pool warming up at >= 100 connections/s
 * for more than ~4 s looks the same; the daemon therefore heeds it only
 * when that growth would exhaust the pool within a minute, and its first
 * step is a quarantine, not a signal.
 */
const struct classify_params classify_urgent = {
	.window_ms = 6000, /* >= 4 samples even when a busy host stretches 1 s steps */
	.min_growth_per_s = 100.0,
	.min_growth_ports = 300,
	.min_monotonic = 0.75,
	.max_release_ratio = 0.25,
	.churn_opens_per_s = 1e12, /* urgent is about leaks only */
	.close_wait_min = 32,
	.breaches_to_enter = 3,
	.clears_to_leave = 5,
};

static const char *const class_names[] = {
	[LEAK_NONE] = "none",
	[LEAK_GROWTH] = "leak",
	[LEAK_BIND_BEFORE_CONNECT] = "bind-before-connect",
	[LEAK_UDP] = "udp-leak",
	[LEAK_TIME_WAIT_CHURN] = "time-wait-churn",
	[LEAK_CLOSE_WAIT] = "close-wait",
	[LEAK_EPHEMERAL_LISTENER] = "ephemeral-listener",
	[LEAK_HOG] = "hog",
};

static const char *const class_advice[] = {
	[LEAK_NONE] = "no port leak, churn or listener problem seen; nothing to fix",
	[LEAK_GROWTH] = "held ports keep growing and are never released: close connections when "
			"done, or fix the pool that loses them",
	[LEAK_BIND_BEFORE_CONNECT] = "ports are taken by bind() before connect(), or by bound "
				     "sockets never connected: set IP_BIND_ADDRESS_NO_PORT before "
				     "bind(), or do not bind() before connect(), and close sockets "
				     "that never connect",
	[LEAK_UDP] = "UDP sockets are opened and never closed: close each UDP socket after use, "
		     "or reuse one socket for every send",
	[LEAK_TIME_WAIT_CHURN] = "churn, not a leak: reuse connections (keep-alive, pooling) or "
				 "let tcp_tw_reuse help; never a reason to kill",
	[LEAK_CLOSE_WAIT] = "sockets pile up in CLOSE_WAIT: the peer closed them and the "
			    "application does not close() them; fix its EOF and error paths",
	[LEAK_EPHEMERAL_LISTENER] = "a listener sits inside the ephemeral port range: add its port "
				    "to net.ipv4.ip_local_reserved_ports or move it out of "
				    "net.ipv4.ip_local_port_range",
	[LEAK_HOG] = "it took most of a pool at once and holds it while others fail: cap its "
		     "connections, or give it its own range (IP_LOCAL_PORT_RANGE) or netns",
};

#define NR_CLASSES (sizeof(class_names) / sizeof(class_names[0]))

const char *leak_class_name(enum leak_class c)
{
	return (unsigned int)c < NR_CLASSES ? class_names[c] : "unknown";
}

const char *leak_class_advice(enum leak_class c)
{
	return (unsigned int)c < NR_CLASSES ? class_advice[c] : "unknown class";
}

/* What a slope is taken of: a port state (0 .. PS_COUNT - 1) or one of these. */
enum metric {
	M_HELD = PS_COUNT, /* every held port but TIME_WAIT */
	M_BIND_BEFORE_CONNECT,
};

/* The samples judged: the last window_ms of the series. */
struct window {
	const struct sample *s;
	size_t n;
	bool judged; /* long enough for trends (see the top of the file) */
};

/* The shape of held over the window: criteria 1-5. */
struct trend {
	double slope;	  /* ports per second */
	double monotonic; /* share of steps that do not go down */
	int64_t rise;	  /* last - min */
	int64_t drawdown; /* largest drop from a sample to a later one */
	int64_t early;	  /* rise over the first half, from its low */
	int64_t late;	  /* rise over the second half */
};

/* Ports the entity took: neither TIME_WAIT (churn) nor a server's accepted
 * connections (they share the listener's port and take no ephemeral one). */
static uint32_t held_ports(const struct sample *s)
{
	uint32_t other = s->held.n[PS_TIME_WAIT] + s->held.passive;

	return s->held.total > other ? s->held.total - other : 0;
}

static double metric_value(const struct sample *s, int metric)
{
	if (metric == M_HELD)
		return held_ports(s);
	if (metric == M_BIND_BEFORE_CONNECT)
		return s->held.bind_before_connect;
	return s->held.n[metric];
}

static double seconds_between(uint64_t from_ms, uint64_t to_ms)
{
	return ((double)to_ms - (double)from_ms) / 1000.0;
}

/* Milliseconds from @from_ms to @to_ms; 0 if the clock went back. */
static uint64_t span_ms(uint64_t from_ms, uint64_t to_ms)
{
	return to_ms > from_ms ? to_ms - from_ms : 0;
}

/* Least-squares slope of @metric against time, per second; 0 without a time spread. */
static double metric_slope(const struct window *w, int metric)
{
	double mean_t = 0, mean_v = 0, stt = 0, stv = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		mean_t += seconds_between(w->s[0].t_ms, w->s[i].t_ms);
		mean_v += metric_value(&w->s[i], metric);
	}
	mean_t /= (double)w->n;
	mean_v /= (double)w->n;
	for (i = 0; i < w->n; i++) {
		double dt = seconds_between(w->s[0].t_ms, w->s[i].t_ms) - mean_t;

		stt += dt * dt;
		stv += dt * (metric_value(&w->s[i], metric) - mean_v);
	}
	return stt > 0 ? stv / stt : 0;
}

/* The last window_ms of @s; judged when history covers it with enough samples. */
static struct window window_select(const struct series *s, const struct classify_params *p)
{
	const struct sample *last = &s->samples[s->nr - 1];
	uint64_t cutoff = last->t_ms > p->window_ms ? last->t_ms - p->window_ms : 0;
	size_t first = s->nr - 1;
	struct window w;

	while (first > 0 && s->samples[first - 1].t_ms >= cutoff)
		first--;
	w.s = &s->samples[first];
	w.n = s->nr - first;
	w.judged = w.n >= TREND_MIN_SAMPLES &&
		   span_ms(s->samples[0].t_ms, last->t_ms) >= p->window_ms &&
		   span_ms(w.s[0].t_ms, last->t_ms) * 100 >=
			   (uint64_t)p->window_ms * WINDOW_MIN_SPAN_PCT;
	return w;
}

/* (last - first) / seconds of a cumulative counter; 0 if it went back or no time passed. */
static double counter_rate(uint64_t first, uint64_t last, double seconds)
{
	if (last < first || !(seconds > 0))
		return 0;
	return (double)(last - first) / seconds;
}

static void fill_evidence(const struct window *w, struct verdict *v)
{
	const struct sample *first = &w->s[0], *last = &w->s[w->n - 1];
	double seconds = seconds_between(first->t_ms, last->t_ms);
	size_t i;

	v->growth_per_s = metric_slope(w, M_HELD);
	v->opens_per_s = counter_rate(first->opens, last->opens, seconds);
	v->closes_per_s = counter_rate(first->closes, last->closes, seconds);
	v->failures_per_s = counter_rate(first->failures, last->failures, seconds);
	v->held_now = held_ports(last);
	v->held_peak = 0;
	for (i = 0; i < w->n; i++)
		if (held_ports(&w->s[i]) > v->held_peak)
			v->held_peak = held_ports(&w->s[i]);
	v->time_wait_now = last->held.n[PS_TIME_WAIT];
	v->victim = v->failures_per_s > 0;
}

/* Index of the last sample no later than the middle of the window's time span. */
static size_t window_middle(const struct window *w)
{
	uint64_t t0 = w->s[0].t_ms, t1 = w->s[w->n - 1].t_ms;
	uint64_t mid = t0 + (t1 > t0 ? (t1 - t0) / 2 : 0);
	size_t i = 0;

	while (i + 1 < w->n && w->s[i + 1].t_ms <= mid)
		i++;
	return i;
}

static struct trend trend_compute(const struct window *w)
{
	size_t i, up = 0, m = window_middle(w);
	int64_t first = held_ports(&w->s[0]), last = held_ports(&w->s[w->n - 1]);
	int64_t low = first, high = first, low_early = first, mid = held_ports(&w->s[m]);
	struct trend t = {.slope = metric_slope(w, M_HELD)};

	for (i = 1; i < w->n; i++) {
		int64_t prev = held_ports(&w->s[i - 1]), cur = held_ports(&w->s[i]);

		if (cur >= prev)
			up++;
		if (high - cur > t.drawdown)
			t.drawdown = high - cur;
		if (cur > high)
			high = cur;
		if (cur < low)
			low = cur;
		if (i <= m && cur < low_early)
			low_early = cur;
	}
	t.monotonic = w->n > 1 ? (double)up / (double)(w->n - 1) : 0;
	t.rise = last - low;
	t.early = mid - low_early;
	t.late = last - mid;
	return t;
}

/* Criteria 1-5 at the top of the file. */
static bool growth_breaches(const struct trend *t, const struct classify_params *p)
{
	double rise = (double)t->rise;

	if (t->slope < p->min_growth_per_s || t->rise <= 0)
		return false;
	if (t->rise < (int64_t)p->min_growth_ports)
		return false;
	if (t->monotonic < p->min_monotonic)
		return false;
	if ((double)t->drawdown > p->max_release_ratio * rise)
		return false;
	return t->early * SPREAD_PARTS >= t->rise && t->late * SPREAD_PARTS >= t->rise;
}

/* The held state (TIME_WAIT aside) whose count grows fastest; ties go to the lower one. */
static int fastest_state(const struct window *w)
{
	double best_slope = 0;
	int s, best = -1;

	for (s = 0; s < PS_COUNT; s++) {
		double slope;

		if (s == PS_TIME_WAIT)
			continue;
		slope = metric_slope(w, s);
		if (best < 0 || slope > best_slope) {
			best = s;
			best_slope = slope;
		}
	}
	return best;
}

/*
 * Which leak a breaching window shows, by what grows:
 *  - CLOSE_WAIT grows fastest: the peer closed and the application did not.
 *    It wins over bind-before-connect (such sockets may be bind-taken too)
 *    because not calling close() is the bug to fix. Below close_wait_min
 *    the pile does not count yet, and the window is not called anything:
 *    naming it "leak" first and "close-wait" later would flip the class.
 *  - UDP grows fastest: UDP sockets never closed.
 *  - Sockets on bind()-taken ports grow by at least half of the rise:
 *    bind_before_connect (connected on a port bind() took) plus BOUND
 *    (bound with bind(), never connected or listening). BOUND growth is the
 *    bind(0) leak, and its fix is the bind-before-connect fix: with
 *    IP_BIND_ADDRESS_NO_PORT set before bind() a bound socket takes no
 *    port until connect(), so such sockets stop draining the range even
 *    before the application learns to close them. "leak" would only say
 *    "close connections", which misses that fix, so it is reported as
 *    LEAK_BIND_BEFORE_CONNECT, whose advice says both.
 *  - Anything else: LEAK_GROWTH.
 */
static enum leak_class growth_class(const struct window *w, const struct classify_params *p,
				    double held_slope)
{
	const struct sample *last = &w->s[w->n - 1];
	int fastest = fastest_state(w);
	double bind_taken;

	if (fastest == PS_CLOSE_WAIT)
		return last->held.n[PS_CLOSE_WAIT] >= p->close_wait_min ? LEAK_CLOSE_WAIT
									: LEAK_NONE;
	if (fastest == PS_UDP)
		return LEAK_UDP;
	bind_taken = metric_slope(w, M_BIND_BEFORE_CONNECT) + metric_slope(w, PS_BOUND);
	if (bind_taken >= BIND_TAKEN_SHARE * held_slope)
		return LEAK_BIND_BEFORE_CONNECT;
	return LEAK_GROWTH;
}

/*
 * TIME_WAIT churn: held is flat (|slope| < min_growth_per_s) and either
 *  - opens_per_s >= churn_opens_per_s and closes keep pace (at least
 *    CHURN_CLOSE_SHARE of the opens), or
 *  - the TIME_WAIT pile alone shows that rate (churn_opens_per_s closes a
 *    second for the 60 s a socket stays there) and outnumbers the held
 *    ports, so most of what the entity costs is churn. This catches churn
 *    when the open/close counters miss it (tracing off, events dropped).
 */
static bool is_churn(const struct verdict *v, const struct classify_params *p)
{
	bool flat = v->growth_per_s < p->min_growth_per_s && v->growth_per_s > -p->min_growth_per_s;
	bool busy = v->opens_per_s > 0 && v->opens_per_s >= p->churn_opens_per_s &&
		    v->closes_per_s >= CHURN_CLOSE_SHARE * v->opens_per_s;
	bool pile = v->time_wait_now > 0 &&
		    v->time_wait_now >= p->churn_opens_per_s * TIME_WAIT_LIFETIME_S &&
		    v->time_wait_now >= v->held_now;

	return flat && (busy || pile);
}

/* What this window shows on its own, before hysteresis. */
static enum leak_class window_class(const struct window *w, const struct classify_params *p,
				    const struct verdict *v)
{
	enum leak_class c = LEAK_NONE;

	if (w->judged) {
		struct trend t = trend_compute(w);

		if (growth_breaches(&t, p))
			c = growth_class(w, p, t.slope);
		else if (is_churn(v, p))
			c = LEAK_TIME_WAIT_CHURN;
	}
	if (c == LEAK_NONE && w->s[w->n - 1].listeners_in_range > 0)
		c = LEAK_EPHEMERAL_LISTENER;
	return c;
}

static uint32_t at_least_one(uint32_t n)
{
	return n > 0 ? n : 1;
}

/* The class in force after this window: the header's hysteresis. */
static enum leak_class next_class(enum leak_class current, enum leak_class breaching,
				  uint32_t streak, const struct classify_params *p)
{
	if (breaching == current)
		return current;
	if (breaching == LEAK_NONE)
		return streak >= at_least_one(p->clears_to_leave) ? LEAK_NONE : current;
	return streak >= at_least_one(p->breaches_to_enter) ? breaching : current;
}

/*
 * A surge's evidence (classify_surge): the samples from the last one taken
 * at or before the surge began, so the rise is measured from where the
 * process stood. Criteria 1-4 of a window apply; the spread (5) does not:
 * the counters already showed the growth spread over seconds, and a
 * surge's few samples have no halves to compare.
 */
#define SURGE_MIN_SAMPLES 2
#define SURGE_MIN_SPAN_MS 500

static struct window surge_window(const struct series *s, uint64_t since_ms)
{
	size_t first = s->nr - 1;
	struct window w;

	while (first > 0 && s->samples[first].t_ms > since_ms)
		first--;
	w.s = &s->samples[first];
	w.n = s->nr - first;
	w.judged = w.n >= SURGE_MIN_SAMPLES &&
		   span_ms(w.s[0].t_ms, w.s[w.n - 1].t_ms) >= SURGE_MIN_SPAN_MS;
	return w;
}

void classify_surge(const struct series *s, uint64_t since_ms, const struct classify_params *p,
		    struct verdict *out)
{
	struct window w;
	struct trend t;

	memset(out, 0, sizeof(*out));
	if (!s || !s->samples || !s->nr || !p)
		return;
	w = surge_window(s, since_ms);
	fill_evidence(&w, out);
	if (!w.judged)
		return;
	t = trend_compute(&w);
	t.early = t.late = t.rise; /* no spread rule: see above */
	if (growth_breaches(&t, p))
		out->breaching = growth_class(&w, p, t.slope);
	out->class = out->breaching;
	out->streak = 1;
}

#define FIT_MIN_SAMPLES 4
#define FIT_MIN_BREACHES 2

struct classify_params classify_fit(const struct classify_params *base, uint64_t span_ms,
				    uint64_t interval_ms)
{
	struct classify_params p = *base;
	uint64_t need, window, breaches;

	if (!interval_ms)
		return p;
	need = base->window_ms + (uint64_t)base->breaches_to_enter * interval_ms;
	if (span_ms >= need)
		return p;
	window = span_ms * 2 / 5;
	if (window < FIT_MIN_SAMPLES * interval_ms)
		window = FIT_MIN_SAMPLES * interval_ms;
	breaches = span_ms > window ? (span_ms - window) / interval_ms : 0;
	/* the last sample may come just after the span: leave one to spare */
	breaches = breaches > FIT_MIN_BREACHES ? breaches - 1 : FIT_MIN_BREACHES;
	p.window_ms = (uint32_t)(window < base->window_ms ? window : base->window_ms);
	p.breaches_to_enter = (uint32_t)(breaches < base->breaches_to_enter ? breaches
									     : base->breaches_to_enter);
	return p;
}

void classify(const struct series *s, const struct classify_params *p, const struct verdict *prev,
	      struct verdict *out)
{
	struct verdict v, last = {0};

	if (!p)
		p = &classify_defaults;
	if (prev)
		last = *prev; /* @out may alias @prev */
	memset(&v, 0, sizeof(v));
	if (s && s->samples && s->nr > 0) {
		struct window w = window_select(s, p);

		fill_evidence(&w, &v);
		v.breaching = window_class(&w, p, &v);
	}
	if (v.breaching != last.breaching)
		v.streak = 1;
	else
		v.streak = last.streak < UINT32_MAX ? last.streak + 1 : UINT32_MAX;
	v.class = next_class(last.class, v.breaching, v.streak, p);
	*out = v;
}

bool class_actionable(enum leak_class c)
{
	return c == LEAK_GROWTH || c == LEAK_BIND_BEFORE_CONNECT || c == LEAK_UDP ||
	       c == LEAK_CLOSE_WAIT || c == LEAK_HOG;
}
