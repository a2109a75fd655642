// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes both escapers (core/escape.c) with any bytes:
//  - escape_terminal: printable ASCII only, within its size, never an escape
//    cut in half, and reversible: undoing "\\" and "\xNN" gives the input back;
//  - json_write_string: one valid JSON string (UTF-8, no raw control, C1 or
//    bidi character) whose decoded code points are the input's: well-formed
//    UTF-8 as itself, any other byte as U+00XX of its value.
#include "core/escape.h"
#include "fuzz.h"

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Undoes escape_terminal(); returns the length, or -1 on an escape it never writes. */
static long terminal_unescape(const char *s, size_t len, unsigned char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[n++] = s[i];
		} else if (i + 1 < len && s[i + 1] == '\\') {
			out[n++] = '\\';
			i++;
		} else if (i + 3 < len && s[i + 1] == 'x' && hex(s[i + 2]) >= 0 &&
			   hex(s[i + 3]) >= 0) {
			out[n++] = hex(s[i + 2]) * 16 + hex(s[i + 3]);
			i += 3;
		} else {
			return -1;
		}
	}
	return (long)n;
}

static void check_terminal(const uint8_t *data, size_t size)
{
	size_t in_len = strnlen((const char *)data, size), room = ESCAPE_TERMINAL_BUF_SIZE(size);
	char *dst = malloc(room);
	unsigned char *back = malloc(size + 1);
	size_t got, cut;
	long n;

	if (!dst || !back)
		abort();
	got = escape_terminal(dst, room, (const char *)data, size);
	FUZZ_ASSERT(got < room && dst[got] == '\0' && strlen(dst) == got, dst, got);
	fuzz_check_printable(dst, got);
	FUZZ_ASSERT(!memchr(dst, '\n', got), dst, got);
	n = terminal_unescape(dst, got, back);
	FUZZ_ASSERT(n == (long)in_len && !memcmp(back, data, in_len), dst, got);

	/* a smaller buffer: a prefix of the full output, ending on a whole escape */
	cut = size ? data[0] % (got + 1) + 1 : 1;
	if (cut <= room) {
		char *small = malloc(cut);
		size_t k;

		if (!small)
			abort();
		k = escape_terminal(small, cut, (const char *)data, size);
		FUZZ_ASSERT(k < cut && small[k] == '\0' && !memcmp(small, dst, k), small, k);
		FUZZ_ASSERT(terminal_unescape(small, k, back) >= 0, small, k);
		free(small);
	}
	free(dst);
	free(back);
}

/* The code point of the UTF-8 sequence at @s (already validated by json_check). */
static uint32_t decode_utf8(const unsigned char *s, size_t *n)
{
	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	*n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	uint32_t cp = s[0] & (0xff >> (*n + 1));
	for (size_t i = 1; i < *n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/* Well-formed multibyte UTF-8 at @s: its length, else 0 (as core/escape.c decides). */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf	  ? 2
		   : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		   : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
						  : 0;
	uint32_t cp;

	if (!n || n > len)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	cp = decode_utf8(s, &n);
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The code points the JSON string at @json (valid) decodes to. */
static size_t json_code_points(const char *json, uint32_t *out)
{
	const unsigned char *p = (const unsigned char *)json + 1;
	size_t n = 0, k;

	while (*p != '"') {
		if (*p == '\\') {
			switch (p[1]) {
			case 'u':
				out[n++] = (uint32_t)strtoul((char[]){p[2], p[3], p[4], p[5], 0},
							     NULL, 16);
				p += 6;
				continue;
			case 'b':
				out[n++] = '\b';
				break;
			case 'f':
				out[n++] = '\f';
				break;
			case 'n':
				out[n++] = '\n';
				break;
			case 'r':
				out[n++] = '\r';
				break;
			case 't':
				out[n++] = '\t';
				break;
			default:
				out[n++] = p[1];
				break;
			}
			p += 2;
		} else {
			out[n++] = decode_utf8(p, &k);
			p += k;
		}
	}
	return n;
}

static void check_json(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size), n = 0, got;
	uint32_t *want = malloc((len + 1) * sizeof(*want)),
		 *have = malloc((len + 1) * sizeof(*have));
	struct fuzz_out o;
	char *text;

	if (!want || !have)
		abort();
	FUZZ_ASSERT(json_write_string(fuzz_out_begin(&o), (const char *)data, size) == 0, NULL, 0);
	text = fuzz_out_end(&o);
	fuzz_check_json(text, o.len, 0);
	for (size_t i = 0; i < len;) {
		size_t k = utf8_len(data + i, len - i);

		if (k) {
			want[n++] = decode_utf8(data + i, &k);
			i += k;
		} else {
			want[n++] = data[i++];
		}
	}
	got = json_code_points(text, have);
	FUZZ_ASSERT(got == n && !memcmp(have, want, n * sizeof(*want)), text, o.len);
	free(text);
	free(want);
	free(have);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_terminal(data, size);
	check_json(data, size);
	return 0;
}
