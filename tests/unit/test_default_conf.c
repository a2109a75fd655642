// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The packaged default config, scripts/portwarden.conf (/etc/portwarden/portwarden.conf):
// it parses as it is, each commented key is a real key whose value is the built-in
// default, every key of [daemon], [policy] and [breakers] is there, and the commented
// examples parse too (uncommenting one is never a config error at start).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/config.h"
#include "unit.h"

#define FAIL_WITH(...)                                       \
	do {                                                 \
		unit_fail(__FILE__, __LINE__, __VA_ARGS__); \
		return;                                      \
	} while (0)

/* The part of @a that differs from @b, or NULL (both start from
 * config_defaults(), which zeroes the padding too). */
static const char *differs(const struct daemon_config *a, const struct daemon_config *b)
{
	if (a->interval_ms != b->interval_ms || a->watch_ms != b->watch_ms)
		return "[daemon] interval or watch";
	if (memcmp(&a->surge, &b->surge, sizeof(a->surge)))
		return "[daemon] surge_time";
	if (memcmp(&a->classify, &b->classify, sizeof(a->classify)))
		return "[daemon] window";
	if (memcmp(&a->policy, &b->policy, sizeof(a->policy)))
		return "[policy]";
	if (memcmp(&a->breakers, &b->breakers, sizeof(a->breakers)))
		return "[breakers]";
	if (memcmp(&a->protect, &b->protect, sizeof(a->protect)))
		return "[protect]";
	if (a->nr_overrides != b->nr_overrides)
		return "overrides";
	return NULL;
}

/* The file, found from the repository root (scripts/run-tests.sh runs there);
 * PW_DEFAULT_CONF names another (the test's own proof that it can fail). */
static const char *conf_path(void)
{
	const char *p = getenv("PW_DEFAULT_CONF");

	return p && *p ? p : "scripts/portwarden.conf";
}

/* Every key of the sections whose defaults the file lists (user/core/config.c). */

static char text[16384];

static int read_conf(void)
{
	FILE *f = fopen(conf_path(), "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return n == sizeof(text) - 1 ? -1 : 0;
}

/* A commented key ("# key = value") or section ("# [..."), else NULL. */
static const char *commented(const char *line)
{
	if (strncmp(line, "# ", 2))
		return NULL;
	line += 2;
	if (*line == '[')
		return line;
	size_t k = strspn(line, "abcdefghijklmnopqrstuvwxyz_");
	return k && !strncmp(line + k, " = ", 3) ? line : NULL;
}

/* @text with commented keys uncommented: in the default sections only
 * (@examples false), or everywhere, sections included. */
static void uncomment(char *out, size_t size, bool examples)
{
	bool in_defaults = false;
	size_t o = 0;

	for (const char *l = text; *l && o < size - 1;) {
		const char *nl = strchr(l, '\n'), *body = commented(l);
		size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);

		if (*l == '[')
			in_defaults = !strncmp(l, "[daemon]", 8) || !strncmp(l, "[policy]", 8) ||
				      !strncmp(l, "[breakers]", 10);
		if (body && (examples || (in_defaults && *body != '[')))
			len -= body - l, l = body;
		if (o + len >= size)
			len = size - 1 - o;
		memcpy(out + o, l, len);
		o += len;
		l += len;
	}
	out[o] = '\0';
}

UNIT_TEST(test_parses_as_shipped)
{
	struct daemon_config got, want;
	char err[512] = "";

	ASSERT_TRUE(read_conf() == 0);
	config_defaults(&want);
	if (config_load(conf_path(), &got, err, sizeof(err)))
		FAIL_WITH("config_load: %s", err);
	if (differs(&got, &want))
		FAIL_WITH("%s differs from the built-in defaults", differs(&got, &want));
}

UNIT_TEST(test_commented_values_are_the_defaults)
{
	static char on[sizeof(text)];
	struct daemon_config got, want;
	char err[512] = "";

	ASSERT_TRUE(read_conf() == 0);
	uncomment(on, sizeof(on), false);
	config_defaults(&want);
	if (config_parse(on, conf_path(), &got, err, sizeof(err)))
		FAIL_WITH("uncommented defaults: %s", err);
	if (differs(&got, &want))
		FAIL_WITH("uncommented, %s differs from the built-in defaults", differs(&got, &want));
}

UNIT_TEST(test_every_key_listed)
{
	static char on[sizeof(text)];

	ASSERT_TRUE(read_conf() == 0);
	uncomment(on, sizeof(on), false);
	for (size_t i = 0; config_key_name(i); i++) {
		char want[64];
		size_t n = snprintf(want, sizeof(want), "%s = ", config_key_name(i));
		bool found = false;

		for (const char *l = on; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
			if (!strncmp(l, want, n))
				found = true;
		if (!found)
			FAIL_WITH("key %s is not listed with its default", config_key_name(i));
	}
}

UNIT_TEST(test_examples_parse)
{
	static char on[sizeof(text)];
	struct daemon_config got;
	char err[512] = "";

	ASSERT_TRUE(read_conf() == 0);
	uncomment(on, sizeof(on), true);
	if (config_parse(on, conf_path(), &got, err, sizeof(err)))
		FAIL_WITH("uncommented examples: %s", err);
	ASSERT_TRUE(got.nr_overrides == 3);
}

int main(void)
{
	RUN(test_parses_as_shipped);
	RUN(test_commented_values_are_the_defaults);
	RUN(test_every_key_listed);
	RUN(test_examples_parse);
	return UNIT_MAIN_END();
}
