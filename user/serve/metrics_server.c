// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// run's /metrics over HTTP: libmicrohttpd on a unix socket and a TCP address.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "core/log.h"
#include "serve/metrics_server.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One rendering, shared by the responses still sending it. */
struct published {
	atomic_int refs;
	size_t len;
	char *text;
};

struct metrics_server {
	pthread_mutex_t lock; /* guards cur: held for a pointer swap or a refcount */
	struct published *cur;
	struct MHD_Daemon *unix_d, *tcp_d;
	int unix_fd, tcp_fd;
	int dir_fd;		   /* the socket's directory, to remove the socket */
	char name[NAME_MAX + 1];   /* the socket's name in it */
	ino_t ino;		   /* ours: removed only if still there */
};

static void unref(struct published *p)
{
	if (p && atomic_fetch_sub(&p->refs, 1) == 1) {
		free(p->text);
		free(p);
	}
}

static void unref_cb(void *cls)
{
	unref(cls);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *body)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The HTTP thread: the latest text, by reference (no copy, no rendering). */
static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct metrics_server *s = cls;
	struct MHD_Response *r;
	struct published *p;
	enum MHD_Result ret;

	(void)version, (void)upload_data, (void)upload_data_size, (void)con_cls;
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET or HEAD\n");
	pthread_mutex_lock(&s->lock);
	p = s->cur;
	if (p)
		atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&s->lock);
	if (!p)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no sample yet\n");
	r = MHD_create_response_from_buffer_with_free_callback_cls(p->len, p->text, unref_cb, p);
	if (!r) {
		unref(p);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

void metrics_server_publish(struct metrics_server *s, char *text, size_t len)
{
	struct published *p = calloc(1, sizeof(*p)), *old;

	if (!p) {
		free(text); /* the previous text stays: the timestamp says how old */
		return;
	}
	atomic_init(&p->refs, 1);
	p->text = text;
	p->len = len;
	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = p;
	pthread_mutex_unlock(&s->lock);
	unref(old);
}

/* The socket's directory, made 0755 if missing; never through a link. */
static int open_dir(const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		pr_warn("metrics socket: cannot make %s: %s\n", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		pr_warn("metrics socket: cannot open directory %s: %s\n", dir,
			errno == ELOOP || errno == ENOTDIR ? "not a directory (a link is not followed)"
							   : strerror(errno));
		return -1;
	}
	/* one others can write to could have the socket swapped under us */
	if (fstat(fd, &st) || (st.st_mode & S_IWOTH) ||
	    (st.st_uid != geteuid() && st.st_uid != 0)) {
		pr_warn("metrics socket: directory %s is writable by others; refused\n", dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* Something at the socket's path: a live server's socket is left alone, a
 * stale socket removed; anything else (a link, a file) refused, never
 * followed nor removed. */
static int clear_path(struct metrics_server *s, const char *path, const char *via)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, live;

	if (fstatat(s->dir_fd, s->name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		pr_warn("metrics socket: %s exists and is not a socket (not followed, not "
			"removed)\n",
			path);
		return -1;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", via);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	live = fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (fd >= 0)
		close(fd);
	if (live) {
		pr_warn("metrics socket: %s is in use by another server\n", path);
		return -1;
	}
	if (unlinkat(s->dir_fd, s->name, 0)) {
		pr_warn("metrics socket: cannot remove stale %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Bound relative to the directory opened above (through /proc/self/fd), so
 * a directory swapped after the checks is not the one bound in. Mode 0600:
 * the metrics name every tenant's cgroups; only root reads them. */
static int bind_unix(struct metrics_server *s, const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char dir[PATH_MAX], via[64];
	const char *slash = strrchr(path, '/');
	struct stat st;
	mode_t old;
	int fd, err;

	if (!slash || !slash[1] || strlen(slash + 1) > NAME_MAX ||
	    (size_t)(slash - path) >= sizeof(dir)) {
		pr_warn("metrics socket: invalid path '%s'\n", path);
		return -1;
	}
	memcpy(dir, path, slash - path);
	dir[slash == path ? 1 : slash - path] = 0;
	if (slash == path)
		dir[0] = '/';
	strcpy(s->name, slash + 1);
	s->dir_fd = open_dir(dir);
	if (s->dir_fd < 0)
		return -1;
	if (snprintf(via, sizeof(via), "/proc/self/fd/%d/", s->dir_fd) >= (int)sizeof(via) ||
	    strlen(via) + strlen(s->name) >= sizeof(a.sun_path)) {
		pr_warn("metrics socket: name '%s' too long for a unix socket\n", s->name);
		return -1;
	}
	strcat(via, s->name);
	if (clear_path(s, path, via))
		return -1;
	strcpy(a.sun_path, via);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	old = umask(0177); /* born 0600: no moment when others could connect */
	err = bind(fd, (struct sockaddr *)&a, sizeof(a)) ? errno : 0;
	umask(old);
	if (err || listen(fd, METRICS_CONN_LIMIT) ||
	    fstatat(s->dir_fd, s->name, &st, AT_SYMLINK_NOFOLLOW)) {
		pr_warn("metrics socket: cannot bind %s: %s\n", path, strerror(err ? err : errno));
		close(fd);
		return -1;
	}
	s->ino = st.st_ino;
	s->unix_fd = fd;
	return 0;
}

static int bind_tcp(struct metrics_server *s, const char *listen_addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (metrics_parse_listen(listen_addr, &ss, &len)) {
		pr_warn("invalid --metrics-listen '%s'\n", listen_addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		pr_warn("--metrics-listen %s: %s\n", listen_addr, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, METRICS_CONN_LIMIT)) {
		pr_warn("--metrics-listen %s: cannot bind: %s\n", listen_addr, strerror(errno));
		close(fd);
		return -1;
	}
	s->tcp_fd = fd;
	return 0;
}

/* libmicrohttpd in its own thread (epoll), bounded: connections, per
 * client address (TCP), idle time (slowloris), request header memory. */
static struct MHD_Daemon *serve(struct metrics_server *s, int fd, bool tcp)
{
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, answer, s, MHD_OPTION_LISTEN_SOCKET,
		fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONN_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEMORY,
		tcp ? MHD_OPTION_PER_IP_CONNECTION_LIMIT : MHD_OPTION_END,
		(unsigned int)METRICS_PER_IP_LIMIT, MHD_OPTION_END);

	if (!d)
		pr_warn("metrics: cannot start the HTTP server (libmicrohttpd)\n");
	return d;
}

struct metrics_server *metrics_server_open(const char *socket_path, const char *listen_addr)
{
	struct metrics_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->unix_fd = s->tcp_fd = s->dir_fd = -1;
	if ((socket_path && bind_unix(s, socket_path)) || (listen_addr && bind_tcp(s, listen_addr)))
		goto fail;
	if (s->unix_fd >= 0 && !(s->unix_d = serve(s, s->unix_fd, false)))
		goto fail;
	if (s->tcp_fd >= 0 && !(s->tcp_d = serve(s, s->tcp_fd, true)))
		goto fail;
	return s;
fail:
	metrics_server_close(s);
	return NULL;
}

void metrics_server_close(struct metrics_server *s)
{
	struct stat st;

	if (!s)
		return;
	/* MHD_stop_daemon closes the listening socket it was given */
	if (s->unix_d)
		MHD_stop_daemon(s->unix_d);
	else if (s->unix_fd >= 0)
		close(s->unix_fd);
	if (s->tcp_d)
		MHD_stop_daemon(s->tcp_d);
	else if (s->tcp_fd >= 0)
		close(s->tcp_fd);
	if (s->ino && !fstatat(s->dir_fd, s->name, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISSOCK(st.st_mode) && st.st_ino == s->ino)
		unlinkat(s->dir_fd, s->name, 0);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	unref(s->cur);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
