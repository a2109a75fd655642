// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The JSON writer: a nesting stack, the commas, escaped strings, counted errors.
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include "core/escape.h"
#include "views/json.h"

void json_init(struct json_writer *w, FILE *out)
{
	*w = (struct json_writer){.out = out};
}

static void put_c(struct json_writer *w, char c)
{
	if (fputc(c, w->out) == EOF)
		w->write_errors++;
}

static void __attribute__((format(printf, 2, 3))) put_f(struct json_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(w->out, fmt, ap);
	va_end(ap);
	if (n < 0)
		w->write_errors++;
}

static bool in_object(const struct json_writer *w)
{
	return w->depth && w->level[w->depth - 1].close == '}';
}

/* What comes before an array's element or an object's key: the comma, and
 * the newline json_break() or the array asked for. At the top, nothing: a
 * second value there is a misuse. */
static void separate(struct json_writer *w)
{
	if (!w->depth) {
		if (w->top_written)
			w->misuses++;
		w->top_written = true;
		return;
	}
	if (w->level[w->depth - 1].started)
		put_c(w, ',');
	w->level[w->depth - 1].started = true;
	if (w->break_next || w->level[w->depth - 1].lines)
		put_c(w, '\n');
	w->break_next = false;
}

/* Before any value: after its key in an object, after a comma in an array. */
static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (in_object(w))
		w->misuses++; /* a member without its key */
	separate(w);
}

static void begin(struct json_writer *w, char open, char close, bool lines)
{
	before_value(w);
	put_c(w, open);
	if (w->depth == JSON_MAX_DEPTH) {
		w->misuses++;
		return;
	}
	w->level[w->depth].close = close;
	w->level[w->depth].started = false;
	w->level[w->depth].lines = lines;
	w->depth++;
}

static void end(struct json_writer *w, char close)
{
	if (!w->depth || w->level[w->depth - 1].close != close || w->after_key)
		w->misuses++;
	else
		w->depth--;
	w->break_next = false;
	put_c(w, close);
}

void json_object_begin(struct json_writer *w)
{
	begin(w, '{', '}', false);
}

void json_object_end(struct json_writer *w)
{
	end(w, '}');
}

void json_array_begin(struct json_writer *w)
{
	begin(w, '[', ']', false);
}

void json_array_begin_lines(struct json_writer *w)
{
	begin(w, '[', ']', true);
}

void json_array_end(struct json_writer *w)
{
	end(w, ']');
}

void json_break(struct json_writer *w)
{
	w->break_next = true;
}

static void put_string(struct json_writer *w, const char *s, size_t len)
{
	if (json_write_string(w->out, s, len))
		w->write_errors++;
}

void json_key(struct json_writer *w, const char *key)
{
	if (!in_object(w) || w->after_key)
		w->misuses++;
	separate(w);
	put_string(w, key, SIZE_MAX);
	put_c(w, ':');
	w->after_key = true;
}

void json_strn(struct json_writer *w, const char *s, size_t len)
{
	if (!s) {
		json_null(w);
		return;
	}
	before_value(w);
	put_string(w, s, len);
}

void json_str(struct json_writer *w, const char *s)
{
	json_strn(w, s, SIZE_MAX);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	before_value(w);
	put_f(w, "%" PRIu64, v);
}

void json_int(struct json_writer *w, int64_t v)
{
	before_value(w);
	put_f(w, "%" PRId64, v);
}

void json_double(struct json_writer *w, double v, int decimals)
{
	if (!isfinite(v)) {
		json_null(w);
		return;
	}
	before_value(w);
	put_f(w, "%.*f", decimals, v);
}

void json_raw(struct json_writer *w, const char *json, size_t len)
{
	before_value(w);
	if (len && fwrite(json, 1, len, w->out) != len)
		w->write_errors++;
}

void json_bool(struct json_writer *w, bool v)
{
	before_value(w);
	put_f(w, "%s", v ? "true" : "false");
}

void json_null(struct json_writer *w)
{
	before_value(w);
	put_f(w, "null");
}

void json_field_str(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_str(w, s);
}

void json_field_strn(struct json_writer *w, const char *key, const char *s, size_t len)
{
	json_key(w, key);
	json_strn(w, s, len);
}

void json_field_uint(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_uint(w, v);
}

void json_field_int(struct json_writer *w, const char *key, int64_t v)
{
	json_key(w, key);
	json_int(w, v);
}

void json_field_double(struct json_writer *w, const char *key, double v, int decimals)
{
	json_key(w, key);
	json_double(w, v, decimals);
}

void json_field_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_field_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_null(w);
}

int json_finish(struct json_writer *w)
{
	put_c(w, '\n');
	if (w->depth || w->after_key)
		w->misuses++;
	if (w->misuses)
		return -EINVAL;
	return w->write_errors || ferror(w->out) ? -EIO : 0;
}
