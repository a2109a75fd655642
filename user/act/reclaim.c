// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The reclaim iterator's life: load by trying, then one walk per netns per reclaim.
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "act/reclaim.h"
#include "core/log.h"
#include "host/netns.h"
#include "host/procfs.h"
#include "kernel/calibrate.h"
#include "pw_reclaim.h"
#include "reclaim.skel.h"

int reclaimer_open(struct reclaimer *r)
{
	int err = -EPERM;

	memset(r, 0, sizeof(*r));
	if (!calib_test_refused("reclaim")) {
		r->skel = reclaim_bpf__open_and_load();
		err = r->skel ? 0 : -errno;
	}
	if (!err) {
		r->link = bpf_program__attach_iter(r->skel->progs.reclaim_tcp, NULL);
		if (!r->link)
			err = -errno;
	}
	calib_note("reclaim", err ? "refused" : "yes",
		   err ? "no reclaim: CLOSE_WAIT piles go to SIGTERM"
		       : "iter/tcp with bpf_sock_destroy");
	if (err) {
		pr_debug("reclaim iterator not loaded: %s\n", strerror(-err));
		pr_warn("this kernel refused the reclaim iterator (bpf_sock_destroy, 6.5+): reclaim "
			"is unavailable, CLOSE_WAIT piles go to SIGTERM\n");
		reclaimer_close(r);
	}
	return err;
}

void reclaimer_close(struct reclaimer *r)
{
	bpf_link__destroy(r->link); /* NULL is fine */
	reclaim_bpf__destroy(r->skel);
	r->link = NULL;
	r->skel = NULL;
}

/* Delete every key: always ask for the first one, as the last is gone. */
static void clear_keys(const struct bpf_map *map)
{
	__u64 key;

	while (!bpf_map__get_next_key(map, NULL, &key, sizeof(key)))
		if (bpf_map__delete_elem(map, &key, sizeof(key), 0))
			break;
}

/* One walk of the netns we are in: the iterator destroys as it goes. */
static int walk(struct reclaimer *r)
{
	char buf[256];
	int fd = bpf_iter_create(bpf_link__fd(r->link)), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

/* A survey's answer: each pick's idle time, as the walk found it. */
static void read_survey(const struct bpf_map *keys, struct reclaim_pick *picks, size_t from,
			size_t to)
{
	for (size_t i = from; i < to; i++) {
		struct pw_reclaim_want w;

		picks[i].idle_known = false;
		if (bpf_map__lookup_elem(keys, &picks[i].key, sizeof(picks[i].key), &w, sizeof(w),
					 0) ||
		    !(w.seen & PW_RECLAIM_SEEN))
			continue;
		picks[i].idle_known = true;
		picks[i].idle_jiffies = w.idle_jiffies;
	}
}

/* Walk with picks[from..to) in the map, inside their netns (that of
 * picks[from]'s holder); a survey (@out) reads their idle times back.
 * Returns 0 or -errno. */
static int run_batch(struct reclaimer *r, const struct reclaim_pick *picks, size_t from, size_t to,
		     struct reclaim_pick *out)
{
	const struct bpf_map *keys = r->skel->maps.reclaim_keys;
	char rel[32], path[64];
	bool home;
	int err = 0;

	snprintf(rel, sizeof(rel), "%u/ns/net", picks[from].tgid);
	procfs_path(path, sizeof(path), rel);
	if (netns_inum_of(path) != picks[from].netns)
		return -ESRCH; /* the holder left (or its netns did) */
	procfs_path(rel, sizeof(rel), "self/ns/net");
	home = netns_inum_of(rel) == picks[from].netns;
	for (size_t i = from; i < to && !err; i++) {
		struct pw_reclaim_want v = {
			.state = (picks[i].tcp_state & PW_RECLAIM_STATE_MASK) |
				 (picks[i].holds_port ? PW_RECLAIM_HOLDS_PORT : 0),
		};

		if (bpf_map__update_elem(keys, &picks[i].key, sizeof(picks[i].key), &v, sizeof(v),
					 BPF_ANY))
			err = -errno;
	}
	if (!err)
		err = home ? 0 : netns_enter(path);
	if (!err) {
		err = walk(r);
		if (!home && netns_leave()) {
			pr_warn("failed to return to our network namespace: %s\n", strerror(errno));
			err = -EIO;
		}
	}
	if (!err && out)
		read_survey(keys, out, from, to);
	clear_keys(keys);
	return err;
}

/* Reads and zeroes the result slots into @counts. */
static void collect(struct reclaimer *r, struct reclaim_counts *counts)
{
	static const enum port_state by_tcp[16] = {
		[TCP_ESTABLISHED] = PS_ESTABLISHED, /* idle ones (reclaim = idle) */
		[TCP_CLOSE_WAIT] = PS_CLOSE_WAIT,
	};
	const struct bpf_map *res = r->skel->maps.reclaim_results;

	for (__u32 slot = 0; slot < PW_RECLAIM_RESULTS; slot++) {
		__u64 v = 0, zero = 0;

		if (bpf_map__lookup_elem(res, &slot, sizeof(slot), &v, sizeof(v), 0) || !v)
			continue;
		bpf_map__update_elem(res, &slot, sizeof(slot), &zero, sizeof(zero), BPF_ANY);
		if (slot < 16) {
			counts->destroyed += (uint32_t)v;
			counts->destroyed_by[by_tcp[slot] ? by_tcp[slot] : PS_ESTABLISHED] +=
				(uint32_t)v;
		} else if (slot == PW_RECLAIM_R_PORTS) {
			counts->ports_back += (uint32_t)v;
		} else if (slot == PW_RECLAIM_R_FAILED) {
			counts->failed += (uint32_t)v;
		} else if (slot == PW_RECLAIM_R_CHANGED) {
			counts->skipped_changed += (uint32_t)v;
		}
	}
}

/* One walk per netns (and per PW_RECLAIM_KEYS_MAX picks); @survey: the
 * picks get their idle times, nothing is destroyed. Counts what could not
 * be walked as failed. 0 when a walk was made (or none was needed). */
static int run_all(struct reclaimer *r, struct reclaim_pick *picks, size_t nr, bool survey,
		   struct reclaim_counts *counts)
{
	size_t from = 0;
	int err = 0, walked = 0;

	r->skel->bss->reclaim_survey = survey;
	while (from < nr && err != -EIO) {
		size_t to = from;
		int e;

		/* one netns, up to the map's room (reclaim_pick() keeps a
		 * netns's sockets together only by chance: batch by runs) */
		while (to < nr && to - from < PW_RECLAIM_KEYS_MAX && picks[to].netns == picks[from].netns)
			to++;
		e = run_batch(r, picks, from, to, survey ? picks : NULL);
		if (e) {
			pr_debug("reclaim%s: %zu sockets in netns %u: %s\n", survey ? " survey" : "",
				 to - from, picks[from].netns, strerror(-e));
			if (!survey) /* a survey's unknown sockets are spared, and counted so */
				counts->failed += (uint32_t)(to - from);
			err = e;
		} else {
			walked++;
		}
		from = to;
	}
	r->skel->bss->reclaim_survey = false;
	return walked || !nr ? 0 : err;
}

int reclaimer_survey(struct reclaimer *r, struct reclaim_pick *picks, size_t nr)
{
	struct reclaim_counts ignored = {0};
	size_t i;

	if (!r || !r->skel)
		return -ENOTSUP;
	for (i = 0; i < nr && picks[i].tcp_state != TCP_ESTABLISHED; i++)
		;
	if (i == nr)
		return 0; /* nothing whose idle time matters */
	return run_all(r, picks, nr, true, &ignored);
}

int reclaimer_run(struct reclaimer *r, struct reclaim_pick *picks, size_t nr,
		  uint32_t idle_min_jiffies, struct reclaim_counts *counts)
{
	int err;

	if (!r || !r->skel)
		return -ENOTSUP;
	collect(r, &(struct reclaim_counts){0}); /* leftovers of a failed run */
	r->skel->bss->reclaim_idle_min = idle_min_jiffies;
	err = run_all(r, picks, nr, false, counts);
	collect(r, counts);
	return err;
}
