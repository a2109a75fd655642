/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Escaping of untrusted text (comm, cgroup paths) before it reaches a terminal or JSON. */
#ifndef PW_ESCAPE_H
#define PW_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Both functions read at most @src_len bytes of @src and stop early at a NUL, so a
 * fixed-size field such as a 16-byte comm can be passed whole even when it has no NUL.
 * Pass SIZE_MAX as @src_len for an ordinary NUL-terminated string. A NULL @src is empty.
 */

/* The dst_size that never truncates: every byte can become the four bytes of "\xNN". */
#define ESCAPE_TERMINAL_BUF_SIZE(src_len) ((src_len)*4 + 1)

/*
 * Copies @src into @dst with printable ASCII kept, '\' doubled and every other byte written
 * as "\xNN" (lower-case hex), so no byte a process chose can drive the terminal. When
 * @dst is too small it stops before the first escape that does not fit whole, never
 * cutting one in half. @dst is always NUL-terminated when @dst_size > 0.
 * Returns the length written, excluding the NUL.
 */
size_t escape_terminal(char *dst, size_t dst_size, const char *src, size_t src_len);

/*
 * Writes @src to @out as a double-quoted JSON string that is always valid JSON and valid
 * UTF-8: well-formed UTF-8 passes through, '"' and '\' are escaped, control characters
 * and DEL become \b \f \n \r \t or \u00xx, and each byte that is not part of a well-formed
 * UTF-8 sequence becomes \u00xx of its value. Well-formed code points that steer a
 * terminal are escaped too, as \uxxxx: the C1 controls U+0080..U+009F, the bidirectional
 * marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069) and U+2028, U+2029. So no string holds a raw control character.
 * Returns 0, or EOF when a write failed (also left in ferror(@out)).
 */
int json_write_string(FILE *out, const char *src, size_t src_len);

/*
 * Writes @src to @out as HTML text, safe inside an element and inside a quoted
 * attribute: '&' '<' '>' '"' '\'' become entities; well-formed UTF-8 passes through,
 * except the code points json_write_string() escapes (C1 controls, bidirectional marks,
 * embeddings, overrides, isolates, U+2028/9), which are shown as the text "\uXXXX": an
 * entity would still reorder the page. Control bytes, DEL and each byte not part of a
 * well-formed sequence are shown as "\xNN", and '\' is doubled, as escape_terminal()
 * does, so the reader sees which bytes the name held. Returns 0, or EOF when a write
 * failed.
 */
int html_write_string(FILE *out, const char *src, size_t src_len);

#endif /* PW_ESCAPE_H */
