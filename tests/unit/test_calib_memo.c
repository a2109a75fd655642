// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests: calibration's verdicts remembered for the boot (kernel/calib_memo):
// the line read back, refused when malformed; calibrate() loading once with a
// memo, calibrating again when the remembered forms fail, remembering only
// what is worth it, never with the environment choosing forms; a memo in a
// directory others can write to, or a file others can write, not used.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kernel/calib_memo.h"
#include "kernel/calibrate.h"
#include "unit.h"

#define KEY "v1 0b0e1d00-0000-4000-8000-000000000000 sockets 0123456789abcdef"

/* A fake kernel: which forms of which parts it accepts, and the loads asked. */
struct fake_kernel {
	bool fast_ok[3], safe_ok[3];
	int loads;
};

static int fake_load(void *ctx, const struct calib_part *parts, size_t nr)
{
	struct fake_kernel *k = ctx;

	k->loads++;
	for (size_t i = 0; i < nr; i++) {
		if ((parts[i].form == FORM_FAST && !k->fast_ok[i]) ||
		    (parts[i].form == FORM_SAFE && !k->safe_ok[i]))
			return -EACCES;
	}
	return 0;
}

static void fake_unload(void *ctx)
{
	(void)ctx;
}

static void init_parts(struct calib_part *parts)
{
	static const char *const names[] = {"a", "b", "c"};

	for (int i = 0; i < 3; i++)
		parts[i] = (struct calib_part){.name = names[i], .has_safe = i != 2};
}

/* A private directory (ours, 0700) and the memo's path in it; no
 * environment choosing the forms. */
static void memo_in_tmp(char dir[64], char path[96], struct calib_memo *m)
{
	unsetenv("PORTWARDEN_BPF");
	unsetenv("PORTWARDEN_TEST_REFUSE");
	snprintf(dir, 64, "/tmp/pw-memo.XXXXXX");
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, 96, "%s/calibration", dir);
	ASSERT_TRUE(calib_memo_init(m, path, "sockets", "elf bytes", 9));
}

static void remove_tmp(const char *dir, const char *path)
{
	unlink(path);
	ASSERT_EQ_INT(rmdir(dir), 0);
}

UNIT_TEST(line_round_trip)
{
	struct calib_part parts[3], back[3];
	char line[256];

	init_parts(parts);
	parts[0].form = FORM_SAFE;
	parts[0].fast_err = -EACCES;
	ASSERT_TRUE(calib_memo_format(KEY, parts, 3, line, sizeof(line)) > 0);
	ASSERT_EQ_STR(line, KEY " sff 13,0,0\n");
	init_parts(back);
	ASSERT_TRUE(calib_memo_parse("v1 other line\n" KEY " sff 13,0,0\n", KEY, back, 3));
	ASSERT_EQ_INT(back[0].form, FORM_SAFE);
	ASSERT_EQ_INT(back[0].fast_err, -EACCES);
	ASSERT_EQ_INT(back[1].form, FORM_FAST);
	ASSERT_EQ_INT(back[2].form, FORM_FAST);
	/* refused and left-out parts are never written */
	parts[1].form = FORM_REFUSED;
	ASSERT_EQ_INT(calib_memo_format(KEY, parts, 3, line, sizeof(line)), -EINVAL);
	ASSERT_EQ_INT(calib_memo_format(KEY, parts, 3, line, 20), -ENOSPC);
}

UNIT_TEST(bad_lines_refused)
{
	static const char *const bad[] = {
		KEY " sf 13,0\n",	  /* two parts, not three */
		KEY " sffs 13,0,0,0\n",	  /* four */
		KEY " ffs 0,0,13\n",	  /* c has no safe form */
		KEY " sfx 13,0,0\n",	  /* not a form */
		KEY " sff 13,0\n",	  /* an errno missing */
		KEY " sff 13,0,0 junk\n", /* more after them */
		KEY " sff -13,0,0\n",	  /* not an errno */
		KEY " sff 99999,0,0\n",	  /* out of range */
		KEY "x sff 13,0,0\n",	  /* another key */
		"",
	};
	struct calib_part parts[3];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		init_parts(parts);
		parts[0].form = FORM_OFF; /* left as it was */
		ASSERT_TRUE(!calib_memo_parse(bad[i], KEY, parts, 3));
		ASSERT_EQ_INT(parts[0].form, FORM_OFF);
	}
}

/* A kernel that refuses a's fast form: 2 loads the first time, the forms
 * remembered; 1 load the next time, the same verdicts (the refusal named
 * as seen earlier this boot). */
UNIT_TEST(second_calibration_loads_once)
{
	struct fake_kernel k = {.fast_ok = {false, true, true}, .safe_ok = {true, true, true}};
	struct calib_part parts[3];
	struct calib_memo m;
	char dir[64], path[96];
	const struct calib_verdict *v;

	memo_in_tmp(dir, path, &m);
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, &m), 0);
	ASSERT_EQ_INT(k.loads, 2);
	ASSERT_EQ_INT(access(path, F_OK), 0);

	k.loads = 0;
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, &m), 0);
	ASSERT_EQ_INT(k.loads, 1);
	ASSERT_EQ_INT(parts[0].form, FORM_SAFE);
	ASSERT_EQ_INT(parts[0].fast_err, -EACCES);
	ASSERT_EQ_INT(parts[1].form, FORM_FAST);
	v = calib_verdict_at(0);
	ASSERT_TRUE(v && !strcmp(v->what, "a") && !strcmp(v->verdict, "safe"));
	ASSERT_EQ_STR(v->detail,
		      "the fast form was refused (Permission denied, earlier this boot)");
	remove_tmp(dir, path);
}

/* Remembered forms that no longer load (a stale or planted line): the
 * calibration runs again and its forms replace the line. */
UNIT_TEST(failed_recall_calibrates_again)
{
	struct fake_kernel k = {.fast_ok = {true, false, true}, .safe_ok = {false, true, true}};
	struct calib_part parts[3];
	struct calib_memo m;
	char dir[64], path[96], line[256];
	FILE *f;

	memo_in_tmp(dir, path, &m);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "%s sff 13,0,0\n", m.key); /* a safe: this kernel refuses it */
	fclose(f);
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, &m), 0);
	ASSERT_EQ_INT(parts[0].form, FORM_FAST);
	ASSERT_EQ_INT(parts[1].form, FORM_SAFE);
	/* the recalled load, all fast, a switched (its safe form refused), b switched */
	ASSERT_EQ_INT(k.loads, 1 + 3);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL && fgets(line, sizeof(line), f));
	fclose(f);
	ASSERT_TRUE(strstr(line, " fsf 0,13,0\n") != NULL);
	remove_tmp(dir, path);
}

/* Nothing worth remembering (every fast form loads), or the environment
 * choosing forms: no file written, none read. */
UNIT_TEST(memo_only_when_worth_it)
{
	struct fake_kernel lenient = {.fast_ok = {true, true, true}, .safe_ok = {true, true, true}};
	struct fake_kernel strict = {.fast_ok = {false, true, true}, .safe_ok = {true, true, true}};
	struct calib_part parts[3];
	struct calib_memo m;
	char dir[64], path[96];

	memo_in_tmp(dir, path, &m);
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &lenient, &m), 0);
	ASSERT_TRUE(access(path, F_OK) != 0);

	setenv("PORTWARDEN_BPF", "safe", 1);
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &strict, &m), 0);
	ASSERT_TRUE(access(path, F_OK) != 0);
	unsetenv("PORTWARDEN_BPF");

	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &strict, &m), 0);
	ASSERT_EQ_INT(access(path, F_OK), 0);
	strict.loads = 0;
	setenv("PORTWARDEN_TEST_REFUSE", "b", 1);
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &strict, &m), 0);
	ASSERT_EQ_INT(parts[1].form, FORM_REFUSED); /* the memo was not read */
	ASSERT_EQ_INT(strict.loads, 2);
	unsetenv("PORTWARDEN_TEST_REFUSE");
	remove_tmp(dir, path);
}

/* A directory group or others can write to, or a file they can: others
 * could have put the line there. Neither read nor written. */
UNIT_TEST(memo_others_can_write_not_used)
{
	struct fake_kernel k = {.fast_ok = {false, true, true}, .safe_ok = {true, true, true}};
	struct calib_part parts[3];
	struct calib_memo m;
	char dir[64], path[96], line[256];
	FILE *f;

	memo_in_tmp(dir, path, &m);
	init_parts(parts);
	parts[0].form = FORM_SAFE;
	parts[0].fast_err = -EACCES;
	ASSERT_TRUE(calib_memo_format(m.key, parts, 3, line, sizeof(line)) > 0);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs(line, f);
	fclose(f);
	init_parts(parts);
	ASSERT_TRUE(calib_memo_recall(&m, parts, 3));

	ASSERT_EQ_INT(chmod(path, 0666), 0);
	init_parts(parts);
	ASSERT_TRUE(!calib_memo_recall(&m, parts, 3));
	ASSERT_EQ_INT(chmod(path, 0644), 0);
	ASSERT_EQ_INT(chmod(dir, 0777), 0);
	ASSERT_TRUE(!calib_memo_recall(&m, parts, 3));
	unlink(path);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, &m), 0);
	ASSERT_TRUE(access(path, F_OK) != 0); /* not written there either */
	ASSERT_EQ_INT(chmod(dir, 0700), 0);
	remove_tmp(dir, path);
}

/* Another object's line of this boot is kept when ours is written; a line
 * of another boot is dropped. */
UNIT_TEST(other_lines_of_the_boot_kept)
{
	struct fake_kernel k = {.fast_ok = {false, true, true}, .safe_ok = {true, true, true}};
	struct calib_part parts[3];
	struct calib_memo m;
	char dir[64], path[96], text[1024], other[128], boot[64];
	size_t n;
	FILE *f;

	memo_in_tmp(dir, path, &m);
	snprintf(boot, sizeof(boot), "%.*s", (int)strcspn(m.key + 3, " "), m.key + 3);
	snprintf(other, sizeof(other), "v1 %s trace fedcba9876543210 s 1\n", boot);
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "%sv1 another-boot sockets 0123456789abcdef sff 13,0,0\n", other);
	fclose(f);
	init_parts(parts);
	ASSERT_EQ_INT(calibrate(parts, 3, fake_load, fake_unload, &k, &m), 0);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	ASSERT_TRUE(strstr(text, other) == text);
	ASSERT_TRUE(strstr(text, "another-boot") == NULL);
	ASSERT_TRUE(strstr(text, m.key) != NULL);
	remove_tmp(dir, path);
}

int main(void)
{
	RUN(line_round_trip);
	RUN(bad_lines_refused);
	RUN(second_calibration_loads_once);
	RUN(failed_recall_calibrates_again);
	RUN(memo_only_when_worth_it);
	RUN(memo_others_can_write_not_used);
	RUN(other_lines_of_the_boot_kept);
	return UNIT_MAIN_END();
}
