// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The port budget hooks' life: load by trying, attach while a cgroup has a budget.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "act/budget.h"
#include "core/log.h"
#include "kernel/calibrate.h"
#include "budget.skel.h"
#include "refusal.h"

_Static_assert(sizeof(struct lifeline_key) == sizeof(struct pw_lifeline_key),
	       "mirror struct pw_lifeline_key");

static struct budget_bpf *load(bool use_retval)
{
	struct budget_bpf *skel = budget_bpf__open();

	if (!skel)
		return NULL;
	skel->rodata->use_retval = use_retval;
	if (budget_bpf__load(skel)) {
		int err = errno;

		budget_bpf__destroy(skel);
		errno = err;
		return NULL;
	}
	return skel;
}

/* bpf_set_retval: 2d3a1e3615c5 ("bpf: Add cgroup helpers bpf_{get,set}_retval
 * to get/set syscall return value"), v5.18. Without it a refusal could only
 * be EPERM, which applications do not take for a full pool: count only.
 * Which the kernel takes is found by loading. */
int budget_open(struct budget_hooks *b, const char *cgroup_dir)
{
	int err = -EPERM;

	memset(b, 0, sizeof(*b));
	b->cgroup_fd = -1;
	if (!calib_test_refused("budget")) {
		/* PORTWARDEN_TEST_REFUSE=budget-retval plays a kernel without it */
		if (!calib_test_refused("budget-retval"))
			b->skel = load(true);
		b->can_refuse = b->skel != NULL;
		if (!b->skel)
			b->skel = load(false);
		err = b->skel ? 0 : -errno;
	}
	if (!err) {
		b->cgroup_fd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (b->cgroup_fd < 0) {
			err = -errno;
			pr_warn("failed to open cgroup %s: %s\n", cgroup_dir, strerror(-err));
		}
	}
	calib_note("budget",
		   err		   ? "refused"
		   : b->can_refuse ? "yes"
				   : "counts",
		   err		   ? "no port budgets, no lifeline: ports_max and lifeline are not applied"
		   : b->can_refuse ? "cgroup/connect, bind, post_bind, sendmsg, sock_create, sock_release, sched_process_fork"
				   : "no bpf_set_retval: budgets and the lifeline count, never refuse");
	if (err) {
		pr_warn("this kernel refused the port budget hooks (%s): ports_max and lifeline "
			"are not applied\n",
			strerror(-err < 0 ? err : -err));
		budget_close(b);
	} else if (!b->can_refuse) {
		pr_warn("this kernel has no bpf_set_retval (5.18): port budgets and the lifeline "
			"count what they would refuse, and refuse nothing\n");
	}
	return err;
}

/*
 * The sockets' makers the kernel remembers, all forgotten: with the
 * budget-only hooks off, nothing forgets them (budget_release skips TCP
 * sockets past CLOSE, trusting the state hook to have done it at
 * SYN_SENT), and a maker kept across an off period would stay for good.
 * A socket made before the hooks come back is counted for its taker, as
 * one made before they first came.
 */
static void forget_makers(struct budget_hooks *b)
{
	const struct bpf_map *m = b->skel->maps.budget_maker;
	uint64_t key, next;
	bool more = !bpf_map__get_next_key(m, NULL, &key, sizeof(key));

	while (more) {
		more = !bpf_map__get_next_key(m, &key, &next, sizeof(key));
		bpf_map__delete_elem(m, &key, sizeof(key), 0);
		key = next;
	}
}

static void detach_budget_only(struct budget_hooks *b)
{
	bool were = false;

	for (size_t i = BUDGET_ONLY_LINK; i < BUDGET_ONLY_LINK + BUDGET_ONLY_LINKS; i++) {
		were |= b->links[i] != NULL;
		bpf_link__destroy(b->links[i]);
		b->links[i] = NULL;
	}
	if (were)
		forget_makers(b);
}

static void detach(struct budget_hooks *b)
{
	detach_budget_only(b);
	for (size_t i = 0; i < BUDGET_ONLY_LINK; i++) {
		bpf_link__destroy(b->links[i]);
		b->links[i] = NULL;
	}
	b->armed = false;
}

void budget_close(struct budget_hooks *b)
{
	detach(b);
	if (b->skel && b->cgroup_fd >= 0)
		close(b->cgroup_fd);
	budget_bpf__destroy(b->skel);
	b->skel = NULL;
	b->cgroup_fd = -1;
}

void budget_enforce(struct budget_hooks *b, bool on)
{
	if (b->skel)
		b->skel->bss->enforce = on;
}

int budget_set(struct budget_hooks *b, uint64_t cgroup_id, struct budget bu)
{
	const struct bpf_map *map;
	uint32_t v = bu.max | (bu.count_only ? PW_BUDGET_COUNT_ONLY : 0);

	if (!b->skel)
		return -ENOTSUP;
	map = b->skel->maps.budget_max;
	if (bu.max &&
	    bpf_map__update_elem(map, &cgroup_id, sizeof(cgroup_id), &v, sizeof(v), BPF_ANY))
		return -errno;
	if (!bu.max && bpf_map__delete_elem(map, &cgroup_id, sizeof(cgroup_id), 0) &&
	    errno != ENOENT)
		return -errno;
	if (!bu.max) /* a budget given back: its count goes too */
		bpf_map__delete_elem(b->skel->maps.budget_held, &cgroup_id, sizeof(cgroup_id), 0);
	return 0;
}

struct budget budget_of(const struct budget_hooks *b, uint64_t cgroup_id)
{
	uint32_t v = 0;

	if (b->skel)
		bpf_map__lookup_elem(b->skel->maps.budget_max, &cgroup_id, sizeof(cgroup_id), &v,
				     sizeof(v), 0);
	return (struct budget){.max = v & ~PW_BUDGET_COUNT_ONLY,
			       .count_only = v & PW_BUDGET_COUNT_ONLY};
}

struct budget_count budget_count(const struct budget_hooks *b, uint64_t cgroup_id)
{
	struct pw_budget_count c = {0};

	if (b->skel)
		bpf_map__lookup_elem(b->skel->maps.budget_held, &cgroup_id, sizeof(cgroup_id), &c,
				     sizeof(c), 0);
	return (struct budget_count){.held = c.held, .changes = c.changes};
}

int64_t budget_held(const struct budget_hooks *b, uint64_t cgroup_id)
{
	return budget_count(b, cgroup_id).held;
}

int budget_correct(struct budget_hooks *b, uint64_t cgroup_id, int64_t held)
{
	/* a change too: a reader comparing changes sees the count moved */
	struct pw_budget_count c = {.held = held,
				    .changes = budget_count(b, cgroup_id).changes + 1};

	if (!b->skel)
		return -ENOTSUP;
	return bpf_map__update_elem(b->skel->maps.budget_held, &cgroup_id, sizeof(cgroup_id), &c,
				    sizeof(c), BPF_ANY)
		       ? -errno
		       : 0;
}

size_t budget_cgroups(const struct budget_hooks *b, uint64_t *ids, size_t max)
{
	uint64_t key, *prev = NULL;
	size_t n = 0;

	if (!b->skel)
		return 0;
	while (n < max &&
	       !bpf_map__get_next_key(b->skel->maps.budget_max, prev, &key, sizeof(key))) {
		ids[n] = key;
		prev = &ids[n++];
	}
	return n;
}

/* The state hook counts TCP connect()'s ports, the release hook gives
 * ports back, and the socket-creation hook remembers which cgroup made a
 * socket, for the budgets alone: the lifeline reads none of them. Attached
 * only while a cgroup has a budget, since inet_sock_set_state fires ~10
 * times per TCP connection, sock_create and sock_release once per socket of
 * the host, and each program costs a dispatch even when it returns at once
 * (BENCHMARKS.md, section 1). The reconcile corrects the held counts of
 * sockets they did not see. */
static int arm_budget_only(struct budget_hooks *b, bool budgets)
{
	struct bpf_link **links = &b->links[BUDGET_ONLY_LINK];
	/* the state hook first: a socket is remembered (budget_create) only
	 * once something forgets it at SYN_SENT */
	struct bpf_program *progs[BUDGET_ONLY_LINKS] = {
		b->skel->progs.budget_state,
		b->skel->progs.budget_release,
		b->skel->progs.budget_create,
	};

	if (!budgets) {
		detach_budget_only(b);
		return 0;
	}
	for (size_t i = 0; i < BUDGET_ONLY_LINKS; i++) {
		if (links[i])
			continue;
		links[i] = bpf_program__type(progs[i]) == BPF_PROG_TYPE_TRACING
				   ? bpf_program__attach(progs[i])
				   : bpf_program__attach_cgroup(progs[i], b->cgroup_fd);
		if (!links[i])
			return -errno;
	}
	return 0;
}

/* The hooks run on every connect() and bind() of the host: attached only
 * while some cgroup has a budget or the lifeline is configured. */
int budget_arm(struct budget_hooks *b)
{
	uint64_t id;
	struct bpf_program *progs[BUDGET_ONLY_LINK];
	bool budgets;
	size_t i;
	int err;

	if (!b->skel)
		return -ENOTSUP;
	/* without a budget the hooks count nothing (attached for the lifeline) */
	budgets = budget_cgroups(b, &id, 1) > 0;
	b->skel->bss->budgets = budgets;
	if (!b->lifeline && !budgets) {
		detach(b);
		return 0;
	}
	if (b->armed)
		return arm_budget_only(b, budgets);
	progs[0] = b->skel->progs.budget_connect4;
	progs[1] = b->skel->progs.budget_connect6;
	progs[2] = b->skel->progs.budget_bind4;
	progs[3] = b->skel->progs.budget_bind6;
	progs[4] = b->skel->progs.budget_post_bind4;
	progs[5] = b->skel->progs.budget_post_bind6;
	progs[6] = b->skel->progs.budget_sendmsg4;
	progs[7] = b->skel->progs.budget_sendmsg6;
	progs[8] = b->skel->progs.lifeline_fork;
	progs[9] = b->skel->progs.lifeline_exit;
	for (i = 0; i < BUDGET_ONLY_LINK; i++) {
		b->links[i] = i < 8 ? bpf_program__attach_cgroup(progs[i], b->cgroup_fd)
				    : bpf_program__attach(progs[i]);
		if (!b->links[i])
			goto fail;
	}
	err = arm_budget_only(b, budgets);
	if (err) {
		errno = -err;
		goto fail;
	}
	b->armed = true;
	return 0;
fail:
	i = (size_t)-errno;
	detach(b);
	return -(int)i;
}

size_t budget_refusals(const struct budget_hooks *b, struct budget_refusal *out, size_t max)
{
	struct pw_refusal_key key, prev;
	bool first = true;
	size_t n = 0;
	uint64_t count;

	if (!b->skel)
		return 0;
	while (n < max && !bpf_map__get_next_key(b->skel->maps.budget_refusals,
						 first ? NULL : &prev, &key, sizeof(key))) {
		first = false;
		prev = key;
		if (bpf_map__lookup_elem(b->skel->maps.budget_refusals, &key, sizeof(key), &count,
					 sizeof(count), 0))
			continue;
		out[n] = (struct budget_refusal){.cgroup_id = key.cgroup_id,
						 .err = key.err,
						 .dry_run = key.dry_run != 0,
						 .lifeline = key.reason == PW_REASON_LIFELINE,
						 .count = count};
		memcpy(&out[n++].pool, &key.pool, sizeof(key.pool));
	}
	return n;
}

/* The lifeline_stats slot @idx (0 when the hooks are not loaded). */
static uint64_t stat_of(const struct budget_hooks *b, uint32_t idx)
{
	uint64_t n = 0;

	if (b->skel)
		bpf_map__lookup_elem(b->skel->maps.lifeline_stats, &idx, sizeof(idx), &n, sizeof(n),
				     0);
	return n;
}

uint64_t budget_refusals_unkeyed(const struct budget_hooks *b)
{
	return stat_of(b, PW_REFUSAL_NO_SLOT);
}

static bool wanted(const struct lifeline_key *k, const struct lifeline_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(k, &keys[i], sizeof(*k)))
			return true;
	return false;
}

int lifeline_engage(struct budget_hooks *b, const struct lifeline_key *keys, size_t n)
{
	const struct bpf_map *map;
	struct lifeline_key key, next;
	bool first = true;
	uint64_t zero = 0;
	int err = 0;

	if (!b->skel)
		return -ENOTSUP;
	map = b->skel->maps.lifeline_engaged;
	/* the hooks look pools up only while some are engaged: said before
	 * the first is added, and after the last is gone */
	if (n)
		b->skel->bss->engaged_any = true;
	/* the next key is found before this one is deleted: the walk goes on */
	while (!bpf_map__get_next_key(map, first ? NULL : &key, &next, sizeof(next))) {
		if (!first && !wanted(&key, keys, n))
			bpf_map__delete_elem(map, &key, sizeof(key), 0);
		first = false;
		key = next;
	}
	if (!first && !wanted(&key, keys, n))
		bpf_map__delete_elem(map, &key, sizeof(key), 0);
	if (!n)
		b->skel->bss->engaged_any = false;
	/* a pool engaged already keeps its count */
	for (size_t i = 0; i < n; i++)
		if (bpf_map__update_elem(map, &keys[i], sizeof(keys[i]), &zero, sizeof(zero),
					 BPF_NOEXIST) &&
		    errno != EEXIST)
			err = -errno;
	return err;
}

uint64_t lifeline_refused(const struct budget_hooks *b, const struct lifeline_key *key)
{
	uint64_t n = 0;

	if (b->skel)
		bpf_map__lookup_elem(b->skel->maps.lifeline_engaged, key, sizeof(*key), &n,
				     sizeof(n), 0);
	return n;
}

int lifeline_protect_tgid(struct budget_hooks *b, uint32_t tgid, bool inherit)
{
	uint8_t how = inherit ? PW_PROTECT_INHERIT : PW_PROTECT_SELF;

	if (!b->skel)
		return -ENOTSUP;
	return bpf_map__update_elem(b->skel->maps.protected_tgids, &tgid, sizeof(tgid), &how,
				    sizeof(how), BPF_ANY)
		       ? -errno
		       : 0;
}

int lifeline_protect_cgroup(struct budget_hooks *b, uint64_t cgroup_id)
{
	uint8_t one = 1;

	if (!b->skel)
		return -ENOTSUP;
	return bpf_map__update_elem(b->skel->maps.protected_cgroups, &cgroup_id,
				    sizeof(cgroup_id), &one, sizeof(one), BPF_ANY)
		       ? -errno
		       : 0;
}

void lifeline_prune(struct budget_hooks *b)
{
	const struct bpf_map *map;
	uint32_t key, next;
	bool first = true, more;

	if (!b->skel)
		return;
	map = b->skel->maps.protected_tgids;
	do {
		more = !bpf_map__get_next_key(map, first ? NULL : &key, &next, sizeof(next));
		if (!first && kill((pid_t)key, 0) && errno == ESRCH)
			bpf_map__delete_elem(map, &key, sizeof(key), 0);
		first = false;
		key = next;
	} while (more);
}

uint64_t lifeline_inherit_full(const struct budget_hooks *b)
{
	return stat_of(b, PW_LIFELINE_INHERIT_FULL);
}
