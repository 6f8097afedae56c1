/* Synthetic .NET-like heap graphs for the benchmarks and the bundled example pair. Built with
 * the public graph API only (hd_graph_alloc, the node arrays, hd_typetab_intern), the way a
 * reader fills a graph. Deterministic: the same options give the same graph, byte for byte. */
#ifndef HEAPDIFF_BENCH_HEAPGEN_H
#define HEAPDIFF_BENCH_HEAPGEN_H

#include <stdint.h>

#include "heapdiff/graph.h"

typedef struct hg_synth_opts {
    uint32_t nodes;    /* total nodes, pseudo nodes included (>= 1000) */
    uint32_t list_len; /* length of the singly linked list inside the heap (0: none) */
    uint64_t seed;
} hg_synth_opts;

/* A big random heap: dotnet-gcdump's root tree, a .NET-looking type mix (strings, byte[]s,
 * reference arrays with a power-law length and a few arrays of 100k-1M elements, collections,
 * delegates, tasks, ~2000 application types picked Zipf-like), ownership edges plus shared and
 * nearby references (cycles), one long singly linked list, ~3% unreachable garbage. About 4
 * edges per node. */
int hg_synth(hd_graph *g, const hg_synth_opts *o, hd_error *err);

/* The degenerate case for iterative algorithms: the root, one static-variable node and a
 * singly linked list of nodes - 2 elements (dominator tree depth = nodes - 1). */
int hg_chain(hd_graph *g, uint32_t nodes, hd_error *err);

/* The bundled example: a small "leaking web app" heap as dotnet-gcdump would record it.
 * after = 0 is the first snapshot, 1 the second (the session cache has grown). */
int hg_example(hd_graph *g, int after, hd_error *err);

#endif
