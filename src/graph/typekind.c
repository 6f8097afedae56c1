/* Guessing a type's kind and root category from its name, the only information a .gcdump
 * carries. The names are the ones dotnet-gcdump and PerfView write (gcdump-format.md §4.4). */
#include <string.h>
#include <strings.h>

#include "heapdiff/graph.h"

static int has_prefix(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && strncasecmp(s, p, n) == 0;
}

static int contains(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, p, n) == 0) return 1;
    return 0;
}

void hd_type_classify(const char *name, size_t len, uint8_t *kind, uint8_t *root)
{
    *kind = HD_KIND_OBJECT;
    *root = HD_ROOT_NONE;
    if (len == 9 && memcmp(name, "UNDEFINED", 9) == 0) {
        *kind = HD_KIND_PSEUDO;
        return;
    }
    /* "[RCW Foo]" and "[CCW ...]" are real objects in brackets; other bracketed names are the
     * synthetic nodes of the root tree. */
    if (len >= 2 && name[0] == '[' && name[len - 1] == ']' && !has_prefix(name, len, "[RCW ") &&
        !has_prefix(name, len, "[CCW ")) {
        *kind = HD_KIND_PSEUDO;
        if (contains(name, len, "strong handle"))
            *root = HD_ROOT_STRONG;
        else if (contains(name, len, "pinning handle") || contains(name, len, "pinned handle") ||
                 contains(name, len, "asyncpinned"))
            *root = HD_ROOT_PINNED;
        else if (contains(name, len, "static var"))
            *root = HD_ROOT_STATIC;
        else if (contains(name, len, "conservative"))
            *root = HD_ROOT_STACK_CONSERVATIVE;
        else if (contains(name, len, "local var"))
            *root = HD_ROOT_STACK;
        else if (contains(name, len, "finaliz"))
            *root = HD_ROOT_FINALIZER;
        else
            *root = HD_ROOT_OTHER;
        return;
    }
    if (has_prefix(name, len, "System.String") &&
        (len == 13 || has_prefix(name + 13, len - 13, " (Bytes")))
        *kind = HD_KIND_STRING;
    else if (contains(name, len, "[]") || contains(name, len, "[,"))
        *kind = HD_KIND_ARRAY;
    else if ((len == 4 && memcmp(name, "Free", 4) == 0) || has_prefix(name, len, "System.Free"))
        *kind = HD_KIND_FREE;
}

static size_t digits(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    return i;
}

size_t hd_type_base_len(const char *name, size_t len)
{
    if (len < 4 || name[len - 1] != ')') return len;
    size_t open = len;
    for (size_t i = len - 1; i-- > 0;)
        if (name[i] == ' ' && name[i + 1] == '(') {
            open = i;
            break;
        }
    if (open == len) return len;
    const char *p = name + open + 2, *end = name + len - 1;
    int parts = 0;
    if (end - p >= 8 && memcmp(p, "Bytes > ", 8) == 0) {
        size_t d = digits(p + 8, (size_t)(end - p - 8));
        if (!d) return len;
        p += 8 + d;
        if (p < end && (*p == 'K' || *p == 'M' || *p == 'G')) p++;
        parts++;
    }
    const char *q = p < end && *p == ',' ? p + 1 : p;
    if (end - q >= 7 && memcmp(q, "NoPtrs,", 7) == 0) q += 2;
    if (end - q >= 14 && memcmp(q, "Ptrs,ElemSize=", 14) == 0) {
        size_t d = digits(q + 14, (size_t)(end - q - 14));
        if (!d) return len;
        p = q + 14 + d;
        parts++;
    }
    return p == end && parts ? open : len;
}
