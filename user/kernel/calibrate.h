/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * What this kernel lets us load, found by trying, never by version: each
 * part of a BPF object (a program or a group loaded together) in its fast
 * form, or in its safe form where the fast one relies on verifier leniency
 * (direct loads through walked pointers, helpers on them), or not at all.
 * Verdicts are kept for `-v` and `portwarden probe`.
 */
#ifndef PW_CALIBRATE_H
#define PW_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>

enum part_form {
	FORM_FAST = 0,
	FORM_SAFE,    /* probe reads, no helper on a walked pointer */
	FORM_REFUSED, /* neither form loads here: left out */
	FORM_OFF,     /* left out of one trial load */
};

struct calib_part {
	const char *name; /* "iter/task_file", shown to users */
	bool has_safe;	  /* a safe form exists */
	enum part_form form;
	int fast_err; /* -errno of the fast form, when it was refused */
};

/*
 * Load the object with each part in the form @parts gives (FORM_REFUSED and
 * FORM_OFF: not loaded). Returns 0 with the object loaded and kept in @ctx,
 * or -errno with nothing kept.
 */
typedef int (*calib_load_fn)(void *ctx, const struct calib_part *parts, size_t nr);
/* Undo a successful calib_load_fn. */
typedef void (*calib_unload_fn)(void *ctx);

struct calib_memo;

/*
 * Choose every part's form by loading: all fast at once first (one load on
 * most kernels); if that fails, all at once with one part's fast form
 * switched to its safe form, part by part (a kernel that refuses one fast
 * form: two loads or a few); if none of those loads, each part alone, fast
 * then safe, and then all together with the forms that worked. PORTWARDEN_BPF=safe skips the
 * fast forms; PORTWARDEN_TEST_REFUSE refuses the parts it names. Records
 * the verdicts. Returns 0 (the object is loaded, possibly with parts
 * refused; see parts[].form) or the -errno of a failed final load.
 *
 * With @memo (may be NULL; see calib_memo.h), forms remembered this boot
 * are loaded first, once, and forms found with a fast one refused (and
 * none refused outright) are remembered; neither while PORTWARDEN_BPF or
 * PORTWARDEN_TEST_REFUSE is set.
 */
int calibrate(struct calib_part *parts, size_t nr, calib_load_fn load, calib_unload_fn unload,
	      void *ctx, const struct calib_memo *memo);

/* Is @name (a part, or a load attempt's feature) refused by the test switch
 * PORTWARDEN_TEST_REFUSE (a comma-separated list of part names, or "all")? */
bool calib_test_refused(const char *name);

/* PORTWARDEN_BPF=safe: only safe forms. */
bool calib_safe_only(void);

/* Check PORTWARDEN_BPF; false (after saying why) when it holds something
 * other than "safe", "fast" or nothing. */
bool calib_env_valid(void);

/* Record a verdict for the report: @what is a part or feature, @verdict a
 * short word ("fast", "safe", "refused", "yes", "no"), @detail what it
 * means (may be NULL). Also printed with -v. */
void calib_note(const char *what, const char *verdict, const char *detail);

/* The verdicts so far, in order; NULL past the end. */
struct calib_verdict {
	char what[32];
	char verdict[16];
	char detail[160];
};
const struct calib_verdict *calib_verdict_at(size_t i);

const char *part_form_name(enum part_form form);

#endif /* PW_CALIBRATE_H */
