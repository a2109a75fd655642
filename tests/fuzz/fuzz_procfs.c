// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes what portwarden reads from /proc (host/procfs.c, host/procfd.c)
// through a fake /proc tree (procfs_set_root) written from the input:
//	STAT \0 CGROUP \0 NS_NET_LINK \0 FD_NAME/FD_LINK \0 FD_NAME/FD_LINK ...
// /proc/PID/stat, /proc/PID/cgroup, the ns/net link and fd links hold any
// bytes. procfs_parse_stat, procfs_pid_stat, procfs_pid_cgroup (v2 and v1
// memory) and procfd_scan (which reads all of them) never crash, give
// terminated strings, and only socket:[N] links with N > 0 become records.
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/inventory.h"
#include "fuzz.h"
#include "host/procfd.h"
#include "host/procfs.h"
#include "sockets.h"

#define PID 4242

static char root[64];

static void clear_tree(void);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/tmp/pw-fuzz-procfs.%d", (int)getpid());
	atexit(clear_tree);
	return 0;
}

/* rm -rf of the fake tree: only names we created, one level of fd/ and ns/. */
static void clear_tree(void)
{
	char path[PATH_MAX];
	const char *dirs[] = {"fd", "ns"};

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%d/%s", root, PID, dirs[i]);
		DIR *d = opendir(path);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		}
		if (d)
			closedir(d);
		rmdir(path);
	}
	snprintf(path, sizeof(path), "%s/%d/stat", root, PID);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d/cgroup", root, PID);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d", root, PID);
	rmdir(path);
	rmdir(root);
}

static void write_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/%s", root, PID, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* Next NUL-separated field of the input, or NULL at its end. */
static const char *next_field(const char **p, const char *end)
{
	const char *f = *p;

	if (f >= end)
		return NULL;
	*p += strlen(f) + 1;
	return f;
}

static void build_tree(const char *p, const char *end)
{
	char path[PATH_MAX], name[256];
	const char *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d", root, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/fd", root, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/ns", root, PID);
	mkdir(path, 0700);
	write_file("stat", (f = next_field(&p, end)) ? f : "");
	write_file("cgroup", (f = next_field(&p, end)) ? f : "");
	if ((f = next_field(&p, end)) && *f && strlen(f) < PATH_MAX) {
		snprintf(path, sizeof(path), "%s/%d/ns/net", root, PID);
		symlink(f, path);
	}
	while ((f = next_field(&p, end)) && n++ < 16) {
		const char *slash = strchr(f, '/');
		size_t len = slash ? (size_t)(slash - f) : 0;

		if (!slash || !slash[1] || strlen(slash + 1) >= PATH_MAX)
			continue;
		if (len == 0 || len > 200)
			snprintf(name, sizeof(name), "%d", n + 2);
		else
			snprintf(name, sizeof(name), "%.*s", (int)len, f);
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%d/fd/%s", root, PID, name);
		symlink(slash + 1, path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), buf[PATH_MAX];
	struct proc_stat st;
	struct inventory inv;
	int ret;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';

	/* the stat line alone, from the buffer */
	if (procfs_parse_stat(copy, &st) == 0)
		FUZZ_ASSERT(memchr(st.comm, '\0', sizeof(st.comm)) != NULL, copy, size);

	clear_tree();
	build_tree(copy, copy + size);
	procfs_set_root(root);
	if (procfs_pid_stat(PID, &st) == 0)
		FUZZ_ASSERT(memchr(st.comm, '\0', sizeof(st.comm)) != NULL, copy, size);
	ret = procfs_pid_cgroup(PID, "", buf, sizeof(buf));
	FUZZ_ASSERT(ret <= 0 && (ret || memchr(buf, '\0', sizeof(buf))), copy, size);
	ret = procfs_pid_cgroup(PID, "memory", buf, sizeof(buf));
	FUZZ_ASSERT(ret <= 0, copy, size);

	inventory_init(&inv);
	ret = procfd_scan(&inv, root); /* the memory mount: a real directory */
	FUZZ_ASSERT(ret <= 0, copy, size);
	for (size_t i = 0; i < inv.nr_socks; i++) {
		FUZZ_ASSERT(inv.socks[i].tgid == PID, copy, size);
		FUZZ_ASSERT((inv.socks[i].key & ~PW_KEY_INODE) != 0, copy, size);
	}
	inventory_free(&inv);
	free(copy);
	return 0;
}
