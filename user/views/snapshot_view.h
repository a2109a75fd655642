/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Renders a snapshot as tables for people or as one JSON document. */
#ifndef PW_SNAPSHOT_VIEW_H
#define PW_SNAPSHOT_VIEW_H

#include <stdio.h>
#include "core/snapshot.h"
#include "host/labels.h"

#define SNAPSHOT_JSON_VERSION 1

/* @limit: rows per table at most (0: all). */
void snapshot_view_text(FILE *out, const struct snapshot *s, const struct labels *l,
			size_t limit);
/* Returns 0, or -EIO when a write failed (json_finish). */
int snapshot_view_json(FILE *out, const struct snapshot *s, const struct labels *l);

#endif /* PW_SNAPSHOT_VIEW_H */
