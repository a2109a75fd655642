#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The portwarden authors
# HTML incident reports, looked at in a real browser (Debian's chromium,
# headless). Leakers whose comm is markup (HOSTILE below) in their own
# cgroups and netns of 2000 ports:
#   html/report          `report --html FILE` writes the page, exit 0
#   html/run-incidents   `run --enforce --incidents DIR` (incidents_keep = 2)
#                        writes an .html and a .json per result, each named
#                        in the result's audit record ("incident")
#   html/retention       the directory holds only the newest 2 incidents
#                        while the audit log named more
#   html/attached        `report --html` attached to that run gets its page
#                        (/report?format=html)
#   html/dir-refused     --incidents on a symbolic link, or on a directory
#                        others can write to: exit 2 with a message
#   html/console-control chromium's console logging sees a script error in
#                        a control page (so "no console errors" can fail)
#   html/shot-report, html/shot-incident      the screenshot exists, > 20 KB
#   html/console-report, html/console-incident  no console messages at all
#   html/dom-report, html/dom-incident        through the DOM chromium built:
#                        no <img> or <script> element, the suspect's comm as
#                        literal text, its class, and (incident) the actions
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

pw_require_portwarden python3
GUARDLEAK=$PW_OUTPUT/tests/workloads/guardleak
pw_require_file "$GUARDLEAK" guardleak
CHROMIUM=$(command -v chromium || true)
PORT=5001
# 15 bytes: the kernel keeps 15 of a comm. An element if written raw.
HOSTILE='<img src=x>"&'\'
BASE=$(pw_cgroup_base)

# chromium_run NAME ARGS...: headless chromium, our own profile, no sandbox
# (root); stderr to NAME.chromium.err. Its pid is ours alone to kill.
chromium_run() {
	local name=$1 pid rc=0
	shift
	timeout --kill-after=5 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--user-data-dir="$PW_TMP/chromium-profile" --no-first-run --enable-logging=stderr \
		--v=0 "$@" 2>"$PW_TMP/$name.chromium.err" &
	pid=$!
	pw_track_pid "$pid"
	wait "$pid" || rc=$?
	return "$rc"
}

# console_lines NAME: the console messages chromium logged (CSP violations,
# script errors, failed loads are all console messages).
console_lines() {
	grep -E 'CONSOLE|Uncaught|Refused to|Failed to load' "$PW_TMP/$1.chromium.err" || true
}

# dom_check FILE NAME WANT...: dump FILE's DOM through chromium and check it
# with Python's HTML parser: no img or script element, the texts WANT... are
# in the text the browser parsed.
dom_check() {
	local file=$1 name=$2
	shift 2
	if ! chromium_run "$name.dom" --dump-dom "file://$file" >"$PW_TMP/$name.dom"; then
		echo "chromium --dump-dom failed: $(tail -c 300 "$PW_TMP/$name.dom.chromium.err")"
		return
	fi
	python3 - "$PW_TMP/$name.dom" "$@" <<'PY'
import sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = {}, []
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
    def handle_data(self, data):
        self.text.append(data)

d = Dom()
d.feed(open(sys.argv[1], encoding="utf-8").read())
text = "".join(d.text)
if d.tags.get("html", 0) != 1 or d.tags.get("svg", 0) < 1:
    print("the DOM is not the page: tags %s" % d.tags)
for bad in ("img", "script", "iframe", "object"):
    if d.tags.get(bad):
        print("%d <%s> elements in the DOM" % (d.tags[bad], bad))
for want in sys.argv[2:]:
    if want not in text:
        print("the page's text lacks %r" % want)
PY
}

# browse KIND FILE WANT...: the screenshot, console and DOM cases of FILE.
browse() {
	local kind=$1 file=$2 size problems
	shift 2
	rm -f "$PW_TMP/$kind.png"
	chromium_run "$kind" --screenshot="$PW_TMP/$kind.png" --window-size=1200,2000 \
		"file://$file" >/dev/null || true
	size=$(stat -c %s "$PW_TMP/$kind.png" 2>/dev/null || echo 0)
	problems=$([ "$size" -gt 20000 ] || echo "screenshot of $size bytes: $(tail -c 300 "$PW_TMP/$kind.chromium.err")")
	pw_report "html/shot-$kind" "$problems"
	pw_report "html/console-$kind" "$(console_lines "$kind")"
	pw_report "html/dom-$kind" "$(dom_check "$file" "$kind" "$@")"
}

# start KEY NETNS CMD...: CMD in cgroup KEY (pw_start_cmd).
start() {
	pw_start_cmd "$1" "$(pw_make_cgroup "$1")" "$2" "${@:3}"
}

# ---- report --html ----------------------------------------------------------
NS_R=$(pw_make_netns 40000 41999)
start rleak "$NS_R" "$PW_PORTLEAK" tcp-connect --listen --rate 40 --duration 60 --hold 60 \
	--comm "$HOSTILE"
rc=0
"$PW_PORTWARDEN" report --standalone --duration 15 --html "$PW_TMP/report.html" </dev/null \
	>/dev/null 2>"$PW_TMP/report.err" || rc=$?
problems=$(
	[ "$rc" -eq 0 ] || echo "exit status $rc: $(tail -c 300 "$PW_TMP/report.err")"
	[ -s "$PW_TMP/report.html" ] || echo "no file"
)
pw_report html/report "$problems"
pw_stop "$(cat "$PW_TMP/rleak.pid")" KILL 2 || true

# ---- run --enforce: incident files ------------------------------------------
NS=$(pw_make_netns 40000 41999)
cat >"$PW_TMP/run.conf" <<CONF
[daemon]
window = 10s
incidents_keep = 2
incident_window = 60s
[policy]
fill_threshold = 20%
horizon = 60s
quarantine_time = 3s
grace = 3s
scope = process
[breakers]
cooldown = 0s
max_actions_per_minute = 30
CONF
INC=$PW_TMP/incidents
pw_run_in "$(pw_make_cgroup srv)" "$NS" "$PW_PORTLEAK" listen --port "$PORT" --hold 3600 \
	--comm pl-srv >/dev/null
SOCK=$PW_TMP/pw.sock
pw_start_guard html --cgroup "$BASE" --config "$PW_TMP/run.conf" --incidents "$INC" \
	--socket "$SOCK" || pw_done
# each ignores SIGTERM: a result after SIGTERM and one after SIGKILL, 4 in all
start leak1 "$NS" "$GUARDLEAK" tcp --port "$PORT" --rate 20 --ignore-term --comm "$HOSTILE"
start leak2 "$NS" "$GUARDLEAK" tcp --port "$PORT" --rate 20 --ignore-term --comm "$HOSTILE"
results() {
	jq -s '[.[] | select(.event == "result")] | length' "$PW_TMP/run.jsonl" 2>/dev/null || echo 0
}
t0=$SECONDS
while [ $((SECONDS - t0)) -lt 90 ] && [ "$(results)" -lt 4 ]; do
	sleep 1
done
jq -r 'select(.event == "action" or .event == "result")
	| "# \(.ts[11:19]) \(.event) \(.action) pid \(.pid) \(.reason) \(.incident // "")"' \
	"$PW_TMP/run.jsonl" 2>/dev/null || true
problems=$(
	[ "$(results)" -ge 3 ] || echo "only $(results) result records in 90 s: $(tail -c 300 "$PW_TMP/run.err")"
	jq -r --arg dir "$INC" 'select(.event == "result")
		| if (.incident | type) != "string" then "a result names no incident: \(tojson)"
		  elif (.incident | startswith($dir + "/incident-") and endswith(".html")) | not
		  then "incident \(.incident) is not an .html file in \($dir)" else empty end' \
		"$PW_TMP/run.jsonl"
	last=$(jq -r 'select(.event == "result") | .incident // empty' "$PW_TMP/run.jsonl" | tail -n 1)
	[ -z "$last" ] || [ -s "$last" ] || echo "the newest incident $last is missing"
	[ -z "$last" ] || [ -s "${last%.html}.json" ] || echo "no JSON beside $last"
	[ -z "$last" ] || jq -e '.containers | length > 0' "${last%.html}.json" >/dev/null ||
		echo "${last%.html}.json holds no containers"
	mode=$(stat -c %a "$INC" 2>/dev/null)
	[ "$mode" = 750 ] || echo "the directory was created with mode $mode, not 750"
)
pw_report html/run-incidents "$problems"
problems=$(
	named=$(jq -r 'select(.event == "result") | .incident // empty' "$PW_TMP/run.jsonl" | wc -l)
	files=$(find "$INC" -name 'incident-*' | wc -l)
	[ "$named" -gt 2 ] || echo "only $named incidents named: retention untested"
	[ "$files" -eq 4 ] || echo "$files files in $INC, not 4 (2 incidents): $(find "$INC" -name 'incident-*' -printf '%f ')"
	first=$(jq -r 'select(.event == "result") | .incident // empty' "$PW_TMP/run.jsonl" | head -n 1)
	[ -z "$first" ] || [ ! -e "$first" ] || echo "the oldest incident $first was kept"
)
pw_report html/retention "$problems"
rc=0
"$PW_PORTWARDEN" report --socket "$SOCK" --duration 60 --html "$PW_TMP/attached.html" </dev/null \
	>/dev/null 2>"$PW_TMP/attached.err" || rc=$?
problems=$(
	[ "$rc" -eq 0 ] || echo "exit status $rc: $(tail -c 300 "$PW_TMP/attached.err")"
	grep -q -e 'from portwarden run' -e 'portwarden run holds only' "$PW_TMP/attached.err" ||
		echo "not attached: $(tail -c 300 "$PW_TMP/attached.err")"
	head -c 15 "$PW_TMP/attached.html" 2>/dev/null | grep -q '<!DOCTYPE html>' || echo "no HTML page"
	grep -q 'portwarden-test' "$PW_TMP/attached.html" 2>/dev/null || echo "the page names no test cgroup"
)
pw_report html/attached "$problems"
kill -s TERM "$PW_GUARD"
pw_wait_exit "$PW_GUARD" 15 || true
INCIDENT=$(jq -r 'select(.event == "result") | .incident // empty' "$PW_TMP/run.jsonl" | tail -n 1)

# ---- a directory others could write to, or a link, is refused ------------------
mkdir -m 0777 "$PW_TMP/open"
chmod 0777 "$PW_TMP/open"
ln -s "$PW_TMP/open" "$PW_TMP/link"
problems=$(
	for dir in "$PW_TMP/open" "$PW_TMP/link"; do
		rc=0
		# accepted, it would run: 20 s, then TERM (status 124)
		timeout 20 "$PW_PORTWARDEN" run --no-socket --incidents "$dir" \
			--log "$PW_TMP/refused.jsonl" </dev/null >/dev/null 2>"$PW_TMP/refused.err" || rc=$?
		[ "$rc" -eq 2 ] || echo "--incidents $dir: exit status $rc, not 2"
		grep -q 'invalid --incidents' "$PW_TMP/refused.err" ||
			echo "--incidents $dir: no message: $(tail -c 200 "$PW_TMP/refused.err")"
	done
)
pw_report html/dir-refused "$problems"

# ---- in the browser ------------------------------------------------------------
if [ -z "$CHROMIUM" ]; then
	pw_skip html/browser "no chromium (scripts/install-deps.sh installs it)"
	pw_done
fi
printf '<!DOCTYPE html><html><body><p>control</p><script>no_such_function();</script></body></html>\n' \
	>"$PW_TMP/control.html"
chromium_run control --screenshot="$PW_TMP/control.png" "file://$PW_TMP/control.html" >/dev/null || true
problems=$(console_lines control | grep -q no_such_function ||
	echo "chromium logged no console error for a failing script: $(tail -c 300 "$PW_TMP/control.chromium.err")")
pw_report html/console-control "$problems"

browse report "$PW_TMP/report.html" "$HOSTILE" "class: leak"
if [ -n "$INCIDENT" ] && [ -s "$INCIDENT" ]; then
	cls=$(jq -r --arg f "$INCIDENT" 'select(.incident == $f) | .class' "$PW_TMP/run.jsonl")
	pid=$(jq -r --arg f "$INCIDENT" 'select(.incident == $f) | .pid' "$PW_TMP/run.jsonl")
	browse incident "$INCIDENT" "$HOSTILE" "class: $cls" "suspect pid $pid" \
		"quarantinepid $pid" "termpid $pid" "killpid $pid" "exited (after SIGKILL)"
else
	pw_fail html/incident "no incident file to look at"
fi
pw_done
