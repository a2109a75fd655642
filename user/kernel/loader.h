/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* The BPF skeleton's life: pick what this kernel allows, load, attach, detach. */
#ifndef PW_LOADER_H
#define PW_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/modes.h"

struct trace_bpf;
struct bpf_link;

struct tracer_config {
	enum trace_mode mode;
	uint32_t tgid;	    /* 0: every process */
	uint64_t cgroup_id; /* 0: every cgroup */
	int cgroup_level;
	const char *cgroup_dir; /* where cgroup hooks attach: the filter or the cgroup2 root */
	bool failed_only;
	bool accounting; /* count activity and record closers (TIME_WAIT owners) */
	/* the state hook's rescue (bpf/trace.bpf.c) waits for the first missed
	 * run (tracer_rescue_on_miss()) instead of running from the start: the
	 * daemon's standing cost, where the other commands want every record */
	bool rescue_on_miss;
};

#define TRACER_MAX_LINKS 32

struct tracer {
	struct trace_bpf *skel;
	struct bpf_link *links[TRACER_MAX_LINKS];
	int nr_links;
	int cgroup_fd;
	enum trace_mode mode;	/* what runs: never MODE_AUTO */
	bool bind_hooks;	/* cgroup post_bind programs run */
	bool port_hooks;	/* bind(0) and UDP connect requests watched (state mode) */
	bool send_hook;		/* UDP send outcomes watched (state mode) */
	bool state_btf;		/* the state hook is tp_btf (fast), not the tracepoint (safe) */
	bool rescue_waits;	/* state_rescue is loaded, not yet attached */
};

/*
 * Load and attach the programs @cfg asks for, probing by trying: the state
 * hook as tp_btf, else as a classic tracepoint; the cgroup bind hooks where
 * the kernel accepts them, else without (bind successes then go unseen).
 * Syscall mode is all or nothing. Returns 0 or -errno, logging why.
 */
int tracer_open(struct tracer *t, const struct tracer_config *cfg);
void tracer_close(struct tracer *t);

int tracer_events_fd(const struct tracer *t);
int tracer_closers_fd(const struct tracer *t);
int tracer_activity_fd(const struct tracer *t);
uint64_t tracer_lost_events(const struct tracer *t);
/* Activity counts the kernel could not record: no entry could be made for
 * their key (the map full, with no entry the LRU could reclaim). */
uint64_t tracer_activity_dropped(const struct tracer *t);
/* Entries ever made in the activity map: nobody deletes them, so those
 * made and no longer there were evicted (the map was full). */
uint64_t tracer_activity_inserts(const struct tracer *t);
/* Entries the activity map holds at most; when full, the least recently
 * counted keys are evicted (their counts start again from zero). */
uint32_t tracer_activity_capacity(const struct tracer *t);
/*
 * Runs of our programs the kernel skipped because one was already running on
 * that CPU (recursion_misses in each program's info, 5.12+): lost data just
 * like lost events, and shown with them.
 */
uint64_t tracer_missed_runs(const struct tracer *t);
/*
 * With rescue_on_miss: once the state hook has missed a run, attach the
 * program that handles what it misses (runs missed before stay lost, and
 * counted). Call it every step. 1: attached now; 0: nothing to do; -errno:
 * the attach failed (said once, not tried again).
 */
int tracer_rescue_on_miss(struct tracer *t);

/* What the kernel counts of one of our programs while kernel.bpf_stats_enabled
 * is on (run_time_ns and run_cnt of bpf_prog_info; 0 while it is off). */
struct tracer_prog_stat {
	char name[64];
	uint64_t run_time_ns, run_cnt;
};

/* Up to @max of the loaded programs' stats into @out; returns how many. */
size_t tracer_prog_stats(const struct tracer *t, struct tracer_prog_stat *out, size_t max);

struct bpf_object;
/* The same for any of portwarden's objects (the socket iterators', the
 * quarantine hook's): its loaded programs, up to @max. */
size_t bpf_object_prog_stats(const struct bpf_object *obj, struct tracer_prog_stat *out,
			     size_t max);

#endif /* PW_LOADER_H */
