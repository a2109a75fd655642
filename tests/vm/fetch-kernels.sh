#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Fetches the guest kernels of tests/vm/kernels.list into a cache, without
# installing them and without touching the host's apt configuration: each
# kernel gets a private apt setup (its own sources list and package lists)
# under the cache, its .debs are downloaded with `apt-get download` (the
# listed package, then the linux-image/binary/base packages it depends on, until
# one holds a vmlinuz), and only the vmlinuz and the kernel config are kept.
#
# usage: tests/vm/fetch-kernels.sh [LABEL...]     (default: every kernel listed)
#
# With a warm cache this does no network access at all. Prints one line per
# kernel on stdout: "LABEL ok PACKAGE VERSION DIR" (the package that held the
# vmlinuz) or "LABEL fail REASON"; exits 1 if
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
	local label suites spec want
	while read -r label suites spec; do
		case $label in '' | '#'*) continue ;; esac
		if [ $# -gt 0 ]; then
			for want; do
				[ "$want" = "$label" ] && echo "$label $suites $spec"
			done
		else
			echo "$label $suites $spec"
		fi
	done <"$here/kernels.list"
	return 0
}

# apt_get and apt_cache: apt with the private setup of the kernel being fetched.
apt_get() { apt-get "${opts[@]}" "$@"; }
apt_cache() { apt-cache "${opts[@]}" "$@"; }

# candidate PKG: the version apt would fetch (empty: none, e.g. a virtual package).
candidate() {
	apt_cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}

# resolve SPEC: the package to start from. A name is itself; a glob (with *)
# is the package of that name pattern with the newest candidate version.
resolve() {
	local spec=$1 name ver best='' bestver=''
	case $spec in *'*'*) ;; *) echo "$spec"; return 0 ;; esac
	for name in $(apt_cache pkgnames "${spec%%\**}" 2>/dev/null); do
		# shellcheck disable=SC2053 # $spec is a glob on purpose
		[[ $name == $spec ]] || continue
		ver=$(candidate "$name")
		[ -n "$ver" ] || continue
		if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$bestver"; then
			best=$name bestver=$ver
		fi
	done
	echo "$best"
}

# kernel_deps DEB: the dependencies of DEB that may hold a kernel or its
# config, one "NAME" or "NAME=VERSION" (for an exact dependency) per line, in
# their order. Every alternative counts ("dracut | ..." is skipped, it is no
# linux-* package). Followed: linux-image-*, linux-binary-*, linux-base-* (the
# metapackages and versioned packages of every layout so far); not followed:
# modules, headers, -dbg and the like, which are large and hold no kernel.
kernel_deps() {
	dpkg-deb -f "$1" Depends 2>/dev/null | tr ',|' '\n' | sed -E 's/^ +//; s/:any//' |
		sed -nE '/-dbg( |$)/d
			s/^(linux-(image|binary|base)-[^ ]+) \(= ([^)]+)\).*/\1=\3/p
			t
			s/^(linux-(image|binary|base)-[^ ]+)( .*)?$/\1/p'
}

# fetch_one LABEL SUITES PACKAGE: into $CACHE/kernels/LABEL; echo the result line.
# PACKAGE (see kernels.list) is followed through its dependencies to the
# package that holds a vmlinuz; a kernel config is taken from whichever
# package on the way holds one (optional: some are gone from the archive).
fetch_one() {
	local label=$1 suites=$2 spec=$3 dest=$CACHE/kernels/$1 apt=$CACHE/apt/$1
	local work suite start dep pkg ver deb files kfile='' cfile='' kpkg='' tried='' missing=''
	local -a queue debs

	if [ -z "${PW_VM_REFRESH:-}" ] && [ -s "$dest/vmlinuz" ] && [ -s "$dest/version" ] &&
		[ "$(cat "$dest/source" 2>/dev/null)" = "$suites $spec" ]; then
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

	if ! apt_get -qq update >"$apt/update.log" 2>&1 ||
		grep -q '^[WE]: Failed' "$apt/update.log"; then
		echo "$label fail apt-get update: $(grep -m1 -E '^(E|W):' "$apt/update.log" || tail -n1 "$apt/update.log")"
		return 1
	fi
	start=$(resolve "$spec")
	if [ -z "$start" ] || [ -z "$(candidate "$start")" ]; then
		echo "$label fail $spec not found in $suites"
		return 1
	fi

	# Breadth first from $start until a vmlinuz (and a config) turn up. The
	# layouts so far: boot/vmlinuz-VER in linux-image-VER (up to 6.18), in
	# linux-binary-VER (6.19), usr/lib/modules/VER/vmlinuz in linux-binary-VER
	# (7.x); the config in boot/ or usr/lib/modules/VER/ of linux-image-VER or
	# linux-base-VER; metapackages depend on linux-base-* and linux-image-*.
	work=$apt/download
	rm -rf "$work"
	mkdir -p "$work/x"
	queue=("$start")
	while [ ${#queue[@]} -gt 0 ] && { [ -z "$kfile" ] || [ -z "$cfile" ]; }; do
		dep=${queue[0]}
		queue=("${queue[@]:1}")
		pkg=${dep%%=*}
		case " $tried " in *" $pkg "*) continue ;; esac
		tried="$tried $pkg"
		rm -f "$work"/*.deb
		if ! (cd "$work" && apt_get -qq download "$dep") >"$apt/download.log" 2>&1; then
			# Gone from the archive (it happens to linux-base-VER): the
			# kernel may still be elsewhere.
			missing="$missing $dep"
			[ "$pkg" != "$start" ] && continue
			echo "$label fail apt-get download $dep: $(tail -n1 "$apt/download.log")"
			return 1
		fi
		debs=("$work"/*.deb)
		deb=${debs[0]}
		[ -f "$deb" ] || { missing="$missing $dep"; continue; }
		# What the package holds, without unpacking modules and all.
		files=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '^\./usr/share/') || true
		if [ -z "$kfile" ]; then
			kfile=$(grep -m1 -E '/vmlinuz(-[^/]+)?$' <<<"$files") || true
			if [ -n "$kfile" ]; then
				kpkg="$pkg $(dpkg-deb -f "$deb" Version)"
				dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" "$kfile"
				kfile=$work/x/$kfile
			fi
		fi
		if [ -z "$cfile" ]; then
			cfile=$(grep -m1 -E '^\./(boot/config-[^/]+|(usr/)?lib/modules/[^/]+/config)$' <<<"$files") || true
			if [ -n "$cfile" ]; then
				dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" "$cfile"
				cfile=$work/x/$cfile
			fi
		fi
		while read -r dep; do
			[ -n "$dep" ] && queue+=("$dep")
		done < <(kernel_deps "$deb")
	done
	rm -f "$work"/*.deb
	if [ -z "$kfile" ]; then
		echo "$label fail no vmlinuz in $start or its dependencies (looked in:$tried${missing:+; not in the archive:$missing})"
		return 1
	fi
	[ -n "$cfile" ] || echo "fetch-kernels.sh: $label: no kernel config in$tried${missing:+ (not in the archive:$missing)}" >&2

	rm -rf "$dest.new"
	mkdir -p "$dest.new"
	cp "$kfile" "$dest.new/vmlinuz"
	[ -z "$cfile" ] || cp "$cfile" "$dest.new/config"
	echo "$kpkg" >"$dest.new/version"
	echo "$suites $spec" >"$dest.new/source"
	rm -rf "$dest"
	mv "$dest.new" "$dest"
	# The package lists (about 20 MB) and the .debs are not needed any more.
	rm -rf "$apt"
	echo "$label ok $kpkg $dest"
}

mkdir -p "$CACHE/kernels" "$CACHE/apt" 2>/dev/null ||
	{ echo "fetch-kernels.sh: cannot create $CACHE" >&2; exit 1; }
lines=$(kernel_lines "$@")
[ -n "$lines" ] || { echo "fetch-kernels.sh: no such kernel in kernels.list: $*" >&2; exit 1; }

# One fetcher at a time per cache; a second waits for the first.
exec 9>"$CACHE/.lock"
flock 9

rc=0
while read -r label suites spec; do
	fetch_one "$label" "$suites" "$spec" || rc=1
done <<<"$lines"
exit "$rc"
