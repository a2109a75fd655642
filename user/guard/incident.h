/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* One incident report per action, written when its result is logged: the
 * report (HTML for people, JSON for programs) of the minutes before the
 * first action on the target until its outcome. */
#ifndef PW_INCIDENT_H
#define PW_INCIDENT_H

#include <stddef.h>
#include "guard/guard.h"

/*
 * Write the incident of @t, whose result reads @outcome, into the guard's
 * incident directory and trim it to its limit. The HTML file's path in
 * @path (for the audit record): 0, or -errno with nothing left behind (a
 * warning says why; no directory: -ENOENT, silently).
 */
int guard_write_incident(struct guard *g, const struct tracked *t, const char *outcome, char *path,
			 size_t path_len);

#endif /* PW_INCIDENT_H */
