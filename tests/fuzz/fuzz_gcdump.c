/* libFuzzer target: the .gcdump reader on arbitrary bytes, then (when the input is accepted)
 * the dominator tree and the per-type statistics over the graph it produced.
 *
 * Whatever the input, the reader must return HD_OK or HD_EINPUT with a one-line message naming
 * the byte offset; anything else (a crash, a sanitizer report, a leak, a hang, a huge
 * allocation, another status) is a finding. Build and run: tests/fuzz/README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/heapdiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hd_graph g;
    hd_error err;
    hd_graph_init(&g);
    hd_error_clear(&err);
    int rc = hd_gcdump_read("fuzz.gcdump", data, size, &g, &err);
    if (rc != HD_OK) {
        /* A hostile input is bad input, never an internal error; and it says where. */
        if (rc != HD_EINPUT || err.code != HD_EINPUT || !strstr(err.msg, "offset") ||
            strchr(err.msg, '\n'))
            abort();
        return 0;
    }
    if (g.root >= g.n_nodes) abort();
    hd_dom d;
    memset(&d, 0, sizeof d);
    if (hd_dominators(&g, &d, &err) == HD_OK) {
        hd_stats s;
        memset(&s, 0, sizeof s);
        if (hd_stats_compute(&g, &d, 0, &s, &err) == HD_OK) hd_stats_free(&s);
        memset(&s, 0, sizeof s);
        if (hd_stats_compute(&g, &d, 1, &s, &err) == HD_OK) hd_stats_free(&s);
        hd_dom_free(&d);
    }
    hd_graph_free(&g);
    return 0;
}
