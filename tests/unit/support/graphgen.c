/* heapdiff tests — graph builders and random graph models (see graphgen.h). */
#include "support/graphgen.h"

#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t bytes)
{
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q) {
        fprintf(stderr, "graphgen: out of memory (%zu bytes)\n", bytes);
        abort();
    }
    return q;
}

void gg_seed(gg_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t gg_next(gg_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t gg_below(gg_rng *r, uint32_t n)
{
    /* The modulo bias of a 64-bit draw over n < 2^32 is far below anything a test notices. */
    return (uint32_t)(gg_next(r) % n);
}

int gg_chance(gg_rng *r, unsigned percent)
{
    return gg_below(r, 100) < percent;
}

void gg_edges_init(gg_edges *e)
{
    memset(e, 0, sizeof *e);
}

void gg_edges_free(gg_edges *e)
{
    free(e->e);
    gg_edges_init(e);
}

void gg_edge(gg_edges *e, uint32_t from, uint32_t to)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->e = xrealloc(e->e, e->cap * sizeof *e->e);
    }
    e->e[e->n][0] = from;
    e->e[e->n][1] = to;
    e->n++;
}

void gg_edges_shuffle(gg_edges *e, gg_rng *r)
{
    for (uint64_t i = e->n; i > 1; i--) {
        uint64_t j = gg_next(r) % i;
        uint32_t a = e->e[i - 1][0], b = e->e[i - 1][1];
        e->e[i - 1][0] = e->e[j][0];
        e->e[i - 1][1] = e->e[j][1];
        e->e[j][0] = a;
        e->e[j][1] = b;
    }
}

uint32_t gg_type(hd_graph *g, const char *name, const char *module)
{
    uint32_t id;
    hd_error err;
    hd_error_clear(&err);
    if (hd_typetab_intern(&g->types, name, strlen(name), module, module ? strlen(module) : 0, &id,
                          &err) != HD_OK) {
        fprintf(stderr, "graphgen: hd_typetab_intern(%s): %s\n", name, err.msg);
        abort();
    }
    return id;
}

int gg_build(hd_graph *g, uint32_t n, const gg_edges *e, hd_node root, hd_error *err)
{
    hd_graph_init(g);
    int rc = hd_graph_alloc(g, n, e->n, err);
    if (rc != HD_OK) return rc;
    uint32_t node_type = gg_type(g, "Node", NULL);
    for (uint32_t i = 0; i < n; i++) {
        g->type[i] = node_type;
        g->size[i] = 1;
        g->addr[i] = 0x10000 + 16 * (uint64_t)i;
    }
    /* Counting sort by source; a stable pass keeps each node's edges in list order. */
    memset(g->first, 0, (n + 1) * sizeof *g->first);
    for (uint64_t k = 0; k < e->n; k++) g->first[e->e[k][0] + 1]++;
    for (uint32_t i = 0; i < n; i++) g->first[i + 1] += g->first[i];
    uint64_t *fill = xrealloc(NULL, (n ? n : 1) * sizeof *fill);
    memcpy(fill, g->first, n * sizeof *fill);
    for (uint64_t k = 0; k < e->n; k++) g->target[fill[e->e[k][0]]++] = e->e[k][1];
    free(fill);
    g->root = root;
    return HD_OK;
}

/* ---- random models ---------------------------------------------------------------------- */

enum { M_UNIFORM, M_TREE, M_CHAINS, M_LAYERED, M_CLUSTERS, M_DENSE, M_COUNT };
static const char *const model_names[M_COUNT] = {"uniform", "tree+",    "chains",
                                                 "layered", "clusters", "dense"};

static void model_edges(gg_rng *r, int model, uint32_t n, gg_edges *e)
{
    switch (model) {
    case M_UNIFORM: {
        static const unsigned per10[] = {0, 3, 7, 10, 15, 20, 30, 60};
        uint64_t m = (uint64_t)n * per10[gg_below(r, 8)] / 10;
        for (uint64_t k = 0; k < m; k++) gg_edge(e, gg_below(r, n), gg_below(r, n));
        break;
    }
    case M_TREE: {
        for (uint32_t i = 1; i < n; i++) gg_edge(e, gg_below(r, i), i);
        uint32_t extra = gg_below(r, 2 * n + 1);
        for (uint32_t k = 0; k < extra; k++) gg_edge(e, gg_below(r, n), gg_below(r, n));
        break;
    }
    case M_CHAINS: {
        /* Nodes 1..n-1 split into up to four chains, each hanging off an earlier node, with back
         * edges to the chain's head or to a random earlier link, and a few skips. */
        uint32_t chains = 1 + gg_below(r, 4), start = 1;
        for (uint32_t c = 0; c < chains && start < n; c++) {
            uint32_t len = c + 1 == chains ? n - start : 1 + gg_below(r, n - start);
            gg_edge(e, gg_below(r, start), start);
            for (uint32_t i = start + 1; i < start + len; i++) {
                gg_edge(e, i - 1, i);
                if (gg_chance(r, 20)) gg_edge(e, i, start);
                if (gg_chance(r, 10)) gg_edge(e, i, start + gg_below(r, i - start));
                if (gg_chance(r, 5) && i + 2 < start + len) gg_edge(e, i - 1, i + 1);
            }
            start += len;
        }
        break;
    }
    case M_LAYERED: {
        uint32_t layers = 1 + gg_below(r, n < 8 ? n : 8);
        uint32_t width = (n + layers - 1) / layers;
        for (uint32_t v = 1; v < n; v++) {
            uint32_t l = (v - 1) / width; /* layer of v among nodes 1..n-1; 0 is above them */
            uint32_t lo = l == 0 ? 0 : 1 + (l - 1) * width, hi = l == 0 ? 1 : 1 + l * width;
            uint32_t in = 1 + gg_below(r, 3);
            for (uint32_t k = 0; k < in; k++) gg_edge(e, lo + gg_below(r, hi - lo), v);
            if (gg_chance(r, 8)) gg_edge(e, v, gg_below(r, v));
        }
        break;
    }
    case M_CLUSTERS: {
        uint32_t k = 1 + gg_below(r, 6), start = 1;
        if (n > 1) gg_edge(e, 0, 1);
        for (uint32_t c = 0; c < k && start < n; c++) {
            uint32_t len = c + 1 == k ? n - start : 1 + gg_below(r, n - start);
            for (uint32_t i = 0; i < len; i++) gg_edge(e, start + i, start + (i + 1) % len);
            uint32_t chords = gg_below(r, len + 1);
            for (uint32_t i = 0; i < chords; i++)
                gg_edge(e, start + gg_below(r, len), start + gg_below(r, len));
            /* One or two entries from anything before, sometimes one exit back. */
            uint32_t entries = 1 + gg_below(r, 2);
            for (uint32_t i = 0; i < entries; i++)
                gg_edge(e, gg_below(r, start), start + gg_below(r, len));
            if (gg_chance(r, 30)) gg_edge(e, start + gg_below(r, len), gg_below(r, start));
            start += len;
        }
        break;
    }
    case M_DENSE: {
        unsigned p = 5 + gg_below(r, 90);
        if (n <= 40) {
            for (uint32_t i = 0; i < n; i++)
                for (uint32_t j = 0; j < n; j++)
                    if (gg_below(r, 100) < p) gg_edge(e, i, j);
        } else {
            /* As many edges as 40 nodes' worth of dense rows, drawn at random. */
            uint64_t m = (uint64_t)n * 40 * p / 100;
            for (uint64_t k = 0; k < m; k++) gg_edge(e, gg_below(r, n), gg_below(r, n));
        }
        break;
    }
    }
}

static void remove_edges_if(gg_edges *e, const uint8_t *in_set, int from_outside_only,
                            uint32_t source)
{
    uint64_t w = 0;
    for (uint64_t k = 0; k < e->n; k++) {
        uint32_t a = e->e[k][0], b = e->e[k][1];
        int drop = from_outside_only ? (in_set[b] && !in_set[a]) : a == source;
        if (!drop) {
            e->e[w][0] = a;
            e->e[w][1] = b;
            w++;
        }
    }
    e->n = w;
}

uint32_t gg_random_edges(gg_rng *r, uint32_t min_n, uint32_t max_n, gg_edges *e, hd_node *root,
                         char *desc, size_t desc_len)
{
    if (min_n < 1) min_n = 1;
    if (max_n < min_n) max_n = min_n;
    uint32_t cap, pick = gg_below(r, 10);
    cap = pick < 4 ? 12 : pick < 7 ? 40 : max_n;
    if (cap > max_n) cap = max_n;
    if (cap < min_n) cap = min_n;
    uint32_t n = min_n + gg_below(r, cap - min_n + 1);

    e->n = 0;
    int model = (int)gg_below(r, M_COUNT);
    model_edges(r, model, n, e);

    char mods[96] = "";
    if (gg_chance(r, 30)) {
        strcat(mods, " self-loops");
        for (uint32_t k = 0, c = 1 + n / 5; k < c; k++) {
            uint32_t v = gg_below(r, n);
            gg_edge(e, v, v);
        }
    }
    if (gg_chance(r, 30) && e->n) {
        strcat(mods, " duplicates");
        for (uint32_t k = 0, c = 1 + n / 5; k < c; k++) {
            uint64_t j = gg_next(r) % e->n;
            gg_edge(e, e->e[j][0], e->e[j][1]);
        }
    }
    if (gg_chance(r, 30)) {
        strcat(mods, " into-root");
        for (uint32_t k = 0, c = 1 + gg_below(r, 3); k < c; k++) gg_edge(e, gg_below(r, n), 0);
    }
    if (gg_chance(r, 25) && n > 2) {
        /* Cut a set S off: drop every edge entering S from outside, so S keeps its own edges
         * (and edges out of it) but is unreachable. */
        strcat(mods, " cut");
        uint8_t *in_set = calloc(n, 1);
        if (!in_set) abort();
        for (uint32_t k = 0, c = 1 + gg_below(r, n / 3 + 1); k < c; k++)
            in_set[1 + gg_below(r, n - 1)] = 1;
        remove_edges_if(e, in_set, 1, 0);
        free(in_set);
    }
    if (gg_chance(r, 8)) {
        strcat(mods, " root-without-edges");
        remove_edges_if(e, NULL, 0, 0);
    }
    hd_node rt = 0;
    if (gg_chance(r, 50) && n > 1) {
        strcat(mods, " relabelled");
        uint32_t *perm = malloc(n * sizeof *perm);
        if (!perm) abort();
        for (uint32_t i = 0; i < n; i++) perm[i] = i;
        for (uint32_t i = n; i > 1; i--) {
            uint32_t j = gg_below(r, i), t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
        for (uint64_t k = 0; k < e->n; k++) {
            e->e[k][0] = perm[e->e[k][0]];
            e->e[k][1] = perm[e->e[k][1]];
        }
        rt = perm[0];
        free(perm);
    }
    if (gg_chance(r, 50)) {
        strcat(mods, " shuffled");
        gg_edges_shuffle(e, r);
    }
    *root = rt;
    if (desc)
        snprintf(desc, desc_len, "model=%s n=%u m=%llu root=%u%s", model_names[model], n,
                 (unsigned long long)e->n, rt, mods);
    return n;
}

void gg_dump(const hd_graph *g, FILE *f)
{
    fprintf(f, "graph: %u nodes, %llu edges, root %u\n", g->n_nodes, (unsigned long long)g->n_edges,
            g->root);
    for (uint32_t v = 0; v < g->n_nodes; v++) {
        const char *mod = hd_type_module(g, g->type[v]);
        fprintf(f, "  %u %s%s%s size=%llu ->", v, mod ? mod : "", mod ? "!" : "",
                hd_type_name(g, g->type[v]), (unsigned long long)hd_node_size(g, v));
        for (uint64_t k = g->first[v]; k < g->first[v + 1]; k++) fprintf(f, " %u", g->target[k]);
        fputc('\n', f);
    }
}

/* ---- reference dominators ---------------------------------------------------------------- */

static void dom_alloc(gg_dom *d, uint32_t n)
{
    d->n = n;
    d->n_reachable = 0;
    d->reachable = xrealloc(NULL, n ? n : 1);
    d->idom = xrealloc(NULL, (n ? n : 1) * sizeof *d->idom);
    d->retained = xrealloc(NULL, (n ? n : 1) * sizeof *d->retained);
    memset(d->reachable, 0, n);
    for (uint32_t i = 0; i < n; i++) {
        d->idom[i] = HD_NODE_NONE;
        d->retained[i] = 0;
    }
}

void gg_dom_free(gg_dom *d)
{
    free(d->reachable);
    free(d->idom);
    free(d->retained);
    memset(d, 0, sizeof *d);
}

/* Marks in seen[] the nodes reachable from the root without passing through `removed`
 * (HD_NODE_NONE: nothing removed). Returns how many. */
static uint32_t reach_without(const hd_graph *g, hd_node removed, uint8_t *seen, uint32_t *queue)
{
    uint32_t n = g->n_nodes, head = 0, tail = 0;
    memset(seen, 0, n);
    if (g->root >= n || g->root == removed) return 0;
    seen[g->root] = 1;
    queue[tail++] = g->root;
    while (head < tail) {
        uint32_t v = queue[head++];
        for (uint64_t k = g->first[v]; k < g->first[v + 1]; k++) {
            uint32_t w = g->target[k];
            if (w != removed && !seen[w]) {
                seen[w] = 1;
                queue[tail++] = w;
            }
        }
    }
    return tail;
}

void gg_brute_dominators(const hd_graph *g, const uint64_t *weight, gg_dom *out)
{
    uint32_t n = g->n_nodes;
    dom_alloc(out, n);
    uint8_t *dom = xrealloc(NULL, (size_t)n * n + 1); /* dom[v * n + w]: v dominates w */
    uint8_t *seen = xrealloc(NULL, n + 1);
    uint32_t *queue = xrealloc(NULL, (n + 1) * sizeof *queue);
    uint32_t *ndom = xrealloc(NULL, (n + 1) * sizeof *ndom);

    out->n_reachable = reach_without(g, HD_NODE_NONE, out->reachable, queue);
    for (uint32_t v = 0; v < n; v++) {
        uint8_t *row = dom + (size_t)v * n;
        if (!out->reachable[v]) {
            memset(row, 0, n);
            continue;
        }
        reach_without(g, v, seen, queue);
        for (uint32_t w = 0; w < n; w++) row[w] = out->reachable[w] && (w == v || !seen[w]);
    }
    for (uint32_t w = 0; w < n; w++) {
        ndom[w] = 0;
        for (uint32_t v = 0; v < n; v++) ndom[w] += dom[(size_t)v * n + w];
    }
    for (uint32_t w = 0; w < n; w++) {
        if (!out->reachable[w] || w == g->root) continue;
        /* The candidate is the strict dominator with the most dominators of its own; then check
         * the definition itself: every other strict dominator dominates it. */
        uint32_t best = HD_NODE_NONE;
        for (uint32_t v = 0; v < n; v++)
            if (v != w && dom[(size_t)v * n + w] && (best == HD_NODE_NONE || ndom[v] > ndom[best]))
                best = v;
        if (best == HD_NODE_NONE) {
            fprintf(stderr, "graphgen: brute force: node %u has no strict dominator\n", w);
            abort();
        }
        for (uint32_t v = 0; v < n; v++)
            if (v != w && dom[(size_t)v * n + w] && !dom[(size_t)v * n + best]) {
                fprintf(stderr, "graphgen: brute force: dominators of %u not ordered\n", w);
                abort();
            }
        out->idom[w] = best;
    }
    for (uint32_t x = 0; x < n; x++) {
        uint64_t sum = 0;
        const uint8_t *row = dom + (size_t)x * n;
        for (uint32_t w = 0; w < n; w++)
            if (row[w]) sum += weight[w];
        out->retained[x] = sum;
    }
    free(dom);
    free(seen);
    free(queue);
    free(ndom);
}

void gg_chk_dominators(const hd_graph *g, const uint64_t *weight, gg_dom *out)
{
    uint32_t n = g->n_nodes;
    dom_alloc(out, n);
    if (g->root >= n) return;
    const uint32_t UNDEF = HD_NODE_NONE;

    /* Postorder numbers by an iterative DFS. */
    uint32_t *po = xrealloc(NULL, (n + 1) * sizeof *po);   /* node -> postorder number */
    uint32_t *rpo = xrealloc(NULL, (n + 1) * sizeof *rpo); /* reverse postorder list */
    uint32_t *stack = xrealloc(NULL, (n + 1) * sizeof *stack);
    uint64_t *next = xrealloc(NULL, (n + 1) * sizeof *next);
    uint32_t sp = 0, count = 0;
    stack[sp++] = g->root;
    out->reachable[g->root] = 1;
    next[g->root] = g->first[g->root];
    while (sp) {
        uint32_t v = stack[sp - 1];
        if (next[v] < g->first[v + 1]) {
            uint32_t w = g->target[next[v]++];
            if (!out->reachable[w]) {
                out->reachable[w] = 1;
                next[w] = g->first[w];
                stack[sp++] = w;
            }
        } else {
            po[v] = count++;
            sp--;
        }
    }
    out->n_reachable = count;
    for (uint32_t v = 0; v < n; v++)
        if (out->reachable[v]) rpo[count - 1 - po[v]] = v;

    /* Predecessors (reachable ones only) in CSR form. */
    uint64_t *pfirst = xrealloc(NULL, (n + 1) * sizeof *pfirst);
    memset(pfirst, 0, (n + 1) * sizeof *pfirst);
    for (uint32_t v = 0; v < n; v++)
        if (out->reachable[v])
            for (uint64_t k = g->first[v]; k < g->first[v + 1]; k++) pfirst[g->target[k] + 1]++;
    for (uint32_t v = 0; v < n; v++) pfirst[v + 1] += pfirst[v];
    uint32_t *pred = xrealloc(NULL, (pfirst[n] + 1) * sizeof *pred);
    memcpy(next, pfirst, n * sizeof *next);
    for (uint32_t v = 0; v < n; v++)
        if (out->reachable[v])
            for (uint64_t k = g->first[v]; k < g->first[v + 1]; k++) pred[next[g->target[k]]++] = v;

    uint32_t *idom = out->idom;
    idom[g->root] = g->root;
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t i = 1; i < count; i++) {
            uint32_t b = rpo[i], nd = UNDEF;
            for (uint64_t k = pfirst[b]; k < pfirst[b + 1]; k++) {
                uint32_t p = pred[k];
                if (idom[p] == UNDEF) continue;
                if (nd == UNDEF) {
                    nd = p;
                    continue;
                }
                uint32_t a = p, c = nd;
                while (a != c) {
                    while (po[a] < po[c]) a = idom[a];
                    while (po[c] < po[a]) c = idom[c];
                }
                nd = a;
            }
            if (idom[b] != nd) {
                idom[b] = nd;
                changed = 1;
            }
        }
    }
    /* A dominator comes before the nodes it dominates in reverse postorder. */
    for (uint32_t i = 0; i < count; i++) out->retained[rpo[i]] = weight[rpo[i]];
    for (uint32_t i = count; i-- > 1;) out->retained[idom[rpo[i]]] += out->retained[rpo[i]];
    idom[g->root] = HD_NODE_NONE;
    free(po);
    free(rpo);
    free(stack);
    free(next);
    free(pfirst);
    free(pred);
}
