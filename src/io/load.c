/* Recognising inputs by content, never by extension (DESIGN.md "Command line"). */
#include <string.h>

#include "heapdiff/clr.h"
#include "heapdiff/gcdump.h"
#include "heapdiff/hgraph.h"
#include "heapdiff/target.h"
#include "heapdiff/source.h"

enum hd_input_format hd_sniff(const uint8_t *data, uint64_t size)
{
    if (hd_gcdump_sniff(data, size)) return HD_FMT_GCDUMP;
    if (size >= 4 && memcmp(data, "MDMP", 4) == 0) return HD_FMT_MINIDUMP;
    if (size >= 18 && memcmp(data, "\177ELF", 4) == 0 && data[16] == 4 && data[17] == 0)
        return HD_FMT_ELFCORE; /* e_type ET_CORE, little-endian */
    if (size >= 8 && memcmp(data, "HGRAPH", 6) == 0) return HD_FMT_HGRAPH;
    return HD_FMT_UNKNOWN;
}

const char *hd_format_name(enum hd_input_format f)
{
    switch (f) {
    case HD_FMT_GCDUMP:
        return "gcdump";
    case HD_FMT_HGRAPH:
        return "hgraph";
    case HD_FMT_MINIDUMP:
        return "minidump";
    case HD_FMT_ELFCORE:
        return "elfcore";
    default:
        return "unknown";
    }
}

/* A snapshot converted from a dump keeps its conservative stack roots as a root category
 * ("[local vars (conservative)]"): count them, so reports say so again. */
static void count_conservative_roots(hd_graph *g)
{
    uint64_t n = 0;
    for (uint32_t v = 0; v < g->n_nodes; v++)
        if (g->types.types[g->type[v]].root == HD_ROOT_STACK_CONSERVATIVE)
            n += g->first[v + 1] - g->first[v];
    g->meta.conservative_stack_roots = n;
}

/* A process dump: its .NET heap, walked (clr/dumpgraph.c). */
static int load_dump(const char *path, hd_graph *g, hd_error *err)
{
    hd_target t;
    if (hd_target_open(&t, path, err)) return err->code;
    int rc = hd_clr_graph(&t, g, NULL, err);
    hd_target_close(&t);
    return rc;
}

int hd_load(const char *path, hd_graph *g, hd_error *err)
{
    return hd_load_cached(path, g, NULL, NULL, err);
}

int hd_load_cached(const char *path, hd_graph *g, hd_dom *d, int *have_dom, hd_error *err)
{
    if (have_dom) *have_dom = 0;
    hd_file f;
    if (hd_file_open(&f, path, err)) return err->code;
    int rc;
    enum hd_input_format fmt = hd_sniff(f.data, f.size);
    switch (fmt) {
    case HD_FMT_GCDUMP:
        rc = hd_gcdump_read(path, f.data, f.size, g, err);
        if (!rc) count_conservative_roots(g);
        break;
    case HD_FMT_MINIDUMP:
    case HD_FMT_ELFCORE:
        rc = load_dump(path, g, err);
        break;
    case HD_FMT_HGRAPH:
        rc = hd_hgraph_read_cached(path, f.data, f.size, g, d, have_dom, err);
        break;
    default:
        rc = hd_error_at(err, path, 0,
                         f.size == 0 ? "empty file; expected a heap snapshot (.gcdump)"
                                     : "unrecognised content; expected a .gcdump "
                                       "(\"!FastSerialization.1\" signature)");
    }
    hd_file_close(&f);
    return rc;
}
