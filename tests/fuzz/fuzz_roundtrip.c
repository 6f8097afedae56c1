/* libFuzzer target: every snapshot the reader accepts must survive hd_gcdump_write and read
 * back as the same graph (same nodes, types by name and module, sizes, addresses, children in
 * order, root). A differential check of the writer against the reader on hostile graphs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapdiff/heapdiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hd_graph g;
    hd_error err;
    hd_graph_init(&g);
    hd_error_clear(&err);
    if (hd_gcdump_read("fuzz.gcdump", data, size, &g, &err) != HD_OK) return 0;
    char path[128];
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/heapdiff-fuzz-roundtrip-%d.gcdump", dir, (int)getpid());
    hd_error_clear(&err);
    if (hd_gcdump_write(&g, path, &err) != HD_OK) {
        fprintf(stderr, "write failed: %s\n", err.msg);
        abort();
    }
    hd_graph h;
    hd_graph_init(&h);
    hd_error_clear(&err);
    if (hd_load(path, &h, &err) != HD_OK) {
        fprintf(stderr, "re-read failed: %s\n", err.msg);
        abort();
    }
    unlink(path);
    if (h.n_nodes != g.n_nodes || h.n_edges != g.n_edges || h.root != g.root) abort();
    for (uint32_t i = 0; i < g.n_nodes; i++) {
        if (!same_str(hd_type_name(&g, g.type[i]), hd_type_name(&h, h.type[i])) ||
            !same_str(hd_type_module(&g, g.type[i]), hd_type_module(&h, h.type[i]))) {
            fprintf(stderr, "node %u: type \"%s\" read back as \"%s\"\n", i,
                    hd_type_name(&g, g.type[i]), hd_type_name(&h, h.type[i]));
            abort();
        }
        if (hd_node_size(&g, i) != hd_node_size(&h, i) || g.addr[i] != h.addr[i] ||
            g.first[i + 1] - g.first[i] != h.first[i + 1] - h.first[i])
            abort();
        for (uint64_t e = g.first[i]; e < g.first[i + 1]; e++)
            if (g.target[e] != h.target[h.first[i] + (e - g.first[i])]) abort();
    }
    hd_graph_free(&h);
    hd_graph_free(&g);
    return 0;
}
