// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// top's k and K: bind the selected process to a pidfd, confirm, signal.
#include <string.h>
#include "cmd/top_kill.h"
#include "core/escape.h"
#include "core/log.h"

static const struct top_process *find_row(const struct top_model *m, const struct top_acted *row)
{
	for (size_t i = 0; i < m->nr_processes; i++) {
		const struct top_process *p = &m->processes[i];

		if (p->tgid == row->tgid && group_key_same(&m->groups[p->group].key, &row->group))
			return p;
	}
	return NULL;
}

void top_kill_cancel(struct top_kill *k)
{
	if (k->bound)
		target_close(&k->target);
	k->bound = false;
}

void top_kill_ask(struct top_kill *k, struct tui *tui, const struct top_model *model,
		  const struct tui_command *cmd)
{
	struct top_acted row = {.tgid = cmd->tgid, .group = cmd->group};
	const struct top_process *p = find_row(model, &row);
	struct tui_kill_prompt prompt;
	enum act_refusal r;

	top_kill_cancel(k);
	if (!p) {
		tui_status(tui, "pid %u left", cmd->tgid);
		return;
	}
	r = target_open((pid_t)cmd->tgid, 0, &k->target);
	if (r != ACT_OK) {
		tui_status(tui, "pid %u: refused: %s", cmd->tgid, act_refusal_name(r));
		return;
	}
	k->bound = true;
	k->row = row;
	prompt = (struct tui_kill_prompt){
		.pid = cmd->tgid,
		.comm = k->target.comm,
		.cgroup = model->groups[p->group].label->place.path, /* as the table shows it */
		.class_name = leak_class_name(p->stats.class),
		.signal = cmd->signal,
	};
	tui_confirm_kill(tui, &prompt);
}

void top_kill_confirm(struct top_kill *k, struct tui *tui, int sig)
{
	char comm[ESCAPE_TERMINAL_BUF_SIZE(PW_COMM_LEN)];
	enum act_refusal r;

	if (!k->bound)
		return;
	r = target_signal(&k->target, sig, false);
	if (r != ACT_OK) {
		tui_status(tui, "pid %u not signalled: refused: %s", k->target.pid,
			   act_refusal_name(r));
	} else {
		k->actions++;
		if (k->nr_acted < TOP_KILL_ACTED_MAX)
			k->acted[k->nr_acted++] = k->row;
		tui_status(tui, "SIG%s sent to pid %u", sigabbrev_np(sig), k->target.pid);
		/* kept, and printed when the terminal is back, as a record */
		escape_terminal(comm, sizeof(comm), k->target.comm, sizeof(k->target.comm));
		pr_info("top: SIG%s sent to pid %u (%s)\n", sigabbrev_np(sig), k->target.pid, comm);
	}
	top_kill_cancel(k);
}
