// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the actuator's guards, on real child processes (no root needed).
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "act/actuator.h"
#include "host/procfs.h"
#include "unit.h"

/* A child that sleeps until killed; its start time through @start. */
static pid_t spawn_sleeper(uint64_t *start)
{
	char comm[PW_COMM_LEN];
	bool kthread;
	pid_t pid = fork(), ppid;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	if (pid > 0 && proc_identity(pid, start, comm, &kthread, &ppid))
		*start = 0;
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

UNIT_TEST(refuses_self_init_and_ancestors)
{
	struct target t;

	ASSERT_EQ_INT(target_open(getpid(), 0, &t), ACT_SELF);
	ASSERT_EQ_INT(target_open(getppid(), 0, &t), ACT_ANCESTOR);
	ASSERT_EQ_INT(target_open(1, 0, &t), ACT_INIT);
	ASSERT_EQ_INT(target_open(0, 0, &t), ACT_INIT);
	ASSERT_EQ_INT(target_open(-5, 0, &t), ACT_INIT);
}

UNIT_TEST(refuses_kernel_threads)
{
	struct proc_stat st;
	struct target t;

	/* kthreadd is pid 2 on every host kernel; in a pid namespace it is not */
	if (procfs_pid_stat(2, &st) || !(st.flags & 0x00200000UL))
		SKIP_TEST("pid 2 is not a kernel thread here (pid namespace?)");
	ASSERT_EQ_INT(target_open(2, 0, &t), ACT_KTHREAD);
}

UNIT_TEST(signals_the_bound_child)
{
	uint64_t start = 0;
	pid_t pid = spawn_sleeper(&start);
	struct target t;
	int status = 0;

	ASSERT_TRUE(pid > 0 && start > 0);
	ASSERT_EQ_INT(target_open(pid, start, &t), ACT_OK);
	ASSERT_EQ_INT(target_signal(&t, SIGTERM, true), ACT_OK); /* dry run: verify only */
	ASSERT_TRUE(!target_exited(&t));
	ASSERT_EQ_INT(target_signal(&t, SIGKILL, false), ACT_OK);
	ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	target_close(&t);
}

/* The decision saw another process under this pid (pid reuse): refuse. */
UNIT_TEST(refuses_a_different_start_time)
{
	uint64_t start = 0;
	pid_t pid = spawn_sleeper(&start);
	struct target t;

	ASSERT_TRUE(pid > 0 && start > 0);
	ASSERT_EQ_INT(target_open(pid, start + 1, &t), ACT_CHANGED);
	ASSERT_EQ_INT(t.pidfd, -1);
	ASSERT_EQ_INT(kill(pid, 0), 0); /* untouched */
	reap(pid);
}

/* Exited between the decision and the signal: nothing is sent to anyone. */
UNIT_TEST(refuses_a_process_that_exited)
{
	uint64_t start = 0;
	pid_t pid = spawn_sleeper(&start);
	struct target t;

	ASSERT_TRUE(pid > 0);
	ASSERT_EQ_INT(target_open(pid, start, &t), ACT_OK);
	reap(pid);
	ASSERT_TRUE(target_exited(&t));
	ASSERT_EQ_INT(target_verify(&t), ACT_GONE);
	ASSERT_EQ_INT(target_signal(&t, SIGKILL, false), ACT_GONE);
	target_close(&t);
	ASSERT_EQ_INT(target_open(pid, start, &t), ACT_GONE);
}

/* A target whose recorded identity no longer matches is refused too. */
UNIT_TEST(verify_catches_a_changed_identity)
{
	uint64_t start = 0;
	pid_t pid = spawn_sleeper(&start);
	struct target t;

	ASSERT_TRUE(pid > 0);
	ASSERT_EQ_INT(target_open(pid, start, &t), ACT_OK);
	t.start_time++;
	ASSERT_EQ_INT(target_verify(&t), ACT_CHANGED);
	ASSERT_EQ_INT(target_signal(&t, SIGKILL, false), ACT_CHANGED);
	t.start_time--;
	snprintf(t.cgroup, sizeof(t.cgroup), "/somewhere/else");
	ASSERT_EQ_INT(target_signal(&t, SIGKILL, false), ACT_CHANGED);
	ASSERT_EQ_INT(kill(pid, 0), 0);
	target_close(&t);
	reap(pid);
}

UNIT_TEST(never_kills_our_own_cgroup_or_the_root)
{
	char ours[4096];

	ASSERT_EQ_INT(procfs_pid_cgroup(getpid(), "", ours, sizeof(ours)), 0);
	ASSERT_TRUE(cgroup_holds_us("/"));
	ASSERT_TRUE(cgroup_holds_us(""));
	ASSERT_TRUE(cgroup_holds_us(ours));
	ASSERT_EQ_INT(cgroup_kill_all("/sys/fs/cgroup", "/", false), -EPERM);
	ASSERT_EQ_INT(cgroup_kill_all("/sys/fs/cgroup", ours, false), -EPERM);
	ASSERT_TRUE(!cgroup_holds_us("/portwarden-no-such-cgroup"));
}

UNIT_TEST(parses_hostile_stat_lines)
{
	struct proc_stat st;
	const char *line = "4242 (a) b) (c) S 17 4242 4242 0 -1 4194560 0 0 0 0 1 2 0 0 20 0 1 0 "
			   "987654 1000 10";

	ASSERT_EQ_INT(procfs_parse_stat(line, &st), 0);
	ASSERT_EQ_STR(st.comm, "a) b) (c");
	ASSERT_EQ_INT(st.state, 'S');
	ASSERT_EQ_INT(st.ppid, 17);
	ASSERT_EQ_INT(st.flags, 4194560);
	ASSERT_EQ_INT(st.start_time, 987654);
	ASSERT_EQ_INT(procfs_parse_stat("4242 no parens", &st), -EINVAL);
	ASSERT_EQ_INT(procfs_parse_stat("4242 (x) S", &st), -EINVAL);
}

int main(void)
{
	signal(SIGCHLD, SIG_DFL);
	RUN(refuses_self_init_and_ancestors);
	RUN(refuses_kernel_threads);
	RUN(signals_the_bound_child);
	RUN(refuses_a_different_start_time);
	RUN(refuses_a_process_that_exited);
	RUN(verify_catches_a_changed_identity);
	RUN(never_kills_our_own_cgroup_or_the_root);
	RUN(parses_hostile_stat_lines);
	return UNIT_MAIN_END();
}
