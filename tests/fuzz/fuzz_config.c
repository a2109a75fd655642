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

			FUZZ_ASSERT(memchr(p, '\0', sizeof(cfg->overrides[i].pattern)) != NULL,
				    text, size);
			(void)config_policy_for(cfg, p);
		}
		FUZZ_ASSERT(cfg->interval_ms > 0, text, size);
	}
	free(text);
	free(cfg);
	return 0;
}
