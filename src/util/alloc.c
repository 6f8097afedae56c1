#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/alloc.h"

/* Arrays of millions of nodes are read in random order (a reference can point anywhere):
 * with 4 KiB pages nearly every access also misses the TLB. Large arrays are therefore 2 MiB
 * aligned and offered to transparent huge pages (madvise mode is the common default). They are
 * still released with free(). */
#define HD_HUGE_MIN (8u << 20)
#define HD_HUGE_ALIGN (2u << 20)

static void *alloc_bytes(uint64_t count, size_t elem, int zero, const char *what, hd_error *err)
{
    if (count == 0) count = 1;
    if (count > SIZE_MAX / elem) {
        hd_error_oom(err, what, UINT64_MAX);
        return NULL;
    }
    size_t bytes = (size_t)count * elem;
    void *p = NULL;
    if (bytes >= HD_HUGE_MIN) {
        if (posix_memalign(&p, HD_HUGE_ALIGN, bytes) != 0) p = NULL;
#ifdef MADV_HUGEPAGE
        if (p) madvise(p, bytes, MADV_HUGEPAGE);
#endif
        if (p && zero) memset(p, 0, bytes);
    } else {
        p = zero ? calloc(count, elem) : malloc(bytes);
    }
    if (!p) hd_error_oom(err, what, bytes);
    return p;
}

void *hd_alloc(uint64_t count, size_t elem, const char *what, hd_error *err)
{
    return alloc_bytes(count, elem, 0, what, err);
}

void *hd_calloc(uint64_t count, size_t elem, const char *what, hd_error *err)
{
    return alloc_bytes(count, elem, 1, what, err);
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
