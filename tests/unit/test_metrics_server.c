// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for serve/metrics_server.c: the listen address, the unix socket's
// path handling, and the answers, over a socket in a temporary directory.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "serve/metrics_server.h"
#include "unit.h"

static const struct {
	const char *in;
	int ok;
} listen_cases[] = {
	{"127.0.0.1:9477", 1}, {"[::1]:9477", 1},  {"0.0.0.0:1", 1},	 {"[::]:65535", 1},
	{"127.0.0.1:0", 0},    {"127.0.0.1:65536", 0}, {"127.0.0.1", 0},	 {":9477", 0},
	{"localhost:9477", 0}, {"::1:9477", 0},	   {"[::1]9477", 0},	 {"[::1]:", 0},
	{"127.0.0.1:+80", 0},  {"127.0.0.1:80x", 0},   {"[127.0.0.1]:80", 0}, {"", 0},
};

UNIT_TEST(test_parse_listen)
{
	for (size_t i = 0; i < sizeof(listen_cases) / sizeof(listen_cases[0]); i++) {
		struct sockaddr_storage ss;
		socklen_t len;

		UNIT_ROW(listen_cases[i].in);
		ASSERT_EQ_INT(!metrics_parse_listen(listen_cases[i].in, &ss, &len), listen_cases[i].ok);
	}
}

static char dir[64];

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* One request on the unix socket @path; the whole answer into @buf. */
static int ask(const char *path, const char *request, char *buf, size_t len)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		close(fd);
		return -1;
	}
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
	return 0;
}

UNIT_TEST(test_answers)
{
	char path[128], buf[4096];
	struct metrics_server *s;
	struct stat st;

	path_in(path, sizeof(path), "sub/pw.sock"); /* the directory is made */
	s = metrics_server_open(path, NULL);
	ASSERT_TRUE(s);
	ASSERT_EQ_INT(stat(path, &st), 0);
	ASSERT_TRUE(S_ISSOCK(st.st_mode));
	ASSERT_EQ_INT(st.st_mode & 0777, 0600);
	ASSERT_EQ_INT(ask(path, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, " 503 "));
	metrics_server_publish(s, strdup("x_total 1\n"), 10);
	ASSERT_EQ_INT(ask(path, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, "HTTP/1.0 200 ") || strstr(buf, "HTTP/1.1 200 "));
	ASSERT_TRUE(strstr(buf, "text/plain; version=0.0.4"));
	ASSERT_TRUE(strstr(buf, "\r\n\r\nx_total 1\n"));
	metrics_server_publish(s, strdup("x_total 2\n"), 10);
	ASSERT_EQ_INT(ask(path, "HEAD /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, " 200 ") && !strstr(buf, "x_total"));
	ASSERT_EQ_INT(ask(path, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, "\r\n\r\nx_total 2\n"));
	ASSERT_EQ_INT(ask(path, "GET / HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, " 404 "));
	ASSERT_EQ_INT(ask(path, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", buf,
			  sizeof(buf)),
		      0);
	ASSERT_TRUE(strstr(buf, " 405 "));
	ASSERT_TRUE(strstr(buf, "Allow: GET, HEAD"));
	/* a second server on a live socket is refused; the first keeps it */
	ASSERT_TRUE(!metrics_server_open(path, NULL));
	ASSERT_EQ_INT(ask(path, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, " 200 "));
	metrics_server_close(s);
	ASSERT_EQ_INT(lstat(path, &st), -1); /* removed on close */
}

/* /snapshot and /suspects: each its own document, JSON, 503 before the first. */
UNIT_TEST(test_documents)
{
	char path[128], buf[4096];
	struct metrics_server *s;

	path_in(path, sizeof(path), "docs.sock");
	s = metrics_server_open(path, NULL);
	ASSERT_TRUE(s);
	ASSERT_EQ_INT(ask(path, "GET /snapshot HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, " 503 "));
	metrics_server_publish_doc(s, SERVED_SNAPSHOT, strdup("{\"type\":\"snapshot\"}\n"), 20);
	metrics_server_publish_doc(s, SERVED_SUSPECTS, strdup("{\"type\":\"suspects\"}\n"), 20);
	ASSERT_EQ_INT(ask(path, "GET /snapshot HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, " 200 ") && strstr(buf, "application/json"));
	ASSERT_TRUE(strstr(buf, "\r\n\r\n{\"type\":\"snapshot\"}\n"));
	ASSERT_EQ_INT(ask(path, "GET /suspects HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, "\r\n\r\n{\"type\":\"suspects\"}\n"));
	ASSERT_EQ_INT(ask(path, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, " 503 ")); /* not published: the others are not it */
	metrics_server_close(s);
}

static const struct {
	const char *seconds, *format;
	int ok;
	unsigned int want;
	bool text, html;
} query_cases[] = {
	{"60", "html", 1, 60, false, true},
	{"60", "HTML", 0, 0, false, false},
	{"5", NULL, 1, 5, false},
	{"86400", "text", 1, 86400, true},
	{"1", "json", 1, 1, false},
	{NULL, NULL, 0, 0, false},
	{"0", NULL, 0, 0, false},
	{"86401", NULL, 0, 0, false},
	{"-1", NULL, 0, 0, false},
	{"5s", NULL, 0, 0, false},
	{"", NULL, 0, 0, false},
	{" 5", NULL, 0, 0, false},
	{"5", "xml", 0, 0, false},
	{"99999999999999999999", NULL, 0, 0, false},
};

UNIT_TEST(test_report_query)
{
	for (size_t i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
		struct report_query q;
		char err[96] = "";
		int rc;

		UNIT_ROW(query_cases[i].seconds ? query_cases[i].seconds : "(none)");
		rc = metrics_parse_report_query(query_cases[i].seconds, query_cases[i].format, &q, err,
						sizeof(err));
		ASSERT_EQ_INT(!rc, query_cases[i].ok);
		if (rc)
			ASSERT_TRUE(strstr(err, "bad query"));
		else
			ASSERT_TRUE(q.seconds == query_cases[i].want &&
				    q.text == query_cases[i].text && q.html == query_cases[i].html);
	}
}

struct asker {
	const char *path, *request;
	char buf[4096];
	int rc;
};

static void *ask_thread(void *arg)
{
	struct asker *a = arg;

	a->rc = ask(a->path, a->request, a->buf, sizeof(a->buf));
	return NULL;
}

static unsigned int rendered_seconds;

static void render_stub(void *ctx, const struct report_query *q, struct served_answer *a)
{
	(void)ctx;
	rendered_seconds = q->seconds;
	a->status = 200;
	a->text = q->text;
	a->covered_ms = 2500;
	a->body = strdup("the report\n");
	a->len = strlen(a->body);
}

/* /report waits for the guard's thread (metrics_server_answer), which renders
 * it with the parsed query; a bad query is 400 at once. */
UNIT_TEST(test_report_answered_by_guard)
{
	struct asker a = {.request = "GET /report?seconds=7&format=text HTTP/1.0\r\n\r\n"};
	char path[128], buf[4096];
	struct metrics_server *s;
	pthread_t t;
	size_t n = 0;

	path_in(path, sizeof(path), "report.sock");
	a.path = path;
	s = metrics_server_open(path, NULL);
	ASSERT_TRUE(s);
	ASSERT_EQ_INT(ask(path, "GET /report?seconds=x HTTP/1.0\r\n\r\n", buf, sizeof(buf)), 0);
	ASSERT_TRUE(strstr(buf, " 400 ") && strstr(buf, "seconds must be"));
	ASSERT_EQ_INT(ask(path, "GET /report?seconds=3&bogus=1 HTTP/1.0\r\n\r\n", buf,
			  sizeof(buf)),
		      0);
	ASSERT_TRUE(strstr(buf, " 400 "));
	ASSERT_EQ_INT(pthread_create(&t, NULL, ask_thread, &a), 0);
	for (int i = 0; i < 200 && !n; i++) {
		usleep(10000);
		n = metrics_server_answer(s, render_stub, NULL);
	}
	pthread_join(t, NULL);
	ASSERT_EQ_INT((int)n, 1);
	ASSERT_EQ_INT((int)rendered_seconds, 7);
	ASSERT_EQ_INT(a.rc, 0);
	ASSERT_TRUE(strstr(a.buf, " 200 ") && strstr(a.buf, "text/plain"));
	ASSERT_TRUE(strstr(a.buf, "Portwarden-Covered-Seconds: 2.500"));
	ASSERT_TRUE(strstr(a.buf, "\r\n\r\nthe report\n"));
	metrics_server_close(s);
}

/* At most METRICS_REPORTS_PENDING wait for the guard; the next is 503 at
 * once, not queued: clients cost the guard a bounded number of renders. */
UNIT_TEST(test_report_queue_bounded)
{
	struct asker a[METRICS_REPORTS_PENDING + 1];
	pthread_t t[METRICS_REPORTS_PENDING + 1];
	char path[128];
	struct metrics_server *s;
	size_t n = 0;
	int ok = 0, busy = 0;

	path_in(path, sizeof(path), "bounded.sock");
	s = metrics_server_open(path, NULL);
	ASSERT_TRUE(s);
	for (int i = 0; i <= METRICS_REPORTS_PENDING; i++) {
		a[i] = (struct asker){.path = path,
				      .request = "GET /report?seconds=1 HTTP/1.0\r\n\r\n"};
		ASSERT_EQ_INT(pthread_create(&t[i], NULL, ask_thread, &a[i]), 0);
	}
	usleep(300000); /* all asked: 8 queued, one refused */
	n = metrics_server_answer(s, render_stub, NULL);
	for (int i = 0; i <= METRICS_REPORTS_PENDING; i++) {
		pthread_join(t[i], NULL);
		ok += strstr(a[i].buf, " 200 ") != NULL;
		busy += strstr(a[i].buf, " 503 ") && strstr(a[i].buf, "busy");
	}
	ASSERT_EQ_INT((int)n, METRICS_REPORTS_PENDING);
	ASSERT_EQ_INT(ok, METRICS_REPORTS_PENDING);
	ASSERT_EQ_INT(busy, 1);
	metrics_server_close(s);
}

/* Requests still waiting when the server closes are answered 503, not hung. */
UNIT_TEST(test_report_pending_at_close)
{
	struct asker a = {.request = "GET /report?seconds=1 HTTP/1.0\r\n\r\n"};
	char path[128];
	struct metrics_server *s;
	pthread_t t;

	path_in(path, sizeof(path), "close.sock");
	a.path = path;
	s = metrics_server_open(path, NULL);
	ASSERT_TRUE(s);
	ASSERT_EQ_INT(pthread_create(&t, NULL, ask_thread, &a), 0);
	usleep(200000); /* queued by now */
	metrics_server_close(s);
	pthread_join(t, NULL);
	ASSERT_TRUE(strstr(a.buf, " 503 ") && strstr(a.buf, "stopping"));
}

/* A stale socket (its server gone) is replaced. */
UNIT_TEST(test_stale_socket_replaced)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct metrics_server *s;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	path_in(a.sun_path, sizeof(a.sun_path), "stale.sock");
	ASSERT_EQ_INT(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd); /* the socket file stays, nobody listens */
	s = metrics_server_open(a.sun_path, NULL);
	ASSERT_TRUE(s);
	metrics_server_close(s);
}

/* A link planted at the path is neither followed nor removed; nor is a file. */
UNIT_TEST(test_planted_link_refused)
{
	char path[128], target[128], file[128];
	struct stat st;

	path_in(path, sizeof(path), "link.sock");
	path_in(target, sizeof(target), "victim");
	path_in(file, sizeof(file), "file.sock");
	ASSERT_EQ_INT(symlink(target, path), 0);
	ASSERT_TRUE(!metrics_server_open(path, NULL));
	ASSERT_EQ_INT(lstat(path, &st), 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
	ASSERT_EQ_INT(lstat(target, &st), -1); /* nothing made through it */
	close(open(file, O_CREAT | O_WRONLY, 0644));
	ASSERT_TRUE(!metrics_server_open(file, NULL));
	ASSERT_EQ_INT(lstat(file, &st), 0);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	unlink(path);
	unlink(file);
}

/* A link in place of the directory is not followed either. */
UNIT_TEST(test_planted_dir_link_refused)
{
	char path[160], link[128], target[128];
	struct stat st;

	path_in(target, sizeof(target), "realdir");
	path_in(link, sizeof(link), "linkdir");
	ASSERT_EQ_INT(mkdir(target, 0755), 0);
	ASSERT_EQ_INT(symlink(target, link), 0);
	snprintf(path, sizeof(path), "%s/pw.sock", link);
	ASSERT_TRUE(!metrics_server_open(path, NULL));
	snprintf(path, sizeof(path), "%s/pw.sock", target);
	ASSERT_EQ_INT(lstat(path, &st), -1);
	unlink(link);
	rmdir(target);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pw-serve-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_parse_listen);
	RUN(test_answers);
	RUN(test_documents);
	RUN(test_report_query);
	RUN(test_report_answered_by_guard);
	RUN(test_report_queue_bounded);
	RUN(test_report_pending_at_close);
	RUN(test_stale_socket_replaced);
	RUN(test_planted_link_refused);
	RUN(test_planted_dir_link_refused);
	{
		char sub[128];

		path_in(sub, sizeof(sub), "sub");
		rmdir(sub);
		rmdir(dir);
	}
	return UNIT_MAIN_END();
}
