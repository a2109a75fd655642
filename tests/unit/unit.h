/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* A header-only unit test harness: each test case prints one PASS, FAIL or SKIP line. */
#ifndef PW_UNIT_H
#define PW_UNIT_H

/*
 * Protocol, read by scripts/run-tests.sh: one line on stdout per test case,
 *	PASS: <name>
 *	FAIL: <name>: <reason>
 *	SKIP: <name>: <reason>
 * and the binary exits 1 if any case failed, else 0.
 *
 *	UNIT_TEST(test_sum)
 *	{
 *		ASSERT_EQ_INT(1 + 1, 2);
 *	}
 *
 *	int main(void)
 *	{
 *		RUN(test_sum);
 *		return UNIT_MAIN_END();
 *	}
 *
 * A failed assertion records file:line and the values, then returns from the function it is
 * in. Only the first failure of a test case is reported. Helpers that assert must return
 * void; a failure inside one is still reported even if the caller carries on.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct unit_state {
	char reason[1024]; /* why the running case failed or was skipped; "" while it passes */
	char row[256];	   /* the table row being checked, named in the reason */
	int skipped;
	int failures; /* failed cases so far: the exit code depends on it */
};

/* A function-local static lets every test file include this without unused warnings. */
static inline struct unit_state *unit_state(void)
{
	static struct unit_state state;

	return &state;
}

static inline void __attribute__((format(printf, 3, 4)))
unit_fail(const char *file, int line, const char *fmt, ...)
{
	struct unit_state *s = unit_state();
	size_t used;
	va_list ap;

	if (s->reason[0])
		return; /* the first failure explains the rest */
	snprintf(s->reason, sizeof(s->reason), "%s:%d: %s%s%s", file, line, s->row[0] ? "[" : "",
		 s->row, s->row[0] ? "] " : "");
	used = strlen(s->reason);
	va_start(ap, fmt);
	vsnprintf(s->reason + used, sizeof(s->reason) - used, fmt, ap);
	va_end(ap);
}

/* Quotes a string for a reason, escaped, because test data is often hostile on purpose. */
static inline const char *unit_quote(char *buf, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!s)
		return "NULL";
	buf[n++] = '"';
	for (; *s && n + 4 + sizeof("...\"") <= size; s++) {
		unsigned char c = *s;

		if (c == '\\' || c == '"') {
			buf[n++] = '\\';
			buf[n++] = c;
		} else if (c >= 0x20 && c < 0x7f) {
			buf[n++] = c;
		} else {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 0xf];
		}
	}
	if (*s)
		n += sprintf(buf + n, "...");
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

static inline int unit_strings_differ(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Whatever a reason holds, the protocol line it lands on stays one line of plain text. */
static inline void unit_print_result(const char *verdict, const char *name, const char *reason)
{
	const char *c;

	printf("%s: %s", verdict, name);
	if (reason) {
		fputs(": ", stdout);
		for (c = reason; *c; c++)
			putchar(*c >= 0x20 && *c < 0x7f ? *c : '?');
	}
	putchar('\n');
	fflush(stdout); /* keep the lines already printed if a later case crashes */
}

static inline void unit_run(const char *name, void (*test)(void))
{
	struct unit_state *s = unit_state();

	s->reason[0] = '\0';
	s->row[0] = '\0';
	s->skipped = 0;
	test();
	if (s->skipped) {
		unit_print_result("SKIP", name, s->reason);
	} else if (s->reason[0]) {
		unit_print_result("FAIL", name, s->reason);
		s->failures++;
	} else {
		unit_print_result("PASS", name, NULL);
	}
}

#define UNIT_TEST(name) static void name(void)
#define RUN(name)	unit_run(#name, name)
#define UNIT_MAIN_END() (unit_state()->failures ? 1 : 0)

/* Names the table row a table-driven test is about to check, so a failure says which. */
#define UNIT_ROW(name) snprintf(unit_state()->row, sizeof(unit_state()->row), "%s", (name))

#define SKIP_TEST(why)                                                                   \
	do {                                                                             \
		struct unit_state *unit_s_ = unit_state();                               \
		if (!unit_s_->reason[0]) {                                               \
			snprintf(unit_s_->reason, sizeof(unit_s_->reason), "%s", (why)); \
			unit_s_->skipped = 1;                                            \
		}                                                                        \
		return;                                                                  \
	} while (0)

#define ASSERT_TRUE(cond)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			unit_fail(__FILE__, __LINE__, "expected %s", #cond); \
			return;                                              \
		}                                                            \
	} while (0)

#define ASSERT_EQ_INT(a, b)                                                                      \
	do {                                                                                     \
		long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);                    \
		if (unit_a_ != unit_b_) {                                                        \
			unit_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, unit_a_, \
				  unit_b_);                                                      \
			return;                                                                  \
		}                                                                                \
	} while (0)

#define ASSERT_EQ_STR(a, b)                                                         \
	do {                                                                        \
		const char *unit_a_ = (a), *unit_b_ = (b);                          \
		char unit_qa_[160], unit_qb_[160];                                  \
		if (unit_strings_differ(unit_a_, unit_b_)) {                        \
			unit_fail(__FILE__, __LINE__, "%s == %s: %s != %s", #a, #b, \
				  unit_quote(unit_qa_, sizeof(unit_qa_), unit_a_),  \
				  unit_quote(unit_qb_, sizeof(unit_qb_), unit_b_)); \
			return;                                                     \
		}                                                                   \
	} while (0)

#endif /* PW_UNIT_H */
