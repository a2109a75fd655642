// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The static test-VM binary has no libmicrohttpd (Debian ships no static
// gnutls dependencies to link it with): this stands in for
// user/serve/metrics_server.c there, and refuses to serve. The guest runs
// `portwarden run --no-socket`. Nor libcurl: the client of
// serve/daemon_client.c finds no daemon, so report and top sample themselves.
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include "serve/daemon_client.h"
#include "serve/metrics_server.h"

struct metrics_server *metrics_server_open(const char *socket_path, const char *listen)
{
	(void)socket_path, (void)listen;
	fprintf(stderr, "portwarden: this static build serves no metrics (use --no-socket)\n");
	return NULL;
}

void metrics_server_publish(struct metrics_server *s, char *text, size_t len)
{
	(void)s, (void)len;
	free(text);
}

void metrics_server_close(struct metrics_server *s)
{
	(void)s;
}

void metrics_server_publish_doc(struct metrics_server *s, enum served_doc d, char *text,
				size_t len)
{
	(void)s, (void)d, (void)len;
	free(text);
}

size_t metrics_server_answer(struct metrics_server *s, metrics_render_fn fn, void *ctx)
{
	(void)s, (void)fn, (void)ctx;
	return 0;
}

int daemon_get(const char *path, const char *target, long timeout_s, struct daemon_reply *r,
	       char *why, size_t why_len)
{
	(void)path, (void)target, (void)timeout_s;
	memset(r, 0, sizeof(*r));
	if (why_len)
		why[0] = 0;
	return -ENOENT;
}

void daemon_reply_free(struct daemon_reply *r)
{
	free(r->body);
	r->body = NULL;
}
