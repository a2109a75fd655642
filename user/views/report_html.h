/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Renders a leak report as one self-contained HTML page: inline CSS and SVG
 * charts, no script, nothing fetched (its Content-Security-Policy forbids it). */
#ifndef PW_REPORT_HTML_H
#define PW_REPORT_HTML_H

#include <stdio.h>
#include "core/report.h"
#include "host/labels.h"

/* @title: the page's heading ("leak report", "incident: kill of pid 42").
 * Untrusted text in it is escaped. Returns 0, or -EIO when a write failed. */
int report_view_html(FILE *out, const struct report *r, const struct labels *l, const char *title);

#endif /* PW_REPORT_HTML_H */
