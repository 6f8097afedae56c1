/* JSON reports (formats/report.schema.json). Rows are few (one per type), so a Jansson document
 * is fine here; object graphs are never rendered as JSON DOMs. */
#include <jansson.h>
#include <stdlib.h>

#include "heapdiff/heapdiff.h"
#include "report/format.h"
#include "report/render.h"
#include "util/alloc.h"

static json_t *jint(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static json_t *triple(uint64_t before, uint64_t after)
{
    return json_pack("{s:o,s:o,s:I}", "before", jint(before), "after", jint(after), "delta",
                     (json_int_t)hd_delta(before, after));
}

static json_t *input_json(const hd_report_input *in)
{
    const hd_graph *g = in->graph;
    const hd_graph_meta *m = &g->meta;
    json_t *o =
        json_pack("{s:s,s:s,s:i,s:o,s:o,s:b,s:f,s:f}", "file", in->path, "format", m->format,
                  "pointer_size", (int)m->pointer_size, "nodes", jint(g->n_nodes), "edges",
                  jint(g->n_edges), "sampled", m->type_multiplier != NULL, "count_multiplier",
                  m->type_multiplier ? (double)m->avg_count_multiplier : 1.0, "size_multiplier",
                  m->type_multiplier ? (double)m->avg_size_multiplier : 1.0);
    json_object_set_new(o, "creation_tool",
                        m->creation_tool ? json_string(m->creation_tool) : json_null());
    json_object_set_new(o, "conservative_stack_roots", jint(m->conservative_stack_roots));
    return o;
}

static int emit(FILE *out, json_t *doc, hd_error *err)
{
    if (!doc) return hd_error_set(err, HD_EINTERNAL, "out of memory building the JSON report");
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(doc);
    if (rc != 0 || fputc('\n', out) == EOF)
        return hd_error_set(err, HD_EINTERNAL, "cannot write the report");
    return HD_OK;
}

int hd_render_stat_json(FILE *out, const hd_report_input *in, const hd_stats *s,
                        const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx, hd_error *err)
{
    const hd_totals *t = &s->totals;
    json_t *types = json_array();
    uint64_t shown_count = 0, shown_shallow = 0;
    for (uint32_t k = 0; k < n_idx; k++) {
        const hd_type_row *r = &s->rows[idx[k]];
        json_t *row = json_pack("{s:s}", "name", r->name);
        if (o->by_module)
            json_object_set_new(row, "module", r->module ? json_string(r->module) : json_null());
        json_object_set_new(row, "count", jint(r->count));
        json_object_set_new(row, "shallow", jint(r->shallow));
        json_object_set_new(row, "retained", jint(r->retained));
        json_object_set_new(
            row, "percent",
            json_real(t->shallow ? 100.0 * (double)r->retained / (double)t->shallow : 0.0));
        json_object_set_new(row, "unreachable",
                            json_pack("{s:o,s:o}", "count", jint(r->unreachable_count), "shallow",
                                      jint(r->unreachable_shallow)));
        json_array_append_new(types, row);
        shown_count += r->count;
        shown_shallow += r->shallow;
    }
    json_t *doc = json_pack(
        "{s:s,s:s,s:[o],s:{s:o,s:o,s:o,s:o,s:o,s:{s:o,s:o}},s:o,s:{s:o,s:o,s:o}}", "heapdiff",
        HEAPDIFF_VERSION, "command", "stat", "inputs", input_json(in), "totals", "count",
        jint(t->count), "shallow", jint(t->shallow), "retained", jint(t->shallow), "types",
        jint(t->types), "pseudo_nodes", jint(t->pseudo_nodes), "unreachable", "count",
        jint(t->unreachable_count), "shallow", jint(t->unreachable_shallow), "types", types,
        "omitted", "types", jint(s->n_rows - n_idx), "count", jint(t->count - shown_count),
        "shallow", jint(t->shallow - shown_shallow));
    return emit(out, doc, err);
}

int hd_render_diff_json(FILE *out, const hd_report_input in[2], const hd_diff *d,
                        const hd_report_opts *o, const uint32_t *idx, uint32_t n_idx, hd_error *err)
{
    const hd_totals *b = &d->totals[0], *a = &d->totals[1];
    json_t *types = json_array();
    for (uint32_t k = 0; k < n_idx; k++) {
        const hd_diff_row *r = &d->rows[idx[k]];
        json_t *row = json_pack("{s:s}", "name", r->name);
        if (o->by_module)
            json_object_set_new(row, "module", r->module ? json_string(r->module) : json_null());
        json_object_set_new(row, "status", json_string(hd_diff_status_name(r->status)));
        json_object_set_new(row, "count", triple(r->count[0], r->count[1]));
        json_object_set_new(row, "shallow", triple(r->shallow[0], r->shallow[1]));
        json_object_set_new(row, "retained", triple(r->retained[0], r->retained[1]));
        json_array_append_new(types, row);
    }
    json_t *doc = json_pack(
        "{s:s,s:s,s:[o,o],s:{s:o,s:o,s:o,s:o,s:{s:o,s:o}},s:o,s:{s:o}}", "heapdiff",
        HEAPDIFF_VERSION, "command", "diff", "inputs", input_json(&in[0]), input_json(&in[1]),
        "totals", "count", triple(b->count, a->count), "shallow", triple(b->shallow, a->shallow),
        "retained", triple(b->shallow, a->shallow), "types", triple(b->types, a->types),
        "unreachable", "count", triple(b->unreachable_count, a->unreachable_count), "shallow",
        triple(b->unreachable_shallow, a->unreachable_shallow), "types", types, "omitted", "types",
        jint(d->n_rows - n_idx));
    if (doc && o->max_growth >= 0) {
        int64_t growth = hd_delta(b->shallow, a->shallow);
        json_object_set_new(doc, "max_growth",
                            json_pack("{s:I,s:I,s:b}", "limit", (json_int_t)o->max_growth, "growth",
                                      (json_int_t)growth, "exceeded", growth > o->max_growth));
    }
    return emit(out, doc, err);
}
