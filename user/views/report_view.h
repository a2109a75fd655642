/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Renders a leak report as text for people or as one versioned JSON document. */
#ifndef PW_REPORT_VIEW_H
#define PW_REPORT_VIEW_H

#include <stdio.h>
#include "core/report.h"
#include "host/labels.h"

void report_view_text(FILE *out, const struct report *r, const struct labels *l);
/* Returns 0, or -EIO when a write failed (json_finish). */
int report_view_json(FILE *out, const struct report *r, const struct labels *l);

#endif /* PW_REPORT_VIEW_H */
