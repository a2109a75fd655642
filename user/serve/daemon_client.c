// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// One GET on run's unix socket (libcurl), after checking who could have put it there.
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "serve/daemon_client.h"

/* Owned by root or by us, and nobody else can write to it. */
static const char *untrusted(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "owned by another user";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	return NULL;
}

int daemon_socket_trusted(int dir_fd, const char *name, char *why, size_t why_len)
{
	struct stat st;
	const char *bad;

	if (fstat(dir_fd, &st))
		return -errno;
	if ((bad = untrusted(&st))) {
		snprintf(why, why_len, "its directory is %s", bad);
		return -EPERM;
	}
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? -ENOENT : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(why, why_len, "it is not a socket (a link is not followed)");
		return -EPERM;
	}
	if ((bad = untrusted(&st))) {
		snprintf(why, why_len, "it is %s", bad);
		return -EPERM;
	}
	return 0;
}

/* The socket's directory, never through a link (in its last component). */
static int open_dir(const char *path, const char **name, char *why, size_t why_len)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash || !slash[1] || (size_t)(slash - path) >= sizeof(dir)) {
		snprintf(why, why_len, "not an absolute path to a socket");
		return -EINVAL;
	}
	memcpy(dir, path, slash - path);
	dir[slash == path ? 1 : slash - path] = 0;
	if (slash == path)
		dir[0] = '/';
	*name = slash + 1;
	fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
		snprintf(why, why_len, "its directory is not a directory (a link is not followed)");
		return -EPERM;
	}
	return fd < 0 ? -errno : fd;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct daemon_reply *r = arg;
	size_t len = size * n;
	char *grown;

	if (r->len + len + 1 > DAEMON_REPLY_MAX)
		return 0; /* curl fails the transfer (CURLE_WRITE_ERROR) */
	grown = realloc(r->body, r->len + len + 1);
	if (!grown)
		return 0;
	memcpy(grown + r->len, data, len);
	r->body = grown;
	r->len += len;
	r->body[r->len] = 0;
	return len;
}

#define COVERED_HEADER "Portwarden-Covered-Seconds:"

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct daemon_reply *r = arg;
	size_t len = size * n, hl = strlen(COVERED_HEADER);
	char num[32];

	if (len > hl && len - hl < sizeof(num) && !strncasecmp(data, COVERED_HEADER, hl)) {
		memcpy(num, data + hl, len - hl);
		num[len - hl] = 0;
		r->covered_ms = (uint64_t)(strtod(num, NULL) * 1000.0 + 0.5);
	}
	return len;
}

static int transfer(const char *via, const char *target, long timeout_s, struct daemon_reply *r,
		    char *why, size_t why_len)
{
	char url[512];
	CURLcode rc;
	CURL *c;

	if (curl_global_init(CURL_GLOBAL_NOTHING) || !(c = curl_easy_init())) {
		snprintf(why, why_len, "cannot start libcurl");
		return -ENOMEM;
	}
	snprintf(url, sizeof(url), "http://localhost%s", target);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, via);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 2L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	rc = curl_easy_perform(c);
	if (!rc)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	if (rc == CURLE_COULDNT_CONNECT)
		return -ENOENT; /* a stale socket: nobody listens (ECONNREFUSED) */
	if (rc) {
		snprintf(why, why_len, "%s", curl_easy_strerror(rc));
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
	}
	if (!r->body && !(r->body = calloc(1, 1)))
		return -ENOMEM;
	return 0;
}

int daemon_get(const char *path, const char *target, long timeout_s, struct daemon_reply *r,
	       char *why, size_t why_len)
{
	struct sockaddr_un a;
	const char *name = NULL;
	char via[sizeof(a.sun_path)];
	int fd, err;

	memset(r, 0, sizeof(*r));
	why[0] = 0;
	fd = open_dir(path, &name, why, why_len);
	if (fd < 0)
		return fd;
	err = daemon_socket_trusted(fd, name, why, why_len);
	if (!err &&
	    snprintf(via, sizeof(via), "/proc/self/fd/%d/%s", fd, name) >= (int)sizeof(via)) {
		snprintf(why, why_len, "its name is too long for a unix socket");
		err = -ENAMETOOLONG;
	}
	if (!err)
		err = transfer(via, target, timeout_s, r, why, why_len);
	close(fd);
	if (err)
		daemon_reply_free(r);
	return err;
}

void daemon_reply_free(struct daemon_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}
