/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The daemon's configuration file: thresholds, windows, grace, protections
 * and per-cgroup overrides. A bad file is refused with file, line and reason.
 *
 *	# comment
 *	[daemon]
 *	interval = 1s            # between samples
 *	window = 30s             # classifier window
 *	watch = 200ms            # activity counters read between samples; 0: off
 *	surge_time = 2s          # net opens >= 100/s this long: snapshot and judge now
 *	[policy]
 *	fill_threshold = 80%     # or 0.8
 *	horizon = 120s
 *	min_ports = 100
 *	quarantine = yes
 *	quarantine_time = 10s
 *	grace = 10s
 *	scope = auto             # auto | process | cgroup
 *	[breakers]
 *	cooldown = 30s
 *	max_actions_per_minute = 3
 *	disarm_workloads = 5
 *	disarm_window = 60s
 *	crashloop_max = 3
 *	crashloop_window = 600s
 *	[protect]                # added to the built-in protections
 *	comm = sshd*
 *	exe = /usr/sbin/sshd
 *	cgroup = /system.slice/ssh.service
 *	pod = kube-system/dns-*  # NAMESPACE/POD of a Kubernetes container (runtime's files)
 *	container_name = db-*    # the runtime's container name (Kubernetes or podman)
 *	[cgroup "/kubepods.slice/kubepods-*.slice"]   # overrides (fnmatch; first match wins)
 *	enforce = no
 *	fill_threshold = 90%
 *	[pod "kube-system/dns-*"] # by the runtime's names: NAMESPACE/POD, each part a glob
 *	enforce = no
 *	[container "db-*"]       # by the container's name (Kubernetes' or podman's)
 *	min_ports = 500
 *
 * Durations take s, m, h or ms suffixes (a bare number is seconds).
 */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include <stddef.h>
#include "core/policy.h"
#include "core/surge.h"

#define CONFIG_OVERRIDES_MAX 32

/* What an override section selects on. */
enum override_kind {
	OVERRIDE_CGROUP = 0, /* [cgroup "GLOB"]: the cgroup path */
	OVERRIDE_POD,	     /* [pod "NS/POD"]: a Kubernetes container's "NAMESPACE/POD" */
	OVERRIDE_CONTAINER,  /* [container "GLOB"]: the runtime's container name */
};

/* The longest glob of each kind: a cgroup's as before, a pod's and a
 * container's as long as the names they match. */
#define OVERRIDE_CGROUP_MAX 255
#define OVERRIDE_PATTERN_MAX PROTECT_POD_MAX

struct cgroup_override {
	enum override_kind kind;
	char pattern[OVERRIDE_PATTERN_MAX + 1]; /* fnmatch glob */
	unsigned int line;			/* of the section header, for messages */
	struct policy_params params; /* the defaults with this section's keys applied */
};

struct daemon_config {
	uint32_t interval_ms;
	uint32_t watch_ms;	   /* between reads of the activity counters; 0: off */
	uint32_t incidents_keep;   /* incident reports kept (the newest) */
	uint32_t incident_window_s; /* an incident report covers this long before the action */
	struct surge_params surge; /* the fast-leak trigger (trip_ms is surge_time) */
	struct classify_params classify;
	struct policy_params policy;
	struct breaker_params breakers;
	struct protections protect; /* built-in defaults plus the file's */
	struct cgroup_override overrides[CONFIG_OVERRIDES_MAX];
	size_t nr_overrides;
};

/* The built-in configuration (what runs without --config). */
void config_defaults(struct daemon_config *c);

/* The @i-th key of [daemon], [policy] and [breakers], in that order; NULL
 * past the last. For tests that hold a file to every key (the shipped
 * default config). */
const char *config_key_name(size_t i);

/*
 * Parse @path into @out (starting from the defaults). On error returns
 * -EINVAL (or -errno when the file cannot be read) and writes
 * "FILE:LINE: reason" into @err; @out is then unspecified.
 */
int config_load(const char *path, struct daemon_config *out, char *err, size_t err_len);

/* Same, from a string (@name is used in messages): for tests. */
int config_parse(const char *text, const char *name, struct daemon_config *out, char *err,
		 size_t err_len);

/* The policy for a cgroup path: the first matching [cgroup] override, else
 * the default ([pod] and [container] sections never match: no names). */
const struct policy_params *config_policy_for(const struct daemon_config *c,
					      const char *cgroup_path);

/* Who a policy is chosen for. */
struct policy_subject {
	const char *cgroup;		     /* its cgroup path; NULL: not named */
	const struct container_names *names; /* its container's; NULL or "": none */
	bool names_unknown;		     /* a container whose names could not be read */
};

/*
 * The policy for @s: the first override section in the file, of any kind,
 * that matches it, else [policy]. When @s's names are unknown, a [pod] or
 * [container] section met before any match cannot tell whether it matches:
 * *@untold is set to the first such section (else NULL), and the search goes
 * on past it. The caller must then not act (config_hold_off): the section
 * may be one that turns enforcement off, or loosens it, for that container.
 */
const struct policy_params *config_policy_select(const struct daemon_config *c,
						 const struct policy_subject *s,
						 const struct cgroup_override **untold);

/* A decision to act (quarantine, signal) under an @untold section becomes an
 * alert saying which section could not be told. True when it held off. */
bool config_hold_off(const struct cgroup_override *untold, struct decision *dec);

/* "cgroup", "pod" or "container". */
const char *override_kind_name(enum override_kind k);

#endif /* PW_CONFIG_H */
