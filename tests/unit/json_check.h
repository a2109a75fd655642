/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * A strict JSON validator for the tests (RFC 8259): one value, then only
 * whitespace. Strings may hold no raw control byte and must be valid UTF-8,
 * as a consumer such as jq demands; nor a raw C1 control or bidirectional
 * mark (U+0080..U+009F, U+061C, U+200E/F, U+2028..U+202E, U+2066..U+2069),
 * which JSON allows but our writer escapes so no terminal acts on them. No dependency, so that `make check`
 * needs nothing more.
 *
 *	const char *err = json_check(text);	// NULL when valid, else why
 *
 * And a FILE that refuses every write, for the writers' error paths.
 */
#ifndef PW_JSON_CHECK_H
#define PW_JSON_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

struct json_check {
	const unsigned char *p;
	const char *err;
	size_t at;
	int depth;
	const unsigned char *start;
};

static inline int jc_fail(struct json_check *c, const char *why)
{
	if (!c->err) {
		c->err = why;
		c->at = (size_t)(c->p - c->start);
	}
	return -1;
}

static inline void jc_ws(struct json_check *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
		c->p++;
}

/* One UTF-8 sequence of 2 to 4 bytes, well formed (no overlong, no surrogate). */
static inline int jc_utf8(struct json_check *c)
{
	const unsigned char *s = c->p;
	unsigned int cp;
	int n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return jc_fail(c, "a byte that is not UTF-8");
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return jc_fail(c, "a cut UTF-8 sequence");
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return jc_fail(c, "an overlong or surrogate UTF-8 sequence");
	/* C1 controls and bidi overrides steer a terminal: our writer escapes them */
	if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return jc_fail(c, "a raw C1 control or bidirectional mark");
	c->p += n;
	return 0;
}

static inline int jc_string(struct json_check *c)
{
	if (*c->p++ != '"')
		return jc_fail(c, "expected a string");
	for (;;) {
		unsigned char ch = *c->p;

		if (ch == '"') {
			c->p++;
			return 0;
		}
		if (ch == '\0')
			return jc_fail(c, "an unterminated string");
		if (ch < 0x20)
			return jc_fail(c, "a raw control byte in a string");
		if (ch == '\\') {
			c->p++;
			if (*c->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", c->p[i]) || !c->p[i])
						return jc_fail(c, "a bad \\u escape");
				c->p += 5;
			} else if (*c->p && strchr("\"\\/bfnrt", *c->p)) {
				c->p++;
			} else {
				return jc_fail(c, "a bad escape");
			}
		} else if (ch >= 0x80) {
			if (jc_utf8(c))
				return -1;
		} else {
			c->p++;
		}
	}
}

static inline int jc_digits(struct json_check *c)
{
	if (*c->p < '0' || *c->p > '9')
		return jc_fail(c, "expected a digit");
	while (*c->p >= '0' && *c->p <= '9')
		c->p++;
	return 0;
}

static inline int jc_number(struct json_check *c)
{
	if (*c->p == '-')
		c->p++;
	if (*c->p == '0')
		c->p++;
	else if (jc_digits(c))
		return -1;
	if (*c->p == '.') {
		c->p++;
		if (jc_digits(c))
			return -1;
	}
	if (*c->p == 'e' || *c->p == 'E') {
		c->p++;
		if (*c->p == '+' || *c->p == '-')
			c->p++;
		if (jc_digits(c))
			return -1;
	}
	return 0;
}

static inline int jc_value(struct json_check *c);

/* An object or an array: @close ends it, members have keys when @close is '}'. */
static inline int jc_container(struct json_check *c, char close)
{
	if (++c->depth > 64)
		return jc_fail(c, "nested too deep");
	c->p++;
	jc_ws(c);
	if (*c->p == close) {
		c->p++;
		c->depth--;
		return 0;
	}
	for (;;) {
		jc_ws(c);
		if (close == '}') {
			if (jc_string(c))
				return -1;
			jc_ws(c);
			if (*c->p++ != ':')
				return jc_fail(c, "expected ':'");
		}
		if (jc_value(c))
			return -1;
		jc_ws(c);
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p++ != close)
			return jc_fail(c, close == '}' ? "expected ',' or '}'"
						       : "expected ',' or ']'");
		c->depth--;
		return 0;
	}
}

static inline int jc_literal(struct json_check *c, const char *word)
{
	size_t n = strlen(word);

	if (strncmp((const char *)c->p, word, n))
		return jc_fail(c, "an unknown literal");
	c->p += n;
	return 0;
}

static inline int jc_value(struct json_check *c)
{
	jc_ws(c);
	switch (*c->p) {
	case '{':
		return jc_container(c, '}');
	case '[':
		return jc_container(c, ']');
	case '"':
		return jc_string(c);
	case 't':
		return jc_literal(c, "true");
	case 'f':
		return jc_literal(c, "false");
	case 'n':
		return jc_literal(c, "null");
	default:
		return jc_number(c);
	}
}

/* NULL when @text is one valid JSON value; else what is wrong, and where. */
static inline const char *json_check(const char *text)
{
	static char why[128];
	struct json_check c = {.p = (const unsigned char *)text,
			       .start = (const unsigned char *)text};

	if (!text)
		return "no text";
	if (!jc_value(&c)) {
		jc_ws(&c);
		if (*c.p)
			jc_fail(&c, "text after the value");
	}
	if (!c.err)
		return NULL;
	snprintf(why, sizeof(why), "%s at byte %zu", c.err, c.at);
	return why;
}

/* Each line of @text, checked alone (JSON lines: events, the audit log). */
static inline const char *json_check_lines(const char *text)
{
	static char line[1 << 16];
	const char *nl;

	for (; *text; text = nl + 1) {
		const char *err;

		nl = strchr(text, '\n');
		if (!nl)
			return "the last line has no newline";
		if ((size_t)(nl - text) >= sizeof(line))
			return "a line too long to check";
		memcpy(line, text, (size_t)(nl - text));
		line[nl - text] = '\0';
		if ((err = json_check(line)))
			return err;
	}
	return NULL;
}

static inline ssize_t jc_refuse_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	(void)buf;
	(void)size;
	errno = ENOSPC;
	return -1;
}

/* A FILE, unbuffered, whose every write fails (ENOSPC). NULL on failure. */
static inline FILE *json_refusing_file(void)
{
	cookie_io_functions_t io = {.write = jc_refuse_write};
	FILE *f = fopencookie(NULL, "w", io);

	if (f)
		setvbuf(f, NULL, _IONBF, 0);
	return f;
}

#define ASSERT_JSON(text)                                                                       \
	do {                                                                                    \
		const char *unit_jerr_ = json_check(text);                                      \
		if (unit_jerr_) {                                                               \
			unit_fail(__FILE__, __LINE__, "%s is not JSON: %s", #text, unit_jerr_); \
			return;                                                                 \
		}                                                                               \
	} while (0)

#endif /* PW_JSON_CHECK_H */
