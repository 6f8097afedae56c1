/* The CSR object graph: arrays sized once, no per-node allocation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/graph.h"
#include "util/alloc.h"

void hd_graph_init(hd_graph *g)
{
    memset(g, 0, sizeof *g);
    g->root = HD_NODE_NONE;
    hd_typetab_init(&g->types);
}

void hd_graph_free(hd_graph *g)
{
    free(g->type);
    free(g->size);
    free(g->addr);
    free(g->first);
    free(g->target);
    free(g->big);
    free(g->weak);
    hd_typetab_free(&g->types);
    free(g->meta.creation_tool);
    free(g->meta.process_name);
    free(g->meta.machine_name);
    free(g->meta.type_multiplier);
    hd_graph_init(g);
}

int hd_graph_alloc(hd_graph *g, uint64_t n_nodes, uint64_t n_edges, hd_error *err)
{
    if (n_nodes > HD_MAX_NODES)
        return hd_error_set(err, HD_EINTERNAL, "graph of %llu nodes exceeds the limit of %u",
                            (unsigned long long)n_nodes, HD_MAX_NODES);
    /* calloc: untouched pages stay shared zero pages, so sizing once costs nothing extra. */
    g->type = hd_calloc(n_nodes, sizeof *g->type, "node types", err);
    g->size = hd_calloc(n_nodes, sizeof *g->size, "node sizes", err);
    g->addr = hd_calloc(n_nodes, sizeof *g->addr, "node addresses", err);
    g->first = hd_calloc(n_nodes + 1, sizeof *g->first, "edge offsets", err);
    g->target = hd_calloc(n_edges, sizeof *g->target, "edges", err);
    if (!g->type || !g->size || !g->addr || !g->first || !g->target) return err->code;
    g->n_nodes = (uint32_t)n_nodes;
    g->n_edges = n_edges;
    return HD_OK;
}

int hd_graph_set_size(hd_graph *g, hd_node n, uint64_t size, hd_error *err)
{
    if (size < HD_SIZE_BIG) {
        g->size[n] = (uint32_t)size;
        return HD_OK;
    }
    if (g->n_big && g->big[g->n_big - 1].node >= n)
        return hd_error_set(err, HD_EINTERNAL, "big sizes must be set in node order");
    uint64_t cap = g->cap_big;
    if (hd_grow((void **)&g->big, &cap, (uint64_t)g->n_big + 1, sizeof *g->big, "big sizes", err))
        return err->code;
    g->cap_big = (uint32_t)cap;
    g->big[g->n_big].node = n;
    g->big[g->n_big].size = size;
    g->n_big++;
    g->size[n] = HD_SIZE_BIG;
    return HD_OK;
}

uint64_t hd_graph_big_size(const hd_graph *g, hd_node n)
{
    uint32_t lo = 0, hi = g->n_big;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->big[mid].node < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->n_big && g->big[lo].node == n ? g->big[lo].size : HD_SIZE_BIG;
}

int hd_graph_add_weak(hd_graph *g, hd_node from, hd_node to, hd_error *err)
{
    if (hd_grow((void **)&g->weak, &g->cap_weak, g->n_weak + 1, sizeof *g->weak, "weak edges", err))
        return err->code;
    g->weak[g->n_weak][0] = from;
    g->weak[g->n_weak][1] = to;
    g->n_weak++;
    return HD_OK;
}

uint64_t hd_graph_total_size(const hd_graph *g)
{
    uint64_t sum = 0;
    for (hd_node x = 0; x < g->n_nodes; x++) sum += hd_node_size(g, x);
    return sum;
}

uint64_t hd_node_weight(const hd_graph *g, hd_node n)
{
    uint64_t s = hd_node_size(g, n);
    if (!g->meta.type_multiplier) return s;
    double w = (double)s * g->meta.type_multiplier[g->type[n]];
    return w <= 0 ? 0 : (uint64_t)llround(w);
}
