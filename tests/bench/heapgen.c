/* Synthetic .NET-like heap graphs (see heapgen.h).
 *
 * hg_synth decides every node's type, size and reference count from a hash of (seed, node):
 * one pass sums the edges, hd_graph_alloc sizes the arrays once, a second pass fills them in
 * node order (CSR needs that order). Ownership is a spanning structure grown front to back:
 * a node's reference slots hand out the next not-yet-referenced node ("fresh") at a rate that
 * spreads the region's nodes over its slots; the other slots are shared references (hubs such
 * as interned strings and type objects, picked Zipf-like), nearby references (back pointers,
 * cycles) and uniform ones. Memory: the graph's own arrays only (the benchmark measures them).
 *
 * hg_example builds a small structured heap with a growable edge list, then a counting sort
 * into CSR: fine for tens of thousands of nodes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapgen.h"

/* ---- hashing / random numbers ---------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint64_t hash3(uint64_t seed, uint64_t a, uint64_t salt)
{
    return mix64(seed ^ mix64(a * 0x100000001B3ull + salt));
}

/* Uniform in [0, 1) with 53 bits. */
static inline double u01(uint64_t h)
{
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

static inline uint64_t align8(uint64_t s)
{
    return (s + 7) & ~(uint64_t)7;
}

/* ---- type names ------------------------------------------------------------------------- */

#define CORELIB "System.Private.CoreLib.dll"
#define APP_MODULE "MyApp.dll"

/* dotnet-gcdump gives objects over 1000 bytes a type of their own with a size suffix
 * (DotNetHeapDumpGraphReader.GetObjectSizeSuffix). */
static const char *const size_suffix[] = {"",
                                          " (Bytes > 1K)",
                                          " (Bytes > 10K)",
                                          " (Bytes > 100K)",
                                          " (Bytes > 1M)",
                                          " (Bytes > 10M)",
                                          " (Bytes > 100M)"};
#define N_SUFFIX 7

static unsigned suffix_of(uint64_t size)
{
    if (size <= 1000) return 0;
    unsigned k = 1;
    for (uint64_t lim = 10000; size >= lim && k < N_SUFFIX - 1; lim *= 10) k++;
    return k;
}

static int intern(hd_graph *g, const char *name, const char *module, uint32_t *id, hd_error *err)
{
    return hd_typetab_intern(&g->types, name, strlen(name), module, module ? strlen(module) : 0, id,
                             err);
}

static int intern_suffixed(hd_graph *g, const char *name, const char *module, unsigned suffix,
                           uint32_t *id, hd_error *err)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", name, size_suffix[suffix]);
    return intern(g, buf, module, id, err);
}

/* ---- hg_synth ----------------------------------------------------------------------------- */

enum shape {
    SH_STRING,     /* 22 + 2 * chars, no references */
    SH_PRIM_ARRAY, /* 24 + elem * length, no references */
    SH_REF_ARRAY,  /* 24 + 8 * length, one reference per non-null element */
    SH_OBJECT,     /* fixed size, up to `refs` references */
};

typedef struct base_type {
    const char *name, *module;
    uint8_t shape;
    uint8_t elem_or_refs; /* element size (primitive arrays) or reference fields (objects) */
    uint16_t size;        /* objects: instance size */
    uint16_t weight;      /* per 10000 */
} base_type;

static const base_type synth_types[] = {
    {"System.String", CORELIB, SH_STRING, 0, 0, 2300},
    {"System.Byte[]", CORELIB, SH_PRIM_ARRAY, 1, 0, 400},
    {"System.Char[]", CORELIB, SH_PRIM_ARRAY, 2, 0, 150},
    {"System.Int32[]", CORELIB, SH_PRIM_ARRAY, 4, 0, 200},
    {"System.Object[]", CORELIB, SH_REF_ARRAY, 0, 0, 330},
    {"System.String[]", CORELIB, SH_REF_ARRAY, 0, 0, 200},
    {"MyApp.Models.OrderLine[]", APP_MODULE, SH_REF_ARRAY, 0, 0, 100},
    {"System.Collections.Generic.Dictionary.Entry<System.String,System.Object>[]", CORELIB,
     SH_REF_ARRAY, 0, 0, 150},
    {"System.Collections.Generic.List<System.String>", CORELIB, SH_OBJECT, 1, 32, 350},
    {"System.Collections.Generic.List<MyApp.Models.OrderLine>", CORELIB, SH_OBJECT, 1, 32, 150},
    {"System.Collections.Generic.Dictionary<System.String,System.Object>", CORELIB, SH_OBJECT, 4,
     80, 150},
    {"System.Collections.Concurrent.ConcurrentDictionary.Node<System.String,System.Object>",
     "System.Collections.Concurrent.dll", SH_OBJECT, 3, 48, 250},
    {"System.RuntimeType", CORELIB, SH_OBJECT, 2, 40, 60},
    {"System.Reflection.RuntimeMethodInfo", CORELIB, SH_OBJECT, 5, 104, 120},
    {"System.Action", CORELIB, SH_OBJECT, 2, 64, 200},
    {"System.Func<System.Threading.Tasks.Task>", CORELIB, SH_OBJECT, 2, 64, 120},
    {"System.Threading.Tasks.Task<System.String>", CORELIB, SH_OBJECT, 3, 72, 150},
    {"System.Runtime.CompilerServices.AsyncTaskMethodBuilder.AsyncStateMachineBox<System.String,"
     "MyApp"
     ".Services.OrderService.<LoadAsync>d__4>",
     CORELIB, SH_OBJECT, 5, 104, 100},
    {"System.Text.StringBuilder", CORELIB, SH_OBJECT, 2, 48, 100},
    {"System.Int64", CORELIB, SH_OBJECT, 0, 24, 150},
    {"System.Guid", CORELIB, SH_OBJECT, 0, 32, 80},
    {"System.WeakReference<MyApp.Models.Customer>", CORELIB, SH_OBJECT, 0, 24, 40},
    {"System.Net.Http.Headers.HttpHeaders.HeaderStoreItemInfo", "System.Net.Http.dll", SH_OBJECT, 2,
     40, 120},
    {"Microsoft.AspNetCore.Http.DefaultHttpContext", "Microsoft.AspNetCore.Http.dll", SH_OBJECT, 8,
     120, 40},
    {"Microsoft.Extensions.DependencyInjection.ServiceLookup.ConstructorCallSite",
     "Microsoft.Extensions.DependencyInjection.dll", SH_OBJECT, 4, 56, 60},
    {"System.Text.Json.JsonElement[]", "System.Text.Json.dll", SH_REF_ARRAY, 0, 0, 40},
    {"MyApp.Models.Customer", APP_MODULE, SH_OBJECT, 8, 88, 400},
    {"MyApp.Models.Order", APP_MODULE, SH_OBJECT, 10, 104, 450},
    {"MyApp.Models.OrderLine", APP_MODULE, SH_OBJECT, 5, 56, 700},
    {"MyApp.Services.CacheEntry", APP_MODULE, SH_OBJECT, 3, 40, 300},
    {"System.Decimal", CORELIB, SH_OBJECT, 0, 32, 60},
    /* the rest (weights up to 10000) go to the generated application types */
};
#define N_SYNTH_TYPES (sizeof synth_types / sizeof synth_types[0])
#define N_APP_TYPES 2000

typedef struct synth_ctx {
    hd_graph *g;
    const hg_synth_opts *o;
    uint64_t seed;
    uint32_t n_pseudo, n_static, a0, a1, l0, l1, g0; /* regions: see hg_synth */
    uint32_t n_local, n_strong, n_pinned, n_final;
    uint32_t pseudo_type[16];
    uint32_t ids[N_SYNTH_TYPES][N_SUFFIX]; /* interned ids + 1, 0 = not yet */
    uint32_t app_ids[N_APP_TYPES];
    uint32_t static_type_base; /* static var pseudo types are interned up front */
    uint32_t list_type;
    uint16_t cum[N_SYNTH_TYPES];
} synth_ctx;

typedef struct shape_out {
    uint32_t type;
    uint64_t size;
    uint32_t refs;
} shape_out;

/* Power-law (Pareto, x_min 2, alpha 1.1) reference-array length: most arrays are short, a
 * few long. */
static uint32_t pareto_len(uint64_t h, uint32_t cap)
{
    double u = u01(h) + 1e-12;
    double x = 2.0 * pow(u, -1.0 / 1.1);
    uint64_t v = (uint64_t)x;
    return v > cap ? cap : (uint32_t)v;
}

static int synth_shape(synth_ctx *c, uint32_t i, shape_out *s, hd_error *err)
{
    uint64_t h = hash3(c->seed, i, 1);
    uint64_t h2 = hash3(c->seed, i, 2);
    /* About one node in a million is a big reference array of 100k-1M elements. */
    if (u01(hash3(c->seed, i, 3)) < 1e-6) {
        uint32_t len = 100000 + (uint32_t)(h2 % 900001);
        s->refs = len;
        s->size = 24 + 8ull * len;
        const base_type *bt = &synth_types[4]; /* System.Object[] */
        unsigned sx = suffix_of(s->size);
        if (!c->ids[4][sx]) {
            if (intern_suffixed(c->g, bt->name, bt->module, sx, &c->ids[4][sx], err))
                return err->code;
            c->ids[4][sx]++;
        }
        s->type = c->ids[4][sx] - 1;
        return 0;
    }
    unsigned w = (unsigned)(h % 10000);
    unsigned k = 0;
    while (k < N_SYNTH_TYPES && w >= c->cum[k]) k++;
    if (k == N_SYNTH_TYPES) {
        /* Application types, Zipf-like: a few are common, most rare. */
        double u = u01(h2);
        uint32_t a = (uint32_t)(N_APP_TYPES * u * u * u);
        if (a >= N_APP_TYPES) a = N_APP_TYPES - 1;
        if (!c->app_ids[a]) {
            char name[96];
            snprintf(name, sizeof name, "MyApp.Feature%03u.Model%u", a / 8, a % 8);
            if (intern(c->g, name, APP_MODULE, &c->app_ids[a], err)) return err->code;
            c->app_ids[a]++;
        }
        s->type = c->app_ids[a] - 1;
        s->size = 24 + 8 * (a % 9);
        uint32_t maxrefs = 2 + a % 8;
        /* each reference field set with probability 7/8 */
        uint32_t r = 0;
        for (uint32_t f = 0; f < maxrefs; f++) r += ((h2 >> (8 + 3 * f)) & 7) != 0;
        s->refs = r;
        return 0;
    }
    const base_type *bt = &synth_types[k];
    double u = u01(h2);
    switch (bt->shape) {
    case SH_STRING: {
        uint32_t len = (uint32_t)exp(u * log(300.0)); /* log-uniform 1..300 chars */
        s->size = align8(22 + 2ull * len);
        s->refs = 0;
        break;
    }
    case SH_PRIM_ARRAY: {
        uint64_t len = (uint64_t)exp(u * log(4096.0));
        if ((h2 & 1023) == 0) len = 85000 + (h2 >> 40) % 400000; /* large object heap */
        s->size = align8(24 + bt->elem_or_refs * len);
        s->refs = 0;
        break;
    }
    case SH_REF_ARRAY: {
        uint32_t len = pareto_len(h2, 50000);
        s->size = 24 + 8ull * len;
        /* some slots are null */
        s->refs = len - (uint32_t)((uint64_t)len * ((h2 >> 56) & 31) / 128);
        break;
    }
    default: {
        s->size = bt->size;
        uint32_t r = 0;
        for (uint32_t f = 0; f < bt->elem_or_refs; f++) r += ((h2 >> (8 + 3 * f)) & 7) != 0;
        s->refs = r;
        break;
    }
    }
    unsigned sx = suffix_of(s->size);
    if (!c->ids[k][sx]) {
        if (intern_suffixed(c->g, bt->name, bt->module, sx, &c->ids[k][sx], err)) return err->code;
        c->ids[k][sx]++;
    }
    s->type = c->ids[k][sx] - 1;
    return 0;
}

/* Pseudo node layout (indices): 0 [.NET Roots], 1 [static vars], 2 [local vars],
 * 3 [other roots], 4 [strong Handles], 5 [pinning Handles], 6 [finalizer Handles],
 * 7.. one node per static variable. */
enum { P_ROOT, P_STATICS, P_LOCALS, P_OTHER, P_STRONG, P_PINNED, P_FINAL, P_FIRST_STATIC };

static uint32_t pseudo_refs(const synth_ctx *c, uint32_t i)
{
    switch (i) {
    case P_ROOT:
        return 3;
    case P_STATICS:
        return c->n_static;
    case P_LOCALS:
        return c->n_local;
    case P_OTHER:
        return 3;
    case P_STRONG:
        return c->n_strong;
    case P_PINNED:
        return c->n_pinned;
    case P_FINAL:
        return c->n_final;
    default:
        return 1;
    }
}

static int node_shape(synth_ctx *c, uint32_t i, shape_out *s, hd_error *err)
{
    if (i < c->n_pseudo) {
        s->type =
            i < P_FIRST_STATIC ? c->pseudo_type[i] : c->static_type_base + (i - P_FIRST_STATIC);
        s->size = 0;
        s->refs = pseudo_refs(c, i);
        return 0;
    }
    if (i >= c->l0 && i < c->l1) {
        s->type = c->list_type;
        s->size = 32;
        s->refs = i + 1 < c->l1 ? 2 : 1; /* value, next */
        return 0;
    }
    return synth_shape(c, i, s, err);
}

/* A shared reference into region A: hubs (Zipf over the first 64k objects), nearby objects or
 * any object. */
static uint32_t shared_target(const synth_ctx *c, uint32_t i, uint64_t h)
{
    uint32_t alen = c->a1 - c->a0;
    double v = u01(h);
    uint64_t h2 = mix64(h);
    if (v < 0.55) {
        uint32_t hubs = alen < 65536 ? alen : 65536;
        double u = u01(h2);
        return c->a0 + (uint32_t)(hubs * u * u * u);
    }
    if (v < 0.85 && i >= c->a0 && i < c->a1) {
        int64_t t = (int64_t)i + (int64_t)(h2 % 2001) - 1000;
        if (t < c->a0) t = c->a0;
        if (t >= c->a1) t = c->a1 - 1;
        return (uint32_t)t;
    }
    return c->a0 + (uint32_t)(h2 % alen);
}

int hg_synth(hd_graph *g, const hg_synth_opts *o, hd_error *err)
{
    static const char *const pseudo_names[P_FIRST_STATIC] = {
        "[.NET Roots]",     "[static vars]",     "[local vars]",       "[other roots]",
        "[strong Handles]", "[pinning Handles]", "[finalizer Handles]"};
    if (o->nodes < 1000) return hd_error_set(err, HD_EUSAGE, "synthetic heap: at least 1000 nodes");
    synth_ctx *c = calloc(1, sizeof *c);
    if (!c) return hd_error_oom(err, "generator", sizeof *c);
    int rc = 0;
    hd_graph_init(g);
    c->g = g;
    c->o = o;
    c->seed = mix64(o->seed);
    uint32_t n = o->nodes;
    uint32_t scale = n / 1000; /* root counts grow with the heap, within reason */
    c->n_static = scale < 256 ? (scale < 8 ? 8 : scale) : 256;
    c->n_local = scale < 3000 ? scale + 10 : 3000;
    c->n_strong = scale < 2000 ? scale + 5 : 2000;
    c->n_pinned = scale < 200 ? 2 + scale / 10 : 200;
    c->n_final = scale < 500 ? 3 + scale / 2 : 500;
    c->n_pseudo = P_FIRST_STATIC + c->n_static;
    uint32_t list = o->list_len;
    if (list > n / 2) list = n / 2;
    uint32_t garbage = n / 33; /* ~3% */
    c->a0 = c->n_pseudo;
    c->g0 = n - garbage;
    c->l1 = c->g0;
    c->l0 = c->l1 - list;
    c->a1 = c->l0;
    unsigned acc = 0;
    for (unsigned k = 0; k < N_SYNTH_TYPES; k++)
        c->cum[k] = (uint16_t)(acc += synth_types[k].weight);

    for (unsigned k = 0; k < P_FIRST_STATIC; k++)
        if ((rc = intern(g, pseudo_names[k], NULL, &c->pseudo_type[k], err))) goto out;
    for (uint32_t s = 0; s < c->n_static; s++) {
        char name[128];
        uint32_t id;
        if (s == 0)
            snprintf(name, sizeof name, "[static var MyApp.Pipeline.WorkQueue.s_head]");
        else
            snprintf(name, sizeof name, "[static var MyApp.Feature%03u.Service%u.s_instance]",
                     s / 4, s % 4);
        if ((rc = intern(g, name, NULL, &id, err))) goto out;
        if (s == 0)
            c->static_type_base = id;
        else if (id != c->static_type_base + s) {
            rc = hd_error_set(err, HD_EINTERNAL, "static var types are not consecutive");
            goto out;
        }
    }
    if ((rc = intern(g, "MyApp.Pipeline.WorkItem", APP_MODULE, &c->list_type, err))) goto out;

    /* Pass 1: count the references. */
    uint64_t m = 0;
    shape_out s;
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = node_shape(c, i, &s, err))) goto out;
        m += s.refs;
    }
    if ((rc = hd_graph_alloc(g, n, m, err))) goto out;
    g->root = P_ROOT;
    g->meta.pointer_size = 8;
    snprintf(g->meta.format, sizeof g->meta.format, "synthetic");

    /* Pass 2: fill. Region A's ownership slots are handed out so that its nodes spread over
     * its slots; edges of A end at first[a1] (known once A's nodes are counted). */
    uint64_t a_edges_end = 0;
    {
        uint64_t e = 0;
        for (uint32_t i = 0; i < c->a1; i++) {
            if ((rc = node_shape(c, i, &s, err))) goto out;
            e += s.refs;
        }
        a_edges_end = e;
    }
    uint64_t soh = 0x00007f2a40001000ull, loh = 0x00007f2b80001000ull;
    uint32_t fresh = c->a0;
    uint64_t e = 0;
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = node_shape(c, i, &s, err))) goto out;
        g->type[i] = s.type;
        if ((rc = hd_graph_set_size(g, i, s.size, err))) goto out;
        g->first[i] = e;
        if (i < c->n_pseudo) {
            g->addr[i] = 0;
        } else if (s.size >= 85000) {
            g->addr[i] = loh;
            loh += align8(s.size) + 0x20;
        } else {
            g->addr[i] = soh;
            soh += align8(s.size);
        }
        uint32_t *t = g->target + e;
        if (i < c->n_pseudo) {
            switch (i) {
            case P_ROOT:
                t[0] = P_STATICS, t[1] = P_LOCALS, t[2] = P_OTHER;
                break;
            case P_OTHER:
                t[0] = P_STRONG, t[1] = P_PINNED, t[2] = P_FINAL;
                break;
            case P_STATICS:
                for (uint32_t k = 0; k < s.refs; k++) t[k] = P_FIRST_STATIC + k;
                break;
            default:
                for (uint32_t k = 0; k < s.refs; k++) {
                    if (i == P_FIRST_STATIC && list)
                        t[k] = c->l0;
                    else
                        t[k] =
                            fresh < c->a1 ? fresh++ : shared_target(c, i, hash3(c->seed, e + k, 5));
                }
            }
        } else if (i >= c->l0 && i < c->l1) {
            t[0] = shared_target(c, i, hash3(c->seed, e, 6));
            if (s.refs > 1) t[1] = i + 1;
        } else if (i >= c->g0) {
            for (uint32_t k = 0; k < s.refs; k++) {
                uint64_t h = hash3(c->seed, e + k, 7);
                t[k] = (h & 1) ? c->g0 + (uint32_t)((h >> 1) % (n - c->g0))
                               : shared_target(c, i, mix64(h));
            }
        } else {
            if (fresh <= i) fresh = i + 1; /* i was not handed out: it stays garbage */
            for (uint32_t k = 0; k < s.refs; k++) {
                uint64_t h = hash3(c->seed, e + k, 8);
                int own = 0;
                if (fresh < c->a1) {
                    if (fresh - i < 256) {
                        own = 1;
                    } else {
                        double p = (double)(c->a1 - fresh) / (double)(a_edges_end - (e + k));
                        own = u01(h) < p;
                    }
                }
                t[k] = own ? fresh++ : shared_target(c, i, mix64(h));
            }
        }
        e += s.refs;
    }
    g->first[n] = e;
    if (e != m)
        rc = hd_error_set(err, HD_EINTERNAL, "generator: %llu edges, planned %llu",
                          (unsigned long long)e, (unsigned long long)m);
out:
    free(c);
    if (rc) hd_graph_free(g);
    return rc;
}

int hg_chain(hd_graph *g, uint32_t nodes, hd_error *err)
{
    int rc;
    uint32_t t_root, t_var, t_node;
    if (nodes < 3) return hd_error_set(err, HD_EUSAGE, "chain: at least 3 nodes");
    hd_graph_init(g);
    if ((rc = intern(g, "[.NET Roots]", NULL, &t_root, err)) ||
        (rc = intern(g, "[static var MyApp.Chain.s_head]", NULL, &t_var, err)) ||
        (rc = intern(g, "MyApp.Chain.Node", APP_MODULE, &t_node, err)) ||
        (rc = hd_graph_alloc(g, nodes, nodes - 1, err))) {
        hd_graph_free(g);
        return rc;
    }
    g->root = 0;
    g->meta.pointer_size = 8;
    snprintf(g->meta.format, sizeof g->meta.format, "synthetic");
    for (uint32_t i = 0; i < nodes; i++) {
        g->type[i] = i == 0 ? t_root : i == 1 ? t_var : t_node;
        g->size[i] = i < 2 ? 0 : 32;
        g->addr[i] = i < 2 ? 0 : 0x00007f2a40001000ull + 32ull * i;
        g->first[i] = i < nodes - 1 ? i : nodes - 1;
        if (i + 1 < nodes) g->target[i] = i + 1;
    }
    g->first[nodes] = nodes - 1;
    return 0;
}

/* ---- hg_example ----------------------------------------------------------------------------
 * A small structured heap. Nodes and references are appended to growable arrays in the order
 * the "runtime" would meet them, then turned into CSR (references of a node keep their order). */

typedef struct ex_builder {
    hd_graph *g;
    hd_error *err;
    int failed;
    uint32_t n, cap;
    uint32_t *type;
    uint32_t *size;
    uint64_t *addr;
    uint32_t (*edge)[2];
    uint64_t ne, cap_e;
    uint64_t rng;
    uint64_t soh, loh, poh; /* allocation cursors of the small, large and pinned heaps */
} ex_builder;

static uint64_t ex_rand(ex_builder *b)
{
    b->rng = b->rng * 6364136223846793005ull + 1442695040888963407ull;
    return mix64(b->rng);
}

static uint32_t ex_range(ex_builder *b, uint32_t lo, uint32_t hi) /* inclusive */
{
    return lo + (uint32_t)(ex_rand(b) % (hi - lo + 1));
}

static int ex_grow(ex_builder *b)
{
    if (b->n < b->cap) return 0;
    uint32_t cap = b->cap ? b->cap * 2 : 4096;
    uint32_t *t = realloc(b->type, cap * sizeof *t);
    if (t) b->type = t;
    uint32_t *s = realloc(b->size, cap * sizeof *s);
    if (s) b->size = s;
    uint64_t *a = realloc(b->addr, cap * sizeof *a);
    if (a) b->addr = a;
    if (!t || !s || !a) {
        b->failed = hd_error_oom(b->err, "example nodes", cap * 16ull);
        return -1;
    }
    b->cap = cap;
    return 0;
}

/* Pseudo node (size 0, address 0). */
static uint32_t ex_pseudo(ex_builder *b, const char *name)
{
    uint32_t id;
    if (b->failed || ex_grow(b)) return 0;
    if (intern(b->g, name, NULL, &id, b->err)) {
        b->failed = b->err->code;
        return 0;
    }
    b->type[b->n] = id;
    b->size[b->n] = 0;
    b->addr[b->n] = 0;
    return b->n++;
}

/* Object of a given size; the size suffix is added to the type name as dotnet-gcdump does.
 * pinned: allocated on the pinned object heap. */
static uint32_t ex_obj_at(ex_builder *b, const char *name, const char *module, uint64_t size,
                          int pinned)
{
    uint32_t id;
    if (b->failed || ex_grow(b)) return 0;
    size = align8(size < 24 ? 24 : size);
    if (intern_suffixed(b->g, name, module, suffix_of(size), &id, b->err)) {
        b->failed = b->err->code;
        return 0;
    }
    uint64_t *cursor = pinned ? &b->poh : size >= 85000 ? &b->loh : &b->soh;
    b->type[b->n] = id;
    b->size[b->n] = (uint32_t)size;
    b->addr[b->n] = *cursor;
    *cursor += size;
    /* now and then a gap: a free object between live ones */
    if ((ex_rand(b) & 63) == 0) *cursor += 24 + 8 * (ex_rand(b) & 15);
    return b->n++;
}

static uint32_t ex_obj(ex_builder *b, const char *name, const char *module, uint64_t size)
{
    return ex_obj_at(b, name, module, size, 0);
}

static void ex_ref(ex_builder *b, uint32_t from, uint32_t to)
{
    if (b->failed) return;
    if (b->ne == b->cap_e) {
        uint64_t cap = b->cap_e ? b->cap_e * 2 : 8192;
        void *p = realloc(b->edge, cap * sizeof *b->edge);
        if (!p) {
            b->failed = hd_error_oom(b->err, "example edges", cap * 8);
            return;
        }
        b->edge = p;
        b->cap_e = cap;
    }
    b->edge[b->ne][0] = from;
    b->edge[b->ne][1] = to;
    b->ne++;
}

/* --- building blocks with .NET 8 x64 instance sizes --- */

static uint32_t ex_string(ex_builder *b, uint32_t chars)
{
    return ex_obj(b, "System.String", CORELIB, 22 + 2ull * chars);
}

static uint32_t ex_bytes(ex_builder *b, uint64_t len)
{
    return ex_obj(b, "System.Byte[]", CORELIB, 24 + len);
}

/* List<T> with its T[] of capacity >= count holding `count` items. The list's module is
 * CoreLib (where List<> is defined); an array's is its element type's, as dotnet-gcdump
 * records them. */
static uint32_t ex_list(ex_builder *b, const char *list_name, const char *array_name,
                        const char *array_module, const uint32_t *items, uint32_t count)
{
    uint32_t capa = 4;
    while (capa < count) capa *= 2;
    uint32_t l = ex_obj(b, list_name, CORELIB, 32);
    uint32_t a = ex_obj(b, array_name, array_module, 24 + 8ull * capa);
    ex_ref(b, l, a);
    for (uint32_t k = 0; k < count; k++) ex_ref(b, a, items[k]);
    return l;
}

typedef struct ex_world {
    uint32_t interned[256]; /* interned strings shared by many objects */
    uint32_t n_interned;
    uint32_t runtime_types[64];
    uint32_t n_types;
    uint32_t string_comparer; /* the default string comparer every Dictionary<String,..> holds */
} ex_world;

static uint32_t ex_interned(ex_builder *b, ex_world *w)
{
    return w->interned[ex_rand(b) % w->n_interned];
}

/* A user session of the leaking cache: Session -> Id, byte[] buffer, List<String> of recent
 * URLs, UserProfile -> name, email, roles. */
static uint32_t ex_session(ex_builder *b, ex_world *w, uint32_t *key_out)
{
    uint32_t s = ex_obj(b, "MyApp.Sessions.Session", APP_MODULE, 72);
    uint32_t id = ex_string(b, 36); /* a GUID string, also the dictionary key */
    uint32_t buf = ex_bytes(b, 1024u << (ex_rand(b) % 4));
    uint32_t urls[16];
    uint32_t nu = ex_range(b, 2, 9);
    for (uint32_t k = 0; k < nu; k++) urls[k] = ex_string(b, ex_range(b, 12, 60));
    uint32_t list = ex_list(b, "System.Collections.Generic.List<System.String>", "System.String[]",
                            CORELIB, urls, nu);
    uint32_t prof = ex_obj(b, "MyApp.Sessions.UserProfile", APP_MODULE, 48);
    uint32_t name = ex_string(b, ex_range(b, 6, 20));
    uint32_t mail = ex_string(b, ex_range(b, 14, 32));
    uint32_t roles = ex_obj(b, "System.String[]", CORELIB, 24 + 8 * 2);
    ex_ref(b, prof, name);
    ex_ref(b, prof, mail);
    ex_ref(b, prof, roles);
    ex_ref(b, roles, ex_interned(b, w));
    ex_ref(b, roles, ex_interned(b, w));
    ex_ref(b, s, id);
    ex_ref(b, s, buf);
    ex_ref(b, s, list);
    ex_ref(b, s, prof);
    *key_out = id;
    return s;
}

/* A request in flight or finished: DefaultHttpContext -> request/response features, header
 * dictionary with strings, a response buffer. */
static uint32_t ex_request(ex_builder *b, ex_world *w)
{
    uint32_t ctx = ex_obj(b, "Microsoft.AspNetCore.Http.DefaultHttpContext",
                          "Microsoft.AspNetCore.Http.dll", 120);
    uint32_t req = ex_obj(b, "Microsoft.AspNetCore.Http.DefaultHttpRequest",
                          "Microsoft.AspNetCore.Http.dll", 40);
    uint32_t resp = ex_obj(b, "Microsoft.AspNetCore.Http.DefaultHttpResponse",
                           "Microsoft.AspNetCore.Http.dll", 40);
    uint32_t hdrs =
        ex_obj(b, "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpRequestHeaders",
               "Microsoft.AspNetCore.Server.Kestrel.Core.dll", 176);
    uint32_t path = ex_string(b, ex_range(b, 8, 48));
    uint32_t qs = ex_string(b, ex_range(b, 0, 40));
    uint32_t sv[8];
    uint32_t nh = ex_range(b, 3, 8);
    for (uint32_t k = 0; k < nh; k++) sv[k] = ex_string(b, ex_range(b, 4, 80));
    uint32_t body = ex_bytes(b, 512u << (ex_rand(b) % 4));
    uint32_t items = ex_obj(b, "System.Collections.Generic.Dictionary<System.Object,System.Object>",
                            CORELIB, 80);
    ex_ref(b, ctx, req);
    ex_ref(b, ctx, resp);
    ex_ref(b, ctx, items);
    ex_ref(b, req, ctx); /* back pointers: cycles */
    ex_ref(b, resp, ctx);
    ex_ref(b, req, hdrs);
    ex_ref(b, req, path);
    ex_ref(b, req, qs);
    for (uint32_t k = 0; k < nh; k++) ex_ref(b, hdrs, sv[k]);
    ex_ref(b, hdrs, ex_interned(b, w));
    ex_ref(b, resp, body);
    return ctx;
}

/* The part of the heap that does not change between the snapshots: framework caches,
 * configuration, DI container, logging, connection pool, type objects. Returns objects to be
 * rooted: statics[] (one per static variable) and handles[]. */
typedef struct ex_roots {
    const char *static_names[32];
    uint32_t statics[32];
    uint32_t n_statics;
    uint32_t strong[256], n_strong;
    uint32_t pinned[64], n_pinned;
    uint32_t final[256], n_final;
    uint32_t locals[256], n_locals;
} ex_roots;

static void ex_add_static(ex_roots *r, const char *name, uint32_t obj)
{
    if (r->n_statics < 32) {
        r->static_names[r->n_statics] = name;
        r->statics[r->n_statics++] = obj;
    }
}

static void ex_steady(ex_builder *b, ex_world *w, ex_roots *r)
{
    /* interned strings and type objects: shared by many objects */
    for (uint32_t k = 0; k < 256; k++)
        w->interned[w->n_interned++] = ex_string(b, ex_range(b, 3, 24));
    for (uint32_t k = 0; k < 64; k++)
        w->runtime_types[w->n_types++] = ex_obj(b, "System.RuntimeType", CORELIB, 40);
    uint32_t intern_tab = ex_obj(b, "System.String[]", CORELIB, 24 + 8 * 256);
    for (uint32_t k = 0; k < 256; k++) ex_ref(b, intern_tab, w->interned[k]);
    for (uint32_t k = 0; k < 64; k++) r->strong[r->n_strong++] = w->runtime_types[k];
    w->string_comparer =
        ex_obj(b, "System.Collections.Generic.NonRandomizedStringEqualityComparer.OrdinalComparer",
               CORELIB, 24);
    r->strong[r->n_strong++] = w->string_comparer;
    r->strong[r->n_strong++] = intern_tab;

    /* configuration: ConfigurationRoot -> providers -> Dictionary<String,String> of 600 keys */
    uint32_t conf = ex_obj(b, "Microsoft.Extensions.Configuration.ConfigurationRoot",
                           "Microsoft.Extensions.Configuration.dll", 32);
    for (uint32_t p = 0; p < 3; p++) {
        uint32_t prov =
            ex_obj(b, "Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider",
                   "Microsoft.Extensions.Configuration.Json.dll", 48);
        uint32_t dict = ex_obj(
            b, "System.Collections.Generic.Dictionary<System.String,System.String>", CORELIB, 80);
        uint32_t cnt = 200;
        uint32_t bk = ex_obj(b, "System.Int32[]", CORELIB, 24 + 4ull * 239);
        uint32_t ents =
            ex_obj(b, "System.Collections.Generic.Dictionary.Entry<System.String,System.String>[]",
                   CORELIB, 24 + 24ull * 239);
        for (uint32_t k = 0; k < cnt; k++) {
            ex_ref(b, ents, ex_string(b, ex_range(b, 10, 50)));
            ex_ref(b, ents, ex_string(b, ex_range(b, 1, 60)));
        }
        ex_ref(b, dict, bk);
        ex_ref(b, dict, ents);
        ex_ref(b, dict, w->string_comparer);
        ex_ref(b, prov, dict);
        ex_ref(b, conf, prov);
    }
    ex_add_static(r, "Microsoft.Extensions.Hosting.Internal.Host.s_configuration", conf);

    /* DI container: ServiceProvider -> call site cache of 400 entries, each with a RuntimeType
     * and a Func<> delegate */
    uint32_t sp = ex_obj(b, "Microsoft.Extensions.DependencyInjection.ServiceProvider",
                         "Microsoft.Extensions.DependencyInjection.dll", 64);
    uint32_t cache = ex_obj(
        b,
        "System.Collections.Concurrent.ConcurrentDictionary<Microsoft.Extensions."
        "DependencyInjection.ServiceLookup.ServiceIdentifier,System.Func<Microsoft.Extensions."
        "DependencyInjection.ServiceLookup.ServiceProviderEngineScope,System.Object>>",
        "System.Collections.Concurrent.dll", 64);
    uint32_t tables = ex_obj(
        b,
        "System.Collections.Concurrent.ConcurrentDictionary.Tables<Microsoft.Extensions."
        "DependencyInjection.ServiceLookup.ServiceIdentifier,System.Func<Microsoft.Extensions."
        "DependencyInjection.ServiceLookup.ServiceProviderEngineScope,System.Object>>",
        "System.Collections.Concurrent.dll", 40);
    uint32_t bkt = ex_obj(
        b,
        "System.Collections.Concurrent.ConcurrentDictionary.VolatileNode<Microsoft.Extensions."
        "DependencyInjection.ServiceLookup.ServiceIdentifier,System.Func<Microsoft.Extensions."
        "DependencyInjection.ServiceLookup.ServiceProviderEngineScope,System.Object>>[]",
        "System.Collections.Concurrent.dll", 24 + 8ull * 431);
    ex_ref(b, sp, cache);
    ex_ref(b, cache, tables);
    ex_ref(b, tables, bkt);
    for (uint32_t k = 0; k < 400; k++) {
        uint32_t node = ex_obj(
            b,
            "System.Collections.Concurrent.ConcurrentDictionary.Node<Microsoft.Extensions."
            "DependencyInjection.ServiceLookup.ServiceIdentifier,System.Func<Microsoft.Extensions."
            "DependencyInjection.ServiceLookup.ServiceProviderEngineScope,System.Object>>",
            "System.Collections.Concurrent.dll", 48);
        uint32_t fn = ex_obj(b,
                             "System.Func<Microsoft.Extensions.DependencyInjection.ServiceLookup."
                             "ServiceProviderEngineScope,System.Object>",
                             CORELIB, 64);
        uint32_t site =
            ex_obj(b, "Microsoft.Extensions.DependencyInjection.ServiceLookup.ConstructorCallSite",
                   "Microsoft.Extensions.DependencyInjection.dll", 56);
        uint32_t ctor = ex_obj(b, "System.Reflection.RuntimeConstructorInfo", CORELIB, 96);
        ex_ref(b, bkt, node);
        ex_ref(b, node, w->runtime_types[k % 64]);
        ex_ref(b, node, fn);
        ex_ref(b, fn, site);
        ex_ref(b, site, w->runtime_types[(k * 7) % 64]);
        ex_ref(b, site, ctor);
        ex_ref(b, ctor, w->runtime_types[(k * 13) % 64]);
        ex_ref(b, ctor, ex_interned(b, w));
    }
    ex_add_static(r, "MyApp.Program.s_services", sp);

    /* logging: LoggerFactory -> ConcurrentDictionary<String,Logger> of 150 loggers */
    uint32_t lf = ex_obj(b, "Microsoft.Extensions.Logging.LoggerFactory",
                         "Microsoft.Extensions.Logging.dll", 56);
    uint32_t lk[150];
    for (uint32_t k = 0; k < 150; k++) {
        uint32_t lg = ex_obj(b, "Microsoft.Extensions.Logging.Logger",
                             "Microsoft.Extensions.Logging.dll", 40);
        uint32_t cat = ex_string(b, ex_range(b, 20, 70));
        uint32_t arr = ex_obj(b, "Microsoft.Extensions.Logging.LoggerInformation[]",
                              "Microsoft.Extensions.Logging.dll", 24 + 40 * 2);
        ex_ref(b, lg, arr);
        ex_ref(b, arr, cat);
        ex_ref(b, lg, lf); /* back to the factory: a cycle */
        lk[k] = lg;
    }
    uint32_t ll = ex_list(b, "System.Collections.Generic.List<Microsoft.Extensions.Logging.Logger>",
                          "Microsoft.Extensions.Logging.Logger[]",
                          "Microsoft.Extensions.Logging.dll", lk, 150);
    ex_ref(b, lf, ll);
    ex_add_static(r, "MyApp.Program.s_loggerFactory", lf);

    /* Kestrel memory pool: pinned 4 KiB blocks */
    uint32_t pool = ex_obj(b, "System.Buffers.PinnedBlockMemoryPool",
                           "Microsoft.AspNetCore.Server.Kestrel.Core.dll", 48);
    uint32_t blocks = ex_obj(b,
                             "System.Collections.Concurrent.ConcurrentQueueSegment.Slot<System."
                             "Buffers.MemoryPoolBlock>[]",
                             "System.Collections.Concurrent.dll", 24 + 16ull * 64);
    ex_ref(b, pool, blocks);
    for (uint32_t k = 0; k < 48; k++) {
        uint32_t blk = ex_obj(b, "System.Buffers.MemoryPoolBlock",
                              "Microsoft.AspNetCore.Server.Kestrel.Core.dll", 40);
        uint32_t mem = ex_obj_at(b, "System.Byte[]", CORELIB, 24 + 4096, 1);
        ex_ref(b, blocks, blk);
        ex_ref(b, blk, mem);
        ex_ref(b, blk, pool);
        if (r->n_pinned < 64) r->pinned[r->n_pinned++] = mem;
    }
    ex_add_static(r, "System.Buffers.ArrayPool<System.Byte>.s_shared", pool);

    /* product catalog: List<Product>, each with a name, a description, a category and tags */
    uint32_t prods[2600];
    for (uint32_t k = 0; k < 2600; k++) {
        uint32_t p = ex_obj(b, "MyApp.Catalog.Product", APP_MODULE, 64);
        ex_ref(b, p, ex_string(b, ex_range(b, 8, 40)));
        ex_ref(b, p, ex_string(b, ex_range(b, 40, 400)));
        ex_ref(b, p, ex_interned(b, w));
        uint32_t tags = ex_obj(b, "System.String[]", CORELIB, 24 + 8 * 3);
        for (int t = 0; t < 3; t++) ex_ref(b, tags, ex_interned(b, w));
        ex_ref(b, p, tags);
        prods[k] = p;
    }
    uint32_t catalog = ex_obj(b, "MyApp.Catalog.ProductCatalog", APP_MODULE, 32);
    ex_ref(b, catalog,
           ex_list(b, "System.Collections.Generic.List<MyApp.Catalog.Product>",
                   "MyApp.Catalog.Product[]", APP_MODULE, prods, 2600));
    ex_add_static(r, "MyApp.Catalog.ProductCatalog.s_instance", catalog);

    /* finalizable handles */
    for (uint32_t k = 0; k < 40; k++) {
        uint32_t h = ex_obj(b, "Microsoft.Win32.SafeHandles.SafeFileHandle", CORELIB, 32);
        r->final[r->n_final++] = h;
    }
    for (uint32_t k = 0; k < 12; k++) {
        uint32_t h = ex_obj(b, "System.Net.Sockets.SafeSocketHandle", "System.Net.Sockets.dll", 40);
        r->final[r->n_final++] = h;
    }
}

/* n_sessions sessions in the static cache Dictionary<String, Session>. */
static uint32_t ex_cache(ex_builder *b, ex_world *w, uint32_t n_sessions)
{
    /* Dictionary sizes are primes (HashHelpers.GetPrime): the first one that holds them all */
    static const uint32_t primes[] = {17, 37, 79, 163, 331, 673, 1361, 2729, 5471, 10949};
    unsigned np = sizeof primes / sizeof primes[0], pk = 0;
    while (pk + 1 < np && primes[pk] < n_sessions) pk++;
    uint32_t size = primes[pk];
    uint32_t cache = ex_obj(b, "MyApp.Sessions.SessionCache", APP_MODULE, 40);
    uint32_t dict =
        ex_obj(b, "System.Collections.Generic.Dictionary<System.String,MyApp.Sessions.Session>",
               CORELIB, 80);
    uint32_t bk = ex_obj(b, "System.Int32[]", CORELIB, 24 + 4ull * size);
    uint32_t ents = ex_obj(
        b, "System.Collections.Generic.Dictionary.Entry<System.String,MyApp.Sessions.Session>[]",
        CORELIB, 24 + 24ull * size);
    ex_ref(b, cache, dict);
    ex_ref(b, dict, bk);
    ex_ref(b, dict, ents);
    ex_ref(b, dict, w->string_comparer);
    for (uint32_t k = 0; k < n_sessions; k++) {
        uint32_t key;
        uint32_t s = ex_session(b, w, &key);
        ex_ref(b, ents, key);
        ex_ref(b, ents, s);
    }
    return cache;
}

/* Turns the builder into b->g. */
static int ex_finish(ex_builder *b, uint32_t root)
{
    hd_graph *g = b->g;
    if (b->failed) return b->failed;
    if (hd_graph_alloc(g, b->n, b->ne, b->err)) return b->err->code;
    memcpy(g->type, b->type, b->n * sizeof *g->type);
    memcpy(g->size, b->size, b->n * sizeof *g->size);
    memcpy(g->addr, b->addr, b->n * sizeof *g->addr);
    /* counting sort by source; stable, so each node's references keep their order */
    memset(g->first, 0, (b->n + 1ull) * sizeof *g->first);
    for (uint64_t e = 0; e < b->ne; e++) g->first[b->edge[e][0] + 1]++;
    for (uint32_t i = 0; i < b->n; i++) g->first[i + 1] += g->first[i];
    uint64_t *pos = malloc((b->n + 1ull) * sizeof *pos);
    if (!pos) return hd_error_oom(b->err, "example", (b->n + 1ull) * 8);
    memcpy(pos, g->first, (b->n + 1ull) * sizeof *pos);
    for (uint64_t e = 0; e < b->ne; e++) g->target[pos[b->edge[e][0]]++] = b->edge[e][1];
    free(pos);
    g->root = root;
    g->meta.pointer_size = 8;
    snprintf(g->meta.format, sizeof g->meta.format, "synthetic");
    return 0;
}

int hg_example(hd_graph *g, int after, hd_error *err)
{
    ex_builder *b = calloc(1, sizeof *b);
    ex_world *w = calloc(1, sizeof *w);
    ex_roots *r = calloc(1, sizeof *r);
    int rc = 0;
    hd_graph_init(g);
    if (!b || !w || !r) {
        rc = hd_error_oom(err, "example", sizeof *b + sizeof *w + sizeof *r);
        goto out;
    }
    b->g = g;
    b->err = err;
    b->rng = 0x5eed2026u;
    /* After a few GCs the survivors sit elsewhere: different heap bases in the two snapshots. */
    b->soh = after ? 0x00007f3c5c000028ull : 0x00007f3c48000028ull;
    b->loh = after ? 0x00007f3c8c000028ull : 0x00007f3c88000028ull;
    b->poh = 0x00007f3cc8000028ull;

    /* The root tree first, as dotnet-gcdump creates it: [.NET Roots] is node 0. */
    uint32_t root = ex_pseudo(b, "[.NET Roots]");
    uint32_t statics = ex_pseudo(b, "[static vars]");
    uint32_t locals = ex_pseudo(b, "[local vars]");
    uint32_t other = ex_pseudo(b, "[other roots]");
    uint32_t strong = ex_pseudo(b, "[strong Handles]");
    uint32_t pinning = ex_pseudo(b, "[pinning Handles]");
    uint32_t finalizer = ex_pseudo(b, "[finalizer Handles]");
    ex_ref(b, root, statics);
    ex_ref(b, root, locals);
    ex_ref(b, root, other);
    ex_ref(b, other, strong);
    ex_ref(b, other, pinning);
    ex_ref(b, other, finalizer);

    ex_steady(b, w, r);

    /* What changes: the session cache grows from 300 to 900 sessions; the app started an
     * export job between the snapshots (a type that is new in the second one), and the warm-up
     * task of the first one is gone. */
    uint32_t cache = ex_cache(b, w, after ? 900 : 300);
    ex_add_static(r, "MyApp.Sessions.SessionCache.s_sessions", cache);
    if (!after) {
        uint32_t warm = ex_obj(b, "MyApp.Startup.WarmupTask", APP_MODULE, 48);
        for (int k = 0; k < 20; k++) ex_ref(b, warm, ex_string(b, ex_range(b, 10, 30)));
        r->locals[r->n_locals++] = warm;
    } else {
        uint32_t job = ex_obj(b, "MyApp.Reports.ExportJob", APP_MODULE, 56);
        uint32_t rows[200];
        for (int k = 0; k < 200; k++) {
            rows[k] = ex_obj(b, "MyApp.Reports.ExportRow", APP_MODULE, 40);
            ex_ref(b, rows[k], ex_string(b, ex_range(b, 20, 90)));
        }
        ex_ref(b, job,
               ex_list(b, "System.Collections.Generic.List<MyApp.Reports.ExportRow>",
                       "MyApp.Reports.ExportRow[]", APP_MODULE, rows, 200));
        ex_ref(b, job, ex_bytes(b, 65536));
        r->locals[r->n_locals++] = job;
    }
    /* requests in flight: on thread stacks */
    for (int k = 0; k < (after ? 14 : 9); k++) r->locals[r->n_locals++] = ex_request(b, w);

    /* garbage: finished requests not collected yet (never referenced by a root) */
    for (int k = 0; k < (after ? 140 : 90); k++) ex_request(b, w);

    /* root edges */
    for (uint32_t k = 0; k < r->n_statics; k++) {
        char name[256];
        snprintf(name, sizeof name, "[static var %s]", r->static_names[k]);
        uint32_t v = ex_pseudo(b, name);
        ex_ref(b, statics, v);
        ex_ref(b, v, r->statics[k]);
    }
    for (uint32_t k = 0; k < r->n_locals; k++) ex_ref(b, locals, r->locals[k]);
    for (uint32_t k = 0; k < r->n_strong; k++) ex_ref(b, strong, r->strong[k]);
    for (uint32_t k = 0; k < r->n_pinned; k++) ex_ref(b, pinning, r->pinned[k]);
    for (uint32_t k = 0; k < r->n_final; k++) ex_ref(b, finalizer, r->final[k]);

    rc = ex_finish(b, root);
out:
    if (b) {
        free(b->type);
        free(b->size);
        free(b->addr);
        free(b->edge);
    }
    free(b);
    free(w);
    free(r);
    if (rc) hd_graph_free(g);
    return rc;
}
