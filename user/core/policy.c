// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The kill decision: one suspect, its history and the breakers to the next rung of the ladder.
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/policy.h"

/*
 * How the breakers read their ring
 *
 * bs->recent is a ring of the last BREAKER_RING actions (quarantines and
 * signals, never alerts or releases), oldest first from
 * (head - nr) mod BREAKER_RING; head is the next slot written. Every
 * breaker is a count over the entries younger than its window:
 *
 *  - cooldown and rate limit: the entries of one workload (the last one,
 *    and those of the last 60 s, escalations included), for a new ladder
 *    that starts with a signal;
 *  - disarm: distinct workloads within disarm_window_s;
 *  - crash loop: ladders (one per target) of one workload within
 *    crashloop_window_s. The ring has no target identity, so ladders are
 *    counted by pairing rungs in time order: a QUARANTINE opens a ladder; a
 *    TERM continues an open quarantine ladder of that workload if there is
 *    one, else opens one (no quarantine configured, or its QUARANTINE aged
 *    out of the window); a KILL continues an open TERM the same way. So
 *    Q -> T -> K of one target counts once, and a ladder whose first rungs
 *    left the window still counts once. A target released and quarantined
 *    again counts again: it came back. Ladders opened within
 *    CRASHLOOP_WAVE_MS of the last counted one count with it (one wave of
 *    siblings). The pairing can only undercount,
 *    when one workload mixes ladders with and without quarantine (a config
 *    change), never count one ladder twice.
 *
 * If the ring is full and its oldest entry is still inside a breaker window,
 * older actions were lost and the counts above are too low: new targets are
 * then refused ("breaker history full"). 64 actions inside ten minutes means
 * something is wrong anyway.
 */

#define RATE_WINDOW_MS 60000ull

/* Saturating: a clock that went backwards reads as no time passed. */
static uint64_t elapsed_ms(uint64_t now_ms, uint64_t then_ms)
{
	return now_ms > then_ms ? now_ms - then_ms : 0;
}

static const char *const action_names[] = {
	[ACTION_NONE] = "none",	  [ACTION_ALERT] = "alert",	[ACTION_QUARANTINE] = "quarantine",
	[ACTION_RECLAIM] = "reclaim", [ACTION_TERM] = "term",	[ACTION_KILL] = "kill",
	[ACTION_RELEASE] = "release",
};

const char *action_name(enum action a)
{
	if ((unsigned int)a >= sizeof(action_names) / sizeof(action_names[0]))
		return "unknown";
	return action_names[a];
}

static const char *const reclaim_names[] = {
	[RECLAIM_NO] = "no",
	[RECLAIM_CLOSE_WAIT] = "close-wait",
	[RECLAIM_IDLE] = "idle",
};

const char *reclaim_mode_name(enum reclaim_mode m)
{
	if ((unsigned int)m >= sizeof(reclaim_names) / sizeof(reclaim_names[0]))
		return "unknown";
	return reclaim_names[m];
}

static const char *const scope_names[] = {
	[SCOPE_AUTO] = "auto",
	[SCOPE_PROCESS] = "process",
	[SCOPE_CGROUP] = "cgroup",
};

const char *scope_name(enum scope s)
{
	if ((unsigned int)s >= sizeof(scope_names) / sizeof(scope_names[0]))
		return "unknown";
	return scope_names[s];
}

/*
 * Init systems and remote access (losing them loses the host), container
 * runtimes (killing one orphans or kills every container) and ourselves, by
 * executable: /proc/PID/exe is the kernel's word, where any process may call
 * itself "sshd" (prctl(PR_SET_NAME)). No comm is protected by default.
 * A spawner starts the host's other processes: the lifeline protects it but
 * not its children (see protections_spawner()).
 */
static const struct {
	const char *exe;
	bool spawner;
} default_exes[] = {
	{"/sbin/init", true},
	{"/lib/systemd/systemd", true},
	{"/usr/lib/systemd/systemd", true},
	{"/lib/systemd/systemd-*", false},
	{"/usr/lib/systemd/systemd-*", false},
	{"/usr/sbin/sshd", false},
	{"/usr/lib/openssh/sshd-*", false},
	{"/usr/bin/containerd", true},
	{"/usr/bin/containerd-shim*", true},
	{"/usr/bin/dockerd", true},
	{"/usr/bin/kubelet", true},
	{"/usr/local/bin/kubelet", true},
	{"/usr/bin/crio", true},
	{"/usr/bin/conmon", true},
	{"/usr/libexec/podman/conmon", true},
	{"/usr/bin/dbus-daemon", true},
	{"/usr/bin/dbus-broker*", true},
	/* root-owned places only: a glob like "*\/portwarden" would protect any
	 * binary a user names so (the actuator refuses our own pid anyway) */
	{"/usr/sbin/portwarden", false},
	{"/usr/local/sbin/portwarden", false},
	{"/usr/local/bin/portwarden", false},
};
static const char *const default_cgroups[] = {
	"/init.scope",
	"/system.slice/ssh.service",
	"/system.slice/sshd.service",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void protections_defaults(struct protections *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < ARRAY_SIZE(default_exes); i++)
		snprintf(p->exe[p->nr_exe++], sizeof(p->exe[0]), "%s", default_exes[i].exe);
	for (i = 0; i < ARRAY_SIZE(default_cgroups); i++)
		snprintf(p->cgroup[p->nr_cgroup++], sizeof(p->cgroup[0]), "%s", default_cgroups[i]);
}

bool protections_spawner(const char *exe)
{
	for (size_t i = 0; i < ARRAY_SIZE(default_exes); i++)
		if (default_exes[i].spawner && !fnmatch(default_exes[i].exe, exe, 0))
			return true;
	return false;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool cgroup_is_root(const char *cgroup)
{
	return !cgroup[0] || !strcmp(cgroup, "/");
}

/*
 * In the root cgroup every process shares the path, so the exe tells
 * workloads apart there. The "cgroup:"/"exe:" prefix keeps a cgroup named
 * like a binary from sharing a hash with it.
 */
uint64_t policy_workload(const struct candidate *c)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (cgroup_is_root(c->cgroup))
		return fnv1a(fnv1a(h, "exe:"), c->exe);
	return fnv1a(fnv1a(h, "cgroup:"), c->cgroup);
}

/* Each pattern of a protection list, against @s. */
static const char *match_any(const char *pats, size_t stride, size_t nr, const char *s)
{
	for (size_t i = 0; i < nr && i < PROTECT_MAX; i++, pats += stride)
		if (pats[0] && !fnmatch(pats, s, 0))
			return pats;
	return NULL;
}

/* An exe replaced on disk (a package upgrade) reads "/usr/sbin/sshd (deleted)":
 * still the same protected daemon, so match it without the suffix too. */
static const char *match_exe(const struct protections *prot, const char *exe)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(exe), dlen = sizeof(deleted) - 1;
	const char *m = match_any(prot->exe[0], sizeof(prot->exe[0]), prot->nr_exe, exe);
	char buf[PATH_MAX];

	if (m || len <= dlen || len >= sizeof(buf) || strcmp(exe + len - dlen, deleted))
		return m;
	memcpy(buf, exe, len - dlen);
	buf[len - dlen] = '\0';
	return match_any(prot->exe[0], sizeof(prot->exe[0]), prot->nr_exe, buf);
}

/* A protected cgroup protects its whole subtree: a service's sub-cgroups
 * (e.g. sshd's per-session ones) belong to it. Tries the path, then each
 * ancestor below the root. */
static const char *match_cgroup(const struct protections *prot, const char *cgroup)
{
	const char *m =
		match_any(prot->cgroup[0], sizeof(prot->cgroup[0]), prot->nr_cgroup, cgroup);
	char buf[PATH_MAX];
	size_t i;

	if (m || !cgroup[0] || strlen(cgroup) >= sizeof(buf))
		return m;
	strcpy(buf, cgroup);
	for (i = strlen(buf) - 1; !m && i > 0; i--) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		m = match_any(prot->cgroup[0], sizeof(prot->cgroup[0]), prot->nr_cgroup, buf);
	}
	return m;
}

static void vsay(struct decision *d, enum action a, const char *reason, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void vsay(struct decision *d, enum action a, const char *reason, const char *fmt, va_list ap)
{
	d->action = a;
	d->reason = reason;
	vsnprintf(d->detail, sizeof(d->detail), fmt, ap);
}

static void say(struct decision *d, enum action a, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct decision *d, enum action a, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(d, a, reason, fmt, ap);
	va_end(ap);
}

/* A breaker refuses: the suspect is only reported. Returns true. */
static bool refuse(struct decision *d, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool refuse(struct decision *d, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(d, ACTION_ALERT, reason, fmt, ap);
	va_end(ap);
	return true;
}

bool policy_protected(const struct protections *prot, const char *comm, const char *exe,
		      const char *cgroup)
{
	return match_any(prot->comm[0], sizeof(prot->comm[0]), prot->nr_comm, comm) ||
	       match_exe(prot, exe) || match_cgroup(prot, cgroup);
}

/* A pod rule against "NAMESPACE/POD": only a Kubernetes container has one. */
static const char *match_pod(const struct protections *prot, const struct container_names *n)
{
	char buf[PROTECT_POD_MAX + 2];

	if (!n->pod[0])
		return NULL;
	snprintf(buf, sizeof(buf), "%s/%s", n->pod_namespace, n->pod);
	return match_any(prot->pod[0], sizeof(prot->pod[0]), prot->nr_pod, buf);
}

static const char *match_container_name(const struct protections *prot,
					const struct container_names *n)
{
	if (!n->container[0])
		return NULL;
	return match_any(prot->container_name[0], sizeof(prot->container_name[0]),
			 prot->nr_container_name, n->container);
}

/* Names the rule that protects @c by its container's names, if one does. A
 * container whose names could not be read may be one a rule means: protected
 * while there are such rules (as a cgroup that cannot be named is held off). */
static const char *check_names(const struct protections *prot, const struct candidate *c,
			       struct decision *d)
{
	const char *m;

	if ((m = match_pod(prot, &c->names)))
		say(d, ACTION_ALERT, "protected", "pod %.64s/%.64s matches '%.64s'",
		    c->names.pod_namespace, c->names.pod, m);
	else if ((m = match_container_name(prot, &c->names)))
		say(d, ACTION_ALERT, "protected", "container %.64s matches '%.64s'",
		    c->names.container, m);
	else if (c->names_unknown && (prot->nr_pod || prot->nr_container_name))
		say(d, ACTION_ALERT, "protected", "%s",
		    m = "container names unreadable: pod and container_name rules cannot tell");
	return m;
}

/* Names the rule that protects @c, if one does. */
static bool check_protected(const struct protections *prot, const struct candidate *c,
			    struct decision *d)
{
	const char *m;

	if (!prot)
		return false;
	if ((m = match_any(prot->comm[0], sizeof(prot->comm[0]), prot->nr_comm, c->comm)))
		say(d, ACTION_ALERT, "protected", "comm %s matches '%s'", c->comm, m);
	else if ((m = match_exe(prot, c->exe)))
		say(d, ACTION_ALERT, "protected", "exe %.96s matches '%s'", c->exe, m);
	else if ((m = match_cgroup(prot, c->cgroup)))
		say(d, ACTION_ALERT, "protected", "cgroup %.96s matches '%s'", c->cgroup, m);
	else
		m = check_names(prot, c, d);
	d->protected_target = m != NULL;
	return m != NULL;
}

/* What the target holds: the process, or its cgroup when judged as one. */
static uint32_t target_ports(const struct candidate *c)
{
	return c->cgroup_ports_held > c->ports_held ? c->cgroup_ports_held : c->ports_held;
}

/* The evidence in one line: how full, how many, how fast, how long left. */
static void say_pressure(struct decision *d, enum action a, const char *reason,
			 const struct candidate *c, const struct policy_params *p)
{
	char left[48], cgroup[48] = "";

	if (!isfinite(c->pool_seconds_left))
		snprintf(left, sizeof(left), "no exhaustion forecast");
	else if (c->pool_seconds_left <= 0)
		snprintf(left, sizeof(left), "out now");
	else
		snprintf(left, sizeof(left), "out in %.0f s (horizon %u s)", c->pool_seconds_left,
			 p->horizon_s);
	if (c->cgroup_ports_held)
		snprintf(cgroup, sizeof(cgroup), " (its cgroup %u)", c->cgroup_ports_held);
	say(d, a, reason,
	    "pool %.0f%% full (threshold %.0f%%), %u ports%s (%.0f%% of it), %+.1f/s, %s",
	    c->pool_fill * 100, p->fill_threshold * 100, c->ports_held, cgroup,
	    c->pool_share * 100, c->growth_per_s, left);
}

static bool under_pressure(const struct candidate *c, const struct policy_params *p)
{
	return c->pool_fill >= p->fill_threshold || c->pool_seconds_left <= (double)p->horizon_s;
}

static bool is_leak_class(enum leak_class class)
{
	return class == LEAK_GROWTH || class == LEAK_BIND_BEFORE_CONNECT || class == LEAK_UDP ||
	       class == LEAK_CLOSE_WAIT || class == LEAK_HOG;
}

/* A target whose ladder has not started, or was ended by a release. */
static bool new_target(const struct target_history *th)
{
	return th->last == ACTION_NONE || th->last == ACTION_ALERT || th->last == ACTION_RELEASE;
}

/* The i-th entry of the ring, oldest first. */
static size_t ring_index(const struct breaker_state *bs, size_t i)
{
	size_t nr = bs->nr < BREAKER_RING ? bs->nr : BREAKER_RING;

	return (bs->head % BREAKER_RING + BREAKER_RING - nr + i) % BREAKER_RING;
}

static size_t ring_len(const struct breaker_state *bs)
{
	return bs->nr < BREAKER_RING ? bs->nr : BREAKER_RING;
}

static bool in_window(const struct breaker_state *bs, size_t idx, uint64_t now_ms,
		      uint64_t window_ms)
{
	return elapsed_ms(now_ms, bs->recent[idx].t_ms) < window_ms;
}

/* Distinct workloads signalled within the window, counting @extra as one
 * more. Quarantines do not count: reversible, they are no sign of a rule
 * gone wrong, and eight real leakers must all be quarantined at once. */
static size_t distinct_workloads(const struct breaker_state *bs, uint64_t now_ms,
				 uint64_t window_ms, uint64_t extra)
{
	uint64_t seen[BREAKER_RING + 1];
	size_t nr = 0, i, j;

	seen[nr++] = extra;
	for (i = 0; i < ring_len(bs); i++) {
		size_t idx = ring_index(bs, i);

		if (!in_window(bs, idx, now_ms, window_ms) ||
		    bs->recent[idx].action == ACTION_QUARANTINE)
			continue;
		for (j = 0; j < nr && seen[j] != bs->recent[idx].workload; j++)
			;
		if (j == nr)
			seen[nr++] = bs->recent[idx].workload;
	}
	return nr;
}

/*
 * Ladders opened within this time of the last counted one are one wave:
 * the processes of a forking leaker named in the same few steps, not a
 * workload that came back. Coming back takes a restart and then a leak long
 * enough to be named again (8 s at the fastest, classify_urgent). Counted
 * one by one, three siblings quarantined together were a "crash loop", and
 * the fourth was left to leak.
 */
#define CRASHLOOP_WAVE_MS 5000ull

/* A ladder opened at @t_ms: counted, unless it joins the current wave. */
static void open_ladder(uint64_t t_ms, size_t *ladders, uint64_t *wave_ms)
{
	if (*ladders && elapsed_ms(t_ms, *wave_ms) < CRASHLOOP_WAVE_MS)
		return;
	(*ladders)++;
	*wave_ms = t_ms;
}

/* Ladders of @workload within the window; see the comment at the top. */
static size_t count_ladders(const struct breaker_state *bs, uint64_t workload, uint64_t now_ms,
			    uint64_t window_ms)
{
	size_t ladders = 0, open_q = 0, open_t = 0;
	uint64_t wave_ms = 0;

	for (size_t i = 0; i < ring_len(bs); i++) {
		size_t idx = ring_index(bs, i);
		enum action a = bs->recent[idx].action;
		uint64_t t_ms = bs->recent[idx].t_ms;

		if (bs->recent[idx].workload != workload || !in_window(bs, idx, now_ms, window_ms))
			continue;
		if (a == ACTION_QUARANTINE) {
			open_ladder(t_ms, &ladders, &wave_ms);
			open_q++;
		} else if (a == ACTION_TERM) {
			if (open_q)
				open_q--;
			else
				open_ladder(t_ms, &ladders, &wave_ms);
			open_t++;
		} else if (a == ACTION_KILL) {
			if (open_t)
				open_t--;
			else
				open_ladder(t_ms, &ladders, &wave_ms);
		}
	}
	return ladders;
}

/* Has the ring dropped actions that a breaker window still covers? */
static bool history_lost(const struct breaker_state *bs, const struct breaker_params *bp,
			 uint64_t now_ms)
{
	uint64_t window_ms = (uint64_t)bp->crashloop_window_s * 1000;

	if ((uint64_t)bp->disarm_window_s * 1000 > window_ms)
		window_ms = (uint64_t)bp->disarm_window_s * 1000;
	if (RATE_WINDOW_MS > window_ms)
		window_ms = RATE_WINDOW_MS;
	return bs->nr >= BREAKER_RING && in_window(bs, ring_index(bs, 0), now_ms, window_ms);
}

/* The newest action on @workload within the window, 0 if none. */
static uint64_t last_action_on(const struct breaker_state *bs, uint64_t workload)
{
	uint64_t last = 0;

	for (size_t i = 0; i < ring_len(bs); i++) {
		size_t idx = ring_index(bs, i);

		if (bs->recent[idx].workload == workload && bs->recent[idx].t_ms > last)
			last = bs->recent[idx].t_ms;
	}
	return last;
}

/* Actions on @workload within the window. */
static size_t count_recent_on(const struct breaker_state *bs, uint64_t workload, uint64_t now_ms,
			      uint64_t window_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < ring_len(bs); i++) {
		size_t idx = ring_index(bs, i);

		n += bs->recent[idx].workload == workload && in_window(bs, idx, now_ms, window_ms);
	}
	return n;
}

/*
 * Cooldown and rate limit, for a new ladder that starts with a signal. They
 * count per workload: they keep one wrong rule from signalling a workload's
 * processes one after another faster than the effect of the first can be
 * seen, and must not make a second, real leaker wait behind the first (four
 * leakers started together drained a pool while they waited their turn).
 * A rule wrong for many workloads at once is what disarm stops.
 */
static bool signal_breakers(const struct candidate *c, const struct breaker_params *bp,
			    const struct breaker_state *bs, uint64_t now_ms, struct decision *d)
{
	uint64_t workload = policy_workload(c), last = last_action_on(bs, workload);
	uint64_t since = elapsed_ms(now_ms, last);
	size_t n;

	/* last == 0: never acted (a monotonic clock can be near 0 at boot) */
	if (last && since < (uint64_t)bp->cooldown_s * 1000)
		return refuse(d, "cooldown", "last action on this workload %llu s ago (cooldown %u s)",
			      (unsigned long long)(since / 1000), bp->cooldown_s);
	n = count_recent_on(bs, workload, now_ms, RATE_WINDOW_MS);
	if (n >= bp->max_actions_per_min)
		return refuse(d, "rate limit",
			      "%zu actions on this workload in the last 60 s (max %u)", n,
			      bp->max_actions_per_min);
	return false;
}

/*
 * Breakers for a target whose ladder has not started. The crash loop stops
 * the pointless kill/restart cycle of a workload a supervisor (systemd,
 * kubelet) keeps restarting. A ladder that starts with a quarantine waits
 * for nothing else: it is reversible (released when the leak stops) and
 * costs the target nothing but new sockets, and every minute it waits the
 * pool drains.
 */
static bool new_target_breakers(const struct candidate *c, const struct policy_params *p,
				const struct breaker_params *bp, const struct breaker_state *bs,
				uint64_t now_ms, struct decision *d)
{
	size_t n;

	if (history_lost(bs, bp, now_ms))
		return refuse(d, "breaker history full",
			      "%d actions inside the breaker windows, older ones forgotten",
			      BREAKER_RING);
	n = count_ladders(bs, policy_workload(c), now_ms, (uint64_t)bp->crashloop_window_s * 1000);
	if (n >= bp->crashloop_max)
		return refuse(d, "crash loop: it keeps coming back",
			      "workload acted on %zu times in %u s (max %u)", n,
			      bp->crashloop_window_s, bp->crashloop_max);
	return !p->quarantine && signal_breakers(c, bp, bs, now_ms, d);
}

/*
 * Breakers: true (and @d filled) when one refuses. Disarm binds everything,
 * escalations included: it means the daemon itself may be what is wrong.
 * The others bind only new targets: a ladder once started is finished,
 * because a quarantined or SIGTERMed process left half-way is worse.
 */
static bool breakers_refuse(const struct candidate *c, const struct target_history *th,
			    const struct policy_params *p, const struct breaker_params *bp,
			    const struct breaker_state *bs, uint64_t now_ms, struct decision *d)
{
	uint64_t window_ms = (uint64_t)bp->disarm_window_s * 1000;
	size_t n;

	if (now_ms < bs->disarmed_until_ms)
		return refuse(d, "disarmed", "disarmed for %llu s more",
			      (unsigned long long)((bs->disarmed_until_ms - now_ms + 999) / 1000));
	if (new_target(th) && new_target_breakers(c, p, bp, bs, now_ms, d))
		return true;
	if (new_target(th) && p->quarantine)
		return false; /* a quarantine never counts toward a disarm */
	/* policy_record disarms once the limit is exceeded; refuse to be the one who does */
	n = distinct_workloads(bs, now_ms, window_ms, policy_workload(c));
	if (n > bp->disarm_workloads)
		return refuse(d, "would disarm: too many workloads",
			      "%zu workloads hit within %u s (max %u)", n, bp->disarm_window_s,
			      bp->disarm_workloads);
	return false;
}

/*
 * Does the target itself still press on its pool, after quarantine_s? Its
 * own growth (a quarantine refuses new sockets, so growth means it did not
 * help), or a share of a pool under pressure big enough to be what keeps it
 * there. The pool's fill alone is not its evidence: with several leakers in
 * one pool, the fill rises from the others' growth while this one sits
 * quarantined and flat.
 */
#define OWN_SHARE_MIN 0.2

static bool presses_itself(const struct candidate *c, const struct policy_params *p)
{
	return c->growth_per_s > 0 || (under_pressure(c, p) && c->pool_share >= OWN_SHARE_MIN);
}

/* The classes whose sockets are connections that may sit idle: a growth of
 * them (plain, or on bind()-taken ports), or a flat hog of a full pool (a
 * connection pool grown too big). Not UDP: no connection to be idle. */
static bool idle_class(enum leak_class c)
{
	return c == LEAK_GROWTH || c == LEAK_BIND_BEFORE_CONNECT || c == LEAK_HOG;
}

bool policy_reclaims(const struct candidate *c, const struct policy_params *p)
{
	if (!c || !p || p->reclaim == RECLAIM_NO)
		return false;
	return c->class == LEAK_CLOSE_WAIT || (p->reclaim == RECLAIM_IDLE && idle_class(c->class));
}

/* The reclaim rung: a CLOSE_WAIT pile is dead weight the kernel can take
 * back without touching the process. Once per target: released after it (it
 * holds nothing), a target that builds a new pile would otherwise go round
 * quarantine -> reclaim -> release until the crash-loop breaker stopped
 * acting on it at all, and its leak ran the pool dry. Its next ladder ends
 * in SIGTERM. */
static bool reclaim_due(const struct candidate *c, const struct target_history *th,
			const struct policy_params *p)
{
	return policy_reclaims(c, p) && !th->reclaimed;
}

/* After a reclaim: quarantine_s to see the ports come back; TERM only when
 * the target still presses on its own evidence (it rebuilt the pile, or
 * what it holds besides is what fills the pool). */
static void after_reclaim(const struct candidate *c, const struct target_history *th,
			  const struct policy_params *p, uint64_t now_ms, struct decision *d)
{
	uint64_t since = elapsed_ms(now_ms, th->reclaimed_ms);

	if (since < (uint64_t)p->quarantine_s * 1000)
		say(d, ACTION_NONE, "reclaimed, waiting", "reclaimed %llu s ago, waiting %u s",
		    (unsigned long long)(since / 1000), p->quarantine_s);
	else if (presses_itself(c, p))
		say_pressure(d, ACTION_TERM, "reclaim did not help", c, p);
	else
		say(d, ACTION_NONE, "reclaim holds",
		    "flat (%+.1f/s), %.0f%% of a pool %.0f%% full: its ports came back",
		    c->growth_per_s, c->pool_share * 100, c->pool_fill * 100);
}

/* The next rung: quarantine (or TERM) first, TERM when the quarantine has
 * not helped in quarantine_s (on the target's own evidence), KILL when
 * SIGTERM has not in grace_s. A CLOSE_WAIT pile is reclaimed before TERM. */
static void ladder_step(const struct candidate *c, const struct target_history *th,
			const struct policy_params *p, uint64_t now_ms, struct decision *d)
{
	uint64_t q_ms = th->quarantined_ms ? th->quarantined_ms : th->last_ms;
	uint64_t t_ms = th->term_ms ? th->term_ms : th->last_ms;

	switch (th->last) {
	case ACTION_QUARANTINE:
		if (elapsed_ms(now_ms, q_ms) < (uint64_t)p->quarantine_s * 1000)
			say(d, ACTION_NONE, "quarantined, waiting", "quarantined %llu s of %u s",
			    (unsigned long long)(elapsed_ms(now_ms, q_ms) / 1000), p->quarantine_s);
		else if (presses_itself(c, p))
			say_pressure(d, reclaim_due(c, th, p) ? ACTION_RECLAIM : ACTION_TERM,
				     "quarantine did not help", c, p);
		else
			say(d, ACTION_NONE, "quarantine holds",
			    "flat (%+.1f/s), %.0f%% of a pool %.0f%% full: no cause of its own to go on",
			    c->growth_per_s, c->pool_share * 100, c->pool_fill * 100);
		return;
	case ACTION_RECLAIM:
		after_reclaim(c, th, p, now_ms, d);
		return;
	case ACTION_TERM:
		if (elapsed_ms(now_ms, t_ms) >= (uint64_t)p->grace_s * 1000)
			say_pressure(d, ACTION_KILL, "grace period is over", c, p);
		else
			say(d, ACTION_NONE, "grace period", "SIGTERM sent %llu s ago, grace %u s",
			    (unsigned long long)(elapsed_ms(now_ms, t_ms) / 1000), p->grace_s);
		return;
	case ACTION_KILL:
		say(d, ACTION_NONE, "already killed", "SIGKILL sent %llu s ago",
		    (unsigned long long)(elapsed_ms(now_ms, th->last_ms) / 1000));
		return;
	default:
		say_pressure(d,
			     p->quarantine	       ? ACTION_QUARANTINE
			     : reclaim_due(c, th, p) ? ACTION_RECLAIM
						     : ACTION_TERM,
			     "leaking under port pressure", c, p);
	}
}

/* cgroup.kill and cgroup quarantine need a v2 cgroup, and the root cgroup is
 * the whole host: both fall back to the process. AUTO takes the cgroup only
 * when the leak is spread over several of its processes. */
static enum scope resolve_scope(const struct candidate *c, const struct policy_params *p)
{
	bool cgroup_ok = c->cgroup_is_v2 && !cgroup_is_root(c->cgroup);

	if (p->scope == SCOPE_CGROUP && cgroup_ok)
		return SCOPE_CGROUP;
	if (p->scope == SCOPE_AUTO && cgroup_ok && c->leaking_in_cgroup > 1)
		return SCOPE_CGROUP;
	return SCOPE_PROCESS;
}

/* Rule a for a suspect that is (no longer) in a leak class. */
static void not_leaking(const struct candidate *c, const struct target_history *th,
			struct decision *d)
{
	/* a quarantine is a penalty for leaking: lift it when the leak stops,
	 * also for a target that survived SIGTERM and stopped leaking */
	if (th->quarantined_ms && th->last != ACTION_KILL)
		say(d, ACTION_RELEASE, "no longer leaking", "class %s", leak_class_name(c->class));
	/* churn (TIME_WAIT) and ephemeral listeners are fixed in code or sysctls:
	 * killing never helps, so they are never acted on */
	else
		say(d, ACTION_NONE, "not a leak", "class %s is never acted on",
		    leak_class_name(c->class));
}

struct decision policy_decide(const struct candidate *c, const struct target_history *th,
			      const struct policy_params *p, const struct breaker_params *bp,
			      const struct breaker_state *bs, const struct protections *prot,
			      uint64_t now_ms)
{
	static const struct target_history fresh;
	struct decision d;

	memset(&d, 0, sizeof(d));
	d.scope = SCOPE_PROCESS;
	if (!c || !p || !bp || !bs) {
		say(&d, ACTION_NONE, "no input", "policy_decide called without input");
		return d;
	}
	if (!th)
		th = &fresh;
	d.scope = resolve_scope(c, p);
	if (!is_leak_class(c->class)) /* a: only leaks are ever acted on */
		not_leaking(c, th, &d);
	else if (check_protected(prot, c, &d)) /* b: say so, loudly, and never act */
		;
	else if (target_ports(c) < p->min_ports) /* c: too small to be what exhausts a pool */
		say(&d, ACTION_NONE, "below min_ports", "%u ports held < min_ports %u",
		    target_ports(c), p->min_ports);
	/* d: a leak with room left: tell, do not touch. Pressure gates the start
	 * of a ladder only: a quarantine stops the growth and with it the
	 * forecast, which must not stall the escalation it justified. */
	else if (new_target(th) && !under_pressure(c, p))
		say_pressure(&d, ACTION_ALERT, "suspect, no pressure yet", c, p);
	else if (!p->enforce) /* e: the cgroup opted out */
		say_pressure(&d, ACTION_ALERT, "enforcement off for this cgroup", c, p);
	else if (!breakers_refuse(c, th, p, bp, bs, now_ms, &d)) /* f */
		ladder_step(c, th, p, now_ms, &d);	      /* g */
	return d;
}

/*
 * Only quarantines and signals enter the ring and move the history: alerts
 * cost nothing and must not trip breakers. A RELEASE ends the ladder
 * (last = RELEASE, quarantined_ms = 0) without entering the ring: lifting a
 * penalty is no action against anyone, and if the target leaks again it
 * starts a new ladder, which the crash loop then counts.
 */
void policy_record(struct breaker_state *bs, struct target_history *th, const struct candidate *c,
		   const struct breaker_params *bp, enum action a, uint64_t now_ms)
{
	if (a == ACTION_RELEASE && th) {
		th->last = ACTION_RELEASE;
		th->last_ms = now_ms;
		th->quarantined_ms = 0;
		th->term_ms = 0;
		/* reclaimed stays: see reclaim_due() */
	}
	/* like a release, a reclaim moves the ladder but not the breakers'
	 * ring: it costs the target only sockets it no longer used */
	if (a == ACTION_RECLAIM && th) {
		th->last = a;
		th->last_ms = now_ms;
		th->reclaimed_ms = now_ms;
		th->reclaimed = true;
	}
	if (a != ACTION_QUARANTINE && a != ACTION_TERM && a != ACTION_KILL)
		return;
	bs->head %= BREAKER_RING;
	bs->recent[bs->head].t_ms = now_ms;
	bs->recent[bs->head].workload = policy_workload(c);
	bs->recent[bs->head].action = a;
	bs->head = (bs->head + 1) % BREAKER_RING;
	if (bs->nr < BREAKER_RING)
		bs->nr++;
	bs->last_action_ms = now_ms;
	if (th) {
		th->last = a;
		th->last_ms = now_ms;
		if (a == ACTION_QUARANTINE)
			th->quarantined_ms = now_ms;
		if (a == ACTION_TERM)
			th->term_ms = now_ms;
	}
	if (bp && a != ACTION_QUARANTINE &&
	    distinct_workloads(bs, now_ms, (uint64_t)bp->disarm_window_s * 1000,
			       policy_workload(c)) > bp->disarm_workloads)
		bs->disarmed_until_ms = now_ms + (uint64_t)bp->disarm_window_s * 1000;
}
