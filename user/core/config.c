// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The configuration file: a strict line parser from INI-like text to struct daemon_config.
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "core/config.h"
#include "core/escape.h"
#include "core/regular_file.h"

/*
 * The rules, beyond the example in config.h:
 *
 *  - Every key is checked against its section's table; an unknown section
 *    or key, a value of the wrong form or out of range, a key set twice in
 *    the same scope ([policy] may appear twice, its keys still once), a
 *    line over CONFIG_LINE_MAX characters: the whole file is refused, with
 *    FILE:LINE and the key and what it expects. A daemon that kills must
 *    not run on a half-understood configuration.
 *  - '#' starts a comment anywhere outside double quotes (so a [cgroup "…"]
 *    glob may hold one; values cannot).
 *  - [cgroup "GLOB"], [pod "NS/POD"] and [container "GLOB"] overrides start
 *    from the final [policy], whatever the order of the sections, and change
 *    only the keys they name: an override saying "enforce = no" keeps the
 *    site's fill_threshold even if [policy] comes later in the file. The
 *    keys are recorded while reading and applied once the file is read.
 *  - The overrides are one list in file order, whatever their kind: the
 *    first that matches wins (put the narrow ones first). A [pod] glob is
 *    matched with FNM_PATHNAME against "NAMESPACE/POD", so each part is a
 *    glob of its own (a star after "kube-system/" is the whole namespace; a
 *    star alone matches nothing); it must hold the '/'.
 *  - enforce is accepted in [policy] too: "enforce = no" there and
 *    "enforce = yes" in a [cgroup] makes enforcement opt-in per workload.
 *    Either way the daemon's --enforce flag still gates every action.
 *  - window >= 4 x interval is checked once the file is read (either may
 *    come first) and reported at the line of the later of the two.
 *  - watch = 0 turns the fast-leak trigger off; otherwise it is at least
 *    WATCH_MIN_MS.
 */

#define CONFIG_LINE_MAX	 1024
#define CONFIG_FILE_MAX	 (1 << 20)
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define MS_PER_S	 1000ull
#define MS_PER_DAY	 86400000ull
#define WINDOW_INTERVALS 4  /* a window of fewer samples shows no trend */
#define WATCH_MIN_MS	 50 /* reading the counters more often buys nothing */

enum val_type {
	V_BOOL,	    /* bool: yes/no, true/false, on/off */
	V_FRACTION, /* double in (0, 1]: 0.8 or 80% */
	V_FRACTION_NO, /* V_FRACTION, or no/off: 0 */
	V_SECONDS,  /* uint32_t seconds, written as a duration; min/max in ms */
	V_MS,	    /* uint32_t milliseconds, written as a duration */
	V_U32,	    /* uint32_t */
	V_SCOPE,    /* enum scope */
	V_RECLAIM,  /* enum reclaim_mode */
};

struct key_def {
	const char *name;
	enum val_type type;
	size_t off; /* in the struct the section fills */
	uint64_t min, max;
};

static const struct key_def daemon_keys[] = {
	{"interval", V_MS, offsetof(struct daemon_config, interval_ms), 100, 60 * MS_PER_S},
	{"window", V_MS, offsetof(struct daemon_config, classify.window_ms), MS_PER_S,
	 600 * MS_PER_S},
	{"watch", V_MS, offsetof(struct daemon_config, watch_ms), 0, 60 * MS_PER_S},
	{"surge_time", V_MS, offsetof(struct daemon_config, surge.trip_ms), 500, 60 * MS_PER_S},
	{"incidents_keep", V_U32, offsetof(struct daemon_config, incidents_keep), 1, 100000},
	{"incident_window", V_SECONDS, offsetof(struct daemon_config, incident_window_s), MS_PER_S,
	 3600 * MS_PER_S},
};
enum { DK_INTERVAL, DK_WINDOW, DK_WATCH };

static const struct key_def policy_keys[] = {
	{"enforce", V_BOOL, offsetof(struct policy_params, enforce)},
	{"fill_threshold", V_FRACTION, offsetof(struct policy_params, fill_threshold)},
	{"horizon", V_SECONDS, offsetof(struct policy_params, horizon_s), 0, MS_PER_DAY},
	{"min_ports", V_U32, offsetof(struct policy_params, min_ports), 1, 10000000},
	{"quarantine", V_BOOL, offsetof(struct policy_params, quarantine)},
	{"quarantine_time", V_SECONDS, offsetof(struct policy_params, quarantine_s), MS_PER_S,
	 3600 * MS_PER_S},
	{"grace", V_SECONDS, offsetof(struct policy_params, grace_s), MS_PER_S, 3600 * MS_PER_S},
	{"hog_time", V_SECONDS, offsetof(struct policy_params, hog_s), 0, 3600 * MS_PER_S},
	{"scope", V_SCOPE, offsetof(struct policy_params, scope)},
	{"ports_max", V_U32, offsetof(struct policy_params, ports_max), 0, 1000000},
	{"reclaim", V_RECLAIM, offsetof(struct policy_params, reclaim)},
	/* a day at most: the kernel's u32 jiffies stamps wrap after 49 days
	 * (HZ 1000), and an hour-long idle is already a long one */
	{"reclaim_idle", V_SECONDS, offsetof(struct policy_params, reclaim_idle_s), MS_PER_S,
	 MS_PER_DAY},
	{"lifeline", V_FRACTION_NO, offsetof(struct policy_params, lifeline)},
};
#define NR_POLICY_KEYS ARRAY_SIZE(policy_keys)

/* The breakers count over a ring of BREAKER_RING actions: a limit it cannot
 * hold could never trip. */
static const struct key_def breaker_keys[] = {
	{"cooldown", V_SECONDS, offsetof(struct breaker_params, cooldown_s), 0, MS_PER_DAY},
	{"max_actions_per_minute", V_U32, offsetof(struct breaker_params, max_actions_per_min), 1,
	 1000},
	{"disarm_workloads", V_U32, offsetof(struct breaker_params, disarm_workloads), 1,
	 BREAKER_RING - 1},
	{"disarm_window", V_SECONDS, offsetof(struct breaker_params, disarm_window_s), MS_PER_S,
	 MS_PER_DAY},
	{"crashloop_max", V_U32, offsetof(struct breaker_params, crashloop_max), 1,
	 BREAKER_RING - 1},
	{"crashloop_window", V_SECONDS, offsetof(struct breaker_params, crashloop_window_s),
	 MS_PER_S, 7 * MS_PER_DAY},
};

const char *config_key_name(size_t i)
{
	static const struct {
		const struct key_def *keys;
		size_t n;
	} tables[] = {
		{daemon_keys, sizeof(daemon_keys) / sizeof(daemon_keys[0])},
		{policy_keys, sizeof(policy_keys) / sizeof(policy_keys[0])},
		{breaker_keys, sizeof(breaker_keys) / sizeof(breaker_keys[0])},
	};

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); i -= tables[t++].n)
		if (i < tables[t].n)
			return tables[t].keys[i].name;
	return NULL;
}

enum section { SEC_NONE, SEC_DAEMON, SEC_POLICY, SEC_BREAKERS, SEC_PROTECT, SEC_OVERRIDE };

union value {
	bool b;
	double d;
	uint32_t u;
	enum scope s;
	enum reclaim_mode r;
};

/* Where each key was set (line, 0 = not set), per scope. */
struct parser {
	struct daemon_config *cfg;
	const char *name;
	char *err;
	size_t err_len;
	unsigned int line;
	enum section sec;
	unsigned int daemon_set[ARRAY_SIZE(daemon_keys)];
	unsigned int policy_set[NR_POLICY_KEYS];
	unsigned int breaker_set[ARRAY_SIZE(breaker_keys)];
	unsigned int override_set[CONFIG_OVERRIDES_MAX][NR_POLICY_KEYS];
};

void config_defaults(struct daemon_config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_ms = 1000;
	c->watch_ms = 200;
	c->incidents_keep = 100;
	c->incident_window_s = 300;
	c->classify = classify_defaults;
	c->surge = surge_defaults;
	c->policy = (struct policy_params){
		.enforce = true, /* per cgroup; the --enforce flag is the global switch */
		.fill_threshold = 0.8,
		.horizon_s = 120,
		.min_ports = 100,
		.quarantine = true,
		.quarantine_s = 10,
		.grace_s = 10,
		.hog_s = 30,
		.scope = SCOPE_AUTO,
		.reclaim = RECLAIM_CLOSE_WAIT,
		.reclaim_idle_s = 600,
		.lifeline = 0.95,
	};
	c->breakers = (struct breaker_params){
		.cooldown_s = 30,
		.max_actions_per_min = 3,
		.disarm_workloads = 5,
		.disarm_window_s = 60,
		.crashloop_max = 3,
		.crashloop_window_s = 600,
	};
	protections_defaults(&c->protect);
}

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Writes "NAME:LINE: reason" and returns -EINVAL. The reason quotes the file's own
 * bytes (a key, a value, a section name), so it and the name pass through
 * escape_terminal(): a file cannot put an escape sequence on the terminal or in the log.
 */
static int fail(struct parser *ps, const char *fmt, ...)
{
	char reason[2 * CONFIG_LINE_MAX];
	va_list ap;
	size_t n;
	int m;

	if (!ps->err || !ps->err_len)
		return -EINVAL;
	n = escape_terminal(ps->err, ps->err_len, ps->name, SIZE_MAX);
	m = snprintf(ps->err + n, ps->err_len - n, ":%u: ", ps->line);
	if (m < 0 || (size_t)m >= ps->err_len - n)
		return -EINVAL;
	n += m;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	escape_terminal(ps->err + n, ps->err_len - n, reason, SIZE_MAX);
	return -EINVAL;
}

/* 90000 -> "90s", 120000 -> "2m": the largest unit that divides it. */
static const char *fmt_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	return buf;
}

/* What a key accepts, in words, for error messages. */
static const char *expected(const struct key_def *k, char *buf, size_t len)
{
	char lo[24], hi[24];

	switch (k->type) {
	case V_BOOL:
		return "yes, no, true, false, on or off";
	case V_FRACTION:
		return "a fraction in (0, 1] or a percentage in (0%, 100%], e.g. 0.8 or 80%";
	case V_FRACTION_NO:
		return "no, or a fraction in (0, 1] or a percentage in (0%, 100%], e.g. 95%";
	case V_SCOPE:
		return "auto, process or cgroup";
	case V_RECLAIM:
		return "close-wait, idle or no";
	case V_U32:
		snprintf(buf, len, "an integer from %llu to %llu", (unsigned long long)k->min,
			 (unsigned long long)k->max);
		return buf;
	case V_SECONDS:
	case V_MS:
		snprintf(buf, len, "a %sduration from %s to %s (suffix ms, s, m or h)",
			 k->type == V_SECONDS ? "whole-second " : "",
			 fmt_ms(k->min, lo, sizeof(lo)), fmt_ms(k->max, hi, sizeof(hi)));
		return buf;
	}
	return "?";
}

/* A plain decimal integer: no sign, no space, no base prefix. */
static int parse_uint(const char *s, char **end, unsigned long long *v)
{
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno ? -ERANGE : 0;
}

/* "500ms", "10s", "2m", "1h"; a bare number is seconds. */
static int parse_duration_ms(const char *s, uint64_t *ms)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	unsigned long long v;
	char *end;

	if (parse_uint(s, &end, &v))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (v > UINT64_MAX / units[i].mult)
			return -ERANGE;
		*ms = v * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

/* "0.8" or "80%", in (0, 1]. Only digits, '.' and a final '%': no "inf",
 * "nan", hex or exponents sneak through strtod (an overflow sets errno). */
static int parse_fraction(const char *s, double *out)
{
	size_t len = strlen(s);
	bool percent = len && s[len - 1] == '%';
	double v;
	char *end;

	if (!len || strspn(s, "0123456789.") != len - percent)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != s + len - percent)
		return -EINVAL;
	if (percent)
		v /= 100;
	if (!(v > 0 && v <= 1))
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on"}, *const no[] = {"no", "false",
									       "off"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_scope(const char *s, enum scope *out)
{
	static const enum scope all[] = {SCOPE_AUTO, SCOPE_PROCESS, SCOPE_CGROUP};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (!strcmp(s, scope_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_reclaim(const char *s, enum reclaim_mode *out)
{
	static const enum reclaim_mode all[] = {RECLAIM_NO, RECLAIM_CLOSE_WAIT, RECLAIM_IDLE};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (!strcmp(s, reclaim_mode_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_value(const struct key_def *k, const char *s, union value *v)
{
	unsigned long long n;
	uint64_t ms;
	char *end;

	switch (k->type) {
	case V_BOOL:
		return parse_bool(s, &v->b);
	case V_FRACTION:
		return parse_fraction(s, &v->d);
	case V_FRACTION_NO:
		if (!strcasecmp(s, "no") || !strcasecmp(s, "off")) {
			v->d = 0;
			return 0;
		}
		return parse_fraction(s, &v->d);
	case V_SCOPE:
		return parse_scope(s, &v->s);
	case V_RECLAIM:
		return parse_reclaim(s, &v->r);
	case V_U32:
		if (parse_uint(s, &end, &n) || *end || n < k->min || n > k->max)
			return -EINVAL;
		v->u = (uint32_t)n;
		return 0;
	case V_SECONDS:
	case V_MS:
		if (parse_duration_ms(s, &ms) || ms < k->min || ms > k->max)
			return -EINVAL;
		if (k->type == V_SECONDS && ms % MS_PER_S)
			return -EINVAL;
		v->u = (uint32_t)(k->type == V_SECONDS ? ms / MS_PER_S : ms);
		return 0;
	}
	return -EINVAL;
}

static size_t value_size(enum val_type t)
{
	switch (t) {
	case V_BOOL:
		return sizeof(bool);
	case V_FRACTION:
	case V_FRACTION_NO:
		return sizeof(double);
	case V_SCOPE:
		return sizeof(enum scope);
	case V_RECLAIM:
		return sizeof(enum reclaim_mode);
	default:
		return sizeof(uint32_t);
	}
}

static void store(void *base, const struct key_def *k, const union value *v)
{
	memcpy((char *)base + k->off, v, value_size(k->type)); /* every member starts at 0 */
}

/* One key of a table-driven section: @set records where each key was set. */
static int set_key(struct parser *ps, const struct key_def *keys, size_t nr, unsigned int *set,
		   void *base, const char *section, const char *key, const char *val)
{
	char buf[128];
	union value v;
	size_t i;

	for (i = 0; i < nr && strcmp(keys[i].name, key); i++)
		;
	if (i == nr)
		return fail(ps, "unknown key '%s' in [%s]", key, section);
	if (set[i])
		return fail(ps, "%s is already set on line %u", key, set[i]);
	if (parse_value(&keys[i], val, &v))
		return fail(ps, "%s: expected %s, got '%s'", key,
			    expected(&keys[i], buf, sizeof(buf)), val);
	store(base, &keys[i], &v);
	set[i] = ps->line;
	return 0;
}

/* [protect]: comm, exe, cgroup, pod or container_name globs, added to the built-in ones. */
static int add_protection(struct parser *ps, const char *key, const char *val)
{
	struct protections *p = &ps->cfg->protect;
	size_t *nr, size;
	char *list;

	if (!strcmp(key, "comm")) {
		list = p->comm[0], nr = &p->nr_comm, size = sizeof(p->comm[0]);
	} else if (!strcmp(key, "exe")) {
		list = p->exe[0], nr = &p->nr_exe, size = sizeof(p->exe[0]);
	} else if (!strcmp(key, "cgroup")) {
		list = p->cgroup[0], nr = &p->nr_cgroup, size = sizeof(p->cgroup[0]);
	} else if (!strcmp(key, "pod")) {
		list = p->pod[0], nr = &p->nr_pod, size = sizeof(p->pod[0]);
	} else if (!strcmp(key, "container_name")) {
		list = p->container_name[0], nr = &p->nr_container_name,
		size = sizeof(p->container_name[0]);
	} else {
		return fail(ps,
			    "unknown key '%s' in [protect] (expected comm, exe, cgroup, pod or "
			    "container_name)",
			    key);
	}
	if (!*val)
		return fail(ps, "%s: expected a glob, got nothing", key);
	if (strlen(val) >= size)
		return fail(ps, "%s: glob longer than %zu characters", key, size - 1);
	/* matched against "NAMESPACE/POD": a glob without the '/' would match nothing */
	if (!strcmp(key, "pod") && !strchr(val, '/'))
		return fail(ps, "pod: expected NAMESPACE/POD (globs allowed, e.g. kube-system/*), "
				"got '%s'",
			    val);
	/* the kernel keeps 15 bytes of a name: a longer pattern matches nothing */
	if (!strcmp(key, "comm") && strlen(val) > PROTECT_COMM_MAX)
		return fail(ps, "comm: '%s' is longer than %d bytes, the most a process name holds",
			    val, PROTECT_COMM_MAX);
	if (*nr >= PROTECT_MAX)
		return fail(ps, "%s: too many protections (max %d, built-ins included)", key,
			    PROTECT_MAX);
	strcpy(list + *nr * size, val);
	(*nr)++;
	return 0;
}

const char *override_kind_name(enum override_kind k)
{
	static const char *const names[] = {"cgroup", "pod", "container"};

	return (unsigned int)k < ARRAY_SIZE(names) ? names[k] : "?";
}

static const struct {
	const char *example;
	size_t max; /* the longest glob */
} override_forms[] = {
	[OVERRIDE_CGROUP] = {"[cgroup \"/system.slice/*\"]", OVERRIDE_CGROUP_MAX},
	[OVERRIDE_POD] = {"[pod \"kube-system/*\"]", PROTECT_POD_MAX},
	[OVERRIDE_CONTAINER] = {"[container \"db-*\"]", CONTAINER_NAME_MAX},
};

/* [KIND "GLOB"]: @s is what follows the kind's name inside the brackets. */
static int open_override(struct parser *ps, enum override_kind kind, const char *s)
{
	struct daemon_config *cfg = ps->cfg;
	const char *close, *name = override_kind_name(kind);
	struct cgroup_override *o;
	size_t len, i;

	while (isspace((unsigned char)*s))
		s++;
	close = *s == '"' ? strchr(s + 1, '"') : NULL;
	if (!close || close[1])
		return fail(ps, "expected [%s \"GLOB\"], e.g. %s", name,
			    override_forms[kind].example);
	len = close - s - 1;
	if (!len)
		return fail(ps, "[%s \"\"]: the glob is empty", name);
	if (len > override_forms[kind].max)
		return fail(ps, "[%s]: glob longer than %zu characters", name,
			    override_forms[kind].max);
	/* matched against "NAMESPACE/POD": a glob without the '/' would match nothing */
	if (kind == OVERRIDE_POD && !memchr(s + 1, '/', len))
		return fail(ps, "[pod \"%.*s\"]: expected NAMESPACE/POD (globs allowed, e.g. "
				"kube-system/*)",
			    (int)len, s + 1);
	for (i = 0; i < cfg->nr_overrides; i++)
		if (cfg->overrides[i].kind == kind && strlen(cfg->overrides[i].pattern) == len &&
		    !strncmp(cfg->overrides[i].pattern, s + 1, len))
			return fail(ps, "[%s \"%s\"] is already defined on line %u", name,
				    cfg->overrides[i].pattern, cfg->overrides[i].line);
	if (cfg->nr_overrides >= CONFIG_OVERRIDES_MAX)
		return fail(ps, "too many [cgroup], [pod] and [container] sections (max %d)",
			    CONFIG_OVERRIDES_MAX);
	o = &cfg->overrides[i];
	o->kind = kind;
	memcpy(o->pattern, s + 1, len);
	o->pattern[len] = '\0';
	o->line = ps->line;
	cfg->nr_overrides++;
	ps->sec = SEC_OVERRIDE;
	return 0;
}

static char *trim(char *s)
{
	char *e = s + strlen(s);

	while (isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* "[name]" or "[KIND \"GLOB\"]", already trimmed. */
static int parse_section(struct parser *ps, char *s)
{
	static const struct {
		const char *name;
		enum section sec;
	} plain[] = {{"daemon", SEC_DAEMON},
		     {"policy", SEC_POLICY},
		     {"breakers", SEC_BREAKERS},
		     {"protect", SEC_PROTECT}};
	size_t len = strlen(s);
	char *name;

	if (s[len - 1] != ']')
		return fail(ps, "section header '%s' does not end with ']'", s);
	s[len - 1] = '\0';
	name = trim(s + 1);
	for (enum override_kind k = OVERRIDE_CGROUP; k <= OVERRIDE_CONTAINER; k++) {
		const char *kn = override_kind_name(k);
		size_t n = strlen(kn);

		if (!strncmp(name, kn, n) &&
		    (isspace((unsigned char)name[n]) || name[n] == '"' || !name[n]))
			return open_override(ps, k, name + n);
	}
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		if (!strcmp(name, plain[i].name)) {
			ps->sec = plain[i].sec;
			return 0;
		}
	}
	return fail(ps,
		    "unknown section [%s] (expected daemon, policy, breakers, protect, "
		    "cgroup \"GLOB\", pod \"NS/POD\" or container \"GLOB\")",
		    name);
}

static int parse_key(struct parser *ps, const char *key, const char *val)
{
	struct daemon_config *cfg = ps->cfg;
	size_t cur = cfg->nr_overrides - 1;

	switch (ps->sec) {
	case SEC_DAEMON:
		return set_key(ps, daemon_keys, ARRAY_SIZE(daemon_keys), ps->daemon_set, cfg,
			       "daemon", key, val);
	case SEC_POLICY:
		return set_key(ps, policy_keys, NR_POLICY_KEYS, ps->policy_set, &cfg->policy,
			       "policy", key, val);
	case SEC_BREAKERS:
		return set_key(ps, breaker_keys, ARRAY_SIZE(breaker_keys), ps->breaker_set,
			       &cfg->breakers, "breakers", key, val);
	case SEC_PROTECT:
		return add_protection(ps, key, val);
	case SEC_OVERRIDE:
		/* a pool is shared by every workload in its netns: not theirs to set */
		if (!strcmp(key, "lifeline"))
			return fail(ps, "lifeline is a pool's, set in [policy] only, not in [%s]",
				    override_kind_name(cfg->overrides[cur].kind));
		return set_key(ps, policy_keys, NR_POLICY_KEYS, ps->override_set[cur],
			       &cfg->overrides[cur].params,
			       override_kind_name(cfg->overrides[cur].kind), key, val);
	case SEC_NONE:
		break;
	}
	return fail(ps, "key '%s' before any [section]", key);
}

/* Cuts a comment: '#' outside double quotes. */
static void strip_comment(char *s)
{
	bool quoted = false;

	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (*s == '#' && !quoted)
			*s = '\0';
	}
}

static int parse_line(struct parser *ps, char *line)
{
	char *s, *eq, *key;

	strip_comment(line);
	s = trim(line);
	if (!*s)
		return 0;
	if (*s == '[')
		return parse_section(ps, s);
	eq = strchr(s, '=');
	if (!eq)
		return fail(ps, "expected 'key = value' or '[section]', got '%s'", s);
	*eq = '\0';
	key = trim(s);
	if (!*key)
		return fail(ps, "missing key before '='");
	return parse_key(ps, key, trim(eq + 1));
}

/* Checks that need the whole file, then the overrides on the final [policy]. */
static int finish(struct parser *ps)
{
	struct daemon_config *cfg = ps->cfg;
	char a[24], b[24];

	if ((uint64_t)cfg->classify.window_ms < (uint64_t)WINDOW_INTERVALS * cfg->interval_ms) {
		ps->line = ps->daemon_set[DK_INTERVAL] > ps->daemon_set[DK_WINDOW]
				   ? ps->daemon_set[DK_INTERVAL]
				   : ps->daemon_set[DK_WINDOW];
		return fail(ps, "window (%s) must be at least %d x interval (%s)",
			    fmt_ms(cfg->classify.window_ms, a, sizeof(a)), WINDOW_INTERVALS,
			    fmt_ms(cfg->interval_ms, b, sizeof(b)));
	}
	if (cfg->watch_ms && cfg->watch_ms < WATCH_MIN_MS) {
		ps->line = ps->daemon_set[DK_WATCH];
		return fail(ps, "watch: expected 0 (off) or a duration from %dms to 1m, got %s",
			    WATCH_MIN_MS, fmt_ms(cfg->watch_ms, a, sizeof(a)));
	}
	for (size_t i = 0; i < cfg->nr_overrides; i++) {
		struct policy_params p = cfg->policy;

		for (size_t k = 0; k < NR_POLICY_KEYS; k++)
			if (ps->override_set[i][k])
				memcpy((char *)&p + policy_keys[k].off,
				       (const char *)&cfg->overrides[i].params + policy_keys[k].off,
				       value_size(policy_keys[k].type));
		cfg->overrides[i].params = p;
	}
	return 0;
}

int config_parse(const char *text, const char *name, struct daemon_config *out, char *err,
		 size_t err_len)
{
	struct parser ps = {
		.cfg = out, .name = name ? name : "<config>", .err = err, .err_len = err_len};
	char line[CONFIG_LINE_MAX + 1];
	int ret;

	config_defaults(out);
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		ps.line++;
		if (len > CONFIG_LINE_MAX)
			return fail(&ps, "line longer than %d characters", CONFIG_LINE_MAX);
		memcpy(line, text, len);
		line[len] = '\0';
		ret = parse_line(&ps, line);
		if (ret)
			return ret;
		text += len + (nl != NULL);
	}
	return finish(&ps);
}

/*
 * The whole file into a NUL-terminated buffer; -errno with the reason in @err.
 * Only a regular file is read, and opening never blocks: a FIFO named as the
 * config would hang the start, or the daemon on its next SIGHUP. A symbolic
 * link is followed: configs in /etc often are links, and the path is root's
 * own choice (unlike --log and --output, which may sit in a shared directory).
 */
static int read_text(const char *path, char **text, size_t *len, char *err, size_t err_len)
{
	int fd = regular_file_open(path, O_RDONLY, 0);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	int ret = 0;

	*text = NULL;
	if (!f) {
		ret = fd < 0 ? fd : -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, err_len, "%s: cannot open: %s", path, regular_file_strerror(ret));
		return ret;
	}
	*text = malloc(CONFIG_FILE_MAX + 1);
	if (!*text) {
		ret = -ENOMEM;
	} else {
		errno = 0;
		*len = fread(*text, 1, CONFIG_FILE_MAX + 1, f);
		if (ferror(f))
			ret = errno ? -errno : -EIO;
		else if (*len > CONFIG_FILE_MAX)
			ret = -EFBIG;
		else
			(*text)[*len] = '\0';
	}
	fclose(f);
	if (ret) {
		snprintf(err, err_len, "%s: cannot read: %s", path, strerror(-ret));
		free(*text);
		*text = NULL;
	}
	return ret;
}

int config_load(const char *path, struct daemon_config *out, char *err, size_t err_len)
{
	char dummy[1], *text, *nul;
	size_t len = 0;
	int ret;

	if (!err || !err_len) {
		err = dummy;
		err_len = sizeof(dummy);
	}
	ret = read_text(path, &text, &len, err, err_len);
	if (ret)
		return ret;
	nul = memchr(text, '\0', len);
	if (nul) { /* config_parse would stop there and miss the rest */
		unsigned int line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		snprintf(err, err_len, "%s:%u: NUL byte: not a text file", path, line);
		ret = -EINVAL;
	} else {
		ret = config_parse(text, path, out, err, err_len);
	}
	free(text);
	return ret;
}

const struct policy_params *config_policy_for(const struct daemon_config *c,
					      const char *cgroup_path)
{
	struct policy_subject s = {.cgroup = cgroup_path};
	const struct cgroup_override *untold;

	return config_policy_select(c, &s, &untold);
}

/* Does @o match @s? 1 yes, 0 no, -1 cannot tell (names unknown). */
static int override_matches(const struct cgroup_override *o, const struct policy_subject *s)
{
	const struct container_names *n = s->names;
	char pod[PROTECT_POD_MAX + 2];

	switch (o->kind) {
	case OVERRIDE_CGROUP:
		return s->cgroup && !fnmatch(o->pattern, s->cgroup, 0);
	case OVERRIDE_POD:
		if (s->names_unknown)
			return -1;
		if (!n || !n->pod[0]) /* only a Kubernetes container has a pod */
			return 0;
		snprintf(pod, sizeof(pod), "%s/%s", n->pod_namespace, n->pod);
		return !fnmatch(o->pattern, pod, FNM_PATHNAME);
	case OVERRIDE_CONTAINER:
		if (s->names_unknown)
			return -1;
		return n && n->container[0] && !fnmatch(o->pattern, n->container, 0);
	}
	return 0;
}

const struct policy_params *config_policy_select(const struct daemon_config *c,
						 const struct policy_subject *s,
						 const struct cgroup_override **untold)
{
	*untold = NULL;
	for (size_t i = 0; i < c->nr_overrides; i++) {
		int m = override_matches(&c->overrides[i], s);

		if (m > 0)
			return &c->overrides[i].params;
		if (m < 0 && !*untold)
			*untold = &c->overrides[i];
	}
	return &c->policy;
}

bool config_hold_off(const struct cgroup_override *untold, struct decision *dec)
{
	bool acts = dec->action == ACTION_QUARANTINE || dec->action == ACTION_RECLAIM ||
		    dec->action == ACTION_TERM ||
		    dec->action == ACTION_KILL; /* a release only undoes */

	if (!acts || !untold)
		return false;
	dec->action = ACTION_ALERT;
	dec->reason = "names unknown";
	snprintf(dec->detail, sizeof(dec->detail),
		 "container names unreadable: [%s \"%.64s\"] (line %u) cannot tell, held off",
		 override_kind_name(untold->kind), untold->pattern, untold->line);
	return true;
}
