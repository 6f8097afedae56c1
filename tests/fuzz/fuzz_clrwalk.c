/* libFuzzer target: the .NET heap walk (src/clr/: g_dacTable, GcDacVars, regions, handle table,
 * finalize queue, thread contexts, MethodTable validation, GCDesc decoding, the object walk and
 * its resynchronisation, type names) on a synthetic .NET 10 process whose GC structures,
 * MethodTables, objects and handle table segment are the fuzzer's bytes.
 *
 * Input: 4 control bytes, then bytes laid over the start of the process image (the G, H and
 * HS ranges of tests/fuzz/clrproc_builder.h, CP_FUZZ_SPAN bytes; a shorter input leaves the
 * rest as built). Control: bytes 0-1 (x 8) and 2 (x 8) name a span of the image left out of
 * the dump; byte 3 bit 0 makes the process a server GC one (g_heap_type 2), bit 1 drops the
 * contract descriptor (the built-in layout table is used). hd_clr_graph must return HD_OK with
 * a well-formed graph, or HD_EINPUT with a one-line message naming the dump; a crash, a
 * sanitizer report, a leak or a hang is a finding. Seeds: `mkseeds --clrwalk DIR`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/clr.h"
#include "heapdiff/graph.h"
#include "heapdiff/target.h"

#include "clrproc_builder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_graph(const hd_graph *g, const hd_clr_heap_info *info)
{
    if (g->root >= g->n_nodes || info->objects >= g->n_nodes || g->first[0] != 0 ||
        g->first[g->n_nodes] != g->n_edges)
        abort();
    for (uint32_t n = 0; n < g->n_nodes; n++) {
        if (g->first[n] > g->first[n + 1] || g->type[n] >= g->types.count) abort();
        if (n && n < info->objects && g->addr[n] <= g->addr[n - 1]) abort();
    }
    for (uint64_t e = 0; e < g->n_edges; e++)
        if (g->target[e] >= g->n_nodes) abort();
    for (uint64_t w = 0; w < g->n_weak; w++)
        if (g->weak[w][0] >= g->n_nodes || g->weak[w][1] >= g->n_nodes) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    size_t gap_off = (size_t)(data[0] | data[1] << 8) * 8, gap_len = (size_t)data[2] * 8;
    uint8_t flags = data[3];
    data += 4, size -= 4;
    cp_proc p;
    if (cp_build(&p, NULL, 0, NULL, 0)) return 0;
    memcpy(p.buf, data, size < CP_FUZZ_SPAN ? size : CP_FUZZ_SPAN);
    if (flags & 1) cp_w32(&p, CP_RT_ADDR + CPR_HEAP_TYPE, 2);
    if (flags & 2) cp_w32(&p, CP_RT_ADDR + CPR_DESCRIPTOR + 12, 0);
    cp_target c;
    cp_target_make(&c, &p, gap_off, gap_len);
    hd_graph g;
    hd_graph_init(&g);
    hd_error err;
    hd_error_clear(&err);
    hd_clr_heap_info info;
    int rc = hd_clr_graph(&c.t, &g, &info, &err);
    if (rc == HD_OK)
        check_graph(&g, &info);
    else if (rc != HD_EINPUT || err.code != HD_EINPUT || !strstr(err.msg, "synthetic.core") ||
             strchr(err.msg, '\n'))
        abort();
    hd_graph_free(&g);
    free(p.buf);
    return 0;
}
