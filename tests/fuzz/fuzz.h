/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): the input as a
 * string, output captured in memory, and the properties every view must keep
 * whatever the input: text with no byte a terminal acts on, JSON that parses,
 * is valid UTF-8 and holds no raw control, C1 or bidi character
 * (tests/unit/json_check.h). A broken property aborts, so libFuzzer saves the
 * input as a crash.
 */
#ifndef PW_FUZZ_H
#define PW_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_check.h"

/* Reports @why with the offending text and aborts: libFuzzer keeps the input. */
static inline void fuzz_fail(const char *why, const char *text, size_t len)
{
	fprintf(stderr, "fuzz property broken: %s\n", why);
	if (text) {
		fprintf(stderr, "output (%zu bytes):\n", len);
		fwrite(text, 1, len < 4096 ? len : 4096, stderr);
		fputc('\n', stderr);
	}
	abort();
}

#define FUZZ_ASSERT(cond, text, len)                                   \
	do {                                                           \
		if (!(cond))                                           \
			fuzz_fail(#cond, (const char *)(text), (len)); \
	} while (0)

/* The input as a NUL-terminated string (it stops at an embedded NUL). Free it. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A FILE writing into memory; fuzz_out_end() closes it and returns the text. */
struct fuzz_out {
	char *buf;
	size_t len;
	FILE *f;
};

static inline FILE *fuzz_out_begin(struct fuzz_out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	if (!o->f)
		abort();
	return o->f;
}

static inline char *fuzz_out_end(struct fuzz_out *o)
{
	fclose(o->f);
	return o->buf;
}

/* Text for a terminal: printable ASCII and newlines only (escape_terminal's output). */
static inline void fuzz_check_printable(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = text[i];

		if (c != '\n' && (c < 0x20 || c > 0x7e))
			fuzz_fail("a byte a terminal acts on in text output", text, len);
	}
}

/* One JSON document (@lines false) or JSON lines (@lines true). */
static inline void fuzz_check_json(const char *text, size_t len, int lines)
{
	const char *why;

	if (strlen(text) != len)
		fuzz_fail("a NUL byte in JSON output", text, len);
	why = lines ? json_check_lines(text) : json_check(text);
	if (why)
		fuzz_fail(why, text, len);
}

/* Takes @n bytes off the front of the input, zero-filled past its end. */
static inline void fuzz_take(const uint8_t **data, size_t *size, void *out, size_t n)
{
	size_t k = *size < n ? *size : n;

	memset(out, 0, n);
	memcpy(out, *data, k);
	*data += k;
	*size -= k;
}

#endif /* PW_FUZZ_H */
