/* Human-readable reports: sizes in KiB/MiB, counts with separators, type names cut to the
 * terminal's width (o->width; 0 = never cut), ANSI colour only when asked for. */
#include <stdint.h>
#include <string.h>

#include "report/format.h"
#include "report/render.h"

#define BOLD(o) ((o)->color ? "\033[1m" : "")
#define RED(o) ((o)->color ? "\033[31m" : "")
#define GREEN(o) ((o)->color ? "\033[32m" : "")
#define RESET(o) ((o)->color ? "\033[0m" : "")

/* Writes s with control characters (ESC, newlines, ...) shown as '?': names come from untrusted
 * files and must not drive the terminal or break the one-row-per-line layout. */
static void put_safe(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c < 0x20 || c == 0x7F ? '?' : c, out);
    }
}

/* Prints name in at most `room` columns, eliding the middle (type names carry information at
 * both ends: namespace and generic arguments). Counts UTF-8 code points as columns. */
static void put_name(FILE *out, const char *name, int room)
{
    size_t len = strlen(name), cps = 0;
    for (size_t i = 0; i < len; i++) cps += ((unsigned char)name[i] & 0xC0) != 0x80;
    if (room <= 0 || cps <= (size_t)room || room < 8) {
        put_safe(out, name, len);
        return;
    }
    size_t head = (size_t)(room - 1) / 2, tail = (size_t)(room - 1) - head, seen = 0, i = 0;
    for (; i < len && seen < head; i++) {
        if (((unsigned char)name[i] & 0xC0) != 0x80) seen++;
        if (seen <= head) put_safe(out, name + i, 1);
    }
    while (i < len && ((unsigned char)name[i] & 0xC0) == 0x80) i++;
    fputs("\xE2\x80\xA6", out); /* … */
    size_t skip = cps - head - tail;
    seen = 0;
    for (i = 0; i < len; i++) {
        if (((unsigned char)name[i] & 0xC0) != 0x80) seen++;
        if (seen > head + skip) put_safe(out, name + i, 1);
    }
}

static void describe_input(FILE *out, const hd_report_input *in)
{
    const hd_graph *g = in->graph;
    const hd_graph_meta *m = &g->meta;
    char a[32], b[32];
    put_safe(out, in->path, strlen(in->path));
    fprintf(out, ": %s", m->format);
    if (m->creation_tool) {
        fputs(" by ", out);
        put_safe(out, m->creation_tool, strlen(m->creation_tool));
    }
    if (m->pointer_size) fprintf(out, ", %u-bit", m->pointer_size * 8);
    fprintf(out, ", %s nodes, %s references\n", hd_group_digits(a, g->n_nodes),
            hd_group_digits(b, g->n_edges));
    if (m->conservative_stack_roots)
        fprintf(out,
                "  stack roots are conservative: %s objects are rooted by stack words that point "
                "into them (GC info is not decoded), so a stale slot can keep an object alive\n",
                hd_group_digits(a, m->conservative_stack_roots));
}

static void sampling_note(FILE *out, const hd_report_opts *o, const char *which, float count_mult,
                          float size_mult)
{
    fprintf(out,
            "%sSampled snapshot%s%s: counts and sizes are scaled up by the file's per-type "
            "multipliers (mean ×%.2f objects, ×%.2f bytes); treat small numbers as estimates.%s\n",
            RED(o), which ? " " : "", which ? which : "", (double)count_mult, (double)size_mult,
            RESET(o));
}

static int finish(FILE *out, hd_error *err)
{
    if (ferror(out)) return hd_error_set(err, HD_EINTERNAL, "cannot write the report");
    return HD_OK;
}

int hd_render_stat_text(FILE *out, const hd_report_input *in, const hd_stats *s,
                        const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx, hd_error *err)
{
    const hd_totals *t = &s->totals;
    char a[32], b[32], c[32], e[32];
    describe_input(out, in);
    fprintf(out, "Reachable: %s objects, %s in %s types.", hd_group_digits(a, t->count),
            hd_human_bytes(b, t->shallow), hd_group_digits(c, t->types));
    if (t->unreachable_count)
        fprintf(out,
                " Unreachable from the roots: %s objects, %s (garbage not yet collected, or "
                "roots the snapshot did not record; not in retained sizes).",
                hd_group_digits(e, t->unreachable_count),
                hd_human_bytes(a, t->unreachable_shallow));
    fputc('\n', out);
    if (s->sampled) sampling_note(out, o, NULL, s->avg_count_multiplier, s->avg_size_multiplier);
    fprintf(out, "\n%s%11s %7s %11s %11s  %s%s\n", BOLD(o), "Retained", "Heap%", "Shallow", "Count",
            "Type", RESET(o));
    int room = o->width ? o->width - 45 : 0;
    for (uint32_t k = 0; k < n_idx; k++) {
        const hd_type_row *r = &s->rows[idx[k]];
        double pct = t->shallow ? 100.0 * (double)r->retained / (double)t->shallow : 0;
        fprintf(out, "%11s %6.1f%% %11s %11s  ", hd_human_bytes(a, r->retained), pct,
                hd_human_bytes(b, r->shallow), hd_group_digits(c, r->count));
        put_name(out, r->name, room);
        if (r->module) {
            fputs("  [", out);
            put_safe(out, r->module, strlen(r->module));
            fputc(']', out);
        }
        if (r->unreachable_count)
            fprintf(out, "  (+%s unreachable)", hd_group_digits(e, r->unreachable_count));
        fputc('\n', out);
    }
    if (n_idx < s->n_rows)
        fprintf(out, "... %s more types not shown (--top 0 shows all, --min-bytes filters).\n",
                hd_group_digits(a, s->n_rows - n_idx));
    return finish(out, err);
}

static void total_line(FILE *out, const hd_report_opts *o, const char *label, uint64_t before,
                       uint64_t after, int bytes)
{
    char a[32], b[32], c[32];
    int64_t dv = hd_delta(before, after);
    const char *col = dv > 0 ? RED(o) : dv < 0 ? GREEN(o) : "";
    fprintf(out, "  %-12s %13s %13s %s%13s%s\n", label,
            bytes ? hd_human_bytes(a, before) : hd_group_digits(a, before),
            bytes ? hd_human_bytes(b, after) : hd_group_digits(b, after), col,
            bytes ? hd_human_signed(c, dv) : hd_group_signed(c, dv), dv ? RESET(o) : "");
}

int hd_render_diff_text(FILE *out, const hd_report_input in[2], const hd_diff *d,
                        const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx, hd_error *err)
{
    const hd_totals *b = &d->totals[0], *a = &d->totals[1];
    char s1[32], s2[32], s3[32], s4[32];
    fprintf(out, "before  ");
    describe_input(out, &in[0]);
    fprintf(out, "after   ");
    describe_input(out, &in[1]);
    for (int k = 0; k < 2; k++)
        if (d->sampled[k])
            sampling_note(out, o, k ? "(after)" : "(before)", d->avg_count_multiplier[k],
                          d->avg_count_multiplier[k]);
    fprintf(out, "\n%s  %-12s %13s %13s %13s%s\n", BOLD(o), "", "before", "after", "delta",
            RESET(o));
    total_line(out, o, "objects", b->count, a->count, 0);
    total_line(out, o, "reachable", b->shallow, a->shallow, 1);
    total_line(out, o, "unreachable", b->unreachable_shallow, a->unreachable_shallow, 1);
    total_line(out, o, "types", b->types, a->types, 0);
    /* "Δ" is two bytes wide in UTF-8 but one column: pad those headers by one more. */
    fprintf(out, "\n%s%12s %11s %12s %12s  %-6s  %s%s\n", BOLD(o), "ΔRetained", "Retained",
            "ΔShallow", "ΔCount", "Status", "Type", RESET(o));
    int room = o->width ? o->width - 58 : 0;
    for (uint32_t k = 0; k < n_idx; k++) {
        const hd_diff_row *r = &d->rows[idx[k]];
        int64_t dr = hd_delta(r->retained[0], r->retained[1]);
        const char *col = dr > 0 ? RED(o) : dr < 0 ? GREEN(o) : "";
        fprintf(out, "%s%11s%s %11s %11s %11s  %-6s  ", col, hd_human_signed(s1, dr),
                *col ? RESET(o) : "", hd_human_bytes(s2, r->retained[1]),
                hd_human_signed(s3, hd_delta(r->shallow[0], r->shallow[1])),
                hd_group_signed(s4, hd_delta(r->count[0], r->count[1])),
                hd_diff_status_name(r->status));
        put_name(out, r->name, room);
        if (r->module) {
            fputs("  [", out);
            put_safe(out, r->module, strlen(r->module));
            fputc(']', out);
        }
        fputc('\n', out);
    }
    if (n_idx < d->n_rows)
        fprintf(out, "... %s more types not shown (--top 0 shows all, --min-bytes filters).\n",
                hd_group_digits(s1, d->n_rows - n_idx));
    return finish(out, err);
}
