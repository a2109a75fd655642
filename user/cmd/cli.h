/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Command-line parsing: argv to one struct env, and nothing else. */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include "kernel/modes.h"

#ifndef PW_VERSION
#define PW_VERSION "0.1.0"
#endif

/* Exit statuses, documented in README. */
#define EXIT_RUNTIME 1 /* the kernel or the system failed us */
#define EXIT_USAGE   2 /* bad input: options, permissions, paths */

/* The exit status for a monitor_open() result. */
static inline int monitor_open_status(int err)
{
	return !err ? 0 : err == -ENOENT ? EXIT_USAGE : EXIT_RUNTIME;
}

enum pw_command {
	CMD_NONE = 0,
	CMD_TRACE,
	CMD_SNAPSHOT,
	CMD_REPORT,
	CMD_RUN,
	CMD_TOP,
	CMD_PROBE,
};

/* Which hooks catch port allocation failures; see --help for the costs. */
struct env {
	enum pw_command command;
	bool verbose;
	bool json;
	bool html; /* report: the HTML page (to output) */
	bool failed_only;
	uint32_t pid;		 /* 0: every process */
	const char *cgroup_path; /* NULL: every cgroup */
	enum trace_mode mode;
	uint32_t limit;       /* snapshot: rows per table in text output, 0 = all */
	uint32_t duration_s;  /* report: how long to watch */
	uint32_t interval_s;  /* report: between samples */
	const char *output;   /* report: write here instead of stdout */
	bool enforce;            /* run: act; without it, a dry run */
	const char *config_path; /* run: configuration file */
	const char *log_path;    /* run: audit log (JSON lines) */
	const char *metrics_socket; /* run, snapshot, report, top: NULL: METRICS_SOCKET_DEFAULT */
	bool standalone;            /* report, top: never attach to run's socket */
	bool no_socket;             /* run: no metrics unix socket */
	const char *incidents_dir;  /* run: --incidents DIR; NULL: the default */
	bool no_incidents;	    /* run: no incident reports */
	const char *metrics_listen; /* run: TCP ADDR:PORT for /metrics, or NULL */
	uint32_t delay_s;        /* top: between refreshes */
	bool batch;              /* top: plain-text frames, no screen */
	uint32_t frames;         /* top: stop after this many frames; 0: 1 in batch, else never */
};

/* Parse argv into @env. Returns 0 to go on, -1 when --help or --version was
 * printed (exit 0), or EXIT_USAGE after printing why the input is bad. */
int cli_parse(int argc, char **argv, struct env *env);

/* Checked number parsing for the command line's options (the config file's
 * numbers, durations and percentages have their own parsers in core/config.c):
 * the whole string must be a decimal number within [min, max]. Returns 0 or
 * -EINVAL/-ERANGE. */
int cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);


#endif /* PW_CLI_H */
