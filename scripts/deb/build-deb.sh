#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# Build the Debian package from this tree (`make deb`): stage `make install`
# (whatever it installs: binary, config, man pages, systemd unit), add Debian's
# policy files, and pack it with dpkg-deb. No debian/ directory at the top: the
# package's own files live here, in scripts/deb/.
# usage: scripts/deb/build-deb.sh
#   env: OUTPUT, MAKE, DEB_MAINTAINER, DEB_REVISION (1), SOURCE_DATE_EPOCH
# Prints the path of the .deb: $OUTPUT/portwarden_VERSION-REVISION_ARCH.deb.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
OUTPUT=${OUTPUT:-.output}
MAKE=${MAKE:-make}
MAINTAINER=${DEB_MAINTAINER:-The portwarden authors <portwarden@example.org>}

die() {
	echo "build-deb.sh: $*" >&2
	exit 1
}

# No fakeroot: --root-owner-group makes every file root's in the archive.
for tool in dpkg-deb dpkg-shlibdeps strip; do
	command -v "$tool" >/dev/null || die "$tool missing (scripts/install-deps.sh installs it)"
done

mkdir -p "$OUTPUT"
out=$(cd "$OUTPUT" && pwd)
stage=$(mktemp -d "$out/deb-stage.XXXXXX")
work=$(mktemp -d "$out/deb-work.XXXXXX")
trap 'rm -rf "$stage" "$work"' EXIT
chmod 0755 "$stage"

# Everything `make install` installs, where a Debian system has it, built with
# Debian's flags (dpkg-buildflags, every hardening feature: stack protector,
# _FORTIFY_SOURCE, relro and bindnow, PIE) in a tree of its own, so that
# ./portwarden and the tests' objects keep the plain build's flags.
flag() { DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get "$1"; }
build=$out/deb-build
$MAKE -s install OUTPUT="$build" APP="$build/portwarden" \
	CFLAGS="$(flag CFLAGS)" EXTRA_CFLAGS="$(flag CPPFLAGS)" LDFLAGS="$(flag LDFLAGS)" \
	DESTDIR="$stage" prefix=/usr bindir=/usr/sbin sysconfdir=/etc >/dev/null
bin=$stage/usr/sbin/portwarden
[ -x "$bin" ] || die "make install put no $bin"

version=$("$bin" --version | sed -n 's/^portwarden //p')
case $version in
[0-9]*) ;;
*) die "cannot read the version from $bin --version: '$version'" ;;
esac
# A Debian revision: the package is not native (its source is not Debian's),
# so its changelog is changelog.Debian.gz as policy 12.7 wants.
version=$version-${DEB_REVISION:-1}
arch=$(dpkg --print-architecture)

# Debian ships binaries stripped (dh_strip); the build's -g stays in ./portwarden.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$bin"

# The audit log's rotation (a conffile like the config).
install -D -m 0644 "$here/portwarden.logrotate" "$stage/etc/logrotate.d/portwarden"

# Policy: copyright, changelog.Debian.gz, man pages gzipped (-n: no name or
# time stamp in the gzip header, so a rebuild is byte-identical).
doc=$stage/usr/share/doc/portwarden
install -d -m 0755 "$doc"
cp "$here/copyright" "$doc/copyright"
chmod 0644 "$doc/copyright"
# The date of the last commit (reproducible), else SOURCE_DATE_EPOCH, else now.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
{
	printf 'portwarden (%s) unstable; urgency=medium\n\n' "$version"
	printf '  * Built from the portwarden source tree (%s).\n\n' \
		"$(git -C "$root" describe --always --dirty 2>/dev/null || echo 'no git')"
	printf ' -- %s  %s\n' "$MAINTAINER" "$(LC_ALL=C date -u -R -d "@$epoch")"
} | gzip -9n >"$doc/changelog.Debian.gz"
chmod 0644 "$doc/changelog.Debian.gz"
if [ -d "$stage/usr/share/man" ]; then
	find "$stage/usr/share/man" -type f ! -name '*.gz' -exec gzip -9n {} +
fi
# Files 0644 and directories 0755 unless executable (the umask of the build
# must not leak into the package).
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f ! -perm -u+x -exec chmod 0644 {} +

# Depends: the library packages of the binary's shared libraries, by
# dpkg-shlibdeps (which wants a debian/control in its working directory).
mkdir -p "$work/debian"
printf 'Source: portwarden\n\nPackage: portwarden\nArchitecture: any\n' >"$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -e"$bin" 2>"$work/shlibdeps.err" |
	sed -n 's/^shlibs:Depends=//p') || true
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies: $(cat "$work/shlibdeps.err")"

# DEBIAN/: control, conffiles (every file under /etc), md5sums (not of the
# conffiles: dpkg keeps theirs), maintainer scripts.
install -d -m 0755 "$stage/DEBIAN"
size=$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$MAINTAINER|" \
	-e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" \
	"$here/control.in" >"$stage/DEBIAN/control"
(cd "$stage" && find etc -type f | sort | sed 's|^|/|') >"$stage/DEBIAN/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print |
	sed 's|^\./||' | LC_ALL=C sort | xargs -r md5sum) >"$stage/DEBIAN/md5sums"
for s in postinst prerm postrm; do
	install -m 0755 "$here/$s" "$stage/DEBIAN/$s"
done
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

deb=$OUTPUT/portwarden_${version}_${arch}.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --build --root-owner-group -Zxz "$stage" "$deb" >/dev/null
echo "$deb"
