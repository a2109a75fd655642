#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Install the Debian packages only the benchmarks need (`make bench`), if any
# are missing: the peers portwarden is compared with (tcpstates and tcplife
# from libbpf-tools, and bpftrace) and perf for looking into the results.
# Kept apart from install-deps.sh so that `make test` does not pull in
# bpftrace's LLVM. Idempotent: apt-get runs only for what is missing.
set -eu

packages="libbpf-tools bpftrace linux-perf"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-bench-deps.sh: missing packages:$missing; run as root to install them" >&2
	exit 1
fi

echo "install-bench-deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
