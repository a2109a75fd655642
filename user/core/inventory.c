// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The socket inventory's growing arrays, and parsers for the netns port sysctls.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/inventory.h"

#define FIRST_SOCKS 256
#define FIRST_NETNS 8

void inventory_init(struct inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
}

void inventory_free(struct inventory *inv)
{
	free(inv->socks);
	free(inv->netns);
	inventory_init(inv);
}

/* Makes room for one more element; doubling keeps appending amortised O(1). */
static int grow(void **arr, size_t nr, size_t *cap, size_t first, size_t size)
{
	size_t new_cap = *cap ? *cap * 2 : first;
	void *p;

	if (nr < *cap)
		return 0;
	p = reallocarray(*arr, new_cap, size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = new_cap;
	return 0;
}

int inventory_reserve(struct inventory *inv, size_t more)
{
	size_t cap = inv->cap_socks ? inv->cap_socks : FIRST_SOCKS;
	struct pw_sock *p;

	if (more > SIZE_MAX / 2 - inv->nr_socks)
		return -ENOMEM;
	if (inv->nr_socks + more <= inv->cap_socks)
		return 0;
	/* doubling keeps filling amortised O(1) */
	while (cap < inv->nr_socks + more)
		cap *= 2;
	p = reallocarray(inv->socks, cap, sizeof(*p));
	if (!p)
		return -ENOMEM;
	inv->socks = p;
	inv->cap_socks = cap;
	return 0;
}

int inventory_add_sock(struct inventory *inv, const struct pw_sock *s)
{
	int err = inventory_reserve(inv, 1);

	if (err)
		return err;
	inv->socks[inv->nr_socks++] = *s;
	return 0;
}

static struct netns_ports *find_netns(const struct inventory *inv, uint32_t inum)
{
	for (size_t i = 0; i < inv->nr_netns; i++) {
		if (inv->netns[i].inum == inum)
			return &inv->netns[i];
	}
	return NULL;
}

/*
 * Adding a netns twice returns the first entry, so a collector that meets the
 * same netns through several processes keeps one set of settings. The pointer
 * is valid until the next call: the array may move.
 */
struct netns_ports *inventory_add_netns(struct inventory *inv, uint32_t inum)
{
	struct netns_ports *n = find_netns(inv, inum);
	void *arr = inv->netns;
	int err;

	if (n)
		return n;
	err = grow(&arr, inv->nr_netns, &inv->cap_netns, FIRST_NETNS, sizeof(*n));
	inv->netns = arr;
	if (err)
		return NULL;
	n = &inv->netns[inv->nr_netns++];
	memset(n, 0, sizeof(*n));
	n->inum = inum;
	return n;
}

const struct netns_ports *inventory_find_netns(const struct inventory *inv, uint32_t inum)
{
	return find_netns(inv, inum);
}

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
