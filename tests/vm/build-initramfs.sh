#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Builds the test guest's whole userland as one cpio initramfs: static busybox
# (busybox-static), a static portwarden linked from the objects `make` left in
# $OUTPUT/user/*/ (the same code as ./portwarden, only linked statically against
# libbpf.a, libelf.a and libz.a), static portleak and guardleak (the paced
# leakers of the guard run), static churn (tests/bench/churn.c, for the
# churn-bench plan), the fexit probe and
# tests/vm/guest-init.sh as /init.
#
# usage: tests/vm/build-initramfs.sh [OUT]   (default $OUTPUT/vm/initramfs.cpio)
#
# Run `make` first. Everything it builds goes to $OUTPUT/vm/. Exit status 0;
# 1 with a reason on stderr when an input or tool is missing or a step fails.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
OUTPUT=${OUTPUT:-.output}
case $OUTPUT in /*) ;; *) OUTPUT=$root/$OUTPUT ;; esac
VM=$OUTPUT/vm
out=${1:-$VM/initramfs.cpio}
CC=${CC:-cc}
CLANG=${CLANG:-clang}
LLVM_STRIP=${LLVM_STRIP:-llvm-strip}
BUSYBOX=${BUSYBOX:-/bin/busybox}
arch=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')

die() {
	echo "build-initramfs.sh: $*" >&2
	exit 1
}

# The objects of today's user/LAYER/*.c, as the Makefile links them (a stale
# object of a removed source may still lie in $OUTPUT/user/).
# The metrics server (libmicrohttpd, not linkable statically here) and the
# client report and top attach with (libcurl, the same) are left out for
# tests/vm/no_metrics.c, built below; the guest runs --no-socket, and its
# report and top find no daemon and sample themselves. Nor libsystemd (no
# static archive in Debian): tests/vm/no_systemd.c stands in for
# user/host/systemd.c; the guest has no service manager to notify.
objs=()
for src in user/*/*.c; do
	[ "$src" != user/serve/metrics_server.c ] || continue
	[ "$src" != user/serve/daemon_client.c ] || continue
	[ "$src" != user/host/systemd.c ] || continue
	obj=$OUTPUT/${src%.c}.o
	[ -f "$obj" ] || die "no $obj: run make first"
	objs+=("$obj")
done
[ ${#objs[@]} -gt 0 ] || die "no user/*/*.c"
[ -f "$BUSYBOX" ] || die "no $BUSYBOX (package busybox-static)"
file_out=$("$BUSYBOX" 2>&1 | head -n 1) || true
case $file_out in BusyBox*) ;; *) die "$BUSYBOX is not busybox" ;; esac
if command -v ldd >/dev/null && ldd "$BUSYBOX" 2>&1 | grep -q '=>'; then
	die "$BUSYBOX is dynamically linked: install busybox-static"
fi
command -v "$CLANG" >/dev/null || die "no $CLANG"

mkdir -p "$VM"
libs=$(pkg-config --static --libs libbpf 2>/dev/null) || libs="-lbpf -lelf -lz"
# json-c: the container runtimes' files (core/runtime_names.c)
libs="$libs $(pkg-config --static --libs json-c 2>/dev/null || echo -ljson-c)"
# Only if some object needs curses (the archives are linked only as needed).
for l in ncursesw tinfo; do
	for d in /usr/lib/"$(uname -m)"-linux-gnu /usr/lib; do
		if [ -e "$d/lib$l.a" ]; then
			libs="$libs -l$l"
			break
		fi
	done
done

"$CC" -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Iuser -Ibpf -c -o "$VM/no_metrics.o" tests/vm/no_metrics.c ||
	die "build of tests/vm/no_metrics.c failed"
objs+=("$VM/no_metrics.o")
"$CC" -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Iuser -Ibpf -c -o "$VM/no_systemd.o" tests/vm/no_systemd.c ||
	die "build of tests/vm/no_systemd.c failed"
objs+=("$VM/no_systemd.o")
# shellcheck disable=SC2086 # $libs is a list of flags
"$CC" -static -o "$VM/portwarden" "${objs[@]}" $libs ||
	die "static link of portwarden failed (needs libbpf-dev, libelf-dev, zlib1g-dev)"
"$CC" -static -O2 -std=gnu11 -D_GNU_SOURCE -Wall -o "$VM/portleak" tests/workloads/portleak.c ||
	die "static build of portleak failed"
"$CC" -static -O2 -std=gnu11 -D_GNU_SOURCE -Wall -o "$VM/guardleak" tests/workloads/guardleak.c ||
	die "static build of guardleak failed"
# the churn benchmark's loop, for the churn-bench plan (tests/bench/run.sh vm-churn)
"$CC" -static -O2 -std=gnu11 -D_GNU_SOURCE -Wall -o "$VM/churn" tests/bench/churn.c ||
	die "static build of churn failed"

# fexit probe: BPF object and its libbpf loader.
sys_includes=$("$CLANG" -v -E - </dev/null 2>&1 |
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
# shellcheck disable=SC2086 # $sys_includes is a list of flags
"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -Wall -Ivmlinux/"$arch" $sys_includes \
	-c "$here/fexit_probe.bpf.c" -o "$VM/fexit_probe.bpf.o" || die "fexit_probe.bpf.c failed to build"
"$LLVM_STRIP" -g "$VM/fexit_probe.bpf.o"
# shellcheck disable=SC2086
"$CC" -static -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -o "$VM/fexit_probe" \
	"$here/fexit_probe.c" $libs || die "static link of fexit_probe failed"

# The tree: only what /init uses.
tree=$VM/initramfs.d
rm -rf "$tree"
mkdir -p "$tree"/{bin,dev,proc,sys,tmp,run}
cp "$BUSYBOX" "$tree/bin/busybox"
# /init's interpreter; /init links the other applets itself (400 ln here take seconds).
ln -s busybox "$tree/bin/sh"
strip -o "$tree/bin/portwarden" "$VM/portwarden"
strip -o "$tree/bin/portleak" "$VM/portleak"
strip -o "$tree/bin/guardleak" "$VM/guardleak"
strip -o "$tree/bin/churn" "$VM/churn"
strip -o "$tree/bin/fexit_probe" "$VM/fexit_probe"
cp "$VM/fexit_probe.bpf.o" "$tree/bin/"
cp "$here/guest-init.sh" "$tree/init"
chmod 0755 "$tree/init"
# The kernel's own console device, for the early printk before devtmpfs.
mknod -m 600 "$tree/dev/console" c 5 1 2>/dev/null || true

# newc, owned by root, uncompressed (the kernel unpacks it fastest).
(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc -R 0:0) >"$out.tmp" 2>/dev/null ||
	die "cpio failed"
mv "$out.tmp" "$out"
echo "$out"
