/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The top screen, the only user of curses.h: it draws a top_model and turns
 * keys into commands, owning only what is on screen (selection, scrolling,
 * the text being typed, prompts) while data and actions stay the caller's.
 */
#ifndef PW_TUI_H
#define PW_TUI_H

#include <stdbool.h>
#include <stdint.h>
#include "core/top_detail.h"
#include "core/top_model.h"

#define TUI_NO_KEY (-1)

enum tui_command_kind {
	TUI_CMD_NONE = 0, /* nothing for the caller: a move, help, a resize, no key */
	TUI_CMD_QUIT,
	TUI_CMD_SORT,	     /* by .column, .reverse */
	TUI_CMD_FILTER,	     /* .filter is the new text ("" clears it) */
	TUI_CMD_FLAT,	     /* toggle the flat per-process view */
	TUI_CMD_EXPAND,	     /* show the processes of cgroup .group */
	TUI_CMD_COLLAPSE,    /* hide them */
	TUI_CMD_KILL_ASK,    /* .tgid of .group, .signal: bind it, then tui_confirm_kill() */
	TUI_CMD_KILL,	     /* confirmed: send .signal to the bound process */
	TUI_CMD_KILL_CANCEL, /* not confirmed: let it go */
};

struct tui_command {
	enum tui_command_kind kind;
	enum top_column column;
	bool reverse;
	char filter[TOP_FILTER_LEN];
	struct group_key group;
	uint32_t tgid;
	int signal;
};

/* What the kill confirmation shows; raw names, escaped by the screen. */
struct tui_kill_prompt {
	uint32_t pid;
	const char *comm;
	const char *cgroup;
	const char *class_name;
	int signal;
};

struct tui;

/*
 * Take over the terminal (stdin, stdout): alternate screen, no echo, keys
 * unbuffered; colours when @colour and the terminal has them; charts in
 * Unicode blocks when @utf8 (the locale's charset), else ASCII. NULL with
 * errno set when the terminal cannot be driven (unknown TERM).
 */
struct tui *tui_init(bool colour, bool utf8);
/* Give the terminal back as it was; NULL is ignored. */
void tui_fini(struct tui *t);

/* Builds the detail of line @l of @m (the caller has the frame's input). */
typedef void (*tui_detail_fn)(void *ctx, const struct top_model *m, const struct top_line *l,
			      struct top_detail *out);

/* Where the detail pane (d, or Enter on a process row) comes from. */
void tui_set_detail(struct tui *t, tui_detail_fn fn, void *ctx);

/* Draw @m, which must stay valid until the next draw: keys act on it. */
void tui_draw(struct tui *t, const struct top_model *m);

/* Wait up to @timeout_ms for a key; TUI_NO_KEY when none came. */
int tui_next_key(struct tui *t, int timeout_ms);

/* What @key asks of the caller, after moving the selection or switching
 * prompts on the screen itself. */
struct tui_command tui_handle_key(struct tui *t, int key);

/* A one-line message under the table until the next key (results, refusals). */
void tui_status(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ask the user to confirm a kill: the next key answers (TUI_CMD_KILL or _CANCEL). */
void tui_confirm_kill(struct tui *t, const struct tui_kill_prompt *p);

#endif /* PW_TUI_H */
