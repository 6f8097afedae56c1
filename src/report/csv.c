/* CSV reports (RFC 4180): plain numbers in bytes, one row per type. */
#include <inttypes.h>
#include <string.h>

#include "report/format.h"
#include "report/render.h"

static void field(FILE *out, const char *s)
{
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static int finish(FILE *out, hd_error *err)
{
    if (ferror(out)) return hd_error_set(err, HD_EINTERNAL, "cannot write the report");
    return HD_OK;
}

int hd_render_stat_csv(FILE *out, const hd_report_input *in, const hd_stats *s,
                       const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx, hd_error *err)
{
    fprintf(out, "name,%scount,shallow,retained,percent,unreachable_count,unreachable_shallow\r\n",
            o->by_module ? "module," : "");
    for (uint32_t k = 0; k < n_idx; k++) {
        const hd_type_row *r = &s->rows[idx[k]];
        field(out, r->name);
        fputc(',', out);
        if (o->by_module) {
            field(out, r->module);
            fputc(',', out);
        }
        double pct =
            s->totals.shallow ? 100.0 * (double)r->retained / (double)s->totals.shallow : 0;
        fprintf(out, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.2f,%" PRIu64 ",%" PRIu64 "\r\n",
                r->count, r->shallow, r->retained, pct, r->unreachable_count,
                r->unreachable_shallow);
    }
    return finish(out, err);
}

int hd_render_diff_csv(FILE *out, const hd_report_input in[2], const hd_diff *d,
                       const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx, hd_error *err)
{
    fprintf(out,
            "name,%sstatus,count_before,count_after,count_delta,shallow_before,shallow_after,"
            "shallow_delta,retained_before,retained_after,retained_delta\r\n",
            o->by_module ? "module," : "");
    for (uint32_t k = 0; k < n_idx; k++) {
        const hd_diff_row *r = &d->rows[idx[k]];
        field(out, r->name);
        fputc(',', out);
        if (o->by_module) {
            field(out, r->module);
            fputc(',', out);
        }
        fprintf(out, "%s", hd_diff_status_name(r->status));
        const uint64_t *v[3] = {r->count, r->shallow, r->retained};
        for (int c = 0; c < 3; c++)
            fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRId64, v[c][0], v[c][1],
                    hd_delta(v[c][0], v[c][1]));
        fputs("\r\n", out);
    }
    return finish(out, err);
}
