// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for host/incident_dir.c: the directory created 0750 with its
// parents, a link or a directory others can write to refused, files created
// exclusively and never through a planted link, retention by incident.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host/incident_dir.h"
#include "unit.h"

static char base[] = "/tmp/pw-test-incidents.XXXXXX";

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", base, name);
}

static void touch(struct incident_dir *d, const char *name)
{
	FILE *f;

	if (!incident_file_create(d, name, &f)) {
		fputs("x", f);
		fclose(f);
	}
}

static bool exists(const char *dir, const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return !access(p, F_OK);
}

UNIT_TEST(created_0750_with_parents)
{
	struct incident_dir d;
	char p[256];
	struct stat st;

	path_of(p, sizeof(p), "var/lib/portwarden/incidents");
	umask(022);
	ASSERT_EQ_INT(incident_dir_open(&d, p), 0);
	ASSERT_TRUE(d.open);
	ASSERT_EQ_INT(stat(p, &st), 0);
	ASSERT_EQ_INT(st.st_mode & 07777, 0750);
	incident_dir_close(&d);
	ASSERT_TRUE(!d.open);
	/* again: it exists, it is used */
	ASSERT_EQ_INT(incident_dir_open(&d, p), 0);
	incident_dir_close(&d);
}

UNIT_TEST(link_and_open_dirs_refused)
{
	struct incident_dir d;
	char target[256], link[256], open_dir[256], group_dir[256];

	path_of(target, sizeof(target), "real");
	path_of(link, sizeof(link), "link");
	path_of(open_dir, sizeof(open_dir), "open");
	path_of(group_dir, sizeof(group_dir), "group");
	ASSERT_EQ_INT(mkdir(target, 0750), 0);
	ASSERT_EQ_INT(symlink(target, link), 0);
	ASSERT_EQ_INT(incident_dir_open(&d, link), -ELOOP);
	ASSERT_TRUE(!d.open);
	ASSERT_EQ_INT(mkdir(open_dir, 0700), 0);
	ASSERT_EQ_INT(chmod(open_dir, 01777), 0);
	ASSERT_EQ_INT(incident_dir_open(&d, open_dir), -EPERM);
	ASSERT_EQ_INT(mkdir(group_dir, 0700), 0);
	ASSERT_EQ_INT(chmod(group_dir, 0770), 0);
	ASSERT_EQ_INT(incident_dir_open(&d, group_dir), -EPERM);
	ASSERT_TRUE(strstr(incident_dir_strerror(-EPERM), "others") != NULL);
	ASSERT_TRUE(strstr(incident_dir_strerror(-ELOOP), "link") != NULL);
}

UNIT_TEST(files_exclusive_never_through_links)
{
	struct incident_dir d;
	char p[256], victim[256], planted[300];
	struct stat st;
	FILE *f;

	path_of(p, sizeof(p), "excl");
	path_of(victim, sizeof(victim), "victim");
	ASSERT_EQ_INT(incident_dir_open(&d, p), 0);
	ASSERT_EQ_INT(incident_file_create(&d, "incident-a.html", &f), 0);
	fclose(f);
	snprintf(planted, sizeof(planted), "%s/incident-a.html", p);
	ASSERT_EQ_INT(stat(planted, &st), 0);
	ASSERT_EQ_INT(st.st_mode & 0777, 0640 & ~022);
	ASSERT_EQ_INT(incident_file_create(&d, "incident-a.html", &f), -EEXIST);
	/* a link planted under the next name: refused, its target untouched */
	snprintf(planted, sizeof(planted), "%s/incident-b.html", p);
	ASSERT_EQ_INT(symlink(victim, planted), 0);
	ASSERT_TRUE(incident_file_create(&d, "incident-b.html", &f) < 0);
	ASSERT_TRUE(access(victim, F_OK) != 0);
	incident_dir_close(&d);
}

UNIT_TEST(trim_keeps_newest_incidents)
{
	static const char *const names[] = {
		"incident-20261203T100000.000Z-pid1-term.html",
		"incident-20261203T100000.000Z-pid1-term.json",
		"incident-20261203T100001.000Z-pid2-kill.html",
		"incident-20261203T100001.000Z-pid2-kill.json",
		"incident-20261203T100002.000Z-pid3-kill.html",
		"incident-20261203T100002.000Z-pid3-kill.json",
		"incident-20261203T100003.000Z-pid4-kill.html",
	};
	struct incident_dir d;
	char p[256];

	path_of(p, sizeof(p), "trim");
	ASSERT_EQ_INT(incident_dir_open(&d, p), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		touch(&d, names[i]);
	touch(&d, "notes.txt");
	ASSERT_EQ_INT(incident_dir_trim(&d, 2), 4);
	ASSERT_TRUE(!exists(p, names[0]) && !exists(p, names[1]));
	ASSERT_TRUE(!exists(p, names[2]) && !exists(p, names[3]));
	for (size_t i = 4; i < sizeof(names) / sizeof(names[0]); i++)
		ASSERT_TRUE(exists(p, names[i]));
	ASSERT_TRUE(exists(p, "notes.txt")); /* not ours: never removed */
	ASSERT_EQ_INT(incident_dir_trim(&d, 2), 0);
	ASSERT_EQ_INT(incident_dir_trim(&d, 1), 2);
	ASSERT_TRUE(exists(p, names[6]));
	incident_dir_close(&d);
}

int main(void)
{
	char cmd[128];
	int rc;

	if (!mkdtemp(base))
		return 1;
	RUN(created_0750_with_parents);
	RUN(link_and_open_dirs_refused);
	RUN(files_exclusive_never_through_links);
	RUN(trim_keeps_newest_incidents);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", base);
	rc = system(cmd);
	(void)rc;
	return UNIT_MAIN_END();
}
