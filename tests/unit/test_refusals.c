// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the hooks' refusals over time (core/refusals.c): summed
// by cgroup, errno, pool, reason and dry run over a report's window.
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "core/refusals.h"
#include "core/snapshot.h"
#include "unit.h"

#define NETNS 4026531840u

static struct refusal_key connect_key(uint64_t cgroup, uint16_t rport)
{
	struct refusal_key k = {.cgroup_id = cgroup, .err = EADDRNOTAVAIL};

	k.pool = (struct refusal_pool){.netns_cookie = 1,
				       .netns = NETNS,
				       .family = AF_INET,
				       .rport = rport,
				       .kind = POOL_TCP_CONNECT};
	k.pool.raddr[0] = 127;
	k.pool.raddr[3] = 1;
	return k;
}

static struct refusal_key udp_key(uint64_t cgroup, bool dry, bool lifeline)
{
	return (struct refusal_key){.cgroup_id = cgroup,
				    .err = EAGAIN,
				    .dry_run = dry,
				    .lifeline = lifeline,
				    .pool = {.netns_cookie = 1, .netns = NETNS, .kind = POOL_UDP}};
}

/* The window's entries summed by key, most first; older ones left out. */
UNIT_TEST(window_sums_by_key)
{
	struct refusal_key a = connect_key(10, 80), b = connect_key(10, 443),
			   c = udp_key(20, true, false), d = udp_key(20, true, true);
	struct refusal_log log;
	struct refusal_summary s;

	ASSERT_EQ_INT(refusal_log_init(&log, 16), 0);
	refusal_log_add(&log, 1000, &a, 30); /* before the window */
	refusal_log_add(&log, 2000, &a, 2);
	refusal_log_add(&log, 2000, &b, 5); /* another destination: another pool */
	refusal_log_add(&log, 3000, &a, 1);
	refusal_log_add(&log, 3000, &c, 4); /* dry run */
	refusal_log_add(&log, 3000, &d, 1); /* the lifeline's, same errno and pool */
	refusal_log_add(&log, 3000, &d, 0); /* nothing: no entry */
	ASSERT_EQ_INT(refusals_since(&log, 1500, &s), 0);
	ASSERT_EQ_INT(s.nr, 4);
	ASSERT_TRUE(refusal_key_equal(&s.rows[0].key, &b) && s.rows[0].count == 5);
	ASSERT_TRUE(refusal_key_equal(&s.rows[1].key, &c) && s.rows[1].count == 4);
	ASSERT_TRUE(refusal_key_equal(&s.rows[2].key, &a) && s.rows[2].count == 3);
	ASSERT_TRUE(refusal_key_equal(&s.rows[3].key, &d) && s.rows[3].count == 1);
	ASSERT_EQ_INT(s.refused, 8);
	ASSERT_EQ_INT(s.would_refuse, 5);
	ASSERT_EQ_INT(s.dropped, 0);
	refusal_summary_free(&s);
	ASSERT_EQ_INT(refusals_since(&log, 0, &s), 0);
	ASSERT_EQ_INT(s.rows[0].count, 33); /* a, whole */
	ASSERT_EQ_INT(s.refused, 38);
	refusal_summary_free(&s);
	ASSERT_EQ_INT(refusals_since(&log, 3001, &s), 0);
	ASSERT_EQ_INT(s.nr, 0);
	refusal_summary_free(&s);
	refusal_log_free(&log);
}

/* Keys differ in any field; padding is not compared. */
UNIT_TEST(keys_compare_by_field)
{
	struct refusal_key a = connect_key(10, 80), b;

	memset(&b, 0xff, sizeof(b));
	b.cgroup_id = a.cgroup_id;
	b.err = a.err;
	b.dry_run = a.dry_run;
	b.lifeline = a.lifeline;
	b.pool.netns_cookie = a.pool.netns_cookie;
	b.pool.netns = a.pool.netns;
	b.pool.family = a.pool.family;
	b.pool.rport = a.pool.rport;
	b.pool.kind = a.pool.kind;
	memcpy(b.pool.raddr, a.pool.raddr, sizeof(a.pool.raddr));
	ASSERT_TRUE(refusal_key_equal(&a, &b));
	b.pool.raddr[15] = 1;
	ASSERT_TRUE(!refusal_key_equal(&a, &b));
	b = a;
	b.pool.netns_cookie = 2;
	ASSERT_TRUE(!refusal_key_equal(&a, &b));
	b = a;
	b.dry_run = true;
	ASSERT_TRUE(!refusal_key_equal(&a, &b));
}

/* Full, the oldest entry goes; a window that reaches back to it says how
 * many refusals it no longer holds. */
UNIT_TEST(full_log_drops_oldest_counted)
{
	struct refusal_key a = connect_key(10, 80);
	struct refusal_log log;
	struct refusal_summary s;

	ASSERT_EQ_INT(refusal_log_init(&log, 2), 0);
	refusal_log_add(&log, 1000, &a, 7);
	refusal_log_add(&log, 2000, &a, 1);
	refusal_log_add(&log, 3000, &a, 2);
	ASSERT_EQ_INT(refusals_since(&log, 0, &s), 0);
	ASSERT_EQ_INT(s.rows[0].count, 3);
	ASSERT_EQ_INT(s.dropped, 7);
	refusal_summary_free(&s);
	ASSERT_EQ_INT(refusals_since(&log, 1500, &s), 0);
	ASSERT_EQ_INT(s.rows[0].count, 3);
	ASSERT_EQ_INT(s.dropped, 0); /* the window starts after the dropped entry */
	refusal_summary_free(&s);
	refusal_log_free(&log);
}

UNIT_TEST(pool_names)
{
	static const struct {
		const char *row;
		struct refusal_pool p;
		const char *want;
	} rows[] = {
		{"connect v4",
		 {.netns = NETNS,
		  .family = AF_INET,
		  .rport = 5001,
		  .raddr = {127, 0, 0, 1},
		  .kind = POOL_TCP_CONNECT},
		 "tcp-connect pool in netns 4026531840 to 127.0.0.1:5001"},
		{"connect v6",
		 {.netns = NETNS,
		  .family = AF_INET6,
		  .rport = 443,
		  .raddr = {[15] = 1},
		  .kind = POOL_TCP_CONNECT},
		 "tcp-connect pool in netns 4026531840 to [::1]:443"},
		{"bind",
		 {.netns = NETNS, .kind = POOL_TCP_BIND},
		 "tcp-bind pool in netns 4026531840"},
		/* a netns the daemon could not name: by the hooks' cookie */
		{"unnamed",
		 {.netns_cookie = 8193, .kind = POOL_UDP},
		 "udp pool in netns cookie 8193"},
	};
	char buf[160];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		UNIT_ROW(rows[i].row);
		refusal_pool_name(&rows[i].p, buf, sizeof(buf));
		ASSERT_EQ_STR(buf, rows[i].want);
	}
}

int main(void)
{
	RUN(window_sums_by_key);
	RUN(keys_compare_by_field);
	RUN(full_log_drops_oldest_counted);
	RUN(pool_names);
	return UNIT_MAIN_END();
}
