// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for escape_terminal() and json_write_string(), mostly with hostile input.
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/escape.h"
#include "json_check.h"
#include "unit.h"

#define CANARY	 0x5a
#define DST_ROOM 128

struct terminal_case {
	const char *name;
	const char *src;
	size_t src_len;
	size_t dst_size;
	const char *want;
};

static const struct terminal_case terminal_cases[] = {
	{"plain", "nginx", SIZE_MAX, DST_ROOM, "nginx"},
	{"empty", "", SIZE_MAX, DST_ROOM, ""},
	{"printable edges", " ~", SIZE_MAX, DST_ROOM, " ~"},
	{"quotes kept", "a\"b'c", SIZE_MAX, DST_ROOM, "a\"b'c"},
	{"backslash doubled", "a\\b", SIZE_MAX, DST_ROOM, "a\\\\b"},
	{"clear screen", "\x1b[2J", SIZE_MAX, DST_ROOM, "\\x1b[2J"},
	{"osc title", "\x1b]0;pwned\x07", SIZE_MAX, DST_ROOM, "\\x1b]0;pwned\\x07"},
	{"newline tab cr", "a\nb\tc\rd", SIZE_MAX, DST_ROOM, "a\\x0ab\\x09c\\x0dd"},
	{"fake escape stays literal", "\\x1b", SIZE_MAX, DST_ROOM, "\\\\x1b"},
	{"0x01 and 0x1f", "\x01\x1f", SIZE_MAX, DST_ROOM, "\\x01\\x1f"},
	{"del", "\x7f", SIZE_MAX, DST_ROOM, "\\x7f"},
	{"high bytes lower-case hex", "\x80\xab\xff", SIZE_MAX, DST_ROOM, "\\x80\\xab\\xff"},
	{"utf-8 escaped bytewise", "caf\xc3\xa9", SIZE_MAX, DST_ROOM, "caf\\xc3\\xa9"},
	{"8-bit csi",
	 "\x9b"
	 "2J",
	 SIZE_MAX, DST_ROOM, "\\x9b2J"},
	{"utf-8 c1 csi",
	 "\xc2\x9b"
	 "2J",
	 SIZE_MAX, DST_ROOM, "\\xc2\\x9b2J"},
	{"bidi override",
	 "a\xe2\x80\xae"
	 "b",
	 SIZE_MAX, DST_ROOM, "a\\xe2\\x80\\xaeb"},
	{"bidi isolate", "\xe2\x81\xa6", SIZE_MAX, DST_ROOM, "\\xe2\\x81\\xa6"},
	{"arabic letter mark", "\xd8\x9c", SIZE_MAX, DST_ROOM, "\\xd8\\x9c"},
	{"invalid utf-8", "\xed\xa0\x80\xc0", SIZE_MAX, DST_ROOM, "\\xed\\xa0\\x80\\xc0"},
	{"stops at nul", "ab\0cd", 5, DST_ROOM, "ab"},
	{"stops at src_len", "abcdef", 3, DST_ROOM, "abc"},
	{"src_len zero", "abc", 0, DST_ROOM, ""},
	{"src_len cuts before escape", "a\x1b", 1, DST_ROOM, "a"},
	{"exact fit", "abc", SIZE_MAX, 4, "abc"},
	{"one short", "abc", SIZE_MAX, 3, "ab"},
	{"escape exact fit", "\x1b", SIZE_MAX, 5, "\\x1b"},
	{"escape one short", "\x1b", SIZE_MAX, 4, ""},
	{"escape not split", "a\x1b", SIZE_MAX, 5, "a"},
	{"escape not split mid", "ab\x1b", SIZE_MAX, 6, "ab"},
	{"backslash exact fit", "\\", SIZE_MAX, 3, "\\\\"},
	{"backslash not split", "\\", SIZE_MAX, 2, ""},
	{"room for nul only", "abc", SIZE_MAX, 1, ""},
	{"no room at all", "abc", SIZE_MAX, 0, NULL},
	{"null src", NULL, 4, DST_ROOM, ""},
};

/* Checks the output, the return value and that nothing past dst_size was written. */
static void check_terminal_case(const struct terminal_case *t)
{
	char dst[DST_ROOM + 16];
	size_t got, i;

	UNIT_ROW(t->name);
	memset(dst, CANARY, sizeof(dst));
	got = escape_terminal(dst, t->dst_size, t->src, t->src_len);
	if (!t->want) {
		ASSERT_EQ_INT(got, 0);
	} else {
		ASSERT_EQ_STR(dst, t->want);
		ASSERT_EQ_INT(got, strlen(t->want));
	}
	for (i = t->dst_size; i < sizeof(dst); i++)
		ASSERT_EQ_INT((unsigned char)dst[i], CANARY);
}

UNIT_TEST(test_terminal_table)
{
	size_t i;

	for (i = 0; i < sizeof(terminal_cases) / sizeof(terminal_cases[0]); i++)
		check_terminal_case(&terminal_cases[i]);
}

/* Every byte value on its own: kept only if printable and not '\', else \xNN of itself. */
UNIT_TEST(test_terminal_every_byte)
{
	char src[1], dst[8], want[8];
	int b;

	for (b = 1; b < 256; b++) {
		src[0] = (char)b;
		if (b == '\\')
			strcpy(want, "\\\\");
		else if (b >= 0x20 && b <= 0x7e)
			snprintf(want, sizeof(want), "%c", b);
		else
			snprintf(want, sizeof(want), "\\x%02x", b);
		escape_terminal(dst, sizeof(dst), src, 1);
		ASSERT_EQ_STR(dst, want);
	}
}

/* A comm is 16 bytes with no NUL when the name is 16 long; nothing past it may be read. */
UNIT_TEST(test_terminal_comm_without_nul)
{
	char *comm = malloc(16); /* exactly 16, so valgrind sees any read past the end */
	char dst[ESCAPE_TERMINAL_BUF_SIZE(16)];
	size_t got;

	ASSERT_TRUE(comm != NULL);
	memcpy(comm, "0123456789abcdef", 16);
	got = escape_terminal(dst, sizeof(dst), comm, 16);
	free(comm);
	ASSERT_EQ_STR(dst, "0123456789abcdef");
	ASSERT_EQ_INT(got, 16);
}

/* ESCAPE_TERMINAL_BUF_SIZE() is enough for the worst case: every byte escaped. */
UNIT_TEST(test_terminal_buf_size_worst_case)
{
	char src[16], dst[ESCAPE_TERMINAL_BUF_SIZE(sizeof(src))];
	size_t got;

	memset(src, 0xff, sizeof(src));
	got = escape_terminal(dst, sizeof(dst), src, sizeof(src));
	ASSERT_EQ_INT(got, 4 * sizeof(src));
	ASSERT_EQ_INT(sizeof(dst), got + 1);
	ASSERT_TRUE(strncmp(dst + got - 4, "\\xff", 5) == 0);
}

UNIT_TEST(test_terminal_zero_size_null_dst)
{
	ASSERT_EQ_INT(escape_terminal(NULL, 0, "abc", 3), 0);
}

/* Runs json_write_string() and returns what it wrote, as a string in @buf. */
static void json_of(char *buf, size_t size, const char *src, size_t src_len)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);

	buf[0] = '\0';
	if (!out)
		return;
	json_write_string(out, src, src_len);
	fclose(out);
	snprintf(buf, size, "%s", text);
	free(text);
}

struct json_case {
	const char *name;
	const char *src;
	size_t src_len;
	const char *want;
};

static const struct json_case json_cases[] = {
	{"empty", "", SIZE_MAX, "\"\""},
	{"null src", NULL, 3, "\"\""},
	{"plain", "nginx", SIZE_MAX, "\"nginx\""},
	{"quote and backslash", "a\"b\\c", SIZE_MAX, "\"a\\\"b\\\\c\""},
	{"slash kept", "/docker/x", SIZE_MAX, "\"/docker/x\""},
	{"short forms", "\b\f\n\r\t", SIZE_MAX, "\"\\b\\f\\n\\r\\t\""},
	{"other controls", "\x01\x0b\x1f", SIZE_MAX, "\"\\u0001\\u000b\\u001f\""},
	{"clear screen", "\x1b[2J", SIZE_MAX, "\"\\u001b[2J\""},
	{"del", "\x7f", SIZE_MAX, "\"\\u007f\""},
	{"printable edges", " ~", SIZE_MAX, "\" ~\""},
	{"2-byte", "caf\xc3\xa9", SIZE_MAX, "\"caf\xc3\xa9\""},
	{"3-byte", "\xe2\x82\xac", SIZE_MAX, "\"\xe2\x82\xac\""},
	{"4-byte", "\xf0\x9f\x98\x80", SIZE_MAX, "\"\xf0\x9f\x98\x80\""},
	{"u+00a0", "\xc2\xa0", SIZE_MAX, "\"\xc2\xa0\""},
	{"u+07ff", "\xdf\xbf", SIZE_MAX, "\"\xdf\xbf\""},
	{"u+0800", "\xe0\xa0\x80", SIZE_MAX, "\"\xe0\xa0\x80\""},
	{"u+d7ff", "\xed\x9f\xbf", SIZE_MAX, "\"\xed\x9f\xbf\""},
	{"u+e000", "\xee\x80\x80", SIZE_MAX, "\"\xee\x80\x80\""},
	{"u+ffff", "\xef\xbf\xbf", SIZE_MAX, "\"\xef\xbf\xbf\""},
	{"u+10000", "\xf0\x90\x80\x80", SIZE_MAX, "\"\xf0\x90\x80\x80\""},
	{"u+10ffff", "\xf4\x8f\xbf\xbf", SIZE_MAX, "\"\xf4\x8f\xbf\xbf\""},
	{"lone continuation", "\x80", SIZE_MAX, "\"\\u0080\""},
	{"0xfe 0xff", "\xfe\xff", SIZE_MAX, "\"\\u00fe\\u00ff\""},
	{"overlong 2-byte c0", "\xc0\xaf", SIZE_MAX, "\"\\u00c0\\u00af\""},
	{"overlong 2-byte c1", "\xc1\xbf", SIZE_MAX, "\"\\u00c1\\u00bf\""},
	{"overlong 3-byte", "\xe0\x80\xaf", SIZE_MAX, "\"\\u00e0\\u0080\\u00af\""},
	{"overlong 4-byte", "\xf0\x8f\xbf\xbf", SIZE_MAX, "\"\\u00f0\\u008f\\u00bf\\u00bf\""},
	{"surrogate", "\xed\xa0\x80", SIZE_MAX, "\"\\u00ed\\u00a0\\u0080\""},
	{"above u+10ffff", "\xf4\x90\x80\x80", SIZE_MAX, "\"\\u00f4\\u0090\\u0080\\u0080\""},
	{"lead 0xf5", "\xf5\x80\x80\x80", SIZE_MAX, "\"\\u00f5\\u0080\\u0080\\u0080\""},
	{"truncated at end", "\xe2\x82", SIZE_MAX, "\"\\u00e2\\u0082\""},
	{"truncated by src_len", "\xe2\x82\xac", 2, "\"\\u00e2\\u0082\""},
	{"4-byte truncated by src_len", "\xf0\x9f\x98\x80", 3, "\"\\u00f0\\u009f\\u0098\""},
	{"truncated by nul", "\xc3\0\xa9", 3, "\"\\u00c3\""},
	{"truncated then ascii",
	 "\xe2\x82"
	 "A",
	 SIZE_MAX, "\"\\u00e2\\u0082A\""},
	{"bad lead then valid", "\xc3\xc3\xa9", SIZE_MAX, "\"\\u00c3\xc3\xa9\""},
	{"quote after bad lead", "\xc3\"", SIZE_MAX, "\"\\u00c3\\\"\""},
	{"c1 first", "\xc2\x80", SIZE_MAX, "\"\\u0080\""},
	{"c1 csi",
	 "\xc2\x9b"
	 "2J",
	 SIZE_MAX, "\"\\u009b2J\""},
	{"c1 last", "\xc2\x9f", SIZE_MAX, "\"\\u009f\""},
	{"nbsp after c1 kept", "\xc2\xa0", SIZE_MAX, "\"\xc2\xa0\""},
	{"lrm rlm", "\xe2\x80\x8e\xe2\x80\x8f", SIZE_MAX, "\"\\u200e\\u200f\""},
	{"alm", "\xd8\x9c", SIZE_MAX, "\"\\u061c\""},
	{"rlo",
	 "x\xe2\x80\xae"
	 "y",
	 SIZE_MAX, "\"x\\u202ey\""},
	{"lre..lro", "\xe2\x80\xaa\xe2\x80\xad", SIZE_MAX, "\"\\u202a\\u202d\""},
	{"isolates", "\xe2\x81\xa6\xe2\x81\xa9", SIZE_MAX, "\"\\u2066\\u2069\""},
	{"line separators", "\xe2\x80\xa8\xe2\x80\xa9", SIZE_MAX, "\"\\u2028\\u2029\""},
	{"zwj kept", "\xe2\x80\x8d", SIZE_MAX, "\"\xe2\x80\x8d\""},
	{"u+206a kept", "\xe2\x81\xaa", SIZE_MAX, "\"\xe2\x81\xaa\""},
	{"stops at nul", "ab\0cd", 5, "\"ab\""},
	{"stops at src_len", "abcdef", 3, "\"abc\""},
};

UNIT_TEST(test_json_table)
{
	char got[256];
	size_t i;

	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		UNIT_ROW(json_cases[i].name);
		json_of(got, sizeof(got), json_cases[i].src, json_cases[i].src_len);
		ASSERT_EQ_STR(got, json_cases[i].want);
	}
}

/* Runs html_write_string() and returns what it wrote, as a string in @buf. */
static void html_of(char *buf, size_t size, const char *src, size_t src_len)
{
	char *text = NULL;
	size_t text_len = 0;
	FILE *out = open_memstream(&text, &text_len);

	buf[0] = '\0';
	if (!out)
		return;
	html_write_string(out, src, src_len);
	fclose(out);
	snprintf(buf, size, "%s", text);
	free(text);
}

static const struct json_case html_cases[] = {
	{"plain", "nginx", SIZE_MAX, "nginx"},
	{"script tag", "<script>alert(1)</script>", SIZE_MAX,
	 "&lt;script&gt;alert(1)&lt;/script&gt;"},
	{"img onerror", "<img src=x onerror=alert(1)>", SIZE_MAX,
	 "&lt;img src=x onerror=alert(1)&gt;"},
	{"quotes leave no attribute", "a\"b'c", SIZE_MAX, "a&quot;b&#39;c"},
	{"ampersand and entity", "&lt;", SIZE_MAX, "&amp;lt;"},
	{"backslash doubled", "a\\b", SIZE_MAX, "a\\\\b"},
	{"controls shown", "\x1b[2J\n", SIZE_MAX, "\\x1b[2J\\x0a"},
	{"utf-8 kept", "caf\xc3\xa9", SIZE_MAX, "caf\xc3\xa9"},
	{"bidi override as text",
	 "a\xe2\x80\xae"
	 "b",
	 SIZE_MAX, "a\\u202eb"},
	{"bidi isolate as text", "\xe2\x81\xa6", SIZE_MAX, "\\u2066"},
	{"c1 csi as text", "\xc2\x9b", SIZE_MAX, "\\u009b"},
	{"invalid utf-8 bytes", "\xed\xa0\x80\xc0<", SIZE_MAX, "\\xed\\xa0\\x80\\xc0&lt;"},
	{"cut sequence", "\xe2\x80", SIZE_MAX, "\\xe2\\x80"},
	{"stops at nul", "ab\0<", 4, "ab"},
	{"stops at src_len", "ab<", 2, "ab"},
	{"null is empty", NULL, SIZE_MAX, ""},
};

UNIT_TEST(test_html_table)
{
	char got[256];
	size_t i;

	for (i = 0; i < sizeof(html_cases) / sizeof(html_cases[0]); i++) {
		UNIT_ROW(html_cases[i].name);
		html_of(got, sizeof(got), html_cases[i].src, html_cases[i].src_len);
		ASSERT_EQ_STR(got, html_cases[i].want);
	}
}

/* No byte value, alone or after a lead byte, leaves a markup character raw. */
UNIT_TEST(test_html_every_byte)
{
	char src[3], got[64];

	for (int c = 1; c < 256; c++) {
		src[0] = (char)c;
		src[1] = '<';
		src[2] = '\0';
		html_of(got, sizeof(got), src, SIZE_MAX);
		ASSERT_TRUE(!strpbrk(got, "<>\"'"));
	}
}

UNIT_TEST(test_json_comm_without_nul)
{
	char *comm = malloc(16); /* exactly 16, so valgrind sees any read past the end */
	char got[64];

	ASSERT_TRUE(comm != NULL);
	memcpy(comm, "worker\x1b[2J\xc3\xa9\"xyz", 16);
	json_of(got, sizeof(got), comm, 16);
	free(comm);
	ASSERT_EQ_STR(got, "\"worker\\u001b[2J\xc3\xa9\\\"xyz\"");
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Maps the letter after '\' in a short escape to its byte; -1 if there is no such escape. */
static int short_escape_byte(char letter)
{
	static const char pairs[] = "\"\"\\\\b\bf\fn\nr\rt\t"; /* letter, byte, letter, ... */
	size_t i;

	for (i = 0; pairs[i]; i += 2)
		if (pairs[i] == letter)
			return (unsigned char)pairs[i + 1];
	return -1;
}

/*
 * Undoes the escapes json_write_string() uses, byte for byte, so "\u00e9" gives back the
 * byte 0xe9 (and "\u0085" the byte 0x85: see c1_as_bytes()), "\u202e" its UTF-8. Returns the number of bytes, or -1 if @json is not such a string.
 */
static int json_unescape(const char *json, char *bytes, size_t size)
{
	size_t len = strlen(json), n = 0, i;

	if (len < 2 || json[0] != '"' || json[len - 1] != '"')
		return -1;
	for (i = 1; i < len - 1; i++) {
		unsigned char c = json[i];

		if (n == size || c < 0x20 || c == 0x7f || c == '"')
			return -1;
		if (c != '\\') {
			bytes[n++] = c;
		} else if (++i == len - 1) {
			return -1; /* the closing quote was escaped */
		} else if (json[i] == 'u') {
			int v = 0;

			for (int k = 1; k <= 4; k++) {
				if (hex_value(json[i + k]) < 0)
					return -1;
				v = v * 16 + hex_value(json[i + k]);
			}
			if (v < 0x100) {
				bytes[n++] = v;
			} else if (v < 0x800 && n + 2 <= size) { /* U+061C: its UTF-8 */
				bytes[n++] = 0xc0 | v >> 6;
				bytes[n++] = 0x80 | (v & 0x3f);
			} else if (v >= 0x800 && n + 3 <= size) { /* a bidi mark: its UTF-8 */
				bytes[n++] = 0xe0 | v >> 12;
				bytes[n++] = 0x80 | (v >> 6 & 0x3f);
				bytes[n++] = 0x80 | (v & 0x3f);
			} else {
				return -1;
			}
			i += 4;
		} else if (short_escape_byte(json[i]) >= 0) {
			bytes[n++] = short_escape_byte(json[i]);
		} else {
			return -1;
		}
	}
	return n;
}

/* glibc's iconv rejects overlongs, surrogates and truncated sequences. */
static int is_valid_utf8(const char *s)
{
	iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
	char out[4096], *in = (char *)s, *outp = out;
	size_t in_left = strlen(s), out_left = sizeof(out);
	size_t rc;

	if (cd == (iconv_t)-1)
		return -1;
	rc = iconv(cd, &in, &in_left, &outp, &out_left);
	iconv_close(cd);
	return rc != (size_t)-1 && in_left == 0;
}

/*
 * What json_unescape() gives back for @src: a well-formed C1 control (0xc2 0x80..0x9f)
 * is written "\u0080".."\u009f", the same as a stray byte 0x80..0x9f, so it comes back
 * as that one byte. Returns the length.
 */
static int c1_as_bytes(const char *src, int len, char *out)
{
	int n = 0;

	for (int i = 0; i < len; i++) {
		unsigned char c = src[i], next = i + 1 < len ? src[i + 1] : 0;

		if (c == 0xc2 && next >= 0x80 && next <= 0x9f)
			continue; /* 0xc2 is never a continuation byte: this is a C1 control */
		out[n++] = c;
	}
	return n;
}

/*
 * Random bytes, many of them high or control: the output must be valid JSON (valid UTF-8,
 * no raw control byte, no raw C1 or bidi mark), and unescaping it must give back the
 * input, C1 controls as their one byte.
 */
UNIT_TEST(test_json_random_roundtrip)
{
	static const unsigned char pool[] = {0x00, 0x1b, 0x0a, '"',  '\\', 'a',	 0x7f, 0x80, 0xbf,
					     0xc2, 0xc3, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xff, 0x9b,
					     0xe2, 0x80, 0xae, 0x81, 0xa6, 0xd8, 0x9c};
	char src[32], json[256], back[64], want[32];
	uint32_t seed = 12345;
	int round, len, i;

	if (is_valid_utf8("\xed\xa0\x80") != 0 || is_valid_utf8("\xc3\xa9") != 1)
		SKIP_TEST("iconv cannot tell valid UTF-8 from invalid here");
	for (round = 0; round < 20000; round++) {
		char row[32];

		for (i = 0; i < (int)sizeof(src); i++) {
			seed = seed * 1103515245 + 12345;
			src[i] = (seed >> 16) % 3 ? pool[(seed >> 20) % sizeof(pool)] : seed >> 24;
		}
		len = (int)strnlen(src, sizeof(src));
		snprintf(row, sizeof(row), "round %d", round);
		UNIT_ROW(row);
		json_of(json, sizeof(json), src, sizeof(src));
		ASSERT_EQ_INT(is_valid_utf8(json), 1);
		ASSERT_JSON(json);
		len = c1_as_bytes(src, len, want);
		ASSERT_EQ_INT(json_unescape(json, back, sizeof(back)), len);
		ASSERT_TRUE(memcmp(back, want, len) == 0);
	}
}

int main(void)
{
	RUN(test_terminal_table);
	RUN(test_terminal_every_byte);
	RUN(test_terminal_comm_without_nul);
	RUN(test_terminal_buf_size_worst_case);
	RUN(test_terminal_zero_size_null_dst);
	RUN(test_json_table);
	RUN(test_json_comm_without_nul);
	RUN(test_json_random_roundtrip);
	RUN(test_html_table);
	RUN(test_html_every_byte);
	return UNIT_MAIN_END();
}
