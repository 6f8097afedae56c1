/* Which nodes, edges and strings a .heapsnapshot holds, with their exact counts, before any
 * byte is written (the header states the counts and DevTools' arrays are sized by them).
 *
 * Nodes: the root, then every object reachable from it over strong edges, in graph order.
 * Unreachable objects (garbage not yet collected) are not written: a V8 snapshot never holds
 * garbage, and DevTools would hang them under the root and count them in its Summary, which
 * heapdiff reports apart. So DevTools' numbers for the file are heapdiff's `stat` numbers.
 *
 * When the heap needs more nodes, edges or string characters than DevTools can load, the plan
 * keeps the largest retained subtrees that fit (hs_select.c) under a synthetic note node.
 *
 * The root's direct references to objects (not to root categories) go through one synthetic
 * node "[other roots]": DevTools takes an object child of the root for a "user root" (a JS
 * global), measures distances from those only and hides the classes it cannot reach from them
 * in the Summary. Synthetic nodes have size 0, so the sizes DevTools computes do not change. */
#include <stdlib.h>
#include <string.h>

#include "heapsnapshot/hs.h"
#include "heapsnapshot/hs_select.h"
#include "util/alloc.h"

void hs_default_limits(hs_limits *l)
{
    l->max_nodes = HS_MAX_NODES;
    l->max_edges = HS_MAX_EDGES;
    l->max_string_chars = HS_MAX_STRING_CHARS;
}

void hs_plan_free(hs_plan *p)
{
    free(p->kept);
    free(p->rank);
    free(p->heads);
    free(p->weak);
    free(p->tname);
    free(p->names);
    memset(p, 0, sizeof *p);
}

/* Marks the nodes reachable from the root over strong edges (iterative DFS, explicit stack
 * that grows as needed), the root included. */
static int mark_reachable(const hd_graph *g, uint64_t *bits, hd_error *err)
{
    uint64_t cap = 1024, top = 0;
    hd_node *stack = hd_alloc(cap, sizeof *stack, "heapsnapshot reachability", err);
    if (!stack) return err->code;
    bits[g->root >> 6] |= 1ull << (g->root & 63);
    stack[top++] = g->root;
    while (top) {
        hd_node x = stack[--top];
        for (uint64_t e = g->first[x]; e < g->first[x + 1]; e++) {
            hd_node t = g->target[e];
            uint64_t m = 1ull << (t & 63);
            if (bits[t >> 6] & m) continue;
            bits[t >> 6] |= m;
            if (top == cap && hd_grow((void **)&stack, &cap, top + 1, sizeof *stack,
                                      "heapsnapshot reachability", err)) {
                free(stack);
                return err->code;
            }
            stack[top++] = t;
        }
    }
    free(stack);
    return HD_OK;
}

static int written(const hs_plan *p, hd_node n)
{
    return n == p->g->root || hs_kept(p, n);
}

static int cmp_weak(const void *a, const void *b)
{
    const hd_node *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Type names compare as written (prefix + base name), so equal names share one string. */
static int cmp_names(const void *a, const void *b, void *ctx)
{
    const hd_graph *g = ctx;
    uint32_t ta = *(const uint32_t *)a, tb = *(const uint32_t *)b;
    const char *na, *nb;
    const char *pa = hs_type_prefix(g, ta, &na), *pb = hs_type_prefix(g, tb, &nb);
    int c = strcmp(pa, pb);
    if (!c) c = strcmp(na, nb);
    return c ? c : (ta < tb ? -1 : ta > tb);
}

/* Counts everything for the current set of kept nodes: ranks, written weak edges, edges,
 * property names, the string table and its length. */
static int measure(hs_plan *p, hd_error *err)
{
    const hd_graph *g = p->g;
    uint64_t words = ((uint64_t)g->n_nodes + 63) / 64;
    uint64_t kept = 0;
    for (uint64_t w = 0; w < words; w++) {
        p->rank[w] = (uint32_t)kept;
        kept += (uint64_t)__builtin_popcountll(p->kept[w]);
    }
    p->n_kept = kept;

    /* Weak edges between written nodes, grouped by source for the edge pass. */
    free(p->weak);
    p->weak = NULL;
    p->n_weak = 0;
    if (g->n_weak) {
        p->weak = hd_alloc(g->n_weak, sizeof *p->weak, "heapsnapshot weak edges", err);
        if (!p->weak) return err->code;
        for (uint64_t i = 0; i < g->n_weak; i++) {
            hd_node a = g->weak[i][0], b = g->weak[i][1];
            if (a >= g->n_nodes || b >= g->n_nodes)
                return hd_error_set(err, HD_EINTERNAL, "heapsnapshot: weak edge %llu: bad node",
                                    (unsigned long long)i);
            if (written(p, a) && written(p, b)) {
                p->weak[p->n_weak][0] = a;
                p->weak[p->n_weak][1] = b;
                p->n_weak++;
            }
        }
        qsort(p->weak, p->n_weak, sizeof *p->weak, cmp_weak);
    }

    /* Edges, property names, used types. */
    uint32_t nt = g->types.count;
    free(p->tname);
    p->tname = hd_alloc(nt, sizeof *p->tname, "heapsnapshot names", err);
    if (!p->tname) return err->code;
    for (uint32_t t = 0; t < nt; t++) p->tname[t] = UINT32_MAX;
    uint64_t edges = p->n_weak;
    uint32_t max_props = 0;
    hd_node root = g->root;
    p->tname[g->type[root]] = 0;
    if (p->truncated) {
        edges += 1 + p->n_heads; /* root -> note -> each kept subtree */
    } else {
        /* Root references to objects move to the "[other roots]" node. */
        p->n_heads = 0;
        for (uint64_t e = g->first[root]; e < g->first[root + 1]; e++) {
            hd_node t = g->target[e];
            if (hs_node_type(g, t, hd_node_weight(g, t)) == HS_NODE_SYNTHETIC) continue;
            if (p->n_heads == p->cap_heads &&
                hd_grow((void **)&p->heads, &p->cap_heads, p->n_heads + 1, sizeof *p->heads,
                        "heapsnapshot roots", err))
                return err->code;
            p->heads[p->n_heads++] = t;
        }
        uint64_t root_weak = 0;
        for (uint64_t i = 0; i < p->n_weak; i++) root_weak += p->weak[i][0] == root;
        p->has_extra = p->n_heads > 0 || root_weak > 0;
        p->note = "[other roots]";
        edges += g->first[root + 1] - g->first[root] + (uint64_t)p->has_extra;
    }
    p->first = p->has_extra ? 2 : 1;
    p->n_nodes = kept + p->first;
    for (uint64_t w = 0; w < words; w++) {
        for (uint64_t bits = p->kept[w]; bits; bits &= bits - 1) {
            hd_node n = (hd_node)(w * 64 + (uint64_t)__builtin_ctzll(bits));
            p->tname[g->type[n]] = 0;
            uint64_t e0 = g->first[n], e1 = g->first[n + 1], k = 0;
            if (p->truncated) {
                for (uint64_t e = e0; e < e1; e++) k += (uint64_t)written(p, g->target[e]);
            } else {
                k = e1 - e0; /* every reference of a reachable object is reachable */
            }
            edges += k;
            uint64_t wgt = hd_node_weight(g, n);
            if (wgt > UINT32_MAX) p->clamped++;
            if (hs_uses_props(g, n, hs_node_type(g, n, wgt))) {
                uint64_t deg = e1 - e0 < HS_MAX_PROP_NAMES ? e1 - e0 : HS_MAX_PROP_NAMES;
                if (deg > max_props) max_props = (uint32_t)deg;
            }
        }
    }
    if (hd_node_weight(g, root) > UINT32_MAX) p->clamped++;
    p->n_edges = edges;
    p->n_prop = max_props;

    /* String table: "", "weak", ref0.., type names (sorted, equal names once), note. */
    free(p->names);
    p->names = hd_alloc((uint64_t)nt + 1, sizeof *p->names, "heapsnapshot names", err);
    if (!p->names) return err->code;
    uint32_t used = 0;
    for (uint32_t t = 0; t < nt; t++)
        if (p->tname[t] == 0) p->names[used++] = t;
    qsort_r(p->names, used, sizeof *p->names, cmp_names, (void *)g);
    p->str_refs = 2;
    p->str_types = p->str_refs + p->n_prop;
    uint64_t chars = 1 + 2 + 7 + hs_prop_names(NULL, p->n_prop) + 1; /* [""  ,"weak" refs ] */
    uint32_t n_names = 0;
    for (uint32_t i = 0; i < used; i++) {
        uint32_t t = p->names[i];
        if (n_names > 0) {
            uint32_t prev = p->names[n_names - 1];
            const char *na, *nb;
            const char *pa = hs_type_prefix(g, prev, &na), *pb = hs_type_prefix(g, t, &nb);
            if (!strcmp(pa, pb) && !strcmp(na, nb)) {
                p->tname[t] = p->str_types + n_names - 1;
                continue;
            }
        }
        const char *name;
        const char *pre = hs_type_prefix(g, t, &name);
        chars += 1 + hs_json_string(NULL, pre, name);
        p->names[n_names] = t;
        p->tname[t] = p->str_types + n_names;
        n_names++;
    }
    p->n_names = n_names;
    p->str_note = p->str_types + n_names;
    if (p->has_extra) chars += 1 + hs_json_string(NULL, "", p->note);
    p->n_strings = (uint64_t)p->str_note + (p->has_extra ? 1 : 0);
    p->string_chars = chars;
    return HD_OK;
}

int hs_plan_make(hs_plan *p, const hd_graph *g, const hs_limits *lim_in, hs_result *res,
                 hd_error *err)
{
    memset(p, 0, sizeof *p);
    memset(res, 0, sizeof *res);
    p->g = g;
    if (g->n_nodes == 0 || g->root >= g->n_nodes)
        return hd_error_set(err, HD_EINTERNAL, "heapsnapshot: the graph has no root node");
    /* Limits beyond DevTools' own are DevTools' own. */
    hs_limits lim;
    hs_default_limits(&lim);
    if (lim_in->max_nodes < lim.max_nodes) lim.max_nodes = lim_in->max_nodes;
    if (lim_in->max_edges < lim.max_edges) lim.max_edges = lim_in->max_edges;
    if (lim_in->max_string_chars < lim.max_string_chars)
        lim.max_string_chars = lim_in->max_string_chars;

    uint64_t words = ((uint64_t)g->n_nodes + 63) / 64;
    p->kept = hd_calloc(words, sizeof *p->kept, "heapsnapshot node set", err);
    p->rank = hd_alloc(words, sizeof *p->rank, "heapsnapshot node set", err);
    if (!p->kept || !p->rank) return err->code;
    if (mark_reachable(g, p->kept, err)) return err->code;
    for (hd_node n = 0; n < g->n_nodes; n++) {
        if (hs_kept(p, n) || hd_node_size(g, n) == 0) continue;
        res->unreachable_nodes++;
        res->unreachable_bytes += hd_node_weight(g, n);
    }
    p->kept[g->root >> 6] &= ~(1ull << (g->root & 63));

    if (measure(p, err)) return err->code;
    res->need_nodes = p->n_nodes;
    res->need_edges = p->n_edges;
    res->need_string_chars = p->string_chars;
    if (p->n_nodes > lim.max_nodes || p->n_edges > lim.max_edges ||
        p->string_chars > lim.max_string_chars) {
        res->truncated = 1;
        p->clamped = 0;
        if (hs_select(p, &lim, res, err)) return err->code;
        p->has_extra = p->truncated = 1;
        p->note = res->note;
        if (measure(p, err)) return err->code;
        if (p->n_nodes > lim.max_nodes || p->n_edges > lim.max_edges ||
            p->string_chars > lim.max_string_chars)
            return hd_error_set(err, HD_EINTERNAL,
                                "heapsnapshot: the kept subtrees exceed the limits (writer bug)");
    }
    res->nodes = p->n_nodes;
    res->edges = p->n_edges;
    res->strings = p->n_strings;
    res->string_chars = p->string_chars;
    res->clamped = p->clamped;
    return HD_OK;
}
