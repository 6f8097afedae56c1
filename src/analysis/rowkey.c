#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "analysis/rowkey.h"
#include "util/alloc.h"

int hd_rowmap_init(hd_rowmap *m, uint64_t capacity, hd_error *err)
{
    uint64_t n = 16;
    while (n < capacity * 2) n *= 2;
    memset(m, 0, sizeof *m);
    m->slots = hd_calloc(n, sizeof *m->slots, "type rows", err);
    if (!m->slots) return err->code;
    m->mask = (uint32_t)(n - 1);
    return HD_OK;
}

void hd_rowmap_free(hd_rowmap *m)
{
    free(m->slots);
    m->slots = NULL;
}

static int same_str(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

uint32_t hd_rowmap_find(hd_rowmap *m, const char *name, const char *module, uint32_t insert_as)
{
    uint64_t h = XXH3_64bits(name, strlen(name));
    if (module) h = XXH3_64bits_withSeed(module, strlen(module), h);
    for (uint32_t i = (uint32_t)h & m->mask;; i = (i + 1) & m->mask) {
        uint32_t s = m->slots[i];
        if (!s) {
            if (insert_as != UINT32_MAX) m->slots[i] = insert_as + 1;
            return UINT32_MAX;
        }
        uint32_t idx = s - 1;
        if (strcmp(m->names[idx], name) == 0 && (!m->modules || same_str(m->modules[idx], module)))
            return idx;
    }
}
