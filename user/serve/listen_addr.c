// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// --metrics-listen's ADDR:PORT, parsed without libmicrohttpd (the command
// line checks it; the static test-VM binary links it without the server).
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "serve/metrics_server.h"

int metrics_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *end, *port;
	char *stop;
	unsigned long p;
	bool v6 = s[0] == '[';

	end = v6 ? strchr(s, ']') : strrchr(s, ':');
	if (!end || (v6 && end[1] != ':'))
		return -EINVAL;
	port = end + (v6 ? 2 : 1);
	if ((size_t)(end - s - v6) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s + v6, end - s - v6);
	host[end - s - v6] = 0;
	if (port[0] < '0' || port[0] > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(port, &stop, 10);
	if (errno || *stop || p < 1 || p > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		*len = sizeof(*a);
		return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)p);
	*len = sizeof(*a);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -EINVAL;
}
