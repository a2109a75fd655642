// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Load-time calibration: each BPF part's form chosen by trying it here.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "kernel/calib_memo.h"
#include "kernel/calibrate.h"

#define MAX_VERDICTS 32

static struct calib_verdict verdicts[MAX_VERDICTS];
static size_t nr_verdicts;

const char *part_form_name(enum part_form form)
{
	switch (form) {
	case FORM_FAST:
		return "fast";
	case FORM_SAFE:
		return "safe";
	case FORM_REFUSED:
		return "refused";
	default:
		return "off";
	}
}

bool calib_safe_only(void)
{
	const char *v = getenv("PORTWARDEN_BPF");

	return v && strcmp(v, "safe") == 0;
}

bool calib_env_valid(void)
{
	const char *v = getenv("PORTWARDEN_BPF");

	if (!v || !*v || strcmp(v, "safe") == 0 || strcmp(v, "fast") == 0)
		return true;
	pr_warn("PORTWARDEN_BPF must be \"safe\" or \"fast\", not \"%.40s\"\n", v);
	return false;
}

bool calib_test_refused(const char *name)
{
	const char *list = getenv("PORTWARDEN_TEST_REFUSE");
	size_t len = strlen(name);

	for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',') {
		size_t n = strcspn(p, ",");

		if ((n == 3 && strncmp(p, "all", 3) == 0) || (n == len && strncmp(p, name, n) == 0))
			return true;
	}
	return false;
}

void calib_note(const char *what, const char *verdict, const char *detail)
{
	/* a daemon reloads nothing, but a command may load twice: keep the latest */
	size_t i = 0;

	while (i < nr_verdicts && strcmp(verdicts[i].what, what) != 0)
		i++;
	if (i == MAX_VERDICTS)
		return;
	nr_verdicts += i == nr_verdicts;
	snprintf(verdicts[i].what, sizeof(verdicts[i].what), "%s", what);
	snprintf(verdicts[i].verdict, sizeof(verdicts[i].verdict), "%s", verdict);
	snprintf(verdicts[i].detail, sizeof(verdicts[i].detail), "%s", detail ? detail : "");
	pr_debug("calibration: %s: %s%s%s\n", what, verdict, detail ? ": " : "",
		 detail ? detail : "");
}

const struct calib_verdict *calib_verdict_at(size_t i)
{
	return i < nr_verdicts ? &verdicts[i] : NULL;
}

/* The forms to start from: fast, safe when told so, refused when the test
 * switch says. */
static void initial_forms(struct calib_part *parts, size_t nr)
{
	bool safe_only = calib_safe_only();

	for (size_t i = 0; i < nr; i++) {
		parts[i].fast_err = 0;
		if (calib_test_refused(parts[i].name))
			parts[i].form = FORM_REFUSED;
		else
			parts[i].form = safe_only && parts[i].has_safe ? FORM_SAFE : FORM_FAST;
	}
}

/* Load part @i alone in its current form. */
static int load_alone(struct calib_part *parts, size_t nr, size_t i, calib_load_fn load, void *ctx,
		      calib_unload_fn unload)
{
	enum part_form saved[nr];
	int err;

	for (size_t j = 0; j < nr; j++) {
		saved[j] = parts[j].form;
		if (j != i)
			parts[j].form = FORM_OFF;
	}
	err = load(ctx, parts, nr);
	if (!err)
		unload(ctx);
	for (size_t j = 0; j < nr; j++)
		if (j != i)
			parts[j].form = saved[j];
	return err;
}

/* The best form part @i loads in by itself; FORM_REFUSED when none. */
static void find_form(struct calib_part *parts, size_t nr, size_t i, calib_load_fn load, void *ctx,
		      calib_unload_fn unload)
{
	struct calib_part *p = &parts[i];
	int err;

	if (p->form == FORM_REFUSED)
		return;
	err = load_alone(parts, nr, i, load, ctx, unload);
	if (!err)
		return;
	if (p->form == FORM_FAST) {
		p->fast_err = err;
		if (p->has_safe) {
			p->form = FORM_SAFE;
			if (!load_alone(parts, nr, i, load, ctx, unload))
				return;
		}
	}
	p->form = FORM_REFUSED;
}

/* @recalled: the forms came from the memo (the refusal was seen earlier this boot). */
static void note_forms(const struct calib_part *parts, size_t nr, bool recalled)
{
	char detail[96];

	for (size_t i = 0; i < nr; i++) {
		const struct calib_part *p = &parts[i];

		detail[0] = 0;
		if (p->form == FORM_SAFE && p->fast_err)
			snprintf(detail, sizeof(detail), "the fast form was refused (%s%s)",
				 strerror(-p->fast_err), recalled ? ", earlier this boot" : "");
		else if (p->form == FORM_SAFE)
			snprintf(detail, sizeof(detail), "PORTWARDEN_BPF=safe");
		else if (p->form == FORM_REFUSED && calib_test_refused(p->name))
			snprintf(detail, sizeof(detail), "PORTWARDEN_TEST_REFUSE");
		else if (p->form == FORM_REFUSED && p->fast_err)
			snprintf(detail, sizeof(detail), "%s", strerror(-p->fast_err));
		calib_note(p->name, part_form_name(p->form), detail[0] ? detail : NULL);
	}
}

/*
 * After a failed load of everything: one part's fast form switched to its
 * safe form at a time, the rest as they were. A load fails at its first
 * refused program, so when switching part @i alone makes the whole load
 * work, @i's fast form was the one refused (@err, the failed load's error).
 * One load more where a kernel refuses one fast form, where trying each part
 * alone took a load or two per part (each parsing the kernel's BTF again:
 * 0.15 s of every command's start here). Returns 0 with the object loaded,
 * or -ENOENT when no single switch does it (nothing changed).
 */
static int switch_one(struct calib_part *parts, size_t nr, int err, calib_load_fn load, void *ctx)
{
	for (size_t i = 0; i < nr; i++) {
		struct calib_part *p = &parts[i];

		if (p->form != FORM_FAST || !p->has_safe)
			continue;
		p->form = FORM_SAFE;
		if (!load(ctx, parts, nr)) {
			p->fast_err = err;
			return 0;
		}
		p->form = FORM_FAST;
	}
	return -ENOENT;
}

/* The environment chooses forms (PORTWARDEN_BPF, PORTWARDEN_TEST_REFUSE):
 * no memo read or written. */
static bool forms_overridden(void)
{
	const char *bpf = getenv("PORTWARDEN_BPF"), *refuse = getenv("PORTWARDEN_TEST_REFUSE");

	return (bpf && *bpf) || (refuse && *refuse);
}

/* Worth a memo: a fast form was refused (the memo saves finding that
 * again), and nothing is refused outright (a part left out for the whole
 * boot on one failed load would be a loss nobody sees again). */
static bool worth_remembering(const struct calib_part *parts, size_t nr)
{
	bool safe = false;

	for (size_t i = 0; i < nr; i++) {
		if (parts[i].form != FORM_FAST && parts[i].form != FORM_SAFE)
			return false;
		safe |= parts[i].form == FORM_SAFE && parts[i].fast_err;
	}
	return safe;
}

/* The forms @memo remembers, loaded once. 0 with the object loaded, else
 * -ENOENT (none remembered) or the load's error, the forms reset. */
static int load_recalled(struct calib_part *parts, size_t nr, calib_load_fn load, void *ctx,
			 const struct calib_memo *memo)
{
	int err;

	if (!calib_memo_recall(memo, parts, nr))
		return -ENOENT;
	err = load(ctx, parts, nr);
	if (!err) {
		note_forms(parts, nr, true);
		return 0;
	}
	pr_debug("calibration: the forms remembered for this boot failed to load (%s): "
		 "calibrating again\n",
		 strerror(-err));
	initial_forms(parts, nr);
	return err;
}

int calibrate(struct calib_part *parts, size_t nr, calib_load_fn load, calib_unload_fn unload,
	      void *ctx, const struct calib_memo *memo)
{
	int err;

	if (memo && forms_overridden())
		memo = NULL;
	initial_forms(parts, nr);
	if (memo && !load_recalled(parts, nr, load, ctx, memo))
		return 0;
	err = load(ctx, parts, nr);
	if (err && !switch_one(parts, nr, err, load, ctx))
		err = 0;
	if (err) {
		pr_debug("calibration: loading every part at once failed (%s): trying each\n",
			 strerror(-err));
		for (size_t i = 0; i < nr; i++)
			find_form(parts, nr, i, load, ctx, unload);
		err = load(ctx, parts, nr);
	}
	note_forms(parts, nr, false);
	if (!err && memo && worth_remembering(parts, nr))
		calib_memo_keep(memo, parts, nr);
	return err;
}
