/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* How the event path hooks the kernel: the modes --mode picks from. */
#ifndef PW_MODES_H
#define PW_MODES_H

enum trace_mode {
	MODE_AUTO = 0, /* fexit where the kernel allows it, else state */
	MODE_STATE,    /* state tracepoint + cgroup hooks: no cost on unrelated syscalls */
	MODE_SYSCALL,  /* + syscall exit tracepoints: every syscall pays */
	MODE_FEXIT,    /* + fexit on the port allocators: no syscall cost, needs fexit */
};

/* "auto", "state", "syscall", "fexit"; "?" for anything else. */
const char *trace_mode_name(enum trace_mode mode);
/* Returns 0 and sets *@mode for a name trace_mode_name() gives, else -EINVAL. */
int trace_mode_parse(const char *name, enum trace_mode *mode);

#endif /* PW_MODES_H */
