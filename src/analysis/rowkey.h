/* Grouping types into report rows: by name (the default: the same type loaded from two
 * modules, or written twice by a snapshot tool, is one row) or by (name, module). */
#ifndef HD_ANALYSIS_ROWKEY_H
#define HD_ANALYSIS_ROWKEY_H

#include <stdint.h>

#include "heapdiff/error.h"

/* A name -> index map over borrowed strings (open addressing, xxh3). */
typedef struct hd_rowmap {
    uint32_t *slots; /* index + 1; 0 = empty */
    uint32_t mask;
    const char *const *names, *const *modules; /* arrays the indexes refer to */
} hd_rowmap;

int hd_rowmap_init(hd_rowmap *m, uint64_t capacity, hd_error *err);
void hd_rowmap_free(hd_rowmap *m);
/* Finds (name, module) among names[]/modules[] (module NULL = ignore modules). Returns the
 * index or UINT32_MAX; with insert_as != UINT32_MAX, inserts that index when absent. */
uint32_t hd_rowmap_find(hd_rowmap *m, const char *name, const char *module, uint32_t insert_as);

#endif
