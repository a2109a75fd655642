// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// A pure parser from a cgroup path to the container, pod or systemd unit that owns it.
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "core/container.h"

/* Static pods get the md5 of their manifest as UID: 32 hex digits, no dashes. */
#define STATIC_POD_UID_LEN 32

/* One component of the path, not NUL-terminated: it points into the caller's string. */
struct component {
	const char *name;
	size_t len;
};

/* What the walk remembers about the components it has passed. */
struct walk_state {
	bool under_kubepods;   /* pod<uid> directories of the cgroupfs driver live below this */
	bool parent_is_docker; /* docker's cgroupfs driver names the container "docker/<id>" */
	bool parent_is_pod;    /* so does containerd's, as "pod<uid>/<id>" */
	struct component unit; /* the innermost systemd unit so far; len 0 if none */
};

/* Container scopes are "<prefix><id>.scope"; cgroupfs drivers drop the ".scope". */
static const struct {
	const char *prefix;
	enum container_runtime runtime;
} container_prefixes[] = {
	{"docker-", CONTAINER_DOCKER},
	{"cri-containerd-", CONTAINER_CONTAINERD},
	{"crio-", CONTAINER_CRIO},
	/* conmon monitors container <id>, so its scope is reported as that container */
	{"crio-conmon-", CONTAINER_CRIO},
	{"libpod-", CONTAINER_PODMAN},
	{"libpod-conmon-", CONTAINER_PODMAN},
};

static bool component_is(const struct component *c, const char *name)
{
	return c->len == strlen(name) && memcmp(c->name, name, c->len) == 0;
}

/* Removes @prefix from the front of @c if it is there. */
static bool strip_prefix(struct component *c, const char *prefix)
{
	size_t n = strlen(prefix);

	if (c->len < n || memcmp(c->name, prefix, n) != 0)
		return false;
	c->name += n;
	c->len -= n;
	return true;
}

/* Removes @suffix from the end of @c if it is there. */
static bool strip_suffix(struct component *c, const char *suffix)
{
	size_t n = strlen(suffix);

	if (c->len < n || memcmp(c->name + c->len - n, suffix, n) != 0)
		return false;
	c->len -= n;
	return true;
}

/* Ids and UIDs are written in lower case; anything else was not made by a runtime. */
static bool is_lower_hex_digit(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static bool is_lower_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_lower_hex_digit(s[i]))
			return false;
	return true;
}

static bool is_container_id(const struct component *c)
{
	return c->len == CONTAINER_ID_LEN && is_lower_hex(c->name, c->len);
}

/* Advances *@cursor past the next non-empty component; false at the end of the path. */
static bool next_component(const char **cursor, struct component *c)
{
	const char *s = *cursor + strspn(*cursor, "/");

	if (!*s)
		return false;
	c->name = s;
	c->len = strcspn(s, "/");
	*cursor = s + c->len;
	return true;
}

static void set_container(struct container_id *out, enum container_runtime runtime,
			  const struct component *id)
{
	out->runtime = runtime;
	memcpy(out->id, id->name, CONTAINER_ID_LEN);
	out->id[CONTAINER_ID_LEN] = '\0';
}

/* "docker-<id>.scope", "crio-<id>" and the like. */
static bool match_container_scope(struct component c, struct container_id *out)
{
	size_t i;

	strip_suffix(&c, ".scope");
	for (i = 0; i < sizeof(container_prefixes) / sizeof(container_prefixes[0]); i++) {
		struct component id = c;

		if (strip_prefix(&id, container_prefixes[i].prefix) && is_container_id(&id)) {
			set_container(out, container_prefixes[i].runtime, &id);
			return true;
		}
	}
	return false;
}

/* A bare "<id>" names a container only below a parent that says whose it is. */
static bool match_bare_container(const struct component *c, const struct walk_state *state,
				 struct container_id *out)
{
	if (!is_container_id(c))
		return false;
	if (state->parent_is_docker)
		set_container(out, CONTAINER_DOCKER, c);
	else if (state->parent_is_pod)
		set_container(out, CONTAINER_CONTAINERD, c);
	else
		return false;
	return true;
}

/*
 * Stores @uid in canonical form if it is a pod UID written with @separator between the
 * 8-4-4-4-12 groups, or a static pod's 32 hex digits. @pod_uid is untouched otherwise.
 */
static bool parse_pod_uid(const struct component *uid, char separator,
			  char pod_uid[CONTAINER_POD_UID_LEN + 1])
{
	char canonical[CONTAINER_POD_UID_LEN + 1];
	size_t i;

	if (uid->len == STATIC_POD_UID_LEN && is_lower_hex(uid->name, uid->len)) {
		memcpy(pod_uid, uid->name, uid->len);
		pod_uid[uid->len] = '\0';
		return true;
	}
	if (uid->len != CONTAINER_POD_UID_LEN)
		return false;
	for (i = 0; i < CONTAINER_POD_UID_LEN; i++) {
		bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash_here ? uid->name[i] != separator : !is_lower_hex_digit(uid->name[i]))
			return false;
		canonical[i] = dash_here ? '-' : uid->name[i];
	}
	canonical[CONTAINER_POD_UID_LEN] = '\0';
	memcpy(pod_uid, canonical, sizeof(canonical));
	return true;
}

/*
 * The systemd driver: "kubepods-[burstable-|besteffort-]pod<uid>.slice", with '_' in the
 * UID because '-' separates slice levels. The cgroupfs driver: "pod<uid>" below "kubepods".
 */
static bool match_pod(const struct component *c, const struct walk_state *state,
		      struct container_id *out)
{
	struct component slice = *c, dir = *c;

	if (strip_prefix(&slice, "kubepods-") && strip_suffix(&slice, ".slice")) {
		if (!strip_prefix(&slice, "burstable-"))
			strip_prefix(&slice, "besteffort-");
		return strip_prefix(&slice, "pod") && parse_pod_uid(&slice, '_', out->pod_uid);
	}
	return state->under_kubepods && strip_prefix(&dir, "pod") &&
	       parse_pod_uid(&dir, '-', out->pod_uid);
}

/* Only characters systemd allows in unit names, so anything else is not one of its units. */
static bool is_unit_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr(":-_.\\@", ch));
}

static bool is_systemd_unit(const struct component *c)
{
	struct component stem = *c;
	size_t i;

	if (c->len > CONTAINER_UNIT_MAX)
		return false;
	if (!strip_suffix(&stem, ".service") && !strip_suffix(&stem, ".scope"))
		return false;
	if (stem.len == 0)
		return false;
	for (i = 0; i < stem.len; i++)
		if (!is_unit_name_char(stem.name[i]))
			return false;
	return true;
}

static bool match_container(const struct component *c, const struct walk_state *state,
			    struct container_id *out)
{
	return match_container_scope(*c, out) || match_bare_container(c, state, out);
}

static void walk_component(const struct component *c, struct walk_state *state,
			   struct container_id *out)
{
	bool is_pod = match_pod(c, state, out);

	/* A container's scope is a systemd unit too, but the container is the better answer. */
	if (!is_pod && !match_container(c, state, out) && is_systemd_unit(c))
		state->unit = *c;
	state->under_kubepods = state->under_kubepods || component_is(c, "kubepods");
	state->parent_is_docker = component_is(c, "docker");
	state->parent_is_pod = is_pod;
}

int container_from_cgroup_path(const char *path, struct container_id *out)
{
	struct walk_state state = {0};
	struct component c;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!path || !out)
		return -EINVAL;

	while (next_component(&path, &c))
		walk_component(&c, &state, out);

	/* A unit is the answer only when no container was found around or inside it. */
	if (out->runtime == CONTAINER_NONE && state.unit.len) {
		out->runtime = CONTAINER_SYSTEMD_UNIT;
		memcpy(out->unit, state.unit.name, state.unit.len);
	}
	return 0;
}

const char *container_runtime_name(enum container_runtime r)
{
	switch (r) {
	case CONTAINER_NONE:
		return "none";
	case CONTAINER_DOCKER:
		return "docker";
	case CONTAINER_CONTAINERD:
		return "containerd";
	case CONTAINER_CRIO:
		return "cri-o";
	case CONTAINER_PODMAN:
		return "podman";
	case CONTAINER_SYSTEMD_UNIT:
		return "systemd";
	}
	return "unknown";
}
