#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# The man pages portwarden(8) and portwarden.conf(5) (docs/man/*.scd, built by
# `make man`); the unit tier runs it (no root):
#  - they build, and man(1) and groff render them without a warning;
#  - the commands `portwarden --help` lists are the page's COMMANDS, and for
#    each command the options its --help lists (short and long form and
#    argument name) are the options under it plus COMMON OPTIONS, both ways;
#    the help comes from man_probe, which calls the cli_parse() main() calls;
#  - the sections and keys of user/core/config.c are the page's SECTIONS AND
#    KEYS, both ways, and the override headers render with their quotes;
#  - the DEFAULTS block holds every [daemon], [policy] and [breakers] key and
#    parses to exactly the built-in configuration; each EXAMPLES block parses.
# The pages are read as man(1) renders them (MANWIDTH=200: no term line wraps):
# a section header at column 0, a subsection at 3 spaces, a term (an option,
# a key) at 7 spaces, its description at 11.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
OUTPUT=${OUTPUT:-.output}
PROBE=$OUTPUT/tests/man/man_probe
CONFIG_C=user/core/config.c
PAGE8=$OUTPUT/man/portwarden.8
PAGE5=$OUTPUT/man/portwarden.conf.5

for c in scdoc man groff col; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "SKIP: man: missing command $c (scripts/install-deps.sh installs it)"
		exit 0
	fi
done
if [ ! -x "$PROBE" ]; then
	echo "FAIL: man-probe: $PROBE not built (make unit-bins)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/portwarden-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

pass() { echo "PASS: $1"; }
fail() {
	echo "FAIL: $1: $2"
	failed=1
}

# same NAME WANT_FILE WANT_LABEL GOT_FILE GOT_LABEL: two sorted lists equal,
# else what each lacks.
same() {
	local missing extra
	missing=$(comm -23 "$2" "$4" | tr '\n' ' ')
	extra=$(comm -13 "$2" "$4" | tr '\n' ' ')
	if [ -z "$missing$extra" ]; then
		pass "$1"
	else
		fail "$1" "${missing:+in $3, not in $5: $missing}${missing:+${extra:+; }}${extra:+in $5, not in $3: $extra}"
	fi
}

# render PAGE: the page as text, no formatting.
render() {
	LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$1" 2>/dev/null | col -bx
}

# subsection_terms SECTION: "SUBSECTION<TAB>TERM" for each term under SECTION
# (stdin: a rendered page); SUBSECTION is empty for terms before any.
subsection_terms() {
	awk -v want="$1" '
		/^[A-Z]/ { sec = $0; sub_ = ""; next }
		sec != want { next }
		/^   [^ ]/ { sub_ = substr($0, 4); next }
		/^       [^ ]/ { print sub_ "\t" substr($0, 8) }'
}

# --- build and render --------------------------------------------------------
if make -s OUTPUT="$OUTPUT" man >"$tmp/make.out" 2>&1; then
	pass "man-build"
else
	fail "man-build" "make man: $(tr '\n' ' ' <"$tmp/make.out")"
	exit 1
fi

for page in "$PAGE8" "$PAGE5"; do
	name=${page##*/}
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$tmp/warn"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/warn" ]; then
		pass "man-warnings: $name"
	else
		fail "man-warnings: $name" "exit $rc: $(head -c 400 "$tmp/warn" | tr '\n' ' ')"
	fi
	groff -ww -man -z "$page" 2>"$tmp/warn"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/warn" ]; then
		pass "groff-warnings: $name"
	else
		fail "groff-warnings: $name" "exit $rc: $(head -c 400 "$tmp/warn" | tr '\n' ' ')"
	fi
done

render "$PAGE8" >"$tmp/page8"
render "$PAGE5" >"$tmp/page5"

# --- commands and options ----------------------------------------------------
# canon: "-c --cgroup=PATH" from "-c, --cgroup=PATH   text" (--help) or
# "-c, --cgroup PATH" (a page's term line), one per line, sorted.
canon() {
	sed -E 's/^ +//; s/  .*//; s/, / /; s/ ([A-Z][A-Z:_]*)$/=\1/' | sort -u
}

"$PROBE" help --help >"$tmp/help" 2>&1
awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' \
	"$tmp/help" | sort >"$tmp/cmds.help"
subsection_terms COMMANDS <"$tmp/page8" | cut -f1 | sort -u >"$tmp/cmds.page"
if [ ! -s "$tmp/cmds.help" ]; then
	fail "commands" "no command found in portwarden --help"
else
	same "commands" "$tmp/cmds.help" "portwarden --help" "$tmp/cmds.page" "portwarden(8) COMMANDS"
fi

subsection_terms "COMMON OPTIONS" <"$tmp/page8" | cut -f2 | grep '^-' | canon >"$tmp/common"
[ -s "$tmp/common" ] || fail "common-options" "no option under COMMON OPTIONS in portwarden(8)"

while read -r cmd; do
	"$PROBE" help "$cmd" --help >"$tmp/help.$cmd" 2>&1
	grep -E '^ +-' "$tmp/help.$cmd" | canon >"$tmp/opts.help"
	subsection_terms COMMANDS <"$tmp/page8" | awk -F'\t' -v c="$cmd" '$1 == c { print $2 }' |
		grep '^-' | canon >"$tmp/opts.own"
	sort -u "$tmp/opts.own" "$tmp/common" >"$tmp/opts.page"
	if [ ! -s "$tmp/opts.help" ]; then
		fail "options: $cmd" "no option found in portwarden $cmd --help"
	else
		same "options: $cmd" "$tmp/opts.help" "portwarden $cmd --help" "$tmp/opts.page" \
			"portwarden(8) ($cmd + COMMON OPTIONS)"
	fi
done <"$tmp/cmds.help"

# --- configuration sections and keys -----------------------------------------
# From config.c, with these regexes (a refactoring that breaks them fails the
# "config-keys-found" case rather than passing on nothing):
#   a key table   static const struct key_def NAME_keys[] = {  ...  };
#                 one key per  {"KEY",  at the start of an entry; the table
#                 NAME daemon/policy/breaker is the section daemon/policy/breakers
#   [protect]     !strcmp(key, "KEY")  inside add_protection()
#   sections      {"NAME", SEC_  (parse_section's plain sections) and the
#                 names[] = {"cgroup", "pod", "container"} of override_kind_name()
awk '
	/^static const struct key_def [a-z]+_keys\[\] = \{/ {
		t = $0; sub(/^static const struct key_def /, "", t); sub(/_keys.*/, "", t)
		if (t == "breaker") t = "breakers"
		next
	}
	t != "" && /^\};/ { t = ""; next }
	t != "" && match($0, /^\t\{"[a-z_]+",/) { k = substr($0, RSTART + 3, RLENGTH - 5); print t "\t" k }
	/^static int add_protection\(/ { p = 1 }
	p && /^\}/ { p = 0 }
	p { while (match($0, /!strcmp\(key, "[a-z_]+"\)/)) {
		print "protect\t" substr($0, RSTART + 14, RLENGTH - 16); $0 = substr($0, RSTART + RLENGTH) } }
' "$CONFIG_C" | sort -u >"$tmp/keys.code"
{
	grep -oE '\{"[a-z]+", SEC_[A-Z]+\}' "$CONFIG_C" | sed -E 's/\{"([a-z]+)".*/\1/'
	grep -E 'names\[\] = \{"cgroup"' "$CONFIG_C" | grep -oE '"[a-z]+"' | tr -d '"'
} | sort -u >"$tmp/sections.code"

if [ "$(cut -f1 "$tmp/keys.code" | sort -u | tr '\n' ' ')" = "breakers daemon policy protect " ] &&
	[ "$(wc -l <"$tmp/sections.code")" -eq 7 ]; then
	pass "config-keys-found"
else
	fail "config-keys-found" "the regexes no longer find config.c's tables: sections" \
		"$(tr '\n' ' ' <"$tmp/sections.code"), keys of $(cut -f1 "$tmp/keys.code" | sort -u | tr '\n' ' ')"
fi

awk '
	/^[A-Z]/ { on = ($0 == "SECTIONS AND KEYS"); next }
	on && /^   \[/ { s = $0; sub(/^   \[/, "", s); sub(/[] "].*/, "", s); print s }
' "$tmp/page5" | sort -u >"$tmp/sections.page"
same "config-sections" "$tmp/sections.code" "config.c" "$tmp/sections.page" \
	"portwarden.conf(5) SECTIONS AND KEYS"
# an override's header shows its quotes: roff takes bare ones as argument
# quotes ([cgroup GLOB ]), which the Makefile's \(dq prevents
bad=""
for kind in cgroup pod container; do
	grep -qE "^   \[$kind \"[^\"]+\"\]\$" "$tmp/page5" || bad="$bad [$kind \"...\"]"
done
if [ -z "$bad" ]; then
	pass "config-override-headers"
else
	fail "config-override-headers" "not rendered as written in portwarden.conf(5):$bad"
fi

subsection_terms "SECTIONS AND KEYS" <"$tmp/page5" | awk -F'\t' '
	$1 ~ /^\[/ && $2 ~ /^[a-z_]+ = / {
		s = $1; sub(/^\[/, "", s); sub(/[] "].*/, "", s); k = $2; sub(/ = .*/, "", k); print s "\t" k }
' | sort -u >"$tmp/keys.page"
# an override section takes the [policy] keys: any key it lists must be one
grep -E '^(cgroup|pod|container)	' "$tmp/keys.page" | cut -f2 | sort -u >"$tmp/keys.override"
grep -vE '^(cgroup|pod|container)	' "$tmp/keys.page" >"$tmp/keys.plain"
same "config-keys" "$tmp/keys.code" "config.c" "$tmp/keys.plain" "portwarden.conf(5)"
bad=$(grep '^policy	' "$tmp/keys.code" | cut -f2 | comm -13 - "$tmp/keys.override" | tr '\n' ' ')
if [ -z "$bad" ]; then
	pass "config-override-keys"
else
	fail "config-override-keys" "override sections list keys [policy] does not have: $bad"
fi

# --- DEFAULTS and EXAMPLES blocks ---------------------------------------------
# a block: the lines at 11 spaces of indent under the section header
awk '/^[A-Z]/ { on = ($0 == "DEFAULTS"); next } on && /^           / { print substr($0, 12) }' \
	"$tmp/page5" >"$tmp/defaults.conf"
awk '/^\[/ { s = substr($0, 2); sub(/\].*/, "", s); next }
	/ = / { k = $1; print s "\t" k }' "$tmp/defaults.conf" | sort -u >"$tmp/keys.defaults"
grep -E '^(daemon|policy|breakers)	' "$tmp/keys.code" >"$tmp/keys.tables"
same "defaults-keys" "$tmp/keys.tables" "config.c's tables" "$tmp/keys.defaults" \
	"portwarden.conf(5) DEFAULTS"
if "$PROBE" defaults "$tmp/defaults.conf" 2>"$tmp/err"; then
	pass "defaults-values"
else
	fail "defaults-values" "$(tr '\n' ' ' <"$tmp/err")"
fi

# EXAMPLES: blocks separated by prose lines (7 spaces)
awk -v dir="$tmp" '
	/^[A-Z]/ { on = ($0 == "EXAMPLES"); next }
	!on { next }
	/^       [^ ]/ { if (inblock) { n++; inblock = 0 } next }
	/^           / { inblock = 1; print substr($0, 12) > (dir "/example." n ".conf") }
' "$tmp/page5"
n=0
for ex in "$tmp"/example.*.conf; do
	[ -f "$ex" ] || continue
	n=$((n + 1))
	if "$PROBE" parse "$ex" 2>"$tmp/err"; then
		pass "example-parses: $n"
	else
		fail "example-parses: $n" "$(tr '\n' ' ' <"$tmp/err")"
	fi
done
[ "$n" -gt 0 ] || fail "example-parses" "no example block under EXAMPLES in portwarden.conf(5)"

exit "$failed"
