/* Property tests of hd_dominators: immediate dominators, retained sizes, n_reachable and the
 * dominator-respecting order, against the brute-force definition on thousands of random graphs,
 * against Cooper–Harvey–Kennedy on bigger ones, and against hand-derived answers on structured
 * graphs (including million-node chains, stars and trees that a recursive walk would not
 * survive).
 *
 * Environment: HD_DOM_SEED=N runs only the random graph of that seed (printed on failure, with
 * the graph when it is small); HD_DOM_ITERS=N changes how many random graphs are drawn. */
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

#define SEED_BASE 0x5EED000000ull
#define MAX_PRINTED_FAILURES 5

static uint64_t env_u64(const char *name, uint64_t dflt, int *set)
{
    const char *s = getenv(name);
    if (set) *set = s && *s;
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

static uint64_t *weights_of(const hd_graph *g)
{
    uint64_t *w = malloc((g->n_nodes + 1) * sizeof *w);
    assert_non_null(w);
    for (uint32_t v = 0; v < g->n_nodes; v++) w[v] = hd_node_size(g, v);
    return w;
}

static void run_dom(const hd_graph *g, hd_dom *d)
{
    hd_error err;
    hd_error_clear(&err);
    memset(d, 0, sizeof *d);
    int rc = hd_dominators(g, d, &err);
    if (rc != HD_OK) fail_msg("hd_dominators failed: code %d: %s", rc, err.msg);
}

/* Appends to a bounded message buffer. */
typedef struct msgbuf {
    char text[2048];
    size_t len;
    unsigned count;
} msgbuf;

static void note(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(msgbuf *m, const char *fmt, ...)
{
    if (m->count++ >= 8 || m->len >= sizeof m->text - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(m->text + m->len, sizeof m->text - m->len, fmt, ap);
    va_end(ap);
    if (k > 0) m->len += (size_t)k;
    if (m->len > sizeof m->text - 1) m->len = sizeof m->text - 1;
}

/* Checks d->order: n_reachable entries, each a reachable node once, the root first, and every
 * node after its immediate dominator (as the library reports it). */
static void check_order(const hd_graph *g, const hd_dom *d, const uint8_t *reachable, msgbuf *m)
{
    uint32_t n = g->n_nodes;
    uint32_t *pos = malloc((n + 1) * sizeof *pos);
    assert_non_null(pos);
    for (uint32_t v = 0; v < n; v++) pos[v] = HD_NODE_NONE;
    if (d->n_reachable && !d->order) {
        note(m, "order is NULL with n_reachable %u\n", d->n_reachable);
        free(pos);
        return;
    }
    for (uint32_t i = 0; i < d->n_reachable; i++) {
        uint32_t v = d->order[i];
        if (v >= n) {
            note(m, "order[%u] = %u is not a node\n", i, v);
            continue;
        }
        if (pos[v] != HD_NODE_NONE) note(m, "order lists node %u twice (%u, %u)\n", v, pos[v], i);
        if (reachable && !reachable[v]) note(m, "order[%u] = %u is unreachable\n", i, v);
        pos[v] = i;
    }
    if (d->n_reachable && d->order[0] != g->root)
        note(m, "order[0] = %u, not the root %u\n", d->order[0], g->root);
    for (uint32_t v = 0; v < n; v++) {
        if (reachable && reachable[v] && pos[v] == HD_NODE_NONE)
            note(m, "reachable node %u missing from order\n", v);
        uint32_t p = d->idom[v];
        if (pos[v] != HD_NODE_NONE && p != HD_NODE_NONE) {
            if (p >= n)
                note(m, "idom[%u] = %u is not a node\n", v, p);
            else if (pos[p] == HD_NODE_NONE || pos[p] > pos[v])
                note(m, "node %u (order %u) comes before its idom %u (order %u)\n", v, pos[v], p,
                     pos[p]);
        }
    }
    free(pos);
}

/* Compares the library's answer with a reference. */
static void compare(const hd_graph *g, const hd_dom *d, const gg_dom *ref, msgbuf *m)
{
    if (d->n_nodes != g->n_nodes) note(m, "d.n_nodes %u, expected %u\n", d->n_nodes, g->n_nodes);
    if (d->n_reachable != ref->n_reachable)
        note(m, "n_reachable: expected %u, got %u\n", ref->n_reachable, d->n_reachable);
    if (!d->idom || !d->retained) {
        note(m, "idom or retained is NULL\n");
        return;
    }
    for (uint32_t v = 0; v < g->n_nodes; v++) {
        if (d->idom[v] != ref->idom[v])
            note(m, "idom[%u]: expected %d, got %d\n", v, (int)ref->idom[v], (int)d->idom[v]);
        if (d->retained[v] != ref->retained[v])
            note(m, "retained[%u]: expected %llu, got %llu\n", v,
                 (unsigned long long)ref->retained[v], (unsigned long long)d->retained[v]);
    }
    check_order(g, d, ref->reachable, m);
}

static void report(const char *what, uint64_t seed, const char *desc, const hd_graph *g,
                   const msgbuf *m)
{
    fprintf(stderr, "FAIL %s seed=0x%llx (rerun: HD_DOM_SEED=0x%llx) %s\n%.*s", what,
            (unsigned long long)seed, (unsigned long long)seed, desc ? desc : "", (int)m->len,
            m->text);
    if (m->count > 8) fprintf(stderr, "  ... %u mismatches in all\n", m->count);
    if (g->n_nodes <= 80) gg_dump(g, stderr);
}

/* Random sizes: some 0, mostly small, a few of 4 GiB and more (set in node order, as the side
 * table requires). */
static void random_sizes(hd_graph *g, gg_rng *r)
{
    hd_error err;
    hd_error_clear(&err);
    for (uint32_t v = 0; v < g->n_nodes; v++) {
        uint64_t s;
        unsigned pick = gg_below(r, 100);
        if (pick < 20)
            s = 0;
        else if (pick < 98)
            s = 1 + gg_below(r, 1000);
        else
            s = (1ull << 32) + gg_next(r) % (1ull << 36);
        assert_int_equal(hd_graph_set_size(g, v, s, &err), HD_OK);
    }
}

/* ---- random graphs against the brute force ----------------------------------------------- */

static int one_random(uint64_t seed, int check_chk)
{
    gg_rng r;
    gg_seed(&r, seed);
    gg_edges e;
    gg_edges_init(&e);
    hd_node root;
    char desc[200];
    uint32_t n = gg_random_edges(&r, 1, 300, &e, &root, desc, sizeof desc);
    hd_graph g;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(gg_build(&g, n, &e, root, &err), HD_OK);
    gg_edges_free(&e);
    random_sizes(&g, &r);

    uint64_t *w = weights_of(&g);
    gg_dom ref;
    gg_brute_dominators(&g, w, &ref);
    hd_dom d;
    run_dom(&g, &d);
    msgbuf m = {0};
    compare(&g, &d, &ref, &m);
    int failed = m.count != 0;
    if (failed) report("random graph vs brute force", seed, desc, &g, &m);

    if (check_chk) {
        /* The second reference must itself agree with the definition. */
        gg_dom chk;
        gg_chk_dominators(&g, w, &chk);
        msgbuf mc = {0};
        for (uint32_t v = 0; v < n; v++)
            if (chk.idom[v] != ref.idom[v] || chk.retained[v] != ref.retained[v])
                note(&mc, "reference CHK disagrees with brute force at node %u\n", v);
        if (chk.n_reachable != ref.n_reachable) note(&mc, "reference CHK n_reachable\n");
        if (mc.count) {
            report("test self-check (CHK reference)", seed, desc, &g, &mc);
            failed = 1;
        }
        gg_dom_free(&chk);
    }
    gg_dom_free(&ref);
    hd_dom_free(&d);
    free(w);
    hd_graph_free(&g);
    return failed;
}

static void test_random_vs_brute_force(void **state)
{
    (void)state;
    int one;
    uint64_t seed = env_u64("HD_DOM_SEED", 0, &one);
    if (one) {
        assert_int_equal(one_random(seed, 1), 0);
        return;
    }
    uint64_t iters = env_u64("HD_DOM_ITERS", 4000, NULL);
    unsigned failures = 0;
    for (uint64_t i = 0; i < iters; i++) {
        if (one_random(SEED_BASE + i, i < 1000)) {
            failures++;
            if (failures >= MAX_PRINTED_FAILURES) break;
        }
    }
    if (failures)
        fail_msg("%u random graph(s) disagree with the brute force (see above)", failures);
}

/* Medium graphs (1,000 to 60,000 nodes) against Cooper–Harvey–Kennedy. */
static void test_random_vs_chk(void **state)
{
    (void)state;
    unsigned failures = 0;
    for (uint64_t i = 0; i < 40 && failures < MAX_PRINTED_FAILURES; i++) {
        uint64_t seed = SEED_BASE + 0x100000 + i;
        gg_rng r;
        gg_seed(&r, seed);
        uint32_t n = 1000 + gg_below(&r, 59001);
        gg_edges e;
        gg_edges_init(&e);
        hd_node root;
        char desc[200];
        gg_random_edges(&r, n, n, &e, &root, desc, sizeof desc);
        hd_graph g;
        hd_error err;
        hd_error_clear(&err);
        assert_int_equal(gg_build(&g, n, &e, root, &err), HD_OK);
        gg_edges_free(&e);
        random_sizes(&g, &r);
        uint64_t *w = weights_of(&g);
        gg_dom ref;
        gg_chk_dominators(&g, w, &ref);
        hd_dom d;
        run_dom(&g, &d);
        msgbuf m = {0};
        compare(&g, &d, &ref, &m);
        if (m.count) {
            report("medium random graph vs CHK", seed, desc, &g, &m);
            failures++;
        }
        gg_dom_free(&ref);
        hd_dom_free(&d);
        free(w);
        hd_graph_free(&g);
    }
    if (failures) fail_msg("%u medium graph(s) disagree with CHK (see above)", failures);
}

/* ---- structured graphs with hand-derived answers ----------------------------------------- */

/* Builds a graph from a literal edge list, all sizes 1 unless sizes is given. */
static void build_literal(hd_graph *g, uint32_t n, const uint32_t (*edges)[2], size_t m,
                          hd_node root, const uint64_t *sizes)
{
    gg_edges e;
    gg_edges_init(&e);
    for (size_t k = 0; k < m; k++) gg_edge(&e, edges[k][0], edges[k][1]);
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(gg_build(g, n, &e, root, &err), HD_OK);
    gg_edges_free(&e);
    if (sizes)
        for (uint32_t v = 0; v < n; v++)
            assert_int_equal(hd_graph_set_size(g, v, sizes[v], &err), 0);
}

/* Checks the library against expected idoms (and retained, if given, else the brute force's),
 * and against the brute force in any case when the graph is small. */
static void expect(const char *what, const hd_graph *g, const uint32_t *idom,
                   const uint64_t *retained, uint32_t n_reachable)
{
    hd_dom d;
    run_dom(g, &d);
    msgbuf m = {0};
    uint32_t n = g->n_nodes;
    if (d.n_reachable != n_reachable)
        note(&m, "n_reachable: expected %u, got %u\n", n_reachable, d.n_reachable);
    for (uint32_t v = 0; v < n; v++) {
        if (d.idom[v] != idom[v])
            note(&m, "idom[%u]: expected %d, got %d\n", v, (int)idom[v], (int)d.idom[v]);
        if (retained && d.retained[v] != retained[v])
            note(&m, "retained[%u]: expected %llu, got %llu\n", v, (unsigned long long)retained[v],
                 (unsigned long long)d.retained[v]);
    }
    check_order(g, &d, NULL, &m);
    if (n <= 2000) {
        uint64_t *w = weights_of(g);
        gg_dom ref;
        gg_brute_dominators(g, w, &ref);
        for (uint32_t v = 0; v < n; v++)
            if (ref.idom[v] != idom[v])
                note(&m, "TEST BUG: hand idom[%u] disagrees with brute\n", v);
        compare(g, &d, &ref, &m);
        gg_dom_free(&ref);
        free(w);
    }
    if (m.count) report(what, 0, "", g, &m);
    hd_dom_free(&d);
    if (m.count) fail_msg("%s: %u mismatches (see above)", what, m.count);
}

/* Retained sizes from expected idoms, for graphs where every idom has a smaller id than the
 * node it dominates (so a reverse sweep accumulates subtrees). */
static uint64_t *retained_by_reverse_sweep(const hd_graph *g, const uint32_t *idom)
{
    uint32_t n = g->n_nodes;
    uint64_t *ret = malloc((n + 1) * sizeof *ret);
    assert_non_null(ret);
    for (uint32_t v = 0; v < n; v++) ret[v] = hd_node_size(g, v);
    for (uint32_t v = n; v-- > 0;)
        if (idom[v] != HD_NODE_NONE) {
            assert_true(idom[v] < v);
            ret[idom[v]] += ret[v];
        }
    return ret;
}

/* Lengauer & Tarjan 1979, figure 1: R=0, A..L = 1..12. */
static void test_lengauer_tarjan_example(void **state)
{
    (void)state;
    enum { R, A, B, C, D, E, F, G, H, I, J, K, L, N };
    static const uint32_t edges[][2] = {
        {R, A}, {R, B}, {R, C}, {A, D}, {B, A}, {B, D}, {B, E}, {C, F}, {C, G}, {D, L}, {E, H},
        {F, I}, {G, I}, {G, J}, {H, E}, {H, K}, {I, K}, {J, I}, {K, I}, {K, R}, {L, H},
    };
    /* Hand-derived: D is entered from A and B, H from E and L, I from F, G, J and K, so all of
     * those hang off R; F and G are only entered from C, J only from G, L only from D. */
    static const uint32_t idom[N] = {
        [R] = HD_NODE_NONE,
        [A] = R,
        [B] = R,
        [C] = R,
        [D] = R,
        [E] = R,
        [F] = C,
        [G] = C,
        [H] = R,
        [I] = R,
        [J] = G,
        [K] = R,
        [L] = D,
    };
    /* Sizes 1, 2, 4, ... make every retained sum a distinct bit pattern. */
    uint64_t sizes[N];
    for (int v = 0; v < N; v++) sizes[v] = 1ull << v;
    uint64_t retained[N];
    for (int v = 0; v < N; v++) retained[v] = sizes[v];
    retained[G] += sizes[J];
    retained[C] += sizes[F] + retained[G];
    retained[D] += sizes[L];
    retained[R] = (1ull << N) - 1;
    hd_graph g;
    build_literal(&g, N, edges, sizeof edges / sizeof *edges, R, sizes);
    expect("Lengauer-Tarjan example", &g, idom, retained, N);
    hd_graph_free(&g);

    /* The same graph with its edge order reversed (another DFS tree, same dominators). */
    uint32_t rev[sizeof edges / sizeof *edges][2];
    size_t m = sizeof edges / sizeof *edges;
    for (size_t k = 0; k < m; k++) {
        rev[k][0] = edges[m - 1 - k][0];
        rev[k][1] = edges[m - 1 - k][1];
    }
    build_literal(&g, N, (const uint32_t(*)[2])rev, m, R, sizes);
    expect("Lengauer-Tarjan example, edges reversed", &g, idom, retained, N);
    hd_graph_free(&g);
}

static void test_diamond(void **state)
{
    (void)state;
    static const uint32_t edges[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}};
    static const uint32_t idom[] = {HD_NODE_NONE, 0, 0, 0, 3};
    static const uint64_t sizes[] = {0, 10, 20, 40, 80};
    static const uint64_t retained[] = {150, 10, 20, 120, 80};
    hd_graph g;
    build_literal(&g, 5, edges, 5, 0, sizes);
    expect("diamond", &g, idom, retained, 5);
    hd_graph_free(&g);
}

/* A ladder: root 0 -> a0; rails a_i -> a_{i+1} and b_i -> b_{i+1}; rungs a_i -> b_i. Each b_i
 * is entered from b_{i-1} and a_i, two paths that meet only at a0. */
static void test_ladder(void **state)
{
    (void)state;
    enum { RUNGS = 200 };
    uint32_t n = 1 + 2 * RUNGS;
#define A_(i) (1 + 2 * (i))
#define B_(i) (2 + 2 * (i))
    gg_edges e;
    gg_edges_init(&e);
    gg_edge(&e, 0, A_(0));
    for (uint32_t i = 0; i < RUNGS; i++) {
        gg_edge(&e, A_(i), B_(i));
        if (i + 1 < RUNGS) {
            gg_edge(&e, A_(i), A_(i + 1));
            gg_edge(&e, B_(i), B_(i + 1));
        }
    }
    hd_graph g;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(gg_build(&g, n, &e, 0, &err), HD_OK);
    gg_edges_free(&e);
    uint32_t *idom = malloc(n * sizeof *idom);
    uint64_t *ret = malloc(n * sizeof *ret);
    idom[0] = HD_NODE_NONE;
    for (uint32_t i = 0; i < RUNGS; i++) {
        idom[A_(i)] = i == 0 ? 0 : A_(i - 1);
        idom[B_(i)] = A_(0);
        ret[B_(i)] = 1;
        ret[A_(i)] = RUNGS - i; /* its own rail from here down */
    }
    ret[A_(0)] = 2 * RUNGS;
    ret[0] = n;
    expect("ladder", &g, idom, ret, n);
    free(idom);
    free(ret);
    hd_graph_free(&g);
#undef A_
#undef B_
}

/* Every ordered pair, self-loops included, root in the middle. */
static void test_complete_graph(void **state)
{
    (void)state;
    uint32_t n = 60, root = 23;
    gg_edges e;
    gg_edges_init(&e);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) gg_edge(&e, i, j);
    hd_graph g;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(gg_build(&g, n, &e, root, &err), HD_OK);
    gg_edges_free(&e);
    uint32_t idom[60];
    uint64_t ret[60];
    for (uint32_t v = 0; v < n; v++) {
        idom[v] = v == root ? HD_NODE_NONE : root;
        ret[v] = v == root ? n : 1;
    }
    expect("complete graph", &g, idom, ret, n);
    hd_graph_free(&g);
}

/* Small corner cases: a lone root, a lone root with a self-loop, a root without edges while the
 * other nodes form a cycle, edges only into the root, duplicate edges. */
static void test_corner_cases(void **state)
{
    (void)state;
    hd_graph g;
    {
        static const uint32_t idom[] = {HD_NODE_NONE};
        static const uint64_t ret[] = {7};
        static const uint64_t sizes[] = {7};
        build_literal(&g, 1, NULL, 0, 0, sizes);
        expect("single node", &g, idom, ret, 1);
        hd_graph_free(&g);
        static const uint32_t loop[][2] = {{0, 0}, {0, 0}};
        build_literal(&g, 1, loop, 2, 0, sizes);
        expect("single node with self-loops", &g, idom, ret, 1);
        hd_graph_free(&g);
    }
    {
        /* root 2 has no edges; 0 -> 1 -> 3 -> 0 and everything points at the root */
        static const uint32_t edges[][2] = {{0, 1}, {1, 3}, {3, 0}, {0, 2}, {1, 2}, {3, 2}};
        static const uint32_t idom[] = {HD_NODE_NONE, HD_NODE_NONE, HD_NODE_NONE, HD_NODE_NONE};
        static const uint64_t sizes[] = {1, 2, 4, 8};
        static const uint64_t ret[] = {0, 0, 4, 0};
        build_literal(&g, 4, edges, 6, 2, sizes);
        expect("root without edges", &g, idom, ret, 1);
        hd_graph_free(&g);
    }
    {
        /* duplicate and parallel edges, a self-loop on a non-root node, the root last */
        static const uint32_t edges[][2] = {{3, 0}, {3, 0}, {0, 1}, {0, 1}, {1, 1},
                                            {1, 2}, {0, 2}, {2, 3}, {2, 2}};
        static const uint32_t idom[] = {3, 0, 0, HD_NODE_NONE};
        static const uint64_t sizes[] = {1, 2, 4, 8};
        static const uint64_t ret[] = {7, 2, 4, 15};
        build_literal(&g, 4, edges, 9, 3, sizes);
        expect("duplicate edges", &g, idom, ret, 4);
        hd_graph_free(&g);
    }
}

/* A graph without a root (an empty graph, or a reader that never set one) is an error, not a
 * crash. */
static void test_no_root(void **state)
{
    (void)state;
    hd_graph g;
    hd_error err;
    hd_dom d;
    hd_graph_init(&g);
    hd_error_clear(&err);
    assert_int_equal(hd_graph_alloc(&g, 0, 0, &err), HD_OK);
    assert_int_not_equal(hd_dominators(&g, &d, &err), HD_OK);
    assert_true(err.msg[0] != 0);
    hd_dom_free(&d);
    hd_graph_free(&g);

    gg_edges e;
    gg_edges_init(&e);
    gg_edge(&e, 0, 1);
    hd_error_clear(&err);
    assert_int_equal(gg_build(&g, 3, &e, HD_NODE_NONE, &err), HD_OK);
    gg_edges_free(&e);
    assert_int_not_equal(hd_dominators(&g, &d, &err), HD_OK);
    hd_dom_free(&d);
    hd_graph_free(&g);
}

/* ---- a million nodes: nothing may recurse ------------------------------------------------ */

/* Overridable so the constructions themselves can be checked against the brute force at a
 * small size (cc -DBIG_N=1500 ...). */
#ifndef BIG_N
#define BIG_N 1000000
#endif
enum { MILLION = BIG_N };

static void big_expect(const char *what, gg_edges *e, uint32_t n, hd_node root,
                       const uint32_t *idom)
{
    hd_graph g;
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(gg_build(&g, n, e, root, &err), HD_OK);
    for (uint32_t v = 0; v < n; v++) g.size[v] = 1 + v % 7;
    uint64_t *ret = retained_by_reverse_sweep(&g, idom);
    expect(what, &g, idom, ret, n);
    uint64_t sum = 0;
    for (uint32_t v = 0; v < n; v++) sum += hd_node_size(&g, v);
    assert_int_equal(ret[root], sum);
    free(ret);
    hd_graph_free(&g);
}

static void test_chain_1m(void **state)
{
    (void)state;
    gg_edges e;
    gg_edges_init(&e);
    uint32_t *idom = malloc(MILLION * sizeof *idom);
    idom[0] = HD_NODE_NONE;
    for (uint32_t i = 1; i < MILLION; i++) {
        gg_edge(&e, i - 1, i);
        idom[i] = i - 1;
    }
    big_expect("chain of 1,000,000", &e, MILLION, 0, idom);
    gg_edges_free(&e);
    free(idom);
}

/* The same chain behind a head node 1, every link also pointing back at the head (listed first,
 * so a DFS tries the back edge before going deeper) and at the root. */
static void test_chain_back_edges_1m(void **state)
{
    (void)state;
    gg_edges e;
    gg_edges_init(&e);
    uint32_t *idom = malloc(MILLION * sizeof *idom);
    idom[0] = HD_NODE_NONE;
    for (uint32_t i = 1; i < MILLION; i++) {
        if (i > 1) gg_edge(&e, i - 1, 1);
        if (i % 3 == 0) gg_edge(&e, i - 1, 0);
        gg_edge(&e, i - 1, i);
        idom[i] = i - 1;
    }
    big_expect("chain of 1,000,000 with back edges to its head", &e, MILLION, 0, idom);
    gg_edges_free(&e);
    free(idom);
}

static void test_star_1m(void **state)
{
    (void)state;
    gg_edges e;
    gg_edges_init(&e);
    uint32_t *idom = malloc(MILLION * sizeof *idom);
    idom[0] = HD_NODE_NONE;
    for (uint32_t i = 1; i < MILLION; i++) {
        gg_edge(&e, 0, i);
        idom[i] = 0;
    }
    big_expect("star of 999,999 leaves", &e, MILLION, 0, idom);
    gg_edges_free(&e);
    free(idom);
}

/* A caterpillar 1,000,000 deep: spine s_k = 2k+1 with a leaf l_k = 2k+2; the leaf also points at
 * the next spine node, and that cross edge is listed first so the DFS tree runs through every
 * leaf (DFS depth ~1M, semidominators differ from DFS parents). */
static void test_caterpillar_1m(void **state)
{
    (void)state;
    uint32_t k_max = MILLION / 2 - 1, n = 2 * k_max + 1;
    gg_edges e;
    gg_edges_init(&e);
    uint32_t *idom = malloc(n * sizeof *idom);
    idom[0] = HD_NODE_NONE;
    gg_edge(&e, 0, 1);
    for (uint32_t k = 0; k < k_max; k++) {
        uint32_t s = 2 * k + 1, l = 2 * k + 2;
        gg_edge(&e, s, l);
        if (k + 1 < k_max) {
            gg_edge(&e, l, s + 2);
            gg_edge(&e, s, s + 2);
            idom[s + 2] = s;
        }
        idom[s] = k == 0 ? 0 : s - 2;
        idom[l] = s;
    }
    big_expect("caterpillar 1,000,000 deep with leaf cross edges", &e, n, 0, idom);
    gg_edges_free(&e);
    free(idom);
}

/* i -> i+1 and i -> i+2: DFS 1,000,000 deep, every node can be reached avoiding any single
 * other node, so every idom is the root. */
static void test_skip_chain_1m(void **state)
{
    (void)state;
    gg_edges e;
    gg_edges_init(&e);
    uint32_t *idom = malloc(MILLION * sizeof *idom);
    idom[0] = HD_NODE_NONE;
    for (uint32_t i = 0; i < MILLION; i++) {
        if (i + 1 < MILLION) gg_edge(&e, i, i + 1);
        if (i + 2 < MILLION) gg_edge(&e, i, i + 2);
        if (i) idom[i] = 0;
    }
    big_expect("skip chain of 1,000,000", &e, MILLION, 0, idom);
    gg_edges_free(&e);
    free(idom);
}

/* A random deep tree of 1,000,000 nodes (parent = the previous node 70% of the time, else one of
 * the 8 before: depth in the hundreds of thousands, branching everywhere), plus cross edges into
 * each node from other descendants of its parent and back edges to random ancestors. Neither
 * kind changes the dominator tree (idom = tree parent), but both change the DFS tree. */
static void test_deep_tree_cross_edges_1m(void **state)
{
    (void)state;
    gg_rng r;
    gg_seed(&r, SEED_BASE + 0x1000000);
    uint32_t n = MILLION;
    uint32_t *parent = malloc(n * sizeof *parent);
    parent[0] = HD_NODE_NONE;
    gg_edges e;
    gg_edges_init(&e);
    for (uint32_t v = 1; v < n; v++) {
        uint32_t back = gg_chance(&r, 70) ? 1 : 1 + gg_below(&r, 8);
        parent[v] = v >= back ? v - back : 0;
        gg_edge(&e, parent[v], v);
    }
    uint64_t cross = 0, backs = 0;
    for (uint32_t v = 1; v < n; v++) {
        uint32_t p = parent[v];
        /* A cross edge u -> v needs u in p's subtree but not in v's: try a u near p (before or
         * after v) and walk up from it (parents have smaller ids) until p, v or something
         * above p. */
        for (int tries = 0; tries < 4; tries++) {
            uint32_t u = p + 1 + gg_below(&r, 40), a = u;
            if (u >= n || u == v) continue;
            while (a != HD_NODE_NONE && a > p && a != v) a = parent[a];
            if (a == p) {
                gg_edge(&e, u, v);
                cross++;
                break;
            }
        }
        if (gg_chance(&r, 10)) {
            uint32_t a = v, up = 1 + gg_below(&r, 1000);
            for (uint32_t s = 0; s < up && parent[a] != HD_NODE_NONE; s++) a = parent[a];
            gg_edge(&e, v, a);
            backs++;
        }
    }
    gg_edges_shuffle(&e, &r);
    /* The tree must really be deep (a recursive DFS would need a frame per level). */
    uint32_t *depth = malloc(n * sizeof *depth), max_depth = 0;
    depth[0] = 0;
    for (uint32_t v = 1; v < n; v++)
        if ((depth[v] = depth[parent[v]] + 1) > max_depth) max_depth = depth[v];
    free(depth);
    assert_true(max_depth > n / 3);
    assert_true(cross > n / 6);
    assert_true(backs > n / 20);
    big_expect("deep tree of 1,000,000 with cross and back edges", &e, n, 0, parent);
    gg_edges_free(&e);
    free(parent);
}

/* ---- sizes of 4 GiB and more ------------------------------------------------------------- */

static void test_big_sizes(void **state)
{
    (void)state;
    /* A chain 0 -> 1 -> ... -> 9 with sizes around and beyond 32 bits. */
    static const uint64_t sizes[10] = {
        0,
        5ull << 30,    /* side table */
        0xFFFFFFFEull, /* largest compact size */
        0xFFFFFFFFull, /* equal to the escape value: must go to the side table */
        1ull << 40,    /* 1 TiB */
        3ull << 30,    /* 3 GiB: compact, but two of them overflow 32 bits */
        3ull << 30,
        0,
        1ull << 32,
        12345,
    };
    static const uint32_t edges[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5},
                                        {5, 6}, {6, 7}, {7, 8}, {8, 9}};
    hd_graph g;
    build_literal(&g, 10, edges, 9, 0, sizes);
    for (uint32_t v = 0; v < 10; v++) assert_int_equal(hd_node_size(&g, v), sizes[v]);
    uint32_t idom[10];
    uint64_t ret[10];
    idom[0] = HD_NODE_NONE;
    for (uint32_t v = 1; v < 10; v++) idom[v] = v - 1;
    uint64_t sum = 0;
    for (uint32_t v = 10; v-- > 0;) ret[v] = (sum += sizes[v]);
    expect("chain with sizes beyond 32 bits", &g, idom, ret, 10);
    hd_graph_free(&g);

    /* A star of 3,000 compact 3 GiB leaves: ~9 TiB at the root, no side table involved. */
    gg_edges e;
    gg_edges_init(&e);
    uint32_t n = 3001;
    for (uint32_t v = 1; v < n; v++) gg_edge(&e, 0, v);
    hd_error err;
    hd_error_clear(&err);
    assert_int_equal(gg_build(&g, n, &e, 0, &err), HD_OK);
    gg_edges_free(&e);
    g.size[0] = 0;
    for (uint32_t v = 1; v < n; v++) g.size[v] = 3u << 30;
    hd_dom d;
    run_dom(&g, &d);
    assert_int_equal(d.retained[0], 3000ull * (3ull << 30));
    assert_int_equal(d.retained[1], 3ull << 30);
    hd_dom_free(&d);
    hd_graph_free(&g);
}

/* ---- sampled graphs: retained sizes are sums of weights (size x type multiplier) ---------- */

static void test_sampled_weights(void **state)
{
    (void)state;
    static const float mults[] = {1.0f, 2.0f, 3.0f, 10.0f, 0.5f};
    unsigned failures = 0;
    for (uint64_t i = 0; i < 300 && failures < MAX_PRINTED_FAILURES; i++) {
        uint64_t seed = SEED_BASE + 0x200000 + i;
        gg_rng r;
        gg_seed(&r, seed);
        gg_edges e;
        gg_edges_init(&e);
        hd_node root;
        char desc[200];
        uint32_t n = gg_random_edges(&r, 1, 120, &e, &root, desc, sizeof desc);
        hd_graph g;
        hd_error err;
        hd_error_clear(&err);
        assert_int_equal(gg_build(&g, n, &e, root, &err), HD_OK);
        gg_edges_free(&e);
        uint32_t types[5];
        char name[16];
        for (int t = 0; t < 5; t++) {
            snprintf(name, sizeof name, "Sampled%d", t);
            types[t] = gg_type(&g, name, NULL);
        }
        g.meta.type_multiplier = calloc(g.types.count, sizeof(float));
        assert_non_null(g.meta.type_multiplier);
        for (int t = 0; t < 5; t++) g.meta.type_multiplier[types[t]] = mults[t];
        /* Even sizes keep the x0.5 weights exact. */
        uint64_t *w = malloc((n + 1) * sizeof *w);
        for (uint32_t v = 0; v < n; v++) {
            int t = (int)gg_below(&r, 5);
            g.type[v] = types[t];
            g.size[v] = gg_chance(&r, 15) ? 0 : 2 * (1 + gg_below(&r, 500));
            w[v] = (uint64_t)(g.size[v] * (double)mults[t]);
            assert_int_equal(hd_node_weight(&g, v), w[v]);
        }
        gg_dom ref;
        gg_brute_dominators(&g, w, &ref);
        hd_dom d;
        run_dom(&g, &d);
        msgbuf m = {0};
        compare(&g, &d, &ref, &m);
        if (m.count) {
            report("sampled graph (weights = size x multiplier)", seed, desc, &g, &m);
            failures++;
        }
        gg_dom_free(&ref);
        hd_dom_free(&d);
        free(w);
        hd_graph_free(&g);
    }
    if (failures) fail_msg("%u sampled graph(s) wrong (see above)", failures);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengauer_tarjan_example),
        cmocka_unit_test(test_diamond),
        cmocka_unit_test(test_ladder),
        cmocka_unit_test(test_complete_graph),
        cmocka_unit_test(test_corner_cases),
        cmocka_unit_test(test_no_root),
        cmocka_unit_test(test_big_sizes),
        cmocka_unit_test(test_random_vs_brute_force),
        cmocka_unit_test(test_random_vs_chk),
        cmocka_unit_test(test_sampled_weights),
        cmocka_unit_test(test_chain_1m),
        cmocka_unit_test(test_chain_back_edges_1m),
        cmocka_unit_test(test_star_1m),
        cmocka_unit_test(test_caterpillar_1m),
        cmocka_unit_test(test_skip_chain_1m),
        cmocka_unit_test(test_deep_tree_cross_edges_1m),
    };
    return cmocka_run_group_tests_name("dominators", tests, NULL, NULL);
}
