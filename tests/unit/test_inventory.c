// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the inventory's arrays and the port range and reserved ports parsers.
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "core/inventory.h"
#include "host/sysctl.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

UNIT_TEST(add_sock_keeps_every_record)
{
	struct inventory inv;
	struct pw_sock s;
	uint32_t i;

	inventory_init(&inv);
	memset(&s, 0, sizeof(s));
	/* past several doublings, so records are copied across reallocations */
	for (i = 0; i < 5000; i++) {
		s.key = i + 1;
		s.sport = (uint16_t)i;
		ASSERT_EQ_INT(inventory_add_sock(&inv, &s), 0);
	}
	ASSERT_EQ_INT(inv.nr_socks, 5000);
	ASSERT_TRUE(inv.cap_socks >= inv.nr_socks);
	for (i = 0; i < 5000; i++) {
		ASSERT_EQ_INT(inv.socks[i].key, i + 1);
		ASSERT_EQ_INT(inv.socks[i].sport, i);
	}
	inventory_free(&inv);
	ASSERT_TRUE(inv.socks == NULL);
	ASSERT_EQ_INT(inv.nr_socks, 0);
	ASSERT_EQ_INT(inv.cap_socks, 0);
}

UNIT_TEST(add_netns_starts_unknown_and_empty)
{
	struct inventory inv;
	struct netns_ports *n;
	size_t i, set = 0;

	inventory_init(&inv);
	n = inventory_add_netns(&inv, 4026531840u);
	ASSERT_TRUE(n != NULL);
	ASSERT_EQ_INT(n->inum, 4026531840u);
	ASSERT_TRUE(!n->known);
	ASSERT_EQ_INT(n->low, 0);
	ASSERT_EQ_INT(n->high, 0);
	for (i = 0; i < PORT_BITMAP_BYTES; i++)
		set += n->reserved[i] != 0;
	ASSERT_EQ_INT(set, 0);
	inventory_free(&inv);
}

UNIT_TEST(add_netns_twice_returns_the_first)
{
	struct inventory inv;
	struct netns_ports *n;

	inventory_init(&inv);
	n = inventory_add_netns(&inv, 7);
	ASSERT_TRUE(n != NULL);
	n->known = true;
	n->low = 1000;
	n = inventory_add_netns(&inv, 7);
	ASSERT_TRUE(n != NULL);
	ASSERT_EQ_INT(inv.nr_netns, 1);
	ASSERT_TRUE(n->known);
	ASSERT_EQ_INT(n->low, 1000);
	inventory_free(&inv);
}

UNIT_TEST(find_netns_after_growth)
{
	const struct netns_ports *found;
	struct inventory inv;
	struct netns_ports *n;
	uint32_t inum;

	inventory_init(&inv);
	for (inum = 100; inum < 200; inum++) {
		n = inventory_add_netns(&inv, inum);
		ASSERT_TRUE(n != NULL);
		n->low = (uint16_t)inum;
	}
	ASSERT_EQ_INT(inv.nr_netns, 100);
	for (inum = 100; inum < 200; inum++) {
		found = inventory_find_netns(&inv, inum);
		ASSERT_TRUE(found != NULL);
		ASSERT_EQ_INT(found->inum, inum);
		ASSERT_EQ_INT(found->low, inum);
	}
	ASSERT_TRUE(inventory_find_netns(&inv, 99) == NULL);
	ASSERT_TRUE(inventory_find_netns(&inv, 200) == NULL);
	inventory_free(&inv);
	ASSERT_TRUE(inventory_find_netns(&inv, 100) == NULL);
}

struct range_case {
	const char *name;
	const char *text;
	int err;
	uint16_t low, high;
};

static const struct range_case range_cases[] = {
	{"kernel output", "32768\t60999\n", 0, 32768, 60999},
	{"space separated", "32768 60999", 0, 32768, 60999},
	{"several blanks", "1024 \t 2048 \n", 0, 1024, 2048},
	{"one port", "40000 40000", 0, 40000, 40000},
	{"whole range", "1 65535", 0, 1, 65535},
	{"empty", "", -EINVAL},
	{"newline only", "\n", -EINVAL},
	{"one number", "32768\n", -EINVAL},
	{"one number and blank", "32768 ", -EINVAL},
	{"words", "low high", -EINVAL},
	{"reversed", "60999 32768", -EINVAL},
	{"port zero", "0 100", -EINVAL},
	{"high too big", "1 65536", -EINVAL},
	{"far too big", "99999999999999999999 1", -EINVAL},
	{"negative", "-1 100", -EINVAL},
	{"plus sign", "+1 100", -EINVAL},
	{"three numbers", "1 2 3", -EINVAL},
	{"comma", "1,2", -EINVAL},
	{"trailing garbage", "1 2x", -EINVAL},
	{"newline between", "1\n2", -EINVAL},
	{"hex", "0x10 0x20", -EINVAL},
	{"null", NULL, -EINVAL},
};

static void check_range_case(const struct range_case *t)
{
	uint16_t low = 7, high = 7;

	UNIT_ROW(t->name);
	ASSERT_EQ_INT(parse_port_range(t->text, &low, &high), t->err);
	if (t->err) {
		ASSERT_EQ_INT(low, 7); /* untouched on error */
		ASSERT_EQ_INT(high, 7);
		return;
	}
	ASSERT_EQ_INT(low, t->low);
	ASSERT_EQ_INT(high, t->high);
}

UNIT_TEST(port_range_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(range_cases); i++)
		check_range_case(&range_cases[i]);
}

#define MAX_PROBES 4

struct reserved_case {
	const char *name;
	const char *text;
	int err;
	uint32_t nr_reserved;	    /* ports set in the bitmap */
	uint16_t set[MAX_PROBES];   /* some that must be set (0 ends the list) */
	uint16_t clear[MAX_PROBES]; /* some that must not */
};

static const struct reserved_case reserved_cases[] = {
	{"none", "\n", 0, 0},
	{"empty string", "", 0, 0},
	{"one port", "1000\n", 0, 1, {1000}, {999, 1001}},
	{"kernel example", "1000,2000-2010\n", 0, 12, {1000, 2000, 2005, 2010}, {1999, 2011}},
	{"no newline", "8080,9090", 0, 2, {8080, 9090}, {8081}},
	{"one-port range", "5-5", 0, 1, {5}, {4, 6}},
	{"edges", "0,65535", 0, 2, {65535}, {1, 65534}},
	{"everything", "0-65535", 0, 65536, {1, 32768, 65535}},
	{"overlapping", "10-20,15-25", 0, 16, {10, 25}, {9, 26}},
	{"reversed range", "2010-2000", -EINVAL},
	{"too big", "65536", -EINVAL},
	{"range too big", "1-65536", -EINVAL},
	{"trailing comma", "1000,", -EINVAL},
	{"leading comma", ",1000", -EINVAL},
	{"double comma", "1000,,2000", -EINVAL},
	{"open range", "1000-", -EINVAL},
	{"negative", "-5", -EINVAL},
	{"space separated", "1000 2000", -EINVAL},
	{"space after comma", "1000, 2000", -EINVAL},
	{"semicolon", "1000;2000", -EINVAL},
	{"garbage after good items", "1000,2000,x", -EINVAL},
	{"null", NULL, -EINVAL},
};

static uint32_t count_reserved(const uint8_t bitmap[PORT_BITMAP_BYTES])
{
	uint32_t n = 0;

	for (size_t i = 0; i < PORT_BITMAP_BYTES; i++)
		n += (uint32_t)__builtin_popcount(bitmap[i]);
	return n;
}

static bool bit_set(const uint8_t bitmap[PORT_BITMAP_BYTES], uint16_t port)
{
	return bitmap[port / 8] & (1u << (port % 8));
}

static void check_reserved_case(const struct reserved_case *t)
{
	static uint8_t bitmap[PORT_BITMAP_BYTES];

	UNIT_ROW(t->name);
	memset(bitmap, 0xff, sizeof(bitmap)); /* a failed parse must not leave old bits */
	ASSERT_EQ_INT(parse_reserved_ports(t->text, bitmap), t->err);
	ASSERT_EQ_INT(count_reserved(bitmap), t->nr_reserved);
	for (int i = 0; i < MAX_PROBES && t->set[i]; i++)
		ASSERT_TRUE(bit_set(bitmap, t->set[i]));
	for (int i = 0; i < MAX_PROBES && t->clear[i]; i++)
		ASSERT_TRUE(!bit_set(bitmap, t->clear[i]));
}

UNIT_TEST(reserved_ports_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(reserved_cases); i++)
		check_reserved_case(&reserved_cases[i]);
}

/* The inline reader in inventory.h must agree with the parser's bit order. */
UNIT_TEST(port_reserved_reads_parsed_bitmap)
{
	static struct netns_ports n;

	ASSERT_EQ_INT(parse_reserved_ports("7,65535\n", n.reserved), 0);
	ASSERT_TRUE(port_reserved(&n, 7));
	ASSERT_TRUE(port_reserved(&n, 65535));
	ASSERT_TRUE(!port_reserved(&n, 6));
	ASSERT_TRUE(!port_reserved(&n, 8));
}

/* A reader fills the reserved tail in place; a record cut short by one
 * read() must survive the array moving before the next read completes it. */
UNIT_TEST(reserve_keeps_a_partial_record)
{
	struct inventory inv;
	struct pw_sock s;
	char *tail;

	inventory_init(&inv);
	memset(&s, 0, sizeof(s));
	s.key = 42;
	s.sport = 7;
	ASSERT_EQ_INT(inventory_reserve(&inv, 1), 0);
	ASSERT_TRUE(inv.cap_socks >= 1);
	inv.nr_socks = inv.cap_socks - 1; /* pretend the array is nearly full */
	tail = (char *)&inv.socks[inv.nr_socks];
	memcpy(tail, &s, 10);
	ASSERT_EQ_INT(inventory_reserve(&inv, 1000), 0);
	ASSERT_TRUE(inv.cap_socks >= inv.nr_socks + 1000);
	tail = (char *)&inv.socks[inv.nr_socks];
	memcpy(tail + 10, (char *)&s + 10, sizeof(s) - 10);
	inv.nr_socks++;
	ASSERT_EQ_INT(inv.socks[inv.nr_socks - 1].key, 42);
	ASSERT_EQ_INT(inv.socks[inv.nr_socks - 1].sport, 7);
	ASSERT_EQ_INT(inventory_reserve(&inv, SIZE_MAX), -ENOMEM);
	inventory_free(&inv);
}

/* A daemon's collector reserves about its last sample's records up front:
 * that reservation must be taken as sized, not rounded up by doubling from
 * 256 (100k records would take 131k, 3 MB more); later growth doubles. */
UNIT_TEST(first_reserve_is_exact)
{
	struct inventory inv;

	inventory_init(&inv);
	ASSERT_EQ_INT(inventory_reserve(&inv, 100000), 0);
	ASSERT_EQ_INT(inv.cap_socks, 100000);
	inv.nr_socks = inv.cap_socks;
	ASSERT_EQ_INT(inventory_reserve(&inv, 1), 0);
	ASSERT_EQ_INT(inv.cap_socks, 200000);
	inventory_free(&inv);
	/* small first reservations still start at 256 */
	ASSERT_EQ_INT(inventory_reserve(&inv, 3), 0);
	ASSERT_EQ_INT(inv.cap_socks, 256);
	inventory_free(&inv);
}

struct sockstat_case {
	const char *name, *text;
	int err;
	uint32_t tcp_inuse, tcp_tw, udp_inuse;
};

static const struct sockstat_case sockstat_cases[] = {
	{"v4",
	 "sockets: used 12\nTCP: inuse 3 orphan 1 tw 7 alloc 9 mem 1\nUDP: inuse 2 mem 0\n"
	 "UDPLITE: inuse 5\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n",
	 0, 3, 7, 2},
	{"v6", "TCP6: inuse 4\nUDP6: inuse 1\nUDPLITE6: inuse 9\nRAW6: inuse 0\n", 0, 4, 0, 1},
	{"no trailing newline", "TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 0", 0, 1, 0, 0},
	{"empty", "", 0, 0, 0, 0},
	{"tw missing", "TCP: inuse 1 orphan 0\n", -EINVAL, 0, 0, 0},
	{"inuse not a number", "UDP: inuse x\n", -EINVAL, 0, 0, 0},
	{"field name inside another", "TCP: inuse 1 twx 3 tw 2\n", 0, 1, 2, 0},
};

UNIT_TEST(sockstat_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(sockstat_cases); i++) {
		const struct sockstat_case *c = &sockstat_cases[i];
		struct sockstat st = {0};

		UNIT_ROW(c->name);
		ASSERT_EQ_INT(parse_sockstat(c->text, &st), c->err);
		if (c->err)
			continue;
		ASSERT_EQ_INT(st.tcp_inuse, c->tcp_inuse);
		ASSERT_EQ_INT(st.tcp_tw, c->tcp_tw);
		ASSERT_EQ_INT(st.udp_inuse, c->udp_inuse);
	}
}

/* sockstat and sockstat6 add up into one count per protocol. */
UNIT_TEST(sockstat_adds_both_files)
{
	struct sockstat st = {0};

	ASSERT_EQ_INT(
		parse_sockstat("TCP: inuse 3 orphan 0 tw 1 alloc 3 mem 0\nUDP: inuse 2 mem 0\n",
			       &st),
		0);
	ASSERT_EQ_INT(parse_sockstat("TCP6: inuse 4\nUDP6: inuse 5\n", &st), 0);
	ASSERT_EQ_INT(st.tcp_inuse, 7);
	ASSERT_EQ_INT(st.tcp_tw, 1);
	ASSERT_EQ_INT(st.udp_inuse, 7);
}

int main(void)
{
	RUN(add_sock_keeps_every_record);
	RUN(add_netns_starts_unknown_and_empty);
	RUN(add_netns_twice_returns_the_first);
	RUN(find_netns_after_growth);
	RUN(port_range_table);
	RUN(reserved_ports_table);
	RUN(port_reserved_reads_parsed_bitmap);
	RUN(reserve_keeps_a_partial_record);
	RUN(first_reserve_is_exact);
	RUN(sockstat_table);
	RUN(sockstat_adds_both_files);
	return UNIT_MAIN_END();
}
