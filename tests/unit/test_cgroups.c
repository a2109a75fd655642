// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for finding cgroup mounts and reading /proc/PID/cgroup, on fixtures.
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host/cgroups.h"
#include "host/procfs.h"
#include "unit.h"

static int parse_text(const char *text, struct cgroup_mounts *m)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err = cgroup_parse_mountinfo(f, m);

	fclose(f);
	return err;
}

UNIT_TEST(hybrid_host_mounts)
{
	static const char text[] =
		"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	struct cgroup_mounts m;

	ASSERT_EQ_INT(parse_text(text, &m), 0);
	ASSERT_EQ_STR(m.v2, "/sys/fs/cgroup/unified");
	ASSERT_EQ_STR(m.v1_memory, "/sys/fs/cgroup/memory");
}

UNIT_TEST(unified_host_mounts)
{
	static const char text[] =
		"25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime "
		"shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
	struct cgroup_mounts m;

	ASSERT_EQ_INT(parse_text(text, &m), 0);
	ASSERT_EQ_STR(m.v2, "/sys/fs/cgroup");
	ASSERT_EQ_STR(m.v1_memory, "");
}

/* A container's bind mount of a sub-tree is not a hierarchy root, and a
 * controller list that merely contains "memory" as a prefix is not memory. */
UNIT_TEST(ignores_non_root_mounts_and_lookalikes)
{
	static const char text[] =
		"50 40 0:37 /kubepods/pod1 /host/cgroup rw - cgroup2 cgroup2 rw\n"
		"51 40 0:31 / /sys/fs/cgroup/mem rw - cgroup cgroup rw,memory_pressure\n"
		"52 40 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	struct cgroup_mounts m;

	ASSERT_EQ_INT(parse_text(text, &m), 0);
	ASSERT_EQ_STR(m.v2, "/sys/fs/cgroup/unified");
	ASSERT_EQ_STR(m.v1_memory, "");
}

UNIT_TEST(unescapes_mount_points)
{
	static const char text[] = "40 30 0:37 / /mnt/cg\\040two\\134x rw - cgroup2 cgroup2 rw\n";
	struct cgroup_mounts m;

	ASSERT_EQ_INT(parse_text(text, &m), 0);
	ASSERT_EQ_STR(m.v2, "/mnt/cg two\\x");
}

/* In a pod's own cgroup namespace the host's hierarchy, bind-mounted in,
 * shows a root above the namespace's: no mount to use as it is, but a
 * sign that joining the host's namespace would give one. A sub-tree's bind
 * mount is no such sign. */
UNIT_TEST(mount_above_the_namespace)
{
	static const char pod[] =
		"612 590 0:29 /../.. /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
	static const char host[] = "25 21 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	static const char subtree[] = "50 40 0:37 /kubepods/pod1 /host rw - cgroup2 cgroup2 rw\n";
	struct cgroup_mounts m;

	ASSERT_EQ_INT(parse_text(pod, &m), -ENOENT);
	ASSERT_TRUE(m.v2_above_namespace);
	ASSERT_EQ_INT(parse_text(host, &m), 0);
	ASSERT_TRUE(!m.v2_above_namespace);
	ASSERT_EQ_INT(parse_text(subtree, &m), -ENOENT);
	ASSERT_TRUE(!m.v2_above_namespace);
}

UNIT_TEST(no_cgroup2_is_an_error)
{
	struct cgroup_mounts m;

	ASSERT_EQ_INT(parse_text("31 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", &m),
		      -ENOENT);
	ASSERT_EQ_INT(parse_text("garbage\n\n - \n", &m), -ENOENT);
}

UNIT_TEST(pid_cgroup_lines)
{
	char buf[256];

	procfs_set_root("tests/fixtures/proc");
	ASSERT_EQ_INT(procfs_pid_cgroup(4242, "memory", buf, sizeof(buf)), 0);
	ASSERT_EQ_STR(buf,
		      "/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ASSERT_EQ_INT(procfs_pid_cgroup(4242, "cpuacct", buf, sizeof(buf)), 0);
	ASSERT_EQ_INT(procfs_pid_cgroup(4242, "", buf, sizeof(buf)), 0);
	ASSERT_EQ_STR(buf, "/");
	ASSERT_EQ_INT(procfs_pid_cgroup(4242, "cpuset", buf, sizeof(buf)), -ENOENT);
	ASSERT_EQ_INT(procfs_pid_cgroup(4242, "name", buf, sizeof(buf)), -ENOENT);
	ASSERT_EQ_INT(procfs_pid_cgroup(4343, "", buf, sizeof(buf)), 0);
	ASSERT_EQ_STR(buf, "/kubepods.slice/kubepods-pod1.slice");
	ASSERT_EQ_INT(procfs_pid_cgroup(4343, "", buf, 8), -ENAMETOOLONG);
	ASSERT_EQ_INT(procfs_pid_cgroup(99999, "", buf, sizeof(buf)), -ENOENT);
	procfs_set_root("/proc");
}

/* Write @text to DIR/4242/cgroup under a fresh DIR (in @dir). 0 or -1. */
static int fake_proc_cgroup(char dir[64], const char *text)
{
	char path[128];
	FILE *f;

	if (!mkdtemp(strcpy(dir, "/tmp/pw-proc-XXXXXX")))
		return -1;
	snprintf(path, sizeof(path), "%s/4242", dir);
	if (mkdir(path, 0700))
		return -1;
	strncat(path, "/cgroup", sizeof(path) - strlen(path) - 1);
	f = fopen(path, "we");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The kernel cuts a cgroup path of PATH_MAX bytes or more to PATH_MAX - 1,
 * silently: such a line is no path (a glob could match the cut one). */
UNIT_TEST(pid_cgroup_cut_by_the_kernel)
{
	static char line[PATH_MAX + 8], buf[2 * PATH_MAX];
	char dir[64], path[128];

	snprintf(line, sizeof(line), "0::/");
	memset(line + 4, 'a', PATH_MAX - 2); /* "/" + PATH_MAX - 2: PATH_MAX - 1 bytes */
	line[4 + PATH_MAX - 2] = '\n';
	ASSERT_EQ_INT(fake_proc_cgroup(dir, line), 0);
	procfs_set_root(dir);
	ASSERT_EQ_INT(procfs_pid_cgroup(4242, "", buf, sizeof(buf)), -ENAMETOOLONG);
	procfs_set_root("/proc");
	snprintf(path, sizeof(path), "%s/4242/cgroup", dir);
	unlink(path);
	rmdir(dirname(path));
	rmdir(dir);
}

int main(void)
{
	RUN(hybrid_host_mounts);
	RUN(unified_host_mounts);
	RUN(ignores_non_root_mounts_and_lookalikes);
	RUN(unescapes_mount_points);
	RUN(mount_above_the_namespace);
	RUN(no_cgroup2_is_an_error);
	RUN(pid_cgroup_lines);
	RUN(pid_cgroup_cut_by_the_kernel);
	return UNIT_MAIN_END();
}
