// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the audit log: each record's JSON line byte for byte (what
// it was before the JSON writer), hostile names escaped, the file appended,
// reopened after rotation (or kept when the new one cannot be opened), special
// files and links refused, and refused writes counted, warned about rarely.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "json_check.h"
#include "unit.h"
#include "view_fixtures.h"
#include "core/regular_file.h"
#include "views/audit.h"

static const char start_line[] =
	"{\"ts\":\"TS\",\"event\":\"start\",\"action\":null,\"pid\":null,\"comm\":null,\"start_time\":null,\"cgro"
	"up\":null,\"class\":null,\"ports_held\":0,\"pool\":null,\"reason\":null,\"detail\":n"
	"ull,\"scope\":null,\"dry_run\":false}\n";

static const char action_line[] =
	"{\"ts\":\"2026-01-01T00:00:00.000001Z\",\"event\":\"action\",\"action\":\"kill\",\"p"
	"id\":4242,\"comm\":\"ab\\\"c\\\\\\u0001\",\"start_time\":987654,\"cgroup\":\"/evil\\\"q\\\\b\\u001b]0;x\\u"
	"0007\\n\\u007f\\u00ff/\xc3\xa9t\xc3\xa9\",\"class\":\"leak\",\"ports_held\":26000,\""
	"pool\":{\"kind\":\"tcp-connect\",\"netns\":4026531840,\"family\":\"ipv4\",\"local\":"
	"\"10.0.0.1\",\"remote\":\"10.0.0.2\",\"remote_port\":5001,\"used\":27000,\"capacity"
	"\":28232,\"fill\":0.9564},\"reason\":\"r\",\"detail\":\"d\\n\",\"scope\":\"process\""
	",\"dry_run\":true,\"exited\":true,\"states\":{\"LISTEN\":1,\"SYN-SENT\":0,\"ESTAB\":"
	"2,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-WAIT\":3,\"LAST-ACK\":0,\"BOUND\":0,\"UDP\""
	":4},\"bind_before_connect\":5,\"passive\":1}\n";

static const char result_line[] =
	"{\"ts\":\"TS\",\"event\":\"result\",\"action\":null,\"pid\":null,\"comm\":null,\"start_time\":null,\"cgr"
	"oup\":null,\"class\":null,\"ports_held\":0,\"pool\":{\"kind\":\"tcp-bind\",\"netns\""
	":4026531840,\"used\":2,\"capacity\":null,\"fill\":null},\"reason\":null,\"detail\":n"
	"ull,\"scope\":null,\"dry_run\":false,\"exited\":false}\n";

static const char suspect_line[] =
	"{\"ts\":\"TS\",\"event\":\"suspect\",\"action\":null,\"pid\":null,\"comm\":null,\"start_time\":null,\"cg"
	"roup\":null,\"class\":null,\"ports_held\":null,\"pool\":{\"kind\":\"tcp-connect\",\""
	"netns\":4026532000,\"family\":\"ipv6\",\"local\":\"fd00::1\",\"remote\":\"2001:db8::"
	"2\",\"remote_port\":443,\"used\":3,\"capacity\":28232,\"fill\":0.0001},\"reason\":nu"
	"ll,\"detail\":null,\"scope\":null,\"dry_run\":false,\"states\":{\"LISTEN\":1,\"SYN-S"
	"ENT\":0,\"ESTAB\":2,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-WAIT\":3,\"LAST-ACK\":0,"
	"\"BOUND\":0,\"UDP\":4},\"bind_before_connect\":5,\"passive\":1}\n";

static char *format(const struct audit_record *r, const char *ts)
{
	struct fix_out o;

	return fix_text(&o, audit_format_json(fix_open(&o), r, ts));
}

UNIT_TEST(records_byte_for_byte)
{
	struct view_fixture fx;
	struct state_counts st = fix_counts(1, 2, 3, 4, 5);
	struct audit_record start = {.event = "start", .exited = -1};
	struct audit_record action = {.event = "action",
				      .action = "kill",
				      .pid = 4242,
				      .start_time = 987654,
				      .comm = "ab\"c\\\x01",
				      .cgroup = FIX_HOSTILE_PATH,
				      .cls = "leak",
				      .ports_held = 26000,
				      .pool = &fx.pools[0],
				      .reason = "r",
				      .detail = "d\n",
				      .scope = "process",
				      .dry_run = true,
				      .states = &st,
				      .exited = 1};
	struct audit_record result = {.event = "result", .pool = &fx.pools[2], .exited = 0};
	struct audit_record suspect = {.event = "suspect",
				       .ports_held = -1,
				       .pool = &fx.pools[1],
				       .exited = -1,
				       .states = &st};
	const struct {
		const char *name, *want;
		struct audit_record *r;
		const char *ts;
	} rows[] = {
		{"start", start_line, &start, "TS"},
		{"action", action_line, &action, "2026-01-01T00:00:00.000001Z"},
		{"result", result_line, &result, "TS"},
		{"suspect", suspect_line, &suspect, "TS"},
	};

	fix_build(&fx);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *got = format(rows[i].r, rows[i].ts);

		UNIT_ROW(rows[i].name);
		ASSERT_EQ_STR(got, rows[i].want);
		ASSERT_TRUE(json_check_lines(got) == NULL);
		free(got);
	}
}

/* A reclaim record counts what was destroyed (a dry run: what would be),
 * by state, and what was spared. */
UNIT_TEST(reclaim_record)
{
	struct reclaim_counts rc = {.picked = 7,
				    .destroyed = 5,
				    .ports_back = 4,
				    .skipped_shared = 2,
				    .skipped_changed = 1,
				    .failed = 1};
	struct audit_record r = {.event = "action", .action = "reclaim", .ports_held = -1,
				 .exited = -1, .reclaim = &rc};
	char *got;

	rc.picked_by[PS_CLOSE_WAIT] = 7;
	rc.destroyed_by[PS_CLOSE_WAIT] = 5;
	got = format(&r, "TS");
	ASSERT_TRUE(got && json_check_lines(got) == NULL);
	ASSERT_TRUE(strstr(got, ",\"reclaim\":{\"sockets\":5,\"states\":{\"CLOSE-WAIT\":5},"
				"\"ports_back\":4,\"skipped_shared\":2,\"skipped_changed\":1,"
				"\"failed\":1}}\n") != NULL);
	free(got);
	r.action = "would_reclaim";
	r.dry_run = true;
	got = format(&r, "TS");
	ASSERT_TRUE(got && strstr(got, "\"reclaim\":{\"sockets\":7,\"states\":{\"CLOSE-WAIT\":7},") != NULL);
	free(got);
	/* reclaim = idle: ESTABLISHED idle ones by their state, and the idle time used */
	rc.picked_by[PS_ESTABLISHED] = 3;
	rc.picked = 10;
	rc.idle_s = 120;
	rc.spared_recent = 6;
	got = format(&r, "TS");
	ASSERT_TRUE(got && json_check_lines(got) == NULL);
	ASSERT_TRUE(strstr(got, "\"reclaim\":{\"sockets\":10,\"states\":{\"ESTAB\":3,"
				"\"CLOSE-WAIT\":7},") != NULL);
	ASSERT_TRUE(strstr(got, "\"failed\":1,\"idle_s\":120,\"spared_recent\":6}}\n") != NULL);
	free(got);
	r.reclaim = NULL;
	got = format(&r, "TS");
	ASSERT_TRUE(got && !strstr(got, "reclaim\":{"));
	free(got);
}

/* A refuse record's pool is the one the hooks keyed: the destination, no
 * local address; a netns the daemon could not name by its cookie. */
UNIT_TEST(refusal_pool_record)
{
	struct refusal_pool p = {.netns = 4026531840u, .netns_cookie = 4096, .family = AF_INET,
				 .rport = 5001, .raddr = {127, 0, 0, 1}, .kind = POOL_TCP_CONNECT};
	struct audit_record r = {.event = "budget", .action = "refuse", .cgroup = "cgroup2 id 7",
				 .ports_held = -1, .exited = -1, .refused_in = &p};
	char *got = format(&r, "TS");

	ASSERT_TRUE(got && json_check_lines(got) == NULL);
	ASSERT_TRUE(strstr(got, "\"pool\":{\"kind\":\"tcp-connect\",\"netns\":4026531840,\"netns_"
				"cookie\":4096,\"family\":\"ipv4\",\"remote\":\"127.0.0.1\",\"remote_"
				"port\":5001,\"name\":\"tcp-connect pool in netns 4026531840 to 127.0.0."
				"1:5001\"},") != NULL);
	free(got);
	p = (struct refusal_pool){.netns_cookie = 8193, .kind = POOL_UDP};
	got = format(&r, "TS");
	ASSERT_TRUE(got && strstr(got, "\"pool\":{\"kind\":\"udp\",\"netns\":null,\"netns_cookie\":"
				       "8193,\"name\":\"udp pool in netns cookie 8193\"},") != NULL);
	free(got);
}

/* Every string field is escaped, the timestamp too: one record, one line. */
UNIT_TEST(every_string_is_escaped)
{
	static const char evil[] = "\"}\n{\"event\":\"forged\x1b\xff";
	struct audit_record r = {.event = evil,
				 .action = evil,
				 .pid = 1,
				 .comm = evil,
				 .cgroup = evil,
				 .cls = evil,
				 .ports_held = -1,
				 .reason = evil,
				 .detail = evil,
				 .scope = evil,
				 .exited = -1};
	char *got = format(&r, evil);
	const char *nl = strchr(got, '\n');

	ASSERT_TRUE(nl && nl[1] == '\0');
	ASSERT_TRUE(json_check_lines(got) == NULL);
	ASSERT_TRUE(strstr(got, "\"event\":\"\\\"}\\n{\\\"event\\\":\\\"forged\\u001b\\u00ff\","));
	ASSERT_TRUE(!strstr(got, "\"forged\""));
	free(got);
}

/* A container's names from its runtime: after the cgroup, escaped; none, no keys. */
UNIT_TEST(container_names_in_records)
{
	struct container_names n = {.pod_namespace = "kube-system",
				    .pod = "evil\"}\n{\"event\":\"forged\x1b",
				    .container = "coredns"};
	struct container_names none = {0};
	struct audit_record r = {.event = "action", .pid = 1, .cgroup = "/k", .ports_held = -1,
				 .exited = -1, .names = &n};
	char *got = format(&r, "TS");

	ASSERT_TRUE(json_check_lines(got) == NULL);
	ASSERT_TRUE(strstr(got, "\"cgroup\":\"/k\",\"pod_namespace\":\"kube-system\",\"pod\":"
				"\"evil\\\"}\\n{\\\"event\\\":\\\"forged\\u001b\",\"container\":"
				"\"coredns\",\"class\""));
	free(got);
	r.names = &none;
	got = format(&r, "TS");
	ASSERT_TRUE(!strstr(got, "pod"));
	free(got);
	r.names = NULL;
	got = format(&r, "TS");
	ASSERT_TRUE(!strstr(got, "pod"));
	free(got);
}

/* Open descriptors (the count's own included, the same each time). */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	struct fix_out o;
	FILE *in = fopen(path, "re");
	FILE *out = fix_open(&o);
	int c;

	if (in) {
		while ((c = fgetc(in)) != EOF)
			fputc(c, out);
		fclose(in);
	}
	return fix_close(&o);
}

static struct audit a_full;

/* stderr into a file while @a reopens, then what it got. */
static char *capture_reopen(struct audit *a)
{
	char path[] = "/tmp/pw-test-audit-err.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char *text;

	fflush(stderr);
	dup2(fd, 2);
	audit_reopen(a);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	text = slurp(path);
	unlink(path);
	return text;
}

/* stderr into a file while @a writes @r, then what it got. */
static char *write_capturing_stderr(struct audit *a, const struct audit_record *r, int times)
{
	char path[] = "/tmp/pw-test-audit-err.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char *text;

	fflush(stderr);
	dup2(fd, 2);
	for (int i = 0; i < times; i++)
		audit_write(a, r);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	text = slurp(path);
	unlink(path);
	return text;
}

/* Records are appended, one JSON line each, stamped to the microsecond;
 * after a rotation (rename, SIGHUP) audit_reopen starts the new file. */
UNIT_TEST(file_appended_and_reopened)
{
	char dir[] = "/tmp/pw-test-audit.XXXXXX", path[64], rotated[80];
	struct audit_record r = {.event = "action",
				 .action = "term",
				 .pid = 7,
				 .comm = "x",
				 .cgroup = "/a",
				 .reason = "leak",
				 .exited = -1};
	static const char head[] = "{\"earlier\":true}\n{\"ts\":\"";
	struct audit a;
	char *text, *err;
	const char *ts;
	int fds;
	FILE *f;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	f = fopen(path, "we");
	ASSERT_TRUE(f != NULL);
	fputs("{\"earlier\":true}\n", f);
	fclose(f);

	ASSERT_EQ_INT(audit_open(&a, path), 0);
	err = write_capturing_stderr(&a, &r, 2);
	/* the readable line on stderr, each time */
	ASSERT_TRUE(strstr(err, "action term pid 7 x in /a: leak\n") != NULL);
	free(err);
	text = slurp(path);
	ASSERT_TRUE(json_check_lines(text) == NULL);
	ASSERT_TRUE(!strncmp(text, head, strlen(head)));
	/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" */
	ts = text + strlen(head);
	ASSERT_EQ_INT(strchr(ts, '"') - ts, 27);
	ASSERT_TRUE(ts[4] == '-' && ts[10] == 'T' && ts[19] == '.' && ts[26] == 'Z');
	ASSERT_TRUE(strstr(text, "\"event\":\"action\",\"action\":\"term\",\"pid\":7,"));
	ASSERT_TRUE(strstr(strstr(text, "\"term\"") + 1, "\"term\"") != NULL); /* twice */
	free(text);

	ASSERT_EQ_INT(rename(path, rotated), 0);
	fds = open_fds();
	ASSERT_EQ_INT(audit_reopen(&a), 0);
	ASSERT_EQ_INT(audit_reopen(&a), 0);
	ASSERT_EQ_INT(open_fds(), fds); /* the old file closed */
	free(write_capturing_stderr(&a, &r, 1));
	audit_close(&a);
	text = slurp(path);
	ASSERT_TRUE(!strncmp(text, "{\"ts\":\"", 7));
	ASSERT_TRUE(strchr(text, '\n') == text + strlen(text) - 1);
	free(text);
	unlink(rotated);
	unlink(path);
	rmdir(dir);
}

UNIT_TEST(no_file_is_stderr_only)
{
	struct audit a;
	struct audit_record r = {.event = "stop", .reason = "signal", .exited = -1};
	char *err;

	ASSERT_EQ_INT(audit_open(&a, NULL), 0);
	ASSERT_TRUE(a.fd == -1);
	err = write_capturing_stderr(&a, &r, 1);
	ASSERT_TRUE(strstr(err, "stop: signal\n") != NULL);
	free(err);
	audit_close(&a);
	ASSERT_EQ_INT(audit_open(&a, "/nonexistent-dir/audit.log"), -ENOENT);
}

/* The text line on stderr: the container's names after the cgroup, and every
 * name a process or pod spec chose escaped, in the detail too. */
UNIT_TEST(text_line_names_escaped)
{
	struct container_names n = {.pod_namespace = "ns", .pod = "p\x1b[2J", .container = "c"};
	struct audit_record r = {.event = "action",
				 .action = "alert",
				 .pid = 7,
				 .comm = "x",
				 .cgroup = "/k",
				 .reason = "protected",
				 .detail = "pod ns/p\x1b[2J matches 'ns/*'",
				 .exited = -1,
				 .names = &n};
	struct audit a;
	char *err;

	ASSERT_EQ_INT(audit_open(&a, NULL), 0);
	err = write_capturing_stderr(&a, &r, 1);
	ASSERT_TRUE(strstr(err, "action alert pid 7 x in /k (ns/p\\x1b[2J/c): protected: pod "
				"ns/p\\x1b[2J matches 'ns/*'\n") != NULL);
	ASSERT_TRUE(strchr(err, '\x1b') == NULL);
	free(err);
	audit_close(&a);
}

/* A record without a reason (a budget set) has no empty part: "cgroup X:
 * : ports_max" was once the line. */
UNIT_TEST(text_line_without_reason)
{
	struct audit_record r = {.event = "budget",
				 .action = "set",
				 .cgroup = "cgroup2 id 5",
				 .ports_held = -1,
				 .exited = -1,
				 .detail = "ports_max 50 for /x"};
	struct audit_record bare = {.event = "stop", .exited = -1};
	struct audit a;
	char *err;

	ASSERT_EQ_INT(audit_open(&a, NULL), 0);
	err = write_capturing_stderr(&a, &r, 1);
	ASSERT_TRUE(strstr(err, "budget set cgroup cgroup2 id 5: ports_max 50 for /x\n") != NULL);
	free(err);
	err = write_capturing_stderr(&a, &bare, 1);
	ASSERT_TRUE(strstr(err, "stop\n") != NULL && strstr(err, "stop:") == NULL);
	free(err);
	audit_close(&a);
}

/* run's /suspects lists the latest action and result records as the log
 * has them, without a log file too; other events are not kept, the oldest
 * go first. */
UNIT_TEST(recent_actions_kept)
{
	struct audit_record act = {.event = "action", .action = "kill", .pid = 9, .comm = "l\"x",
				   .exited = -1, .ports_held = -1};
	struct audit_record sus = {.event = "suspect", .pid = 9, .exited = -1, .ports_held = -1};
	struct audit a;
	char *err;

	ASSERT_EQ_INT(audit_open(&a, NULL), 0);
	err = write_capturing_stderr(&a, &sus, 1);
	free(err);
	ASSERT_EQ_INT((int)a.nr_recent, 0);
	err = write_capturing_stderr(&a, &act, 1);
	free(err);
	ASSERT_EQ_INT((int)a.nr_recent, 1);
	ASSERT_TRUE(strstr(audit_recent(&a, 0), "\"event\":\"action\",\"action\":\"kill\",\"pid\":9,"
					     "\"comm\":\"l\\\"x\""));
	ASSERT_TRUE(!strchr(audit_recent(&a, 0), '\n'));
	for (uint32_t pid = 100; pid < 100 + AUDIT_RECENT; pid++) {
		act.pid = pid;
		err = write_capturing_stderr(&a, &act, 1);
		free(err);
	}
	ASSERT_EQ_INT((int)a.nr_recent, AUDIT_RECENT);
	ASSERT_TRUE(strstr(audit_recent(&a, 0), "\"pid\":100,"));
	ASSERT_TRUE(strstr(audit_recent(&a, AUDIT_RECENT - 1), "\"pid\":131,"));
	ASSERT_TRUE(!audit_recent(&a, AUDIT_RECENT));
	audit_close(&a);
	ASSERT_EQ_INT((int)a.nr_recent, 0);
}

/* A full disk must not pass unseen, nor flood stderr: every refused record
 * is counted, the warning comes once a minute at most. RLIMIT_FSIZE makes a
 * regular file refuse writes (EFBIG) as a full disk would (ENOSPC). */
UNIT_TEST(refused_writes_counted_and_warned_rarely)
{
	char path[] = "/tmp/pw-test-audit-full.XXXXXX";
	struct audit_record r = {.event = "action", .action = "kill", .pid = 9, .exited = -1};
	/* the log already at the limit; stderr's capture well below it */
	struct rlimit old, tiny = {.rlim_cur = 65536, .rlim_max = RLIM_INFINITY};
	char *err, *later, *first;
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ_INT(ftruncate(fd, 65536), 0);
	close(fd);
	ASSERT_EQ_INT(getrlimit(RLIMIT_FSIZE, &old), 0);
	tiny.rlim_max = old.rlim_max;
	ASSERT_EQ_INT(audit_open(&a_full, path), 0);
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ_INT(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	err = write_capturing_stderr(&a_full, &r, 3);
	/* a minute later: one more warning, with what was refused meanwhile */
	a_full.warned_ms -= 60000;
	later = write_capturing_stderr(&a_full, &r, 2);
	setrlimit(RLIMIT_FSIZE, &old);
	audit_close(&a_full);
	unlink(path);
	first = strstr(err, "cannot write the audit log ");
	ASSERT_TRUE(first != NULL);
	ASSERT_TRUE(strstr(first, "File too large; 1 record lost (1 in all)") != NULL);
	ASSERT_TRUE(strstr(first + 1, "cannot write the audit log") == NULL);
	/* the readable line still goes out, every time */
	ASSERT_TRUE(strstr(strstr(strstr(err, "action kill pid 9") + 1, "action kill pid 9") + 1,
			   "action kill pid 9") != NULL);
	ASSERT_EQ_INT(a_full.write_errors, 5);
	ASSERT_EQ_INT(a_full.last_error, -EFBIG);
	first = strstr(later, "cannot write the audit log ");
	ASSERT_TRUE(first != NULL);
	ASSERT_TRUE(strstr(first, "File too large; 3 records lost (4 in all)") != NULL);
	ASSERT_TRUE(strstr(first + 1, "cannot write the audit log") == NULL);
	free(later);
	free(err);
}

/* Not a regular file, or a link: refused at once (a FIFO would block the
 * daemon, /dev/full would swallow every record, a link may be planted). */
UNIT_TEST(special_files_and_links_refused)
{
	char dir[] = "/tmp/pw-test-audit.XXXXXX", fifo[64], link[64], target[64];
	struct audit a;
	struct stat st;
	int reader;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(target, sizeof(target), "%s/target", dir);
	ASSERT_EQ_INT(audit_open(&a, "/dev/full"), -ENOTREG_FILE);
	ASSERT_EQ_INT(a.fd, -1); /* stderr only, nothing to close */
	ASSERT_EQ_INT(audit_open(&a, dir), -EISDIR);
	ASSERT_EQ_INT(mkfifo(fifo, 0600), 0);
	/* no reader: the open does not wait for one */
	ASSERT_EQ_INT(audit_open(&a, fifo), -ENXIO);
	reader = open(fifo, O_RDONLY | O_NONBLOCK);
	ASSERT_TRUE(reader >= 0);
	ASSERT_EQ_INT(audit_open(&a, fifo), -ENOTREG_FILE);
	close(reader);
	ASSERT_EQ_INT(symlink(target, link), 0);
	ASSERT_EQ_INT(audit_open(&a, link), -ELOOP);
	ASSERT_TRUE(lstat(target, &st) != 0); /* not created through the link */
	/* a new log is not world-readable */
	umask(022);
	ASSERT_EQ_INT(audit_open(&a, target), 0);
	audit_close(&a);
	ASSERT_EQ_INT(stat(target, &st), 0);
	ASSERT_EQ_INT(st.st_mode & 0777, 0640);
	unlink(target);
	unlink(link);
	unlink(fifo);
	rmdir(dir);
}

/* SIGHUP with a FIFO (or nothing openable) where the log was: the old file
 * is kept, with a warning, and records still reach it. */
UNIT_TEST(failed_reopen_keeps_the_old_file)
{
	char dir[] = "/tmp/pw-test-audit.XXXXXX", path[64], rotated[80];
	struct audit_record r = {.event = "stop", .reason = "kept", .exited = -1};
	struct audit a;
	char *err, *text;
	int old_fd;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	ASSERT_EQ_INT(audit_open(&a, path), 0);
	old_fd = a.fd;
	ASSERT_EQ_INT(rename(path, rotated), 0);
	ASSERT_EQ_INT(mkfifo(path, 0600), 0);
	err = capture_reopen(&a);
	ASSERT_EQ_INT(a.fd, old_fd);
	ASSERT_TRUE(strstr(err, "cannot reopen the audit log") != NULL);
	ASSERT_TRUE(strstr(err, "not a regular file") != NULL);
	ASSERT_TRUE(strstr(err, "still writing to the file it had open") != NULL);
	free(err);
	free(write_capturing_stderr(&a, &r, 1));
	audit_close(&a);
	text = slurp(rotated);
	ASSERT_TRUE(strstr(text, "\"reason\":\"kept\"") != NULL);
	free(text);
	unlink(path);
	unlink(rotated);
	rmdir(dir);
}

int main(void)
{
	RUN(records_byte_for_byte);
	RUN(reclaim_record);
	RUN(refusal_pool_record);
	RUN(every_string_is_escaped);
	RUN(container_names_in_records);
	RUN(file_appended_and_reopened);
	RUN(no_file_is_stderr_only);
	RUN(text_line_names_escaped);
	RUN(text_line_without_reason);
	RUN(recent_actions_kept);
	RUN(refused_writes_counted_and_warned_rarely);
	RUN(special_files_and_links_refused);
	RUN(failed_reopen_keeps_the_old_file);
	return UNIT_MAIN_END();
}
