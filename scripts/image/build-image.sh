#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Builds a container image of portwarden without a registry: a minimal root
# filesystem made of the Debian 12 packages that hold the libraries the built
# binary links against (the same packages and versions as on this machine),
# the binary at /usr/sbin/portwarden, then `podman import` as IMAGE.
#
# usage: scripts/image/build-image.sh [IMAGE]
#   IMAGE    default localhost/portwarden:VERSION (VERSION from `portwarden --version`)
# Environment: PORTWARDEN (the binary, default ./portwarden), OUTPUT (build dir,
#   default .output; the rootfs and the downloaded .debs are kept under
#   $OUTPUT/image), PW_IMAGE_TAR=FILE (also keep the rootfs tarball there).
#
# Which packages: `ldd` of the binary, each library mapped to its package with
# `dpkg -S`, plus libc6 (the loader) and ncurses-base (terminfo, for `top` in
# `kubectl exec -it`). Each is fetched from Debian's archive with
# `apt-get download PKG=VERSION` (the installed version) and unpacked with
# `dpkg-deb --fsys-tarfile`; when the archive cannot be reached, the installed package's
# own files (`dpkg -L`) are copied instead, and the script says so.
# Needs: podman, dpkg, apt-get, tar (scripts/install-deps.sh installs them).
# The image runs `portwarden run` by default; see README "Deployment".
set -eu

cd "$(dirname "$0")/../.."
BIN=${PORTWARDEN:-./portwarden}
OUTPUT=${OUTPUT:-.output}
case $OUTPUT in /*) ;; *) OUTPUT=$PWD/$OUTPUT ;; esac
WORK=$OUTPUT/image

die() {
	echo "build-image.sh: $*" >&2
	exit 1
}

[ -x "$BIN" ] || die "$BIN not built (run make)"
for c in podman dpkg dpkg-query dpkg-deb apt-get tar ldd; do
	command -v "$c" >/dev/null 2>&1 || die "missing command $c (scripts/install-deps.sh)"
done
VERSION=$("$BIN" --version | awk '{ print $2; exit }')
[ -n "$VERSION" ] || die "cannot read the version of $BIN"
IMAGE=${1:-localhost/portwarden:$VERSION}

# packages: the Debian package (name:arch) of every library the binaries load.
packages() {
	ldd "$BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && NF > 1 { print $1 }' |
		while read -r lib; do
			# dpkg knows the path it installed, which may be the /usr one
			# (merged /usr) or the one the loader printed.
			real=$(readlink -f "$lib")
			dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null ||
				dpkg -S "/usr$lib" 2>/dev/null || die "no package holds $lib"
		done | cut -d' ' -f1 | sed 's/:$//'
	echo "libc6:$(dpkg --print-architecture)"
	echo ncurses-base
}

# cached_deb NAME VERSION: the .deb of NAME at VERSION in $WORK/debs, if there.
cached_deb() {
	find "$WORK/debs" -maxdepth 1 -name "${1}_*.deb" | while read -r f; do
		[ "$(dpkg-deb -f "$f" Package)" = "$1" ] && [ "$(dpkg-deb -f "$f" Version)" = "$2" ] && echo "$f"
	done | head -n 1
}

# unpack PKG ROOT: PKG's files into ROOT, from its .deb when one can be had.
unpack() {
	pkg=$1 root=$2
	version=$(dpkg-query -W -f='${Version}' "$pkg") || die "$pkg is not installed"
	name=${pkg%%:*}
	deb=$(cached_deb "$name" "$version")
	if [ -z "$deb" ]; then
		(cd "$WORK/debs" && apt-get download -q "$name=$version" >/dev/null 2>"$WORK/download.err") || true
		deb=$(cached_deb "$name" "$version")
	fi
	if [ -n "$deb" ]; then
		# Bookworm's packages still hold files under /lib: keep the
		# merged-/usr links instead of turning them into directories.
		dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$root"
		echo "$name $version (deb)"
		return
	fi
	# The archive no longer has that version (a newer one replaced it), or
	# cannot be reached: the installed files of that very version.
	echo "build-image.sh: cannot download $name=$version ($(tail -n 1 "$WORK/download.err")); copying its installed files" >&2
	dpkg -L "$pkg" | while read -r f; do
		if [ -f "$f" ] || [ -L "$f" ]; then
			echo "$f"
		fi
	done | tar -cf - --no-recursion -T - 2>/dev/null | tar -x --keep-directory-symlink -C "$root"
	echo "$name $version (installed files)"
}

rm -rf "$WORK/rootfs"
mkdir -p "$WORK/debs" "$WORK/rootfs"
ROOT=$WORK/rootfs
# Debian 12 is merged-/usr: /lib, /lib64, /bin, /sbin are links into /usr,
# and the loader is found at /lib64/ld-linux-x86-64.so.2 through them.
mkdir -p "$ROOT/usr/lib" "$ROOT/usr/bin" "$ROOT/usr/sbin" "$ROOT/etc" "$ROOT/run/portwarden" \
	"$ROOT/var/log/portwarden" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/tmp"
for d in lib lib64 bin sbin; do
	ln -s "usr/$d" "$ROOT/$d"
done
mkdir -p "$ROOT/usr/lib64"
packages | sort -u >"$WORK/packages"
while read -r pkg; do
	unpack "$pkg" "$ROOT"
done <"$WORK/packages" >"$WORK/contents"
# The packages' docs and manuals are not needed to run.
rm -rf "$ROOT/usr/share/doc" "$ROOT/usr/share/man" "$ROOT/usr/share/lintian" "$ROOT/usr/share/locale"
install -m 0755 "$BIN" "$ROOT/usr/sbin/portwarden"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\n' >"$ROOT/etc/group"
chmod 1777 "$ROOT/tmp"

# The binary must start in its own root: every library it needs is there.
missing=$(ldd "$BIN" | awk '$2 == "=>" { print $1 }' | while read -r so; do
	find "$ROOT/usr/lib" -name "$so" | grep -q . || echo "$so"
done)
[ -z "$missing" ] || die "libraries missing from the image: $missing"

TAR=$WORK/rootfs.tar
tar --numeric-owner --owner=0 --group=0 -C "$ROOT" -cf "$TAR" .
[ -z "${PW_IMAGE_TAR:-}" ] || cp "$TAR" "$PW_IMAGE_TAR"
podman --events-backend file import --quiet \
	--change 'ENTRYPOINT ["/usr/sbin/portwarden"]' \
	--change 'CMD ["run"]' \
	--change "LABEL org.opencontainers.image.version=$VERSION" \
	--change 'LABEL org.opencontainers.image.title=portwarden' \
	"$TAR" "$IMAGE" >/dev/null || die "podman import failed"
echo "built $IMAGE ($(du -sk "$ROOT" | cut -f1) KiB, $(wc -l <"$WORK/contents") packages: $(cut -d' ' -f1 "$WORK/contents" | paste -sd' '))"
