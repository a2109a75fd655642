/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* run's incident directory: where one report per action is written (HTML
 * and JSON), created 0750 when missing, refused when it is a symbolic link
 * or others could plant files in it; files created exclusively, never
 * through a link; the oldest incidents removed past a limit. */
#ifndef PW_INCIDENT_DIR_H
#define PW_INCIDENT_DIR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define INCIDENT_DIR_DEFAULT "/var/lib/portwarden/incidents"

struct incident_dir {
	int fd;
	bool open; /* false: none (--no-incidents, or refused); a zeroed one is closed */
	const char *path;
};

/*
 * Open (creating it and its missing parents 0750) directory @path. 0, or
 * -ELOOP when it is a symbolic link, -EPERM when others (not its owner root,
 * or anyone through the group or other write bits) could write to it,
 * -ENOTDIR, or another -errno of mkdir/open.
 */
int incident_dir_open(struct incident_dir *d, const char *path);
/* A message for incident_dir_open's errors. */
const char *incident_dir_strerror(int err);

/* Create @name (a plain name, no '/') in @d: O_EXCL, O_NOFOLLOW, 0640.
 * A stream in *@f, or -errno. */
int incident_file_create(const struct incident_dir *d, const char *name, FILE **f);
/* Remove @name from @d (a file that could not be written whole). */
void incident_file_remove(const struct incident_dir *d, const char *name);

/*
 * Keep the newest @keep incidents: files named "incident-*", an incident
 * being every file of one stem (the name before its last '.'); names start
 * with the UTC time, so name order is age order. Returns the files removed,
 * or -errno.
 */
int incident_dir_trim(const struct incident_dir *d, uint32_t keep);

void incident_dir_close(struct incident_dir *d);

#endif /* PW_INCIDENT_DIR_H */
