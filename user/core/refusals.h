/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Refusals of the budget and lifeline hooks (bpf/budget.bpf.c) over time:
 * the daemon logs, each step, how many more each (cgroup, errno, pool,
 * reason, dry run) got; a report sums them over its window. Pure.
 */
#ifndef PW_REFUSALS_H
#define PW_REFUSALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The pool a refused allocation was to come from, as the hooks know it:
 * tcp-connect by destination (the local address is not picked yet), tcp-bind
 * and udp netns-wide (family, raddr, rport 0). The netns by its inode
 * number when the daemon could name its cookie, else 0 (netns gone, cookie
 * unknown) and the cookie names it.
 */
struct refusal_pool {
	uint64_t netns_cookie;
	uint32_t netns; /* inode number; 0: unknown */
	uint16_t family;
	uint16_t rport;
	uint8_t raddr[16];
	uint8_t kind; /* enum pool_kind */
};

struct refusal_key {
	uint64_t cgroup_id; /* cgroup2 id */
	struct refusal_pool pool;
	uint32_t err;  /* positive errno */
	bool dry_run;  /* counted, not refused (no --enforce) */
	bool lifeline; /* refused by the lifeline, not a budget */
};

struct refusal_count {
	struct refusal_key key;
	uint64_t count;
};

/* The log: a ring of (time, key, count); the oldest goes when it is full,
 * counted so that a report whose window reaches back there says so. */
struct refusal_log {
	struct refusal_entry {
		uint64_t t_ms; /* the samples' clock */
		struct refusal_count c;
	} * items;
	size_t cap, head, nr;	   /* head: where the next entry goes */
	uint64_t dropped;	   /* refusals in entries overwritten */
	uint64_t dropped_until_ms; /* the newest of those entries' times */
};

/* A window's refusals: one row per key, most first. */
struct refusal_summary {
	struct refusal_count *rows;
	size_t nr;
	uint64_t refused, would_refuse; /* totals */
	/* refusals in the window that the log no longer holds (0: complete) */
	uint64_t dropped;
};

bool refusal_key_equal(const struct refusal_key *a, const struct refusal_key *b);

/* 0 or -ENOMEM. */
int refusal_log_init(struct refusal_log *log, size_t cap);
void refusal_log_free(struct refusal_log *log);
/* @n more refusals of @k at @t_ms (not before the previous entry's). */
void refusal_log_add(struct refusal_log *log, uint64_t t_ms, const struct refusal_key *k,
		     uint64_t n);

/* The refusals logged at or after @since_ms, summed by key. 0 or -ENOMEM. */
int refusals_since(const struct refusal_log *log, uint64_t since_ms, struct refusal_summary *out);
void refusal_summary_free(struct refusal_summary *s);

/* "tcp-connect pool in netns 4026531840 to 127.0.0.1:80", "udp pool in
 * netns cookie 8193" (a netns the daemon could not name). */
void refusal_pool_name(const struct refusal_pool *p, char *buf, size_t len);

#endif /* PW_REFUSALS_H */
