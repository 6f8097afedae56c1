/* heapdiff tests — building hd_graph instances from edge lists and random models.
 *
 * Shared by the unit tests that need graphs without a snapshot file. Everything is
 * deterministic from a seed so that a failure prints a seed that reproduces it. Allocation
 * failures abort: these are tests, not library code. */
#ifndef HEAPDIFF_TEST_GRAPHGEN_H
#define HEAPDIFF_TEST_GRAPHGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "heapdiff/graph.h"

/* splitmix64: small, fast, and the same sequence on every platform. */
typedef struct gg_rng {
    uint64_t state;
} gg_rng;

void gg_seed(gg_rng *r, uint64_t seed);
uint64_t gg_next(gg_rng *r);
uint32_t gg_below(gg_rng *r, uint32_t n); /* uniform in [0, n); n > 0 */
int gg_chance(gg_rng *r, unsigned percent);

/* A growable edge list; edges keep their insertion order within a source node. */
typedef struct gg_edges {
    uint32_t (*e)[2];
    uint64_t n, cap;
} gg_edges;

void gg_edges_init(gg_edges *e);
void gg_edges_free(gg_edges *e);
void gg_edge(gg_edges *e, uint32_t from, uint32_t to);
void gg_edges_shuffle(gg_edges *e, gg_rng *r);

/* Initialises and fills g: n nodes (n >= 1), the edges of e in CSR form and the root. Every
 * node gets type "Node" (no module), size 1 and address 0x10000 + 16 * id; callers override.
 * Returns HD_OK or the library's error code. */
int gg_build(hd_graph *g, uint32_t n, const gg_edges *e, hd_node root, hd_error *err);

/* Interns (name, module) in g's type table (module may be NULL); aborts on failure. */
uint32_t gg_type(hd_graph *g, const char *name, const char *module);

/* Draws a random graph of min_n..max_n nodes (skewed towards small ones) from one of several
 * models (uniform, tree plus extra edges, chains with back edges, layered DAG, strongly
 * connected clusters, dense) with random modifiers (self-loops, duplicate edges, edges into
 * the root, a root without edges, cut-off unreachable parts, relabelled ids, shuffled edge
 * order). Fills e (which must be initialised; it is cleared first), returns n and sets *root.
 * desc (may be NULL) receives a one-line description of the model for failure messages. */
uint32_t gg_random_edges(gg_rng *r, uint32_t min_n, uint32_t max_n, gg_edges *e, hd_node *root,
                         char *desc, size_t desc_len);

/* Prints g as text: n, root, and per node its type, size and out-edges (for reproducers). */
void gg_dump(const hd_graph *g, FILE *f);

/* Reference dominators, independent of the library. idom is HD_NODE_NONE for the root and for
 * unreachable nodes; retained[x] is the sum of weight[] over the nodes x dominates (x
 * included), 0 when x is unreachable. */
typedef struct gg_dom {
    uint32_t n, n_reachable;
    uint8_t *reachable;
    uint32_t *idom;
    uint64_t *retained;
} gg_dom;

/* Straight from the definition: v dominates w iff w is reachable from the root and no longer
 * reachable once v is removed (the root dominates every reachable node; every reachable node
 * dominates itself); idom(w) is the strict dominator of w that all other strict dominators of w
 * dominate. O(n (n + m)) time and n^2 bytes: for graphs of a few hundred nodes. Aborts if the
 * dominators it finds are not totally ordered (they always are). */
void gg_brute_dominators(const hd_graph *g, const uint64_t *weight, gg_dom *out);

/* Cooper, Harvey & Kennedy's iterative algorithm ("A Simple, Fast Dominance Algorithm"), with
 * an explicit DFS stack: a second, simple reference for graphs too big for the brute force. */
void gg_chk_dominators(const hd_graph *g, const uint64_t *weight, gg_dom *out);

void gg_dom_free(gg_dom *d);

#endif
