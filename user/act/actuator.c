// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The actuator: pidfd-bound targets, identity checks, hard guards, signals, cgroup.kill.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "act/actuator.h"
#include "host/procfs.h"

#define PF_KTHREAD 0x00200000UL

static const char *const refusal_names[] = {
	[ACT_OK] = "ok",	       [ACT_GONE] = "exited",	    [ACT_CHANGED] = "identity changed",
	[ACT_INIT] = "pid 1",	       [ACT_KTHREAD] = "kernel thread", [ACT_SELF] = "portwarden itself",
	[ACT_ANCESTOR] = "portwarden's ancestor", [ACT_ERROR] = "error",
};

const char *act_refusal_name(enum act_refusal r)
{
	return (size_t)r < sizeof(refusal_names) / sizeof(refusal_names[0]) ? refusal_names[r]
									   : "?";
}

int proc_identity(pid_t pid, uint64_t *start_time, char comm[PW_COMM_LEN], bool *kthread,
		  pid_t *ppid)
{
	struct proc_stat st;
	int err = procfs_pid_stat(pid, &st);

	if (err)
		return err;
	*start_time = st.start_time;
	memcpy(comm, st.comm, PW_COMM_LEN);
	*kthread = st.flags & PF_KTHREAD;
	*ppid = st.ppid;
	return 0;
}

/* Is @pid portwarden or one of its ancestors? Walks our parents up to init. */
static enum act_refusal self_or_ancestor(pid_t pid)
{
	uint64_t start;
	char comm[PW_COMM_LEN];
	bool kthread;
	pid_t p = getppid(), next;

	if (pid == getpid())
		return ACT_SELF;
	for (int depth = 0; p > 1 && depth < 4096; depth++, p = next) {
		if (p == pid)
			return ACT_ANCESTOR;
		if (proc_identity(p, &start, comm, &kthread, &next))
			break;
	}
	return ACT_OK;
}

static enum act_refusal hard_guards(pid_t pid, bool kthread)
{
	if (pid <= 1)
		return ACT_INIT;
	if (kthread)
		return ACT_KTHREAD;
	return self_or_ancestor(pid);
}

/* /proc/PID/cgroup unread: gone when the process is, else unverifiable
 * (a path too long for /proc to show whole, EMFILE, ...): refused either way. */
static enum act_refusal cgroup_refusal(int err)
{
	return err == -ENOENT || err == -ESRCH ? ACT_GONE : ACT_ERROR;
}

enum act_refusal target_open(pid_t pid, uint64_t expected_start, struct target *t)
{
	enum act_refusal r;
	int err;
	bool kthread;
	pid_t ppid;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	t->pid = pid;
	if (pid <= 1)
		return ACT_INIT;
	/* pidfd first, identity second: if the identity read after it matches
	 * what the decision saw, the pidfd is bound to that very process */
	t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0)
		return errno == ESRCH ? ACT_GONE : ACT_ERROR;
	if (proc_identity(pid, &t->start_time, t->comm, &kthread, &ppid))
		r = ACT_GONE;
	else if ((err = procfs_pid_cgroup(pid, "", t->cgroup, sizeof(t->cgroup))))
		r = cgroup_refusal(err);
	else if (expected_start && t->start_time != expected_start)
		r = ACT_CHANGED;
	else
		r = hard_guards(pid, kthread);
	if (r == ACT_OK && target_exited(t))
		r = ACT_GONE;
	if (r != ACT_OK)
		target_close(t);
	return r;
}

void target_close(struct target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}

bool pidfd_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP));
}

bool target_exited(const struct target *t)
{
	return pidfd_exited(t->pidfd);
}

enum act_refusal target_verify(const struct target *t)
{
	char comm[PW_COMM_LEN], cgroup[sizeof(t->cgroup)];
	uint64_t start;
	bool kthread;
	pid_t ppid;
	int err;

	if (t->pidfd < 0 || target_exited(t))
		return ACT_GONE;
	if (proc_identity(t->pid, &start, comm, &kthread, &ppid))
		return ACT_GONE;
	if ((err = procfs_pid_cgroup(t->pid, "", cgroup, sizeof(cgroup))))
		return cgroup_refusal(err);
	if (start != t->start_time || strcmp(cgroup, t->cgroup))
		return ACT_CHANGED;
	return hard_guards(t->pid, kthread);
}

enum act_refusal target_signal(const struct target *t, int sig, bool dry_run)
{
	enum act_refusal r = target_verify(t);

	if (r != ACT_OK || dry_run)
		return r;
	if (syscall(SYS_pidfd_send_signal, t->pidfd, sig, NULL, 0))
		return errno == ESRCH ? ACT_GONE : ACT_ERROR;
	return ACT_OK;
}

bool cgroup_path_covers(const char *rel, const char *path)
{
	size_t n = strlen(rel);

	while (n > 1 && rel[n - 1] == '/')
		n--;
	if (n <= 1)
		return true; /* the root covers everything */
	return !strncmp(path, rel, n) && (path[n] == '/' || path[n] == '\0');
}

/* Does cgroup @rel ("/a/b") hold portwarden or one of its ancestors, or is
 * it the root? Killing it would take us (or our supervisor) down. Fails
 * closed: when our own cgroup or an ancestor's cannot be read (EMFILE,
 * ENOMEM, a path longer than /proc shows), we cannot tell, so it does. */
bool cgroup_holds_us(const char *rel)
{
	char path[4096];
	uint64_t start;
	char comm[PW_COMM_LEN];
	bool kthread;
	pid_t p = getpid(), next;
	int err;

	if (cgroup_path_covers(rel, ""))
		return true; /* the root */
	for (int depth = 0; p > 1 && depth < 4096; depth++, p = next) {
		err = procfs_pid_cgroup(p, "", path, sizeof(path));
		if (!err)
			err = proc_identity(p, &start, comm, &kthread, &next);
		if (err == -ENOENT || err == -ESRCH)
			break; /* an ancestor that exited: the walk ends, as before */
		if (err || cgroup_path_covers(rel, path))
			return true;
	}
	return false;
}

/* The directory of cgroup @rel, opened and checked to be cgroup @id (the
 * one the decision saw): the path is looked up once, and the files in it are
 * opened relative to this descriptor, so a cgroup made again at the same
 * path in between is never the one acted on. A descriptor or -errno. */
static int cgroup_dir_open(const char *mount, const char *rel, uint64_t id)
{
	char path[8192];
	struct stat st;
	int fd;

	if (cgroup_holds_us(rel))
		return -EPERM;
	if (snprintf(path, sizeof(path), "%s%s", mount, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG; /* never a cut path: it could name another cgroup */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (id && (uint64_t)st.st_ino != id) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* SIGTERM every process of the cgroup, each bound to a pidfd and guarded. */
int cgroup_signal_all(const char *mount, const char *rel, uint64_t id, int sig, bool dry_run,
		      int *signalled)
{
	struct target t;
	FILE *f;
	int dir, fd, pid;

	*signalled = 0;
	dir = cgroup_dir_open(mount, rel, id);
	if (dir < 0)
		return dir;
	fd = openat(dir, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	close(dir);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (fscanf(f, "%d", &pid) == 1) {
		if (target_open(pid, 0, &t) != ACT_OK)
			continue;
		if (target_signal(&t, sig, dry_run) == ACT_OK)
			(*signalled)++;
		target_close(&t);
	}
	fclose(f);
	return 0;
}

int cgroup_kill_all(const char *mount, const char *rel, uint64_t id, bool dry_run)
{
	int dir, fd, err = 0;

	dir = cgroup_dir_open(mount, rel, id);
	if (dir < 0)
		return dir;
	if (dry_run) {
		err = faccessat(dir, "cgroup.kill", W_OK, 0) ? -errno : 0;
		close(dir);
		return err;
	}
	fd = openat(dir, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	close(dir);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}
