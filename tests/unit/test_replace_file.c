// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for core/replace_file.c: the target replaced whole, a link at
// the target replaced (its target untouched), temporary names that cannot be
// guessed, and a missing, read-only or directory target refused up front.
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/replace_file.h"
#include "unit.h"

static char dir[] = "/tmp/pw-test-replace.XXXXXX";

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static char *get(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Entries in the test directory. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

UNIT_TEST(replaces_whole_file)
{
	char out[128], buf[64];
	struct replace_file rf;

	path_in(out, sizeof(out), "report");
	put(out, "old");
	ASSERT_EQ_INT(replace_file_begin(&rf, out), 0);
	fputs("new", rf.f);
	ASSERT_EQ_STR(get(out, buf, sizeof(buf)), "old"); /* not before the commit */
	ASSERT_EQ_INT(entries(), 2);
	ASSERT_EQ_INT(replace_file_commit(&rf), 0);
	ASSERT_EQ_STR(get(out, buf, sizeof(buf)), "new");
	ASSERT_EQ_INT(entries(), 1);
	replace_file_abort(&rf); /* after a commit: nothing to do */
	ASSERT_EQ_INT(entries(), 1);
	unlink(out);
}

/* A link at the target (planted by someone else) is replaced by the file:
 * what it pointed to keeps its contents. */
UNIT_TEST(link_at_target_is_replaced_not_followed)
{
	char out[128], victim[128], buf[64];
	struct replace_file rf;
	struct stat st;

	path_in(out, sizeof(out), "report");
	path_in(victim, sizeof(victim), "victim");
	put(victim, "precious");
	ASSERT_EQ_INT(symlink(victim, out), 0);
	ASSERT_EQ_INT(replace_file_begin(&rf, out), 0);
	fputs("report", rf.f);
	ASSERT_EQ_INT(replace_file_commit(&rf), 0);
	ASSERT_EQ_STR(get(victim, buf, sizeof(buf)), "precious");
	ASSERT_EQ_INT(lstat(out, &st), 0);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ_STR(get(out, buf, sizeof(buf)), "report");
	unlink(out);
	unlink(victim);
}

/* Temporary names: random, not "FILE.tmp.PID" (which another user could
 * plant as a link for the whole --duration), and distinct each time. */
UNIT_TEST(temporary_names_unguessable)
{
	char out[128], pid_name[160];
	struct replace_file a, b;

	path_in(out, sizeof(out), "report");
	snprintf(pid_name, sizeof(pid_name), "%s.tmp.%d", out, (int)getpid());
	ASSERT_EQ_INT(replace_file_begin(&a, out), 0);
	ASSERT_EQ_INT(replace_file_begin(&b, out), 0);
	ASSERT_TRUE(strcmp(a.tmp, b.tmp) != 0);
	ASSERT_TRUE(strcmp(a.tmp, pid_name) != 0);
	ASSERT_TRUE(strncmp(a.tmp, out, strlen(out)) == 0); /* in the target's directory */
	ASSERT_EQ_INT(entries(), 2);
	replace_file_abort(&a);
	replace_file_abort(&b);
	ASSERT_EQ_INT(entries(), 0);
}

UNIT_TEST(bad_targets_refused_up_front)
{
	char out[128], sub[128];
	struct replace_file rf;

	path_in(out, sizeof(out), "missing/report");
	ASSERT_EQ_INT(replace_file_begin(&rf, out), -ENOENT);
	ASSERT_EQ_INT(replace_file_begin(&rf, dir), -EISDIR);
	path_in(sub, sizeof(sub), "sub");
	ASSERT_EQ_INT(mkdir(sub, 0700), 0);
	path_in(out, sizeof(out), "sub/report");
	ASSERT_EQ_INT(chmod(sub, 0500), 0);
	/* root passes permission bits (a read-only mount stops it: e2e) */
	if (geteuid()) {
		ASSERT_EQ_INT(replace_file_begin(&rf, out), -EACCES);
	} else {
		ASSERT_EQ_INT(replace_file_begin(&rf, out), 0);
		replace_file_abort(&rf);
	}
	chmod(sub, 0700);
	ASSERT_EQ_INT(rmdir(sub), 0); /* nothing left in it */
	ASSERT_EQ_INT(entries(), 0);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(replaces_whole_file);
	RUN(link_at_target_is_replaced_not_followed);
	RUN(temporary_names_unguessable);
	RUN(bad_targets_refused_up_front);
	rmdir(dir);
	return UNIT_MAIN_END();
}
