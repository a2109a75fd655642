// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Escaping of untrusted text so nothing a process sets reaches a terminal or JSON raw.
#include <stdbool.h>
#include <string.h>
#include "core/escape.h"

static const char hex_digits[] = "0123456789abcdef";

/* Writes the terminal-safe form of @c into @piece (no NUL) and returns its length. */
static size_t terminal_escape_byte(char piece[4], unsigned char c)
{
	if (c == '\\') {
		piece[0] = piece[1] = '\\';
		return 2;
	}
	if (c >= 0x20 && c <= 0x7e) {
		piece[0] = c;
		return 1;
	}
	piece[0] = '\\';
	piece[1] = 'x';
	piece[2] = hex_digits[c >> 4];
	piece[3] = hex_digits[c & 0xf];
	return 4;
}

size_t escape_terminal(char *dst, size_t dst_size, const char *src, size_t src_len)
{
	size_t len, written = 0, i;
	char piece[4];

	if (dst_size == 0)
		return 0;
	len = src ? strnlen(src, src_len) : 0;
	for (i = 0; i < len; i++) {
		size_t n = terminal_escape_byte(piece, src[i]);

		if (n >= dst_size - written)
			break; /* the piece and the NUL after it must both fit */
		memcpy(dst + written, piece, n);
		written += n;
	}
	dst[written] = '\0';
	return written;
}

/*
 * Returns the length of the well-formed UTF-8 sequence starting at @s (Unicode Table 3-7)
 * when it is longer than one byte, else 0: ASCII, a stray continuation byte, an overlong
 * form, a surrogate, a code point above U+10FFFF, or a sequence cut short by @len.
 */
static size_t utf8_multibyte_len(const unsigned char *s, size_t len)
{
	unsigned char second_min = 0x80, second_max = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;

	/* The second byte's range is what rules out overlongs, surrogates and > U+10FFFF. */
	if (s[0] == 0xe0)
		second_min = 0xa0;
	else if (s[0] == 0xed)
		second_max = 0x9f;
	else if (s[0] == 0xf0)
		second_min = 0x90;
	else if (s[0] == 0xf4)
		second_max = 0x8f;

	if (n > len || s[1] < second_min || s[1] > second_max)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Writes one byte that is ASCII or belongs to no well-formed UTF-8 sequence.
 * Returns false when the write failed. */
static bool json_write_byte(FILE *out, unsigned char c)
{
	switch (c) {
	case '"':
		return fputs("\\\"", out) != EOF;
	case '\\':
		return fputs("\\\\", out) != EOF;
	case '\b':
		return fputs("\\b", out) != EOF;
	case '\f':
		return fputs("\\f", out) != EOF;
	case '\n':
		return fputs("\\n", out) != EOF;
	case '\r':
		return fputs("\\r", out) != EOF;
	case '\t':
		return fputs("\\t", out) != EOF;
	}
	if (c >= 0x20 && c <= 0x7e)
		return fputc(c, out) != EOF;
	return fprintf(out, "\\u00%c%c", hex_digits[c >> 4], hex_digits[c & 0xf]) >= 0;
}

/* The code point of the well-formed @n-byte sequence at @s (utf8_multibyte_len() said so). */
static unsigned int utf8_decode(const unsigned char *s, size_t n)
{
	unsigned int cp = s[0] & (0xff >> (n + 1));
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * Code points that are well-formed UTF-8 yet drive a terminal or reorder what it shows:
 * the C1 controls (U+0080..U+009F; 0xc2 0x9b is a CSI on many terminals), the directional
 * marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069), and the line and paragraph separators (U+2028, U+2029) that some
 * JavaScript readers take for newlines. JSON carries them as \uXXXX instead.
 */
static bool json_must_escape(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Writes one well-formed multibyte sequence: raw, or \uXXXX when it must be escaped. */
static bool json_write_multibyte(FILE *out, const unsigned char *s, size_t n)
{
	unsigned int cp = utf8_decode(s, n);

	if (json_must_escape(cp))
		return fprintf(out, "\\u%04x", cp) >= 0;
	return fwrite(s, 1, n, out) == n;
}

int json_write_string(FILE *out, const char *src, size_t src_len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t len = src ? strnlen(src, src_len) : 0;
	size_t i = 0;
	bool ok = fputc('"', out) != EOF;

	while (i < len) {
		size_t n = utf8_multibyte_len(s + i, len - i);

		if (n) {
			ok = json_write_multibyte(out, s + i, n) && ok;
			i += n;
		} else {
			ok = json_write_byte(out, s[i]) && ok;
			i++;
		}
	}
	ok = fputc('"', out) != EOF && ok;
	return ok ? 0 : EOF;
}

/* One byte that is ASCII or belongs to no well-formed UTF-8 sequence, as HTML text. */
static bool html_write_byte(FILE *out, unsigned char c)
{
	switch (c) {
	case '&':
		return fputs("&amp;", out) != EOF;
	case '<':
		return fputs("&lt;", out) != EOF;
	case '>':
		return fputs("&gt;", out) != EOF;
	case '"':
		return fputs("&quot;", out) != EOF;
	case '\'':
		return fputs("&#39;", out) != EOF;
	case '\\':
		return fputs("\\\\", out) != EOF;
	}
	if (c >= 0x20 && c <= 0x7e)
		return fputc(c, out) != EOF;
	return fprintf(out, "\\x%c%c", hex_digits[c >> 4], hex_digits[c & 0xf]) >= 0;
}

int html_write_string(FILE *out, const char *src, size_t src_len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t len = src ? strnlen(src, src_len) : 0;
	size_t i = 0;
	bool ok = true;

	while (i < len) {
		size_t n = utf8_multibyte_len(s + i, len - i);
		unsigned int cp = n ? utf8_decode(s + i, n) : 0;

		if (n && json_must_escape(cp))
			ok = fprintf(out, "\\u%04x", cp) >= 0 && ok;
		else if (n)
			ok = fwrite(s + i, 1, n, out) == n && ok;
		else
			ok = html_write_byte(out, s[i]) && ok;
		i += n ? n : 1;
	}
	return ok ? 0 : EOF;
}
