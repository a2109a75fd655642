// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Growing arrays that double.
#include <stdint.h>
#include <stdlib.h>
#include "core/array.h"

void *array_grow(void *arr, size_t *cap, size_t need, size_t first, size_t size)
{
	size_t new_cap = *cap ? *cap : first;

	if (need <= *cap)
		return arr;
	while (new_cap < need) {
		if (new_cap > SIZE_MAX / 2)
			return NULL;
		new_cap *= 2;
	}
	arr = reallocarray(arr, new_cap, size);
	if (arr)
		*cap = new_cap;
	return arr;
}

void *array_shrink(void *arr, size_t *cap, size_t nr, size_t first, size_t size)
{
	size_t new_cap = *cap;
	void *smaller;

	while (new_cap / 2 >= first && nr <= new_cap / 4)
		new_cap /= 2;
	if (new_cap == *cap)
		return arr;
	smaller = reallocarray(arr, new_cap, size);
	if (!smaller)
		return arr;
	*cap = new_cap;
	return smaller;
}
