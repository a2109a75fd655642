// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Refuse early, with a reason, what would otherwise fail deep inside libbpf.
#include <unistd.h>
#include "cmd/cli.h"
#include "cmd/preflight.h"
#include "core/log.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

int preflight_check(void)
{
	if (geteuid() != 0) {
		pr_warn("must run as root (it loads BPF programs and attaches to cgroups)\n");
		return EXIT_USAGE;
	}
	if (access(KERNEL_BTF, R_OK) != 0) {
		pr_warn("this kernel has no BTF at %s (needs CONFIG_DEBUG_INFO_BTF=y)\n",
			KERNEL_BTF);
		return EXIT_USAGE;
	}
	return 0;
}
