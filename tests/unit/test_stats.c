/* Property tests of hd_stats_compute: per-row count, shallow and retained bytes, unreachable
 * objects, totals, grouping (by name, by module, size buckets) and row order, against a
 * brute-force computation of the definitions on thousands of random graphs with few types (so
 * that same-type nesting is common), plus hand-checked small cases.
 *
 * The definitions (DESIGN.md, analysis.h): a row's instances are the objects of size > 0 of
 * its types; count/shallow cover the reachable ones (weights scaled by the type multiplier when
 * sampled); retained = sum of retained(x) over reachable instances x that have no proper
 * dominator ancestor which is itself an instance of the same row; unreachable instances are
 * counted apart. Size-0 nodes are never instances (pseudo nodes).
 *
 * Environment: HD_STATS_SEED=N (HD_STATS_SAMPLED_SEED=N for the sampled ones) runs only that
 * random graph; HD_STATS_ITERS=N changes how many are drawn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heapdiff/analysis.h"
#include "support/graphgen.h"

#define SEED_BASE 0x57A7500000ull
#define MAX_PRINTED_FAILURES 5

static uint64_t env_u64(const char *name, uint64_t dflt, int *set)
{
    const char *s = getenv(name);
    if (set) *set = s && *s;
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

typedef struct msgbuf {
    char text[4096];
    size_t len;
    unsigned count;
} msgbuf;

static void note(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(msgbuf *m, const char *fmt, ...)
{
    if (m->count++ >= 12 || m->len >= sizeof m->text - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(m->text + m->len, sizeof m->text - m->len, fmt, ap);
    va_end(ap);
    if (k > 0) m->len += (size_t)k;
    if (m->len > sizeof m->text - 1) m->len = sizeof m->text - 1;
}

/* ---- the expected rows, from the definitions ----------------------------------------------- */

/* What the test knows about each type it interned, independently of the library's grouping. */
typedef struct tinfo {
    const char *base;   /* name without a size-bucket suffix (from the test's own table) */
    const char *full;   /* name as interned */
    const char *module; /* NULL: none */
    double mult;        /* type multiplier (1 when not sampled) */
} tinfo;

typedef struct xrow {
    const char *name, *module;
    uint64_t count, shallow, retained, ucount, ushallow;
    int has; /* any instance, reachable or not */
    int matched;
} xrow;

typedef struct expected {
    uint32_t n_rows;
    xrow *rows;
    uint32_t *row_of_type;
    hd_totals totals;
} expected;

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void expected_free(expected *x)
{
    free(x->rows);
    free(x->row_of_type);
    memset(x, 0, sizeof *x);
}

/* ref: the brute-force (or hand) dominators, with retained sizes in weights. */
static void compute_expected(const hd_graph *g, const tinfo *ti, const gg_dom *ref, unsigned flags,
                             expected *x)
{
    uint32_t nt = g->types.count;
    int by_module = (flags & HD_ROWS_BY_MODULE) != 0, raw = (flags & HD_ROWS_RAW_NAMES) != 0;
    memset(x, 0, sizeof *x);
    x->rows = calloc(nt + 1, sizeof *x->rows);
    x->row_of_type = calloc(nt + 1, sizeof *x->row_of_type);
    assert_non_null(x->rows);
    assert_non_null(x->row_of_type);
    for (uint32_t t = 0; t < nt; t++) {
        const char *name = raw ? ti[t].full : ti[t].base;
        const char *mod = by_module ? ti[t].module : NULL;
        uint32_t r;
        for (r = 0; r < x->n_rows; r++)
            if (strcmp(x->rows[r].name, name) == 0 && same_str(x->rows[r].module, mod)) break;
        if (r == x->n_rows) {
            x->rows[r].name = name;
            x->rows[r].module = mod;
            x->n_rows++;
        }
        x->row_of_type[t] = r;
    }
    hd_totals *tot = &x->totals;
    tot->nodes = g->n_nodes;
    tot->edges = g->n_edges;
    for (uint32_t v = 0; v < g->n_nodes; v++) {
        uint64_t size = hd_node_size(g, v);
        if (size == 0) {
            tot->pseudo_nodes++;
            continue;
        }
        double m = ti[g->type[v]].mult;
        uint64_t w = (uint64_t)(size * m + 0.5); /* exact for the multipliers used here */
        uint64_t c = (uint64_t)(m + 0.5);        /* integral multipliers only */
        xrow *row = &x->rows[x->row_of_type[g->type[v]]];
        row->has = 1;
        if (ref->reachable[v]) {
            row->count += c;
            row->shallow += w;
            /* A proper dominator ancestor that is an instance of the same row? */
            int nested = 0;
            for (uint32_t a = ref->idom[v]; a != HD_NODE_NONE && !nested; a = ref->idom[a])
                nested = hd_node_size(g, a) > 0 &&
                         x->row_of_type[g->type[a]] == x->row_of_type[g->type[v]];
            if (!nested) row->retained += ref->retained[v];
        } else {
            row->ucount += c;
            row->ushallow += w;
        }
    }
    for (uint32_t r = 0; r < x->n_rows; r++) {
        xrow *row = &x->rows[r];
        if (!row->has) continue;
        tot->types++;
        tot->count += row->count;
        tot->shallow += row->shallow;
        tot->unreachable_count += row->ucount;
        tot->unreachable_shallow += row->ushallow;
    }
}

/* Compares s with x: the same set of rows (those with an instance), the same numbers, totals,
 * and the order (retained, then shallow, then count descending, then name). */
static void compare_stats(const hd_stats *s, expected *x, unsigned flags, msgbuf *m)
{
    int by_module = (flags & HD_ROWS_BY_MODULE) != 0;
    uint32_t want = 0;
    for (uint32_t r = 0; r < x->n_rows; r++) {
        want += x->rows[r].has;
        x->rows[r].matched = 0;
    }
    if (s->n_rows != want) note(m, "n_rows: expected %u, got %u\n", want, s->n_rows);
    for (uint32_t i = 0; i < s->n_rows; i++) {
        const hd_type_row *got = &s->rows[i];
        if (!got->name) {
            note(m, "row %u has no name\n", i);
            continue;
        }
        if (!by_module && got->module)
            note(m, "row %u \"%s\" has module \"%s\" without by-module\n", i, got->name,
                 got->module);
        uint32_t r;
        for (r = 0; r < x->n_rows; r++)
            if (strcmp(x->rows[r].name, got->name) == 0 && same_str(x->rows[r].module, got->module))
                break;
        if (r == x->n_rows || !x->rows[r].has) {
            note(m, "unexpected row %u \"%s\" module %s\n", i, got->name,
                 got->module ? got->module : "(none)");
            continue;
        }
        xrow *e = &x->rows[r];
        if (e->matched++) note(m, "row \"%s\" listed twice\n", got->name);
        const char *mod = got->module ? got->module : "";
#define CHECK_FIELD(field, efield)                                                                 \
    if (got->field != e->efield)                                                                   \
        note(m, "row \"%s\"%s%s " #field ": expected %llu, got %llu\n", got->name,                 \
             *mod ? " module " : "", mod, (unsigned long long)e->efield,                           \
             (unsigned long long)got->field);
        CHECK_FIELD(count, count)
        CHECK_FIELD(shallow, shallow)
        CHECK_FIELD(retained, retained)
        CHECK_FIELD(unreachable_count, ucount)
        CHECK_FIELD(unreachable_shallow, ushallow)
#undef CHECK_FIELD
    }
    for (uint32_t r = 0; r < x->n_rows; r++)
        if (x->rows[r].has && !x->rows[r].matched)
            note(m, "missing row \"%s\" module %s\n", x->rows[r].name,
                 x->rows[r].module ? x->rows[r].module : "(none)");
    for (uint32_t i = 0; i + 1 < s->n_rows; i++) {
        const hd_type_row *a = &s->rows[i], *b = &s->rows[i + 1];
        int ok;
        if (a->retained != b->retained)
            ok = a->retained > b->retained;
        else if (a->shallow != b->shallow)
            ok = a->shallow > b->shallow;
        else if (a->count != b->count)
            ok = a->count > b->count;
        else
            ok = strcmp(a->name, b->name) <= 0;
        if (!ok)
            note(m,
                 "rows %u \"%s\" (retained %llu, shallow %llu) and %u \"%s\" (%llu, %llu) out "
                 "of order\n",
                 i, a->name, (unsigned long long)a->retained, (unsigned long long)a->shallow, i + 1,
                 b->name, (unsigned long long)b->retained, (unsigned long long)b->shallow);
    }
    const hd_totals *t = &s->totals, *et = &x->totals;
#define CHECK_TOTAL(field)                                                                         \
    if (t->field != et->field)                                                                     \
        note(m, "totals." #field ": expected %llu, got %llu\n", (unsigned long long)et->field,     \
             (unsigned long long)t->field);
    CHECK_TOTAL(nodes)
    CHECK_TOTAL(edges)
    CHECK_TOTAL(count)
    CHECK_TOTAL(shallow)
    CHECK_TOTAL(unreachable_count)
    CHECK_TOTAL(unreachable_shallow)
    CHECK_TOTAL(pseudo_nodes)
    CHECK_TOTAL(types)
#undef CHECK_TOTAL
}

static void run_dom(const hd_graph *g, hd_dom *d)
{
    hd_error err;
    hd_error_clear(&err);
    int rc = hd_dominators(g, d, &err);
    if (rc != HD_OK) fail_msg("hd_dominators failed: code %d: %s", rc, err.msg);
}

static void run_stats(const hd_graph *g, const hd_dom *d, unsigned flags, hd_stats *s)
{
    hd_error err;
    hd_error_clear(&err);
    int rc = hd_stats_compute(g, d, flags, s, &err);
    if (rc != HD_OK) fail_msg("hd_stats_compute failed: code %d: %s", rc, err.msg);
}

static uint64_t *weights_of(const hd_graph *g, const tinfo *ti)
{
    uint64_t *w = malloc((g->n_nodes + 1) * sizeof *w);
    assert_non_null(w);
    for (uint32_t v = 0; v < g->n_nodes; v++)
        w[v] = (uint64_t)(hd_node_size(g, v) * ti[g->type[v]].mult + 0.5);
    return w;
}

/* Runs dominators + stats on g for every grouping and checks them against the definitions.
 * Returns the number of mismatches (already reported on stderr with `what`). */
static unsigned check_graph(const char *what, uint64_t seed, const char *desc, const hd_graph *g,
                            const tinfo *ti)
{
    uint64_t *w = weights_of(g, ti);
    gg_dom ref;
    gg_brute_dominators(g, w, &ref);
    hd_dom d;
    run_dom(g, &d);
    msgbuf m = {0};
    /* The dominators have their own tests; a mismatch here would make every row wrong, so say
     * it first. */
    if (d.n_reachable != ref.n_reachable) note(&m, "dominators: n_reachable differs\n");
    for (uint32_t v = 0; v < g->n_nodes; v++)
        if (d.idom[v] != ref.idom[v] || d.retained[v] != ref.retained[v])
            note(&m, "dominators differ at node %u (idom %d vs %d, retained %llu vs %llu)\n", v,
                 (int)ref.idom[v], (int)d.idom[v], (unsigned long long)ref.retained[v],
                 (unsigned long long)d.retained[v]);
    static const unsigned all_flags[] = {0, HD_ROWS_BY_MODULE, HD_ROWS_RAW_NAMES,
                                         HD_ROWS_BY_MODULE | HD_ROWS_RAW_NAMES};
    for (size_t f = 0; f < sizeof all_flags / sizeof *all_flags; f++) {
        hd_stats s;
        run_stats(g, &d, all_flags[f], &s);
        expected x;
        compute_expected(g, ti, &ref, all_flags[f], &x);
        msgbuf mf = {0};
        compare_stats(&s, &x, all_flags[f], &mf);
        if (s.sampled != (g->meta.type_multiplier != NULL))
            note(&mf, "sampled: expected %d, got %d\n", g->meta.type_multiplier != NULL, s.sampled);
        if (g->meta.type_multiplier && (s.avg_count_multiplier != g->meta.avg_count_multiplier ||
                                        s.avg_size_multiplier != g->meta.avg_size_multiplier))
            note(&mf, "average multipliers not carried over\n");
        if (mf.count) {
            note(&m, "with flags %s%s:\n%.*s", all_flags[f] & HD_ROWS_BY_MODULE ? "by-module " : "",
                 all_flags[f] & HD_ROWS_RAW_NAMES ? "raw-names" : "", (int)mf.len, mf.text);
            m.count += mf.count - 1;
        }
        if (mf.count && g->n_nodes <= 80) {
            fprintf(stderr, "  got rows (flags %u):\n", all_flags[f]);
            for (uint32_t i = 0; i < s.n_rows; i++)
                fprintf(
                    stderr, "    %s%s%s count=%llu shallow=%llu retained=%llu unreach=%llu/%llu\n",
                    s.rows[i].name, s.rows[i].module ? " @" : "",
                    s.rows[i].module ? s.rows[i].module : "", (unsigned long long)s.rows[i].count,
                    (unsigned long long)s.rows[i].shallow, (unsigned long long)s.rows[i].retained,
                    (unsigned long long)s.rows[i].unreachable_count,
                    (unsigned long long)s.rows[i].unreachable_shallow);
        }
        expected_free(&x);
        hd_stats_free(&s);
    }
    if (m.count) {
        fprintf(stderr, "FAIL %s seed=0x%llx (rerun: %s=0x%llx) %s\n%.*s", what,
                (unsigned long long)seed,
                g->meta.type_multiplier ? "HD_STATS_SAMPLED_SEED" : "HD_STATS_SEED",
                (unsigned long long)seed, desc ? desc : "", (int)m.len, m.text);
        if (g->n_nodes <= 80) {
            gg_dump(g, stderr);
            if (g->meta.type_multiplier)
                for (uint32_t t = 0; t < g->types.count; t++)
                    fprintf(stderr, "  multiplier %s = %g\n", hd_type_name(g, t),
                            g->meta.type_multiplier[t]);
        }
    }
    hd_dom_free(&d);
    gg_dom_free(&ref);
    free(w);
    return m.count;
}

/* ---- random graphs ----------------------------------------------------------------------- */

/* Names and the base name the test expects for each (size buckets are merged by default). */
static const struct {
    const char *full, *base;
} NAMES[] = {
    {"Foo", "Foo"},
    {"Bar", "Bar"},
    {"System.String", "System.String"},
    {"Node[]", "Node[]"},
    {"System.Byte[]", "System.Byte[]"},
    {"System.Byte[] (Bytes > 10K)", "System.Byte[]"},
    {"System.Object[] (Bytes > 1K,Ptrs,ElemSize=8)", "System.Object[]"},
    {"Qux (Generic)", "Qux (Generic)"},
};
static const char *const MODULES[] = {NULL, "mA.dll", "mB.dll"};
#define N_NAMES (sizeof NAMES / sizeof *NAMES)

/* Records what the test knows about type id t (growing ti as needed). */
static void know_type(tinfo **ti, uint32_t *cap, uint32_t t, const char *full, const char *base,
                      const char *module, double mult)
{
    if (t >= *cap) {
        uint32_t nc = (t + 1) * 2;
        *ti = realloc(*ti, nc * sizeof **ti);
        assert_non_null(*ti);
        *cap = nc;
    }
    (*ti)[t].full = full;
    (*ti)[t].base = base;
    (*ti)[t].module = module;
    (*ti)[t].mult = mult;
}

static unsigned one_random(uint64_t seed, int sampled)
{
    gg_rng r;
    gg_seed(&r, seed);
    gg_edges e;
    gg_edges_init(&e);
    hd_node root;
    char desc[240];
    uint32_t n = gg_random_edges(&r, 1, 300, &e, &root, desc, sizeof desc);
    hd_graph g;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(gg_build(&g, n, &e, root, &err), HD_OK);
    gg_edges_free(&e);

    tinfo *ti = NULL;
    uint32_t cap = 0;
    know_type(&ti, &cap, 0, "Node", "Node", NULL, 1); /* gg_build's default type */
    assert_int_equal(g.types.count, 1);
    /* Few types, so that instances of a row often dominate each other. */
    uint32_t k = 1 + gg_below(&r, gg_chance(&r, 50) ? 3 : 6), types[8];
    static const double mults[] = {1, 2, 3, 7};
    for (uint32_t i = 0; i < k; i++) {
        uint32_t ni = gg_below(&r, N_NAMES);
        const char *mod = MODULES[gg_below(&r, 3)];
        types[i] = gg_type(&g, NAMES[ni].full, mod); /* may repeat an earlier pick */
        know_type(&ti, &cap, types[i], NAMES[ni].full, NAMES[ni].base, mod,
                  sampled ? mults[gg_below(&r, 4)] : 1);
    }
    uint32_t pseudo = gg_type(&g, "[.NET Roots]", NULL);
    know_type(&ti, &cap, pseudo, "[.NET Roots]", "[.NET Roots]", NULL, 1);
    if (sampled) {
        g.meta.type_multiplier = calloc(g.types.count, sizeof(float));
        assert_non_null(g.meta.type_multiplier);
        for (uint32_t t = 0; t < g.types.count; t++) g.meta.type_multiplier[t] = (float)ti[t].mult;
        g.meta.avg_count_multiplier = 2.5f;
        g.meta.avg_size_multiplier = 3.25f;
    }
    for (uint32_t v = 0; v < n; v++) {
        uint64_t size;
        unsigned pick = gg_below(&r, 100);
        if (v == root && gg_chance(&r, 70)) {
            g.type[v] = pseudo;
            size = 0;
        } else {
            g.type[v] = types[gg_below(&r, k)];
            size = pick < 15 ? 0 : pick < 99 ? 1 + gg_below(&r, 200) : (5ull << 30) + pick;
        }
        assert_int_equal(hd_graph_set_size(&g, v, size, &err), HD_OK);
    }
    unsigned bad =
        check_graph(sampled ? "random sampled graph" : "random graph", seed, desc, &g, ti);
    free(ti);
    hd_graph_free(&g);
    return bad;
}

static void random_loop(const char *seed_env, uint64_t base, uint64_t iters, int sampled)
{
    int one;
    uint64_t seed = env_u64(seed_env, 0, &one);
    if (one) {
        assert_int_equal(one_random(seed, sampled), 0);
        return;
    }
    unsigned failures = 0;
    for (uint64_t i = 0; i < iters && failures < MAX_PRINTED_FAILURES; i++)
        if (one_random(base + i, sampled)) failures++;
    if (failures)
        fail_msg("%u random graph(s) disagree with the definitions (see above)", failures);
}

static void test_random_graphs(void **state)
{
    (void)state;
    random_loop("HD_STATS_SEED", SEED_BASE, env_u64("HD_STATS_ITERS", 20000, NULL), 0);
}

static void test_random_sampled_graphs(void **state)
{
    (void)state;
    random_loop("HD_STATS_SAMPLED_SEED", SEED_BASE + 0x100000,
                env_u64("HD_STATS_ITERS", 20000, NULL) / 4, 1);
}

/* ---- hand-checked cases ------------------------------------------------------------------ */

typedef struct hand_node {
    const char *type, *module;
    uint64_t size;
} hand_node;

/* Builds a graph from literal nodes (types interned in order of appearance) and edges. */
static void build_hand(hd_graph *g, const hand_node *nodes, uint32_t n, const uint32_t (*edges)[2],
                       size_t m, hd_node root)
{
    gg_edges e;
    gg_edges_init(&e);
    for (size_t k = 0; k < m; k++) gg_edge(&e, edges[k][0], edges[k][1]);
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(gg_build(g, n, &e, root, &err), HD_OK);
    gg_edges_free(&e);
    for (uint32_t v = 0; v < n; v++) {
        g->type[v] = gg_type(g, nodes[v].type, nodes[v].module);
        assert_int_equal(hd_graph_set_size(g, v, nodes[v].size, &err), HD_OK);
    }
}

typedef struct hand_row {
    const char *name, *module;
    uint64_t count, shallow, retained, ucount, ushallow;
} hand_row;

/* Checks s row by row, in order, against a hand-written table. */
static void expect_rows(const char *what, const hd_stats *s, const hand_row *rows, uint32_t n)
{
    msgbuf m = {0};
    if (s->n_rows != n) note(&m, "n_rows: expected %u, got %u\n", n, s->n_rows);
    for (uint32_t i = 0; i < n && i < s->n_rows; i++) {
        const hd_type_row *got = &s->rows[i];
        const hand_row *want = &rows[i];
        if (strcmp(got->name, want->name) != 0 || !same_str(got->module, want->module)) {
            note(&m, "row %u: expected \"%s\" module %s, got \"%s\" module %s\n", i, want->name,
                 want->module ? want->module : "(none)", got->name,
                 got->module ? got->module : "(none)");
            continue;
        }
        if (got->count != want->count || got->shallow != want->shallow ||
            got->retained != want->retained || got->unreachable_count != want->ucount ||
            got->unreachable_shallow != want->ushallow)
            note(&m,
                 "row %u \"%s\": expected count %llu shallow %llu retained %llu unreachable "
                 "%llu/%llu, got %llu %llu %llu %llu/%llu\n",
                 i, want->name, (unsigned long long)want->count, (unsigned long long)want->shallow,
                 (unsigned long long)want->retained, (unsigned long long)want->ucount,
                 (unsigned long long)want->ushallow, (unsigned long long)got->count,
                 (unsigned long long)got->shallow, (unsigned long long)got->retained,
                 (unsigned long long)got->unreachable_count,
                 (unsigned long long)got->unreachable_shallow);
    }
    if (m.count) fail_msg("%s:\n%.*s", what, (int)m.len, m.text);
}

/* The hand-checked tests keep their graph, dominators and stats in a fixture so that a failing
 * assertion (which leaves the test at once) still frees them: no leak reports under ASan. */
typedef struct hand_ctx {
    hd_graph g;
    hd_dom d;
    hd_stats s;
} hand_ctx;

static int hand_setup(void **state)
{
    hand_ctx *c = calloc(1, sizeof *c);
    if (!c) return -1;
    hd_graph_init(&c->g);
    *state = c;
    return 0;
}

static int hand_teardown(void **state)
{
    hand_ctx *c = *state;
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
    free(c);
    return 0;
}

/* shared/tools/devtools-oracle/README.md: root -> "(GC roots)" -> Foo(100), Bar(50); both ->
 * Baz(30); Bar has a weak edge to Foo. DevTools: retained root 180, (GC roots) 180, Foo 100,
 * Bar 50, Baz 30. Baz is retained by two objects, so its idom is "(GC roots)": no row holds it
 * but its own. The weak edge is recorded, never followed. */
static void test_devtools_five_nodes(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0}, {"(GC roots)", NULL, 0}, {"Foo", NULL, 100},
        {"Bar", NULL, 50},   {"Baz", NULL, 30},
    };
    static const uint32_t edges[][2] = {{0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 4}};
    build_hand(&c->g, nodes, 5, edges, 5, 0);
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(hd_graph_add_weak(&c->g, 3, 2, &err), HD_OK);
    run_dom(&c->g, &c->d);
    assert_int_equal(c->d.retained[0], 180);
    assert_int_equal(c->d.retained[1], 180);
    assert_int_equal(c->d.retained[2], 100);
    assert_int_equal(c->d.retained[3], 50);
    assert_int_equal(c->d.retained[4], 30);
    assert_int_equal(c->d.idom[4], 1);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row rows[] = {
        {"Foo", NULL, 1, 100, 100, 0, 0},
        {"Bar", NULL, 1, 50, 50, 0, 0},
        {"Baz", NULL, 1, 30, 30, 0, 0},
    };
    expect_rows("DevTools five-node example", &c->s, rows, 3);
    assert_int_equal(c->s.totals.count, 3);
    assert_int_equal(c->s.totals.shallow, 180);
    assert_int_equal(c->s.totals.pseudo_nodes, 2);
    assert_int_equal(c->s.totals.types, 3);
    assert_int_equal(c->s.totals.nodes, 5);
    assert_int_equal(c->s.totals.edges, 5);
    assert_int_equal(c->s.totals.unreachable_count, 0);
    assert_false(c->s.sampled);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* A linked list with a foreign object in the middle: A1 -> A2 -> B -> A3 -> B2. Row A retains
 * what A1 retains (A2 and A3 are nested in it); row B adds B (which holds A3 and B2) and not
 * B2 (nested in B). Rows may retain more than the heap together: that is DevTools' definition. */
static void test_nesting(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0}, {"A", NULL, 10}, {"A", NULL, 20},
        {"B", NULL, 5},      {"A", NULL, 7},  {"B", NULL, 3},
    };
    static const uint32_t edges[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}};
    build_hand(&c->g, nodes, 6, edges, 5, 0);
    run_dom(&c->g, &c->d);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row rows[] = {
        {"A", NULL, 3, 37, 45, 0, 0},
        {"B", NULL, 2, 8, 15, 0, 0},
    };
    expect_rows("nested instances", &c->s, rows, 2);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* Two T objects share a third: root -> X(T,10), Y(T,10); X, Y -> Z(T,5). Z's idom is the root,
 * so Z is not nested in any T instance and row T retains 10 + 10 + 5. */
static void test_shared_child_same_type(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0}, {"T", NULL, 10}, {"T", NULL, 10}, {"T", NULL, 5}};
    static const uint32_t edges[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}};
    build_hand(&c->g, nodes, 4, edges, 4, 0);
    run_dom(&c->g, &c->d);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row rows[] = {{"T", NULL, 3, 25, 25, 0, 0}};
    expect_rows("shared child of the same type", &c->s, rows, 1);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* A size-0 node is never an instance, even of a type that has sized instances, so it neither
 * adds its retained size nor hides the instances below it: root -> X(T, size 0) -> Y(T, 10),
 * X -> W(U, 4). Row T retains Y (10), not X (14). */
static void test_size_zero_ancestor(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0}, {"T", NULL, 0}, {"T", NULL, 10}, {"U", NULL, 4}};
    static const uint32_t edges[][2] = {{0, 1}, {1, 2}, {1, 3}};
    build_hand(&c->g, nodes, 4, edges, 3, 0);
    run_dom(&c->g, &c->d);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row rows[] = {{"T", NULL, 1, 10, 10, 0, 0}, {"U", NULL, 1, 4, 4, 0, 0}};
    expect_rows("size-0 ancestor of the same type", &c->s, rows, 2);
    assert_int_equal(c->s.totals.pseudo_nodes, 2);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* Unreachable objects: counted apart, never in retained sizes; a type with only unreachable
 * instances is a row with count 0; unreachable size-0 nodes are pseudo nodes, not objects. */
static void test_unreachable(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0}, {"A", NULL, 10}, {"A", NULL, 20}, /* 2 unreachable */
        {"Ghost", NULL, 40},                                   /* unreachable, holds 2 */
        {"Ghost", NULL, 0},                                    /* unreachable pseudo */
        {"B", NULL, 1},
    };
    static const uint32_t edges[][2] = {{0, 1}, {1, 5}, {3, 2}, {2, 1}, {4, 3}};
    build_hand(&c->g, nodes, 6, edges, 5, 0);
    run_dom(&c->g, &c->d);
    assert_int_equal(c->d.n_reachable, 3);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row rows[] = {
        {"A", NULL, 1, 10, 11, 1, 20},
        {"B", NULL, 1, 1, 1, 0, 0},
        {"Ghost", NULL, 0, 0, 0, 1, 40},
    };
    expect_rows("unreachable objects", &c->s, rows, 3);
    assert_int_equal(c->s.totals.count, 2);
    assert_int_equal(c->s.totals.shallow, 11);
    assert_int_equal(c->s.totals.unreachable_count, 2);
    assert_int_equal(c->s.totals.unreachable_shallow, 60);
    assert_int_equal(c->s.totals.pseudo_nodes, 2);
    assert_int_equal(c->d.retained[c->g.root], 11);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* The same name in two modules is one row by default and two with HD_ROWS_BY_MODULE; nesting
 * across the modules hides the inner one only when they are one row. A type with no module
 * is its own group by module. */
static void test_modules(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0},  {"Foo", "m1.dll", 8}, {"Foo", "m2.dll", 4},
        {"Foo", "m2.dll", 2}, {"Foo", NULL, 1},     {"Bar", "m1.dll", 16},
    };
    /* root -> Foo@m1 -> Foo@m2 -> Foo@m2' ; root -> Foo(no module); root -> Bar */
    static const uint32_t edges[][2] = {{0, 1}, {1, 2}, {2, 3}, {0, 4}, {0, 5}};
    build_hand(&c->g, nodes, 6, edges, 5, 0);
    run_dom(&c->g, &c->d);
    run_stats(&c->g, &c->d, 0, &c->s);
    /* Sorted by retained: Bar (16) before Foo (15). */
    static const hand_row merged[] = {
        {"Bar", NULL, 1, 16, 16, 0, 0},
        {"Foo", NULL, 4, 15, 15, 0, 0},
    };
    expect_rows("same name in two modules, grouped by name", &c->s, merged, 2);
    hd_stats_free(&c->s);

    run_stats(&c->g, &c->d, HD_ROWS_BY_MODULE, &c->s);
    static const hand_row split[] = {
        {"Bar", "m1.dll", 1, 16, 16, 0, 0},
        {"Foo", "m1.dll", 1, 8, 14, 0, 0},
        {"Foo", "m2.dll", 2, 6, 6, 0, 0},
        {"Foo", NULL, 1, 1, 1, 0, 0},
    };
    expect_rows("same name in two modules, by module", &c->s, split, 4);
    assert_int_equal(c->s.totals.types, 4);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* Size buckets ("System.Byte[] (Bytes > 10K)") join their type's row unless raw names are
 * asked for; a bucket nested in a plain instance is nested in the row. */
static void test_size_buckets(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0},
        {"System.Byte[]", NULL, 100},
        {"System.Byte[] (Bytes > 10K)", NULL, 20000},
        {"System.Byte[] (Bytes > 10K)", NULL, 30000},
    };
    static const uint32_t edges[][2] = {{0, 1}, {1, 2}, {0, 3}};
    build_hand(&c->g, nodes, 4, edges, 3, 0);
    run_dom(&c->g, &c->d);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row merged[] = {{"System.Byte[]", NULL, 3, 50100, 50100, 0, 0}};
    expect_rows("size buckets merged", &c->s, merged, 1);
    hd_stats_free(&c->s);
    run_stats(&c->g, &c->d, HD_ROWS_RAW_NAMES, &c->s);
    static const hand_row raw[] = {
        {"System.Byte[] (Bytes > 10K)", NULL, 2, 50000, 50000, 0, 0},
        {"System.Byte[]", NULL, 1, 100, 20100, 0, 0},
    };
    expect_rows("size buckets with raw names", &c->s, raw, 2);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* Ties: equal retained and shallow sizes fall back to count, then name. */
static void test_order_ties(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0}, {"Zed", NULL, 10}, {"Alpha", NULL, 10},
        {"Mid", NULL, 5},    {"Mid", NULL, 5},  {"Big", NULL, 11},
    };
    static const uint32_t edges[][2] = {{0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}};
    build_hand(&c->g, nodes, 6, edges, 5, 0);
    run_dom(&c->g, &c->d);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row rows[] = {
        {"Big", NULL, 1, 11, 11, 0, 0},
        {"Mid", NULL, 2, 10, 10, 0, 0},
        {"Alpha", NULL, 1, 10, 10, 0, 0},
        {"Zed", NULL, 1, 10, 10, 0, 0},
    };
    expect_rows("ties", &c->s, rows, 4);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* Sampled snapshots: every instance stands for `multiplier` objects of its type, so counts and
 * bytes scale (PerfView: count = multiplier, metric = size x multiplier), retained sizes too;
 * unreachable objects scale the same way. */
static void test_sampled_hand(void **state)
{
    hand_ctx *c = *state;
    static const hand_node nodes[] = {
        {"[root]", NULL, 0}, {"S", NULL, 10}, {"S", NULL, 6}, {"K", NULL, 4}, {"K", NULL, 100},
    };
    /* root -> S1 -> S2 -> K1; K2 unreachable */
    static const uint32_t edges[][2] = {{0, 1}, {1, 2}, {2, 3}};
    build_hand(&c->g, nodes, 5, edges, 3, 0);
    c->g.meta.type_multiplier = calloc(c->g.types.count, sizeof(float));
    assert_non_null(c->g.meta.type_multiplier);
    for (uint32_t t = 0; t < c->g.types.count; t++) {
        const char *name = hd_type_name(&c->g, t);
        c->g.meta.type_multiplier[t] = strcmp(name, "S") == 0   ? 3.0f
                                       : strcmp(name, "K") == 0 ? 2.0f
                                                                : 1.0f;
    }
    c->g.meta.avg_count_multiplier = 2.5f;
    c->g.meta.avg_size_multiplier = 2.75f;
    run_dom(&c->g, &c->d);
    assert_int_equal(c->d.retained[1], 30 + 18 + 8);
    assert_int_equal(c->d.retained[0], 56);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row rows[] = {
        {"S", NULL, 6, 48, 56, 0, 0},
        {"K", NULL, 2, 8, 8, 2, 200},
    };
    expect_rows("sampled graph", &c->s, rows, 2);
    assert_true(c->s.sampled);
    assert_true(c->s.avg_count_multiplier == 2.5f);
    assert_true(c->s.avg_size_multiplier == 2.75f);
    assert_int_equal(c->s.totals.count, 8);
    assert_int_equal(c->s.totals.shallow, 56);
    assert_int_equal(c->s.totals.unreachable_count, 2);
    assert_int_equal(c->s.totals.unreachable_shallow, 200);
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

/* Retained sums beyond 32 bits per row. */
static void test_big_rows(void **state)
{
    hand_ctx *c = *state;
    hand_node nodes[2002];
    uint32_t edges[2001][2];
    nodes[0] = (hand_node){"[root]", NULL, 0};
    for (uint32_t v = 1; v <= 2001; v++) {
        nodes[v] = (hand_node){v % 2 ? "Huge" : "Large", NULL, v % 2 ? (6ull << 30) : (3ull << 30)};
        edges[v - 1][0] = 0;
        edges[v - 1][1] = v;
    }
    build_hand(&c->g, nodes, 2002, (const uint32_t(*)[2])edges, 2001, 0);
    run_dom(&c->g, &c->d);
    run_stats(&c->g, &c->d, 0, &c->s);
    static const hand_row rows[] = {
        {"Huge", NULL, 1001, 1001ull * (6ull << 30), 1001ull * (6ull << 30), 0, 0},
        {"Large", NULL, 1000, 1000ull * (3ull << 30), 1000ull * (3ull << 30), 0, 0},
    };
    expect_rows("rows beyond 32 bits", &c->s, rows, 2);
    assert_int_equal(c->s.totals.shallow, 1001ull * (6ull << 30) + 1000ull * (3ull << 30));
    hd_stats_free(&c->s);
    hd_dom_free(&c->d);
    hd_graph_free(&c->g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_devtools_five_nodes, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_nesting, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_shared_child_same_type, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_size_zero_ancestor, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_unreachable, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_modules, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_size_buckets, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_order_ties, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_sampled_hand, hand_setup, hand_teardown),
        cmocka_unit_test_setup_teardown(test_big_rows, hand_setup, hand_teardown),
        cmocka_unit_test(test_random_graphs),
        cmocka_unit_test(test_random_sampled_graphs),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
