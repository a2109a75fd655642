// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the streaming JSON writer (views/json.c) with random sequences of
// its calls and random strings: whenever it counts no misuse, the document
// is valid JSON (UTF-8, no raw control, C1 or bidi character), whatever
// bytes the keys and strings held.
#include <math.h>
#include "fuzz.h"
#include "views/json.h"

/* A string from the input: a length byte, then that many bytes (NULs too). */
static size_t take_string(const uint8_t **data, size_t *size, char *buf, size_t room)
{
	uint8_t len = 0;

	fuzz_take(data, size, &len, 1);
	len = len % room;
	fuzz_take(data, size, buf, len);
	buf[len] = '\0';
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_writer w;
	struct fuzz_out o;
	char s[64], *text;
	int steps = 0, err;

	json_init(&w, fuzz_out_begin(&o));
	while (size && steps++ < 256) {
		uint8_t op = 0;
		uint64_t v = 0;
		size_t len;

		fuzz_take(&data, &size, &op, 1);
		switch (op % 14) {
		case 0:
			json_object_begin(&w);
			break;
		case 1:
			json_object_end(&w);
			break;
		case 2:
			json_array_begin(&w);
			break;
		case 3:
			json_array_begin_lines(&w);
			break;
		case 4:
			json_array_end(&w);
			break;
		case 5:
			json_break(&w);
			break;
		case 6:
			take_string(&data, &size, s, sizeof(s));
			json_key(&w, s);
			break;
		case 7:
			take_string(&data, &size, s, sizeof(s));
			json_str(&w, s);
			break;
		case 8:
			len = take_string(&data, &size, s, sizeof(s));
			json_strn(&w, s, op & 0x80 ? len : len / 2);
			break;
		case 9:
			fuzz_take(&data, &size, &v, sizeof(v));
			json_uint(&w, v);
			break;
		case 10:
			fuzz_take(&data, &size, &v, sizeof(v));
			json_int(&w, (int64_t)v);
			break;
		case 11: {
			double d;

			fuzz_take(&data, &size, &d, sizeof(d));
			json_double(&w, d, op >> 4);
			break;
		}
		case 12:
			json_bool(&w, op & 0x80);
			break;
		default:
			json_null(&w);
			break;
		}
	}
	err = json_finish(&w);
	text = fuzz_out_end(&o);
	if (!err && w.misuses == 0 && w.top_written)
		fuzz_check_json(text, o.len, 0);
	free(text);
	return 0;
}
