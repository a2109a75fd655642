// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Test only, LD_PRELOADed: malloc, calloc and realloc fail with ENOMEM while
// the file named by $PW_FAILMALLOC_FLAG exists. A real allocation failure,
// at every call site at once, that a test can switch on and off in a
// running process (tests/e2e/test-faults.sh).
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);

/* Is the flag file there? One access(2) a call: slow, for tests only. */
static int failing(void)
{
	static const char *flag;
	static int looked;

	if (!looked) {
		flag = getenv("PW_FAILMALLOC_FLAG");
		looked = 1;
	}
	return flag && access(flag, F_OK) == 0;
}

void *malloc(size_t size)
{
	if (failing()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	if (failing()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (size && failing()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, size);
}
