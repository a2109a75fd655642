// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the actuator's guards, on real child processes (no root needed).
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "act/actuator.h"
#include "host/procfs.h"
#include "unit.h"

#define CHILDREN_MAX 16

/* Every child still to reap: a failed assertion returns early, so reaping
 * is not left to the test body (reap_all runs after each case and at exit). */
static pid_t children[CHILDREN_MAX];

static void reap(pid_t pid)
{
	for (int i = 0; i < CHILDREN_MAX; i++)
		if (children[i] == pid)
			children[i] = 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void reap_all(void)
{
	for (int i = 0; i < CHILDREN_MAX; i++)
		if (children[i] > 0)
			reap(children[i]);
}

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
	for (int i = 0; pid > 0 && i < CHILDREN_MAX; i++)
		if (!children[i]) {
			children[i] = pid;
			break;
		}
	if (pid > 0 && proc_identity(pid, start, comm, &kthread, &ppid))
		*start = 0;
	return pid;
}

/* A fake cgroup2 mount in a temporary directory: cgroup_kill_all() writes
 * "1" to MOUNT/REL/cgroup.kill, here a plain file the test reads back. The
 * real hierarchy is never touched, so a regression kills nobody. */
static char fake_mount[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void remove_fake_mount(void)
{
	if (fake_mount[0])
		nftw(fake_mount, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	fake_mount[0] = '\0';
}

/* Create MOUNT/@rel/cgroup.kill, empty. 0 or -1. */
static int fake_cgroup(const char *rel)
{
	char path[8192];
	int fd;

	snprintf(path, sizeof(path), "%s%s", fake_mount, rel);
	for (char *p = path + strlen(fake_mount) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	mkdir(path, 0700);
	strncat(path, "/cgroup.kill", sizeof(path) - strlen(path) - 1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	return fd < 0 ? -1 : close(fd);
}

/* What was written to MOUNT/@rel/cgroup.kill ("" when nothing). */
static const char *kill_written(const char *rel, char *buf, size_t len)
{
	char path[8192];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s%s/cgroup.kill", fake_mount, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return n < 0 ? "(unreadable)" : buf;
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
	char ours[4096], buf[16];

	ASSERT_EQ_INT(procfs_pid_cgroup(getpid(), "", ours, sizeof(ours)), 0);
	ASSERT_TRUE(mkdtemp(strcpy(fake_mount, "/tmp/pw-actuator-XXXXXX")) != NULL);
	ASSERT_EQ_INT(fake_cgroup(""), 0);
	ASSERT_EQ_INT(fake_cgroup(ours), 0);
	ASSERT_EQ_INT(fake_cgroup("/portwarden-test-other"), 0);
	ASSERT_TRUE(cgroup_holds_us("/"));
	ASSERT_TRUE(cgroup_holds_us(""));
	ASSERT_TRUE(cgroup_holds_us(ours));
	ASSERT_EQ_INT(cgroup_kill_all(fake_mount, "/", 0, false), -EPERM);
	ASSERT_EQ_INT(cgroup_kill_all(fake_mount, "", 0, false), -EPERM);
	ASSERT_EQ_INT(cgroup_kill_all(fake_mount, ours, 0, false), -EPERM);
	ASSERT_EQ_STR(kill_written("", buf, sizeof(buf)), "");
	ASSERT_EQ_STR(kill_written(ours, buf, sizeof(buf)), "");
	/* the same call does write for a cgroup that holds none of us */
	ASSERT_TRUE(!cgroup_holds_us("/portwarden-test-other"));
	ASSERT_EQ_INT(cgroup_kill_all(fake_mount, "/portwarden-test-other", 0, false), 0);
	ASSERT_EQ_STR(kill_written("/portwarden-test-other", buf, sizeof(buf)), "1");
}

/* The inode number of MOUNT/@rel, which is the cgroup id on cgroupfs. */
static uint64_t fake_id(const char *rel)
{
	char path[8192];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", fake_mount, rel);
	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

/* The workload the decision saw went away, and another cgroup was made at
 * the same path before the action: the id no longer matches, nothing is
 * written; the cgroup it did see is still killed by id. */
UNIT_TEST(cgroup_made_again_at_the_same_path_is_not_killed)
{
	const char *rel = "/portwarden-test-again";
	char kill[8192], buf[16];
	uint64_t seen, now;
	int signalled = -1;

	ASSERT_TRUE(mkdtemp(strcpy(fake_mount, "/tmp/pw-actuator-XXXXXX")) != NULL);
	ASSERT_EQ_INT(fake_cgroup(rel), 0);
	seen = fake_id(rel);
	snprintf(kill, sizeof(kill), "%s%s/cgroup.kill", fake_mount, rel);
	ASSERT_EQ_INT(unlink(kill), 0);
	snprintf(kill, sizeof(kill), "%s%s", fake_mount, rel);
	ASSERT_EQ_INT(rmdir(kill), 0);
	/* a directory in between, so the new one cannot take the freed inode */
	ASSERT_EQ_INT(fake_cgroup("/portwarden-test-between"), 0);
	ASSERT_EQ_INT(fake_cgroup(rel), 0);
	now = fake_id(rel);
	ASSERT_TRUE(seen && now && seen != now);
	ASSERT_EQ_INT(cgroup_kill_all(fake_mount, rel, seen, false), -ESTALE);
	ASSERT_EQ_INT(cgroup_kill_all(fake_mount, rel, seen, true), -ESTALE);
	ASSERT_EQ_INT(cgroup_signal_all(fake_mount, rel, seen, SIGTERM, true, &signalled),
		      -ESTALE);
	ASSERT_EQ_INT(signalled, 0);
	ASSERT_EQ_STR(kill_written(rel, buf, sizeof(buf)), "");
	ASSERT_EQ_INT(cgroup_kill_all(fake_mount, rel, now, false), 0);
	ASSERT_EQ_STR(kill_written(rel, buf, sizeof(buf)), "1");
}

/* Out of file descriptors, /proc/self/cgroup cannot be read: whether a
 * cgroup holds us is unknown, so it counts as holding us (fails closed). */
UNIT_TEST(holds_us_when_our_cgroup_is_unreadable)
{
	struct rlimit low;
	int status = 0;
	pid_t pid;

	ASSERT_EQ_INT(getrlimit(RLIMIT_NOFILE, &low), 0);
	pid = fork();
	if (pid == 0) {
		/* fds 0-2 stay open; a soft limit of 0 fails every new one (EMFILE) */
		low.rlim_cur = 0;
		if (setrlimit(RLIMIT_NOFILE, &low))
			_exit(4);
		_exit(cgroup_holds_us("/portwarden-test-other") ? 0 : 3);
	}
	ASSERT_TRUE(pid > 0);
	ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ_INT(WEXITSTATUS(status), 0);
}

/* The rule behind the refusals: the root covers all; a prefix covers only
 * whole path components. */
UNIT_TEST(cgroup_path_covers_whole_components)
{
	ASSERT_TRUE(cgroup_path_covers("/", "/a/b"));
	ASSERT_TRUE(cgroup_path_covers("", "/a"));
	ASSERT_TRUE(cgroup_path_covers("//", "/a"));
	ASSERT_TRUE(cgroup_path_covers("/a", "/a"));
	ASSERT_TRUE(cgroup_path_covers("/a/", "/a/b"));
	ASSERT_TRUE(!cgroup_path_covers("/a", "/ab"));
	ASSERT_TRUE(!cgroup_path_covers("/a/b", "/a"));
	ASSERT_TRUE(!cgroup_path_covers("/a", ""));
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

/* Each case, then whatever it left behind: children and the fake mount. */
#define RUN_REAPED(name)             \
	do {                         \
		RUN(name);           \
		reap_all();          \
		remove_fake_mount(); \
	} while (0)

int main(void)
{
	signal(SIGCHLD, SIG_DFL);
	atexit(reap_all);
	atexit(remove_fake_mount);
	RUN_REAPED(refuses_self_init_and_ancestors);
	RUN_REAPED(refuses_kernel_threads);
	RUN_REAPED(signals_the_bound_child);
	RUN_REAPED(refuses_a_different_start_time);
	RUN_REAPED(refuses_a_process_that_exited);
	RUN_REAPED(verify_catches_a_changed_identity);
	RUN_REAPED(never_kills_our_own_cgroup_or_the_root);
	RUN_REAPED(cgroup_made_again_at_the_same_path_is_not_killed);
	RUN_REAPED(holds_us_when_our_cgroup_is_unreadable);
	RUN_REAPED(cgroup_path_covers_whole_components);
	RUN_REAPED(parses_hostile_stat_lines);
	return UNIT_MAIN_END();
}
