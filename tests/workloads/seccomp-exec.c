// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Runs a command under a seccomp allow-list, the way systemd applies a unit's
// SystemCallFilter= with SystemCallErrorNumber=EPERM and
// SystemCallArchitectures=native: every listed system call is allowed, any
// other one fails with EPERM (not SIGSYS), a foreign architecture's call kills.
// tests/e2e/test-unit.sh expands the unit's filter into the list, so that the
// whole `run --enforce` ladder is proved under the very filter the unit sets.
//
// usage: seccomp-exec [--log] LIST_FILE CMD [ARG...]
//   LIST_FILE  system call names, one per line; "#" comments and blank lines
//              are skipped, names this architecture lacks (systemd's groups
//              list every architecture's) are counted and skipped
//   --log      log, and allow, what the list does not hold (SCMP_ACT_LOG; the
//              kernel's audit log then names each missing call): to find them
// Prints "seccomp-exec: N allowed, M unknown here" on stderr, then execs CMD.
// Exit 2 on bad usage or an unreadable list, 1 when the filter cannot be
// loaded, 127 when CMD cannot be executed.

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One name per line: strip comments and blanks; add an allow rule for each
 * name this architecture knows. */
static int add_names(scmp_filter_ctx ctx, FILE *f, int *allowed, int *unknown)
{
	char line[256], name[128];
	int nr, err;

	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		if (sscanf(line, "%127s", name) != 1)
			continue;
		nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			(*unknown)++;
			continue;
		}
		/* a name listed twice is one rule: libseccomp merges them */
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (err) {
			fprintf(stderr, "seccomp-exec: %s: %s\n", name, strerror(-err));
			return err;
		}
		(*allowed)++;
	}
	return ferror(f) ? -EIO : 0;
}

int main(int argc, char **argv)
{
	bool log_only = false;
	int allowed = 0, unknown = 0, err;
	scmp_filter_ctx ctx;
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "--log")) {
		log_only = true;
		argv++;
		argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: seccomp-exec [--log] LIST_FILE CMD [ARG...]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "seccomp-exec: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	/* systemd's default action for an allow-list with SystemCallErrorNumber=EPERM;
	 * seccomp_init also sets no_new_privs, as systemd does for an unprivileged filter */
	ctx = seccomp_init(log_only ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(EPERM));
	if (!ctx) {
		fprintf(stderr, "seccomp-exec: seccomp_init failed\n");
		fclose(f);
		return 1;
	}
	err = add_names(ctx, f, &allowed, &unknown);
	fclose(f);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err) {
		fprintf(stderr, "seccomp-exec: loading the filter: %s\n", strerror(-err));
		return 1;
	}
	fprintf(stderr, "seccomp-exec: %d allowed, %d unknown here%s\n", allowed, unknown,
		log_only ? ", others logged" : ", others EPERM");
	execvp(argv[2], argv + 2);
	fprintf(stderr, "seccomp-exec: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
