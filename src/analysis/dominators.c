/* Immediate dominators and retained sizes.
 *
 * Lengauer–Tarjan with simple linking and iterative path compression: O(m log n) in the worst
 * case. (Semi-NCA was rejected: its NCA climb is quadratic on heap shapes that do occur, e.g. a
 * long linked list whose tail holds an array whose items are also referenced from a root.)
 * No recursion anywhere: the DFS keeps its path in parent[] and a per-vertex edge cursor;
 * compression uses an explicit stack.
 *
 * Memory: vertices are renumbered in DFS preorder (0 = root). Beyond the graph, the peak is
 * 28 bytes per node plus 4 bytes per edge that goes from a later to an earlier vertex in
 * preorder (only those need predecessor lists: an edge from an earlier vertex v contributes
 * semi = v directly and is handled in a forward pass). Several arrays do double duty:
 *   - parent[] is also the forest's ancestor[] (linking is implicit: vertex x is linked once
 *     the main loop has passed it, so ancestor[x] = parent[x] needs no separate array);
 *   - label[] of a vertex that is not yet processed is the head of its bucket;
 *   - bnext[] chains a bucket, then holds the vertex's immediate dominator once it leaves it;
 *   - the DFS keeps a 4-byte count of edges seen per vertex, not an 8-byte edge offset;
 *   - pre[] (node -> preorder) is freed once the predecessor lists are built; the results are
 *     computed in vi[] and allocated one at a time as temporaries go, below that peak.
 * The predecessor lists are filled by two threads on 2+ cores (same results: see fill_preds). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Per-vertex state, kept together so that the random visits of the main loop touch one cache
 * line per vertex instead of three or four separate arrays. */
typedef struct vinfo {
    uint32_t anc;   /* DFS parent; during the main loop the forest ancestor (path-compressed) */
    uint32_t semi;  /* semidominator (preorder number) */
    uint32_t label; /* DFS: edges looked at; main loop: the vertex of minimum semi on the
                       compressed path, or, before the vertex is processed, its bucket head */
    uint32_t lsemi; /* semi of label, cached so comparisons need no extra lookup */
} vinfo;

/* DFS from the root: numbers reachable nodes in preorder. pre[] is node-indexed (number + 1,
 * 0 = not reached); vert[] and vi[] are indexed by number. Every edge is looked at exactly
 * once here, so this pass also does the forward half of the semidominator computation: an edge
 * from an earlier vertex v to w offers semi(w) = v directly (tree edges included), and an edge
 * from a later vertex is counted in rcount[w + 1] for the predecessor lists.
 * Returns the number of vertices reached. */
static uint32_t dfs(const hd_graph *g, uint32_t *pre, uint32_t *vert, vinfo *vi, uint32_t *rcount,
                    const uint64_t *inner)
{
    const uint32_t *target = g->target;
    uint32_t count = 1, v = 0;
    pre[g->root] = 1;
    vert[0] = g->root;
    vi[0] = (vinfo){.anc = 0, .semi = 0, .label = 0};
    uint64_t start = g->first[g->root], end = g->first[g->root + 1];
    for (;;) {
        uint64_t e = start + vi[v].label;
        if (e < end) {
            hd_node w = target[e];
            vi[v].label++;
            if (e + 16 < end) __builtin_prefetch(&pre[target[e + 16]]); /* long edge lists */
            uint32_t pw = pre[w];
            if (pw == 0) {
                pre[w] = ++count;
                uint32_t k = count - 1;
                vert[k] = w;
                vi[k] = (vinfo){.anc = v, .semi = v, .label = 0};
                /* Leaves (strings, byte[]s, ...) are often half the heap: the bitmap (n bits,
                 * cache-resident) spares reading their edge range, a cache miss each. */
                if (!(inner[w >> 6] >> (w & 63) & 1)) continue;
                start = g->first[w];
                end = g->first[w + 1];
                v = k;
                /* References point anywhere in the heap, so every lookup below misses the cache.
                 * Ask for all of them at once (up to 16) while they are known: what w's
                 * children need, pre[] and (if undiscovered) their edge range. */
                for (uint64_t f = start, stop = end < f + 16 ? end : f + 16; f < stop; f++) {
                    hd_node c = target[f];
                    __builtin_prefetch(&pre[c]);
                    if (inner[c >> 6] >> (c & 63) & 1) __builtin_prefetch(&g->first[c]);
                }
            } else if (--pw > v) {
                if (v < vi[pw].semi) vi[pw].semi = v;
            } else if (pw < v && pw != 0) {
                rcount[pw + 1]++;
            }
        } else if (v == 0) {
            return count;
        } else {
            v = vi[v].anc;
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

/* Minimum-semi vertex on the forest path from v up to (not including) its tree root, and its
 * semi in *best; vertices >= thr are linked. Compresses the path on the way. */
static inline uint32_t eval(uint32_t v, uint32_t thr, vinfo *vi, eval_stack *st, uint32_t *best)
{
    if (v < thr) { /* a tree root */
        *best = vi[v].semi;
        return v;
    }
    /* Push every vertex on the path whose ancestor is linked (the recursive COMPRESS would
     * recurse through exactly these), then fold labels from the top down. */
    uint64_t top = 0;
    for (uint32_t x = v; vi[x].anc >= thr; x = vi[x].anc) {
        if (top == st->cap && stack_grow(st)) {
            /* No memory to compress: answer by walking the path without changing it. */
            uint32_t lab = vi[v].label, ls = vi[v].lsemi;
            for (uint32_t y = vi[v].anc; y >= thr; y = vi[y].anc)
                if (vi[y].lsemi < ls) lab = vi[y].label, ls = vi[y].lsemi;
            *best = ls;
            return lab;
        }
        st->a[top++] = x;
    }
    while (top) {
        vinfo *y = &vi[st->a[--top]];
        const vinfo *a = &vi[y->anc];
        if (a->lsemi < y->lsemi) {
            y->label = a->label;
            y->lsemi = a->lsemi;
        }
        y->anc = a->anc;
    }
    *best = vi[v].lsemi;
    return vi[v].label;
}

/* Filling the predecessor lists is one pass over all edges with a random read (pre[] of the
 * target) and a random write each: on 2+ cores two threads split the nodes, the first filling
 * each list from its start up (cursor rfirst[w]), the second from its end down (cursor
 * vi[w].label, free after the DFS). Where an entry goes within its list does not matter: the
 * results depend only on the set of predecessors, so they are the same either way. */
typedef struct fill_job {
    const hd_graph *g;
    const uint32_t *pre;
    uint32_t *cur; /* rfirst[] (up) or NULL (down: vi[].label) */
    vinfo *vi;
    uint32_t *rsrc, r;
    hd_node lo, hi;
} fill_job;

static void *fill_range(void *arg)
{
    const fill_job *j = arg;
    const uint32_t *target = j->g->target, *pre = j->pre;
    const uint64_t *first = j->g->first;
    uint64_t m = j->g->n_edges;
    uint32_t *cur = j->cur, *rsrc = j->rsrc, r = j->r;
    vinfo *vi = j->vi;
    for (hd_node v = j->lo; v < j->hi; v++) {
        uint32_t i = pre[v];
        if (i-- == 0) continue;
        uint64_t end = first[v + 1];
        for (uint64_t e = first[v]; e < end; e++) {
            if (e + 16 < m) __builtin_prefetch(&pre[target[e + 16]]);
            if (e + 8 < m) { /* pre[] of that one was asked for 8 edges ago: now its cursor */
                uint32_t x = pre[target[e + 8]] - 1;
                if (x < r) __builtin_prefetch(cur ? (void *)&cur[x] : (void *)&vi[x].label, 1);
            }
            uint32_t w = pre[target[e]] - 1;
            if (w < i && w != 0) {
                if (cur)
                    rsrc[cur[w]++] = i;
                else
                    rsrc[--vi[w].label] = i;
            }
        }
    }
    return NULL;
}

/* On return rfirst[w] holds the end of w's list (the start of w+1's). Returns -1 only if a
 * thread could not be joined. */
static int fill_preds(const hd_graph *g, const uint32_t *pre, uint32_t *rfirst, vinfo *vi,
                      uint32_t *rsrc, uint32_t r)
{
    uint32_t n = g->n_nodes;
    fill_job a = {g, pre, rfirst, vi, rsrc, r, 0, n};
    if (g->n_edges < (1u << 20) || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        fill_range(&a);
        return 0;
    }
    /* Split where half of the edges lie behind. */
    hd_node lo = 0, hi = n;
    while (lo < hi) {
        hd_node mid = lo + (hi - lo) / 2;
        if (g->first[mid] < g->n_edges / 2)
            lo = mid + 1;
        else
            hi = mid;
    }
    a.hi = lo;
    fill_job b = {g, pre, NULL, vi, rsrc, r, lo, n};
    for (uint32_t w = 0; w < r; w++) vi[w].label = vi[w].lsemi = rfirst[w + 1];
    pthread_t t;
    int threaded = pthread_create(&t, NULL, fill_range, &b) == 0;
    fill_range(&a);
    if (threaded) {
        if (pthread_join(t, NULL) != 0) return -1;
    } else {
        fill_range(&b);
    }
    for (uint32_t w = 0; w < r; w++) rfirst[w] = vi[w].lsemi;
    return 0;
}

int hd_dominators(const hd_graph *g, hd_dom *d, hd_error *err)
{
    memset(d, 0, sizeof *d);
    uint32_t n = g->n_nodes;
    if (g->root >= n) return hd_error_set(err, HD_EINTERNAL, "graph has no root");
    d->n_nodes = n;
    uint32_t *pre = hd_calloc(n, sizeof *pre, "dominators", err);
    uint32_t *vert = hd_alloc(n, sizeof *vert, "dominators", err);
    vinfo *vi = hd_alloc(n, sizeof *vi, "dominators", err);
    uint32_t *rfirst = hd_calloc((uint64_t)n + 1, sizeof *rfirst, "dominators", err);
    uint32_t *bnext = NULL, *rsrc = NULL;
    eval_stack st = {.cap = 4096};
    st.a = hd_alloc(st.cap, sizeof *st.a, "dominators", err);
    if (!pre || !vert || !vi || !rfirst || !st.a) goto fail;

    /* Which nodes have references at all (one sequential pass over first[]). */
    uint64_t *inner = hd_calloc(((uint64_t)n + 63) / 64, sizeof *inner, "dominators", err);
    if (!inner) goto fail;
    for (hd_node x = 0; x < n; x++)
        if (g->first[x + 1] > g->first[x]) inner[x >> 6] |= 1ull << (x & 63);
    uint32_t r = dfs(g, pre, vert, vi, rfirst, inner);
    free(inner);
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
    if (fill_preds(g, pre, rfirst, vi, rsrc, r)) {
        hd_error_set(err, HD_EINTERNAL, "cannot start a thread");
        goto fail;
    }
    /* rfirst[w] now holds the end of w's list; its start is rfirst[w-1] (0 for w = 0). */
    free(pre); /* the node -> vertex map is not needed any more; vert[] maps back */
    pre = NULL;

    bnext = hd_alloc(r, sizeof *bnext, "dominators", err);
    if (!bnext) goto fail;
    for (uint32_t i = 0; i < r; i++) vi[i].label = NONE; /* empty buckets */
    for (uint32_t w = r - 1; w >= 1; w--) {
        uint32_t s = vi[w].semi;
        for (uint32_t k = rfirst[w]; k-- > rfirst[w - 1];) {
            /* rsrc[] is read strictly downwards (w descends, and so does k): fetch what the
             * vertices a few steps ahead will need. */
            if (k >= 8) __builtin_prefetch(&vi[rsrc[k - 8]]);
            if (k >= 4) __builtin_prefetch(&vi[vi[rsrc[k - 4]].anc]); /* the next step up */
            uint32_t su;
            eval(rsrc[k], w + 1, vi, &st, &su);
            if (su < s) s = su;
        }
        /* w's own bucket was emptied when its children were processed; from now on its label
         * is a label. Then w joins the bucket of its semidominator. */
        vi[w].semi = s;
        vi[w].label = w;
        vi[w].lsemi = s;
        bnext[w] = vi[s].label;
        vi[s].label = w;
        /* w is linked (thr drops to w); the bucket of its parent can now be resolved. */
        uint32_t p = vi[w].anc;
        for (uint32_t v = vi[p].label; v != NONE;) {
            uint32_t next = bnext[v], su;
            uint32_t u = eval(v, w, vi, &st, &su);
            bnext[v] = su < vi[v].semi ? u : p;
            v = next;
        }
        vi[p].label = NONE;
    }
    free(rsrc);
    free(rfirst);
    free(st.a);
    rsrc = rfirst = st.a = NULL;
    uint32_t *idom = bnext;
    for (uint32_t w = 1; w < r; w++)
        if (idom[w] != vi[w].semi) idom[w] = idom[idom[w]];

    /* Results, computed in preorder numbering where the arrays are at hand (vi[] is free now,
     * idom[w] < w, so one pass each way suffices), then scattered to node indices:
     *   .anc        subtree size, then (second pass) the next free slot of the subtree;
     *   .semi       position in the order handed out;
     *   .label/.lsemi the retained size (low/high halves).
     * The order handed out is a preorder of the dominator tree (siblings in DFS order): then a
     * consumer can walk the tree with nothing but idom[] as its stack (see analysis/stats.c). */
    for (uint32_t w = 0; w < r; w++) {
        if (w + 16 < r) __builtin_prefetch(&g->size[vert[w + 16]]);
        uint64_t x = hd_node_weight(g, vert[w]);
        vi[w].anc = 1;
        vi[w].label = (uint32_t)x;
        vi[w].lsemi = (uint32_t)(x >> 32);
    }
    for (uint32_t w = r - 1; w >= 1; w--) {
        if (w >= 16) __builtin_prefetch(&vi[idom[w - 16]]);
        vinfo *p = &vi[idom[w]];
        p->anc += vi[w].anc;
        uint64_t x =
            ((uint64_t)p->lsemi << 32 | p->label) + ((uint64_t)vi[w].lsemi << 32 | vi[w].label);
        p->label = (uint32_t)x;
        p->lsemi = (uint32_t)(x >> 32);
    }
    vi[0].anc = 1;
    vi[0].semi = 0;
    for (uint32_t w = 1; w < r; w++) {
        if (w + 16 < r) __builtin_prefetch(&vi[idom[w + 16]]);
        vinfo *p = &vi[idom[w]];
        uint32_t pos = p->anc;
        p->anc += vi[w].anc;
        vi[w].anc = pos + 1;
        vi[w].semi = pos;
    }
    /* Allocated one by one, each after what it replaces is gone, to keep the peak low. */
    d->order = hd_alloc(r, sizeof *d->order, "dominators", err);
    if (!d->order) goto fail;
    for (uint32_t w = r - 1; w >= 1; w--) { /* idom as node ids, in place */
        if (w >= 16) __builtin_prefetch(&vert[idom[w - 16]]);
        idom[w] = vert[idom[w]];
    }
    idom[0] = NONE;
    for (uint32_t w = 0; w < r; w++) d->order[vi[w].semi] = vert[w];
    d->retained = hd_calloc(n, sizeof *d->retained, "retained sizes", err);
    if (!d->retained) goto fail;
    for (uint32_t w = 0; w < r; w++)
        d->retained[vert[w]] = (uint64_t)vi[w].lsemi << 32 | vi[w].label;
    free(vi);
    vi = NULL;
    d->idom = hd_alloc(n, sizeof *d->idom, "dominators", err);
    if (!d->idom) goto fail;
    for (uint32_t i = 0; i < n; i++) d->idom[i] = NONE;
    for (uint32_t w = 0; w < r; w++) d->idom[vert[w]] = idom[w];
    free(bnext);
    free(vert);
    return HD_OK;

fail:
    free(st.a);
    free(pre);
    free(vert);
    free(vi);
    free(bnext);
    free(rfirst);
    free(rsrc);
    hd_dom_free(d);
    return err->code ? err->code : HD_EINTERNAL;
}
