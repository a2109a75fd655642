// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests: load-time calibration picks each part's form by trying, with a fake kernel.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/calibrate.h"
#include "unit.h"

/* A fake kernel: which forms of which parts it accepts, and what it was asked. */
struct fake_kernel {
	bool fast_ok[4], safe_ok[4];
	int loads, unloads;
	bool loaded;
};

static int fake_load(void *ctx, const struct calib_part *parts, size_t nr)
{
	struct fake_kernel *k = ctx;

	k->loads++;
	for (size_t i = 0; i < nr; i++) {
		if (parts[i].form == FORM_FAST && !k->fast_ok[i])
			return -EACCES;
		if (parts[i].form == FORM_SAFE && !k->safe_ok[i])
			return -EPERM;
	}
	k->loaded = true;
	return 0;
}

static void fake_unload(void *ctx)
{
	struct fake_kernel *k = ctx;

	k->unloads++;
	k->loaded = false;
}

static void init_parts(struct calib_part *parts)
{
	static const char *const names[] = {"a", "b", "c"};

	for (int i = 0; i < 3; i++)
		parts[i] = (struct calib_part){.name = names[i], .has_safe = i != 2};
}

UNIT_TEST(lenient_kernel_one_load)
{
	struct fake_kernel k = {.fast_ok = {true, true, true}, .safe_ok = {true, true, true}};
	struct calib_part parts[3];

	unsetenv("PORTWARDEN_BPF");
	unsetenv("PORTWARDEN_TEST_REFUSE");
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, NULL), 0);
	ASSERT_EQ_INT(k.loads, 1);
	ASSERT_TRUE(k.loaded);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ_INT(parts[i].form, FORM_FAST);
}

UNIT_TEST(strict_kernel_safe_where_fast_refused)
{
	/* part a's fast form is refused, its safe form loads; c has no safe form and is refused */
	struct fake_kernel k = {.fast_ok = {false, true, false}, .safe_ok = {true, true, false}};
	struct calib_part parts[3];

	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, NULL), 0);
	ASSERT_EQ_INT(parts[0].form, FORM_SAFE);
	ASSERT_EQ_INT(parts[0].fast_err, -EACCES);
	ASSERT_EQ_INT(parts[1].form, FORM_FAST);
	ASSERT_EQ_INT(parts[2].form, FORM_REFUSED);
	ASSERT_TRUE(k.loaded);
	/* every trial that loaded was unloaded; the final load stays */
	ASSERT_EQ_INT(k.unloads, 2);
}

UNIT_TEST(one_fast_form_refused_found_by_switching)
{
	/* this kernel (6.18.44): one part's fast form refused; the rest load fast */
	struct fake_kernel k = {.fast_ok = {true, false, true}, .safe_ok = {true, true, false}};
	struct calib_part parts[3];
	const struct calib_verdict *v;

	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, NULL), 0);
	/* all fast (refused), then a switched alone (refused), then b (loads) */
	ASSERT_EQ_INT(k.loads, 3);
	ASSERT_EQ_INT(k.unloads, 0);
	ASSERT_TRUE(k.loaded);
	ASSERT_EQ_INT(parts[0].form, FORM_FAST); /* switched back: not the one refused */
	ASSERT_EQ_INT(parts[1].form, FORM_SAFE);
	ASSERT_EQ_INT(parts[1].fast_err, -EACCES);
	ASSERT_EQ_INT(parts[2].form, FORM_FAST);
	v = calib_verdict_at(1);
	ASSERT_TRUE(v != NULL);
	ASSERT_EQ_STR(v->verdict, "safe");
	ASSERT_EQ_STR(v->detail, "the fast form was refused (Permission denied)");
}

UNIT_TEST(two_fast_forms_refused_each_part_tried)
{
	/* no single switch loads: each part alone, as before */
	struct fake_kernel k = {.fast_ok = {false, false, true}, .safe_ok = {true, true, true}};
	struct calib_part parts[3];

	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, NULL), 0);
	ASSERT_TRUE(k.loaded);
	ASSERT_EQ_INT(parts[0].form, FORM_SAFE);
	ASSERT_EQ_INT(parts[1].form, FORM_SAFE);
	ASSERT_EQ_INT(parts[2].form, FORM_FAST);
	/* 1 + 2 switches + a (fast, safe) + b (fast, safe) + c + the final load */
	ASSERT_EQ_INT(k.loads, 9);
}

UNIT_TEST(forced_safe_and_test_refusals)
{
	struct fake_kernel k = {.fast_ok = {true, true, true}, .safe_ok = {true, true, true}};
	struct calib_part parts[3];
	const struct calib_verdict *v;

	setenv("PORTWARDEN_BPF", "safe", 1);
	setenv("PORTWARDEN_TEST_REFUSE", "x,b", 1);
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, NULL), 0);
	ASSERT_EQ_INT(k.loads, 1);
	ASSERT_EQ_INT(parts[0].form, FORM_SAFE);
	ASSERT_EQ_INT(parts[1].form, FORM_REFUSED);
	ASSERT_EQ_INT(parts[2].form, FORM_FAST); /* no safe form: fast it is */
	v = calib_verdict_at(1);
	ASSERT_TRUE(v != NULL);
	ASSERT_EQ_STR(v->what, "b");
	ASSERT_EQ_STR(v->verdict, "refused");
	ASSERT_EQ_STR(v->detail, "PORTWARDEN_TEST_REFUSE");
	unsetenv("PORTWARDEN_BPF");
	unsetenv("PORTWARDEN_TEST_REFUSE");
}

UNIT_TEST(test_refuse_list_matching)
{
	setenv("PORTWARDEN_TEST_REFUSE", "iter/tcp,fexit", 1);
	ASSERT_TRUE(calib_test_refused("iter/tcp"));
	ASSERT_TRUE(calib_test_refused("fexit"));
	ASSERT_TRUE(!calib_test_refused("iter/tc"));
	ASSERT_TRUE(!calib_test_refused("iter/tcpx"));
	setenv("PORTWARDEN_TEST_REFUSE", "all", 1);
	ASSERT_TRUE(calib_test_refused("anything"));
	unsetenv("PORTWARDEN_TEST_REFUSE");
	ASSERT_TRUE(!calib_test_refused("fexit"));
}

UNIT_TEST(env_values)
{
	setenv("PORTWARDEN_BPF", "fast", 1);
	ASSERT_TRUE(calib_env_valid());
	ASSERT_TRUE(!calib_safe_only());
	setenv("PORTWARDEN_BPF", "Safe", 1);
	ASSERT_TRUE(!calib_env_valid());
	unsetenv("PORTWARDEN_BPF");
	ASSERT_TRUE(calib_env_valid());
}

int main(void)
{
	RUN(lenient_kernel_one_load);
	RUN(strict_kernel_safe_where_fast_refused);
	RUN(one_fast_form_refused_found_by_switching);
	RUN(two_fast_forms_refused_each_part_tried);
	RUN(forced_safe_and_test_refusals);
	RUN(test_refuse_list_matching);
	RUN(env_values);
	return UNIT_MAIN_END();
}
