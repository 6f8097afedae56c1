/* walkobjs: prints what heapdiff's heap walker finds in a dump, in the oracle's line format
 * (tests/dotnet/HeapOracle/Program.cs), for walker.sh to compare object by object:
 *   O <addr hex> <size> <type name>     every object (reachable or not), address order
 *   R <kind> <addr hex>                 every root edge ("strong handle", ...)
 *   # key value                         the walk's summary (hd_clr_heap_info)
 * Test tooling only; not installed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/clr.h"
#include "heapdiff/graph.h"
#include "heapdiff/target.h"

#include "clr/walk.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: walkobjs DUMP\n");
        return 1;
    }
    hd_target t;
    hd_error err;
    hd_error_clear(&err);
    if (hd_target_open(&t, argv[1], &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    /* The built-in layout table against this runtime's own descriptor, when the dump has one. */
    hd_clr_runtime rt;
    if (!hd_clr_locate(&t, &rt, &err) && rt.doc) {
        char bad[1024];
        int n = hd_clr_layout_check_table(&rt, bad, sizeof bad);
        printf("# table_check %d %s\n", n, bad);
    }
    hd_clr_runtime_free(&rt);
    hd_error_clear(&err);
    /* The GC's variables found through g_dacTable and, independently, by their header (the
     * path for runtimes without g_dacTable, e.g. on Windows): the same address and GC mode. */
    hd_clr_heap *h = calloc(1, sizeof *h);
    h->t = &t;
    if (h && !hd_clr_locate(&t, &h->rt, &err) && !hd_clr_layout_init(h, &err) &&
        !hd_clr_find_heap(h, &err)) {
        uint64_t scanned = hd_clr_scan_gc_dac_vars(h);
        uint64_t pn = 0;
        uint32_t nh = 0;
        int server = !hd_clr_read_ptr(h, scanned + 176, &pn) && pn &&
                     !hd_clr_read_u32(h, pn, &nh) && nh >= 1;
        printf("# gc_dac_vars %" PRIx64 " scanned %" PRIx64 " heap_type %u scanned_server %d\n",
               h->gdv_addr, scanned, h->heap_type, server);
    }
    if (h) hd_clr_heap_free(h);
    free(h);
    hd_error_clear(&err);
    hd_graph g;
    hd_graph_init(&g);
    hd_clr_heap_info info;
    if (hd_clr_graph(&t, &g, &info, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    printf("# runtime %s\n# descriptor %d\n# server %d\n# regions %d\n# heaps %u\n"
           "# segments %u\n# objects %" PRIu64 "\n# bytes %" PRIu64 "\n# free %" PRIu64 " %" PRIu64
           "\n# corrupt %" PRIu64 "\n# dangling %" PRIu64 "\n# unnamed %" PRIu64
           "\n# dependent %" PRIu64 "\n# notes %s\n",
           info.runtime, info.layout_from_descriptor, info.server, info.regions, info.n_heaps,
           info.n_segments, info.objects, info.bytes, info.free_objects, info.free_bytes,
           info.corrupt, info.dangling, info.unnamed_types, info.dependent_handles, info.notes);
    for (int k = 0; k < HD_CLR_ROOT_KINDS; k++)
        printf("# roots %s %" PRIu64 "\n", hd_clr_root_kind_name(k), info.roots[k]);
    for (uint32_t n = 0; n < g.n_nodes; n++) {
        if (!g.addr[n]) continue;
        printf("O %" PRIx64 " %" PRIu64 " %s\n", g.addr[n], hd_node_size(&g, n),
               hd_type_name(&g, g.type[n]));
    }
    /* Root edges: root -> category -> object. */
    for (uint64_t e = g.first[g.root]; e < g.first[g.root + 1]; e++) {
        hd_node c = g.target[e];
        const char *cat = hd_type_name(&g, g.type[c]);
        for (uint64_t f = g.first[c]; f < g.first[c + 1]; f++) {
            hd_node x = g.target[f];
            if (g.addr[x]) {
                printf("R %s %" PRIx64 "\n", cat, g.addr[x]);
                continue;
            }
            /* A pseudo node under a category ("[static vars of C]"): its own roots. */
            for (uint64_t k = g.first[x]; k < g.first[x + 1]; k++)
                printf("R %s %" PRIx64 "\n", hd_type_name(&g, g.type[x]), g.addr[g.target[k]]);
        }
    }
    for (uint64_t i = 0; i < g.n_weak; i++) printf("W %" PRIx64 "\n", g.addr[g.weak[i][1]]);
    hd_graph_free(&g);
    hd_target_close(&t);
    return 0;
}
