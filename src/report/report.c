/* Report entry points: select rows once, then hand them to the format's renderer. */
#include <stdlib.h>

#include "heapdiff/report.h"
#include "report/format.h"
#include "report/render.h"
#include "util/alloc.h"

int hd_report_stat(FILE *out, const hd_report_input *in, const hd_stats *s, const hd_report_opts *o,
                   hd_error *err)
{
    uint32_t *idx = hd_alloc(s->n_rows, sizeof *idx, "report rows", err);
    if (!idx) return err->code;
    uint32_t n = hd_select_stat_rows(s, o, idx);
    int rc = o->format == HD_OUT_JSON  ? hd_render_stat_json(out, in, s, o, idx, n, err)
             : o->format == HD_OUT_CSV ? hd_render_stat_csv(out, in, s, o, idx, n, err)
                                       : hd_render_stat_text(out, in, s, o, idx, n, err);
    free(idx);
    return rc;
}

int hd_report_diff(FILE *out, const hd_report_input in[2], const hd_diff *d,
                   const hd_report_opts *o, hd_error *err)
{
    uint32_t *idx = hd_alloc(d->n_rows, sizeof *idx, "report rows", err);
    if (!idx) return err->code;
    uint32_t n = hd_select_diff_rows(d, o, idx);
    int rc = o->format == HD_OUT_JSON  ? hd_render_diff_json(out, in, d, o, idx, n, err)
             : o->format == HD_OUT_CSV ? hd_render_diff_csv(out, in, d, o, idx, n, err)
                                       : hd_render_diff_text(out, in, d, o, idx, n, err);
    free(idx);
    return rc;
}
