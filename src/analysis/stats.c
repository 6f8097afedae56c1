/* Per-type statistics: counts and shallow bytes of reachable and unreachable objects, and the
 * per-type retained size as DevTools' Summary view defines it: the sum of retained(x) over the
 * row's reachable instances x (size > 0) that have no proper dominator ancestor in the same row
 * (so nested instances, e.g. the nodes of a linked list, are not counted twice). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/rowkey.h"
#include "heapdiff/analysis.h"
#include "util/alloc.h"

void hd_stats_free(hd_stats *s)
{
    free(s->rows);
    memset(s, 0, sizeof *s);
}

/* Maps every type to a row; rows get their names. Returns the row count. */
static int group_types(const hd_graph *g, unsigned flags, uint32_t *row_of, hd_type_row **rows,
                       uint32_t *n_rows, hd_error *err)
{
    uint32_t nt = g->types.count;
    const char **names = hd_alloc(nt, sizeof *names, "type rows", err);
    const char **mods = hd_alloc(nt, sizeof *mods, "type rows", err);
    *rows = hd_calloc(nt, sizeof **rows, "type rows", err);
    hd_rowmap map;
    if (!names || !mods || !*rows || hd_rowmap_init(&map, nt, err)) {
        free(names);
        free(mods);
        return err->code;
    }
    int by_module = (flags & HD_ROWS_BY_MODULE) != 0;
    map.names = names;
    map.modules = by_module ? mods : NULL;
    uint32_t n = 0;
    for (uint32_t t = 0; t < nt; t++) {
        const char *name = flags & HD_ROWS_RAW_NAMES ? hd_type_name(g, t) : hd_type_base_name(g, t);
        const char *mod = by_module ? hd_type_module(g, t) : NULL;
        names[n] = name;
        mods[n] = mod;
        uint32_t r = hd_rowmap_find(&map, name, mod, n);
        if (r == UINT32_MAX) {
            (*rows)[n].name = name;
            (*rows)[n].module = mod;
            r = n++;
        }
        row_of[t] = r;
    }
    hd_rowmap_free(&map);
    free(names);
    free(mods);
    *n_rows = n;
    return HD_OK;
}

/* Walks the dominator tree depth-first (iteratively) keeping, per row, how many instances are
 * on the current path; an instance adds its retained size only when none is. */
static void enter(const hd_graph *g, const hd_dom *d, const uint32_t *row_of, hd_type_row *rows,
                  uint32_t *active, hd_node x)
{
    if (hd_node_size(g, x) == 0) return;
    uint32_t row = row_of[g->type[x]];
    if (active[row]++ == 0) rows[row].retained += d->retained[x];
}

/* The fast way, when d->order is a preorder of the dominator tree (hd_dominators makes it
 * so): the path from the root to the current node is current, idom[current], ..., so idom[]
 * itself is the stack and no per-node memory is needed. Leaving a node pops it. Returns -1,
 * having counted part of the tree, when the order turns out not to be a preorder (e.g. a
 * dominator order read from a file); the caller then starts again the general way. */
static int row_retained_preorder(const hd_graph *g, const hd_dom *d, const uint32_t *row_of,
                                 hd_type_row *rows, uint32_t *active)
{
    const uint32_t *order = d->order, *idom = d->idom, *type = g->type;
    uint32_t r = d->n_reachable;
    hd_node top = HD_NODE_NONE;
    for (uint32_t i = 0; i < r; i++) {
        if (i + 8 < r) { /* the nodes are scattered: ask for what is read a few steps ahead */
            hd_node y = order[i + 8];
            __builtin_prefetch(&idom[y]);
            __builtin_prefetch(&type[y]);
            __builtin_prefetch(&g->size[y]);
            __builtin_prefetch(&d->retained[y]);
        }
        hd_node x = order[i], p = idom[x];
        while (top != p) {
            if (top == HD_NODE_NONE) return -1;
            if (hd_node_size(g, top) > 0) active[row_of[type[top]]]--;
            top = idom[top];
        }
        enter(g, d, row_of, rows, active, x);
        top = x;
    }
    return 0;
}

static int row_retained(const hd_graph *g, const hd_dom *d, const uint32_t *row_of,
                        hd_type_row *rows, uint32_t n_rows, hd_error *err)
{
    {
        uint32_t *active = hd_calloc(n_rows, sizeof *active, "dominator tree", err);
        if (!active) return err->code;
        int ok = row_retained_preorder(g, d, row_of, rows, active) == 0;
        free(active);
        if (ok) return HD_OK;
        for (uint32_t i = 0; i < n_rows; i++) rows[i].retained = 0;
    }

    uint32_t n = g->n_nodes, r = d->n_reachable;
    /* Children lists of the dominator tree (CSR). After filling, p's children are
     * kids[(p ? cend[p-1] : 0) .. cend[p]). */
    uint32_t *cend = hd_calloc((uint64_t)n + 1, sizeof *cend, "dominator tree", err);
    uint32_t *kids = hd_alloc(r, sizeof *kids, "dominator tree", err);
    uint32_t *stack = hd_alloc(r, sizeof *stack, "dominator tree", err);
    uint32_t *cursor = hd_alloc(r, sizeof *cursor, "dominator tree", err);
    uint32_t *active = hd_calloc(n_rows, sizeof *active, "dominator tree", err);
    if (!cend || !kids || !stack || !cursor || !active) goto out;
    for (uint32_t i = 0; i < r; i++) {
        hd_node x = d->order[i];
        if (d->idom[x] != HD_NODE_NONE) cend[d->idom[x] + 1]++;
    }
    for (uint32_t i = 0; i < n; i++) cend[i + 1] += cend[i];
    for (uint32_t i = 0; i < r; i++) {
        hd_node x = d->order[i];
        if (d->idom[x] != HD_NODE_NONE) kids[cend[d->idom[x]]++] = x;
    }
    uint32_t top = 0;
    stack[0] = g->root;
    cursor[0] = g->root ? cend[g->root - 1] : 0;
    top = 1;
    enter(g, d, row_of, rows, active, g->root);
    while (top) {
        hd_node p = stack[top - 1];
        if (cursor[top - 1] < cend[p]) {
            hd_node x = kids[cursor[top - 1]++];
            stack[top] = x;
            cursor[top] = x ? cend[x - 1] : 0;
            top++;
            enter(g, d, row_of, rows, active, x);
        } else {
            top--;
            if (hd_node_size(g, p) > 0) active[row_of[g->type[p]]]--;
        }
    }
out:
    free(cend);
    free(kids);
    free(stack);
    free(cursor);
    free(active);
    return err->code;
}

static int cmp_rows(const void *pa, const void *pb)
{
    const hd_type_row *a = pa, *b = pb;
    if (a->retained != b->retained) return a->retained < b->retained ? 1 : -1;
    if (a->shallow != b->shallow) return a->shallow < b->shallow ? 1 : -1;
    if (a->count != b->count) return a->count < b->count ? 1 : -1;
    int c = strcmp(a->name, b->name);
    if (c || !a->module || !b->module) return c;
    return strcmp(a->module, b->module);
}

int hd_stats_compute(const hd_graph *g, const hd_dom *d, unsigned flags, hd_stats *s, hd_error *err)
{
    memset(s, 0, sizeof *s);
    uint32_t *row_of = hd_alloc(g->types.count, sizeof *row_of, "type rows", err);
    double *scaled = NULL; /* sampled: [2 * row] reachable, [2 * row + 1] unreachable counts */
    if (!row_of) return err->code;
    hd_type_row *rows = NULL;
    uint32_t n_rows = 0;
    if (group_types(g, flags, row_of, &rows, &n_rows, err)) goto fail;
    const float *mult = g->meta.type_multiplier;
    if (mult && !(scaled = hd_calloc(2ull * n_rows, sizeof *scaled, "type rows", err))) goto fail;

    hd_totals *t = &s->totals;
    t->nodes = g->n_nodes;
    t->edges = g->n_edges;
    for (hd_node x = 0; x < g->n_nodes; x++) {
        uint64_t size = hd_node_size(g, x);
        if (size == 0) {
            t->pseudo_nodes++;
            continue;
        }
        hd_type_row *row = &rows[row_of[g->type[x]]];
        uint64_t w = hd_node_weight(g, x);
        int reachable = x == g->root || d->idom[x] != HD_NODE_NONE;
        if (mult) scaled[2 * (size_t)(row - rows) + !reachable] += mult[g->type[x]];
        if (reachable) {
            row->shallow += w;
            row->count++;
        } else {
            row->unreachable_count++;
            row->unreachable_shallow += w;
        }
    }
    if (mult)
        for (uint32_t i = 0; i < n_rows; i++) {
            rows[i].count = (uint64_t)llround(scaled[2 * (size_t)i]);
            rows[i].unreachable_count = (uint64_t)llround(scaled[2 * (size_t)i + 1]);
        }
    if (row_retained(g, d, row_of, rows, n_rows, err)) goto fail;

    /* Keep rows that have objects; pseudo types and types never instantiated are not rows. */
    uint32_t k = 0;
    for (uint32_t i = 0; i < n_rows; i++) {
        hd_type_row *row = &rows[i];
        int has = row->shallow || row->unreachable_count ||
                  (mult && (scaled[2 * (size_t)i] > 0 || scaled[2 * (size_t)i + 1] > 0));
        if (!has) {
            /* A reachable instance of size > 0 always has shallow > 0 unless sampled away. */
            continue;
        }
        t->count += row->count;
        t->shallow += row->shallow;
        t->unreachable_count += row->unreachable_count;
        t->unreachable_shallow += row->unreachable_shallow;
        rows[k++] = *row;
    }
    t->types = k;
    qsort(rows, k, sizeof *rows, cmp_rows);
    s->rows = rows;
    s->n_rows = k;
    s->sampled = mult != NULL;
    s->avg_count_multiplier = mult ? g->meta.avg_count_multiplier : 1.0f;
    s->avg_size_multiplier = mult ? g->meta.avg_size_multiplier : 1.0f;
    free(row_of);
    free(scaled);
    return HD_OK;
fail:
    free(row_of);
    free(scaled);
    free(rows);
    memset(s, 0, sizeof *s);
    return err->code;
}
