// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// run's /snapshot and /suspects documents read back into structures (json-c).
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <json-c/json.h>
#include "core/snapshot_json.h"

#define DEPTH_MAX 16 /* the documents nest 4 deep */

struct parse {
	char *err;
	size_t err_len;
	int failed;
};

static int fail(struct parse *p, const char *what, const char *key, size_t i)
{
	if (!p->failed)
		snprintf(p->err, p->err_len, "%s[%zu]: %s", what, i, key);
	p->failed = 1;
	return -EINVAL;
}

static json_object *member(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* An integer member in [0, @max]. */
static bool get_u64(json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	json_object *v = member(o, key, json_type_int);

	if (!v || json_object_get_int64(v) < 0)
		return false;
	*out = json_object_get_uint64(v);
	return *out <= max;
}

static bool get_u32(json_object *o, const char *key, uint32_t *out)
{
	uint64_t v;

	if (!get_u64(o, key, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = member(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

static json_object *parse_text(const char *text, size_t len, struct parse *p)
{
	struct json_tokener *tok;
	json_object *root;

	if (len > INT32_MAX) {
		snprintf(p->err, p->err_len, "document too long");
		return NULL;
	}
	tok = json_tokener_new_ex(DEPTH_MAX);
	if (!tok) {
		snprintf(p->err, p->err_len, "no memory");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (root && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) < len) {
		/* only the document's newline may follow it */
		for (size_t i = json_tokener_get_parse_end(tok); root && i < len; i++)
			if (text[i] != '\n' && text[i] != ' ' && text[i] != '\r' &&
			    text[i] != '\t') {
				json_object_put(root);
				root = NULL;
			}
	}
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(root);
		root = NULL;
		snprintf(p->err, p->err_len, "not one JSON document");
	}
	json_tokener_free(tok);
	return root;
}

static bool typed(json_object *root, const char *type)
{
	const char *t = get_str(root, "type");
	uint64_t version;

	return t && !strcmp(t, type) && get_u64(root, "version", 1, &version) && version == 1;
}

/* "sockets", "states":{...}, "bind_before_connect", "passive". */
static bool get_counts(json_object *o, struct state_counts *c)
{
	json_object *states = member(o, "states", json_type_object);

	if (!states || !get_u32(o, "sockets", &c->total) ||
	    !get_u32(o, "bind_before_connect", &c->bind_before_connect) ||
	    !get_u32(o, "passive", &c->passive))
		return false;
	for (int i = 0; i < PS_COUNT; i++)
		if (!get_u32(states, port_state_name(i), &c->n[i]))
			return false;
	return true;
}

/* The document's cgroups by path, to find a process's or holder's key. */
struct path_key {
	const char *path;
	struct group_key key;
	size_t order;
};

static int cmp_path(const void *a, const void *b)
{
	const struct path_key *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* The first cgroup of @path; none: the root's ({1, 0}: where a socket with
 * no known cgroup is accounted). */
static struct group_key key_of(const struct path_key *map, size_t n, const char *path)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(map[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && !strcmp(map[lo].path, path))
		return map[lo].key;
	return (struct group_key){.cgroup_id = 1};
}

static json_object *array_of(json_object *root, const char *key, size_t *n)
{
	json_object *a = member(root, key, json_type_array);

	*n = a ? json_object_array_length(a) : 0;
	return a && *n <= SNAPSHOT_JSON_MAX_ITEMS ? a : NULL;
}

static int read_groups(json_object *a, struct snapshot *s, struct path_key *map, struct parse *p)
{
	for (size_t i = 0; i < s->nr_groups; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct snap_group *g = &s->groups[i];

		map[i].path = get_str(o, "cgroup");
		map[i].order = i;
		if (!map[i].path || !get_u64(o, "cgroup_id", UINT64_MAX, &g->key.cgroup_id) ||
		    !get_u64(o, "cgroup1_id", UINT64_MAX, &g->key.cgroup1_id) ||
		    !get_u32(o, "processes", &g->nr_processes) || !get_counts(o, &g->held))
			return fail(p, "cgroups", "a member is missing or not of its type", i);
		map[i].key = g->key;
	}
	qsort(map, s->nr_groups, sizeof(*map), cmp_path);
	return 0;
}

static int read_processes(json_object *a, struct snapshot *s, const struct path_key *map,
			  struct parse *p)
{
	for (size_t i = 0; i < s->nr_processes; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct snap_process *pr = &s->processes[i];
		const char *comm = get_str(o, "comm"), *path = get_str(o, "cgroup");

		if (!comm || !path || !get_u32(o, "pid", &pr->tgid) || !get_counts(o, &pr->held))
			return fail(p, "processes", "a member is missing or not of its type", i);
		/* 16 bytes, NUL-padded, or full without a NUL as the kernel has it */
		memcpy(pr->comm, comm, strnlen(comm, sizeof(pr->comm)));
		/* null or absent (older daemons): unknown */
		if (!get_u64(o, "start_time", UINT64_MAX, &pr->start_time))
			pr->start_time = 0;
		pr->group = key_of(map, s->nr_groups, path);
	}
	return 0;
}

static bool get_ip(json_object *o, const char *key, int af, uint8_t *addr)
{
	const char *ip = get_str(o, key);

	return ip && inet_pton(af, ip, addr) == 1;
}

static bool pool_kind_of(const char *name, enum pool_kind *k)
{
	for (int i = POOL_TCP_CONNECT; name && i <= POOL_UDP; i++)
		if (!strcmp(name, pool_kind_name(i))) {
			*k = i;
			return true;
		}
	return false;
}

/* The connect pool's (family, local, remote, remote_port). */
static bool get_remote(json_object *o, struct snap_pool *pl)
{
	const char *family = get_str(o, "family");
	uint64_t port;

	if (!family || (strcmp(family, "ipv4") && strcmp(family, "ipv6")))
		return false;
	pl->family = strcmp(family, "ipv6") ? AF_INET : AF_INET6;
	if (!get_ip(o, "local", pl->family, pl->laddr) ||
	    !get_ip(o, "remote", pl->family, pl->raddr) || !get_u64(o, "remote_port", 65535, &port))
		return false;
	pl->rport = (uint16_t)port;
	return true;
}

static bool get_top(json_object *o, struct snap_pool *pl, const struct path_key *map, size_t n)
{
	json_object *a = member(o, "top", json_type_array), *pid;
	size_t nr = a ? json_object_array_length(a) : SNAP_POOL_TOP + 1;

	if (nr > SNAP_POOL_TOP)
		return false;
	for (size_t i = 0; i < nr; i++) {
		json_object *t = json_object_array_get_idx(a, i);
		const char *path = get_str(t, "cgroup");

		if (!path || !get_u32(t, "ports", &pl->top[i].used) ||
		    !json_object_object_get_ex(t, "pid", &pid))
			return false;
		if (!json_object_is_type(pid, json_type_null) &&
		    !get_u32(t, "pid", &pl->top[i].tgid))
			return false;
		pl->top[i].group = key_of(map, n, path);
	}
	pl->nr_top = (uint32_t)nr;
	return true;
}

static int read_pools(json_object *a, struct snapshot *s, const struct path_key *map,
		      struct parse *p)
{
	for (size_t i = 0; i < s->nr_pools; i++) {
		json_object *o = json_object_array_get_idx(a, i), *cap;
		struct snap_pool *pl = &s->pools[i];

		pl->family = AF_INET; /* bind and udp pools: the document does not say */
		if (!pool_kind_of(get_str(o, "kind"), &pl->kind) ||
		    !get_u32(o, "netns", &pl->netns) || !get_u32(o, "used", &pl->used) ||
		    !json_object_object_get_ex(o, "capacity", &cap) ||
		    (pl->kind == POOL_TCP_CONNECT && !get_remote(o, pl)) ||
		    !get_top(o, pl, map, s->nr_groups))
			return fail(p, "pools", "a member is missing or not of its type", i);
		pl->capacity_known = !json_object_is_type(cap, json_type_null);
		if (pl->capacity_known && !get_u32(o, "capacity", &pl->capacity))
			return fail(p, "pools", "capacity", i);
	}
	return 0;
}

/* "time" ("2026-12-04T05:30:17Z") in UTC seconds; 0 when absent or not that. */
static int64_t get_time(json_object *root)
{
	const char *t = get_str(root, "time"), *end;
	struct tm tm = {0};

	end = t ? strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	return end && !*end ? (int64_t)timegm(&tm) : 0;
}

static int read_snapshot(json_object *root, struct snapshot *s, struct parse *p)
{
	json_object *groups, *procs, *pools, *total = member(root, "total", json_type_object);
	struct path_key *map;
	int err;

	if (!typed(root, "snapshot") || !total || !get_counts(total, &s->total))
		return fail(p, "document", "not a version 1 snapshot", 0);
	s->time_s = get_time(root);
	groups = array_of(root, "cgroups", &s->nr_groups);
	procs = array_of(root, "processes", &s->nr_processes);
	pools = array_of(root, "pools", &s->nr_pools);
	if (!groups || !procs || !pools)
		return fail(p, "document", "cgroups, processes or pools missing or too long", 0);
	s->groups = calloc(s->nr_groups + 1, sizeof(*s->groups));
	s->processes = calloc(s->nr_processes + 1, sizeof(*s->processes));
	s->pools = calloc(s->nr_pools + 1, sizeof(*s->pools));
	map = calloc(s->nr_groups + 1, sizeof(*map));
	if (!s->groups || !s->processes || !s->pools || !map) {
		free(map);
		return -ENOMEM;
	}
	err = read_groups(groups, s, map, p);
	if (!err)
		err = read_processes(procs, s, map, p);
	if (!err)
		err = read_pools(pools, s, map, p);
	free(map);
	return err;
}

int snapshot_from_json(const char *text, size_t len, struct snapshot *snap, char *err,
		       size_t err_len)
{
	struct parse p = {.err = err, .err_len = err_len};
	json_object *root;
	int rc;

	memset(snap, 0, sizeof(*snap));
	if (err_len)
		err[0] = 0;
	root = parse_text(text, len, &p);
	if (!root)
		return -EINVAL;
	rc = read_snapshot(root, snap, &p);
	json_object_put(root);
	if (rc)
		snapshot_free(snap);
	return rc;
}

/* ---- /suspects ------------------------------------------------------------------------ */

static bool class_of(const char *name, enum leak_class *c)
{
	for (int i = LEAK_NONE; name && i <= LEAK_HOG; i++)
		if (!strcmp(name, leak_class_name(i))) {
			*c = i;
			return true;
		}
	return false;
}

/* The row's class (null: none) and its ladder's last action (null: none). */
/* Optional string member @key of @o into @buf, cut to fit; false when it is
 * there and neither a string nor null. */
static bool get_text(json_object *o, const char *key, char *buf, size_t len)
{
	json_object *v;

	buf[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_string))
		return false;
	snprintf(buf, len, "%s", json_object_get_string(v));
	return true;
}

static bool get_ladder(json_object *o, struct daemon_suspect *ds)
{
	json_object *cls, *ladder, *last;

	if (!json_object_object_get_ex(o, "class", &cls) ||
	    (!json_object_is_type(cls, json_type_null) &&
	     !class_of(get_str(o, "class"), &ds->class)) ||
	    !json_object_object_get_ex(o, "ladder", &ladder))
		return false;
	if (json_object_is_type(ladder, json_type_null))
		return true;
	if (!json_object_object_get_ex(ladder, "last_action", &last) ||
	    !get_text(ladder, "reason", ds->reason, sizeof(ds->reason)) ||
	    !get_text(ladder, "detail", ds->detail, sizeof(ds->detail)))
		return false;
	if (json_object_is_type(last, json_type_null))
		return true;
	if (!json_object_is_type(last, json_type_string) ||
	    json_object_get_string_len(last) >= (int)sizeof(ds->last_action))
		return false;
	strcpy(ds->last_action, json_object_get_string(last));
	return true;
}

/* The engaged pools' names; absent: none (a daemon without the lifeline). */
static int read_lifeline(json_object *root, struct daemon_state *d)
{
	json_object *a, *s;

	if (!json_object_object_get_ex(root, "lifeline", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EINVAL;
	d->lifeline_total = json_object_array_length(a);
	for (size_t i = 0; i < d->lifeline_total; i++) {
		s = json_object_array_get_idx(a, i);
		if (!json_object_is_type(s, json_type_string))
			return -EINVAL;
		if (i < DAEMON_LIFELINE_MAX)
			snprintf(d->lifeline[d->nr_lifeline++], sizeof(d->lifeline[0]), "%s",
				 json_object_get_string(s));
	}
	return 0;
}

/* ---- budgets and refusals (optional: a daemon older than them has none) ---- */

static const char *const errno_names[DAEMON_ERRNO_NR] = {"EADDRNOTAVAIL", "EADDRINUSE", "EAGAIN"};

static bool get_i64(json_object *o, const char *key, int64_t *out)
{
	json_object *v = member(o, key, json_type_int);

	if (!v)
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static bool get_bool(json_object *o, const char *key, bool *out)
{
	json_object *v = member(o, key, json_type_boolean);

	if (!v)
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* "refused_by_errno": the three errnos counted (another one is in "refused" only). */
static bool get_by_errno(json_object *o, struct daemon_budget *b)
{
	json_object *by = member(o, "refused_by_errno", json_type_object);

	if (!by)
		return false;
	for (int e = 0; e < DAEMON_ERRNO_NR; e++)
		if (json_object_object_get_ex(by, errno_names[e], NULL) &&
		    !get_u64(by, errno_names[e], UINT64_MAX, &b->refused_errno[e]))
			return false;
	return true;
}

static int read_budget_rows(json_object *root, struct daemon_state *d, struct parse *p)
{
	json_object *a = array_of(root, "budgets", &d->nr_budgets);

	if (!a)
		return fail(p, "document", "budgets missing, not an array or too long", 0);
	d->budgets = calloc(d->nr_budgets + 1, sizeof(*d->budgets));
	if (!d->budgets)
		return -ENOMEM;
	for (size_t i = 0; i < d->nr_budgets; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct daemon_budget *b = &d->budgets[i];

		if (!get_u64(o, "cgroup_id", UINT64_MAX, &b->cgroup_id) ||
		    !get_u32(o, "ports_max", &b->ports_max) || !get_i64(o, "held", &b->held) ||
		    !get_bool(o, "dry_run", &b->dry_run) ||
		    !get_u64(o, "refused", UINT64_MAX, &b->refused) || !get_by_errno(o, b))
			return fail(p, "budgets", "a member is missing or not of its type", i);
	}
	return 0;
}

static int read_lifeline_rows(json_object *root, struct daemon_state *d, struct parse *p)
{
	json_object *a = array_of(root, "lifeline_refusals", &d->nr_lifeline_refusals);

	if (!a)
		return fail(p, "document", "lifeline_refusals missing, not an array or too long",
			    0);
	d->lifeline_refusals = calloc(d->nr_lifeline_refusals + 1, sizeof(*d->lifeline_refusals));
	if (!d->lifeline_refusals)
		return -ENOMEM;
	for (size_t i = 0; i < d->nr_lifeline_refusals; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct daemon_lifeline_refusal *r = &d->lifeline_refusals[i];

		if (!get_u64(o, "cgroup_id", UINT64_MAX, &r->cgroup_id) ||
		    !get_u64(o, "refused", UINT64_MAX, &r->refused))
			return fail(p, "lifeline_refusals",
				    "a member is missing or not of its type", i);
	}
	return 0;
}

/* Present from "refusal_hooks" on: then all of them must be. */
static int read_budgets(json_object *root, struct daemon_state *d, struct parse *p)
{
	int err;

	if (!json_object_object_get_ex(root, "refusal_hooks", NULL))
		return 0;
	if (!get_bool(root, "refusal_hooks", &d->refusal_hooks) ||
	    !get_u64(root, "budget_refused", UINT64_MAX, &d->budget_refused) ||
	    !get_u64(root, "lifeline_refused", UINT64_MAX, &d->lifeline_refused))
		return fail(p, "document", "refusal totals missing or not numbers", 0);
	err = read_budget_rows(root, d, p);
	if (!err)
		err = read_lifeline_rows(root, d, p);
	for (size_t i = 0; !err && i < d->nr_budgets; i++)
		d->budgets[i].lifeline_refused =
			daemon_lifeline_refused(d, d->budgets[i].cgroup_id);
	d->budgets_served = !err;
	return err;
}

static int read_suspects(json_object *root, struct daemon_state *d, struct parse *p)
{
	const char *mode = get_str(root, "mode");
	json_object *a = array_of(root, "suspects", &d->nr), *pid;

	if (!typed(root, "suspects") || !mode || !get_u32(root, "pid", &d->pid) ||
	    !get_u32(root, "interval_ms", &d->interval_ms) || !a)
		return fail(p, "document", "not a version 1 suspects document", 0);
	d->dry_run = strcmp(mode, "enforce") != 0;
	/* optional: a daemon from before it was served leaves top's default */
	if (json_object_object_get_ex(root, "horizon_s", NULL) &&
	    !get_u32(root, "horizon_s", &d->horizon_s))
		return fail(p, "document", "horizon_s is not a number of seconds", 0);
	if (read_lifeline(root, d))
		return fail(p, "lifeline", "not an array of strings", 0);
	if (read_budgets(root, d, p))
		return p->failed ? -EINVAL : -ENOMEM;
	d->items = calloc(d->nr + 1, sizeof(*d->items));
	if (!d->items)
		return -ENOMEM;
	for (size_t i = 0; i < d->nr; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		struct daemon_suspect *ds = &d->items[i];

		if (!json_object_object_get_ex(o, "pid", &pid) ||
		    (!json_object_is_type(pid, json_type_null) && !get_u32(o, "pid", &ds->tgid)) ||
		    !get_u64(o, "cgroup_id", UINT64_MAX, &ds->cgroup_id) || !get_ladder(o, ds))
			return fail(p, "suspects", "a member is missing or not of its type", i);
		/* null (a cgroup ladder, a start not known) or absent (older daemons) */
		if (!get_u64(o, "start_time", UINT64_MAX, &ds->start_time))
			ds->start_time = 0;
	}
	return 0;
}

int suspects_from_json(const char *text, size_t len, struct daemon_state *d, char *err,
		       size_t err_len)
{
	struct parse p = {.err = err, .err_len = err_len};
	json_object *root;
	int rc;

	memset(d, 0, sizeof(*d));
	if (err_len)
		err[0] = 0;
	root = parse_text(text, len, &p);
	if (!root)
		return -EINVAL;
	rc = read_suspects(root, d, &p);
	json_object_put(root);
	if (rc)
		daemon_state_free(d);
	return rc;
}

void daemon_state_free(struct daemon_state *d)
{
	free(d->items);
	free(d->budgets);
	free(d->lifeline_refusals);
	memset(d, 0, sizeof(*d));
}

const struct daemon_suspect *daemon_state_find(const struct daemon_state *d, uint32_t tgid,
					       uint64_t start_time, uint64_t cgroup_id)
{
	const struct daemon_suspect *cgroup = NULL;

	for (size_t i = 0; d && i < d->nr; i++) {
		const struct daemon_suspect *ds = &d->items[i];

		if (tgid && ds->tgid == tgid &&
		    (!start_time || !ds->start_time || ds->start_time == start_time))
			return ds;
		if (!d->items[i].tgid && d->items[i].cgroup_id == cgroup_id)
			cgroup = &d->items[i];
	}
	return cgroup;
}

const struct daemon_budget *daemon_budget_find(const struct daemon_state *d, uint64_t cgroup_id)
{
	for (size_t i = 0; d && cgroup_id && i < d->nr_budgets; i++)
		if (d->budgets[i].cgroup_id == cgroup_id)
			return &d->budgets[i];
	return NULL;
}

uint64_t daemon_lifeline_refused(const struct daemon_state *d, uint64_t cgroup_id)
{
	for (size_t i = 0; d && i < d->nr_lifeline_refusals; i++)
		if (d->lifeline_refusals[i].cgroup_id == cgroup_id)
			return d->lifeline_refusals[i].refused;
	return 0;
}
