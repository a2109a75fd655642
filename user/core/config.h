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
 *
 * Durations take s, m, h or ms suffixes (a bare number is seconds).
 */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include <stddef.h>
#include "core/policy.h"
#include "core/surge.h"

#define CONFIG_OVERRIDES_MAX 32

struct cgroup_override {
	char pattern[256];	     /* fnmatch glob on the cgroup path */
	struct policy_params params; /* the defaults with this section's keys applied */
};

struct daemon_config {
	uint32_t interval_ms;
	uint32_t watch_ms;	   /* between reads of the activity counters; 0: off */
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

/*
 * Parse @path into @out (starting from the defaults). On error returns
 * -EINVAL (or -errno when the file cannot be read) and writes
 * "FILE:LINE: reason" into @err; @out is then unspecified.
 */
int config_load(const char *path, struct daemon_config *out, char *err, size_t err_len);

/* Same, from a string (@name is used in messages): for tests. */
int config_parse(const char *text, const char *name, struct daemon_config *out, char *err,
		 size_t err_len);

/* The policy for a cgroup path: the first matching override, else the default. */
const struct policy_params *config_policy_for(const struct daemon_config *c,
					      const char *cgroup_path);

#endif /* PW_CONFIG_H */
