/* The largest retained subtrees that fit DevTools' limits.
 *
 * A dominator subtree is self-contained: every reference into it from outside goes to its top
 * (a reference to a node further down would be a path around the top, which dominates it), and
 * all its nodes are reachable from the top inside it. So writing whole subtrees, each hung
 * under a synthetic note node below the root, gives every kept node the retained size it has
 * in the whole heap, and DevTools computes the same sizes for them.
 *
 * Greedy, largest retained size first (a max-heap of candidates, starting with the root's
 * children in the dominator tree): a candidate whose subtree fits the budget left is taken
 * whole; one that does not is replaced by its own children. Budgets are upper bounds: every
 * reference and weak edge leaving a subtree's node is counted as if written, each type name
 * once across the file. Type names need a walk of the candidate's subtree to count; a candidate
 * rejected for its names is replaced by its children too, but the nodes walked for rejected
 * candidates are capped (4 n + 2^20) so that a deep tree cannot make this quadratic: past the
 * cap, the selection ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapdiff/analysis.h"
#include "heapsnapshot/hs_select.h"
#include "util/alloc.h"

#define CHARGED UINT32_MAX

typedef struct sel {
    const hd_graph *g;
    hs_plan *p;
    const uint64_t *retained;
    uint32_t *cend; /* dominator-tree children of x: kids[(x ? cend[x - 1] : 0) .. cend[x]) */
    uint32_t *kids;
    hd_node *heap;
    uint64_t n_heap, cap_heap;
    hd_node *stack;
    uint64_t cap_stack;
    uint32_t *charged; /* [types] CHARGED, 0, or the stamp of the walk that saw it */
} sel;

static inline uint32_t kid_begin(const sel *s, hd_node x)
{
    return x ? s->cend[x - 1] : 0;
}

static inline int above(const sel *s, hd_node a, hd_node b)
{
    if (s->retained[a] != s->retained[b]) return s->retained[a] > s->retained[b];
    return a < b;
}

static int heap_push(sel *s, hd_node x, hd_error *err)
{
    if (s->n_heap == s->cap_heap && hd_grow((void **)&s->heap, &s->cap_heap, s->n_heap + 1,
                                            sizeof *s->heap, "heapsnapshot subtrees", err))
        return err->code;
    uint64_t i = s->n_heap++;
    while (i > 0) {
        uint64_t up = (i - 1) / 2;
        if (!above(s, x, s->heap[up])) break;
        s->heap[i] = s->heap[up];
        i = up;
    }
    s->heap[i] = x;
    return HD_OK;
}

static hd_node heap_pop(sel *s)
{
    hd_node top = s->heap[0], x = s->heap[--s->n_heap];
    uint64_t i = 0, n = s->n_heap;
    for (;;) {
        uint64_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && above(s, s->heap[c + 1], s->heap[c])) c++;
        if (!above(s, s->heap[c], x)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n) s->heap[i] = x;
    return top;
}

/* Walks x's dominator subtree. commit = 0: adds to *units the string table length of the type
 * names not charged yet (each once, marked with stamp). commit = 1: marks the nodes kept and
 * their types charged, and counts the objects (size > 0) in *units. */
static int walk(sel *s, hd_node x, uint32_t stamp, int commit, uint64_t *units, hd_error *err)
{
    const hd_graph *g = s->g;
    uint64_t top = 0;
    s->stack[top++] = x;
    while (top) {
        hd_node y = s->stack[--top];
        uint32_t t = g->type[y];
        if (commit) {
            s->p->kept[y >> 6] |= 1ull << (y & 63);
            s->charged[t] = CHARGED;
            *units += hd_node_size(g, y) > 0;
        } else if (s->charged[t] != CHARGED && s->charged[t] != stamp) {
            s->charged[t] = stamp;
            const char *name;
            const char *pre = hs_type_prefix(g, t, &name);
            *units += 1 + hs_json_string(NULL, pre, name);
        }
        uint32_t k0 = kid_begin(s, y), k1 = s->cend[y];
        if (top + (k1 - k0) > s->cap_stack &&
            hd_grow((void **)&s->stack, &s->cap_stack, top + (k1 - k0), sizeof *s->stack,
                    "heapsnapshot subtrees", err))
            return err->code;
        for (uint32_t k = k0; k < k1; k++) s->stack[top++] = s->kids[k];
    }
    return HD_OK;
}

int hs_select(hs_plan *p, const hs_limits *lim, hs_result *res, hd_error *err)
{
    const hd_graph *g = p->g;
    uint64_t n = g->n_nodes;
    hd_dom d;
    memset(&d, 0, sizeof d);
    sel s;
    memset(&s, 0, sizeof s);
    s.g = g;
    s.p = p;
    uint32_t *sub_nodes = NULL;
    uint64_t *sub_edges = NULL;
    if (hd_dominators(g, &d, err)) goto out;
    s.retained = d.retained;
    uint32_t r = d.n_reachable;

    /* Dominator tree as children lists, and per subtree its node and edge counts. */
    s.cend = hd_calloc(n + 1, sizeof *s.cend, "heapsnapshot subtrees", err);
    s.kids = hd_alloc(r, sizeof *s.kids, "heapsnapshot subtrees", err);
    sub_nodes = hd_calloc(n, sizeof *sub_nodes, "heapsnapshot subtrees", err);
    sub_edges = hd_calloc(n, sizeof *sub_edges, "heapsnapshot subtrees", err);
    s.charged = hd_calloc(g->types.count, sizeof *s.charged, "heapsnapshot subtrees", err);
    s.cap_stack = 1024;
    s.stack = hd_alloc(s.cap_stack, sizeof *s.stack, "heapsnapshot subtrees", err);
    if (!s.cend || !s.kids || !sub_nodes || !sub_edges || !s.charged || !s.stack) goto out;
    for (uint32_t i = 0; i < r; i++) {
        hd_node x = d.order[i];
        if (d.idom[x] != HD_NODE_NONE) s.cend[d.idom[x] + 1]++;
    }
    for (uint64_t i = 0; i < n; i++) s.cend[i + 1] += s.cend[i];
    for (uint32_t i = 0; i < r; i++) {
        hd_node x = d.order[i];
        if (d.idom[x] != HD_NODE_NONE) s.kids[s.cend[d.idom[x]]++] = x;
    }
    uint64_t root_weak = 0;
    for (uint64_t i = 0; i < g->n_weak; i++) {
        hd_node a = g->weak[i][0];
        if (a == g->root)
            root_weak++;
        else if (a < n && d.idom[a] != HD_NODE_NONE)
            sub_edges[a]++;
    }
    uint64_t objects = 0;
    for (uint32_t i = r; i-- > 0;) {
        hd_node x = d.order[i];
        sub_nodes[x] += 1;
        sub_edges[x] += g->first[x + 1] - g->first[x];
        if (d.idom[x] != HD_NODE_NONE) {
            sub_nodes[d.idom[x]] += sub_nodes[x];
            sub_edges[d.idom[x]] += sub_edges[x];
            objects += hd_node_size(g, x) > 0;
        }
    }

    /* Budgets: the root and the note node; root -> note and the root's weak edges; the fixed
     * strings and the longest note. */
    uint64_t fixed = 1 + 2 + 7 + hs_prop_names(NULL, p->n_prop) + 1 + (1 + 2 + sizeof res->note);
    if (lim->max_nodes < 2 || lim->max_edges < 1 + root_weak || lim->max_string_chars < fixed) {
        hd_error_set(err, HD_EINTERNAL, "heapsnapshot: the limits leave no room for any object");
        goto out;
    }
    uint64_t nodes_left = lim->max_nodes - 2, edges_left = lim->max_edges - 1 - root_weak;
    uint64_t chars_left = lim->max_string_chars - fixed;

    memset(p->kept, 0, ((n + 63) / 64) * sizeof *p->kept);
    p->n_heads = 0;
    uint64_t rejected_walks = 0, kept_objects = 0, kept_bytes = 0;
    for (uint32_t k = kid_begin(&s, g->root); k < s.cend[g->root]; k++)
        if (heap_push(&s, s.kids[k], err)) goto out;
    while (s.n_heap && nodes_left && edges_left > 1) {
        hd_node x = heap_pop(&s);
        if (sub_nodes[x] <= nodes_left && sub_edges[x] + 1 <= edges_left) {
            uint64_t units = 0;
            if (walk(&s, x, x + 1, 0, &units, err)) goto out;
            if (units > chars_left) {
                rejected_walks += sub_nodes[x];
                if (rejected_walks > 4 * n + (1u << 20)) break;
                for (uint32_t k = kid_begin(&s, x); k < s.cend[x]; k++)
                    if (heap_push(&s, s.kids[k], err)) goto out;
                continue;
            }
            chars_left -= units;
            units = 0;
            if (walk(&s, x, 0, 1, &units, err)) goto out;
            kept_objects += units;
            kept_bytes += d.retained[x];
            nodes_left -= sub_nodes[x];
            edges_left -= sub_edges[x] + 1;
            if (p->n_heads == p->cap_heads &&
                hd_grow((void **)&p->heads, &p->cap_heads, p->n_heads + 1, sizeof *p->heads,
                        "heapsnapshot subtrees", err))
                goto out;
            p->heads[p->n_heads++] = x;
        } else {
            for (uint32_t k = kid_begin(&s, x); k < s.cend[x]; k++)
                if (heap_push(&s, s.kids[k], err)) goto out;
        }
    }
    uint64_t total = d.retained[g->root];
    res->subtrees = p->n_heads;
    res->kept_nodes = kept_objects;
    res->kept_bytes = kept_bytes;
    res->left_out_nodes = objects - kept_objects;
    res->left_out_bytes = total - kept_bytes;
    snprintf(res->note, sizeof res->note,
             "(heapdiff: the heap is too big for DevTools; this file holds its %llu largest "
             "retained subtrees that fit: %llu of %llu objects, %llu of %llu bytes; left out: "
             "%llu objects, %llu bytes)",
             (unsigned long long)p->n_heads, (unsigned long long)kept_objects,
             (unsigned long long)objects, (unsigned long long)kept_bytes, (unsigned long long)total,
             (unsigned long long)res->left_out_nodes, (unsigned long long)res->left_out_bytes);
out:
    hd_dom_free(&d);
    free(s.cend);
    free(s.kids);
    free(s.heap);
    free(s.stack);
    free(s.charged);
    free(sub_nodes);
    free(sub_edges);
    return err->code;
}
