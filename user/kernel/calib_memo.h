/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * What calibration found, remembered for the rest of the boot: a kernel
 * refuses the same forms until it reboots, and finding them again costs a
 * load per refused part, each parsing the kernel's BTF (0.06 s of every
 * command's start where one fast form is refused). The memo is a small
 * root-owned file, one line per object (keyed by the boot id and a hash of
 * the object's bytes, so another build or boot finds nothing); a command
 * that finds its line loads once, in the forms it names, and calibrates
 * again if that load fails. It is only read from, and written to, a
 * directory owned by root (or us) that group and others cannot write to,
 * never through a link: the worst a stale or planted line could do is make
 * that one load fail.
 */
#ifndef PW_CALIB_MEMO_H
#define PW_CALIB_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include "kernel/calibrate.h"

#define CALIB_MEMO_PATH	   "/run/portwarden/calibration"
#define CALIB_MEMO_KEY_LEN 96

struct calib_memo {
	const char *path;
	char key[CALIB_MEMO_KEY_LEN]; /* "v1 BOOT_ID OBJECT HASH" */
};

/* The memo of @object (its ELF bytes @elf, @size long) in file @path. false
 * (no memo) when the boot id cannot be read. */
bool calib_memo_init(struct calib_memo *m, const char *path, const char *object, const void *elf,
		     size_t size);

/* The line for @key and @parts' forms ("KEY fss 13,0,0\n") into @buf: its
 * length, or -ENOSPC. Only fast and safe forms can be written: -EINVAL
 * for a part refused or left out. */
int calib_memo_format(const char *key, const struct calib_part *parts, size_t nr, char *buf,
		      size_t len);
/* The forms (and fast_err) of @parts from @text's line for @key: true when
 * there is one, for exactly @nr parts, each a form its part has. @parts
 * is left as it was otherwise. */
bool calib_memo_parse(const char *text, const char *key, struct calib_part *parts, size_t nr);

/* The file's line for @m, into @parts. */
bool calib_memo_recall(const struct calib_memo *m, struct calib_part *parts, size_t nr);
/* Write @parts' forms as @m's line (other objects' lines of this boot kept). */
void calib_memo_keep(const struct calib_memo *m, const struct calib_part *parts, size_t nr);

#endif /* PW_CALIB_MEMO_H */
