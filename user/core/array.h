/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/* Growing arrays: every table here is an array that doubles, so appending
 * stays amortised O(1). */
#ifndef PW_ARRAY_H
#define PW_ARRAY_H

#include <stddef.h>

/* Room for @need elements of @size in @arr (capacity *@cap, starting at
 * @first): the array, moved or not, or NULL with @arr and *@cap kept. */
void *array_grow(void *arr, size_t *cap, size_t need, size_t first, size_t size);

/* Room given back: while @nr elements fill a quarter of *@cap or less, the
 * capacity halves (not below @first). A table that held many for a while
 * (a burst of pools or processes) then keeps pages in proportion to what it
 * holds now, not to its most ever. The array, moved or not (a failed
 * realloc keeps it and *@cap). */
void *array_shrink(void *arr, size_t *cap, size_t nr, size_t first, size_t size);

#endif /* PW_ARRAY_H */
