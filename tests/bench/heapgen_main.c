/* heapgen: writes synthetic heap graphs as .gcdump files.
 *
 *   heapgen synth NODES OUT.gcdump [--list N] [--seed S]   random .NET-like heap (heapgen.h)
 *   heapgen chain NODES OUT.gcdump                         one linked list of NODES - 2 elements
 *   heapgen example DIR                                    DIR/before.gcdump, DIR/after.gcdump
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/heapdiff.h"
#include "heapgen.h"

static int usage(void)
{
    fprintf(stderr, "usage: heapgen synth NODES OUT.gcdump [--list N] [--seed S]\n"
                    "       heapgen chain NODES OUT.gcdump\n"
                    "       heapgen example DIR\n");
    return 1;
}

static int write_graph(hd_graph *g, const char *path, hd_error *err)
{
    int rc = hd_gcdump_write(g, path, err);
    if (!rc)
        printf("%s: %u nodes, %llu edges, %u types\n", path, g->n_nodes,
               (unsigned long long)g->n_edges, g->types.count);
    hd_graph_free(g);
    return rc;
}

int main(int argc, char **argv)
{
    hd_error err;
    hd_graph g;
    hd_error_clear(&err);
    hd_graph_init(&g);
    int rc;
    if (argc >= 3 && strcmp(argv[1], "example") == 0) {
        char path[4096];
        rc = 0;
        for (int after = 0; after < 2 && !rc; after++) {
            snprintf(path, sizeof path, "%s/%s.gcdump", argv[2], after ? "after" : "before");
            rc = hg_example(&g, after, &err);
            if (!rc) rc = write_graph(&g, path, &err);
        }
    } else if (argc >= 4 && strcmp(argv[1], "synth") == 0) {
        hg_synth_opts o = {.nodes = (uint32_t)strtoul(argv[2], NULL, 0), .seed = 42};
        o.list_len = o.nodes / 5;
        for (int i = 4; i + 1 < argc; i += 2) {
            if (strcmp(argv[i], "--list") == 0)
                o.list_len = (uint32_t)strtoul(argv[i + 1], NULL, 0);
            else if (strcmp(argv[i], "--seed") == 0)
                o.seed = strtoull(argv[i + 1], NULL, 0);
            else
                return usage();
        }
        rc = hg_synth(&g, &o, &err);
        if (!rc) rc = write_graph(&g, argv[3], &err);
    } else if (argc >= 4 && strcmp(argv[1], "chain") == 0) {
        rc = hg_chain(&g, (uint32_t)strtoul(argv[2], NULL, 0), &err);
        if (!rc) rc = write_graph(&g, argv[3], &err);
    } else {
        return usage();
    }
    if (rc) {
        fprintf(stderr, "heapgen: %s\n", err.msg);
        return rc;
    }
    return 0;
}
