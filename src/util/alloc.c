#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void *hd_alloc(uint64_t count, size_t elem, const char *what, hd_error *err)
{
    if (count == 0) count = 1;
    if (count > SIZE_MAX / elem) {
        hd_error_oom(err, what, UINT64_MAX);
        return NULL;
    }
    void *p = malloc((size_t)count * elem);
    if (!p) hd_error_oom(err, what, count * elem);
    return p;
}

void *hd_calloc(uint64_t count, size_t elem, const char *what, hd_error *err)
{
    if (count == 0) count = 1;
    if (count > SIZE_MAX / elem) {
        hd_error_oom(err, what, UINT64_MAX);
        return NULL;
    }
    void *p = calloc((size_t)count, elem);
    if (!p) hd_error_oom(err, what, count * elem);
    return p;
}

int hd_grow(void **p, uint64_t *cap, uint64_t need, size_t elem, const char *what, hd_error *err)
{
    if (need <= *cap) return HD_OK;
    uint64_t ncap = *cap ? *cap : 16;
    while (ncap < need) ncap *= 2;
    if (ncap > SIZE_MAX / elem) return hd_error_oom(err, what, UINT64_MAX);
    void *np = realloc(*p, (size_t)ncap * elem);
    if (!np) return hd_error_oom(err, what, ncap * elem);
    *p = np;
    *cap = ncap;
    return HD_OK;
}

char *hd_strndup(const char *s, size_t n, hd_error *err)
{
    char *d = hd_alloc(n + 1, 1, "string", err);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
