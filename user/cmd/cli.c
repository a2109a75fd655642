// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Command-line parsing for every subcommand with argp, into struct env.
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cli.h"
#include "core/log.h"
#include "host/incident_dir.h"
#include "serve/metrics_server.h"


/* Long-only options take codes above the ASCII range. */
enum {
	OPT_FAILED = 1000,
	OPT_MODE,
	OPT_JSON,
	OPT_LIMIT,
	OPT_DURATION,
	OPT_INTERVAL,
	OPT_OUTPUT,
	OPT_HTML,
	OPT_USAGE,
	OPT_ENFORCE,
	OPT_CONFIG,
	OPT_LOG,
	OPT_SOCKET,
	OPT_NO_SOCKET,
	OPT_METRICS_LISTEN,
	OPT_INCIDENTS,
	OPT_NO_INCIDENTS,
	OPT_STANDALONE,
};

static const char top_usage[] =
	"Usage: portwarden [--help] [--version] COMMAND [OPTIONS]\n"
	"\n"
	"Find and stop processes that exhaust local TCP/UDP ports.\n"
	"\n"
	"Commands:\n"
	"  trace     stream connect/bind/listen/autobind outcomes\n"
	"  snapshot  what holds local ports now: pools, cgroups, processes\n"
	"  report    watch for a while, then write a per-container leak report\n"
	"  run       the daemon: find runaway leakers and stop them (dry run by default)\n"
	"  top       live view of who holds local ports, per cgroup and process\n"
	"  probe     what this kernel lets portwarden load, part by part\n"
	"\n"
	"Run 'portwarden COMMAND --help' for a command's options.\n";

static const char trace_doc[] =
	"Stream port allocation outcomes: connect, bind, listen and UDP autobind,\n"
	"with the process, the socket's cgroup (container) and the errno.\n"
	"\v"
	"Modes (--mode):\n"
	"  state    the TCP state tracepoint and cgroup socket hooks. Catches TCP\n"
	"           connect EADDRNOTAVAIL (io_uring included) and listen() EADDRINUSE\n"
	"           on port exhaustion, and successful connect/bind/listen. Costs\n"
	"           nothing on unrelated syscalls: only TCP state changes and binds\n"
	"           run a program.\n"
	"  syscall  state, plus syscall enter/exit tracepoints on bind, listen,\n"
	"           connect, sendto, sendmsg and sendmmsg. Also catches bind(0)\n"
	"           EADDRINUSE and UDP autobind EAGAIN (sendto/sendmsg/sendmmsg/\n"
	"           connect). Cost: while attached, EVERY syscall of every process\n"
	"           takes the kernel's slow syscall path (tens of ns each). io_uring\n"
	"           bypasses syscalls, so its bind/UDP failures are not seen.\n"
	"  fexit    state, plus fexit programs on the kernel's port allocators\n"
	"           (inet_csk_get_port, udp_lib_get_port). Catches bind(0) EADDRINUSE\n"
	"           and UDP autobind EAGAIN (io_uring included; UDP connect shows as\n"
	"           autobind) with no cost on unrelated syscalls. Needs a kernel that\n"
	"           allows fexit programs (many refuse them with EPERM).\n"
	"  auto     (default) fexit where the kernel allows it, else state.\n"
	"\n"
	"Examples:\n"
	"  portwarden trace                       every outcome, one line each\n"
	"  portwarden trace --failed              only failed port allocations\n"
	"  portwarden trace --json --mode syscall\n"
	"                                 also bind(0) and UDP failures, as JSON\n"
	"  portwarden trace --cgroup /sys/fs/cgroup/system.slice/nginx.service\n"
	"  portwarden trace --pid 4242\n";

/* Every command has these; common_parse_opt() handles them. */
#define COMMON_OPTIONS                                                                     \
	{"verbose", 'v', NULL, 0, "Debug output, libbpf's included", 0},                    \
	{"help", 'h', NULL, 0, "Show this help", -1},                                       \
	{"usage", OPT_USAGE, NULL, 0, "Show a short usage message", -1},                    \
	{"version", 'V', NULL, 0, "Show the version", -1}

static const struct argp_option trace_options[] = {
	{"json", OPT_JSON, NULL, 0, "One JSON object per line", 0},
	{"failed", OPT_FAILED, NULL, 0, "Only failed port allocations (exhaustion)", 0},
	{"pid", 'p', "PID", 0, "Only this process (tgid)", 0},
	{"cgroup", 'c', "PATH", 0, "Only sockets of this cgroup2 directory and below", 0},
	{"mode", OPT_MODE, "MODE", 0, "auto, state, fexit or syscall (see below)", 0},
	COMMON_OPTIONS,
	{},
};

/* What a parse ended with besides errors: set when help/version were shown. */
struct parse_state {
	struct env *env;
	bool printed_info;
};

int cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	/* a digit first: strtoull would skip any leading space (a tab, a
	 * newline...) and take a sign, so that "\t-1" became a huge number */
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* Print why the input is bad (argp adds the usage line) and fail the parse:
 * with ARGP_NO_EXIT, argp_error() alone would let parsing go on. */
static error_t bad_input(struct argp_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static error_t bad_input(struct argp_state *state, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	argp_error(state, "%s", msg);
	return EINVAL;
}

/* Options every command has: -v, --help, --version, and no arguments. */
static error_t common_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;

	switch (key) {
	case 'v':
		ps->env->verbose = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		ps->printed_info = true;
		break;
	case OPT_MODE: /* only commands that declare --mode get here with it */
		if (trace_mode_parse(arg, &ps->env->mode))
			return bad_input(state,
					 "invalid --mode '%s': expected auto, state, fexit or syscall",
					 arg);
		break;
	case OPT_USAGE: /* argp's error hint points here */
		argp_state_help(state, stdout, ARGP_HELP_USAGE);
		ps->printed_info = true;
		break;
	case 'V':
		printf("portwarden %s\n", PW_VERSION);
		ps->printed_info = true;
		break;
	case ARGP_KEY_ARG:
		return bad_input(state, "unexpected argument '%s'", arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t trace_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct env *env = ps->env;

	switch (key) {
	case OPT_JSON:
		env->json = true;
		break;
	case OPT_FAILED:
		env->failed_only = true;
		break;
	case 'p':
		if (cli_parse_u32(arg, 1, INT_MAX, &env->pid))
			return bad_input(state, "invalid --pid '%s': expected a process id", arg);
		break;
	case 'c':
		if (!*arg)
			return bad_input(state, "invalid --cgroup '%s': expected a cgroup2 path",
					 arg);
		env->cgroup_path = arg;
		break;
	default:
		return common_parse_opt(key, arg, state);
	}
	return 0;
}

static const struct argp trace_argp = {
	.options = trace_options,
	.parser = trace_parse_opt,
	.args_doc = "",
	.doc = trace_doc,
};

/* snapshot, report and top read a running `portwarden run` through its socket. */
#define ATTACH_OPTIONS                                                                       \
	{"socket", OPT_SOCKET, "PATH", 0,                                                    \
	 "Attach to portwarden run's socket (default " METRICS_SOCKET_DEFAULT ")", 0},        \
	{"standalone", OPT_STANDALONE, NULL, 0,                                              \
	 "Never attach: load the programs and sample here", 0}

/* --socket and --standalone, for the commands that attach. */
static error_t attach_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct env *env = ((struct parse_state *)state->input)->env;

	switch (key) {
	case OPT_SOCKET:
		if (arg[0] != '/')
			return bad_input(state, "invalid --socket '%s': expected an absolute path",
					 arg);
		env->metrics_socket = arg;
		return 0;
	case OPT_STANDALONE:
		env->standalone = true;
		return 0;
	default:
		return common_parse_opt(key, arg, state);
	}
}

static const char snapshot_doc[] =
	"Show what holds local ports now, once: port pools (fullest first) with\n"
	"their top holders, then cgroups (containers) and processes, by state.\n"
	"\v"
	"Pools: tcp-connect is one (netns, local IP, remote IP, remote port): connect()\n"
	"draws from it; its capacity is ip_local_port_range minus reserved ports minus\n"
	"ports taken by bind()/listen(). tcp-bind and udp are per netns: bind(0),\n"
	"listen() and UDP autobind draw from them.\n"
	"BBC counts bind-before-connect sockets: connected on a port bind() took.\n"
	"When portwarden run answers on its socket, snapshot shows the snapshot of\n"
	"its last sample at once; --standalone always walks the sockets here.\n"
	"\n"
	"Examples:\n"
	"  portwarden snapshot               tables, 20 rows each\n"
	"  portwarden snapshot --limit 0     every row\n"
	"  portwarden snapshot --json | jq '.pools[0]'\n";

static const struct argp_option snapshot_options[] = {
	{"json", OPT_JSON, NULL, 0, "One JSON document (schema in README)", 0},
	{"limit", OPT_LIMIT, "N", 0, "Rows per table in text output (default 20, 0: all)", 0},
	ATTACH_OPTIONS,
	COMMON_OPTIONS,
	{},
};

static error_t snapshot_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;

	switch (key) {
	case OPT_JSON:
		ps->env->json = true;
		return 0;
	case OPT_LIMIT:
		if (cli_parse_u32(arg, 0, 1000000, &ps->env->limit))
			return bad_input(state, "invalid --limit '%s': expected 0 to 1000000", arg);
		return 0;
	default:
		return attach_parse_opt(key, arg, state);
	}
}

static const struct argp snapshot_argp = {
	.options = snapshot_options,
	.parser = snapshot_parse_opt,
	.args_doc = "",
	.doc = snapshot_doc,
};

static const char report_doc[] =
	"Watch port usage for --duration seconds, sampling every --interval, then\n"
	"write a per-container leak report: what each cgroup holds now and at its\n"
	"peak, each suspect's leak class with evidence (rates, pools, processes),\n"
	"the processes that suffered failed allocations (victims), and the fix.\n"
	"\v"
	"Leak classes: leak (held ports grow and are not released), bind-before-connect,\n"
	"udp-leak, time-wait-churn (advice only: churn is not a leak), close-wait (the\n"
	"peer closed, the application never calls close()), ephemeral-listener.\n"
	"A class is given on a trend held over several samples, never on one sample.\n"
	"When portwarden run answers on its socket, report asks it for its report of\n"
	"the last --duration seconds and prints it at once; --standalone never does.\n"
	"\n"
	"Examples:\n"
	"  portwarden report --duration 120\n"
	"  portwarden report --json --output /var/log/portwarden/report.json\n"
	"  portwarden report --duration 300 --html /tmp/ports.html\n";

static const struct argp_option report_options[] = {
	{"duration", OPT_DURATION, "SEC", 0, "How long to watch (default 60)", 0},
	{"interval", OPT_INTERVAL, "SEC", 0, "Seconds between samples (default 1)", 0},
	{"json", OPT_JSON, NULL, 0, "One JSON document (schema in README)", 0},
	{"output", OPT_OUTPUT, "FILE", 0, "Write the report to FILE (replaced atomically)", 0},
	{"html", OPT_HTML, "FILE", 0,
	 "Write the report to FILE as one self-contained HTML page with charts", 0},
	{"mode", OPT_MODE, "MODE", 0, "auto, state, fexit or syscall (as for trace)", 0},
	ATTACH_OPTIONS,
	COMMON_OPTIONS,
	{},
};

static error_t report_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct env *env = ((struct parse_state *)state->input)->env;

	switch (key) {
	case OPT_DURATION:
		if (cli_parse_u32(arg, 1, 86400, &env->duration_s))
			return bad_input(state, "invalid --duration '%s': expected 1 to 86400",
					 arg);
		return 0;
	case OPT_INTERVAL:
		if (cli_parse_u32(arg, 1, 60, &env->interval_s))
			return bad_input(state, "invalid --interval '%s': expected 1 to 60", arg);
		return 0;
	case OPT_JSON:
		if (env->html)
			return bad_input(state, "--html writes its own file: not with --json");
		env->json = true;
		return 0;
	case OPT_OUTPUT:
		if (!*arg)
			return bad_input(state, "invalid --output '%s': expected a file", arg);
		if (env->html)
			return bad_input(state, "--output and --html name the same file: use one");
		env->output = arg;
		return 0;
	case OPT_HTML:
		if (!*arg)
			return bad_input(state, "invalid --html '%s': expected a file", arg);
		if (env->output || env->json)
			return bad_input(state, "--html writes its own file: not with --output or "
						"--json");
		env->html = true;
		env->output = arg;
		return 0;
	default:
		return attach_parse_opt(key, arg, state);
	}
}

static const struct argp report_argp = {
	.options = report_options,
	.parser = report_parse_opt,
	.args_doc = "",
	.doc = report_doc,
};

static const char run_doc[] =
	"Guard the host: sample port usage every interval, classify each process,\n"
	"and stop a leaker before its pool runs out. Without --enforce it is a dry\n"
	"run that logs what it would do (action \"would_kill\").\n"
	"\v"
	"It acts only on a leak class (never on TIME_WAIT churn or a listener), only\n"
	"when a pool the suspect holds ports in is past the fill threshold or\n"
	"forecast to run out within the horizon, and checks again on fresh data right\n"
	"before acting. Ladder: alert, quarantine (its new sockets are refused), for a\n"
	"CLOSE_WAIT pile a reclaim (its dead sockets destroyed, it lives), SIGTERM,\n"
	"SIGKILL after a grace period; the whole cgroup when the leak is spread over\n"
	"its processes. Never pid 1, kernel threads, portwarden or its ancestors, or\n"
	"protected processes (sshd, init systems, container runtimes, and --config's).\n"
	"Metrics (Prometheus text format) at /metrics on the unix socket\n"
	"" METRICS_SOCKET_DEFAULT " (mode 0600) and, with --metrics-listen, on TCP.\n"
	"Circuit breakers: cooldown, actions per minute, disarm when too many\n"
	"workloads would be hit, crash-loop detection. SIGHUP reloads --config (a bad\n"
	"file is refused and the old one kept) and reopens --log.\n"
	"\n"
	"Examples:\n"
	"  portwarden run --log /var/log/portwarden.jsonl              dry run\n"
	"  portwarden run --enforce --config /etc/portwarden.conf --log /var/log/portwarden.jsonl\n";

static const struct argp_option run_options[] = {
	{"enforce", OPT_ENFORCE, NULL, 0, "Act (default: dry run, log would_kill)", 0},
	{"config", OPT_CONFIG, "FILE", 0, "Configuration file (format in README)", 0},
	{"log", OPT_LOG, "FILE", 0, "Audit log: one JSON object per decision, appended", 0},
	{"cgroup", 'c', "PATH", 0, "Judge only processes in this cgroup2 path and below", 0},
	{"mode", OPT_MODE, "MODE", 0, "auto, state, fexit or syscall (as for trace)", 0},
	{"socket", OPT_SOCKET, "PATH", 0,
	 "Serve /metrics on this unix socket (default " METRICS_SOCKET_DEFAULT ")", 0},
	{"no-socket", OPT_NO_SOCKET, NULL, 0, "No metrics unix socket", 0},
	{"metrics-listen", OPT_METRICS_LISTEN, "ADDR:PORT", 0,
	 "Also serve /metrics on TCP: 127.0.0.1:9477, [::1]:9477", 0},
	{"incidents", OPT_INCIDENTS, "DIR", 0,
	 "Write an incident report (HTML and JSON) per action here (default " INCIDENT_DIR_DEFAULT
	 ")",
	 0},
	{"no-incidents", OPT_NO_INCIDENTS, NULL, 0, "Write no incident reports", 0},
	COMMON_OPTIONS,
	{},
};

static error_t run_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct env *env = ((struct parse_state *)state->input)->env;

	switch (key) {
	case OPT_ENFORCE:
		env->enforce = true;
		return 0;
	case 'c':
		if (!*arg)
			return bad_input(state, "invalid --cgroup '%s': expected a cgroup2 path", arg);
		env->cgroup_path = arg;
		return 0;
	case OPT_CONFIG:
	case OPT_LOG:
		if (!*arg)
			return bad_input(state, "invalid --%s '': expected a file",
					 key == OPT_CONFIG ? "config" : "log");
		*(key == OPT_CONFIG ? &env->config_path : &env->log_path) = arg;
		return 0;
	case OPT_SOCKET:
		if (arg[0] != '/')
			return bad_input(state, "invalid --socket '%s': expected an absolute path "
						"(--no-socket for none)", arg);
		env->metrics_socket = arg;
		return 0;
	case OPT_NO_SOCKET:
		env->no_socket = true;
		return 0;
	case OPT_INCIDENTS:
		if (arg[0] != '/')
			return bad_input(state,
					 "invalid --incidents '%s': expected an absolute "
					 "path (--no-incidents for none)",
					 arg);
		env->incidents_dir = arg;
		return 0;
	case OPT_NO_INCIDENTS:
		env->no_incidents = true;
		return 0;
	case OPT_METRICS_LISTEN: {
		struct sockaddr_storage ss;
		socklen_t len;

		if (metrics_parse_listen(arg, &ss, &len))
			return bad_input(state, "invalid --metrics-listen '%s': expected ADDR:PORT "
						"(127.0.0.1:9477, [::1]:9477)", arg);
		env->metrics_listen = arg;
		return 0;
	}
	default:
		return common_parse_opt(key, arg, state);
	}
}

static const struct argp run_argp = {
	.options = run_options,
	.parser = run_parse_opt,
	.args_doc = "",
	.doc = run_doc,
};

static const char top_doc[] =
	"A live view of who holds local ports: port pools (fullest first), failed\n"
	"allocations per second, then one row per cgroup (container), expandable to\n"
	"its processes: ports by state, growth, failures suffered and leak class.\n"
	"\v"
	"Keys: arrows select, Enter expands a cgroup, < > sort, / filter, p flat view,\n"
	"k or K sends SIGTERM or SIGKILL to the selected process after a confirmation,\n"
	"h help, q quit. top never acts on its own (a dry run).\n"
	"Without a terminal, --batch prints plain-text frames, as top -b does.\n"
	"When portwarden run answers on its socket, top reads its snapshots, classes\n"
	"and actions from it instead of loading programs; --standalone never does.\n"
	"\n"
	"Examples:\n"
	"  portwarden top                      refresh every second\n"
	"  portwarden top -d 5                 every 5 seconds\n"
	"  portwarden top --batch -n 3 -d 2    three text frames, 2 s apart\n";

static const struct argp_option top_options[] = {
	{"delay", 'd', "SEC", 0, "Seconds between refreshes, 1 to 60 (default 1)", 0},
	{"batch", 'b', NULL, 0, "Plain-text frames on stdout instead of the screen", 0},
	{"frames", 'n', "N", 0, "Stop after N frames (default: 1 with --batch, else never)", 0},
	{"mode", OPT_MODE, "MODE", 0, "auto, state, fexit or syscall (as for trace)", 0},
	ATTACH_OPTIONS,
	COMMON_OPTIONS,
	{},
};

static error_t top_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct env *env = ((struct parse_state *)state->input)->env;

	switch (key) {
	case 'd':
		if (cli_parse_u32(arg, 1, 60, &env->delay_s))
			return bad_input(state, "invalid --delay '%s': expected 1 to 60", arg);
		return 0;
	case 'b':
		env->batch = true;
		return 0;
	case 'n':
		if (cli_parse_u32(arg, 1, 1000000, &env->frames))
			return bad_input(state, "invalid --frames '%s': expected 1 to 1000000", arg);
		return 0;
	default:
		return attach_parse_opt(key, arg, state);
	}
}

static const struct argp top_argp = {
	.options = top_options,
	.parser = top_parse_opt,
	.args_doc = "",
	.doc = top_doc,
};

static const char probe_doc[] =
	"Load every BPF part portwarden uses, as `run` would, and say what this\n"
	"kernel allowed: each part's form (fast, or safe where the kernel refuses\n"
	"the fast one), or refused and what is lost then. Loads, attaches nothing\n"
	"for long, and exits.\n"
	"\v"
	"Environment: PORTWARDEN_BPF=safe loads only the safe forms (probe reads).\n"
	"\n"
	"Exit status: 0 when the guard (`run`) can run here, even with parts\n"
	"refused; 1 when it cannot: no state hook, or no way to list sockets.\n";

static const struct argp_option probe_options[] = {
	{"json", OPT_JSON, NULL, 0, "One JSON document (schema in README)", 0},
	COMMON_OPTIONS,
	{},
};

static error_t probe_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;

	if (key == OPT_JSON) {
		ps->env->json = true;
		return 0;
	}
	return common_parse_opt(key, arg, state);
}

static const struct argp probe_argp = {
	.options = probe_options,
	.parser = probe_parse_opt,
	.args_doc = "",
	.doc = probe_doc,
};

struct command {
	const char *name;
	enum pw_command id;
	const struct argp *argp;
};

static const struct command commands[] = {
	{"trace", CMD_TRACE, &trace_argp},
	{"snapshot", CMD_SNAPSHOT, &snapshot_argp},
	{"report", CMD_REPORT, &report_argp},
	{"run", CMD_RUN, &run_argp},
	{"top", CMD_TOP, &top_argp},
	{"probe", CMD_PROBE, &probe_argp},
};

static int parse_command(const struct command *cmd, int argc, char **argv, struct env *env)
{
	struct parse_state ps = {.env = env};
	char prog[64];
	int err;

	/* argp prints "portwarden trace: ..." in its messages */
	snprintf(prog, sizeof(prog), "portwarden %s", cmd->name);
	argv[0] = prog;
	env->command = cmd->id;
	err = argp_parse(cmd->argp, argc, argv, ARGP_NO_EXIT | ARGP_NO_HELP, NULL, &ps);
	if (err)
		return EXIT_USAGE;
	return ps.printed_info ? -1 : 0;
}

int cli_parse(int argc, char **argv, struct env *env)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	memset(env, 0, sizeof(*env));
	env->limit = 20;
	env->duration_s = 60;
	env->interval_s = 1;
	env->delay_s = 1;
	if (!name) {
		pr_warn("no command given\n\n%s", top_usage);
		return EXIT_USAGE;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		fputs(top_usage, stdout);
		return -1;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("portwarden %s\n", PW_VERSION);
		return -1;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(name, commands[i].name))
			return parse_command(&commands[i], argc - 1, argv + 1, env);
	}
	pr_warn("unknown command '%s'\n\n%s", name, top_usage);
	return EXIT_USAGE;
}
