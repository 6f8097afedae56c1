/* One input through the pipeline: load -> dominators -> per-type statistics. */
#include <inttypes.h>
#include <string.h>

#include "cli/cli.h"

int cli_snapshot_load(cli_snapshot *s, const char *path, const cli_opts *o, hd_error *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    hd_graph_init(&s->graph);
    int cached = 0; /* an .hgraph may carry its analysis (formats/hgraph.md, DOMS) */
    if (hd_load_cached(path, &s->graph, &s->dom, &cached, err)) return err->code;
    const hd_graph *g = &s->graph;
    if (!o->quiet && g->meta.stored_total_size) {
        uint64_t sum = hd_graph_total_size(g);
        if (sum != g->meta.stored_total_size)
            fprintf(stderr,
                    "heapdiff: warning: %s: the file says its objects total %" PRIu64
                    " bytes, but they add up to %" PRIu64 "; the file may be damaged\n",
                    path, g->meta.stored_total_size, sum);
    }
    if (!cached && hd_dominators(g, &s->dom, err)) return err->code;
    unsigned flags = (o->report.by_module ? HD_ROWS_BY_MODULE : 0) |
                     (o->report.raw_names ? HD_ROWS_RAW_NAMES : 0);
    return hd_stats_compute(g, &s->dom, flags, &s->stats, err);
}

void cli_snapshot_free(cli_snapshot *s)
{
    hd_stats_free(&s->stats);
    hd_dom_free(&s->dom);
    hd_graph_free(&s->graph);
}
