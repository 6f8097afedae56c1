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
