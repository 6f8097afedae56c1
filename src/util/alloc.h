/* Allocation helpers: sizes are checked for overflow and failures reported through hd_error. */
#ifndef HD_UTIL_ALLOC_H
#define HD_UTIL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "heapdiff/error.h"

/* malloc(count * elem) with overflow check; NULL and err set on failure. count 0 gives a
 * valid 1-byte allocation so callers need no special case. */
void *hd_alloc(uint64_t count, size_t elem, const char *what, hd_error *err);
void *hd_calloc(uint64_t count, size_t elem, const char *what, hd_error *err);
/* Grows *p to hold at least need elements (doubling); returns 0 or an error code. */
int hd_grow(void **p, uint64_t *cap, uint64_t need, size_t elem, const char *what, hd_error *err);
char *hd_strndup(const char *s, size_t n, hd_error *err);

#endif
