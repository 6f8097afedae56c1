/* Immediate dominators and retained sizes.
 *
 * Lengauer–Tarjan with simple linking and iterative path compression: O(m log n) in the worst
 * case. (Semi-NCA was rejected: its NCA climb is quadratic on heap shapes that do occur, e.g. a
 * long linked list whose tail holds an array whose items are also referenced from a root.)
 * No recursion anywhere: the DFS keeps its path in parent[] and a per-vertex edge cursor;
 * compression uses an explicit stack.
 *
 * Memory: vertices are renumbered in DFS preorder (0 = root). Beyond the graph, the peak is
 * 24 bytes per node plus 4 bytes per edge that goes from a later to an earlier vertex in
 * preorder (only those need predecessor lists: an edge from an earlier vertex v contributes
 * semi = v directly and is handled in a forward pass). Several arrays do double duty:
 *   - parent[] is also the forest's ancestor[] (linking is implicit: vertex x is linked once
 *     the main loop has passed it, so ancestor[x] = parent[x] needs no separate array);
 *   - label[] of a vertex that is not yet processed is the head of its bucket;
 *   - bnext[] chains a bucket, then holds the vertex's immediate dominator once it leaves it;
 *   - the DFS keeps a 4-byte count of edges seen per vertex, not an 8-byte edge offset;
 *   - pre[] (node -> preorder) is freed once the predecessor lists are built, and every
 *     temporary is freed before the node-indexed results are allocated. */
#include <stdlib.h>
#include <string.h>

#include "heapdiff/analysis.h"
#include "util/alloc.h"

#define NONE UINT32_MAX

void hd_dom_free(hd_dom *d)
{
    free(d->idom);
    free(d->retained);
    free(d->order);
    memset(d, 0, sizeof *d);
}

/* DFS from the root: numbers reachable nodes in preorder. pre[] is node-indexed (number + 1,
 * 0 = not reached); vert[] and parent[] are indexed by number. Every edge is looked at exactly
 * once here, so this pass also does the forward half of the semidominator computation: an edge
 * from an earlier vertex v to w offers semi(w) = v directly (tree edges included), and an edge
 * from a later vertex is counted in rcount[w + 1] for the predecessor lists.
 * Returns the number of vertices reached. */
static uint32_t dfs(const hd_graph *g, uint32_t *pre, uint32_t *vert, uint32_t *parent,
                    uint32_t *cursor, uint32_t *semi, uint32_t *rcount)
{
    const uint32_t *target = g->target;
    uint32_t count = 1, v = 0;
    pre[g->root] = 1;
    vert[0] = g->root;
    parent[0] = 0;
    semi[0] = 0;
    cursor[0] = 0; /* edges of the vertex already looked at (4 bytes, not an 8-byte offset) */
    uint64_t start = g->first[g->root], end = g->first[g->root + 1];
    for (;;) {
        uint64_t e = start + cursor[v];
        if (e < end) {
            hd_node w = target[e];
            cursor[v]++;
            uint32_t pw = pre[w];
            if (pw == 0) {
                pre[w] = ++count;
                uint32_t k = count - 1;
                vert[k] = w;
                parent[k] = v;
                semi[k] = v;
                cursor[k] = 0;
                start = g->first[w];
                end = g->first[w + 1];
                v = k;
                /* References point anywhere in the heap, so every lookup below misses the cache.
                 * Ask for all of them at once (up to 16) while they are known: what w's
                 * children need, pre[] and (if undiscovered) their edge range. */
                for (uint64_t f = start, stop = end < f + 16 ? end : f + 16; f < stop; f++) {
                    __builtin_prefetch(&pre[target[f]]);
                    __builtin_prefetch(&g->first[target[f]]);
                }
            } else if (--pw > v) {
                if (v < semi[pw]) semi[pw] = v;
            } else if (pw < v && pw != 0) {
                rcount[pw + 1]++;
            }
        } else if (v == 0) {
            return count;
        } else {
            v = parent[v];
            start = g->first[vert[v]];
            end = g->first[vert[v] + 1];
        }
    }
}

/* The compression stack: paths are short in practice, so it starts small and grows. */
typedef struct eval_stack {
    uint32_t *a;
    uint64_t cap;
    int oom;
} eval_stack;

static __attribute__((noinline)) int stack_grow(eval_stack *st)
{
    uint64_t cap = st->cap * 2;
    uint32_t *a = realloc(st->a, cap * sizeof *a);
    if (!a) return st->oom = 1;
    st->a = a;
    st->cap = cap;
    return 0;
}

/* Minimum-semi vertex on the forest path from v up to (not including) its tree root; vertices
 * >= thr are linked. Compresses the path on the way. */
static inline uint32_t eval(uint32_t v, uint32_t thr, uint32_t *anc, uint32_t *label,
                            const uint32_t *semi, eval_stack *st)
{
    if (v < thr) return v; /* a tree root */
    /* Push every vertex on the path whose ancestor is linked (the recursive COMPRESS would
     * recurse through exactly these), then fold labels from the top down. */
    uint64_t top = 0;
    for (uint32_t x = v; anc[x] >= thr; x = anc[x]) {
        if (top == st->cap && stack_grow(st)) {
            /* No memory to compress: answer by walking the path without changing it. */
            uint32_t best = label[v];
            for (uint32_t y = anc[v]; y >= thr && anc[y] != y; y = anc[y])
                if (semi[label[y]] < semi[best]) best = label[y];
            return best;
        }
        st->a[top++] = x;
    }
    while (top) {
        uint32_t y = st->a[--top], a = anc[y];
        if (a >= thr) {
            if (semi[label[a]] < semi[label[y]]) label[y] = label[a];
            anc[y] = anc[a];
        }
    }
    return label[v];
}

int hd_dominators(const hd_graph *g, hd_dom *d, hd_error *err)
{
    memset(d, 0, sizeof *d);
    uint32_t n = g->n_nodes;
    if (g->root >= n) return hd_error_set(err, HD_EINTERNAL, "graph has no root");
    d->n_nodes = n;
    uint32_t *pre = hd_calloc(n, sizeof *pre, "dominators", err);
    uint32_t *vert = hd_alloc(n, sizeof *vert, "dominators", err);
    uint32_t *parent = hd_alloc(n, sizeof *parent, "dominators", err);
    uint32_t *cursor = hd_alloc(n, sizeof *cursor, "dominators", err);
    uint32_t *semi = hd_alloc(n, sizeof *semi, "dominators", err);
    uint32_t *rfirst = hd_calloc((uint64_t)n + 1, sizeof *rfirst, "dominators", err);
    uint32_t *label = NULL, *bnext = NULL, *rsrc = NULL;
    eval_stack st = {.cap = 4096};
    st.a = hd_alloc(st.cap, sizeof *st.a, "dominators", err);
    if (!pre || !vert || !parent || !cursor || !semi || !rfirst || !st.a) goto fail;

    uint32_t r = dfs(g, pre, vert, parent, cursor, semi, rfirst);
    free(cursor);
    cursor = NULL;
    d->n_reachable = r;

    /* Predecessor lists of the edges that go from a later to an earlier vertex (the only ones
     * that need eval). Filled in node order: first[] and target[] are read sequentially, and
     * pre[] of targets a few edges ahead is prefetched. */
    uint64_t n_back = 0;
    for (uint32_t i = 0; i < r; i++) {
        n_back += rfirst[i + 1];
        if (n_back >= UINT32_MAX) {
            hd_error_set(err, HD_EINTERNAL, "graph has more than 2^32-1 back references");
            goto fail;
        }
        rfirst[i + 1] = (uint32_t)n_back;
    }
    rsrc = hd_alloc(n_back, sizeof *rsrc, "predecessors", err);
    if (!rsrc) goto fail;
    const uint32_t *target = g->target;
    for (hd_node v = 0; v < n; v++) {
        uint32_t i = pre[v];
        if (i-- == 0) continue;
        uint64_t end = g->first[v + 1];
        for (uint64_t e = g->first[v]; e < end; e++) {
            if (e + 16 < g->n_edges) __builtin_prefetch(&pre[target[e + 16]]);
            uint32_t w = pre[target[e]] - 1;
            if (w < i && w != 0) rsrc[rfirst[w]++] = i; /* rfirst[w] ends as start of w+1 */
        }
    }
    /* rfirst[w] now holds the end of w's list; its start is rfirst[w-1] (0 for w = 0). */
    free(pre); /* the node -> vertex map is not needed any more; vert[] maps back */
    pre = NULL;

    label = hd_alloc(r, sizeof *label, "dominators", err);
    bnext = hd_alloc(r, sizeof *bnext, "dominators", err);
    if (!label || !bnext) goto fail;
    uint32_t *anc = parent;
    for (uint32_t i = 0; i < r; i++) label[i] = NONE; /* empty buckets */
    for (uint32_t w = r - 1; w >= 1; w--) {
        uint32_t s = semi[w];
        for (uint32_t k = rfirst[w]; k-- > rfirst[w - 1];) {
            /* rsrc[] is read strictly downwards (w descends, and so does k): fetch what the
             * vertices a few steps ahead will need. */
            if (k >= 8) {
                __builtin_prefetch(&anc[rsrc[k - 8]]);
                __builtin_prefetch(&label[rsrc[k - 8]]);
            }
            uint32_t u = eval(rsrc[k], w + 1, anc, label, semi, &st);
            if (semi[u] < s) s = semi[u];
        }
        semi[w] = s;
        /* w's own bucket was emptied when its children were processed; from now on label[w]
         * is a label. Then w joins the bucket of its semidominator. */
        label[w] = w;
        bnext[w] = label[s];
        label[s] = w;
        /* w is linked (thr drops to w); the bucket of its parent can now be resolved. */
        uint32_t p = anc[w];
        for (uint32_t v = label[p]; v != NONE;) {
            uint32_t next = bnext[v];
            uint32_t u = eval(v, w, anc, label, semi, &st);
            bnext[v] = semi[u] < semi[v] ? u : p;
            v = next;
        }
        label[p] = NONE;
    }
    free(rsrc);
    free(rfirst);
    free(label);
    free(parent);
    free(st.a);
    rsrc = rfirst = label = parent = st.a = NULL;
    uint32_t *idom = bnext;
    for (uint32_t w = 1; w < r; w++)
        if (idom[w] != semi[w]) idom[w] = idom[idom[w]];
    free(semi);
    semi = NULL;

    /* Node-indexed outputs. */
    d->retained = hd_calloc(n, sizeof *d->retained, "retained sizes", err);
    d->idom = hd_alloc(n, sizeof *d->idom, "dominators", err);
    if (!d->retained || !d->idom) goto fail;
    for (uint32_t i = 0; i < r; i++) d->retained[vert[i]] = hd_node_weight(g, vert[i]);
    for (uint32_t w = r - 1; w >= 1; w--) d->retained[vert[idom[w]]] += d->retained[vert[w]];
    for (uint32_t i = 0; i < n; i++) d->idom[i] = NONE;
    for (uint32_t w = 1; w < r; w++) d->idom[vert[w]] = vert[idom[w]];
    free(bnext);
    uint32_t *order = realloc(vert, (size_t)(r ? r : 1) * sizeof *vert);
    d->order = order ? order : vert;
    return HD_OK;

fail:
    free(st.a);
    free(pre);
    free(vert);
    free(parent);
    free(cursor);
    free(semi);
    free(label);
    free(bnext);
    free(rfirst);
    free(rsrc);
    hd_dom_free(d);
    return err->code ? err->code : HD_EINTERNAL;
}
