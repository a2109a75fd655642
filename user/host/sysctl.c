// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The texts of a netns's port sysctls and /proc/net/sockstat, parsed.
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/sysctl.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_space(const char *s)
{
	while (is_blank(*s) || *s == '\n')
		s++;
	return s;
}

/* Reads a decimal port at *@s and moves past it; no sign, no base prefix. */
static int read_port(const char **s, uint16_t *port)
{
	const char *p = *s;
	uint32_t v = 0;

	if (!is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		v = v * 10 + (uint32_t)(*p - '0');
		if (v > UINT16_MAX)
			return -EINVAL;
	}
	*port = (uint16_t)v;
	*s = p;
	return 0;
}

int parse_port_range(const char *text, uint16_t *low, uint16_t *high)
{
	const char *s = text ? skip_space(text) : NULL;
	uint16_t lo, hi;

	if (!s || read_port(&s, &lo) || !is_blank(*s))
		return -EINVAL;
	while (is_blank(*s))
		s++;
	if (read_port(&s, &hi) || *skip_space(s))
		return -EINVAL;
	/* the kernel refuses 0 and reversed ranges; seeing one means we misread */
	if (lo == 0 || lo > hi)
		return -EINVAL;
	*low = lo;
	*high = hi;
	return 0;
}

static void reserve_ports(uint8_t bitmap[PORT_BITMAP_BYTES], uint16_t first, uint16_t last)
{
	for (uint32_t port = first; port <= last; port++)
		bitmap[port / 8] |= (uint8_t)(1u << (port % 8));
}

/* One "N" or "N-M" item of the list; moves *@s past it. */
static int parse_reserved_item(const char **s, uint8_t bitmap[PORT_BITMAP_BYTES])
{
	uint16_t first, last;

	if (read_port(s, &first))
		return -EINVAL;
	last = first;
	if (**s == '-') {
		(*s)++;
		if (read_port(s, &last) || last < first)
			return -EINVAL;
	}
	reserve_ports(bitmap, first, last);
	return 0;
}

int parse_reserved_ports(const char *text, uint8_t bitmap[PORT_BITMAP_BYTES])
{
	const char *s = text ? skip_space(text) : NULL;

	memset(bitmap, 0, PORT_BITMAP_BYTES);
	if (!s)
		return -EINVAL;
	if (!*s)
		return 0; /* the kernel prints an empty list as "\n" */
	for (;;) {
		if (parse_reserved_item(&s, bitmap))
			break;
		if (*s != ',') {
			if (!*skip_space(s))
				return 0;
			break;
		}
		s++;
	}
	/* a half-parsed list would under-count capacity without saying so */
	memset(bitmap, 0, PORT_BITMAP_BYTES);
	return -EINVAL;
}

/* The value after " @field " on a sockstat line: "TCP: inuse 3 orphan 0 tw 7". */
static int sockstat_field(const char *line, const char *field, uint32_t *out)
{
	size_t len = strlen(field);
	const char *p = line;
	unsigned int v;

	/* a whole word: "tw" must not match inside another field's name */
	while ((p = strstr(p, field)) && (p == line || p[-1] != ' ' || p[len] != ' '))
		p += len;
	if (!p || sscanf(p + len, " %u", &v) != 1)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "TCP:" and "TCP6:" count in tcp_inuse, "UDP:" and "UDP6:" in udp_inuse. */
static int parse_sockstat_line(const char *line, struct sockstat *out)
{
	uint32_t inuse, tw = 0;
	int err;

	if (!strncmp(line, "TCP: ", 5) || !strncmp(line, "TCP6: ", 6)) {
		err = sockstat_field(line, "inuse", &inuse);
		if (!err && line[3] == ':')
			err = sockstat_field(line, "tw", &tw);
		if (err)
			return err;
		out->tcp_inuse += inuse;
		out->tcp_tw += tw;
	} else if (!strncmp(line, "UDP: ", 5) || !strncmp(line, "UDP6: ", 6)) {
		err = sockstat_field(line, "inuse", &inuse);
		if (err)
			return err;
		out->udp_inuse += inuse;
	}
	return 0;
}

int parse_sockstat(const char *text, struct sockstat *out)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		char buf[256];
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (parse_sockstat_line(buf, out))
			return -EINVAL;
		line = end ? end + 1 : NULL;
	}
	return 0;
}
