#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Install the Debian packages portwarden needs to build and test, if any are missing.
# Idempotent and quick when everything is present: it asks dpkg first and runs
# apt-get only for what is missing.
# usage: install-deps.sh [PACKAGE...]   (PACKAGEs replace the default list)
set -eu

# build: compiler, BPF toolchain, libraries; test: iproute2 (ip netns), jq (JSON
# assertions), tmux (the top view's screen tests), procps (ps), qemu-system-x86
# and busybox-static (test-kernels.sh boots other kernels with a busybox initramfs);
# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (make sanitize, make
# fuzz), not pulled in by clang itself. libjson-c-dev: the runtimes' config.json and
# containers.json (container names). podman and runc: test-podman-names.sh runs a real
# container (runc, cgroupfs, --network none; no registry). libmicrohttpd-dev: run's
# /metrics server; prometheus (promtool) and curl: the metrics tests check and scrape it.
# libcurl4-openssl-dev: report and top attach to run's socket (serve/daemon_client.c).
# libsystemd-dev: run under systemd (sd_notify READY/STATUS/WATCHDOG, the
# journal's structured audit records; user/host/systemd.c).
# python3-yaml: test-image.sh reads scripts/kubernetes/*.yaml; util-linux (nsenter,
# setpriv) and dpkg (dpkg-deb) are essential, already on any Debian. chromium: test-html.sh
# renders the HTML reports in a real browser (headless: screenshot, console, DOM).
# scdoc: make man turns docs/man/*.scd into roff; man-db, groff-base and bsdextrautils
# (col): test-man.sh renders the pages with man --warnings and groff -ww.
# libseccomp-dev: test-unit.sh's seccomp-exec applies the systemd unit's system-call
# filter; systemd (systemd-analyze, not as PID 1): test-unit.sh verifies the unit.
# make deb and test-deb.sh: dpkg-dev (dpkg-shlibdeps computes Depends), lintian
# (policy check of the .deb), logrotate (the package's rotation file, `logrotate -d`).
# liburing-dev: the sockpass workload connects and closes through io_uring
# (test-budget.sh: the budget's count after io_uring and passed sockets).
packages="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libncurses-dev libjson-c-dev
pkg-config iproute2 jq tmux procps qemu-system-x86 busybox-static libclang-rt-14-dev podman runc
libmicrohttpd-dev prometheus curl libcurl4-openssl-dev python3-yaml scdoc man-db groff-base bsdextrautils
dpkg-dev lintian logrotate libsystemd-dev
libseccomp-dev systemd chromium liburing-dev"
[ $# -eq 0 ] || packages="$*"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "$(basename "$0"): missing packages:$missing; run as root to install them" >&2
	exit 1
fi

echo "$(basename "$0"): installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >/dev/null
