/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Three-way comparisons, as qsort() and bsearch() want them. */
#ifndef PW_ORDER_H
#define PW_ORDER_H

#include <stdint.h>

/* -1, 0 or 1. */
static inline int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static inline int cmp_double(double a, double b)
{
	return (a > b) - (a < b);
}

#endif /* PW_ORDER_H */
