/* The .NET heap walker (src/clr/) on a synthetic .NET 10 process built in memory by
 * tests/fuzz/clrproc_builder.h: no dotnet needed. hd_clr_graph runs unmodified on a target
 * whose ranges hold a fake libcoreclr.so (ELF exports, contract descriptor, g_dacTable), the
 * GC's structures, a handle table segment, the objects and a thread stack.
 *
 * First the exact graph (nodes, sizes, references, root categories, the weak and dependent
 * handles, the f-reachable queue, the allocation context skipped), then hostile variants: each
 * must end in HD_OK with the damage counted, or HD_EINPUT naming the file; never a crash, a
 * hang or a leak (the suite also runs under ASan + UBSan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heapdiff/clr.h"
#include "heapdiff/graph.h"
#include "heapdiff/target.h"

#include "../fuzz/clrproc_builder.h"

/* Walks p with the buffer bytes [gap_off, gap_off + gap_len) missing from the dump. */
static int walk(cp_proc *p, size_t gap_off, size_t gap_len, hd_graph *g, hd_clr_heap_info *info,
                hd_error *err)
{
    cp_target c;
    cp_target_make(&c, p, gap_off, gap_len);
    hd_graph_init(g);
    hd_error_clear(err);
    int rc = hd_clr_graph(&c.t, g, info, err);
    if (rc) assert_int_equal(err->code, rc);
    return rc;
}

static size_t buf_off(cp_proc *p, uint64_t addr)
{
    uint8_t *b = cp_at(p, addr);
    assert_non_null(b);
    return (size_t)(b - p->buf);
}

static hd_node node_of(const hd_graph *g, uint64_t addr)
{
    for (hd_node n = 0; n < g->n_nodes; n++)
        if (g->addr[n] == addr) return n;
    return HD_NODE_NONE;
}

/* The first cap children of n (node ids, in edge order); returns how many it has. */
static uint32_t children(const hd_graph *g, hd_node n, hd_node *out, uint32_t cap)
{
    uint32_t k = 0;
    for (uint64_t e = g->first[n]; e < g->first[n + 1] && k < cap; e++) out[k++] = g->target[e];
    return (uint32_t)(g->first[n + 1] - g->first[n]);
}

static void expect_children(const hd_graph *g, uint32_t obj, const uint32_t *want, uint32_t n)
{
    hd_node c[16];
    hd_node node = node_of(g, cp_obj(obj));
    assert_int_not_equal(node, HD_NODE_NONE);
    uint32_t k = children(g, node, c, 16);
    if (k != n) fail_msg("object %u: %u children, expected %u", obj, k, n);
    for (uint32_t i = 0; i < n; i++) assert_int_equal(c[i], node_of(g, cp_obj(want[i])));
}

/* The pseudo node under the root named `name`, or HD_NODE_NONE. */
static hd_node category(const hd_graph *g, const char *name)
{
    for (uint64_t e = g->first[g->root]; e < g->first[g->root + 1]; e++)
        if (!strcmp(hd_type_name(g, g->type[g->target[e]]), name)) return g->target[e];
    return HD_NODE_NONE;
}

static void expect_category(const hd_graph *g, const char *name, const uint32_t *objs, uint32_t n)
{
    hd_node cat = category(g, name), c[16];
    if (cat == HD_NODE_NONE) fail_msg("no category %s", name);
    assert_int_equal(g->type[cat] < g->types.count, 1);
    assert_int_equal(g->addr[cat], 0);
    uint32_t k = children(g, cat, c, 16);
    if (k != n) fail_msg("%s: %u roots, expected %u", name, k, n);
    for (uint32_t i = 0; i < n; i++) assert_int_equal(c[i], node_of(g, cp_obj(objs[i])));
}

/* Root edges of the kind named k (hd_clr_root_kind_name). */
static uint64_t roots_of(const hd_clr_heap_info *info, const char *k)
{
    for (int i = 0; i < HD_CLR_ROOT_KINDS; i++)
        if (!strcmp(hd_clr_root_kind_name(i), k)) return info->roots[i];
    fail_msg("no root kind %s", k);
    return 0;
}

static void test_exact_graph(void **state)
{
    (void)state;
    cp_proc p;
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    hd_graph g;
    hd_clr_heap_info info;
    hd_error err;
    assert_int_equal(walk(&p, 0, 0, &g, &info, &err), HD_OK);

    /* 14 objects in address order, then the root and 6 categories. */
    assert_int_equal(info.objects, CPO_N);
    assert_int_equal(g.n_nodes, CPO_N + 1 + 6);
    uint64_t bytes = 0;
    for (uint32_t o = 0; o < CPO_N; o++) {
        assert_int_equal(g.addr[o], cp_obj(o));
        assert_int_equal(hd_node_size(&g, o), cp_obj_size[o]);
        bytes += cp_obj_size[o];
    }
    assert_int_equal(info.bytes, bytes);
    assert_int_equal(g.root, CPO_N);
    assert_string_equal(hd_type_name(&g, g.type[g.root]), "[.NET Roots]");

    /* References: Node's two GCDesc series, object[]'s one, KV[]'s repeating N < 0 items,
     * the dependent handle as an edge primary -> secondary; nothing else has any. */
    static const uint32_t a[] = {CPO_O2, CPO_S3}, o2[] = {CPO_B, CPO_HI}, b[] = {CPO_A},
                          kv[] = {CPO_B, CPO_O6}, ts[] = {CPO_S3}, pq[] = {CPO_Q};
    expect_children(&g, CPO_A, a, 2);
    expect_children(&g, CPO_O2, o2, 2);
    expect_children(&g, CPO_B, b, 1);
    expect_children(&g, CPO_KV, kv, 2);
    expect_children(&g, CPO_TS, ts, 1);
    expect_children(&g, CPO_P, pq, 1);
    static const uint32_t leaves[] = {CPO_HI,  CPO_FOBJ, CPO_O6, CPO_S3,
                                      CPO_FIN, CPO_Q,    CPO_X,  CPO_BYTES};
    for (size_t i = 0; i < sizeof leaves / sizeof *leaves; i++)
        expect_children(&g, leaves[i], NULL, 0);
    assert_int_equal(g.first[CPO_N], 9); /* all object edges come before the roots' */

    /* Roots, by category; the weak handle as a weak edge from the root. */
    assert_int_equal(g.first[g.root + 1] - g.first[g.root], 6);
    static const uint32_t strong[] = {CPO_A}, pinned[] = {CPO_BYTES}, stack[] = {CPO_A, CPO_P},
                          statics[] = {CPO_TS}, fin[] = {CPO_FIN}, frozen[] = {CPO_HI, CPO_FOBJ};
    expect_category(&g, "[strong handles]", strong, 1);
    expect_category(&g, "[pinning handles]", pinned, 1);
    expect_category(&g, "[local vars (conservative)]", stack, 2);
    expect_category(&g, "[thread static vars]", statics, 1);
    expect_category(&g, "[finalizer queue (f-reachable)]", fin, 1);
    expect_category(&g, "[frozen objects]", frozen, 2);
    assert_int_equal(g.n_weak, 1);
    assert_int_equal(g.weak[0][0], g.root);
    assert_int_equal(g.weak[0][1], node_of(&g, cp_obj(CPO_X)));
    assert_int_equal(g.n_edges, 9 + 6 + 8);

    /* What the walk reports. */
    assert_string_equal(info.runtime, "10.0.12");
    assert_int_equal(info.layout_from_descriptor, 1);
    assert_int_equal(info.server, 0);
    assert_int_equal(info.regions, 1);
    assert_int_equal(info.n_heaps, 1);
    assert_int_equal(info.n_segments, 4); /* frozen, gen2, gen0, LOH; empty gen1/POH dropped */
    assert_int_equal(info.n_method_tables, 7);
    assert_int_equal(info.free_objects, 1);
    assert_int_equal(info.free_bytes, 32);
    assert_int_equal(info.corrupt, 0);
    assert_int_equal(info.dangling, 0);
    assert_int_equal(info.unnamed_types, 7);
    assert_int_equal(info.dependent_handles, 1);
    assert_int_equal(info.finalizable, 1);
    static const struct {
        const char *kind;
        uint64_t n;
    } want_roots[] = {{"strong handle", 1}, {"pinned handle", 1},   {"stack (conservative)", 2},
                      {"thread static", 1}, {"finalizer queue", 1}, {"frozen object", 2},
                      {"weak handle", 1}};
    uint64_t named = 0, all = 0;
    for (size_t i = 0; i < sizeof want_roots / sizeof *want_roots; i++) {
        if (roots_of(&info, want_roots[i].kind) != want_roots[i].n)
            fail_msg("%s: %llu roots", want_roots[i].kind,
                     (unsigned long long)roots_of(&info, want_roots[i].kind));
        named += want_roots[i].n;
    }
    for (int k = 0; k < HD_CLR_ROOT_KINDS; k++) all += info.roots[k];
    assert_int_equal(all, named); /* no other kind */
    assert_string_equal(info.notes, "");

    /* Names: the crafted modules have no metadata; arrays are named by element type. */
    char want[96];
    snprintf(want, sizeof want, "UNKNOWN_TYPE(MT 0x%llx)", (unsigned long long)cp_mt(CPM_NODE));
    assert_string_equal(hd_type_name(&g, g.type[node_of(&g, cp_obj(CPO_A))]), want);
    snprintf(want, sizeof want, "UNKNOWN_TYPE(MT 0x%llx)[]", (unsigned long long)cp_mt(CPM_OBJECT));
    hd_node o2n = node_of(&g, cp_obj(CPO_O2));
    assert_string_equal(hd_type_name(&g, g.type[o2n]), want);
    assert_int_equal(g.types.types[g.type[o2n]].kind, HD_KIND_ARRAY);
    assert_int_equal(g.types.types[g.type[node_of(&g, cp_obj(CPO_S3))]].kind, HD_KIND_STRING);
    assert_int_equal(g.type[node_of(&g, cp_obj(CPO_S3))], g.type[node_of(&g, cp_obj(CPO_HI))]);
    assert_int_equal(g.meta.pointer_size, 8);
    assert_int_equal(g.meta.process_id, 4242);
    assert_string_equal(g.meta.format, "elfcore");
    hd_graph_free(&g);
    free(p.buf);
}

/* Node B's MethodTable pointer destroyed: the walk resynchronises on the next object (KV),
 * counts one corrupt place of 40 bytes and the two references to B as dangling. */
static void test_corrupt_object(void **state)
{
    (void)state;
    const uint64_t bad[] = {0xdeadbeef0ull, 0, cp_obj(CPO_A) /* an object, not an MT */,
                            cp_mt(CPM_OBJECT) + 8};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cp_proc p;
        assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
        cp_w64(&p, cp_obj(CPO_B), bad[i]);
        hd_graph g;
        hd_clr_heap_info info;
        hd_error err;
        assert_int_equal(walk(&p, 0, 0, &g, &info, &err), HD_OK);
        assert_int_equal(info.objects, CPO_N - 1);
        assert_int_equal(info.corrupt, 1);
        assert_int_equal(info.corrupt_bytes, 40);
        assert_int_equal(info.dangling, 2);
        assert_int_equal(node_of(&g, cp_obj(CPO_B)), HD_NODE_NONE);
        static const uint32_t kv[] = {CPO_O6};
        expect_children(&g, CPO_KV, kv, 1);
        assert_int_not_equal(node_of(&g, cp_obj(CPO_BYTES)), HD_NODE_NONE);
        assert_non_null(strstr(info.notes, "could not be parsed"));
        hd_graph_free(&g);
        free(p.buf);
    }
}

/* Segment chains that loop (gen2 -> frozen -> gen2; a region its own next): the walk ends,
 * every region once. */
static void test_segment_cycle(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        cp_proc p;
        assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
        if (v == 0)
            cp_w64(&p, cp_seg(CPS_GEN2) + 48, cp_seg(CPS_FROZEN));
        else
            cp_w64(&p, cp_seg(CPS_LOH) + 48, cp_seg(CPS_LOH));
        hd_graph g;
        hd_clr_heap_info info;
        hd_error err;
        assert_int_equal(walk(&p, 0, 0, &g, &info, &err), HD_OK);
        assert_int_equal(info.objects, CPO_N);
        assert_int_equal(info.n_segments, 4);
        assert_int_equal(info.corrupt, 0);
        hd_graph_free(&g);
        free(p.buf);
    }
}

/* An empty allocation context (ptr == limit) sitting right at an object, with no minimum
 * object kept after it: the walk goes on at that object (it used to skip the rest of the
 * region: TS, X and P lost without a word). */
static void test_empty_alloc_context(void **state)
{
    (void)state;
    cp_proc p;
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    const uint64_t gen1 = CP_G_ADDR + CPG_GEN_TABLE + 1 * CP_GEN_SIZE; /* its alloc_context */
    cp_w64(&p, gen1, cp_obj(CPO_TS));
    cp_w64(&p, gen1 + 8, cp_obj(CPO_TS));
    hd_graph g;
    hd_clr_heap_info info;
    hd_error err;
    assert_int_equal(walk(&p, 0, 0, &g, &info, &err), HD_OK);
    assert_int_equal(info.objects, CPO_N);
    assert_int_equal(info.corrupt, 0);
    assert_int_not_equal(node_of(&g, cp_obj(CPO_X)), HD_NODE_NONE);
    hd_graph_free(&g);
    free(p.buf);
}

/* A thread stack whose first two words the dump left out: the scan goes on past the hole
 * (it used to stop there and lose A's stack root). */
static void test_stack_hole(void **state)
{
    (void)state;
    cp_proc p;
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    hd_graph g;
    hd_clr_heap_info info;
    hd_error err;
    assert_int_equal(walk(&p, buf_off(&p, CP_S_ADDR), 16, &g, &info, &err), HD_OK);
    static const uint32_t stack[] = {CPO_A};
    expect_category(&g, "[local vars (conservative)]", stack, 1);
    hd_graph_free(&g);
    free(p.buf);
}

/* A handle table segment that is its own next (and a handle table map list that loops): each
 * handle is seen once (the segment used to be scanned 65,536 times: as many dependent handle
 * edges P -> Q, and every root repeated). */
static void test_handle_list_loops(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        cp_proc p;
        assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
        if (v == 0)
            cp_w64(&p, CP_HS_ADDR + 1998, CP_HS_ADDR);
        else
            cp_w64(&p, CP_G_ADDR + CPG_HT_MAP + 8, CP_G_ADDR + CPG_HT_MAP);
        hd_graph g;
        hd_clr_heap_info info;
        hd_error err;
        assert_int_equal(walk(&p, 0, 0, &g, &info, &err), HD_OK);
        assert_int_equal(info.dependent_handles, 1);
        static const uint32_t pq[] = {CPO_Q};
        expect_children(&g, CPO_P, pq, 1);
        assert_int_equal(roots_of(&info, "strong handle"), 1);
        hd_graph_free(&g);
        free(p.buf);
    }
}

/* GCDescs with absurd contents: counts far beyond any type, counts whose words are not in
 * the dump, series larger than the object, items that never advance. */
static void test_absurd_gcdesc(void **state)
{
    (void)state;
    const uint64_t node = cp_mt(CPM_NODE), arr = cp_mt(CPM_OBJARR), kv = cp_mt(CPM_KVARR);
    struct {
        uint64_t at, v;
        int invalid; /* the MethodTable must be refused (its objects become corrupt) */
    } cases[] = {
        {node - 8, 0x7fffffffffffffffull, 1}, /* N huge */
        {node - 8, 0x8000000000000000ull, 1}, /* N most negative */
        {node - 8, 60000, 1},                 /* words far below the range's start */
        {node - 8, (uint64_t)-60000, 1},
        {node - 16, 0xFFFFFFFFFFFFull, 1},   /* a start offset past any object */
        {node - 16, 0, 1},                   /* start offset inside the MethodTable pointer */
        {arr - 24, 0x7FFFFFFFFFFFull, 0},    /* a series past the object: clamped */
        {arr - 24, (uint64_t)-100000, 0},    /* a series ending before it starts */
        {kv - 24, 0, 0},                     /* nptrs 0, skip 0: does not advance */
        {kv - 24, 0xFFFFFFFFull, 0},         /* nptrs 2^32-1, skip 0 */
        {kv - 24, 0xFFFFFFFF00000001ull, 0}, /* skip 2^32-1 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cp_proc p;
        assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
        cp_w64(&p, cases[i].at, cases[i].v);
        hd_graph g;
        hd_clr_heap_info info;
        hd_error err;
        assert_int_equal(walk(&p, 0, 0, &g, &info, &err), HD_OK);
        if (cases[i].invalid) {
            /* The three Nodes are gone; the rest stands. */
            assert_int_equal(info.objects, CPO_N - 3);
            assert_int_equal(info.corrupt, 3);
            assert_int_not_equal(node_of(&g, cp_obj(CPO_BYTES)), HD_NODE_NONE);
        } else {
            assert_int_equal(info.objects, CPO_N);
            assert_int_equal(info.corrupt, 0);
        }
        for (uint64_t e = 0; e < g.n_edges; e++) assert_true(g.target[e] < g.n_nodes);
        hd_graph_free(&g);
        free(p.buf);
    }
}

/* An object whose length runs past its region's end: refused, and what follows in the region
 * is scanned for a resynchronisation point without reading past it. */
static void test_object_past_end(void **state)
{
    (void)state;
    static const uint32_t objs[] = {CPO_BYTES, CPO_KV, CPO_P};
    static const uint32_t lens[] = {0x10000000u, 0xFFFFFFFFu, 400};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
        for (size_t j = 0; j < sizeof lens / sizeof *lens; j++) {
            cp_proc p;
            assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
            uint64_t o = cp_obj(objs[i]);
            if (objs[i] == CPO_P) /* an Object becomes a big byte[] */
                cp_w64(&p, o, cp_mt(CPM_BYTES));
            cp_w32(&p, o + 8, lens[j]);
            hd_graph g;
            hd_clr_heap_info info;
            hd_error err;
            assert_int_equal(walk(&p, 0, 0, &g, &info, &err), HD_OK);
            assert_int_equal(node_of(&g, o), HD_NODE_NONE);
            assert_true(info.corrupt >= 1);
            if (objs[i] == CPO_KV) /* O6 after it is found again */
                assert_int_not_equal(node_of(&g, cp_obj(CPO_O6)), HD_NODE_NONE);
            assert_int_not_equal(node_of(&g, cp_obj(CPO_A)), HD_NODE_NONE);
            hd_graph_free(&g);
            free(p.buf);
        }
}

/* Pages missing from the dump: part of a region, a whole region, the handle segment, the
 * finalize queue, the stack, the MethodTables. */
static void test_truncated(void **state)
{
    (void)state;
    cp_proc p;
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    const struct {
        uint64_t addr, len;
        uint64_t min_objects, max_objects;
    } cases[] = {
        {CP_H_ADDR + 0x180, 0x40, 10, CPO_N - 1},         /* B and KV's start */
        {CP_H_ADDR + 0x300, 0x200, CPO_N - 6, CPO_N - 6}, /* all of gen0 */
        {CP_HS_ADDR, CP_HS_SIZE, CPO_N, CPO_N},           /* the handle table */
        {CP_HS_ADDR + 0x1000, 0x400, CPO_N, CPO_N},       /* its first two blocks */
        {CP_G_ADDR + CPG_CFINALIZE, 0x100, CPO_N, CPO_N},
        {CP_G_ADDR + CPG_THREAD, 0x280, CPO_N - 1, CPO_N}, /* thread: the context is lost */
        {CP_S_ADDR, CP_S_SIZE, CPO_N, CPO_N},
        {cp_mt(CPM_NODE) - 0x40, 0xE0, CPO_N - 3, CPO_N - 3}, /* Node MT: A, B, Q lost */
        {cp_mt(CPM_KVARR) - 0x18, 0x8, CPO_N - 1, CPO_N - 1}, /* KV's GCDesc item */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hd_graph g;
        hd_clr_heap_info info;
        hd_error err;
        int rc = walk(&p, buf_off(&p, cases[i].addr), cases[i].len, &g, &info, &err);
        if (rc) fail_msg("case %zu: %s", i, err.msg);
        if (info.objects < cases[i].min_objects || info.objects > cases[i].max_objects)
            fail_msg("case %zu: %llu objects", i, (unsigned long long)info.objects);
        for (uint64_t e = 0; e < g.n_edges; e++) assert_true(g.target[e] < g.n_nodes);
        if (i == 2 || i == 4) assert_true(info.notes[0] != '\0');
        hd_graph_free(&g);
    }
    /* No object memory at all: nothing to walk is an input error (with the full-dump
     * advice), not an empty heap. */
    hd_graph g;
    hd_clr_heap_info info;
    hd_error err;
    assert_int_equal(walk(&p, buf_off(&p, CP_H_ADDR), CP_H_SIZE, &g, &info, &err), HD_EINPUT);
    assert_non_null(strstr(err.msg, "synthetic.core"));
    assert_non_null(strstr(err.msg, "not in the dump"));
    hd_graph_free(&g);
    free(p.buf);
}

/* Lists that loop (thread list, handle table segments and maps) and a finalize queue whose
 * fill pointers run past its array: bounded, the rest of the graph intact. */
static void test_hostile_lists(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        cp_proc p;
        assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
        const uint64_t G = CP_G_ADDR;
        if (v == 0) cp_w64(&p, G + CPG_THREAD + 112, G + CPG_THREAD + 112);
        if (v == 1) cp_w64(&p, CP_HS_ADDR + 1998, CP_HS_ADDR);
        if (v == 2) cp_w64(&p, G + CPG_HT_MAP + 8, G + CPG_HT_MAP);
        if (v == 3) cp_w64(&p, G + CPG_CFINALIZE + 48, G + CPG_FQ_ARRAY + 0x100000000ull);
        hd_graph g;
        hd_clr_heap_info info;
        hd_error err;
        int rc = walk(&p, 0, 0, &g, &info, &err);
        if (rc) fail_msg("variant %d: %s", v, err.msg);
        assert_int_equal(info.objects, CPO_N);
        assert_int_equal(info.corrupt, 0);
        assert_int_equal(roots_of(&info, "strong handle"), 1);
        assert_int_equal(roots_of(&info, "thread static"), 1);
        assert_int_equal(roots_of(&info, "finalizer queue"), v == 3 ? 0 : 1);
        if (v == 0) assert_non_null(strstr(info.notes, "thread list loops"));
        if (v == 3) assert_non_null(strstr(info.notes, "finalization queue"));
        hd_graph_free(&g);
        free(p.buf);
    }
}

/* Regions whose mem lies past their allocated end (or whose end is absurd) are skipped. */
static void test_bad_region_bounds(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        cp_proc p;
        assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
        uint64_t seg = cp_seg(CPS_GEN2);
        /* LOH claims a terabyte: cut to what the dump holds, no index of that size. */
        if (v == 3) cp_w64(&p, cp_seg(CPS_LOH), CP_H_ADDR + (1ull << 40));
        if (v == 0) cp_w64(&p, seg + 32, CP_H_ADDR + 0x1F8); /* mem > allocated */
        if (v == 1) cp_w64(&p, seg + 0, 0xFFFFFFFFFFFFFFF0ull);
        if (v == 2) cp_w64(&p, seg + 0, CP_H_ADDR + 0x7F0); /* overlaps gen0 and LOH */
        hd_graph g;
        hd_clr_heap_info info;
        hd_error err;
        int rc = walk(&p, 0, 0, &g, &info, &err);
        if (rc) fail_msg("variant %d: %s", v, err.msg);
        if (v < 2) {
            assert_int_equal(info.objects, CPO_N - 5);
            assert_int_equal(node_of(&g, cp_obj(CPO_A)), HD_NODE_NONE);
            assert_int_equal(roots_of(&info, "strong handle"), 0); /* its target is gone */
        } else if (v == 2) {
            assert_true(info.objects >= CPO_N - 7);
            assert_non_null(strstr(info.notes, "overlaps"));
        } else {
            assert_int_equal(info.objects, CPO_N);
            assert_int_equal(info.corrupt, 1); /* the zeros after byte[] up to H's end */
            assert_int_equal(info.corrupt_bytes, CP_H_SIZE - 0x748);
            assert_non_null(strstr(info.notes, "mostly not"));
        }
        hd_graph_free(&g);
        free(p.buf);
    }
}

static void expect_einput(cp_proc *p, size_t gap_off, size_t gap_len, const char *needle)
{
    hd_graph g;
    hd_clr_heap_info info;
    hd_error err;
    int rc = walk(p, gap_off, gap_len, &g, &info, &err);
    if (rc != HD_EINPUT) fail_msg("expected HD_EINPUT (%s), got %d", needle, rc);
    assert_non_null(strstr(err.msg, "synthetic.core"));
    if (!strstr(err.msg, needle)) fail_msg("\"%s\" lacks \"%s\"", err.msg, needle);
    assert_null(strchr(err.msg, '\n'));
    hd_graph_free(&g);
}

/* Missing or wrong runtime structures: a clean HD_EINPUT naming the dump. */
static void test_input_errors(void **state)
{
    (void)state;
    cp_proc p;
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    expect_einput(&p, buf_off(&p, CP_RT_ADDR + CPR_DAC_TABLE), 1032, "g_dacTable");
    expect_einput(&p, buf_off(&p, CP_G_ADDR), 0x100, "DAC variables");
    /* GcDacVars of another major version; generation counts out of range. */
    cp_at(&p, CP_G_ADDR + CPG_GDV)[0] = 3;
    expect_einput(&p, 0, 0, "version 3");
    cp_at(&p, CP_G_ADDR + CPG_GDV)[0] = 2;
    cp_w64(&p, CP_G_ADDR + CPG_GDV + 16, 1000);
    expect_einput(&p, 0, 0, "1000 generations");
    cp_w64(&p, CP_G_ADDR + CPG_GDV + 16, 5);
    /* No generation has a region. */
    for (uint32_t gen = 0; gen < 5; gen++)
        cp_w64(&p, CP_G_ADDR + CPG_GEN_TABLE + gen * CP_GEN_SIZE + 56, 0);
    expect_einput(&p, 0, 0, "no segments");
    free(p.buf);
    /* g_dacTable without the anchors the descriptor names, and no GcDacVars header in the
     * runtime's memory to fall back on. */
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    cp_w64(&p, CP_RT_ADDR + CPR_DAC_TABLE + 8 * 20, 0);
    expect_einput(&p, 0, 0, "g_dacTable");
    free(p.buf);
    /* A descriptor without a field the walk needs. */
    char json[sizeof cp_json];
    memcpy(json, cp_json, sizeof json);
    char *f = strstr(json, "\"EEClass\":{\"MethodTable\"");
    assert_non_null(f);
    memcpy(f + 12, "Methodtable", 11);
    assert_int_equal(cp_build(&p, json, strlen(json), NULL, 0), 0);
    expect_einput(&p, 0, 0, "EEClass.MethodTable");
    free(p.buf);
    /* MethodTable fields outside the MethodTable (read whole into a small buffer). */
    static const char *const bad_mt[][2] = {{"\"MTFlags\":0,", "\"MTFlags\":99999,"},
                                            {"\"!\":64,", "\"!\":4096,"},
                                            {"\"PerInstInfo\":48", "\"PerInstInfo\":60"},
                                            {"\"NumDicts\":4", "\"NumDicts\":7"}};
    for (size_t i = 0; i < sizeof bad_mt / sizeof *bad_mt; i++) {
        char edited[sizeof cp_json + 16];
        const char *at = strstr(cp_json, bad_mt[i][0]);
        assert_non_null(at);
        snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - cp_json), cp_json, bad_mt[i][1],
                 at + strlen(bad_mt[i][0]));
        assert_int_equal(cp_build(&p, edited, strlen(edited), NULL, 0), 0);
        expect_einput(&p, 0, 0, "implausible MethodTable layout");
        free(p.buf);
    }
}

/* Without the descriptor's pages (a with-heap core may lack them) the built-in .NET 10 table
 * and g_dacTable's own positions give the same graph. */
static void test_builtin_layout(void **state)
{
    (void)state;
    cp_proc p;
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    hd_graph g;
    hd_clr_heap_info info;
    hd_error err;
    assert_int_equal(walk(&p, buf_off(&p, CP_RT_ADDR + CP_JSON_OFF), 0x100, &g, &info, &err),
                     HD_OK);
    assert_int_equal(info.layout_from_descriptor, 0);
    assert_int_equal(info.objects, CPO_N);
    assert_int_equal(info.corrupt, 0);
    assert_int_equal(g.n_nodes, CPO_N + 1 + 6);
    assert_int_equal(g.n_edges, 9 + 6 + 8);
    hd_graph_free(&g);
    free(p.buf);
}

/* Without g_dacTable (Windows runtimes do not export it) GcDacVars is found by its header in
 * the runtime's memory: the same graph. */
static void test_gc_dac_vars_by_header(void **state)
{
    (void)state;
    cp_proc p;
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    const uint64_t copy = CP_RT_ADDR + 0x3800;
    memcpy(cp_at(&p, copy), cp_at(&p, CP_G_ADDR + CPG_GDV), 328);
    memset(cp_at(&p, CP_RT_ADDR + CPR_DAC_TABLE), 0, 1032);
    hd_graph g;
    hd_clr_heap_info info;
    hd_error err;
    int rc = walk(&p, 0, 0, &g, &info, &err);
    if (rc) fail_msg("%s", err.msg);
    assert_int_equal(info.objects, CPO_N);
    assert_int_equal(info.corrupt, 0);
    assert_int_equal(g.n_edges, 9 + 6 + 8);
    assert_non_null(strstr(info.notes, "found by their header"));
    hd_graph_free(&g);
    /* A header-like decoy before it (generation count 7) is passed over. */
    memcpy(cp_at(&p, copy - 0x400), cp_at(&p, copy), 328);
    cp_w64(&p, copy - 0x400 + 16, 7);
    rc = walk(&p, 0, 0, &g, &info, &err);
    if (rc) fail_msg("%s", err.msg);
    assert_int_equal(info.objects, CPO_N);
    hd_graph_free(&g);
    free(p.buf);
}

/* The same heap as a server GC with one heap: gc_heap fields found through GcDacVars'
 * gc_heap_field_offsets (alloc_allocated, ephemeral segment, finalize queue, generation table),
 * the heap through n_heaps / g_heaps. */
static void test_server_gc(void **state)
{
    (void)state;
    cp_proc p;
    assert_int_equal(cp_build(&p, NULL, 0, NULL, 0), 0);
    const uint64_t G = CP_G_ADDR, hp = G + 0x3C0, offs = G + 0x1500, n_heaps = G + 0x1560,
                   g_heaps = G + 0x1568, heaps = G + 0x1570;
    cp_w32(&p, CP_RT_ADDR + CPR_HEAP_TYPE, 2);
    cp_w64(&p, G + CPG_GDV + 176, n_heaps);
    cp_w64(&p, G + CPG_GDV + 184, g_heaps);
    cp_w64(&p, G + CPG_GDV + 240, offs);
    cp_w64(&p, G + CPG_GDV + 48, 0); /* workstation-only fields unset */
    cp_w64(&p, G + CPG_GDV + 80, 0);
    cp_w64(&p, G + CPG_GDV + 120, 0);
    cp_w64(&p, G + CPG_GDV + 144, 0);
    cp_w32(&p, n_heaps, 1);
    cp_w64(&p, g_heaps, heaps);
    cp_w64(&p, heaps, hp);
    for (int i = 0; i < 19; i++) cp_w32(&p, offs + 4 * i, 0xFFFFFFFFu);
    cp_w32(&p, offs + 0, 0);         /* alloc_allocated */
    cp_w32(&p, offs + 4, 8);         /* ephemeral_heap_segment */
    cp_w32(&p, offs + 8, 16);        /* finalize_queue */
    cp_w32(&p, offs + 4 * 18, 0x40); /* generation_table */
    cp_w64(&p, hp, CP_H_ADDR + CPH_GEN0_END);
    cp_w64(&p, hp + 8, cp_seg(CPS_GEN0));
    cp_w64(&p, hp + 16, G + CPG_CFINALIZE);
    hd_graph g;
    hd_clr_heap_info info;
    hd_error err;
    int rc = walk(&p, 0, 0, &g, &info, &err);
    if (rc) fail_msg("%s", err.msg);
    assert_int_equal(info.server, 1);
    assert_int_equal(info.n_heaps, 1);
    assert_int_equal(info.objects, CPO_N);
    assert_int_equal(info.corrupt, 0);
    assert_int_equal(roots_of(&info, "finalizer queue"), 1);
    assert_int_equal(g.n_edges, 9 + 6 + 8);
    hd_graph_free(&g);
    /* Implausible heap counts. */
    static const uint32_t bad[] = {0, 100000};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cp_w32(&p, n_heaps, bad[i]);
        expect_einput(&p, 0, 0, "heap count");
    }
    free(p.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_graph),           cmocka_unit_test(test_corrupt_object),
        cmocka_unit_test(test_segment_cycle),         cmocka_unit_test(test_absurd_gcdesc),
        cmocka_unit_test(test_object_past_end),       cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_region_bounds),     cmocka_unit_test(test_hostile_lists),
        cmocka_unit_test(test_input_errors),          cmocka_unit_test(test_builtin_layout),
        cmocka_unit_test(test_gc_dac_vars_by_header), cmocka_unit_test(test_server_gc),
        cmocka_unit_test(test_empty_alloc_context),   cmocka_unit_test(test_stack_hole),
        cmocka_unit_test(test_handle_list_loops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
