/* Diff of two snapshots' per-type statistics. Types are matched by name (and module when rows
 * were grouped by module), never objects by address: addresses move with every GC. */
#include <stdlib.h>
#include <string.h>

#include "analysis/rowkey.h"
#include "heapdiff/analysis.h"
#include "util/alloc.h"

void hd_diff_free(hd_diff *d)
{
    free(d->rows);
    memset(d, 0, sizeof *d);
}

static int sign(uint64_t before, uint64_t after)
{
    return after > before ? 1 : after < before ? -1 : 0;
}

static int64_t delta(uint64_t before, uint64_t after)
{
    return (int64_t)(after - before);
}

static int cmp_diff(const void *pa, const void *pb)
{
    const hd_diff_row *a = pa, *b = pb;
    int64_t x = delta(a->retained[0], a->retained[1]), y = delta(b->retained[0], b->retained[1]);
    if (x != y) return x < y ? 1 : -1;
    x = delta(a->shallow[0], a->shallow[1]);
    y = delta(b->shallow[0], b->shallow[1]);
    if (x != y) return x < y ? 1 : -1;
    x = delta(a->count[0], a->count[1]);
    y = delta(b->count[0], b->count[1]);
    if (x != y) return x < y ? 1 : -1;
    /* Unchanged rows: the biggest first, as in stat. */
    if (a->retained[1] != b->retained[1]) return a->retained[1] < b->retained[1] ? 1 : -1;
    int c = strcmp(a->name, b->name);
    if (c || !a->module || !b->module) return c;
    return strcmp(a->module, b->module);
}

int hd_diff_compute(const hd_stats *before, const hd_stats *after, hd_diff *d, hd_error *err)
{
    memset(d, 0, sizeof *d);
    uint64_t cap = (uint64_t)before->n_rows + after->n_rows;
    hd_diff_row *rows = hd_calloc(cap, sizeof *rows, "diff rows", err);
    const char **names = hd_alloc(cap, sizeof *names, "diff rows", err);
    const char **mods = hd_alloc(cap, sizeof *mods, "diff rows", err);
    hd_rowmap map = {0};
    if (!rows || !names || !mods || hd_rowmap_init(&map, cap, err)) goto fail;
    map.names = names;
    map.modules = mods;
    uint32_t n = 0;
    const hd_stats *side[2] = {before, after};
    for (int k = 0; k < 2; k++) {
        for (uint32_t i = 0; i < side[k]->n_rows; i++) {
            const hd_type_row *r = &side[k]->rows[i];
            names[n] = r->name;
            mods[n] = r->module;
            uint32_t j = hd_rowmap_find(&map, r->name, r->module, n);
            if (j == UINT32_MAX) {
                j = n++;
                rows[j].name = r->name;
                rows[j].module = r->module;
            }
            rows[j].count[k] = r->count;
            rows[j].shallow[k] = r->shallow;
            rows[j].retained[k] = r->retained;
            rows[j].status |= (uint8_t)(1u << k); /* presence bits, replaced below */
        }
    }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++) {
        hd_diff_row *r = &rows[i];
        /* A type whose instances are all unreachable has no reachable count: for the diff it
         * is absent on that side. */
        int in0 = (r->status & 1) && (r->count[0] || r->shallow[0]);
        int in1 = (r->status & 2) && (r->count[1] || r->shallow[1]);
        int s = sign(r->retained[0], r->retained[1]);
        if (!s) s = sign(r->shallow[0], r->shallow[1]);
        if (!s) s = sign(r->count[0], r->count[1]);
        r->status = !in0 && in1   ? HD_DIFF_NEW
                    : in0 && !in1 ? HD_DIFF_GONE
                    : s > 0       ? HD_DIFF_GREW
                    : s < 0       ? HD_DIFF_SHRANK
                                  : HD_DIFF_SAME;
        /* Types with only unreachable objects on both sides are not part of the diff. */
        if (in0 || in1) rows[kept++] = *r;
    }
    n = kept;
    qsort(rows, n, sizeof *rows, cmp_diff);
    d->rows = rows;
    d->n_rows = n;
    d->totals[0] = before->totals;
    d->totals[1] = after->totals;
    d->sampled[0] = before->sampled;
    d->sampled[1] = after->sampled;
    d->avg_count_multiplier[0] = before->avg_count_multiplier;
    d->avg_count_multiplier[1] = after->avg_count_multiplier;
    hd_rowmap_free(&map);
    free(names);
    free(mods);
    return HD_OK;
fail:
    hd_rowmap_free(&map);
    free(rows);
    free(names);
    free(mods);
    return err->code;
}
