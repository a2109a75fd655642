// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for run under systemd: the STATUS= line, the journal entry an
// audit record becomes (hostile names escaped, every field there), the
// JOURNAL_STREAM match, the log's priority prefixes, and the last action
// the audit notes for STATUS=.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "core/daemon_status.h"
#include "core/log.h"
#include "host/journal_stream.h"
#include "views/audit.h"
#include "views/journal.h"

UNIT_TEST(status_modes_and_refusals)
{
	char buf[DAEMON_STATUS_MAX];
	struct daemon_status s = {.dry_run = true};

	daemon_status_format(buf, sizeof(buf), &s);
	ASSERT_EQ_STR(buf, "dry run (--enforce acts)");
	s.dry_run = false;
	s.refused = "";
	daemon_status_format(buf, sizeof(buf), &s);
	ASSERT_EQ_STR(buf, "enforcing");
	s.refused = "iter/udp, quarantine";
	daemon_status_format(buf, sizeof(buf), &s);
	ASSERT_EQ_STR(buf, "enforcing; refused: iter/udp, quarantine");
}

UNIT_TEST(status_counts_once_acting)
{
	char buf[DAEMON_STATUS_MAX], tiny[12];
	struct daemon_status s = {.quarantined = 2, .signalled = 1, .last_action = "term pid 42 x"};

	daemon_status_format(buf, sizeof(buf), &s);
	ASSERT_EQ_STR(buf, "enforcing; quarantined 2, signalled 1, last action: term pid 42 x");
	daemon_status_format(tiny, sizeof(tiny), &s);
	ASSERT_EQ_STR(tiny, "enforcing; ");
}

static const struct snap_pool pool = {.kind = POOL_TCP_CONNECT,
				      .netns = 4026531840u,
				      .used = 27000,
				      .capacity = 28232,
				      .capacity_known = true};

UNIT_TEST(journal_fields_of_an_action)
{
	struct container_names names = {.pod_namespace = "ns", .pod = "p\x1b[2J", .container = "c"};
	struct audit_record r = {.event = "action",
				 .action = "term",
				 .pid = 4242,
				 .start_time = 987654,
				 .comm = "ev\x1b]0;x\x07il",
				 .cgroup = "/a\nb",
				 .names = &names,
				 .cls = "fast",
				 .ports_held = 26000,
				 .pool = &pool,
				 .reason = "pool full",
				 .detail = "SIGTERM sent\r",
				 .scope = "process",
				 .exited = -1};
	struct journal_entry *e = malloc(sizeof(*e));

	ASSERT_TRUE(e);
	journal_entry_build(e, &r, "action term pid 4242 ev\\x1b]0;x\\x07il", 4);
	ASSERT_EQ_STR(journal_entry_get(e, "MESSAGE"), "action term pid 4242 ev\\x1b]0;x\\x07il");
	ASSERT_EQ_STR(journal_entry_get(e, "PRIORITY"), "4");
	ASSERT_EQ_STR(journal_entry_get(e, "SYSLOG_IDENTIFIER"), "portwarden");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_EVENT"), "action");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_ACTION"), "term");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_TARGET_PID"), "4242");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_TARGET_START_TIME"), "987654");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_COMM"), "ev\\x1b]0;x\\x07il");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_CGROUP"), "/a\\x0ab");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_POD_NAMESPACE"), "ns");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_POD"), "p\\x1b[2J");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_CONTAINER"), "c");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_CLASS"), "fast");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_PORTS_HELD"), "26000");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_POOL_KIND"), "tcp-connect");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_POOL_NETNS"), "4026531840");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_POOL_USED"), "27000");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_POOL_CAPACITY"), "28232");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_REASON"), "pool full");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_DETAIL"), "SIGTERM sent\\x0d");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_SCOPE"), "process");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_DRY_RUN"), "0");
	ASSERT_TRUE(!journal_entry_get(e, "PORTWARDEN_EXITED"));
	/* the iovecs hold exactly "FIELD=value", no NUL, no newline */
	for (int i = 0; i < e->n; i++) {
		ASSERT_TRUE(!memchr(e->iov[i].iov_base, '\0', e->iov[i].iov_len));
		ASSERT_TRUE(!memchr(e->iov[i].iov_base, '\n', e->iov[i].iov_len));
	}
	free(e);
}

/* A record with every field (a result's exited too): none is dropped for
 * want of an iovec, the last one added included. */
UNIT_TEST(journal_every_field_fits)
{
	struct container_names names = {.pod_namespace = "ns", .pod = "p", .container = "c"};
	struct audit_record r = {.event = "result",
				 .action = "term",
				 .pid = 4242,
				 .start_time = 987654,
				 .comm = "c",
				 .cgroup = "/a",
				 .names = &names,
				 .cls = "fast",
				 .ports_held = 0,
				 .pool = &pool,
				 .reason = "r",
				 .detail = "d",
				 .scope = "process",
				 .exited = 1};
	struct journal_entry *e = malloc(sizeof(*e));

	ASSERT_TRUE(e);
	journal_entry_build(e, &r, "result term pid 4242 c", 4);
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_EXITED"), "1"); /* the last one added */
	free(e);
}

UNIT_TEST(journal_fields_left_out_when_absent)
{
	struct audit_record r = {.event = "start", .ports_held = -1, .exited = 1};
	struct journal_entry *e = malloc(sizeof(*e));

	ASSERT_TRUE(e);
	journal_entry_build(e, &r, "start", 6);
	ASSERT_EQ_STR(journal_entry_get(e, "PRIORITY"), "6");
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_EXITED"), "1");
	ASSERT_TRUE(!journal_entry_get(e, "PORTWARDEN_TARGET_PID"));
	ASSERT_TRUE(!journal_entry_get(e, "PORTWARDEN_COMM"));
	ASSERT_TRUE(!journal_entry_get(e, "PORTWARDEN_PORTS_HELD"));
	ASSERT_TRUE(!journal_entry_get(e, "PORTWARDEN_POOL_KIND"));
	free(e);
}

/* A cgroup path longer than PATH_MAX: escaped and cut, never past the buffer. */
UNIT_TEST(journal_long_cgroup_fits)
{
	struct journal_entry *e = malloc(sizeof(*e));
	char *cg = malloc(20000);
	struct audit_record r = {.event = "action", .ports_held = -1, .exited = -1};
	const char *v;

	ASSERT_TRUE(e && cg);
	memset(cg, '\x01', 19999);
	cg[19999] = 0;
	r.cgroup = cg;
	journal_entry_build(e, &r, "m", 4);
	v = journal_entry_get(e, "PORTWARDEN_CGROUP");
	ASSERT_TRUE(v && strlen(v) == 4096 * 4 && !strncmp(v, "\\x01", 4));
	ASSERT_TRUE(e->used <= sizeof(e->buf));
	ASSERT_EQ_STR(journal_entry_get(e, "PORTWARDEN_DRY_RUN"), "0");
	free(cg);
	free(e);
}

UNIT_TEST(journal_stream_match)
{
	struct stat st = {.st_dev = 64768, .st_ino = 1234567};

	ASSERT_TRUE(journal_stream_matches("64768:1234567", &st));
	ASSERT_TRUE(!journal_stream_matches("64768:1234568", &st));
	ASSERT_TRUE(!journal_stream_matches("64769:1234567", &st));
	ASSERT_TRUE(!journal_stream_matches("64768:1234567x", &st));
	ASSERT_TRUE(!journal_stream_matches("64768", &st));
	ASSERT_TRUE(!journal_stream_matches("", &st));
	ASSERT_TRUE(!journal_stream_matches(NULL, &st));
}

/* The descriptor form, against a file of the test's own. */
UNIT_TEST(journal_stream_of_a_descriptor)
{
	char path[] = "/tmp/pw-notify-XXXXXX", env[64];
	struct stat st;
	int fd = mkstemp(path), other = open("/dev/null", O_RDONLY);

	ASSERT_TRUE(fd >= 0 && other >= 0 && !fstat(fd, &st));
	snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	ASSERT_TRUE(journal_stream_is(fd));
	ASSERT_TRUE(!journal_stream_is(other));
	unsetenv("JOURNAL_STREAM");
	ASSERT_TRUE(!journal_stream_is(fd));
	close(fd);
	close(other);
	unlink(path);
}

UNIT_TEST(log_priorities)
{
	ASSERT_EQ_STR(log_priority_prefix(LOG_WARN), "");
	log_use_priorities(true);
	ASSERT_EQ_STR(log_priority_prefix(LOG_ERR), "<3>");
	ASSERT_EQ_STR(log_priority_prefix(LOG_WARN), "<4>");
	ASSERT_EQ_STR(log_priority_prefix(LOG_INFO), "<6>");
	ASSERT_EQ_STR(log_priority_prefix(LOG_DEBUG), "<7>");
	log_use_priorities(false);
	ASSERT_EQ_STR(log_priority_prefix(LOG_ERR), "");
}

/* The last action, escaped, for STATUS=; suspects and results leave it. */
UNIT_TEST(audit_notes_last_action)
{
	struct audit a;
	struct audit_record act = {.event = "action",
				   .action = "term",
				   .pid = 7,
				   .comm = "x\x1b",
				   .ports_held = -1,
				   .exited = -1};
	struct audit_record cg = {.event = "action",
				  .action = "kill",
				  .cgroup = "/c\n",
				  .ports_held = -1,
				  .exited = -1};
	struct audit_record res = {
		.event = "result", .action = "kill", .pid = 8, .ports_held = -1, .exited = 1};
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);

	ASSERT_TRUE(saved >= 0 && null >= 0);
	dup2(null, STDERR_FILENO); /* the stderr lines are test_audit's business */
	audit_open(&a, NULL);
	audit_write(&a, &act);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	ASSERT_EQ_STR(a.last_action, "term pid 7 x\\x1b");
	dup2(null, STDERR_FILENO);
	audit_write(&a, &res);
	audit_write(&a, &cg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	ASSERT_EQ_STR(a.last_action, "kill cgroup /c\\x0a");
	audit_close(&a);
}

int main(void)
{
	RUN(status_modes_and_refusals);
	RUN(status_counts_once_acting);
	RUN(journal_fields_of_an_action);
	RUN(journal_every_field_fits);
	RUN(journal_fields_left_out_when_absent);
	RUN(journal_long_cgroup_fits);
	RUN(journal_stream_match);
	RUN(journal_stream_of_a_descriptor);
	RUN(log_priorities);
	RUN(audit_notes_last_action);
	return UNIT_MAIN_END();
}
