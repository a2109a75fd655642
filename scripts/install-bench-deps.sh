#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Install the Debian packages only the benchmarks need (`make bench`), if any
# are missing: the peers portwarden is compared with (tcpstates and tcplife
# from libbpf-tools, and bpftrace) and perf for looking into the results.
# Kept apart from install-deps.sh so that `make test` does not pull in
# bpftrace's LLVM. Idempotent: apt-get runs only for what is missing.
set -eu

exec "$(dirname "$0")/install-deps.sh" libbpf-tools bpftrace linux-perf
