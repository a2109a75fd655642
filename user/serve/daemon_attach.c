// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Attach or say why not: daemon_get() as snapshot, report and top use it. A
// file of its own: the static test-VM build links it with a stand-in
// daemon_get() (tests/vm/no_metrics.c), having no libcurl.
#include <errno.h>
#include <string.h>
#include "core/log.h"
#include "serve/daemon_client.h"

int daemon_attach(const char *path, const char *target, long timeout_s, struct daemon_reply *r,
		  const char *instead)
{
	char why[160] = "";
	int err = daemon_get(path, target, timeout_s, r, why, sizeof(why));

	if (err == -ENOENT) {
		pr_debug("no portwarden run answers at %s: %s\n", path, instead);
	} else if (err == -EPERM) {
		pr_warn("ignoring the socket %s: %s (it must be root's, in a directory only root "
			"can write to); %s\n",
			path, why, instead);
	} else if (err) {
		pr_warn("portwarden run at %s gave no answer to %s (%s); %s\n", path, target,
			why[0] ? why : strerror(-err), instead);
	} else if (r->status != 200) {
		pr_warn("portwarden run at %s gave no answer to %s (HTTP %ld: %.120s); %s\n", path,
			target, r->status, r->body, instead);
		daemon_reply_free(r);
		err = -EIO;
	}
	return err;
}
