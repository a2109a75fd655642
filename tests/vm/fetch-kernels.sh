#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Fetches the guest kernels of tests/vm/kernels.list into a cache, without
# installing them and without touching the host's apt configuration: each
# kernel gets a private apt setup (its own sources list and package lists)
# under the cache, its .deb is downloaded with `apt-get download`, and only
# boot/vmlinuz-* and boot/config-* are kept.
#
# usage: tests/vm/fetch-kernels.sh [LABEL...]     (default: every kernel listed)
#
# With a warm cache this does no network access at all. Prints one line per
# kernel on stdout: "LABEL ok VERSION DIR" or "LABEL fail REASON"; exits 1 if
# any kernel is missing afterwards. Needs root only to write the default cache.
#
# Environment: PW_VM_CACHE (default /var/cache/portwarden-vm), PW_VM_REFRESH=1
# (fetch again even when cached), PW_VM_MIRROR (default http://deb.debian.org).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
CACHE=${PW_VM_CACHE:-/var/cache/portwarden-vm}
MIRROR=${PW_VM_MIRROR:-http://deb.debian.org}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# kernel_lines [LABEL...]: the kernels.list lines selected by label.
kernel_lines() {
	local label suites meta want
	while read -r label suites meta; do
		case $label in '' | '#'*) continue ;; esac
		if [ $# -gt 0 ]; then
			for want; do
				[ "$want" = "$label" ] && echo "$label $suites $meta"
			done
		else
			echo "$label $suites $meta"
		fi
	done <"$here/kernels.list"
	return 0
}

# fetch_one LABEL SUITES METAPACKAGE: into $CACHE/kernels/LABEL; echo the result line.
fetch_one() {
	local label=$1 suites=$2 meta=$3 dest=$CACHE/kernels/$1 apt=$CACHE/apt/$1
	local work suite pkg ver deb
	local -a opts debs

	if [ -z "${PW_VM_REFRESH:-}" ] && [ -s "$dest/vmlinuz" ] && [ -s "$dest/version" ]; then
		echo "$label ok $(cat "$dest/version") $dest"
		return 0
	fi
	if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
		echo "$label fail no apt-get/dpkg-deb"
		return 1
	fi
	[ -r "$KEYRING" ] || { echo "$label fail no $KEYRING (debian-archive-keyring)"; return 1; }

	rm -rf "$apt"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	: >"$apt/sources.list"
	for suite in ${suites//,/ }; do
		case $suite in
		*-security) echo "deb [signed-by=$KEYRING] $MIRROR/debian-security $suite main" ;;
		*) echo "deb [signed-by=$KEYRING] $MIRROR/debian $suite main" ;;
		esac >>"$apt/sources.list"
	done
	# Everything apt writes stays under $apt; the host's sources, lists, caches
	# and preferences are neither read nor changed.
	opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1
		-o APT::Sandbox::User=root -o Acquire::Languages=none -o APT::Get::List-Cleanup=0
		-o Acquire::Retries=2 -o Acquire::http::Timeout=30)

	if ! apt-get "${opts[@]}" -qq update >"$apt/update.log" 2>&1 ||
		grep -q '^[WE]: Failed' "$apt/update.log"; then
		echo "$label fail apt-get update: $(grep -m1 -E '^(E|W):' "$apt/update.log" || tail -n1 "$apt/update.log")"
		return 1
	fi
	# The metapackage depends on exactly one versioned image package.
	pkg=$(apt-cache "${opts[@]}" show --no-all-versions "$meta" 2>/dev/null |
		sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -n 1)
	[ -n "$pkg" ] || { echo "$label fail $meta not found in $suites"; return 1; }

	work=$apt/download
	rm -rf "$work"
	mkdir -p "$work"
	if ! (cd "$work" && apt-get "${opts[@]}" -qq download "$pkg") >"$apt/download.log" 2>&1; then
		echo "$label fail apt-get download $pkg: $(tail -n1 "$apt/download.log")"
		return 1
	fi
	debs=("$work"/*.deb)
	deb=${debs[0]}
	[ -f "$deb" ] || { echo "$label fail no .deb for $pkg"; return 1; }
	ver=$(dpkg-deb -f "$deb" Version)
	# Only /boot: the modules are of no use to a guest without a disk.
	mkdir -p "$work/x"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards './boot/*'
	if ! ls "$work"/x/boot/vmlinuz-* >/dev/null 2>&1; then
		echo "$label fail no boot/vmlinuz-* in $deb"
		return 1
	fi
	rm -rf "$dest.new"
	mkdir -p "$dest.new"
	cp "$work"/x/boot/vmlinuz-* "$dest.new/vmlinuz"
	cp "$work"/x/boot/config-* "$dest.new/config" 2>/dev/null || true
	echo "$pkg $ver" >"$dest.new/version"
	rm -rf "$dest"
	mv "$dest.new" "$dest"
	# The package lists (about 20 MB) and the .deb are not needed any more.
	rm -rf "$apt"
	echo "$label ok $pkg $ver $dest"
}

mkdir -p "$CACHE/kernels" "$CACHE/apt" 2>/dev/null ||
	{ echo "fetch-kernels.sh: cannot create $CACHE" >&2; exit 1; }
lines=$(kernel_lines "$@")
[ -n "$lines" ] || { echo "fetch-kernels.sh: no such kernel in kernels.list: $*" >&2; exit 1; }

# One fetcher at a time per cache; a second waits for the first.
exec 9>"$CACHE/.lock"
flock 9

rc=0
while read -r label suites meta; do
	fetch_one "$label" "$suites" "$meta" || rc=1
done <<<"$lines"
exit "$rc"
