/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The kill decision: a pure function from one suspect, its history of actions
 * and the circuit breakers to the next step of the action ladder. No I/O, no
 * clock (time comes in as now_ms), so every rule is unit-tested.
 */
#ifndef PW_POLICY_H
#define PW_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/classify.h"
#include "core/labels.h"
#include "pw_common.h"

/* The action ladder, gentlest first. */
enum action {
	ACTION_NONE = 0,
	ACTION_ALERT,      /* log the suspect; nothing else */
	ACTION_QUARANTINE, /* refuse its new sockets (it stays alive) */
	ACTION_RECLAIM,    /* destroy its dead sockets (CLOSE_WAIT): it stays alive */
	ACTION_TERM,       /* SIGTERM */
	ACTION_KILL,       /* SIGKILL, after the grace period */
	ACTION_RELEASE,    /* lift a quarantine: the suspect stopped leaking */
};

enum scope {
	SCOPE_AUTO = 0, /* the cgroup when the leak is spread over its processes, else the process */
	SCOPE_PROCESS,
	SCOPE_CGROUP,
};

const char *action_name(enum action a); /* "alert", "quarantine", "reclaim", "term", ... */
const char *scope_name(enum scope s);   /* "auto", "process", "cgroup" */

/* Which sockets the reclaim rung destroys (act/reclaim.h). */
enum reclaim_mode {
	RECLAIM_NO = 0,
	RECLAIM_CLOSE_WAIT, /* CLOSE_WAIT: the peer closed, the application never did */
	RECLAIM_IDLE,	    /* those, and a connection leak's ESTABLISHED sockets idle
			     * for reclaim_idle_s (nothing sent or received) */
};

const char *reclaim_mode_name(enum reclaim_mode m); /* "no", "close-wait", "idle" */

struct policy_params {
	bool enforce;                  /* per cgroup override: false = never act, alert only */
	double fill_threshold;         /* act when a pool it holds ports in is this full (0..1] */
	uint32_t horizon_s;            /* ... or is forecast to run out within this time */
	uint32_t min_ports;            /* never act on a suspect holding fewer sockets */
	bool quarantine;               /* quarantine before signalling */
	uint32_t quarantine_s;         /* how long a quarantine may hold before SIGTERM */
	uint32_t grace_s;              /* SIGTERM -> SIGKILL */
	uint32_t hog_s;                /* a full pool failing for others this long: its
				        * dominant, flat holder is a hog (0: never) */
	enum scope scope;
	uint32_t ports_max;            /* port budget per cgroup, enforced in the kernel
				        * (act/budget.h); 0: none */
	enum reclaim_mode reclaim;     /* a CLOSE_WAIT pile is destroyed before SIGTERM */
	uint32_t reclaim_idle_s;       /* reclaim = idle: a connection idle this long is dead weight */
	double lifeline;               /* a pool this full is kept for protected
				        * processes (core/lifeline.h); 0: off.
				        * [policy] only */
};

/* Circuit breakers: limits on how much the daemon may do. Cooldown and rate
 * limit are per workload and bind ladders that start with a signal; a
 * quarantine (reversible) waits for neither. Disarm is host-wide. */
struct breaker_params {
	uint32_t cooldown_s;           /* no new target in a workload for this long after an action on it */
	uint32_t max_actions_per_min;  /* actions on one workload, escalations included */
	uint32_t disarm_workloads;     /* more distinct workloads hit within disarm_window_s: disarm */
	uint32_t disarm_window_s;      /* ... and stay disarmed this long */
	uint32_t crashloop_max;        /* the same workload hit this often within the window: */
	uint32_t crashloop_window_s;   /* ... it comes back (restarted): stop acting on it */
};

#define PROTECT_MAX 64
#define PROTECT_COMM_MAX (PW_COMM_LEN - 1) /* the longest comm there is */

/* "NAMESPACE/POD": the longest text a pod rule is matched against */
#define PROTECT_POD_MAX (CONTAINER_NS_MAX + 1 + CONTAINER_NAME_MAX)

/* Never act on these: globs (fnmatch) on comm, exe and cgroup path, and on the
 * container runtime's names (host/runtime_names.h): "NAMESPACE/POD" of a
 * Kubernetes container, the container name (Kubernetes' or podman's). */
struct protections {
	char comm[PROTECT_MAX][64];
	char exe[PROTECT_MAX][256];
	char cgroup[PROTECT_MAX][256];
	char pod[PROTECT_MAX][PROTECT_POD_MAX + 1];
	char container_name[PROTECT_MAX][CONTAINER_NAME_MAX + 1];
	size_t nr_comm, nr_exe, nr_cgroup, nr_pod, nr_container_name;
};

/* The built-in protections (init systems, sshd, portwarden, ...). */
void protections_defaults(struct protections *p);

/* Is @exe a built-in protection that starts the host's other processes
 * (init, systemd, container runtimes, dbus)? Its children would be the
 * whole host, so the lifeline does not pass its protection on. */
bool protections_spawner(const char *exe);

/* Everything the decision needs about one suspect (a process). */
struct candidate {
	uint32_t tgid;
	uint64_t start_time;          /* with the tgid, the process's identity */
	char comm[PW_COMM_LEN];
	char exe[PATH_MAX];
	char cgroup[PW_CGROUP_PATH_MAX]; /* cgroup path (v2, or v1 memory on hybrid hosts), whole */
	int cgroup_err;               /* 0: named; else why not (cgroup_place.err): see guard_hold_off */
	bool cgroup_is_v2;            /* cgroup.kill and cgroup quarantine need a v2 cgroup */
	struct container_names names; /* its container's, from the runtime; "" when none */
	bool names_unknown;           /* in a container whose runtime's names could not be
				       * read: pod and container_name rules cannot tell */
	enum leak_class class;        /* the classifier's verdict, after hysteresis */
	uint32_t ports_held;          /* sockets held, TIME_WAIT excluded */
	uint32_t cgroup_ports_held;   /* judged as its cgroup (a cgroup-scope ladder):
				       * the cgroup's; else 0 */
	double growth_per_s;
	double pool_fill;             /* the fullest pool it holds ports in, 0..1 */
	double pool_seconds_left;     /* forecast to exhaustion of that pool; INFINITY if none */
	double pool_share;            /* its share of that pool's used ports, 0..1 (its
				       * cgroup's, capped at what it holds itself unless
				       * judged as its cgroup) */
	uint32_t leaking_in_cgroup;   /* suspects (leak classes) among its cgroup's processes */
	bool urgent_named;            /* the class comes from the fast-leak verdict, just now */
	bool pressure_named;          /* ... from a window fitted to the time its pool has left */
	bool group_named;             /* ... from its cgroup's processes judged together */
};

/* What the daemon did to one target so far (one per process it acted on). */
struct target_history {
	enum action last;             /* the last action taken (ACTION_NONE: none yet) */
	uint64_t last_ms;             /* when */
	uint64_t quarantined_ms;      /* when the quarantine began, 0 if none */
	uint64_t term_ms;             /* when SIGTERM was sent, 0 if not */
	uint64_t reclaimed_ms;        /* when its dead sockets were destroyed */
	bool reclaimed;               /* ... once per target, a release does not reset it
				       * (reclaimed_ms may be 0 at boot) */
};

#define BREAKER_RING 64

/* The breakers' memory: recent actions, host-wide. */
struct breaker_state {
	struct {
		uint64_t t_ms;
		uint64_t workload; /* hash of the workload: its cgroup, or its exe in the v2 root */
		enum action action;
	} recent[BREAKER_RING];
	size_t nr, head;
	uint64_t last_action_ms;    /* the newest action on any workload */
	uint64_t disarmed_until_ms; /* 0: armed */
};

struct decision {
	enum action action;
	enum scope scope;          /* resolved: SCOPE_PROCESS or SCOPE_CGROUP */
	bool protected_target;     /* refused because it is protected: log it */
	const char *reason;        /* static, one short phrase, e.g. "pool 85% full >= 80%" goes in detail */
	char detail[160];
};

/* Does any protection (glob on comm, exe or cgroup) match? */
bool policy_protected(const struct protections *prot, const char *comm, const char *exe,
		      const char *cgroup);

/* The workload a candidate belongs to, as the breakers count it. */
uint64_t policy_workload(const struct candidate *c);

/*
 * Decide the next step for @c. Ladder: nothing until the class is a leak
 * class (never churn or a listener) and a pool it holds is past the fill
 * threshold or forecast to run out within the horizon (to start a ladder;
 * an ongoing one escalates while the class holds); then ALERT, or with
 * enforcement QUARANTINE (if configured) -> TERM after quarantine_s -> KILL
 * after grace_s. A CLOSE_WAIT leaker (with reclaim configured) gets RECLAIM
 * after the quarantine (or first, without one), and TERM only if it still
 * presses quarantine_s after that. Protected targets and tripped breakers get ALERT with the
 * reason. RELEASE when a quarantined suspect no longer leaks.
 */
struct decision policy_decide(const struct candidate *c, const struct target_history *th,
			      const struct policy_params *p, const struct breaker_params *bp,
			      const struct breaker_state *bs, const struct protections *prot,
			      uint64_t now_ms);

/* Would the ladder of @c under @p have a reclaim rung (a CLOSE_WAIT pile,
 * reclaim configured; with reclaim = idle also a leak of connections: the
 * classes leak, bind-before-connect and hog)? What a dry run reports as
 * would-reclaim. With reclaim = idle the rung may still find nothing idle
 * and be skipped (reclaim_rung_skipped()). */
bool policy_reclaims(const struct candidate *c, const struct policy_params *p);

/* Record an action the daemon took (not alerts) in the breakers and in @th. */
void policy_record(struct breaker_state *bs, struct target_history *th,
		   const struct candidate *c, const struct breaker_params *bp, enum action a,
		   uint64_t now_ms);

#endif /* PW_POLICY_H */
