/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The JSON documents run serves besides /metrics, rendered in the guard's
 * thread from its latest step with the same views as the commands
 * (views/json.c escapes every name): /snapshot (the `snapshot --json`
 * document), /suspects (what the guard classifies and did, schema in
 * README) and /report?seconds=N (the `report --json` document, or its
 * text, over the daemon's own history). serve/ sends them; `report` and
 * `top` attach to them.
 */
#ifndef PW_GUARD_SERVED_H
#define PW_GUARD_SERVED_H

#include <stddef.h>
#include "core/report.h"
#include "guard/guard.h"
#include "serve/metrics_server.h"

#define SUSPECTS_JSON_VERSION 1

/* The `snapshot --json` document of the latest step. 0 or -errno. */
int guard_render_snapshot(struct guard *g, char **text, size_t *len);

/* The /suspects document. 0 or -errno. */
int guard_render_suspects(struct guard *g, char **text, size_t *len);

/* metrics_render_fn for /report: @ctx is the guard. */
void guard_render_report(void *ctx, const struct report_query *q, struct served_answer *a);

/* How much of the last @seconds the daemon's history covers, in ms: from
 * its first sample, at most @seconds. */
uint64_t guard_covered_ms(const struct guard *g, unsigned int seconds);
/* The report of the last @covered_ms of the daemon's history, with its
 * pools over time (no actions: the caller adds them). 0 or -ENOMEM. */
int guard_build_report(struct guard *g, uint64_t covered_ms, struct report *r);

#endif /* PW_GUARD_SERVED_H */
