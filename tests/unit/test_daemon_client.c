// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for serve/daemon_client.c: which sockets report and top trust,
// and a GET against run's server (serve/metrics_server.c) in a temporary
// directory.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "serve/daemon_client.h"
#include "serve/metrics_server.h"
#include "unit.h"

#define NOBODY 65534

static char dir[64];

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* A socket file at @path nobody listens on. */
static int make_socket(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), rc;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return rc;
}

static int get(const char *path, const char *target, struct daemon_reply *r, char *why)
{
	return daemon_get(path, target, 5, r, why, 160);
}

/* root must not read a socket another user could have planted. */
UNIT_TEST(test_untrusted_refused)
{
	char path[160], sub[128], link[192], why[160];
	struct daemon_reply r;

	if (geteuid())
		SKIP_TEST("needs root (chown)");
	path_in(path, sizeof(path), "plain.sock");
	ASSERT_EQ_INT(make_socket(path), 0);
	ASSERT_EQ_INT(chmod(path, 0600), 0);
	/* ours, nobody listens: no daemon, not a refusal */
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), -ENOENT);
	ASSERT_EQ_INT(chown(path, NOBODY, NOBODY), 0);
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), -EPERM);
	ASSERT_TRUE(strstr(why, "owned by another user"));
	ASSERT_EQ_INT(chown(path, 0, 0), 0);
	ASSERT_EQ_INT(chmod(path, 0666), 0);
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), -EPERM);
	ASSERT_TRUE(strstr(why, "writable by group or others"));
	unlink(path);

	/* a directory another user owns, or anyone can write to */
	path_in(sub, sizeof(sub), "nobodys");
	ASSERT_EQ_INT(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/pw.sock", sub);
	ASSERT_EQ_INT(make_socket(path), 0);
	ASSERT_EQ_INT(chmod(path, 0600), 0);
	ASSERT_EQ_INT(chown(sub, NOBODY, NOBODY), 0);
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), -EPERM);
	ASSERT_TRUE(strstr(why, "directory is owned by another user"));
	ASSERT_EQ_INT(chown(sub, 0, 0), 0);
	ASSERT_EQ_INT(chmod(sub, 01777), 0);
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), -EPERM);
	ASSERT_TRUE(strstr(why, "directory is writable"));
	ASSERT_EQ_INT(chmod(sub, 0755), 0);
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), -ENOENT);

	/* links: neither the socket nor its directory is followed */
	path_in(link, sizeof(link), "link.sock");
	ASSERT_EQ_INT(symlink(path, link), 0);
	ASSERT_EQ_INT(get(link, "/suspects", &r, why), -EPERM);
	ASSERT_TRUE(strstr(why, "not a socket"));
	unlink(link);
	path_in(link, sizeof(link), "linkdir");
	ASSERT_EQ_INT(symlink(sub, link), 0);
	strcat(link, "/pw.sock");
	ASSERT_EQ_INT(get(link, "/suspects", &r, why), -EPERM);
	ASSERT_TRUE(strstr(why, "not a directory"));
	path_in(link, sizeof(link), "linkdir");
	unlink(link);
	unlink(path);
	rmdir(sub);
}

UNIT_TEST(test_missing_is_no_daemon)
{
	char path[128], why[160];
	struct daemon_reply r;

	path_in(path, sizeof(path), "none.sock");
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), -ENOENT);
	ASSERT_EQ_INT(get("/nonexistent-dir-pw/x.sock", "/suspects", &r, why), -ENOENT);
}

/* A GET against run's own server: the body, the status, the covered time. */
UNIT_TEST(test_get_from_server)
{
	char path[128], why[160];
	struct metrics_server *s;
	struct daemon_reply r;

	path_in(path, sizeof(path), "live.sock");
	s = metrics_server_open(path, NULL);
	ASSERT_TRUE(s);
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), 0);
	ASSERT_EQ_INT((int)r.status, 503);
	daemon_reply_free(&r);
	metrics_server_publish_doc(s, SERVED_SUSPECTS, strdup("{\"suspects\":[]}\n"), 16);
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), 0);
	ASSERT_EQ_INT((int)r.status, 200);
	ASSERT_EQ_STR(r.body, "{\"suspects\":[]}\n");
	ASSERT_EQ_INT((int)r.len, 16);
	daemon_reply_free(&r);
	metrics_server_close(s);
	ASSERT_EQ_INT(get(path, "/suspects", &r, why), -ENOENT); /* removed on close */
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pw-client-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_untrusted_refused);
	RUN(test_missing_is_no_daemon);
	RUN(test_get_from_server);
	rmdir(dir);
	return UNIT_MAIN_END();
}
