// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the snapshot and report views, text and JSON: whole
// documents compared byte for byte (the expected text is what the views
// wrote before the JSON writer replaced their fprintf calls), JSON that
// parses, hostile names escaped, write errors reported.
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "json_check.h"
#include "unit.h"
#include "view_fixtures.h"
#include "views/report_html.h"
#include "views/report_view.h"
#include "views/snapshot_view.h"

static const char snapshot_json[] =
	"{\"version\":1,\"type\":\"snapshot\",\"time\":\"T\",\"total\":{\"sockets\":26918"
	",\"states\":{\"LISTEN\":1,\"SYN-SENT\":0,\"ESTAB\":26903,\"CLOSE-WAIT\":0,\"FIN-"
	"WAIT\":0,\"TIME-WAIT\":12,\"LAST-ACK\":0,\"BOUND\":0,\"UDP\":2},\"bind_before_co"
	"nnect\":25,\"passive\":1},\n"
	"\"pools\":[\n"
	"{\"kind\":\"tcp-connect\",\"netns\":4026531840,\"family\":\"ipv4\",\"local\":\"1"
	"0.0.0.1\",\"remote\":\"10.0.0.2\",\"remote_port\":5001,\"used\":27000,\"capacity"
	"\":28232,\"fill\":0.9564,\"top\":[{\"cgroup\":\"/system.slice/docker-0123456789a"
	"bcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\",\"cgroup_hierarchy"
	"\":\"v2\",\"pid\":4242,\"ports\":26000},{\"cgroup\":\"/evil\\\"q\\\\b\\u001b]0;x"
	"\\u0007\\n\\u007f\\u00ff/\xc3\xa9t\xc3\xa9\",\"cgroup_hierarchy\":\"v1:memory\","
	"\"pid\":null,\"ports\":900},{\"cgroup\":\"?\",\"cgroup_hierarchy\":\"unknown\","
	"\"pid\":17,\"ports\":100}]},\n"
	"{\"kind\":\"tcp-connect\",\"netns\":4026532000,\"family\":\"ipv6\",\"local\":\"f"
	"d00::1\",\"remote\":\"2001:db8::2\",\"remote_port\":443,\"used\":3,\"capacity\":"
	"28232,\"fill\":0.0001,\"top\":[{\"cgroup\":\"/system.slice/web.service\",\"cgrou"
	"p_hierarchy\":\"v2\",\"pid\":77,\"ports\":3}]},\n"
	"{\"kind\":\"tcp-bind\",\"netns\":4026531840,\"used\":2,\"capacity\":null,\"fill"
	"\":null,\"top\":[]},\n"
	"{\"kind\":\"udp\",\"netns\":4026531840,\"used\":1,\"capacity\":3,\"fill\":0.3333"
	",\"top\":[{\"cgroup\":\"/system.slice/docker-0123456789abcdef0123456789abcdef012"
	"3456789abcdef0123456789abcdef.scope\",\"cgroup_hierarchy\":\"v2\",\"pid\":null,"
	"\"ports\":1}]}],\n"
	"\"cgroups\":[\n"
	"{\"cgroup\":\"/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abc"
	"def0123456789abcdef.scope\",\"cgroup_hierarchy\":\"v2\",\"cgroup_id\":100,\"cgro"
	"up1_id\":0,\"container\":{\"runtime\":\"docker\",\"id\":\"0123456789abcdef012345"
	"6789abcdef0123456789abcdef0123456789abcdef\",\"pod_uid\":\"\",\"unit\":\"\",\"po"
	"d_namespace\":\"\",\"pod\":\"\",\"container\":\"\"},\"processes\":2,\"sockets\":"
	"26014,\"states\":{\"LISTEN\":1,\"SYN-SENT\":0,\"ESTAB\":26000,\"CLOSE-WAIT\":0,"
	"\"FIN-WAIT\":0,\"TIME-WAIT\":12,\"LAST-ACK\":0,\"BOUND\":0,\"UDP\":1},\"bind_bef"
	"ore_connect\":25,\"passive\":1},\n"
	"{\"cgroup\":\"/evil\\\"q\\\\b\\u001b]0;x\\u0007\\n\\u007f\\u00ff/\xc3\xa9t\xc3"
	"\xa9\",\"cgroup_hierarchy\":\"v1:memory\",\"cgroup_id\":1,\"cgroup1_id\":7,\"con"
	"tainer\":null,\"processes\":1,\"sockets\":900,\"states\":{\"LISTEN\":0,\"SYN-SEN"
	"T\":0,\"ESTAB\":900,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-WAIT\":0,\"LAST-ACK\""
	":0,\"BOUND\":0,\"UDP\":0},\"bind_before_connect\":0,\"passive\":0},\n"
	"{\"cgroup\":\"/system.slice/web.service\",\"cgroup_hierarchy\":\"v2\",\"cgroup_i"
	"d\":200,\"cgroup1_id\":0,\"container\":{\"runtime\":\"systemd\",\"id\":\"\",\"po"
	"d_uid\":\"\",\"unit\":\"web.service\",\"pod_namespace\":\"\",\"pod\":\"\",\"cont"
	"ainer\":\"\"},\"processes\":0,\"sockets\":3,\"states\":{\"LISTEN\":0,\"SYN-SENT"
	"\":0,\"ESTAB\":3,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-WAIT\":0,\"LAST-ACK\":0,"
	"\"BOUND\":0,\"UDP\":0},\"bind_before_connect\":0,\"passive\":0}],\n"
	"\"processes\":[\n"
	"{\"pid\":4242,\"comm\":\"portleak\",\"start_time\":3769719,"
	"\"cgroup\":\"/system.slice/docker-0123456789"
	"abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\",\"cgroup_hierarch"
	"y\":\"v2\",\"sockets\":26001,\"states\":{\"LISTEN\":1,\"SYN-SENT\":0,\"ESTAB\":2"
	"6000,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-WAIT\":0,\"LAST-ACK\":0,\"BOUND\":0,"
	"\"UDP\":0},\"bind_before_connect\":25,\"passive\":1},\n"
	"{\"pid\":31337,\"comm\":\"ab\\\"cd\\\\ef\\tgh12345\",\"start_time\":null,"
	"\"cgroup\":\"/evil\\\"q\\\\"
	"b\\u001b]0;x\\u0007\\n\\u007f\\u00ff/\xc3\xa9t\xc3\xa9\",\"cgroup_hierarchy\":\""
	"v1:memory\",\"sockets\":900,\"states\":{\"LISTEN\":0,\"SYN-SENT\":0,\"ESTAB\":90"
	"0,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-WAIT\":0,\"LAST-ACK\":0,\"BOUND\":0,\"U"
	"DP\":0},\"bind_before_connect\":0,\"passive\":0},\n"
	"{\"pid\":5,\"comm\":\"udp\",\"start_time\":null,\"cgroup\":\"?\",\"cgroup_hierarchy\":\"unknown\",\""
	"sockets\":1,\"states\":{\"LISTEN\":0,\"SYN-SENT\":0,\"ESTAB\":0,\"CLOSE-WAIT\":0"
	",\"FIN-WAIT\":0,\"TIME-WAIT\":0,\"LAST-ACK\":0,\"BOUND\":0,\"UDP\":1},\"bind_bef"
	"ore_connect\":0,\"passive\":0}]}\n";

static const char snapshot_json_empty[] =
	"{\"version\":1,\"type\":\"snapshot\",\"time\":\"T\",\"total\":{\"sockets\":0,\"state"
	"s\":{\"LISTEN\":0,\"SYN-SENT\":0,\"ESTAB\":0,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-"
	"WAIT\":0,\"LAST-ACK\":0,\"BOUND\":0,\"UDP\":0},\"bind_before_connect\":0,\"passive\""
	":0},\n"
	"\"pools\":[],\n"
	"\"cgroups\":[],\n"
	"\"processes\":[]}\n";

static const char snapshot_text[] =
	"PORT POOLS (4, fullest first)\n"
	"KIND         NETNS       LOCAL            REMOTE                        USED/CAP    "
	"FILL  TOP HOLDER\n"
	"tcp-connect  4026531840  10.0.0.1         10.0.0.2:5001             27000/28232    9"
	"5.6%  /system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef012345678"
	"9abcdef.scope\n"
	"tcp-connect  4026532000  fd00::1          [2001:db8::2]:443             3/28232     "
	"0.0%  /system.slice/web.service\n"
	"tcp-bind     4026531840  *                *                             2/?         "
	"0.0%  -\n"
	"udp          4026531840  *                *                             1/3        3"
	"3.3%  /system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef012345678"
	"9abcdef.scope\n"
	"\n"
	"CGROUPS (3)\n"
	" SOCKS  LISTEN SYNSENT   ESTAB CLOSEWT   FINWT  TIMEWT LASTACK   BOUND     UDP   BBC"
	" PROCS  CGROUP\n"
	" 26014       1       0   26000       0       0      12       0       0       1    25"
	"     2  /system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456"
	"789abcdef.scope\n"
	"   900       0       0     900       0       0       0       0       0       0     0"
	"     1  /evil\"q\\\\b\\x1b]0;x\\x07\\x0a\\x7f\\xff/\\xc3\\xa9t\\xc3\\xa9\n"
	"     3       0       0       3       0       0       0       0       0       0     0"
	"     0  /system.slice/web.service\n"
	"\n"
	"PROCESSES (3)\n"
	"PID      COMM              SOCKS  LISTEN SYNSENT   ESTAB CLOSEWT   FINWT  TIMEWT LAS"
	"TACK   BOUND     UDP   BBC  CGROUP\n"
	"4242     portleak          26001       1       0   26000       0       0       0    "
	"   0       0       0    25  /system.slice/docker-0123456789abcdef0123456789abcdef012"
	"3456789abcdef0123456789abcdef.scope\n"
	"31337    ab\"cd\\\\ef\\x09gh12345    900       0       0     900       0       0    "
	"   0       0       0       0     0  /evil\"q\\\\b\\x1b]0;x\\x07\\x0a\\x7f\\xff/\\xc3"
	"\\xa9t\\xc3\\xa9\n"
	"5        udp                   1       0       0       0       0       0       0    "
	"   0       0       1     0  ?\n";

static const char report_json[] =
	"{\"version\":1,\"type\":\"report\",\"time\":\"T\",\"duration_s\":61.500,\"interv"
	"al_ms\":500,\"samples\":123,\"window_ms\":20000,\"breaches_to_enter\":2,\"lost_e"
	"vents\":4,\"missed_runs\":1,\n"
	"\"containers\":[\n"
	"{\"cgroup\":\"/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abc"
	"def0123456789abcdef.scope\",\"cgroup_hierarchy\":\"v2\",\"container\":{\"runtime"
	"\":\"docker\",\"id\":\"0123456789abcdef0123456789abcdef0123456789abcdef012345678"
	"9abcdef\",\"pod_uid\":\"\",\"unit\":\"\",\"pod_namespace\":\"\",\"pod\":\"\",\"c"
	"ontainer\":\"\"},\"class\":\"leak\",\"advice\":\"held ports keep growing and are"
	" never released: close connections when done, or fix the pool that loses them\","
	"\"sockets_now\":26014,\"sockets_peak\":26100,\"failures\":2,\"failures_by_errno"
	"\":{\"EADDRNOTAVAIL\":0,\"EADDRINUSE\":0,\"EAGAIN\":2},\"states\":{\"LISTEN\":1,"
	"\"SYN-SENT\":0,\"ESTAB\":26000,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-WAIT\":12,"
	"\"LAST-ACK\":0,\"BOUND\":0,\"UDP\":1},\"bind_before_connect\":25,\"passive\":1,"
	"\"growth_per_s\":250.500,\"opens_per_s\":261.000,\"closes_per_s\":10.500,\"failu"
	"res_per_s\":0.001,\"suspects\":[{\"pid\":4242,\"comm\":\"portleak\",\"cgroup\":"
	"\"/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef012345678"
	"9abcdef.scope\",\"cgroup_hierarchy\":\"v2\",\"container\":{\"runtime\":\"docker"
	"\",\"id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
	"\"pod_uid\":\"\",\"unit\":\"\",\"pod_namespace\":\"\",\"pod\":\"\",\"container\""
	":\"\"},\"class\":\"leak\",\"sockets_now\":26001,\"sockets_peak\":26001,\"failure"
	"s\":0,\"failures_by_errno\":{\"EADDRNOTAVAIL\":0,\"EADDRINUSE\":0,\"EAGAIN\":0},"
	"\"growth_per_s\":250.500,\"opens_per_s\":260.250,\"closes_per_s\":9.750,\"failur"
	"es_per_s\":0.000},{\"pid\":31337,\"comm\":\"ab\\\"cd\\\\ef\\tgh12345\",\"cgroup"
	"\":\"/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef012345"
	"6789abcdef.scope\",\"cgroup_hierarchy\":\"v2\",\"container\":{\"runtime\":\"dock"
	"er\",\"id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\""
	",\"pod_uid\":\"\",\"unit\":\"\",\"pod_namespace\":\"\",\"pod\":\"\",\"container"
	"\":\"\"},\"class\":\"close-wait\",\"sockets_now\":5,\"sockets_peak\":9,\"failure"
	"s\":2,\"failures_by_errno\":{\"EADDRNOTAVAIL\":0,\"EADDRINUSE\":0,\"EAGAIN\":2},"
	"\"growth_per_s\":-0.125,\"opens_per_s\":0.333,\"closes_per_s\":0.000,\"failures_"
	"per_s\":0.000}],\"pools\":[{\"kind\":\"tcp-connect\",\"netns\":4026531840,\"fami"
	"ly\":\"ipv4\",\"local\":\"10.0.0.1\",\"remote\":\"10.0.0.2\",\"remote_port\":500"
	"1,\"used\":27000,\"capacity\":28232,\"fill\":0.9564},{\"kind\":\"udp\",\"netns\""
	":4026531840,\"used\":1,\"capacity\":3,\"fill\":0.3333}]},\n"
	"{\"cgroup\":\"/system.slice/web.service\",\"cgroup_hierarchy\":\"v2\",\"containe"
	"r\":{\"runtime\":\"systemd\",\"id\":\"\",\"pod_uid\":\"\",\"unit\":\"web.service"
	"\",\"pod_namespace\":\"\",\"pod\":\"\",\"container\":\"\"},\"class\":\"none\",\""
	"advice\":null,\"sockets_now\":3,\"sockets_peak\":3,\"failures\":40,\"failures_by"
	"_errno\":{\"EADDRNOTAVAIL\":37,\"EADDRINUSE\":3,\"EAGAIN\":0},\"states\":{\"LIST"
	"EN\":0,\"SYN-SENT\":0,\"ESTAB\":3,\"CLOSE-WAIT\":0,\"FIN-WAIT\":0,\"TIME-WAIT\":"
	"0,\"LAST-ACK\":0,\"BOUND\":0,\"UDP\":0},\"bind_before_connect\":0,\"passive\":0,"
	"\"growth_per_s\":0.000,\"opens_per_s\":0.000,\"closes_per_s\":0.000,\"failures_p"
	"er_s\":0.000,\"suspects\":[],\"pools\":[{\"kind\":\"tcp-connect\",\"netns\":4026"
	"532000,\"family\":\"ipv6\",\"local\":\"fd00::1\",\"remote\":\"2001:db8::2\",\"re"
	"mote_port\":443,\"used\":3,\"capacity\":28232,\"fill\":0.0001}]}],\n"
	"\"victims\":[\n"
	"{\"pid\":77,\"comm\":\"curl\",\"cgroup\":\"/system.slice/web.service\",\"cgroup_"
	"hierarchy\":\"v2\",\"container\":{\"runtime\":\"systemd\",\"id\":\"\",\"pod_uid"
	"\":\"\",\"unit\":\"web.service\",\"pod_namespace\":\"\",\"pod\":\"\",\"container"
	"\":\"\"},\"class\":\"none\",\"sockets_now\":3,\"sockets_peak\":3,\"failures\":40"
	",\"failures_by_errno\":{\"EADDRNOTAVAIL\":37,\"EADDRINUSE\":3,\"EAGAIN\":0},\"gr"
	"owth_per_s\":0.000,\"opens_per_s\":0.000,\"closes_per_s\":0.000,\"failures_per_s"
	"\":12.345}],\n"
	"\"refusals\":{\"recorded\":true,\"why_not\":null,\"refused\":0,\"would_refuse\":0,\"drop"
	"ped\":0,\"unkeyed_since_load\":0,\"rows\":[]}}\n";

static const char report_json_empty[] =
	"{\"version\":1,\"type\":\"report\",\"time\":\"T\",\"duration_s\":0.000,\"interval_ms"
	"\":0,\"samples\":0,\"window_ms\":0,\"breaches_to_enter\":0,\"lost_events\":0,\"misse"
	"d_runs\":0,\n"
	"\"containers\":[],\n"
	"\"victims\":[],\n"
	"\"refusals\":{\"recorded\":true,\"why_not\":null,\"refused\":0,\"would_refuse\":0,\"drop"
	"ped\":0,\"unkeyed_since_load\":0,\"rows\":[]}}\n";

static const char report_text[] =
	"portwarden leak report: 62 s observed, 123 samples every 500 ms\n"
	"(a short watch: leaks judged on a 20 s window and 2 agreeing samples, where the defa"
	"ults take 30 s and 15; run longer to be surer)\n"
	"(4 failure events were lost: the ring buffer was full; counts are exact)\n"
	"(the kernel skipped 1 runs of our programs: one was already running on that CPU; cou"
	"nts and owners may miss what those runs saw)\n"
	"\n"
	"CONTAINERS (2, suspects first)\n"
	"\n"
	"/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
	"f.scope  [docker 0123456789ab]\n"
	"  class: leak: held ports keep growing and are never released: close connections whe"
	"n done, or fix the pool that loses them\n"
	"  sockets: 26014 now, 26100 peak; LISTEN 1 ESTAB 26000 TIME-WAIT 12 UDP 1 (bind-befo"
	"re-connect 25)\n"
	"  rates: +250.5 sockets/s, 261.0 opens/s, 10.5 closes/s; failures suffered: 2 (EAGAI"
	"N 2)\n"
	"  suspects:\n"
	"    pid 4242 portleak: leak, +250.5 sockets/s, 26001 sockets (peak 26001), 260.2 ope"
	"ns/s\n"
	"    pid 31337 ab\"cd\\\\ef\\x09gh12345: close-wait, -0.1 sockets/s, 5 sockets (peak "
	"9), 0.3 opens/s\n"
	"  pools it holds ports in:\n"
	"    tcp-connect 10.0.0.1 -> 10.0.0.2:5001 in netns 4026531840: 27000 of 28232 ports "
	"(95.6%)\n"
	"    udp in netns 4026531840: 1 of 3 ports (33.3%)\n"
	"\n"
	"/system.slice/web.service  [systemd web.service]\n"
	"  class: none\n"
	"  sockets: 3 now, 3 peak; ESTAB 3\n"
	"  rates: +0.0 sockets/s, 0.0 opens/s, 0.0 closes/s; failures suffered: 40 (EADDRNOTA"
	"VAIL 37, EADDRINUSE 3)\n"
	"  pools it holds ports in:\n"
	"    tcp-connect fd00::1 -> 2001:db8::2:443 in netns 4026532000: 3 of 28232 ports (0."
	"0%)\n"
	"\n"
	"VICTIMS: processes that suffered failed port allocations (1)\n"
	"  pid 77 curl: 40 failures (EADDRNOTAVAIL 37, EADDRINUSE 3), 12.3/s at the end  in /"
	"system.slice/web.service\n"
	"\n"
	"REFUSALS by the port budget and lifeline hooks: 0 refused, 0 would have been (dry run"
	")\n";

/* "time":"YYYY-MM-DDTHH:MM:SSZ", now or a second ago. */
static void check_time(const char *doc)
{
	const char *t = strstr(doc, "\"time\":\"");
	char want[2][32];
	time_t now = time(NULL);

	ASSERT_TRUE(t != NULL);
	t += strlen("\"time\":\"");
	for (int i = 0; i < 2; i++) {
		time_t at = now - i;
		struct tm tm;

		gmtime_r(&at, &tm);
		strftime(want[i], sizeof(want[i]), "%Y-%m-%dT%H:%M:%SZ\"", &tm);
	}
	ASSERT_TRUE(!strncmp(t, want[0], strlen(want[0])) || !strncmp(t, want[1], strlen(want[1])));
}

/* @out, what a JSON view wrote (returning @err), is valid JSON stamped now,
 * and otherwise exactly @want. Frees @out. */
static void expect_json(int err, char *out, const char *want)
{
	const char *invalid = json_check(out);

	if (!err && !invalid)
		check_time(out);
	if (!err && !invalid)
		ASSERT_EQ_STR(fix_mask_time(out), want);
	free(out);
	ASSERT_EQ_INT(err, 0);
	ASSERT_TRUE(invalid == NULL);
}

/* @report's or the snapshot's JSON, of the fixture or of nothing. */
static int render_json(bool report, bool empty, char **out)
{
	struct view_fixture fx;
	struct snapshot no_snapshot = {0};
	struct report no_report = {0};
	struct labels none = {0};
	const struct labels *l = empty ? &none : &fx.labels;
	struct fix_out o;
	FILE *f = fix_open(&o);
	int err;

	fix_build(&fx);
	if (report)
		err = report_view_json(f, empty ? &no_report : &fx.report, l);
	else
		err = snapshot_view_json(f, empty ? &no_snapshot : &fx.snap, l);
	*out = fix_close(&o);
	return err;
}

UNIT_TEST(json_documents)
{
	static const struct {
		const char *name;
		bool report, empty;
		const char *want;
	} rows[] = {
		{"snapshot", false, false, snapshot_json},
		{"empty snapshot", false, true, snapshot_json_empty},
		{"report", true, false, report_json},
		{"empty report", true, true, report_json_empty},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out;
		int err;

		UNIT_ROW(rows[i].name);
		err = render_json(rows[i].report, rows[i].empty, &out);
		expect_json(err, out, rows[i].want);
	}
}

/* @text without its lines numbered in @drop (from 0, ascending), then @tail. */
static char *without_lines(const char *text, const int *drop, size_t nr_drop, const char *tail)
{
	struct fix_out o;
	FILE *f = fix_open(&o);
	size_t d = 0;

	for (int n = 0; *text; n++) {
		size_t len = strcspn(text, "\n") + 1;

		if (d < nr_drop && drop[d] == n)
			d++;
		else
			fwrite(text, 1, len, f);
		text += len;
	}
	fputs(tail, f);
	return fix_close(&o);
}

/* All rows, then two of each table: the third and fourth pools, the third
 * cgroup and the third process go, and a note says so. */
UNIT_TEST(snapshot_text_tables)
{
	static const int beyond_2[] = {4, 5, 11, 17};
	struct view_fixture fx;
	struct fix_out o;
	char *all, *two, *want;

	fix_build(&fx);
	all = fix_text(&o, snapshot_view_text(fix_open(&o), &fx.snap, &fx.labels, 0));
	two = fix_text(&o, snapshot_view_text(fix_open(&o), &fx.snap, &fx.labels, 2));
	want = without_lines(snapshot_text, beyond_2, 4,
			     "\n(first 2 rows of each table; --limit 0 shows all)\n");
	ASSERT_EQ_STR(all, snapshot_text);
	ASSERT_EQ_STR(two, want);
	free(all);
	free(two);
	free(want);
}

UNIT_TEST(report_text_document)
{
	struct view_fixture fx;
	struct fix_out o;
	char *out;

	fix_build(&fx);
	out = fix_text(&o, report_view_text(fix_open(&o), &fx.report, &fx.labels));
	ASSERT_EQ_STR(out, report_text);
	free(out);
}

/* A cgroup path and a comm are any bytes: JSON stays valid (UTF-8 too),
 * text prints none of them raw. */
UNIT_TEST(hostile_names_are_escaped)
{
	struct view_fixture fx;
	struct fix_out o;
	char *docs[4];

	fix_build(&fx);
	/* the hostile group leaks too, and so does its process */
	fx.containers[1].key = fix_hostile;
	fx.containers[1].class = LEAK_UDP;
	fx.suspects[1].group = fix_hostile;
	fx.containers[1].first_suspect = 1;
	fx.containers[1].nr_suspects = 1;
	fx.containers[0].nr_suspects = 1;
	docs[0] = fix_text(&o, snapshot_view_json(fix_open(&o), &fx.snap, &fx.labels));
	docs[1] = fix_text(&o, report_view_json(fix_open(&o), &fx.report, &fx.labels));
	docs[2] = fix_text(&o, snapshot_view_text(fix_open(&o), &fx.snap, &fx.labels, 0));
	docs[3] = fix_text(&o, report_view_text(fix_open(&o), &fx.report, &fx.labels));
	for (int i = 0; i < 4; i++) {
		UNIT_ROW(i == 0	  ? "snapshot json"
			 : i == 1 ? "report json"
			 : i == 2 ? "snapshot text"
				  : "report text");
		if (i < 2)
			ASSERT_JSON(docs[i]);
		ASSERT_TRUE(!fix_has_raw_control(docs[i]));
		ASSERT_TRUE(strstr(docs[i],
				   i < 2 ? "\"/evil\\\"q\\\\b\\u001b]0;x\\u0007\\n\\u007f\\u00ff/"
					   "\xc3\xa9t\xc3\xa9\""
					 : "/evil\"q\\\\b\\x1b]0;x\\x07\\x0a\\x7f\\xff/"
					   "\\xc3\\xa9t\\xc3\\xa9"));
		ASSERT_TRUE(strstr(docs[i], i < 2 ? "\"ab\\\"cd\\\\ef\\tgh12345\""
						  : "ab\"cd\\\\ef\\x09gh12345"));
	}
	for (int i = 0; i < 4; i++)
		free(docs[i]);
}

/* The HTML page: markup in a comm or a cgroup path stays text, control
 * bytes are shown, not written; a container's series becomes a chart. */
UNIT_TEST(html_page_escapes_and_charts)
{
	struct entity_key key = {.kind = ENTITY_GROUP, .group = fix_docker};
	struct view_fixture fx;
	struct history h;
	struct entity *e;
	struct fix_out o;
	char *page;

	fix_build(&fx);
	ASSERT_EQ_INT(history_init(&h, 8, 16), 0);
	e = history_get(&h, &key);
	ASSERT_TRUE(e != NULL);
	for (uint32_t i = 0; i < 3; i++) {
		struct sample s = {.t_ms = i * 1000, .held = {.total = 10 * i}};

		s.held.n[PS_ESTABLISHED] = 10 * i;
		history_push(&h, e, &s);
	}
	fx.containers[0].entity = e;
	fx.report.history = &h;
	memcpy(fx.suspects[0].comm, "<img src=x>\"'&", 15);
	fx.containers[1].key = fix_hostile;
	fx.containers[1].class = LEAK_UDP;
	page = fix_text(
		&o, report_view_html(fix_open(&o), &fx.report, &fx.labels, "incident: <script>"));
	ASSERT_TRUE(!fix_has_raw_control(page));
	ASSERT_TRUE(!strstr(page, "<img") && !strstr(page, "<script"));
	ASSERT_TRUE(strstr(page, "&lt;img src=x&gt;&quot;&#39;&amp;") != NULL);
	ASSERT_TRUE(strstr(page, "incident: &lt;script&gt;") != NULL);
	ASSERT_TRUE(strstr(page, "/evil&quot;q\\\\b\\x1b]0;x\\x07\\x0a\\x7f\\xff/"
				 "\xc3\xa9t\xc3\xa9") != NULL);
	ASSERT_TRUE(strstr(page, "Content-Security-Policy") != NULL);
	ASSERT_TRUE(strstr(page, "<b class=\"class\">leak</b>") != NULL);
	ASSERT_TRUE(strstr(page, "<polyline") != NULL); /* the docker container's chart */
	ASSERT_TRUE(strstr(page, "ESTAB") != NULL);
	free(page);
	history_free(&h);
}

/* The refusals section: by cgroup (its path escaped), errno, pool (by
 * cookie when the netns has no name) and reason; or why there is none. */
UNIT_TEST(report_refusals_rendered)
{
	struct refusal_count rows[2] = {
		{.key = {.cgroup_id = 1, .err = EADDRNOTAVAIL,
			 .pool = {.netns = 4026531840u, .family = AF_INET, .rport = 5001,
				  .raddr = {127, 0, 0, 1}, .kind = POOL_TCP_CONNECT}},
		 .count = 12},
		{.key = {.cgroup_id = 200, .err = EAGAIN, .dry_run = true, .lifeline = true,
			 .pool = {.netns_cookie = 8193, .kind = POOL_UDP}},
		 .count = 3},
	};
	struct group_key by_id = {.cgroup_id = 1};
	struct view_fixture fx;
	struct fix_out o;
	char *text, *json, *html;

	fix_build(&fx);
	/* the hooks name a cgroup by its cgroup2 id alone */
	for (size_t i = 0; i < fx.labels.nr; i++)
		if (!group_key_cmp(&fx.label_items[i].key, &fix_hostile))
			fx.label_items[i].key = by_id;
	labels_sort(&fx.labels);
	fx.report.refusals = (struct refusal_summary){rows, 2, 12, 3, 5};
	fx.report.refusals_unkeyed = 9;
	text = fix_text(&o, report_view_text(fix_open(&o), &fx.report, &fx.labels));
	json = fix_text(&o, report_view_json(fix_open(&o), &fx.report, &fx.labels));
	html = fix_text(&o, report_view_html(fix_open(&o), &fx.report, &fx.labels, "t"));
	ASSERT_TRUE(!fix_has_raw_control(text) && !fix_has_raw_control(html));
	ASSERT_JSON(json);
	ASSERT_TRUE(strstr(text, "REFUSALS by the port budget and lifeline hooks: 12 refused, 3 "
				 "would have been (dry run)\n"
				 "(5 refusals in this window are no longer kept by the daemon)\n"
				 "(9 refusals since the hooks loaded were not counted by cgroup, errno "
				 "and pool: the kernel's table was full)\n"
				 "  /evil\"q\\\\b\\x1b]0;x\\x07\\x0a\\x7f\\xff/\\xc3\\xa9t\\xc3\\xa9: "
				 "12 EADDRNOTAVAIL refused (budget) in the tcp-connect pool in netns "
				 "4026531840 to 127.0.0.1:5001\n"
				 "  /system.slice/web.service: 3 EAGAIN would have been refused "
				 "(lifeline) in the udp pool in netns cookie 8193\n"));
	ASSERT_TRUE(strstr(json, "\"refusals\":{\"recorded\":true,\"why_not\":null,\"refused\":"
				 "12,\"would_refuse\":3,\"dropped\":5,\"unkeyed_since_load\":9,"
				 "\"rows\":[\n{\"cgroup\":\"/evil\\\"q\\\\b\\u001b]0;x"));
	ASSERT_TRUE(strstr(json, "\"cgroup_id\":1,\"errno\":\"EADDRNOTAVAIL\",\"reason\":\"budget"
				 "\",\"dry_run\":false,\"count\":12,\"pool\":{\"kind\":\"tcp-connect"
				 "\",\"netns\":4026531840,\"netns_cookie\":0,\"family\":\"ipv4\","
				 "\"remote\":\"127.0.0.1\",\"remote_port\":5001,\"name\":\"tcp-conn"
				 "ect pool in netns 4026531840 to 127.0.0.1:5001\"}}"));
	ASSERT_TRUE(strstr(json, "\"reason\":\"lifeline\",\"dry_run\":true,\"count\":3,\"pool\":"
				 "{\"kind\":\"udp\",\"netns\":null,\"netns_cookie\":8193,"));
	ASSERT_TRUE(strstr(html, "<tr><td class=\"path\">/evil&quot;q\\\\b\\x1b]0;x\\x07\\x0a"
				 "\\x7f\\xff/\xc3\xa9t\xc3\xa9</td><td>EADDRNOTAVAIL</td><td>tcp-"
				 "connect pool in netns 4026531840 to 127.0.0.1:5001</td><td>budget</td>"
				 "<td>12</td><td>0</td></tr>"));
	free(text);
	free(json);
	free(html);
	/* a standalone report: why none */
	fx.report.refusals = (struct refusal_summary){0};
	fx.report.refusals_none = "no <hooks> here";
	text = fix_text(&o, report_view_text(fix_open(&o), &fx.report, &fx.labels));
	json = fix_text(&o, report_view_json(fix_open(&o), &fx.report, &fx.labels));
	html = fix_text(&o, report_view_html(fix_open(&o), &fx.report, &fx.labels, "t"));
	ASSERT_TRUE(strstr(text, "\nREFUSALS: not recorded: no <hooks> here\n") != NULL);
	ASSERT_TRUE(strstr(json, "\"refusals\":{\"recorded\":false,\"why_not\":\"no <hooks> here\"") != NULL);
	ASSERT_TRUE(strstr(html, "Not recorded: no &lt;hooks&gt; here.") != NULL);
	free(text);
	free(json);
	free(html);
}

/* A document the FILE refused is an error for the caller to report. */
UNIT_TEST(json_write_errors_are_returned)
{
	struct view_fixture fx;
	FILE *f = json_refusing_file();

	ASSERT_TRUE(f != NULL);
	fix_build(&fx);
	ASSERT_EQ_INT(snapshot_view_json(f, &fx.snap, &fx.labels), -EIO);
	ASSERT_EQ_INT(report_view_json(f, &fx.report, &fx.labels), -EIO);
	ASSERT_EQ_INT(report_view_html(f, &fx.report, &fx.labels, "t"), -EIO);
	fclose(f);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	RUN(json_documents);
	RUN(snapshot_text_tables);
	RUN(report_text_document);
	RUN(hostile_names_are_escaped);
	RUN(html_page_escapes_and_charts);
	RUN(report_refusals_rendered);
	RUN(json_write_errors_are_returned);
	return UNIT_MAIN_END();
}
