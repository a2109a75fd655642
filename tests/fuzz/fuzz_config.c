// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the configuration parser (core/config.c): any text is accepted or
// refused with a message, never crashes; the message is terminal-safe (it
// quotes the file's bytes); an accepted file gives sane values.
#include <errno.h>
#include "core/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config *cfg = malloc(sizeof(*cfg));
	char *text = fuzz_strdup(data, size), err[512];
	int ret;

	if (!cfg)
		abort();
	err[0] = '\0';
	ret = config_parse(text, "fuzz.conf", cfg, err, sizeof(err));
	if (ret) {
		FUZZ_ASSERT(ret == -EINVAL, err, strlen(err));
		FUZZ_ASSERT(!strncmp(err, "fuzz.conf:", 10), err, strlen(err));
		fuzz_check_printable(err, strlen(err));
	} else {
		FUZZ_ASSERT(cfg->nr_overrides <= CONFIG_OVERRIDES_MAX, text, size);
		for (size_t i = 0; i < cfg->nr_overrides; i++) {
			const char *p = cfg->overrides[i].pattern;

			struct container_names n = {0};
			struct policy_subject subj = {.cgroup = p, .names = &n};
			const struct cgroup_override *untold;

			FUZZ_ASSERT(memchr(p, '\0', sizeof(cfg->overrides[i].pattern)) != NULL,
				    text, size);
			(void)config_policy_for(cfg, p);
			/* the pattern as every name too; and with the names unknown,
			 * an untold section is one of the file's names sections */
			snprintf(n.pod_namespace, sizeof(n.pod_namespace), "%s", p);
			snprintf(n.pod, sizeof(n.pod), "%s", p);
			snprintf(n.container, sizeof(n.container), "%s", p);
			(void)config_policy_select(cfg, &subj, &untold);
			FUZZ_ASSERT(!untold, text, size);
			subj.names_unknown = true;
			(void)config_policy_select(cfg, &subj, &untold);
			FUZZ_ASSERT(!untold || untold->kind != OVERRIDE_CGROUP, text, size);
		}
		FUZZ_ASSERT(cfg->interval_ms > 0, text, size);
	}
	free(text);
	free(cfg);
	return 0;
}
