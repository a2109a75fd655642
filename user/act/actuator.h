/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The only module that signals processes or kills cgroups. A target is bound
 * to a pidfd when it is chosen, its identity (start time, cgroup) is checked
 * again right before any signal, and hard guards refuse pid 1, kernel
 * threads, portwarden itself and its ancestors whatever the policy says.
 */
#ifndef PW_ACTUATOR_H
#define PW_ACTUATOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "pw_common.h"

/* A process chosen for an action. */
struct target {
	pid_t pid;
	int pidfd;              /* bound at selection: a reused pid cannot be hit */
	uint64_t start_time;    /* /proc/PID/stat field 22, clock ticks since boot */
	char comm[PW_COMM_LEN];
	char cgroup[4096];      /* the cgroup2 line of /proc/PID/cgroup at selection */
};

/* Why an action was refused; ACT_OK when it may go ahead. */
enum act_refusal {
	ACT_OK = 0,
	ACT_GONE,          /* the process exited (or its pid was reused) */
	ACT_CHANGED,       /* same pid, different start time or cgroup: not the one chosen */
	ACT_INIT,          /* pid 1 of the host */
	ACT_KTHREAD,       /* a kernel thread */
	ACT_SELF,          /* portwarden itself */
	ACT_ANCESTOR,      /* one of portwarden's ancestors */
	ACT_ERROR,         /* /proc or the pidfd failed otherwise */
};

const char *act_refusal_name(enum act_refusal r);

/*
 * Bind @pid into @t: open its pidfd and record its start time, comm and
 * cgroup, then apply the hard guards. On ACT_OK the caller owns t->pidfd
 * (target_close). @expected_start: the start time the decision saw, or 0.
 */
enum act_refusal target_open(pid_t pid, uint64_t expected_start, struct target *t);
void target_close(struct target *t);

/* Re-read the identity through /proc and compare with what was chosen. */
enum act_refusal target_verify(const struct target *t);

/* Verify, then send @sig through the pidfd. @dry_run: verify only. */
enum act_refusal target_signal(const struct target *t, int sig, bool dry_run);

/* Has the target exited? (The pidfd polls readable when it has.) */
bool target_exited(const struct target *t);
bool pidfd_exited(int pidfd);

/* Kill every process of cgroup2 cgroup @rel ("/a/b") under @mount, with
 * cgroup.kill (5.14+). @id is the cgroup id the decision saw (its
 * directory's inode number; 0: unchecked): a cgroup removed and made again
 * at that path since is another workload, refused with -ESTALE. Refuses the
 * root and any cgroup holding portwarden (-EPERM). Returns 0 or -errno. */
int cgroup_kill_all(const char *mount, const char *rel, uint64_t id, bool dry_run);

/* Send @sig to every process of cgroup @rel, each through a guarded pidfd;
 * *@signalled counts them. Same checks and refusals as cgroup_kill_all. */
int cgroup_signal_all(const char *mount, const char *rel, uint64_t id, int sig, bool dry_run,
		      int *signalled);

/* Is @rel the root, or does it hold portwarden or one of its ancestors?
 * True too when one of those cgroups cannot be read (fails closed). */
bool cgroup_holds_us(const char *rel);

/* Is cgroup @path (as /proc/PID/cgroup shows it) @rel or below it? The
 * root ("/" or "") covers every path. Pure. */
bool cgroup_path_covers(const char *rel, const char *path);

/* Start time (field 22 of /proc/@pid/stat) and comm, via the procfs module. */
int proc_identity(pid_t pid, uint64_t *start_time, char comm[PW_COMM_LEN], bool *kthread,
		  pid_t *ppid);

#endif /* PW_ACTUATOR_H */
