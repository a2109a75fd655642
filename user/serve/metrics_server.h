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

#include <stddef.h>
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

/* Hand @text (@len bytes, malloc'ed) to the server; it frees it. */
void metrics_server_publish(struct metrics_server *s, char *text, size_t len);

/* Stop serving, remove the socket. NULL is fine. */
void metrics_server_close(struct metrics_server *s);

#endif /* PW_METRICS_SERVER_H */
