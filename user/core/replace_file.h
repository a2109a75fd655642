/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Replacing a file atomically, safely in a directory others can write to
 * (/tmp): readers never see half a file, and nobody can make root write
 * through a planted symbolic link. The temporary file gets a random name in
 * the target's directory and is created exclusively (O_CREAT | O_EXCL, which
 * never follows a link, plus O_NOFOLLOW to say so); rename() then replaces
 * the target's directory entry.
 *
 * A target that is itself a symbolic link is replaced by the new file: the
 * link goes, whatever it pointed to is left untouched. That is the safe
 * reading of "write the report to FILE" when someone else may have made FILE.
 */
#ifndef PW_REPLACE_FILE_H
#define PW_REPLACE_FILE_H

#include <limits.h>
#include <stdio.h>

struct replace_file {
	const char *path;  /* the target */
	char tmp[PATH_MAX]; /* the temporary file beside it */
	FILE *f;           /* write here, then replace_file_commit */
};

/*
 * Create the temporary file now, so that a missing or read-only directory,
 * or a target that is a directory, is found before any work is done.
 * Returns 0 or -errno (-EISDIR: @path is a directory; -ENAMETOOLONG).
 */
int replace_file_begin(struct replace_file *rf, const char *path);

/* Flush and sync what was written to rf->f and rename it over the target.
 * Returns 0, or -errno with the temporary file removed. */
int replace_file_commit(struct replace_file *rf);

/* Drop the temporary file (an error, or nothing to write). */
void replace_file_abort(struct replace_file *rf);

#endif /* PW_REPLACE_FILE_H */
