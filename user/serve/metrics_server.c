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

static const struct {
	const char *path, *type;
} docs[SERVED_DOCS] = {
	[SERVED_METRICS] = {"/metrics", "text/plain; version=0.0.4; charset=utf-8"},
	[SERVED_SNAPSHOT] = {"/snapshot", "application/json"},
	[SERVED_SUSPECTS] = {"/suspects", "application/json"},
};

#define NOT_FOUND "not found: try /metrics, /snapshot, /suspects or /report?seconds=N\n"

/* One rendering, shared by the responses still sending it. */
struct published {
	atomic_int refs;
	size_t len;
	char *text;
};

/* A /report request waiting for the guard (its connection suspended), then
 * its answer; freed when the connection is done with it. */
struct pending {
	struct MHD_Connection *c;
	struct report_query q;
	struct served_answer a;
	bool answered;
	struct pending *next;
};

struct metrics_server {
	pthread_mutex_t lock; /* guards cur and the queue: a pointer swap or a refcount */
	struct published *cur[SERVED_DOCS];
	struct pending *queue; /* /report requests the guard has not answered */
	size_t nr_queued;
	bool closing;	       /* no more requests are queued */
	atomic_int live;       /* /report requests not yet completed (queued or sending) */
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
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
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

/* A published document, by reference (no copy, no rendering). */
static enum MHD_Result serve_doc(struct metrics_server *s, struct MHD_Connection *c,
				 enum served_doc d)
{
	struct MHD_Response *r;
	struct published *p;
	enum MHD_Result ret;

	pthread_mutex_lock(&s->lock);
	p = s->cur[d];
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
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, docs[d].type);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int metrics_parse_report_query(const char *seconds, const char *format, struct report_query *q,
			       char *err, size_t err_len)
{
	char *end;
	unsigned long v;

	q->seconds = 0;
	q->text = false;
	q->html = false;
	errno = 0;
	v = seconds && *seconds >= '0' && *seconds <= '9' ? strtoul(seconds, &end, 10) : 0;
	if (!v || errno || *end || v > METRICS_REPORT_SECONDS_MAX) {
		snprintf(err, err_len, "bad query: seconds must be 1 to %d\n",
			 METRICS_REPORT_SECONDS_MAX);
		return -EINVAL;
	}
	q->seconds = (unsigned int)v;
	if (format && strcmp(format, "json") && strcmp(format, "text") && strcmp(format, "html")) {
		snprintf(err, err_len, "bad query: format must be json, text or html\n");
		return -EINVAL;
	}
	q->text = format && !strcmp(format, "text");
	q->html = format && !strcmp(format, "html");
	return 0;
}

/* Only seconds= and format=, each once: a typo is an error, not ignored. */
static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	unsigned int *bad = cls;

	(void)kind, (void)value;
	if (strcmp(key, "seconds") && strcmp(key, "format"))
		(*bad)++;
	return MHD_YES;
}

/* Queue a /report request for the guard and suspend its connection. */
static enum MHD_Result queue_report(struct metrics_server *s, struct MHD_Connection *c,
				    void **con_cls)
{
	struct pending *p;
	unsigned int bad = 0;
	char err[96];

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, count_arg, &bad);
	p = calloc(1, sizeof(*p));
	if (!p)
		return MHD_NO;
	if (bad) {
		free(p);
		return reply(c, MHD_HTTP_BAD_REQUEST,
			     "bad query: only seconds=N and format=json|text|html are known\n");
	}
	if (metrics_parse_report_query(
		    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "seconds"),
		    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format"), &p->q, err,
		    sizeof(err))) {
		free(p);
		return reply(c, MHD_HTTP_BAD_REQUEST, err);
	}
	p->c = c;
	pthread_mutex_lock(&s->lock);
	if (s->closing || s->nr_queued >= METRICS_REPORTS_PENDING) {
		pthread_mutex_unlock(&s->lock);
		free(p);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE,
			     "busy: too many reports waiting; try again\n");
	}
	p->next = s->queue;
	s->queue = p;
	atomic_fetch_add(&s->live, 1);
	s->nr_queued++;
	*con_cls = p;
	MHD_suspend_connection(c); /* under the lock: not resumed before it is suspended */
	pthread_mutex_unlock(&s->lock);
	return MHD_YES;
}

static void free_body(void *body)
{
	free(body);
}

/* The guard's answer to a resumed /report connection. */
static enum MHD_Result send_report(struct MHD_Connection *c, struct pending *p)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char covered[32];

	if (!p->answered)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "portwarden run is stopping\n");
	if (!p->a.body)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot render the report\n");
	r = MHD_create_response_from_buffer_with_free_callback(p->a.len, p->a.body, free_body);
	if (!r)
		return MHD_NO;
	p->a.body = NULL; /* the response frees it */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				p->a.html   ? "text/html; charset=utf-8"
				: p->a.text ? "text/plain; charset=utf-8"
					    : "application/json");
	snprintf(covered, sizeof(covered), "%llu.%03llu",
		 (unsigned long long)(p->a.covered_ms / 1000),
		 (unsigned long long)(p->a.covered_ms % 1000));
	MHD_add_response_header(r, "Portwarden-Covered-Seconds", covered);
	ret = MHD_queue_response(c, p->a.status ? p->a.status : MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* The HTTP thread: published documents by reference; /report queued. */
static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct metrics_server *s = cls;

	(void)version, (void)upload_data, (void)upload_data_size;
	if (*con_cls)
		return send_report(c, *con_cls);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: GET or HEAD\n");
	for (int d = 0; d < SERVED_DOCS; d++)
		if (!strcmp(url, docs[d].path))
			return serve_doc(s, c, d);
	if (!strcmp(url, "/report"))
		return queue_report(s, c, con_cls);
	return reply(c, MHD_HTTP_NOT_FOUND, NOT_FOUND);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct metrics_server *s = cls;
	struct pending *p = *con_cls;

	(void)c, (void)toe;
	if (p) {
		atomic_fetch_sub(&s->live, 1);
		free(p->a.body);
		free(p);
		*con_cls = NULL;
	}
}

/* Take the queue; each request is resumed once answered, and then belongs
 * to its connection (freed by completed()). */
static struct pending *take_queue(struct metrics_server *s)
{
	struct pending *q;

	pthread_mutex_lock(&s->lock);
	q = s->queue;
	s->queue = NULL;
	s->nr_queued = 0;
	pthread_mutex_unlock(&s->lock);
	return q;
}

size_t metrics_server_answer(struct metrics_server *s, metrics_render_fn fn, void *ctx)
{
	struct pending *p = s ? take_queue(s) : NULL, *next;
	size_t n = 0;

	for (; p; p = next, n++) {
		next = p->next;
		if (fn)
			fn(ctx, &p->q, &p->a);
		p->answered = fn != NULL;
		MHD_resume_connection(p->c);
	}
	return n;
}

void metrics_server_publish_doc(struct metrics_server *s, enum served_doc d, char *text,
				size_t len)
{
	struct published *p = calloc(1, sizeof(*p)), *old;

	if (!p || d >= SERVED_DOCS) {
		free(p);
		free(text); /* the previous text stays: the timestamp says how old */
		return;
	}
	atomic_init(&p->refs, 1);
	p->text = text;
	p->len = len;
	pthread_mutex_lock(&s->lock);
	old = s->cur[d];
	s->cur[d] = p;
	pthread_mutex_unlock(&s->lock);
	unref(old);
}

void metrics_server_publish(struct metrics_server *s, char *text, size_t len)
{
	metrics_server_publish_doc(s, SERVED_METRICS, text, len);
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
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, answer, s,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONN_LIMIT,
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
	/* suspended /report connections are answered (503) before the stop */
	pthread_mutex_lock(&s->lock);
	s->closing = true;
	pthread_mutex_unlock(&s->lock);
	metrics_server_answer(s, NULL, NULL);
	/* a moment for their 503 to leave: the stop would close them unanswered */
	for (int i = 0; i < 100 && atomic_load(&s->live) > 0; i++)
		usleep(10000);
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
	for (int d = 0; d < SERVED_DOCS; d++)
		unref(s->cur[d]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
