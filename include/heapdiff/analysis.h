/* heapdiff — reachability, dominators and retained sizes. */
#ifndef HEAPDIFF_ANALYSIS_H
#define HEAPDIFF_ANALYSIS_H

#include <stdint.h>

#include "heapdiff/error.h"
#include "heapdiff/graph.h"

typedef struct hd_dom {
    uint32_t n_nodes;
    uint32_t n_reachable; /* nodes reachable from the root, the root included */
    uint32_t *idom;       /* [n_nodes] immediate dominator; HD_NODE_NONE for the root and for
                             unreachable nodes */
    uint64_t *retained;   /* [n_nodes] sum of weights of the dominator subtree; 0 unreachable */
    uint32_t *order;      /* [n_reachable] reachable nodes, every node after its dominator
                             (hd_dominators makes it a preorder of the dominator tree) */
} hd_dom;

/* Computes immediate dominators from g->root (iterative Lengauer-Tarjan, no recursion) and retained
 * sizes (hd_node_weight summed over dominator subtrees). */
int hd_dominators(const hd_graph *g, hd_dom *d, hd_error *err);
void hd_dom_free(hd_dom *d);

/* Per-type (or per-group) statistics. */
typedef struct hd_type_row {
    const char *name;   /* borrowed from the graph's type table */
    const char *module; /* NULL unless grouped by module */
    uint64_t count;     /* reachable instances with size > 0 (scaled when sampled) */
    uint64_t shallow;   /* their bytes */
    uint64_t retained;  /* DevTools Summary definition (see analysis/stats.c) */
    uint64_t unreachable_count, unreachable_shallow;
} hd_type_row;

typedef struct hd_totals {
    uint64_t nodes, edges;   /* graph size, pseudo nodes included */
    uint64_t count, shallow; /* reachable objects of size > 0 */
    uint64_t unreachable_count, unreachable_shallow;
    uint64_t pseudo_nodes; /* size-0 nodes (roots, categories, undefined) */
    uint32_t types;        /* rows with at least one object */
} hd_totals;

typedef struct hd_stats {
    uint32_t n_rows;
    hd_type_row *rows; /* sorted by retained, shallow, count (descending), then name, module */
    hd_totals totals;
    int sampled;
    float avg_count_multiplier, avg_size_multiplier;
} hd_stats;

/* Row grouping flags. By default rows are type names without size-bucket suffixes
 * (hd_type_base_len), the same name from different modules being one row. */
#define HD_ROWS_BY_MODULE 1u /* keep modules apart */
#define HD_ROWS_RAW_NAMES 2u /* keep writers' size-bucket suffixes */

int hd_stats_compute(const hd_graph *g, const hd_dom *d, unsigned flags, hd_stats *s,
                     hd_error *err);
void hd_stats_free(hd_stats *s);

/* Diff of two snapshots, types matched by name (and module with by_module). */
enum hd_diff_status { HD_DIFF_SAME = 0, HD_DIFF_GREW, HD_DIFF_SHRANK, HD_DIFF_NEW, HD_DIFF_GONE };

typedef struct hd_diff_row {
    const char *name, *module;
    uint64_t count[2], shallow[2], retained[2]; /* [0] before, [1] after */
    uint8_t status;                             /* enum hd_diff_status */
} hd_diff_row;

typedef struct hd_diff {
    uint32_t n_rows;
    hd_diff_row *rows; /* ranked by delta retained, descending (largest growth first) */
    hd_totals totals[2];
    int sampled[2];
    float avg_count_multiplier[2];
} hd_diff;

int hd_diff_compute(const hd_stats *before, const hd_stats *after, hd_diff *d, hd_error *err);
void hd_diff_free(hd_diff *d);

#endif
