// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for the JSON writer: commas, nesting, line breaks, escaping,
// number formats, misuse and write errors; and for the tests' own validator.
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "json_check.h"
#include "unit.h"
#include "views/json.h"

struct doc {
	char *buf;
	size_t len;
	FILE *f;
	struct json_writer w;
};

static void doc_open(struct doc *d)
{
	d->buf = NULL;
	d->len = 0;
	d->f = open_memstream(&d->buf, &d->len);
	json_init(&d->w, d->f);
}

/* json_finish's result; d->buf then holds the text. */
static int doc_close(struct doc *d)
{
	int err = json_finish(&d->w);

	fclose(d->f);
	return err;
}

/* Ends @d and checks it is valid JSON, exactly @want. */
static void expect_doc(struct doc *d, const char *want)
{
	ASSERT_EQ_INT(doc_close(d), 0);
	ASSERT_EQ_STR(d->buf, want);
	ASSERT_JSON(d->buf);
	free(d->buf);
}

UNIT_TEST(commas_and_nesting)
{
	struct doc d;

	doc_open(&d);
	json_object_begin(&d.w);
	json_field_str(&d.w, "a", "x");
	json_key(&d.w, "list");
	json_array_begin(&d.w);
	json_uint(&d.w, 1);
	json_object_begin(&d.w);
	json_object_end(&d.w);
	json_array_begin(&d.w);
	json_array_end(&d.w);
	json_str(&d.w, "y");
	json_array_end(&d.w);
	json_key(&d.w, "o");
	json_object_begin(&d.w);
	json_field_null(&d.w, "n");
	json_field_bool(&d.w, "t", true);
	json_field_bool(&d.w, "f", false);
	json_object_end(&d.w);
	json_object_end(&d.w);
	expect_doc(&d, "{\"a\":\"x\",\"list\":[1,{},[],\"y\"],\"o\":{\"n\":null,\"t\":true,"
		       "\"f\":false}}\n");
}

/* json_break puts the next member or element on a new line, after its comma. */
/* json_break puts the next member on a new line, after its comma; an array
 * begun with json_array_begin_lines puts each element on one, but not what
 * the elements hold; an empty one stays "[]". */
UNIT_TEST(breaks_start_new_lines)
{
	struct doc d;

	doc_open(&d);
	json_object_begin(&d.w);
	json_field_uint(&d.w, "v", 1);
	json_break(&d.w);
	json_key(&d.w, "rows");
	json_array_begin_lines(&d.w);
	for (int i = 0; i < 2; i++) {
		json_object_begin(&d.w);
		json_field_int(&d.w, "i", i);
		json_key(&d.w, "in");
		json_array_begin(&d.w);
		json_uint(&d.w, 1);
		json_uint(&d.w, 2);
		json_array_end(&d.w);
		json_object_end(&d.w);
	}
	json_array_end(&d.w);
	json_break(&d.w);
	json_key(&d.w, "none");
	json_array_begin_lines(&d.w);
	json_array_end(&d.w);
	json_key(&d.w, "flat");
	json_array_begin(&d.w);
	json_break(&d.w);
	json_null(&d.w);
	json_null(&d.w);
	json_array_end(&d.w);
	json_object_end(&d.w);
	expect_doc(&d, "{\"v\":1,\n\"rows\":[\n{\"i\":0,\"in\":[1,2]},\n{\"i\":1,\"in\":[1,2]}],"
		       "\n\"none\":[],\"flat\":[\nnull,null]}\n");
}

UNIT_TEST(strings_are_escaped)
{
	/* keys too: a state name or a type is data as well */
	static const char hostile[] = "q\"b\\c\x01n\nt\tdel\x7f bad\xff ok\xc3\xa9";
	struct doc d;

	doc_open(&d);
	json_object_begin(&d.w);
	json_field_str(&d.w, hostile, hostile);
	json_field_str(&d.w, "null", NULL);
	/* a fixed field with no NUL: only its length is read */
	json_field_strn(&d.w, "comm", "0123456789abcdefXYZ", 16);
	json_field_strn(&d.w, "short", "ab\0cd", 5);
	json_object_end(&d.w);
	expect_doc(&d, "{\"q\\\"b\\\\c\\u0001n\\nt\\tdel\\u007f bad\\u00ff ok\xc3\xa9\":"
		       "\"q\\\"b\\\\c\\u0001n\\nt\\tdel\\u007f bad\\u00ff ok\xc3\xa9\","
		       "\"null\":null,\"comm\":\"0123456789abcdef\",\"short\":\"ab\"}\n");
}

/*
 * Well-formed UTF-8 that drives a terminal: a C1 CSI (0xc2 0x9b), bidi overrides and
 * isolates, marks. Each comes out as \uXXXX, so `jq -r` or a terminal showing the raw
 * JSON never acts on it; plain accented text stays raw.
 */
UNIT_TEST(terminal_code_points_are_escaped)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"\xc2\x9b"
		 "2J",
		 "\"\\u009b2J\"\n"},
		{"\xc2\x80\xc2\x9f\xc2\xa0", "\"\\u0080\\u009f\xc2\xa0\"\n"},
		{"a\xe2\x80\xae"
		 "b",
		 "\"a\\u202eb\"\n"},
		{"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
		 "\"\\u202a\\u202b\\u202c\\u202d\"\n"},
		{"\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
		 "\"\\u2066\\u2067\\u2068\\u2069\"\n"},
		{"\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\"\\u200e\\u200f\\u061c\"\n"},
		{"\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"\n"},
		{"\xe2\x80\x8d\xe2\x81\xaa caf\xc3\xa9",
		 "\"\xe2\x80\x8d\xe2\x81\xaa caf\xc3\xa9\"\n"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct doc d;

		UNIT_ROW(cases[i].want);
		doc_open(&d);
		json_str(&d.w, cases[i].in);
		ASSERT_EQ_INT(doc_close(&d), 0);
		ASSERT_EQ_STR(d.buf, cases[i].want);
		ASSERT_JSON(d.buf);
		free(d.buf);
	}
}

UNIT_TEST(number_formats)
{
	struct doc d;

	doc_open(&d);
	json_array_begin(&d.w);
	json_uint(&d.w, UINT64_MAX);
	json_int(&d.w, INT64_MIN);
	json_int(&d.w, -1);
	json_double(&d.w, 0.95644, 4);
	json_double(&d.w, 61.5, 3);
	json_double(&d.w, 0, 3);
	json_double(&d.w, -0.125, 1);
	json_double(&d.w, 2.5, 0);
	/* JSON has no NaN or infinity: null, never "nan" */
	json_double(&d.w, NAN, 3);
	json_double(&d.w, INFINITY, 3);
	json_double(&d.w, -INFINITY, 3);
	json_array_end(&d.w);
	expect_doc(&d, "[18446744073709551615,-9223372036854775808,-1,0.9564,61.500,0.000,"
		       "-0.1,2,null,null,null]\n");
}

UNIT_TEST(top_level_scalars)
{
	struct doc d;

	doc_open(&d);
	json_str(&d.w, "alone");
	ASSERT_EQ_INT(doc_close(&d), 0);
	ASSERT_EQ_STR(d.buf, "\"alone\"\n");
	free(d.buf);
}

/* Each misuse leaves its trace: json_finish says -EINVAL. */
UNIT_TEST(misuse_is_counted)
{
	static const char *const cases[] = {
		"value without key", "key in array",	  "key at top", "unclosed",
		"wrong end",	     "key without value", "too deep",	"two values",
	};
	struct doc d;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		UNIT_ROW(cases[i]);
		doc_open(&d);
		switch (i) {
		case 0:
			json_object_begin(&d.w);
			json_uint(&d.w, 1);
			json_object_end(&d.w);
			break;
		case 1:
			json_array_begin(&d.w);
			json_field_uint(&d.w, "k", 1);
			json_array_end(&d.w);
			break;
		case 2:
			json_field_uint(&d.w, "k", 1);
			break;
		case 3:
			json_object_begin(&d.w);
			break;
		case 4:
			json_object_begin(&d.w);
			json_array_end(&d.w);
			break;
		case 5:
			json_object_begin(&d.w);
			json_key(&d.w, "k");
			json_object_end(&d.w);
			break;
		case 6:
			for (int n = 0; n <= JSON_MAX_DEPTH; n++)
				json_array_begin(&d.w);
			for (int n = 0; n <= JSON_MAX_DEPTH; n++)
				json_array_end(&d.w);
			break;
		case 7:
			json_object_begin(&d.w);
			json_object_end(&d.w);
			json_null(&d.w);
			break;
		}
		ASSERT_EQ_INT(doc_close(&d), -EINVAL);
		ASSERT_TRUE(d.w.misuses > 0);
		free(d.buf);
	}
	UNIT_ROW("");
	/* and a correct document counts none */
	doc_open(&d);
	for (int n = 0; n < JSON_MAX_DEPTH; n++)
		json_array_begin(&d.w);
	for (int n = 0; n < JSON_MAX_DEPTH; n++)
		json_array_end(&d.w);
	ASSERT_EQ_INT(doc_close(&d), 0);
	ASSERT_EQ_INT(d.w.misuses, 0);
	free(d.buf);
}

/* A FILE that refuses every write: each refusal is counted, not ignored. */
UNIT_TEST(write_errors_are_counted)
{
	struct json_writer w;
	FILE *f = json_refusing_file();

	ASSERT_TRUE(f != NULL);
	json_init(&w, f);
	json_object_begin(&w);
	json_field_str(&w, "k", "v");
	json_field_uint(&w, "n", 1);
	json_field_double(&w, "d", 1.5, 2);
	json_object_end(&w);
	ASSERT_EQ_INT(json_finish(&w), -EIO);
	/* '{', the key "k" and ':' (each a write), the string, ... : many */
	ASSERT_TRUE(w.write_errors >= 8);
	ASSERT_EQ_INT(w.misuses, 0);
	fclose(f);
}

/* The validator the view tests trust must itself reject what is not JSON. */
UNIT_TEST(validator_rejects_broken_json)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"a\":1,}",
		"[1,]",
		"{\"a\" 1}",
		"{a:1}",
		"\"raw\ncontrol\"",
		"\"bad\xff\"",
		"\"\\x41\"",
		"nan",
		"[1] [2]",
		"01",
		"1.",
		"\"\\u12\"",
		"{\"a\":1}}",
		"\"\xc0\xaf\"",
		"\"\xc2\x9b\"",
		"\"\xe2\x80\xae\"",
		"\"\xe2\x81\xa9\"",
		"\"\xd8\x9c\"",
	};
	static const char *const good[] = {
		"{}",
		"[]",
		"0",
		"-1.5e3",
		"\"\\u00e9\xc3\xa9\"",
		"{\"a\":[1,{\"b\":null}]}\n",
		"true",
		" [ false , null ] ",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		UNIT_ROW(bad[i]);
		ASSERT_TRUE(json_check(bad[i]) != NULL);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		UNIT_ROW(good[i]);
		ASSERT_TRUE(json_check(good[i]) == NULL);
	}
	UNIT_ROW("");
	ASSERT_TRUE(json_check_lines("{}\n[1]\n") == NULL);
	ASSERT_TRUE(json_check_lines("{}\n[1,\n") != NULL);
	ASSERT_TRUE(json_check_lines("{}") != NULL);
}

int main(void)
{
	RUN(commas_and_nesting);
	RUN(breaks_start_new_lines);
	RUN(strings_are_escaped);
	RUN(terminal_code_points_are_escaped);
	RUN(number_formats);
	RUN(top_level_scalars);
	RUN(misuse_is_counted);
	RUN(write_errors_are_counted);
	RUN(validator_rejects_broken_json);
	return UNIT_MAIN_END();
}
