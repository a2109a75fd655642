/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * run's /metrics over HTTP (libmicrohttpd), on a unix socket and/or a TCP
 * address. Both are bound when the server opens, before the first sample,
 * so a scrape needs no new local port while the host's pools are dry.
 * libmicrohttpd serves from its own thread; the guard loop renders the
 * text after each sample and publishes it (a pointer swapped under a
 * mutex, the text refcounted), so a slow or hostile client costs the
 * guard nothing: the HTTP thread only hands out the latest text.
 */
#ifndef PW_METRICS_SERVER_H
#define PW_METRICS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define METRICS_SOCKET_DEFAULT "/run/portwarden/portwarden.sock"

/* Limits (README "Metrics"). */
#define METRICS_CONN_LIMIT	 64	   /* connections per listener */
#define METRICS_PER_IP_LIMIT	 8	   /* TCP connections per client address */
#define METRICS_CONN_TIMEOUT_S	 3	   /* idle or trickling clients are closed */
#define METRICS_CONN_MEMORY	 (16 * 1024) /* request line + headers per connection */

struct metrics_server;

/* "HOST:PORT": HOST an IPv4 literal or a bracketed IPv6 literal
 * ("[::1]:9477"), PORT 1..65535. 0 or -EINVAL. */
int metrics_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/*
 * Bind @socket_path (NULL: none) and @listen (NULL: none, else as
 * metrics_parse_listen), then serve both. The socket's directory is made
 * 0755 if missing; an existing socket there is taken for a stale one and
 * replaced; anything else at the path (a planted link, a file) is refused.
 * Returns the server, or NULL after saying what failed.
 */
struct metrics_server *metrics_server_open(const char *socket_path, const char *listen);

/*
 * The documents the guard publishes after each step, served as they are
 * (by reference, never rendered in the HTTP thread); 503 until the first.
 */
enum served_doc {
	SERVED_METRICS = 0, /* /metrics: Prometheus text */
	SERVED_SNAPSHOT,    /* /snapshot: the `snapshot --json` document */
	SERVED_SUSPECTS,    /* /suspects: classes, ladders, recent actions (JSON) */
	SERVED_DOCS,
};

/* Hand @text (@len bytes, malloc'ed) to the server as document @d; it frees it. */
void metrics_server_publish_doc(struct metrics_server *s, enum served_doc d, char *text,
				size_t len);
/* The /metrics document: metrics_server_publish_doc(s, SERVED_METRICS, ...). */
void metrics_server_publish(struct metrics_server *s, char *text, size_t len);

/*
 * /report?seconds=N[&format=text|json|html]: a report over the daemon's own
 * history, which only the guard's thread may read. The HTTP thread parses
 * the query, queues the request and suspends its connection; the guard
 * renders the queued ones after its next step (metrics_server_answer) and
 * the HTTP thread sends them. At most METRICS_REPORTS_PENDING wait; more
 * get 503, so clients cost the guard a bounded number of renders a step.
 */
#define METRICS_REPORTS_PENDING 8
#define METRICS_REPORT_SECONDS_MAX 86400 /* report --duration's bound */

struct report_query {
	unsigned int seconds; /* 1..METRICS_REPORT_SECONDS_MAX */
	bool text;	      /* format=text: the text report; else JSON */
	bool html;	      /* format=html: the HTML page (views/report_html.h) */
};

/* Parse the query's values (NULL: absent). 0, or -EINVAL with @err saying why. */
int metrics_parse_report_query(const char *seconds, const char *format, struct report_query *q,
			       char *err, size_t err_len);

/* The guard's answer to one /report request. */
struct served_answer {
	unsigned int status;  /* HTTP status: 200, or 500 when it could not render */
	bool text;	      /* text/plain; else application/json */
	bool html;	      /* text/html */
	char *body;	      /* malloc'ed; the server frees it */
	size_t len;
	uint64_t covered_ms;  /* how much history the report covers (a header says it) */
};

typedef void (*metrics_render_fn)(void *ctx, const struct report_query *q,
				  struct served_answer *a);

/* In the guard's thread: render every queued /report request with @fn and
 * hand each to the HTTP thread. Returns how many were answered. */
size_t metrics_server_answer(struct metrics_server *s, metrics_render_fn fn, void *ctx);

/* Stop serving, remove the socket. NULL is fine. */
void metrics_server_close(struct metrics_server *s);

#endif /* PW_METRICS_SERVER_H */
