/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * The one JSON writer every document goes through (events, snapshot,
 * report, audit, probe): it streams to a FILE, keeps a stack of open
 * objects and arrays, writes the commas itself, escapes every string
 * through core/escape.h, and counts the writes that failed.
 *
 *	struct json_writer w;
 *
 *	json_init(&w, out);
 *	json_object_begin(&w);
 *	json_field_str(&w, "type", "event");
 *	json_key(&w, "pools");
 *	json_array_begin(&w);
 *	...
 *	json_array_end(&w);
 *	json_object_end(&w);
 *	return json_finish(&w);	// "\n"; 0, or -EIO when a write failed
 *
 * Why not a library: Debian 12 has jansson (2.14) and json-c (0.16), both
 * well kept, but both build a tree and print it their way, and the
 * documents are a published format (README, e2e tests) that must not move
 * a byte: jansson prints reals as %.17g or N significant digits where the
 * documents have fixed decimals ("fill":0.9564, "duration_s":61.500) and
 * refuses a string that is not UTF-8, where ours escape such a byte as
 * \u00XX (a cgroup name is any bytes); json-c writes "/" as "\/" by
 * default and passes bad UTF-8 through; neither puts a newline between
 * some members and not others, as the snapshot and report do. What is
 * left to write is a stack and a comma, about 150 lines, with no new
 * runtime dependency.
 *
 * Numbers: integers exactly; doubles with a fixed count of decimals
 * ("%.Nf"), null when not finite (JSON has no NaN). Strings: a NULL string
 * is written as null. Keys are written through the same escaping.
 *
 * Misuse (a value in an object without its key, a key outside an object,
 * an end that does not match, nesting deeper than JSON_MAX_DEPTH) is
 * counted as well, and makes json_finish() return -EINVAL: tests see it.
 */
#ifndef PW_VIEWS_JSON_H
#define PW_VIEWS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *out;
	unsigned int depth;
	struct {
		char close;   /* '}' or ']' */
		bool started; /* a member or element was written: the next needs a comma */
		bool lines;   /* each element starts a new line */
	} level[JSON_MAX_DEPTH];
	bool after_key;		   /* a key was written: its value comes next */
	bool break_next;	   /* the next member or element starts a new line */
	bool top_written;	   /* the document's value was begun */
	unsigned int write_errors; /* writes the FILE refused */
	unsigned int misuses;	   /* calls out of order */
};

void json_init(struct json_writer *w, FILE *out);

void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* An array whose every element starts a new line: "[\n{..},\n{..}]". */
void json_array_begin_lines(struct json_writer *w);

/* The next member or element starts on a new line, after its comma:
 * "},\n\"pools\":[". */
void json_break(struct json_writer *w);

/* A member's key; its value is the next value written. */
void json_key(struct json_writer *w, const char *key);

/* Values: in an array, an element; after json_key, that member's value. */
void json_str(struct json_writer *w, const char *s); /* NULL: null */
/* At most @len bytes of @s, stopping at a NUL: a fixed-size field (comm). */
void json_strn(struct json_writer *w, const char *s, size_t len);
void json_uint(struct json_writer *w, uint64_t v);
void json_int(struct json_writer *w, int64_t v);
void json_double(struct json_writer *w, double v, int decimals);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/* A value that is already one JSON document this writer wrote (@len bytes,
 * no newline): a record kept from the audit log, embedded as it was. */
void json_raw(struct json_writer *w, const char *json, size_t len);

/* json_key followed by the value. */
void json_field_str(struct json_writer *w, const char *key, const char *s);
void json_field_strn(struct json_writer *w, const char *key, const char *s, size_t len);
void json_field_uint(struct json_writer *w, const char *key, uint64_t v);
void json_field_int(struct json_writer *w, const char *key, int64_t v);
void json_field_double(struct json_writer *w, const char *key, double v, int decimals);
void json_field_bool(struct json_writer *w, const char *key, bool v);
void json_field_null(struct json_writer *w, const char *key);

/*
 * Ends a document: every object and array must be closed. Writes the
 * newline each document ends with. Returns 0; -EINVAL after a misuse;
 * -EIO when a write failed or the FILE is in error.
 */
int json_finish(struct json_writer *w);

#endif /* PW_VIEWS_JSON_H */
