#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The Debian package (README "Packaging"): `make deb` builds it, lintian finds
# no error, it installs into this system, the installed files work, and a
# purge leaves nothing behind. It installs into the real system (a throwaway
# test machine or CI), so it refuses to run where portwarden is installed by
# anyone else, and an EXIT hook purges what it installed whatever happens.
#   deb/build          make deb gives .output/portwarden_VERSION_ARCH.deb holding
#                      every file `make install` installs (man pages gzipped)
#   deb/reproducible   a second make deb gives the same bytes
#   deb/control        Depends from dpkg-shlibdeps (libbpf1 ...), conffiles, md5sums
#   deb/lintian        no error; every warning and info tag is a known one (README)
#   deb/logrotate      `logrotate -d` parses the shipped file
#   deb/install        dpkg -i succeeds; /var/log/portwarden root:adm 0750
#   deb/version        `portwarden` on PATH is /usr/sbin/portwarden, dpkg's file, its version the package's
#   deb/snapshot       the installed binary takes a snapshot (valid JSON)
#   deb/man            man -w portwarden finds the packaged page (SKIP without man pages)
#   deb/systemd        the unit is installed and not enabled by the install (SKIP without a unit)
#   deb/run-config     the installed run starts with the installed config and logs to /var/log/portwarden
#   deb/rotate         the installed logrotate file rotates that log; after SIGHUP run writes the new one
#   deb/conffile-kept  a changed config survives a reinstall and a remove
#   deb/purge          after dpkg --purge every packaged path, /etc/portwarden,
#                      /var/log/portwarden and systemd's state of the unit are gone
set -u # not -e: the checks below report failures themselves
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_root
pw_require_cmd dpkg dpkg-deb dpkg-shlibdeps jq logrotate make
pw_require_cgroup2
pw_require_bpf

# Never touch an installation that is not ours.
if dpkg-query -W -f='${Status}' portwarden 2>/dev/null | grep -qv 'not-installed'; then
	pw_skip "$PW_TEST" "a portwarden package is installed (not by this test): not touching it"
	exit 0
fi
for p in /usr/sbin/portwarden /etc/portwarden /var/log/portwarden /var/lib/portwarden; do
	if [ -e "$p" ]; then
		pw_skip "$PW_TEST" "$p exists outside any package: not touching it"
		exit 0
	fi
done

cd "$PW_ROOT" || exit 1
export OUTPUT=$PW_OUTPUT
if ! deb=$(make -s deb 2>"$PW_TMP/build.err" | tail -n 1) || [ ! -f "$deb" ]; then
	pw_fail deb/build "make deb failed: $(tail -c 400 "$PW_TMP/build.err")"
	pw_done
fi
case $deb in /*) ;; *) deb=$PW_ROOT/$deb ;; esac
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg --print-architecture)

# ---- the package, before it is installed ------------------------------------------

# Every file `make install` puts in a fresh DESTDIR is packaged (a man page
# as NAME.gz): whatever other branches add to `install` comes along.
dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$PW_TMP/contents"
make -s install DESTDIR="$PW_TMP/dest" prefix=/usr bindir=/usr/sbin sysconfdir=/etc >/dev/null
problems=$( [ "$(basename "$deb")" = "portwarden_${version}_$arch.deb" ] ||
	echo "named $(basename "$deb"), want portwarden_${version}_$arch.deb"
	(cd "$PW_TMP/dest" && find . -type f | sed 's|^\.||') | while read -r f; do
		case $f in /usr/share/man/*) [[ $f == *.gz ]] || f=$f.gz ;; esac
		grep -qxF "$f" "$PW_TMP/contents" || echo "make install's $f is not in the package"
	done
	for f in /usr/sbin/portwarden /etc/portwarden/portwarden.conf /etc/logrotate.d/portwarden \
		/usr/share/doc/portwarden/copyright /usr/share/doc/portwarden/changelog.Debian.gz; do
		grep -qxF "$f" "$PW_TMP/contents" || echo "no $f"
	done)
pw_report deb/build "$problems"

# Reproducible: a second build (files staged anew, with new mtimes) gives the
# same bytes; every time in it is the last commit's.
cp "$deb" "$PW_TMP/first.deb"
if ! make -s deb >/dev/null 2>"$PW_TMP/build2.err"; then
	pw_fail deb/reproducible "second make deb failed: $(tail -c 300 "$PW_TMP/build2.err")"
elif ! cmp -s "$deb" "$PW_TMP/first.deb"; then
	pw_fail deb/reproducible "a second build differs: $(cmp "$deb" "$PW_TMP/first.deb" 2>&1)"
else
	pw_pass deb/reproducible
fi

dpkg-deb -e "$deb" "$PW_TMP/DEBIAN"
problems=$(
	depends=$(dpkg-deb -f "$deb" Depends)
	for lib in libbpf1 libc6 libjson-c5 libmicrohttpd12 libcurl4 libncursesw6; do
		grep -q "\b$lib (" <<<"$depends" || echo "Depends lacks $lib: $depends"
	done
	[ "$(dpkg-deb -f "$deb" Section)" = admin ] || echo "Section is not admin"
	[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || echo "Architecture is not $arch"
	[ "$(sort "$PW_TMP/DEBIAN/conffiles")" = "$(printf '%s\n' /etc/logrotate.d/portwarden \
		/etc/portwarden/portwarden.conf)" ] || echo "conffiles: $(paste -sd ' ' "$PW_TMP/DEBIAN/conffiles")"
	grep -q ' usr/sbin/portwarden$' "$PW_TMP/DEBIAN/md5sums" || echo "md5sums lacks usr/sbin/portwarden"
	! grep -q ' etc/' "$PW_TMP/DEBIAN/md5sums" || echo "md5sums lists a conffile"
	for s in postinst prerm postrm; do
		[ -x "$PW_TMP/DEBIAN/$s" ] || echo "no executable $s"
	done)
pw_report deb/control "$problems"

# README "Packaging" lists the tags left, and why; anything else is new.
if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 -I "$deb" >"$PW_TMP/lintian" 2>"$PW_TMP/lintian.err" || true
	known='initial-upload-closes-no-bugs|no-manual-page|spelling-error-in-binary afe safe|package-supports-alternative-init-but-no-init.d-script'
	problems=$(grep '^E: ' "$PW_TMP/lintian"
		grep '^[WI]: ' "$PW_TMP/lintian" | grep -Ev "^[WI]: portwarden: ($known) " |
			sed 's/^/not in README: /'
		grep -q 'no-manual-page' "$PW_TMP/lintian" && grep -q '^/usr/share/man/' "$PW_TMP/contents" &&
			echo "no-manual-page although the package has man pages")
	echo "# lintian: $(grep -c '^E: ' "$PW_TMP/lintian") errors, $(grep -c '^W: ' "$PW_TMP/lintian") warnings, $(grep -c '^I: ' "$PW_TMP/lintian") info"
	pw_report deb/lintian "$problems"
else
	pw_skip deb/lintian "no lintian (scripts/install-deps.sh installs it)"
fi

if out=$(logrotate -d scripts/deb/portwarden.logrotate 2>&1) && ! grep -qi 'error' <<<"$out"; then
	pw_pass deb/logrotate
else
	pw_fail deb/logrotate "$(grep -i error <<<"$out" | head -n 3 | paste -sd ';')"
fi

# ---- installed ---------------------------------------------------------------------

# From here on the package is ours: purged on any exit.
pw_on_exit 'dpkg --purge portwarden >/dev/null 2>&1 || echo "test-deb: could not purge portwarden" >&2'
if ! dpkg -i "$deb" >"$PW_TMP/install.out" 2>&1; then
	pw_fail deb/install "dpkg -i: $(tail -c 400 "$PW_TMP/install.out")"
	pw_done
fi
problems=$(dpkg-query -W -f='${Status}' portwarden | grep -qx 'install ok installed' ||
	echo "status $(dpkg-query -W -f='${Status}' portwarden)"
	[ "$(stat -c '%U:%G %a' /var/log/portwarden 2>&1)" = "root:adm 750" ] ||
		echo "/var/log/portwarden: $(stat -c '%U:%G %a' /var/log/portwarden 2>&1)")
pw_report deb/install "$problems"
dpkg -L portwarden >"$PW_TMP/listed"

installed=$(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v portwarden || true)
problems=$([ "$installed" = /usr/sbin/portwarden ] || echo "portwarden on PATH is '$installed'"
	[ "$(dpkg -S /usr/sbin/portwarden 2>&1)" = "portwarden: /usr/sbin/portwarden" ] ||
		echo "dpkg -S: $(dpkg -S /usr/sbin/portwarden 2>&1)"
	out=$(/usr/sbin/portwarden --version 2>&1) || echo "--version failed: $out"
	[ "$out" = "portwarden ${version%-*}" ] || echo "--version says '$out', package ${version}")
pw_report deb/version "$problems"

if timeout 60 /usr/sbin/portwarden snapshot --json >"$PW_TMP/snap.json" 2>"$PW_TMP/snap.err" &&
	jq -e . "$PW_TMP/snap.json" >/dev/null 2>&1; then
	pw_pass deb/snapshot
else
	pw_fail deb/snapshot "$(tail -c 300 "$PW_TMP/snap.err")"
fi

if grep -q '^/usr/share/man/' "$PW_TMP/listed"; then
	page=$(man -w portwarden 2>&1 || true)
	if grep -qxF "$page" "$PW_TMP/listed"; then
		pw_pass deb/man
	else
		pw_fail deb/man "man -w portwarden: '$page', not a packaged page"
	fi
else
	pw_skip deb/man "the package has no man pages (make install installs none)"
fi

unit=$(grep -E '^/(usr/)?lib/systemd/system/portwarden\.service$' "$PW_TMP/listed" || true)
if [ -n "$unit" ]; then
	problems=$([ -f "$unit" ] || echo "$unit missing"
		! find /etc/systemd/system -name 'portwarden*' 2>/dev/null | grep . ||
			echo "the install enabled (or masked) the unit")
	pw_report deb/systemd "$problems"
else
	pw_skip deb/systemd "the package has no systemd unit (make install installs none)"
fi

# The installed daemon with the installed config, logging where logrotate
# looks, in a dry run confined to a cgroup of ours (nothing to judge).
PW_PORTWARDEN=/usr/sbin/portwarden
BASE=$(pw_cgroup_base)
log=/var/log/portwarden/audit.log
run_ok=0
"$PW_PORTWARDEN" run --no-socket --cgroup "$BASE" --config /etc/portwarden/portwarden.conf \
	--log "$log" </dev/null >/dev/null 2>"$PW_TMP/run2.err" &
DAEMON=$!
pw_track_pid "$DAEMON"
if pw_wait_ready "$DAEMON" "$log" '"event":"start"' 30; then
	run_ok=1
	pw_pass deb/run-config
else
	pw_fail deb/run-config "no start record in $log: $(grep -v '^libbpf: ' "$PW_TMP/run2.err" | tail -c 300)"
fi

# Rotation as logrotate does it from cron or its timer (its state in our
# scratch directory), then the SIGHUP its postrotate sends under systemd.
if [ "$run_ok" = 1 ]; then
	problems=$(logrotate -f -s "$PW_TMP/logrotate.state" /etc/logrotate.d/portwarden 2>&1 |
		grep -i error
		[ -f "$log.1" ] && grep -q '"event":"start"' "$log.1" || echo "no $log.1 with the start record"
		[ "$(stat -c '%U:%G %a' "$log" 2>&1)" = "root:adm 640" ] ||
			echo "new $log: $(stat -c '%U:%G %a' "$log" 2>&1)"
		kill -s HUP "$DAEMON"
		pw_wait_for_file_line "$PW_TMP/run2.err" 'reopen\|reload' 10 || true
		kill -s TERM "$DAEMON"
		pw_wait_exit "$DAEMON" 15 || echo "run still alive 15 s after SIGTERM"
		grep -q '"event":"stop"' "$log" || echo "no stop record in the new $log after SIGHUP")
	pw_report deb/rotate "$problems"
else
	pw_skip deb/rotate "run did not start"
fi
pw_stop "$DAEMON" TERM 15

# Conffiles: an operator's change survives a reinstall, and a remove keeps it.
echo '# changed by test-deb' >>/etc/portwarden/portwarden.conf
problems=$(dpkg -i "$deb" >"$PW_TMP/reinstall.out" 2>&1 </dev/null ||
	echo "reinstall: $(tail -c 300 "$PW_TMP/reinstall.out")"
	grep -q 'changed by test-deb' /etc/portwarden/portwarden.conf || echo "the reinstall replaced the changed config"
	dpkg -r portwarden >"$PW_TMP/remove.out" 2>&1 || echo "dpkg -r: $(tail -c 300 "$PW_TMP/remove.out")"
	[ ! -e /usr/sbin/portwarden ] || echo "dpkg -r left /usr/sbin/portwarden"
	grep -q 'changed by test-deb' /etc/portwarden/portwarden.conf 2>/dev/null ||
		echo "dpkg -r removed the config (a conffile stays until purge)")
pw_report deb/conffile-kept "$problems"

# ---- purged ----------------------------------------------------------------------------

problems=$(dpkg --purge portwarden >"$PW_TMP/purge.out" 2>&1 || echo "dpkg --purge: $(tail -c 300 "$PW_TMP/purge.out")"
	dpkg-query -W -f='${Status}' portwarden 2>/dev/null | grep -qv 'not-installed' &&
		echo "still known to dpkg: $(dpkg-query -W -f='${Status}' portwarden)"
	# Every path dpkg listed that is ours alone (shared directories like
	# /usr/sbin stay, as they must).
	while read -r f; do
		[ -e "$f" ] || continue
		[ -d "$f" ] && [ -n "$(dpkg -S "$f" 2>/dev/null)" ] && continue
		[ -d "$f" ] && case $f in /etc/portwarden | /usr/share/doc/portwarden) ;; *) continue ;; esac
		echo "left behind: $f"
	done <"$PW_TMP/listed"
	for p in /etc/portwarden /var/log/portwarden /var/lib/portwarden; do
		[ ! -e "$p" ] || echo "left behind: $p"
	done
	find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
		/var/lib/systemd/deb-systemd-helper-masked -name '*portwarden*' 2>/dev/null |
		sed 's/^/left behind: /')
pw_report deb/purge "$problems"
pw_done
