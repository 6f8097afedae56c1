/* Row selection shared by every output format, so text, JSON and CSV always agree. */
#include "heapdiff/report.h"
#include "report/format.h"

static uint64_t mag(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

uint32_t hd_select_stat_rows(const hd_stats *s, const hd_report_opts *o, uint32_t *idx)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->n_rows; i++) {
        const hd_type_row *r = &s->rows[i];
        if (o->min_bytes && r->retained < o->min_bytes && r->unreachable_shallow < o->min_bytes)
            continue;
        if (!hd_row_visible(k, o)) break;
        idx[k++] = i;
    }
    return k;
}

uint32_t hd_select_diff_rows(const hd_diff *d, const hd_report_opts *o, uint32_t *idx)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < d->n_rows; i++) {
        const hd_diff_row *r = &d->rows[i];
        if (o->min_bytes && mag(hd_delta(r->retained[0], r->retained[1])) < o->min_bytes &&
            mag(hd_delta(r->shallow[0], r->shallow[1])) < o->min_bytes)
            continue;
        if (!hd_row_visible(k, o)) break;
        idx[k++] = i;
    }
    return k;
}
