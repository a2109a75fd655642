// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the text and JSON renderings of an event, hostile names included.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "unit.h"
#include "views/event_format.h"

static struct pw_event sample_event(void)
{
	struct pw_event e = {
		.ts_ns = 1,
		.cookie = 77,
		.cgroup_id = 1234,
		.tgid = 4242,
		.pid = 4243,
		.netns = 4026531840u,
		.err = EADDRNOTAVAIL,
		.dport = 5001,
		.family = AF_INET,
		.protocol = IPPROTO_TCP,
		.op = PW_OP_CONNECT,
		.source = PW_SRC_STATE,
		.flags = PW_EVF_ALLOC_FAILED | PW_EVF_OWNER_KNOWN,
	};

	inet_pton(AF_INET, "127.0.0.1", e.saddr);
	inet_pton(AF_INET, "127.0.0.2", e.daddr);
	memcpy(e.comm, "portleak", 9);
	return e;
}

/* The runtime's names render() gives its container (host/runtime_names.c's job). */
static struct container_names render_names;

/* Render @e into a malloc'ed string. */
static char *render(const struct pw_event *e, const char *cgroup_path, int json)
{
	struct cgroup_place place = {.hierarchy = "v2"};
	struct container_id container = {0};
	struct event_view v = {.ev = e,
			       .place = &place,
			       .container = &container,
			       .wall = {.tv_sec = 1700000000, .tv_nsec = 123456789}};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	place.path = cgroup_path;
	container_from_cgroup_path(place.path, &container);
	container.names = render_names;
	if (json)
		event_format_json(f, &v);
	else
		event_format_text(f, &v);
	fclose(f);
	return buf;
}

static int has_raw_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n')
			return 1;
	return 0;
}

UNIT_TEST(json_fields)
{
	struct pw_event e = sample_event();
	char *out = render(&e, "/portwarden-test/tcp", 1);

	ASSERT_TRUE(strstr(out, "{\"type\":\"event\",\"ts\":\"2023-11-14T22:13:20.123456Z\"") ==
		    out);
	ASSERT_TRUE(strstr(out, "\"op\":\"connect\",\"proto\":\"tcp\",\"family\":\"ipv4\""));
	ASSERT_TRUE(strstr(out, "\"pid\":4242,\"tid\":4243,\"comm\":\"portleak\""));
	ASSERT_TRUE(strstr(out, "\"cgroup\":\"/portwarden-test/tcp\",\"cgroup_hierarchy\":\"v2\""));
	ASSERT_TRUE(strstr(out, "\"container\":null"));
	ASSERT_TRUE(strstr(out, "\"saddr\":\"127.0.0.1\",\"sport\":0,\"daddr\":\"127.0.0.2\","
				"\"dport\":5001"));
	ASSERT_TRUE(strstr(out, "\"errno\":99,\"result\":\"EADDRNOTAVAIL\",\"alloc_failed\":true,"
				"\"source\":\"state\"}\n"));
	free(out);
}

UNIT_TEST(json_unknown_owner_is_null)
{
	struct pw_event e = sample_event();
	char *out;

	e.flags = 0;
	e.err = 0;
	out = render(&e, "/", 1);
	ASSERT_TRUE(strstr(out, "\"pid\":null,\"tid\":null,\"comm\":null"));
	ASSERT_TRUE(strstr(out, "\"result\":\"ok\",\"alloc_failed\":false"));
	free(out);
}

UNIT_TEST(json_container_identity)
{
	struct pw_event e = sample_event();
	char *out = render(&e,
			   "/system.slice/docker-0123456789abcdef0123456789abcdef"
			   "0123456789abcdef0123456789abcdef.scope",
			   1);

	ASSERT_TRUE(strstr(out, "\"container\":{\"runtime\":\"docker\",\"id\":\"0123456789abcdef"));
	free(out);
}

/* The runtime's names: in the container object of JSON, after the cgroup in
 * text, escaped in both (a pod spec chose them). */
UNIT_TEST(container_names_shown_escaped)
{
	static const char path[] = "/kubepods/pod1234abcd-5678-90ef-1234-567890abcdef/"
				   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct pw_event e = sample_event();
	char *json, *text;

	render_names = (struct container_names){
		.pod_namespace = "kube-system", .pod = "dns\x1b[2J", .container = "coredns"};
	json = render(&e, path, 1);
	text = render(&e, path, 0);
	render_names = (struct container_names){0};
	ASSERT_TRUE(!has_raw_control(json));
	ASSERT_TRUE(strstr(json, "\"pod_namespace\":\"kube-system\",\"pod\":\"dns\\u001b[2J\","
				 "\"container\":\"coredns\"}"));
	ASSERT_TRUE(!has_raw_control(text));
	ASSERT_TRUE(strstr(text, "0123456789abcdef (kube-system/dns\\x1b[2J/coredns)\n"));
	free(json);
	free(text);
	/* none: the line ends at the cgroup, as before */
	text = render(&e, path, 0);
	ASSERT_TRUE(strstr(text, "0123456789abcdef\n"));
	free(text);
}

/* A process chooses its comm and a container its cgroup name: neither may
 * break a JSON consumer or drive the terminal. */
UNIT_TEST(hostile_names_are_escaped)
{
	struct pw_event e = sample_event();
	char *json, *text;

	memcpy(e.comm, "\x1b[2J\"x\\\n\xff", 9);
	json = render(&e, "/evil\x1b]0;pwned\x07/\"quoted\"", 1);
	text = render(&e, "/evil\x1b]0;pwned\x07/\"quoted\"", 0);
	ASSERT_TRUE(!has_raw_control(json));
	ASSERT_TRUE(strstr(json, "\"comm\":\"\\u001b[2J\\\"x\\\\\\n\\u00ff\""));
	ASSERT_TRUE(strstr(json, "\"cgroup\":\"/evil\\u001b]0;pwned\\u0007/\\\"quoted\\\"\""));
	ASSERT_TRUE(!has_raw_control(text));
	ASSERT_TRUE(strstr(text, "\\x1b[2J\"x\\\\\\x0a\\xff"));
	ASSERT_TRUE(strstr(text, "/evil\\x1b]0;pwned\\x07/\"quoted\""));
	free(json);
	free(text);
}

UNIT_TEST(text_line_columns)
{
	struct pw_event e = sample_event();
	char *out = render(&e, "/portwarden-test/tcp", 0);

	ASSERT_TRUE(strstr(out, " 4242    portleak         connect  tcp   127.0.0.1:0"));
	ASSERT_TRUE(strstr(out, "127.0.0.2:5001         EADDRNOTAVAIL /portwarden-test/tcp\n"));
	ASSERT_TRUE(strchr(out, '\n') == out + strlen(out) - 1);
	free(out);
}

UNIT_TEST(ipv6_addresses)
{
	struct pw_event e = sample_event();
	char *text, *json;

	e.family = AF_INET6;
	inet_pton(AF_INET6, "::1", e.saddr);
	inet_pton(AF_INET6, "fd00::2", e.daddr);
	text = render(&e, "/", 0);
	json = render(&e, "/", 1);
	ASSERT_TRUE(strstr(text, "[::1]:0"));
	ASSERT_TRUE(strstr(text, "[fd00::2]:5001"));
	ASSERT_TRUE(strstr(json, "\"family\":\"ipv6\""));
	ASSERT_TRUE(strstr(json, "\"saddr\":\"::1\""));
	free(text);
	free(json);
}

UNIT_TEST(names)
{
	char buf[16];

	ASSERT_EQ_STR(event_op_name(PW_OP_AUTOBIND), "autobind");
	ASSERT_EQ_STR(event_op_name(0), "unknown");
	ASSERT_EQ_STR(event_source_name(PW_SRC_SYSCALL), "syscall");
	ASSERT_EQ_STR(event_result_name(0, buf, sizeof(buf)), "ok");
	ASSERT_EQ_STR(event_result_name(EAGAIN, buf, sizeof(buf)), "EAGAIN");
	ASSERT_EQ_STR(event_result_name(EADDRINUSE, buf, sizeof(buf)), "EADDRINUSE");
	ASSERT_EQ_STR(event_result_name(4000, buf, sizeof(buf)), "E4000");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	RUN(json_fields);
	RUN(json_unknown_owner_is_null);
	RUN(json_container_identity);
	RUN(container_names_shown_escaped);
	RUN(hostile_names_are_escaped);
	RUN(text_line_columns);
	RUN(ipv6_addresses);
	RUN(names);
	return UNIT_MAIN_END();
}
