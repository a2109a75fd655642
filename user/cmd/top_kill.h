/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * top's k and K: the selected process is bound to a pidfd when asked about
 * (the actuator refuses pid 1, kernel threads, portwarden and its ancestors
 * already there), and signalled through it once confirmed, after the
 * actuator checked its identity again. Signalled rows are remembered for the
 * screen.
 */
#ifndef PW_TOP_KILL_H
#define PW_TOP_KILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "act/actuator.h"
#include "core/top_model.h"
#include "views/tui.h"

#define TOP_KILL_ACTED_MAX 256

struct top_kill {
	struct target target; /* bound by k or K until confirmed or cancelled */
	struct top_acted row;
	bool bound;
	struct top_acted acted[TOP_KILL_ACTED_MAX]; /* signalled, oldest first */
	size_t nr_acted;
	uint32_t actions;
};

/* k or K on @cmd's row of @model: bind it and show the confirmation. */
void top_kill_ask(struct top_kill *k, struct tui *tui, const struct top_model *model,
		  const struct tui_command *cmd);
/* Confirmed: signal the bound process with @sig, say how it went. */
void top_kill_confirm(struct top_kill *k, struct tui *tui, int sig);
/* Forget the bound process, if any, unsignalled. */
void top_kill_cancel(struct top_kill *k);

#endif /* PW_TOP_KILL_H */
